package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/flux-vk/flux-vk/pipeline"
)

// progress shows generate's stages on stderr. On a terminal the sampling
// steps are one bar redrawn in place with \r; anywhere else (pipes, CI,
// tests) every stage and every step is a plain line, so logs stay
// readable. Either way each stage ends with a line giving its time.
type progress struct {
	w      io.Writer          // nil: --quiet
	term   bool               // w is a terminal
	timing map[string]float64 // the --json summary's timings_s (the last picture's)
	prefix string             // "[2/3] " while a --batch picture is made

	total int       // steps in this picture's schedule
	done  int       // steps finished, as Trace.Step numbers them
	steps []float64 // this picture's step times, seconds
	drawn int       // length of the bar line on screen; 0: none
}

// barWidth is the number of cells between the bar's brackets.
const barWidth = 20

// newProgress writes to f unless quiet, redrawing in place when f is a
// terminal.
func newProgress(f *os.File, quiet bool) *progress {
	p := &progress{timing: map[string]float64{}}
	if !quiet {
		p.w, p.term = f, isTerminal(f)
	}
	return p
}

// isTerminal tells a terminal from a file or a pipe without a dependency:
// terminals are character devices.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// picture starts the i-th of n pictures (from 0); with more than one its
// lines carry "[i+1/n]".
func (p *progress) picture(i, n int) {
	p.prefix = ""
	if n > 1 {
		p.prefix = fmt.Sprintf("[%d/%d] ", i+1, n)
	}
	p.total, p.done, p.steps = 0, 0, nil
}

// trace feeds the pipeline's callbacks to the display.
func (p *progress) trace() *pipeline.Trace {
	return &pipeline.Trace{Stage: p.stage, Schedule: p.schedule, Step: p.step}
}

// schedule learns the number of steps (the schedule holds one more t) and
// draws the empty bar while the transformer is prepared.
func (p *progress) schedule(ts []float32) {
	p.total, p.done, p.steps = max(len(ts)-1, 0), 0, nil
	p.drawBar()
}

func (p *progress) step(s pipeline.Step) { p.done = s.Index + 1 }

// stage records a finished stage. The pipeline names its steps "step i/n";
// the last one is followed by the steps' total.
func (p *progress) stage(name string, d time.Duration) {
	p.timing[name] = d.Seconds()
	if !strings.HasPrefix(name, "step ") || p.total == 0 {
		p.line(name, d.Seconds(), "")
		return
	}
	p.steps = append(p.steps, d.Seconds())
	if !p.term {
		p.line(name, d.Seconds(), "")
	} else if len(p.steps) < p.total { // the last step's bar gives way to the total at once
		p.drawBar()
	}
	if len(p.steps) == p.total {
		sum := p.sum()
		p.timing["steps"] = sum
		p.line("steps", sum, fmt.Sprintf("  %.2fs/step", sum/float64(len(p.steps))))
		p.total = 0
	}
}

// line prints one finished stage, replacing the bar when one is drawn.
func (p *progress) line(name string, s float64, extra string) {
	if p.w == nil {
		return
	}
	p.put(fmt.Sprintf("  %s%-12s %7.2fs%s", p.prefix, name, s, extra), true)
}

// drawBar redraws the step bar in place (terminals only).
func (p *progress) drawBar() {
	if p.w == nil || !p.term || p.total == 0 {
		return
	}
	n := max(p.done, len(p.steps))
	s := fmt.Sprintf("  %sstep %d/%d %s", p.prefix, n, p.total, bar(n, p.total))
	if k := len(p.steps); k > 0 {
		sum := p.sum()
		per := sum / float64(k)
		s += fmt.Sprintf(" %.2fs/step  elapsed %.1fs", per, sum)
		if n < p.total {
			s += fmt.Sprintf("  eta %.1fs", per*float64(p.total-n))
		}
	}
	p.put(s, false)
}

// put writes s as the current line, over the bar when one is drawn (\r,
// then spaces to blank what was longer), and ends it when done.
func (p *progress) put(s string, done bool) {
	out := s
	if p.drawn > 0 {
		out = "\r" + s + strings.Repeat(" ", max(p.drawn-len(s), 0))
	}
	p.drawn = len(s)
	if done {
		out += "\n"
		p.drawn = 0
	}
	fmt.Fprint(p.w, out)
}

// interrupt ends a half-drawn bar so that an error starts on its own line.
func (p *progress) interrupt() {
	if p.w != nil && p.drawn > 0 {
		fmt.Fprintln(p.w)
		p.drawn = 0
	}
}

func (p *progress) sum() float64 {
	var sum float64
	for _, s := range p.steps {
		sum += s
	}
	return sum
}

// bar is [=====>    ] for i of n done.
func bar(i, n int) string {
	fill := barWidth * min(i, n) / n
	s := strings.Repeat("=", fill)
	if fill > 0 && fill < barWidth {
		s = s[:fill-1] + ">"
	}
	return "[" + s + strings.Repeat(" ", barWidth-fill) + "]"
}
