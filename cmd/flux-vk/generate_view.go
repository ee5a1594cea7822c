package main

import (
	"fmt"
	"unicode/utf8"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/loader"
	"github.com/flux-vk/flux-vk/pipeline"
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
		return generateAll(f, m, be, pr, show)
	}, !f.viewClose)
	return err
}

// previewer shows each sampling step's estimate of the picture.
type previewer struct {
	show   func(viewer.Frame)
	eng    *pipeline.Engine
	req    pipeline.Request
	title  string
	shown  int
	failed bool
}

// step wraps the progress's step hook: it decodes the step's clean-latent
// estimate with the VAE and shows it. A preview that fails (the decoder
// does not fit beside the transformer) is noted once and previews stop; the
// picture is still made.
func (p *previewer) step(next func(pipeline.Step), note func(string, ...any)) func(pipeline.Step) {
	return func(s pipeline.Step) {
		if next != nil {
			next(s)
		}
		if p.failed {
			return
		}
		rgb, err := p.eng.Preview(s.X0, p.req.Height, p.req.Width)
		if err != nil {
			p.failed = true
			note("warning: no more step previews: %v", err)
			return
		}
		p.show(viewer.Frame{RGB: rgb, W: p.req.Width, H: p.req.Height, Title: fmt.Sprintf("%s — step %d", p.title, s.Index+1)})
		p.shown++
	}
}

// viewTitle names the window after the prompt (shortened) and the picture.
func viewTitle(f *genFlags, i int) string {
	p := f.prompt
	if utf8.RuneCountInString(p) > 60 {
		p = string([]rune(p)[:57]) + "…"
	}
	t := fmt.Sprintf("flux-vk — %q", p)
	if f.batch > 1 {
		t += fmt.Sprintf(" [%d/%d]", i+1, f.batch)
	}
	return t
}
