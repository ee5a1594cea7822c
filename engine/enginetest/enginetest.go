// Package enginetest opens the device that tests run on: the one the
// environment selects (CI pins Mesa's software device), always with the
// Khronos validation layer and synchronization validation on. Any message
// the layer reports fails the test.
package enginetest

import (
	"strings"
	"sync"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
)

var (
	once   sync.Once
	shared *engine.Device
	err    error
)

// Device returns a validated device shared by the tests of one package, and
// fails t at cleanup if the validation layer said anything during it.
func Device(t testing.TB) *engine.Device {
	t.Helper()
	once.Do(func() { shared, err = engine.Open(engine.Options{Validation: true}) })
	if err != nil {
		t.Fatalf("open Vulkan device with validation: %v\n%s", err, engine.Hint)
	}
	shared.ValidationMessages() // start clean
	t.Cleanup(func() { CheckClean(t, shared) })
	return shared
}

// CheckClean fails t if the validation layer reported anything.
func CheckClean(t testing.TB, d *engine.Device) {
	t.Helper()
	if msgs := d.ValidationMessages(); len(msgs) > 0 {
		t.Errorf("validation layer reported %d message(s):\n%s", len(msgs), strings.Join(msgs, "\n---\n"))
	}
}
