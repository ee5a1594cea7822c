package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flux-vk/flux-vk/pipeline"
)

// playPicture feeds progress the callbacks of one 3-step picture in the
// order pipeline.Engine.Generate makes them, then the CLI's write; stop
// cuts it short after that many steps (an error mid-sampling).
func playPicture(p *progress, stop int) {
	tr := p.trace()
	tr.Stage("encode", 500*time.Millisecond)
	tr.Schedule([]float32{1, 0.6, 0.3, 0})
	for i, d := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
		if i == stop {
			p.interrupt()
			return
		}
		tr.Step(pipeline.Step{Index: i})
		tr.Stage("step "+string(rune('1'+i))+"/3", d)
	}
	tr.Stage("decode", 250*time.Millisecond)
	p.stage("write", 100*time.Millisecond)
}

func TestProgressRender(t *testing.T) {
	for _, c := range []struct {
		name        string
		term, quiet bool
		pic, of     int // picture pic of of
		stop        int
		want        []string // lines, without their newlines
	}{
		{name: "plain", want: []string{
			"  encode          0.50s",
			"  step 1/3        1.00s",
			"  step 2/3        2.00s",
			"  step 3/3        3.00s",
			"  steps           6.00s  2.00s/step",
			"  decode          0.25s",
			"  write           0.10s",
		}},
		{name: "plain, second of a batch", pic: 1, of: 3, want: []string{
			"  [2/3] encode          0.50s",
			"  [2/3] step 1/3        1.00s",
			"  [2/3] step 2/3        2.00s",
			"  [2/3] step 3/3        3.00s",
			"  [2/3] steps           6.00s  2.00s/step",
			"  [2/3] decode          0.25s",
			"  [2/3] write           0.10s",
		}},
		{name: "terminal", term: true, want: []string{
			"  encode          0.50s",
			"  step 0/3 [                    ]" +
				"\r  step 1/3 [=====>              ] 1.00s/step  elapsed 1.0s  eta 2.0s" +
				"\r  step 2/3 [============>       ] 1.50s/step  elapsed 3.0s  eta 1.5s" +
				"\r  steps           6.00s  2.00s/step" + strings.Repeat(" ", 33),
			"  decode          0.25s",
			"  write           0.10s",
		}},
		{name: "terminal, batch", term: true, pic: 0, of: 2, want: []string{
			"  [1/2] encode          0.50s",
			"  [1/2] step 0/3 [                    ]" +
				"\r  [1/2] step 1/3 [=====>              ] 1.00s/step  elapsed 1.0s  eta 2.0s" +
				"\r  [1/2] step 2/3 [============>       ] 1.50s/step  elapsed 3.0s  eta 1.5s" +
				"\r  [1/2] steps           6.00s  2.00s/step" + strings.Repeat(" ", 33),
			"  [1/2] decode          0.25s",
			"  [1/2] write           0.10s",
		}},
		{name: "terminal, error after a step", term: true, stop: 1, want: []string{
			"  encode          0.50s",
			"  step 0/3 [                    ]" +
				"\r  step 1/3 [=====>              ] 1.00s/step  elapsed 1.0s  eta 2.0s",
		}},
		{name: "quiet", quiet: true},
		{name: "quiet terminal", quiet: true, term: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := &progress{timing: map[string]float64{}}
			if !c.quiet {
				p.w, p.term = &buf, c.term
			}
			p.picture(c.pic, max(c.of, 1))
			stop := c.stop
			if stop == 0 {
				stop = -1
			}
			playPicture(p, stop)
			want := ""
			if len(c.want) > 0 {
				want = strings.Join(c.want, "\n") + "\n"
			}
			if got := buf.String(); got != want {
				t.Errorf("got\n%q\nwant\n%q", got, want)
			}
			if !c.term && strings.ContainsAny(buf.String(), "\r\x1b") {
				t.Errorf("plain output holds \\r or an escape: %q", buf.String())
			}
			if stop < 0 && (p.timing["steps"] != 6 || p.timing["step 2/3"] != 2 || p.timing["write"] != 0.1) {
				t.Errorf("timings %v", p.timing)
			}
		})
	}
}

func TestProgressBar(t *testing.T) {
	for _, c := range []struct {
		i, n int
		want string
	}{
		{0, 4, "[                    ]"},
		{1, 4, "[====>               ]"},
		{2, 4, "[=========>          ]"},
		{4, 4, "[====================]"},
		{1, 28, "[                    ]"},
		{2, 28, "[>                   ]"},
		{5, 4, "[====================]"},
	} {
		if got := bar(c.i, c.n); got != c.want {
			t.Errorf("bar(%d, %d) = %q, want %q", c.i, c.n, got, c.want)
		}
	}
}

// A file is not a terminal: tests, pipes and CI get plain lines.
func TestProgressNotTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if p := newProgress(f, false); p.term || p.w == nil {
		t.Errorf("progress on a file: term %v, writer %v", p.term, p.w)
	}
	if p := newProgress(f, true); p.w != nil {
		t.Errorf("--quiet progress writes")
	}
}
