package engine

import (
	"fmt"
	"sort"
	"sync"
	"unsafe"

	"github.com/flux-vk/flux-vk/internal/units"

	vk "github.com/vulkan-go/vulkan"
)

// defaultBlock is the size of the memory blocks buffers are carved from; a
// buffer larger than a block gets a block of its own.
const defaultBlock = 256 << 20

// Buffer is a range of device memory inside one block, usable as a storage
// buffer and as a transfer source or destination.
type Buffer struct {
	blk    *block
	Offset uint64 // within the block's VkBuffer
	Size   uint64
	freed  bool
}

type span struct{ off, size uint64 }

// block is one VkDeviceMemory with one VkBuffer over all of it.
type block struct {
	a      *allocator // the one it belongs to
	mem    vk.DeviceMemory
	buf    vk.Buffer
	size   uint64
	free   []span // sorted by offset
	mapped unsafe.Pointer
	used   uint64
}

type allocator struct {
	d           *Device
	mu          sync.Mutex
	blocks      []*block
	typeIndex   uint32
	hostVisible bool
	align       uint64
	blockSize   uint64
	peak, live  uint64
	limit       uint64 // 0: none but the device's
	host        bool   // host memory (AllocHost), not counted as the device's
}

func newAllocator(d *Device) *allocator {
	a := &allocator{d: d, align: 256, blockSize: defaultBlock}
	if d.Info.StorageAlign > a.align {
		a.align = d.Info.StorageAlign
	}
	if m := d.Info.MaxAllocation; m > 0 && m < a.blockSize {
		a.blockSize = m
	}
	// Device-local, host-visible too where it can be (unified memory, resizable BAR).
	ti, f, _ := a.pickType(vk.MemoryPropertyFlags(vk.MemoryPropertyDeviceLocalBit), hostCoherent, 0)
	a.typeIndex, a.hostVisible = ti, f&hostCoherent == hostCoherent
	return a
}

// hostCoherent are the flags of memory the host can map without flushes.
const hostCoherent = vk.MemoryPropertyFlags(vk.MemoryPropertyHostVisibleBit | vk.MemoryPropertyHostCoherentBit)

// pickType returns the first memory type with every flag of want,
// preferring one that also has every flag of prefer and none of avoid, and
// that type's flags; ok is false when no type has want.
func (a *allocator) pickType(want, prefer, avoid vk.MemoryPropertyFlags) (index uint32, flags vk.MemoryPropertyFlags, ok bool) {
	var mp vk.PhysicalDeviceMemoryProperties
	vk.GetPhysicalDeviceMemoryProperties(a.d.Info.pd, &mp)
	mp.Deref()
	for i := uint32(0); i < mp.MemoryTypeCount; i++ {
		mp.MemoryTypes[i].Deref()
		f := mp.MemoryTypes[i].PropertyFlags
		if f&want != want {
			continue
		}
		if f&prefer == prefer && f&avoid == 0 {
			return i, f, true
		}
		if !ok {
			index, flags, ok = i, f, true
		}
	}
	return index, flags, ok
}

// Alloc returns a buffer of device memory of at least size bytes, aligned
// for storage-buffer binding.
func (d *Device) Alloc(size uint64) (*Buffer, error) { return d.mem.alloc(size) }

// AllocHost returns a buffer in host memory the device can copy from (and
// bind, slowly): where weights wait while they are not on the device
// (streaming). It prefers memory that is not device-local, and is not
// counted by LiveBytes, PeakBytes or the memory limit.
func (d *Device) AllocHost(size uint64) (*Buffer, error) {
	d.mem.mu.Lock()
	if d.host == nil {
		d.host = &allocator{d: d, align: d.mem.align, blockSize: d.mem.blockSize, host: true, hostVisible: true}
		// System memory rather than a device-local window onto the card.
		ti, _, ok := d.host.pickType(hostCoherent, 0, vk.MemoryPropertyFlags(vk.MemoryPropertyDeviceLocalBit))
		if !ok {
			d.mem.mu.Unlock()
			return nil, fmt.Errorf("allocate %s of host memory: the device has no host-visible coherent memory", units.FormatBytes(size))
		}
		d.host.typeIndex = ti
	}
	d.mem.mu.Unlock()
	b, err := d.host.alloc(size)
	if err != nil {
		return nil, fmt.Errorf("host memory: %w", err)
	}
	return b, nil
}

