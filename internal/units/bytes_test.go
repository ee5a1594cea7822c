package units

import "testing"

func TestParseBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
		bad  bool
	}{
		{in: "6GiB", want: 6 << 30}, {in: "6g", want: 6 << 30}, {in: "512 MiB", want: 512 << 20},
		{in: "1.5GB", want: 1.5e9}, {in: "4096", want: 4096}, {in: "10KB", want: 10000}, {in: "2T", want: 2 << 40},
		{in: "", bad: true}, {in: "six GiB", bad: true}, {in: "-1G", bad: true}, {in: "GiB", bad: true},
	} {
		got, err := ParseBytes(c.in)
		if c.bad != (err != nil) || got != c.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d (error %v)", c.in, got, err, c.want, c.bad)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 3 << 20: "3.0 MiB", 6 << 30: "6.00 GiB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
