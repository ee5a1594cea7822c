package graph

import (
	"encoding/binary"
	"fmt"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/internal/units"
	"github.com/flux-vk/flux-vk/loader"
)

// VulkanOptions configure a GPU executor.
type VulkanOptions struct {
	Debug bool // keep taps for read-back
	Timed bool // GPU timestamp per dispatch (Timings)
	// Stream keeps the weights that only one scope (a transformer block,
	// Graph.Scope) reads in host memory, and copies each scope's weights
	// into one of two device slots before its first operation: the device
	// holds two blocks' weights instead of all of them, and every run
	// copies the rest anew (stream.go).
	Stream bool
}

// VulkanExec runs a graph as one recorded command buffer, replayed on every
// Run. Weights and inputs have buffers of their own; activations share one
// arena laid out by makePlan.
type VulkanExec struct {
	g                       *Graph
	lib                     *kernels.Lib
	run                     vkRun
	owned                   []*engine.Buffer
	arena                   *engine.Buffer
	rec                     *engine.Recorder
	weightBytes, arenaBytes uint64
	scopes                  []string  // scope of each recorded dispatch
	stream                  *streamer // nil unless VulkanOptions.Stream
}

// NewVulkan uploads the weights, plans memory and records the graph.
func (g *Graph) NewVulkan(lib *kernels.Lib, opt VulkanOptions) (*VulkanExec, error) {
	if g.err != nil {
		return nil, g.err
	}
	x := &VulkanExec{g: g, lib: lib, run: vkRun{lib: lib, ranges: map[int]engine.Range{}, types: map[int]DType{}}}
	if err := x.setup(opt); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

func (x *VulkanExec) setup(opt VulkanOptions) error {
	if opt.Stream {
		x.stream = newStreamer(x.g)
	}
	if err := x.uploadWeights(); err != nil {
		return err
	}
	if err := x.stream.allocSlots(x); err != nil {
		return err
	}
	keep := map[int]bool{}
	for _, t := range x.g.inputs {
		keep[t.store] = true
	}
	for _, t := range x.g.outputs {
		keep[t.store] = true
	}
	if opt.Debug {
		for _, t := range x.g.taps {
			keep[t.store] = true
		}
	}
	for s := range keep {
		if _, isWeight := x.run.ranges[s]; isWeight {
			continue
		}
		b, err := x.alloc(x.bytes(x.g.tensors[s]))
		if err != nil {
			return err
		}
		x.run.ranges[s] = b.All()
	}
	p := makePlan(x.g, keep, x.bytes)
	x.arenaBytes = p.size
	if p.size > 0 {
		a, err := x.alloc(p.size)
		if err != nil {
			return fmt.Errorf("activation memory (%s): %w", units.FormatBytes(p.size), err)
		}
		x.arena = a
		for s, off := range p.offset {
			x.run.ranges[s] = a.Slice(off, alignUp(x.bytes(x.g.tensors[s]), planAlign))
		}
	}
	return x.record(opt.Timed)
}

func (x *VulkanExec) alloc(n uint64) (*engine.Buffer, error) {
	return x.own(x.lib.D.Alloc(n))
}

func (x *VulkanExec) allocHost(n uint64) (*engine.Buffer, error) {
	return x.own(x.lib.D.AllocHost(n))
}

// own keeps b to free at Close.
func (x *VulkanExec) own(b *engine.Buffer, err error) (*engine.Buffer, error) {
	if err != nil {
		return nil, err
	}
	x.owned = append(x.owned, b)
	return b, nil
}

// bytes is the storage size of t's data.
func (x *VulkanExec) bytes(t *Tensor) uint64 {
	if t.ints {
		return uint64(4 * t.Numel())
	}
	return uint64(t.Numel() * x.run.dt(t).Size())
}

func (x *VulkanExec) record(timed bool) error {
	rec, err := x.lib.D.NewRecorder(timed)
	if err != nil {
		return err
	}
	x.rec, x.run.rec = rec, rec
	for i, n := range x.g.nodes {
		x.stream.enter(x, n.scope)
		before, _ := rec.Stats()
		if err := n.gpu(&x.run, n.in, n.out); err != nil {
			return fmt.Errorf("record op %d (%s → %s): %w", i, n.kind, n.out, err)
		}
		after, _ := rec.Stats()
		for ; before < after; before++ {
			x.scopes = append(x.scopes, n.scope)
		}
	}
	return nil
}

// uploadWeights gives each weight a buffer. Matrix weights (every use raw)
// keep the file's 16-bit type or are quantized (Graph.Quant); everything
// else is widened to f32.
func (x *VulkanExec) uploadWeights() error {
	stores := x.g.weightStores()
	for name, t := range x.g.weights {
		w, err := x.g.W.Tensor(name)
		if err != nil {
			return fmt.Errorf("weight %s: %w", name, err)
		}
		data, dt, err := weightData(w, stores[t.store])
		if err != nil {
			return fmt.Errorf("weight %s: %w", name, err)
		}
		streamed := x.stream.streams(t.store)
		alloc := x.alloc
		if streamed {
			alloc = x.allocHost
		}
		b, err := alloc(uint64(len(data)))
		if err != nil {
			return fmt.Errorf("weight %s: %w", name, err)
		}
		if err := x.lib.D.Upload(b, 0, data); err != nil {
			return fmt.Errorf("weight %s: %w", name, err)
		}
		x.run.types[t.store] = dt
		if streamed {
			x.stream.host[t.store] = b.All()
			continue
		}
		x.weightBytes += uint64(len(data))
		x.run.ranges[t.store] = b.All()
	}
	for _, t := range x.g.consts {
		v, err := t.fill()
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		b, err := x.alloc(uint64(4 * len(v)))
		if err == nil {
			err = x.lib.D.Upload(b, 0, kernels.Encode(v, kernels.F32))
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		x.run.ranges[t.store], x.run.types[t.store] = b.All(), kernels.F32
	}
	return nil
}

func weightData(w loader.Tensor, s weightStore) ([]byte, DType, error) {
	if s.quant.Quantized() {
		v, err := w.Float32E()
		if err != nil {
			return nil, 0, err
		}
		n := w.Shape[0]
		data, err := kernels.Quantize(v, n, len(v)/n, s.quant)
		return data, s.quant, err
	}
	if s.raw {
		switch w.DType {
		case loader.BF16:
			return w.Data, kernels.BF16, nil
		case loader.F16:
			return w.Data, kernels.F16, nil
		case loader.F32:
			return w.Data, kernels.F32, nil
		}
	}
	v, err := w.Float32E()
	if err != nil {
		return nil, 0, err
	}
	return kernels.Encode(v, kernels.F32), kernels.F32, nil
}

// SetInput uploads a float input in its storage type.
func (x *VulkanExec) SetInput(name string, v []float32) error {
	t, err := x.g.input(name, len(v))
	if err != nil {
		return err
	}
	if t.ints {
		return fmt.Errorf("input %q holds ids: use SetIDs", name)
	}
	r := x.run.ranges[t.store]
	return x.lib.D.Upload(r.Buf, r.Off, kernels.Encode(v, t.DType))
}

// SetIDs uploads int32 token ids.
func (x *VulkanExec) SetIDs(name string, ids []int32) error {
	t, err := x.g.input(name, len(ids))
	if err != nil {
		return err
	}
	b := make([]byte, 4*len(ids))
	for i, id := range ids {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(id))
	}
	r := x.run.ranges[t.store]
	return x.lib.D.Upload(r.Buf, r.Off, b)
}

// Run replays the recorded pass.
func (x *VulkanExec) Run() error { return x.rec.Run() }

// Output downloads a named output (or tap in debug mode) as f32.
func (x *VulkanExec) Output(name string) ([]float32, error) {
	t, err := x.g.outputTensor(name, true)
	if err != nil {
		return nil, err
	}
	r, ok := x.run.ranges[t.store]
	if !ok {
		return nil, fmt.Errorf("%q was not kept: build the executor with Debug to read taps", name)
	}
	dt := x.run.dt(t)
	raw := make([]byte, t.Numel()*dt.Size())
	if err := x.lib.D.Download(r.Buf, r.Off, raw); err != nil {
		return nil, err
	}
	return kernels.Decode(raw, dt), nil
}

// Timings are the per-dispatch GPU times of the last run (Timed only).
func (x *VulkanExec) Timings() []engine.Timing { return x.rec.Timings() }

// ScopeTimes sums the GPU time of the last timed run by scope (Graph.Scope);
// work outside any scope is under "".
func (x *VulkanExec) ScopeTimes() map[string]float64 {
	out := map[string]float64{}
	for i, t := range x.rec.Timings() {
		if i < len(x.scopes) {
			out[x.scopes[i]] += t.MS
		}
	}
	return out
}

// Memory reports the device bytes of weights (with Stream: the resident
// ones and the two slots) and of the activation arena.
func (x *VulkanExec) Memory() (weights, activations uint64) { return x.weightBytes, x.arenaBytes }

// Streamed reports the host bytes of the weights Stream keeps there.
func (x *VulkanExec) Streamed() uint64 { return x.stream.hostBytes() }

// Close frees the executor's buffers and recording.
func (x *VulkanExec) Close() {
	if x.rec != nil {
		x.rec.Release()
		x.rec = nil
	}
	for _, b := range x.owned {
		b.Free(x.lib.D)
	}
	x.owned = nil
}
