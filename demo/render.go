package demo

import (
	"fmt"
	"math"
)

// Render draws a scene as the training tool does (world.py render): 2×2
// supersampling, shapes painted in order over the background, 8-bit RGB
// (HWC, Size×Size).
func (w *World) Render(s Spec) ([]byte, error) {
	top, bottom, err := w.Background(s.BG)
	if err != nil {
		return nil, err
	}
	type paint struct {
		in  func(u, v float64) bool
		rgb [3]uint8
	}
	var shapes []paint
	for _, sh := range s.Shapes {
		in, err := w.inside(sh)
		if err != nil {
			return nil, err
		}
		c, ok := w.Color(sh.Color)
		if !ok {
			return nil, fmt.Errorf("unknown color %q", sh.Color)
		}
		shapes = append(shapes, paint{in, c})
	}
	n := w.Size
	out := make([]byte, n*n*3)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			var acc [3]float64
			for j := 0; j < 2; j++ {
				for i := 0; i < 2; i++ {
					u := (float64(x) + 0.25 + 0.5*float64(i)) / float64(n)
					v := (float64(y) + 0.25 + 0.5*float64(j)) / float64(n)
					c := bottom
					if v < w.Horizon {
						c = top
					}
					for _, p := range shapes {
						if p.in(u, v) {
							c = p.rgb
						}
					}
					for k := range acc {
						acc[k] += float64(c[k])
					}
				}
			}
			for k := range acc {
				out[(y*n+x)*3+k] = uint8(math.Min(255, math.Floor(acc[k]/4+0.5)))
			}
		}
	}
	return out, nil
}

// Center gives a shape's center and radius in [0, 1] image units.
func (w *World) Center(sh Shape) (cx, cy, r float64, err error) {
	p, ok := w.Positions[sh.Pos]
	if !ok {
		return 0, 0, 0, fmt.Errorf("unknown position %q", sh.Pos)
	}
	r, ok = w.Sizes[sh.Size]
	if !ok {
		return 0, 0, 0, fmt.Errorf("unknown size %q", sh.Size)
	}
	// The training tool stores centers as float32; round the same way.
	return float64(float32(p[0] + sh.DX)), float64(float32(p[1] + sh.DY)), float64(float32(r)), nil
}

// inside is the membership test of one shape (world.py inside).
func (w *World) inside(sh Shape) (func(u, v float64) bool, error) {
	cx, cy, r, err := w.Center(sh)
	if err != nil {
		return nil, err
	}
	switch sh.Kind {
	case "circle":
		return func(u, v float64) bool { dx, dy := u-cx, v-cy; return dx*dx+dy*dy <= r*r }, nil
	case "square":
		return func(u, v float64) bool { return math.Max(math.Abs(u-cx), math.Abs(v-cy)) <= 0.85*r }, nil
	case "triangle":
		R := 1.15 * r
		return func(u, v float64) bool {
			dx, dy := u-cx, v-cy
			return dy <= R/2 && 0.8660254*dx-0.5*dy <= R/2 && -0.8660254*dx-0.5*dy <= R/2
		}, nil
	case "star":
		pts := starPolygon(cx, cy, 1.15*r)
		return func(u, v float64) bool { return inPolygon(pts, u, v) }, nil
	case "ring":
		return func(u, v float64) bool {
			dx, dy := u-cx, v-cy
			d2 := dx*dx + dy*dy
			return d2 <= r*r && d2 >= (0.55*r)*(0.55*r)
		}, nil
	}
	return nil, fmt.Errorf("unknown shape %q", sh.Kind)
}

func starPolygon(cx, cy, R float64) [][2]float64 {
	pts := make([][2]float64, 10)
	for k := range pts {
		a := -math.Pi/2 + float64(k)*math.Pi/5
		rr := R
		if k%2 == 1 {
			rr = 0.45 * R
		}
		pts[k] = [2]float64{cx + rr*math.Cos(a), cy + rr*math.Sin(a)}
	}
	return pts
}

// inPolygon is the even-odd rule (ray to +x).
func inPolygon(pts [][2]float64, u, v float64) bool {
	in := false
	for i := range pts {
		x1, y1 := pts[i][0], pts[i][1]
		x2, y2 := pts[(i+1)%len(pts)][0], pts[(i+1)%len(pts)][1]
		if (y1 > v) != (y2 > v) && u < x1+(v-y1)*(x2-x1)/(y2-y1) {
			in = !in
		}
	}
	return in
}
