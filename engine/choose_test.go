package engine

import "testing"

func TestChoose(t *testing.T) {
	infos := []Info{
		{Name: "llvmpipe (LLVM 15.0.6, 256 bits)", Type: "cpu"},
		{Name: "Intel(R) UHD Graphics 770", Type: "integrated", Heaps: []Heap{{Size: 8 << 30, DeviceLocal: true}}},
		{Name: "AMD Radeon RX 7900 XTX", Type: "discrete", Heaps: []Heap{{Size: 24 << 30, DeviceLocal: true}}},
		{Name: "NVIDIA GeForce RTX 4090", Type: "discrete", Heaps: []Heap{{Size: 24<<30 + 1, DeviceLocal: true}}},
	}
	for _, c := range []struct {
		sel  string
		want int
		ok   bool
	}{
		{"", 3, true}, {"0", 0, true}, {"2", 2, true}, {"llvmpipe", 0, true}, {"intel", 1, true},
		{"RTX", 3, true}, {"9", -1, false}, {"-1", -1, false}, {"voodoo", -1, false},
	} {
		got, err := choose(infos, c.sel)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("choose(%q) = %d, %v; want %d ok=%v", c.sel, got, err, c.want, c.ok)
		}
	}
	if _, err := choose(nil, ""); err != ErrNoDevice {
		t.Errorf("no devices: %v", err)
	}
}
