package engine

import (
	"fmt"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// Range is a byte range of a buffer bound to one kernel binding.
type Range struct {
	Buf       *Buffer
	Off, Size uint64
}

// All is the whole buffer as a range.
func (b *Buffer) All() Range { return Range{Buf: b, Size: b.Size} }

// Slice is the range [off, off+size) of the buffer.
func (b *Buffer) Slice(off, size uint64) Range { return Range{Buf: b, Off: off, Size: size} }

func (r Range) overlaps(o Range) bool {
	if r.Buf.blk != o.Buf.blk {
		return false
	}
	a0, b0 := r.Buf.Offset+r.Off, o.Buf.Offset+o.Off
	return a0 < b0+o.Size && b0 < a0+r.Size
}

// Recorder records dispatches into one command buffer. Barriers are derived
// from the declared access of each binding: a dispatch that reads or writes
// a range an earlier, unbarriered dispatch wrote (or writes a range one
// read) gets a compute-to-compute memory barrier first. A recorder can be
// run many times (the per-run values live in buffers the caller updates).
type Recorder struct {
	d  *Device
	cb vk.CommandBuffer
	// AutoBarriers can be turned off only to prove the validation layer
	// catches a missing barrier.
	AutoBarriers bool

	pools      []vk.DescriptorPool
	poolLeft   int
	writes     []Range
	reads      []Range
	dispatches int
	barriers   int
	ended      bool

	timer *timer
}

const setsPerPool = 256

// NewRecorder starts a command buffer; timed records a GPU timestamp after
// every dispatch.
func (d *Device) NewRecorder(timed bool) (*Recorder, error) {
	d.mu.Lock()
	cb, err := d.newCommandBuffer()
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r := &Recorder{d: d, cb: cb, AutoBarriers: true}
	if err := check("vkBeginCommandBuffer", vk.BeginCommandBuffer(cb, &vk.CommandBufferBeginInfo{
		SType: vk.StructureTypeCommandBufferBeginInfo})); err != nil {
		r.Release()
		return nil, err
	}
	// Whatever the host or earlier submits wrote is visible to this one.
	globalBarrier(cb, allWrites, allStages, allAccess, allStages)
	if timed {
		if !d.Info.Timestamps {
			r.Release()
			return nil, fmt.Errorf("device %q has no timestamp queries on its compute queue", d.Info.Name)
		}
		r.timer = &timer{}
		if err := r.timer.stamp(r, "start"); err != nil {
			r.Release()
			return nil, err
		}
	}
	return r, nil
}

// Dispatch records one kernel launch over gx×gy×gz workgroups.
func (r *Recorder) Dispatch(p *Pipeline, binds []Range, push []byte, gx, gy, gz uint32) error {
	if r.ended {
		return fmt.Errorf("dispatch %s: recorder already ended", p.Kernel.Name)
	}
	if len(binds) != len(p.Kernel.Bindings) {
		return fmt.Errorf("dispatch %s: %d bindings given, kernel has %d", p.Kernel.Name, len(binds), len(p.Kernel.Bindings))
	}
	if uint32(len(push)) != p.Kernel.PushSize {
		return fmt.Errorf("dispatch %s: %d push-constant bytes given, kernel takes %d", p.Kernel.Name, len(push), p.Kernel.PushSize)
	}
	if err := r.checkGroups(p, gx, gy, gz); err != nil {
		return err
	}
	for i := range binds {
		if binds[i].Size == 0 {
			binds[i].Size = binds[i].Buf.Size - binds[i].Off
		}
		if err := r.checkRange(p, i, binds[i]); err != nil {
			return err
		}
	}
	set, err := r.descriptorSet(p, binds)
	if err != nil {
		return fmt.Errorf("dispatch %s: %w", p.Kernel.Name, err)
	}
	r.hazards(p.Kernel.Bindings, binds)
	vk.CmdBindPipeline(r.cb, vk.PipelineBindPointCompute, p.pipe)
	vk.CmdBindDescriptorSets(r.cb, vk.PipelineBindPointCompute, p.layout, 0, 1, []vk.DescriptorSet{set}, 0, nil)
	if len(push) > 0 {
		vk.CmdPushConstants(r.cb, p.layout, vk.ShaderStageFlags(vk.ShaderStageComputeBit), 0, uint32(len(push)), unsafe.Pointer(&push[0]))
	}
	vk.CmdDispatch(r.cb, gx, gy, gz)
	r.dispatches++
	if r.timer != nil {
		return r.timer.stamp(r, p.Kernel.Name)
	}
	return nil
}

func (r *Recorder) checkGroups(p *Pipeline, gx, gy, gz uint32) error {
	max := r.d.Info.MaxGroups
	if gx == 0 || gy == 0 || gz == 0 || gx > max[0] || gy > max[1] || gz > max[2] {
		return fmt.Errorf("dispatch %s: %d×%d×%d workgroups outside the device limit %v", p.Kernel.Name, gx, gy, gz, max)
	}
	return nil
}

func (r *Recorder) checkRange(p *Pipeline, i int, b Range) error {
	if b.Buf == nil || b.Buf.freed {
		return fmt.Errorf("dispatch %s: binding %d: buffer is nil or freed", p.Kernel.Name, i)
	}
	if b.Off+b.Size > b.Buf.Size {
		return fmt.Errorf("dispatch %s: binding %d: range [%d,%d) outside buffer of %d bytes", p.Kernel.Name, i, b.Off, b.Off+b.Size, b.Buf.Size)
	}
	if b.Size > r.d.Info.MaxStorage {
		return fmt.Errorf("dispatch %s: binding %d: %d MiB exceeds the device's maxStorageBufferRange %d MiB (split the tensor)", p.Kernel.Name, i, b.Size>>20, r.d.Info.MaxStorage>>20)
	}
	if (b.Buf.Offset+b.Off)%r.d.mem.align != 0 {
		return fmt.Errorf("dispatch %s: binding %d: offset %d not aligned to %d", p.Kernel.Name, i, b.Off, r.d.mem.align)
	}
	return nil
}

// hazards inserts a barrier when this dispatch touches what earlier ones
// wrote (or writes what they read) since the last barrier.
func (r *Recorder) hazards(access []Access, binds []Range) {
	need := false
	for i, b := range binds {
		for _, w := range r.writes {
			need = need || b.overlaps(w)
		}
		if access[i]&Write != 0 {
			for _, rd := range r.reads {
				need = need || b.overlaps(rd)
			}
		}
	}
	if need && r.AutoBarriers {
		r.Barrier()
	}
	for i, b := range binds {
		if access[i]&Write != 0 {
			r.writes = append(r.writes, b)
		}
		if access[i]&Read != 0 {
			r.reads = append(r.reads, b)
		}
	}
}

// Barrier makes all earlier shader and transfer writes visible to later
// shader and transfer work.
func (r *Recorder) Barrier() {
	stages := vk.PipelineStageFlags(vk.PipelineStageComputeShaderBit | vk.PipelineStageTransferBit)
	globalBarrier(r.cb, vk.AccessFlags(vk.AccessShaderWriteBit|vk.AccessTransferWriteBit), stages,
		shaderRW|transferAccess, stages)
	r.writes, r.reads = r.writes[:0], r.reads[:0]
	r.barriers++
}

// Fill sets every 32-bit word of the range to value (for poisoning outputs
// in tests and zeroing accumulators).
func (r *Recorder) Fill(rg Range, value uint32) {
	if rg.Size == 0 {
		rg.Size = rg.Buf.Size - rg.Off
	}
	r.hazards([]Access{Write}, []Range{rg})
	vk.CmdFillBuffer(r.cb, rg.Buf.blk.buf, vk.DeviceSize(rg.Buf.Offset+rg.Off), vk.DeviceSize(rg.Size), value)
}

// Copy copies src into dst (same size).
func (r *Recorder) Copy(dst, src Range) {
	r.hazards([]Access{Write, Read}, []Range{dst, src})
	vk.CmdCopyBuffer(r.cb, src.Buf.blk.buf, dst.Buf.blk.buf, 1, []vk.BufferCopy{{
		SrcOffset: vk.DeviceSize(src.Buf.Offset + src.Off), DstOffset: vk.DeviceSize(dst.Buf.Offset + dst.Off),
		Size: vk.DeviceSize(src.Size)}})
}

// Stats reports how many dispatches and barriers were recorded.
func (r *Recorder) Stats() (dispatches, barriers int) { return r.dispatches, r.barriers }

func (r *Recorder) end() error {
	if r.ended {
		return nil
	}
	r.ended = true
	stages := vk.PipelineStageFlags(vk.PipelineStageComputeShaderBit | vk.PipelineStageTransferBit)
	globalBarrier(r.cb, vk.AccessFlags(vk.AccessShaderWriteBit|vk.AccessTransferWriteBit), stages, allAccess, allStages)
	return check("vkEndCommandBuffer", vk.EndCommandBuffer(r.cb))
}

// Run submits the recorded work and waits for it; it may be called again
// to replay the same commands.
func (r *Recorder) Run() error {
	if err := r.end(); err != nil {
		return err
	}
	if err := r.d.submitWait(r.cb); err != nil {
		return err
	}
	if r.timer != nil {
		return r.timer.read(r.d)
	}
	return nil
}

// Release frees the command buffer, descriptor pools and query pools.
func (r *Recorder) Release() {
	if r.cb != nil {
		r.d.freeCommandBuffer(r.cb)
		r.cb = nil
	}
	for _, p := range r.pools {
		vk.DestroyDescriptorPool(r.d.dev, p, nil)
	}
	r.pools = nil
	if r.timer != nil {
		r.timer.release(r.d)
	}
}

func (r *Recorder) descriptorSet(p *Pipeline, binds []Range) (vk.DescriptorSet, error) {
	if r.poolLeft == 0 {
		if err := r.newPool(); err != nil {
			return nil, err
		}
	}
	set, err := r.d.allocDescriptorSet(r.pools[len(r.pools)-1], p.setLayout, binds)
	if err != nil {
		return nil, err
	}
	r.poolLeft--
	return set, nil
}

func (r *Recorder) newPool() error {
	var pool vk.DescriptorPool
	res := vk.CreateDescriptorPool(r.d.dev, &vk.DescriptorPoolCreateInfo{
		SType: vk.StructureTypeDescriptorPoolCreateInfo, MaxSets: setsPerPool, PoolSizeCount: 1,
		PPoolSizes: []vk.DescriptorPoolSize{{Type: vk.DescriptorTypeStorageBuffer, DescriptorCount: setsPerPool * 8}},
	}, nil, &pool)
	if err := check("vkCreateDescriptorPool", res); err != nil {
		return err
	}
	r.pools = append(r.pools, pool)
	r.poolLeft = setsPerPool
	return nil
}
