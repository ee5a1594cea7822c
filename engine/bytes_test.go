package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/engine/enginetest"
)

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
		got, err := engine.ParseBytes(c.in)
		if c.bad != (err != nil) || got != c.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d (error %v)", c.in, got, err, c.want, c.bad)
		}
	}
}

// Over the memory limit an allocation fails as out of memory, saying how
// much it asked for, how much was in use and the limit; under it, it works.
func TestMemoryLimit(t *testing.T) {
	d := enginetest.Device(t)
	defer d.SetMemoryLimit(0)
	d.SetMemoryLimit(d.LiveBytes() + 1<<20)
	b, err := d.Alloc(512 << 10)
	if err != nil {
		t.Fatalf("under the limit: %v", err)
	}
	defer b.Free(d)
	_, err = d.Alloc(1 << 20)
	if !errors.Is(err, engine.ErrOutOfMemory) {
		t.Fatalf("over the limit: %v, want ErrOutOfMemory", err)
	}
	for _, s := range []string{"allocate 1.0 MiB", "in use", "limit is"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%q does not say %q", err, s)
		}
	}
}
