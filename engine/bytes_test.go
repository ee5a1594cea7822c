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

// Host buffers (where streamed weights wait) hold data for the device to
// copy, and count as host memory, not against the device's memory or its
// limit.
func TestAllocHost(t *testing.T) {
	d := enginetest.Device(t)
	defer d.SetMemoryLimit(0)
	live, host := d.LiveBytes(), d.HostBytes()
	d.SetMemoryLimit(live + 4096)
	h, err := d.AllocHost(1 << 20)
	if err != nil {
		t.Fatalf("host buffer over the device's memory limit: %v", err)
	}
	if d.LiveBytes() != live || d.HostBytes() != host+1<<20 {
		t.Errorf("device bytes %d → %d, host bytes %d → %d", live, d.LiveBytes(), host, d.HostBytes())
	}
	data := []byte("streamed weights")
	if err := d.Upload(h, 256, data); err != nil {
		t.Fatal(err)
	}
	dev, err := d.Alloc(1024)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Free(d)
	rec, err := d.NewRecorder(false)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	rec.Copy(dev.Slice(0, 256), h.Slice(256, 256))
	if err := rec.Run(); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(data))
	if err := d.Download(dev, 0, got); err != nil || string(got) != string(data) {
		t.Errorf("copied from host memory: %q, %v", got, err)
	}
	h.Free(d)
	if d.HostBytes() != host {
		t.Errorf("host bytes %d after free, want %d", d.HostBytes(), host)
	}
}
