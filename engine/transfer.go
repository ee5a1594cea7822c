package engine

import (
	"fmt"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

const stagingChunk = 64 << 20

// Upload copies data into dst at byte offset off.
func (d *Device) Upload(dst *Buffer, off uint64, data []byte) error {
	if err := dst.span(off, uint64(len(data))); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	if len(data) == 0 {
		return nil
	}
	if !d.staging || dst.blk.a.host {
		copy(dst.hostBytes(off, uint64(len(data))), data)
		return nil
	}
	return d.viaStaging(dst, off, uint64(len(data)), func(stage []byte, done uint64) {
		copy(stage, data[done:])
	}, true)
}

// Download copies len(out) bytes of src at byte offset off into out.
func (d *Device) Download(src *Buffer, off uint64, out []byte) error {
	if err := src.span(off, uint64(len(out))); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	if len(out) == 0 {
		return nil
	}
	if !d.staging || src.blk.a.host {
		copy(out, src.hostBytes(off, uint64(len(out))))
		return nil
	}
	return d.viaStaging(src, off, uint64(len(out)), func(stage []byte, done uint64) {
		copy(out[done:], stage)
	}, false)
}

func (b *Buffer) span(off, n uint64) error {
	if b == nil || b.freed {
		return fmt.Errorf("buffer is nil or freed")
	}
	if off+n > b.Size {
		return fmt.Errorf("range [%d, %d) outside buffer of %d bytes", off, off+n, b.Size)
	}
	return nil
}

func (b *Buffer) hostBytes(off, n uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Add(b.blk.mapped, b.Offset+off)), n)
}

// viaStaging moves n bytes between buf and the host through a host-visible
// staging buffer, one chunk per submit.
func (d *Device) viaStaging(buf *Buffer, off, n uint64, move func(stage []byte, done uint64), up bool) error {
	chunk := uint64(stagingChunk)
	if n < chunk {
		chunk = n
	}
	stage, err := d.newStaging(chunk)
	if err != nil {
		return err
	}
	defer stage.release(d)
	for done := uint64(0); done < n; done += chunk {
		size := chunk
		if n-done < size {
			size = n - done
		}
		host := unsafe.Slice((*byte)(stage.mapped), size)
		if up {
			move(host, done)
		}
		region := []vk.BufferCopy{{DstOffset: vk.DeviceSize(buf.Offset + off + done), Size: vk.DeviceSize(size)}}
		src, dst := stage.buf, buf.blk.buf
		if !up {
			region = []vk.BufferCopy{{SrcOffset: vk.DeviceSize(buf.Offset + off + done), Size: vk.DeviceSize(size)}}
			src, dst = buf.blk.buf, stage.buf
		}
		err := d.submitOnce(func(cb vk.CommandBuffer) {
			globalBarrier(cb, allWrites, allStages, transferAccess, vk.PipelineStageFlags(vk.PipelineStageTransferBit))
			vk.CmdCopyBuffer(cb, src, dst, 1, region)
			globalBarrier(cb, vk.AccessFlags(vk.AccessTransferWriteBit), vk.PipelineStageFlags(vk.PipelineStageTransferBit), allAccess, allStages)
		})
		if err != nil {
			return err
		}
		if !up {
			move(host, done)
		}
	}
	return nil
}

type stagingBuf struct {
	buf    vk.Buffer
	mem    vk.DeviceMemory
	mapped unsafe.Pointer
}

func (d *Device) newStaging(size uint64) (*stagingBuf, error) {
	var buf vk.Buffer
	usage := vk.BufferUsageFlags(vk.BufferUsageTransferSrcBit | vk.BufferUsageTransferDstBit)
	r := vk.CreateBuffer(d.dev, &vk.BufferCreateInfo{SType: vk.StructureTypeBufferCreateInfo,
		Size: vk.DeviceSize(size), Usage: usage, SharingMode: vk.SharingModeExclusive}, nil, &buf)
	if err := check("vkCreateBuffer(staging)", r); err != nil {
		return nil, err
	}
	ti, _, ok := d.mem.pickType(hostCoherent, 0, 0)
	if !ok {
		vk.DestroyBuffer(d.dev, buf, nil)
		return nil, fmt.Errorf("no host-visible coherent memory type for staging")
	}
	mem, p, err := d.mem.bind(buf, ti, true)
	if err != nil {
		vk.DestroyBuffer(d.dev, buf, nil)
		return nil, err
	}
	return &stagingBuf{buf: buf, mem: mem, mapped: p}, nil
}

func (s *stagingBuf) release(d *Device) {
	vk.DestroyBuffer(d.dev, s.buf, nil)
	vk.FreeMemory(d.dev, s.mem, nil)
}
