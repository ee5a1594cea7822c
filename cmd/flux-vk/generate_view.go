//go:build !noviewer

package main

import (
	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/loader"
	"github.com/flux-vk/flux-vk/viewer"
)

// generateViewed is generate with --view: the window opens first (the
// device must be made for it), the pictures are made on another goroutine,
// and this one — the main one — keeps the window alive.
func (f *genFlags) generateViewed(m *loader.Model, pr *progress) (err error) {
	w, h := viewer.WindowSize(f.width, f.height)
	win, err := viewer.Open("flux-vk", w, h, engine.Options{Select: f.device})
	if err != nil {
		return deviceError(err)
	}
	defer func() {
		if verr := closeReporting(win.Device(), win.Close); err == nil {
			err = verr
		}
	}()
	be, err := f.backendOn(win.Device())
	if err != nil {
		return err
	}
	_, err = win.Run(func(show func(viewer.Frame)) error {
		return generateAll(f, m, be, pr, func(rgb []byte, w, h int, title string) {
			show(viewer.Frame{RGB: rgb, W: w, H: h, Title: title})
		})
	}, !f.viewClose)
	return err
}