// HostBytes is the host memory AllocHost's buffers hold now.
func (d *Device) HostBytes() uint64 {
	d.mem.mu.Lock()
	h := d.host
	d.mem.mu.Unlock()
	if h == nil {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.live
}

func (a *allocator) alloc(size uint64) (*Buffer, error) {
	if size == 0 {
		size = 4
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	size = alignUp(size, a.align)
	if a.limit > 0 && a.live+size > a.limit {
		return nil, fmt.Errorf("allocate %s with %s in use: %w: the memory limit is %s (FLUXVK_MEMORY_LIMIT)",
			units.FormatBytes(size), units.FormatBytes(a.live), ErrOutOfMemory, units.FormatBytes(a.limit))
	}
	for _, b := range a.blocks {
		if off, ok := b.take(size, a.align); ok {
			return a.account(&Buffer{blk: b, Offset: off, Size: size}), nil
		}
	}
	bs := a.blockSize
	if size > bs {
		bs = size
	}
	b, err := a.newBlock(bs)
	if err != nil {
		return nil, fmt.Errorf("allocate %s with %s in use: %w", units.FormatBytes(size), units.FormatBytes(a.live), err)
	}
	a.blocks = append(a.blocks, b)
	off, _ := b.take(size, a.align)
	return a.account(&Buffer{blk: b, Offset: off, Size: size}), nil
}

func (a *allocator) account(b *Buffer) *Buffer {
	a.live += b.Size
	if a.live > a.peak {
		a.peak = a.live
	}
	return b
}

// Free returns the buffer's range to its block.
func (b *Buffer) Free(d *Device) {
	if b == nil || b.freed {
		return
	}
	a := b.blk.a
	a.mu.Lock()
	defer a.mu.Unlock()
	b.freed = true
	a.live -= b.Size
	b.blk.give(span{b.Offset, b.Size})
}

// LiveBytes is the device memory buffers hold now.
func (d *Device) LiveBytes() uint64 {
	d.mem.mu.Lock()
	defer d.mem.mu.Unlock()
	return d.mem.live
}

// SetMemoryLimit changes Options.MemoryLimit (0: none) for later
// allocations.
func (d *Device) SetMemoryLimit(n uint64) {
	d.mem.mu.Lock()
	defer d.mem.mu.Unlock()
	d.mem.limit = n
}

// PeakBytes is the most device memory buffers have held at once.
func (d *Device) PeakBytes() uint64 {
	d.mem.mu.Lock()
	defer d.mem.mu.Unlock()
	return d.mem.peak
}

func (a *allocator) newBlock(size uint64) (*block, error) {
	dev := a.d.dev
	if m := a.d.Info.MaxBuffer; m > 0 && size > m {
		return nil, fmt.Errorf("%d MiB exceeds the device's maxBufferSize %d MiB", size>>20, m>>20)
	}
	var buf vk.Buffer
	usage := vk.BufferUsageFlags(vk.BufferUsageStorageBufferBit | vk.BufferUsageTransferSrcBit | vk.BufferUsageTransferDstBit)
	r := vk.CreateBuffer(dev, &vk.BufferCreateInfo{SType: vk.StructureTypeBufferCreateInfo,
		Size: vk.DeviceSize(size), Usage: usage, SharingMode: vk.SharingModeExclusive}, nil, &buf)
	if err := check("vkCreateBuffer", r); err != nil {
		return nil, err
	}
	mem, mapped, err := a.bind(buf, a.typeIndex, a.hostVisible)
	if err != nil {
		vk.DestroyBuffer(dev, buf, nil)
		return nil, err
	}
	return &block{a: a, mem: mem, buf: buf, size: size, free: []span{{0, size}}, mapped: mapped}, nil
}

// bind allocates memory of the given type for buf, binds it, and maps it
// when it is host-visible.
func (a *allocator) bind(buf vk.Buffer, typeIndex uint32, hostVisible bool) (vk.DeviceMemory, unsafe.Pointer, error) {
	dev := a.d.dev
	var req vk.MemoryRequirements
	vk.GetBufferMemoryRequirements(dev, buf, &req)
	req.Deref()
	if req.MemoryTypeBits&(1<<typeIndex) == 0 {
		return nil, nil, fmt.Errorf("memory type %d not allowed for buffers (mask %#x)", typeIndex, req.MemoryTypeBits)
	}
	var mem vk.DeviceMemory
	r := vk.AllocateMemory(dev, &vk.MemoryAllocateInfo{SType: vk.StructureTypeMemoryAllocateInfo,
		AllocationSize: req.Size, MemoryTypeIndex: typeIndex}, nil, &mem)
	if err := check("vkAllocateMemory", r); err != nil {
		return nil, nil, err
	}
	if err := check("vkBindBufferMemory", vk.BindBufferMemory(dev, buf, mem, 0)); err != nil {
		vk.FreeMemory(dev, mem, nil)
		return nil, nil, err
	}
	var p unsafe.Pointer
	if hostVisible {
		if err := check("vkMapMemory", vk.MapMemory(dev, mem, 0, vk.DeviceSize(vk.WholeSize), 0, &p)); err != nil {
			vk.FreeMemory(dev, mem, nil)
			return nil, nil, err
		}
	}
	return mem, p, nil
}

func (a *allocator) destroy() {
	for _, b := range a.blocks {
		vk.DestroyBuffer(a.d.dev, b.buf, nil)
		vk.FreeMemory(a.d.dev, b.mem, nil)
	}
	a.blocks = nil
}

// take carves size bytes from the first free span that fits.
func (b *block) take(size, align uint64) (uint64, bool) {
	for i, s := range b.free {
		off := alignUp(s.off, align)
		if off+size > s.off+s.size {
			continue
		}
		rest := []span{}
		if off > s.off {
			rest = append(rest, span{s.off, off - s.off})
		}
		if end := s.off + s.size; off+size < end {
			rest = append(rest, span{off + size, end - off - size})
		}
		b.free = append(b.free[:i], append(rest, b.free[i+1:]...)...)
		b.used += size
		return off, true
	}
	return 0, false
}

// give returns a span and merges it with its neighbours.
func (b *block) give(s span) {
	b.used -= s.size
	b.free = append(b.free, s)
	sort.Slice(b.free, func(i, j int) bool { return b.free[i].off < b.free[j].off })
	merged := b.free[:1]
	for _, f := range b.free[1:] {
		last := &merged[len(merged)-1]
		if last.off+last.size == f.off {
			last.size += f.size
		} else {
			merged = append(merged, f)
		}
	}
	b.free = merged
}

func alignUp(x, a uint64) uint64 { return (x + a - 1) / a * a }
