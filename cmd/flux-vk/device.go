package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/flux-vk/flux-vk/engine"
)

// openDevice opens the chosen device. With the validation layer on
// ($FLUXVK_VALIDATION=1, as the test suite runs), the returned check fails
// the command if the layer reported anything.
func openDevice(sel string) (*engine.Device, func() error, error) {
	d, err := engine.Open(engine.Options{Select: sel})
	if err != nil {
		return nil, nil, deviceError(err)
	}
	return d, func() error { return closeReporting(d, d.Close) }, nil
}

// closeReporting closes d with closeFn and fails when the validation layer
// reported anything while d was open.
func closeReporting(d *engine.Device, closeFn func()) error {
	msgs := d.ValidationMessages()
	closeFn()
	msgs = append(msgs, d.ValidationMessages()...)
	if len(msgs) == 0 {
		return nil
	}
	fmt.Fprintf(os.Stderr, "validation layer:\n%s\n", strings.Join(msgs, "\n---\n"))
	return fmt.Errorf("the Vulkan validation layer reported %d message(s)", len(msgs))
}
