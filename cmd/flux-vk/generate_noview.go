//go:build noviewer

package main

import (
	"fmt"

	"github.com/flux-vk/flux-vk/loader"
)

// generateViewed: this build (-tags noviewer, for machines without X11's
// libraries) has no window.
func (f *genFlags) generateViewed(*loader.Model, *progress) error {
	return fmt.Errorf("--view: this flux-vk was built without the viewer (-tags noviewer); run without --view, or build without that tag")
}
