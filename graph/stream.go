package graph

import (
	"fmt"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/internal/units"
)

// streamer moves the weights of one scope at a time to the device
// (VulkanOptions.Stream). A weight streams when every operation reading it
// is in the same named scope; the rest stay resident. Each scope's weights
// are packed into a device slot, two slots taking turns, and the copies are
// recorded into the command buffer just before the scope's first
// operation, so every run replays them. The recorder's hazard tracking puts
// the barriers in: a copy waits for the dispatches still reading the slot
// (the scope before last), the scope's dispatches wait for the copy.
type streamer struct {
	scopeOf map[int]string       // streamed weight store → its scope
	weights map[string][]int     // scope → its streamed stores, in the order they are read
	host    map[int]engine.Range // streamed store → its host copy
	slots   [2]*engine.Buffer
	owner   [2]string // scope whose weights each slot holds
	last    int       // slot of the scope being recorded
}

// newStreamer picks the weights to stream.
func newStreamer(g *Graph) *streamer {
	scope := map[int]string{}
	mixed := map[int]bool{}
	for _, n := range g.nodes {
		for _, t := range n.in {
			if t == nil || t.kind != kindWeight {
				continue
			}
			if s, seen := scope[t.store]; seen && s != n.scope || n.scope == "" {
				mixed[t.store] = true
			}
			scope[t.store] = n.scope
		}
	}
	s := &streamer{scopeOf: map[int]string{}, weights: map[string][]int{}, host: map[int]engine.Range{}, last: 1} // the first scope takes slot 0
	seen := map[int]bool{}
	for _, n := range g.nodes {
		for _, t := range n.in {
			if t == nil || t.kind != kindWeight || mixed[t.store] || seen[t.store] {
				continue
			}
			seen[t.store] = true
			s.scopeOf[t.store] = n.scope
			s.weights[n.scope] = append(s.weights[n.scope], t.store)
		}
	}
	return s
}

// streams reports whether the weight store stays in host memory.
func (s *streamer) streams(store int) bool {
	if s == nil {
		return false
	}
	_, ok := s.scopeOf[store]
	return ok
}

// scopeBytes is the slot space a scope's weights take.
func (s *streamer) scopeBytes(scope string) uint64 {
	var n uint64
	for _, st := range s.weights[scope] {
		n += alignUp(s.host[st].Size, planAlign)
	}
	return n
}

// allocSlots allocates the two device slots, each as large as the largest
// scope's weights.
func (s *streamer) allocSlots(x *VulkanExec) error {
	if s == nil || len(s.weights) == 0 {
		return nil
	}
	var size uint64
	for sc := range s.weights {
		size = max(size, s.scopeBytes(sc))
	}
	for i := range s.slots {
		if i > 0 && len(s.weights) == 1 {
			break
		}
		b, err := x.alloc(size)
		if err != nil {
			return fmt.Errorf("streaming slot of %s: %w", units.FormatBytes(size), err)
		}
		s.slots[i] = b
		x.weightBytes += size
	}
	return nil
}

// enter is called before recording an operation of scope: on entering a
// streamed scope whose weights are not in a slot, it records their copy
// into the slot the scope before did not use, and points the weights'
// ranges there.
func (s *streamer) enter(x *VulkanExec, scope string) {
	if s == nil || len(s.weights[scope]) == 0 {
		return
	}
	for i, o := range s.owner {
		if o == scope && s.slots[i] != nil {
			s.last = i
			return
		}
	}
	slot := 0
	if s.slots[1] != nil {
		slot = 1 - s.last
	}
	var off uint64
	for _, st := range s.weights[scope] {
		src := s.host[st]
		dst := s.slots[slot].Slice(off, src.Size)
		x.rec.Copy(dst, src)
		x.run.ranges[st] = dst
		off += alignUp(src.Size, planAlign)
	}
	s.owner[slot], s.last = scope, slot
}

func (s *streamer) hostBytes() uint64 {
	if s == nil {
		return 0
	}
	var n uint64
	for _, r := range s.host {
		n += r.Size
	}
	return n
}
