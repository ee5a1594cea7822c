package engine

import (
	vk "github.com/vulkan-go/vulkan"
)

// Access and stage masks for the coarse barriers at submit boundaries.
var (
	allWrites      = vk.AccessFlags(vk.AccessShaderWriteBit | vk.AccessTransferWriteBit | vk.AccessHostWriteBit)
	allAccess      = vk.AccessFlags(vk.AccessShaderReadBit | vk.AccessShaderWriteBit | vk.AccessTransferReadBit | vk.AccessTransferWriteBit | vk.AccessHostReadBit | vk.AccessHostWriteBit)
	allStages      = vk.PipelineStageFlags(vk.PipelineStageComputeShaderBit | vk.PipelineStageTransferBit | vk.PipelineStageHostBit)
	transferAccess = vk.AccessFlags(vk.AccessTransferReadBit | vk.AccessTransferWriteBit)
	computeStage   = vk.PipelineStageFlags(vk.PipelineStageComputeShaderBit)
	shaderRW       = vk.AccessFlags(vk.AccessShaderReadBit | vk.AccessShaderWriteBit)
)

func globalBarrier(cb vk.CommandBuffer, srcAccess vk.AccessFlags, srcStage vk.PipelineStageFlags, dstAccess vk.AccessFlags, dstStage vk.PipelineStageFlags) {
	mb := []vk.MemoryBarrier{{SType: vk.StructureTypeMemoryBarrier, SrcAccessMask: srcAccess, DstAccessMask: dstAccess}}
	vk.CmdPipelineBarrier(cb, srcStage, dstStage, 0, 1, mb, 0, nil, 0, nil)
}

// newCommandPool makes a pool of resettable command buffers for the
// device's queue family.
func newCommandPool(dev vk.Device, family uint32) (vk.CommandPool, error) {
	var pool vk.CommandPool
	r := vk.CreateCommandPool(dev, &vk.CommandPoolCreateInfo{
		SType:            vk.StructureTypeCommandPoolCreateInfo,
		Flags:            vk.CommandPoolCreateFlags(vk.CommandPoolCreateResetCommandBufferBit),
		QueueFamilyIndex: family,
	}, nil, &pool)
	return pool, check("vkCreateCommandPool", r)
}

// newCommandBuffer allocates a primary command buffer from the device's
// pool (the caller holds d.mu, which guards it).
func (d *Device) newCommandBuffer() (vk.CommandBuffer, error) {
	return allocCommandBuffer(d.dev, d.cmdPool)
}

func allocCommandBuffer(dev vk.Device, pool vk.CommandPool) (vk.CommandBuffer, error) {
	cbs := make([]vk.CommandBuffer, 1)
	r := vk.AllocateCommandBuffers(dev, &vk.CommandBufferAllocateInfo{
		SType: vk.StructureTypeCommandBufferAllocateInfo, CommandPool: pool,
		Level: vk.CommandBufferLevelPrimary, CommandBufferCount: 1,
	}, cbs)
	return cbs[0], check("vkAllocateCommandBuffers", r)
}

func (d *Device) freeCommandBuffer(cb vk.CommandBuffer) {
	d.mu.Lock()
	vk.FreeCommandBuffers(d.dev, d.cmdPool, 1, []vk.CommandBuffer{cb})
	d.mu.Unlock()
}

// submitOnce records a command buffer with record, submits it and waits.
func (d *Device) submitOnce(record func(cb vk.CommandBuffer)) error {
	d.mu.Lock()
	cb, err := d.newCommandBuffer()
	d.mu.Unlock()
	if err != nil {
		return err
	}
	defer d.freeCommandBuffer(cb)
	r := vk.BeginCommandBuffer(cb, &vk.CommandBufferBeginInfo{SType: vk.StructureTypeCommandBufferBeginInfo,
		Flags: vk.CommandBufferUsageFlags(vk.CommandBufferUsageOneTimeSubmitBit)})
	if err := check("vkBeginCommandBuffer", r); err != nil {
		return err
	}
	record(cb)
	if err := check("vkEndCommandBuffer", vk.EndCommandBuffer(cb)); err != nil {
		return err
	}
	return d.submitWait(cb)
}

// submitWait submits one recorded command buffer and waits for it.
func (d *Device) submitWait(cb vk.CommandBuffer) error {
	var fence vk.Fence
	r := vk.CreateFence(d.dev, &vk.FenceCreateInfo{SType: vk.StructureTypeFenceCreateInfo}, nil, &fence)
	if err := check("vkCreateFence", r); err != nil {
		return err
	}
	defer vk.DestroyFence(d.dev, fence, nil)
	d.mu.Lock()
	r = d.submit(cb, vk.NullSemaphore, 0, vk.NullSemaphore, fence)
	d.mu.Unlock()
	if err := check("vkQueueSubmit", r); err != nil {
		return err
	}
	return check("vkWaitForFences", vk.WaitForFences(d.dev, 1, []vk.Fence{fence}, vk.True, ^uint64(0)))
}
