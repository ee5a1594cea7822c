package demo

import (
	"math"
	"sort"
)

// blobFeatures are what the judge reads off a blob.
type blobFeatures struct {
	area    int
	cx, cy  float64 // centroid, pixels
	fill    float64 // area over bounding-box area
	hole    float64 // enclosed non-blob pixels over area
	solid   float64 // area over convex-hull area (a star is far from convex)
	corners int     // pronounced maxima of the radius around the centroid
}

func features(blob []int, n int) blobFeatures {
	f := blobFeatures{area: len(blob)}
	x0, y0, x1, y1 := n, n, -1, -1
	in := make(map[int]bool, len(blob))
	for _, p := range blob {
		x, y := p%n, p/n
		in[p] = true
		f.cx += float64(x) + 0.5
		f.cy += float64(y) + 0.5
		x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
	}
	f.cx /= float64(len(blob))
	f.cy /= float64(len(blob))
	bw, bh := x1-x0+1, y1-y0+1
	f.fill = float64(len(blob)) / float64(bw*bh)
	f.hole = float64(enclosed(in, n, x0, y0, x1, y1)) / float64(len(blob))
	f.corners = corners(blob, in, n, f.cx, f.cy)
	f.solid = float64(len(blob)) / hullArea(blob, n)
	return f
}

// hullArea is the area of the convex hull of the blob's pixel squares
// (Andrew's monotone chain over the pixel corners, then the shoelace).
func hullArea(blob []int, n int) float64 {
	seen := map[[2]int]bool{}
	var pts [][2]int
	for _, p := range blob {
		x, y := p%n, p/n
		for _, c := range [][2]int{{x, y}, {x + 1, y}, {x, y + 1}, {x + 1, y + 1}} {
			if !seen[c] {
				seen[c] = true
				pts = append(pts, c)
			}
		}
	}
	sort.Slice(pts, func(i, j int) bool {
		return pts[i][0] < pts[j][0] || pts[i][0] == pts[j][0] && pts[i][1] < pts[j][1]
	})
	cross := func(o, a, b [2]int) int { return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0]) }
	var hull [][2]int
	for pass := 0; pass < 2; pass++ {
		start := len(hull)
		for _, p := range pts {
			for len(hull) >= start+2 && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
				hull = hull[:len(hull)-1]
			}
			hull = append(hull, p)
		}
		hull = hull[:len(hull)-1]
		for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
			pts[i], pts[j] = pts[j], pts[i]
		}
	}
	area := 0
	for i := range hull {
		a, b := hull[i], hull[(i+1)%len(hull)]
		area += a[0]*b[1] - b[0]*a[1]
	}
	return math.Max(math.Abs(float64(area))/2, 1)
}

// enclosed counts pixels of the bounding box outside the blob that cannot
// reach the box's edge without crossing it (a ring's hole).
func enclosed(in map[int]bool, n, x0, y0, x1, y1 int) int {
	w, h := x1-x0+3, y1-y0+3 // one pixel of margin around the box
	out := make([]bool, w*h)
	queue := []int{0}
	out[0] = true
	for i := 0; i < len(queue); i++ {
		p := queue[i]
		x, y := p%w, p/w
		for _, q := range [][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
			if q[0] < 0 || q[1] < 0 || q[0] >= w || q[1] >= h {
				continue
			}
			j := q[1]*w + q[0]
			gx, gy := q[0]+x0-1, q[1]+y0-1
			blob := gx >= 0 && gy >= 0 && gx < n && gy < n && in[gy*n+gx]
			if !out[j] && !blob {
				out[j] = true
				queue = append(queue, j)
			}
		}
	}
	count := 0
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			gx, gy := x+x0-1, y+y0-1
			if !out[y*w+x] && !in[gy*n+gx] {
				count++
			}
		}
	}
	return count
}

// corners counts the peaks of the blob's outline radius as a function of
// angle (36 sectors), each standing out from the valleys on both sides by
// more than 12% of the mean radius.
func corners(blob []int, in map[int]bool, n int, cx, cy float64) int {
	const bins = 36
	var r [bins]float64
	for _, p := range blob {
		x, y := p%n, p/n
		edge := false
		for _, q := range [][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
			if q[0] < 0 || q[1] < 0 || q[0] >= n || q[1] >= n || !in[q[1]*n+q[0]] {
				edge = true
			}
		}
		if !edge {
			continue
		}
		dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
		b := int((math.Atan2(dy, dx) + math.Pi) / (2 * math.Pi) * bins)
		b = min(b, bins-1)
		r[b] = math.Max(r[b], math.Hypot(dx, dy))
	}
	mean := 0.0
	for i := range r {
		if r[i] == 0 { // an empty sector: borrow the neighbour's radius
			r[i] = r[(i+bins-1)%bins]
		}
		mean += r[i]
	}
	mean /= bins
	count := 0
	for i := range r {
		if r[i] < r[(i+bins-1)%bins] || r[i] <= r[(i+1)%bins] {
			continue // not a strict local maximum (plateaus count once)
		}
		if prominence(r[:], i) > 0.12*mean {
			count++
		}
	}
	return count
}

// prominence is how far the peak at i rises above the lower of the deepest
// valleys within a quarter turn on either side.
func prominence(r []float64, i int) float64 {
	n := len(r)
	left, right := r[i], r[i]
	for k := 1; k <= n/4; k++ {
		left = math.Min(left, r[(i-k+n)%n])
		right = math.Min(right, r[(i+k)%n])
	}
	return r[i] - math.Max(left, right)
}

// classify names the shape from its features: a ring has a hole, a star is
// far from convex; then the fill ratio of the bounding box separates square
// (1.0), circle (0.79) and triangle (0.5), four corners settling the
// circle/square border.
func classify(f blobFeatures) string {
	switch {
	case f.hole > 0.15:
		return "ring"
	case f.solid < 0.77:
		return "star"
	case f.fill > 0.92 || f.fill > 0.85 && f.corners == 4:
		return "square"
	case f.fill > 0.66:
		return "circle"
	}
	return "triangle"
}
