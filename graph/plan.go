package graph

import "sort"

// planAlign keeps every tensor bindable: storage-buffer offsets must be
// multiples of minStorageBufferOffsetAlignment (256 covers every device).
const planAlign = 256

// plan assigns arena offsets to the activations that live only inside a run:
// each takes the first free gap that fits when produced and gives it back
// after its last reader, so peak memory is near the largest live set.
type plan struct {
	offset map[int]uint64 // by storage id
	size   uint64         // arena bytes
}

type gap struct{ off, size uint64 }

func makePlan(g *Graph, keep map[int]bool, bytes func(*Tensor) uint64) plan {
	last := lastUses(g)
	p := plan{offset: map[int]uint64{}}
	var free []gap
	var end uint64
	for i, n := range g.nodes {
		s := n.out.store
		if !keep[s] {
			size := alignUp(bytes(n.out), planAlign)
			off, ok := takeGap(&free, size)
			if !ok {
				off, end = end, end+size
			}
			p.offset[s] = off
			if end > p.size {
				p.size = end
			}
		}
		for _, s := range last[i] {
			if _, planned := p.offset[s]; planned && !keep[s] {
				free = giveGap(free, gap{p.offset[s], alignUp(bytes(g.tensors[s]), planAlign)})
			}
		}
	}
	return p
}

// lastUses lists, for each node index, the storages read for the last time
// there (or produced and never read).
func lastUses(g *Graph) map[int][]int {
	lastAt := map[int]int{}
	for i, n := range g.nodes {
		lastAt[n.out.store] = i
		for _, t := range n.in {
			if t != nil {
				lastAt[t.store] = i
			}
		}
	}
	out := map[int][]int{}
	for s, i := range lastAt {
		out[i] = append(out[i], s)
	}
	return out
}

func takeGap(free *[]gap, size uint64) (uint64, bool) {
	for i, f := range *free {
		if f.size >= size {
			(*free)[i] = gap{f.off + size, f.size - size}
			return f.off, true
		}
	}
	return 0, false
}

func giveGap(free []gap, g gap) []gap {
	free = append(free, g)
	sort.Slice(free, func(i, j int) bool { return free[i].off < free[j].off })
	out := free[:1]
	for _, f := range free[1:] {
		l := &out[len(out)-1]
		if l.off+l.size == f.off {
			l.size += f.size
		} else if f.size > 0 {
			out = append(out, f)
		}
	}
	return out
}

func alignUp(x, a uint64) uint64 { return (x + a - 1) / a * a }
