package demo

import (
	"fmt"
	"math"
)

// ShapeVerdict says which attributes of one requested shape the picture has.
type ShapeVerdict struct {
	Color    bool   // a blob of the named color is there
	Class    bool   // its outline is the named shape
	Position bool   // its center is nearest the named position
	Got      string // the class the judge saw ("" without a blob)
	GotPos   string // the position the judge saw
}

// Verdict is the judge's reading of one picture.
type Verdict struct {
	Background bool
	Shapes     []ShapeVerdict
}

// OK says whether every attribute is right.
func (v Verdict) OK() bool {
	if !v.Background {
		return false
	}
	for _, s := range v.Shapes {
		if !s.Color || !s.Class || !s.Position {
			return false
		}
	}
	return true
}

// minBlob is the least number of pixels that counts as a shape (a small
// star covers about 90 of a 64×64 picture).
const minBlob = 20

// Judge scores a picture (8-bit RGB, HWC, n×n) against the scene it was
// asked for, using only the scene's attributes (the renderer's ground
// truth): every pixel is labelled with its nearest palette color; the
// background must be the majority along the border (above and below the
// horizon for a two-color scene); each shape's color must form a blob,
// whose fill ratio, hole and corner count give the class and whose center
// the position.
func (w *World) Judge(rgb []byte, n int, s Spec) (Verdict, error) {
	if len(rgb) != n*n*3 {
		return Verdict{}, fmt.Errorf("judge: %d bytes for a %dx%d picture", len(rgb), n, n)
	}
	pal := w.palette()
	labels := make([]int, n*n)
	for i := range labels {
		labels[i] = pal.nearest(rgb[i*3], rgb[i*3+1], rgb[i*3+2])
	}
	top, bottom, err := w.Background(s.BG)
	if err != nil {
		return Verdict{}, err
	}
	v := Verdict{Background: w.borderIs(labels, n, pal.index(top), pal.index(bottom))}
	for _, sh := range s.Shapes {
		c, ok := w.Color(sh.Color)
		if !ok {
			return Verdict{}, fmt.Errorf("judge: unknown color %q", sh.Color)
		}
		v.Shapes = append(v.Shapes, w.judgeShape(labels, n, pal.index(c), sh))
	}
	return v, nil
}

// palette is every color of the world, plain and scene, without repeats.
type palette [][3]uint8

func (w *World) palette() palette {
	var p palette
	add := func(c [3]uint8) {
		if p.index(c) < 0 {
			p = append(p, c)
		}
	}
	for _, c := range w.Colors {
		add(rgb(c.RGB))
	}
	for _, s := range w.Scenes {
		add(s.Top)
		add(s.Bottom)
	}
	// The horizon's antialiased row mixes the two scene colors; give it
	// labels of its own so it never joins a shape's blob.
	for _, s := range w.Scenes {
		add([3]uint8{mid(s.Top[0], s.Bottom[0]), mid(s.Top[1], s.Bottom[1]), mid(s.Top[2], s.Bottom[2])})
	}
	return p
}

func mid(a, b uint8) uint8 { return uint8((int(a) + int(b)) / 2) }

func (p palette) index(c [3]uint8) int {
	for i, q := range p {
		if q == c {
			return i
		}
	}
	return -1
}

func (p palette) nearest(r, g, b byte) int {
	best, bi := math.MaxFloat64, 0
	for i, q := range p {
		dr, dg, db := float64(r)-float64(q[0]), float64(g)-float64(q[1]), float64(b)-float64(q[2])
		if d := dr*dr + dg*dg + db*db; d < best {
			best, bi = d, i
		}
	}
	return bi
}

// borderIs checks the majority label of the 2-pixel frame, separately above
// and below the horizon (rows near the horizon are left out).
func (w *World) borderIs(labels []int, n, top, bottom int) bool {
	hz := w.Horizon * float64(n)
	count := func(want int, rowOK func(y int) bool) bool {
		hist := map[int]int{}
		total := 0
		for y := 0; y < n; y++ {
			if !rowOK(y) {
				continue
			}
			for x := 0; x < n; x++ {
				if y >= 2 && y < n-2 && x >= 2 && x < n-2 {
					continue
				}
				hist[labels[y*n+x]]++
				total++
			}
		}
		return total > 0 && 2*hist[want] > total
	}
	if top == bottom {
		return count(top, func(int) bool { return true })
	}
	return count(top, func(y int) bool { return float64(y)+1 < hz-2 }) &&
		count(bottom, func(y int) bool { return float64(y) > hz+2 })
}

func (w *World) judgeShape(labels []int, n, color int, sh Shape) ShapeVerdict {
	blob := largestComponent(labels, n, color)
	if len(blob) < minBlob {
		return ShapeVerdict{}
	}
	f := features(blob, n)
	v := ShapeVerdict{Color: true, Got: classify(f), GotPos: w.nearestPosition(f.cx/float64(n), f.cy/float64(n))}
	v.Class = v.Got == sh.Kind
	v.Position = v.GotPos == sh.Pos
	return v
}

// nearestPosition names the anchor closest to a center (image units).
func (w *World) nearestPosition(cx, cy float64) string {
	best, name := math.MaxFloat64, ""
	for _, p := range []string{"center", "left", "right", "top", "bottom"} {
		a, ok := w.Positions[p]
		if !ok {
			continue
		}
		if d := math.Hypot(cx-a[0], cy-a[1]); d < best {
			best, name = d, p
		}
	}
	return name
}

// largestComponent is the biggest 4-connected set of pixels with label c.
func largestComponent(labels []int, n, c int) []int {
	seen := make([]bool, len(labels))
	var best []int
	for start := range labels {
		if labels[start] != c || seen[start] {
			continue
		}
		comp := []int{start}
		seen[start] = true
		for i := 0; i < len(comp); i++ {
			p := comp[i]
			x, y := p%n, p/n
			for _, q := range [][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
				if q[0] < 0 || q[1] < 0 || q[0] >= n || q[1] >= n {
					continue
				}
				j := q[1]*n + q[0]
				if labels[j] == c && !seen[j] {
					seen[j] = true
					comp = append(comp, j)
				}
			}
		}
		if len(comp) > len(best) {
			best = comp
		}
	}
	return best
}
