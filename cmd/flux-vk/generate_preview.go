package main

import (
	"fmt"
	"unicode/utf8"

	"github.com/flux-vk/flux-vk/pipeline"
)

// showFunc hands a picture (RGB, w×h) with a title to the viewer (--view).
type showFunc func(rgb []byte, w, h int, title string)

// previewer shows each sampling step's estimate of the picture.
type previewer struct {
	show   showFunc
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
		p.show(rgb, p.req.Width, p.req.Height, fmt.Sprintf("%s — step %d", p.title, s.Index+1))
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
