package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/engine/enginetest"
)

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
