package engine

// #include "cvk.h"
import "C"

import (
	"fmt"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// The calls of cvk_calls.c: the same Vulkan calls as vulkan-go's, with the
// structs built in C memory (that file says why).

func (d *Device) cInst() C.VkInstance { return C.VkInstance(unsafe.Pointer(d.inst)) }
func (d *Device) cDev() C.VkDevice    { return C.VkDevice(unsafe.Pointer(d.dev)) }

// createComputePipeline compiles SPIR-V words with 32-bit specialization
// constants 0..len(spec)-1.
func (d *Device) createComputePipeline(layout vk.PipelineLayout, code []byte, spec []uint32) (vk.Pipeline, error) {
	if len(spec) > C.CVK_MAX_ARGS {
		return vk.NullPipeline, fmt.Errorf("%d specialization constants, at most %d", len(spec), C.CVK_MAX_ARGS)
	}
	var sp *C.uint32_t
	if len(spec) > 0 {
		sp = (*C.uint32_t)(unsafe.Pointer(&spec[0]))
	}
	var out C.VkPipeline
	r := C.cvk_compute_pipeline(d.cInst(), d.cDev(), C.VkPipelineCache(unsafe.Pointer(d.cache)),
		C.VkPipelineLayout(unsafe.Pointer(layout)), (*C.uint32_t)(unsafe.Pointer(&code[0])), C.size_t(len(code)),
		sp, C.uint32_t(len(spec)), &out)
	if err := check("vkCreateComputePipelines", vk.Result(r)); err != nil {
		return vk.NullPipeline, err
	}
	return vk.Pipeline(unsafe.Pointer(out)), nil
}

// allocDescriptorSet allocates a set of layout from pool and points its
// storage-buffer bindings 0..len(binds)-1 at binds.
func (d *Device) allocDescriptorSet(pool vk.DescriptorPool, layout vk.DescriptorSetLayout, binds []Range) (vk.DescriptorSet, error) {
	n := len(binds)
	if n > C.CVK_MAX_ARGS {
		return nil, fmt.Errorf("%d bindings, at most %d", n, C.CVK_MAX_ARGS)
	}
	bufs := make([]C.VkBuffer, n+1) // +1: &x[0] exists with no bindings too
	offs := make([]C.VkDeviceSize, n+1)
	sizes := make([]C.VkDeviceSize, n+1)
	for i, b := range binds {
		bufs[i] = C.VkBuffer(unsafe.Pointer(b.Buf.blk.buf))
		offs[i] = C.VkDeviceSize(b.Buf.Offset + b.Off)
		sizes[i] = C.VkDeviceSize(b.Size)
	}
	var out C.VkDescriptorSet
	r := C.cvk_descriptor_set(d.cInst(), d.cDev(), C.VkDescriptorPool(unsafe.Pointer(pool)),
		C.VkDescriptorSetLayout(unsafe.Pointer(layout)), C.uint32_t(n), &bufs[0], &offs[0], &sizes[0], &out)
	if err := check("vkAllocateDescriptorSets", vk.Result(r)); err != nil {
		return nil, err
	}
	return vk.DescriptorSet(unsafe.Pointer(out)), nil
}

// submit queues one command buffer; wait (at stage) and signal are
// optional semaphores, fence is signalled at the end. The caller holds d.mu.
func (d *Device) submit(cb vk.CommandBuffer, wait vk.Semaphore, stage vk.PipelineStageFlags, signal vk.Semaphore, fence vk.Fence) vk.Result {
	return vk.Result(C.cvk_submit(d.cInst(), C.VkQueue(unsafe.Pointer(d.queue)), C.VkCommandBuffer(unsafe.Pointer(cb)),
		C.VkSemaphore(unsafe.Pointer(wait)), C.VkPipelineStageFlags(stage), C.VkSemaphore(unsafe.Pointer(signal)),
		C.VkFence(unsafe.Pointer(fence))))
}

// present shows image index of sc once wait is signalled. The caller holds d.mu.
func (d *Device) present(sc vk.Swapchain, index uint32, wait vk.Semaphore) vk.Result {
	return vk.Result(C.cvk_present(d.cInst(), C.VkQueue(unsafe.Pointer(d.queue)), C.VkSwapchainKHR(unsafe.Pointer(sc)),
		C.uint32_t(index), C.VkSemaphore(unsafe.Pointer(wait))))
}
