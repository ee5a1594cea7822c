package demo

import (
	"fmt"
	"io"
)

// Tally adds up verdicts: the background per picture, color, class and
// position per requested shape, and pictures with every attribute right.
type Tally struct {
	Pictures, Background, Overall  int
	Shapes, Color, Class, Position int
}

// Add counts one picture's verdict.
func (t *Tally) Add(v Verdict) {
	t.Pictures++
	t.Background += b2i(v.Background)
	t.Overall += b2i(v.OK())
	for _, s := range v.Shapes {
		t.Shapes++
		t.Color += b2i(s.Color)
		t.Class += b2i(s.Class)
		t.Position += b2i(s.Position)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Rate is a fraction of a count (0 when there is nothing to count).
func Rate(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Rates gives each attribute's adherence rate, keyed as in the table.
func (t Tally) Rates() map[string]float64 {
	return map[string]float64{
		"background":  Rate(t.Background, t.Pictures),
		"shape_color": Rate(t.Color, t.Shapes),
		"shape_class": Rate(t.Class, t.Shapes),
		"position":    Rate(t.Position, t.Shapes),
		"overall":     Rate(t.Overall, t.Pictures),
	}
}

// Print writes the adherence table.
func (t Tally) Print(w io.Writer) {
	row := func(name string, n, of int) {
		fmt.Fprintf(w, "  %-13s %5d / %-5d %6.1f%%\n", name, n, of, 100*Rate(n, of))
	}
	row("background", t.Background, t.Pictures)
	row("shape color", t.Color, t.Shapes)
	row("shape class", t.Class, t.Shapes)
	row("position", t.Position, t.Shapes)
	row("overall", t.Overall, t.Pictures)
}
