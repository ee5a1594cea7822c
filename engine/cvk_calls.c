// Vulkan calls made from C memory. vulkan-go copies a struct argument to C
// memory that a finalizer frees, and the finalizer can run while the call
// is still reading it (a garbage collection during a long call): pipeline
// compilation, which takes lavapipe milliseconds to seconds, crashed about
// one test run in five. The calls the engine makes again and again, or that
// run long, go through here instead.
#include "cvk.h"

// proc is a device-level function through the instance's dispatch.
static PFN_vkVoidFunction proc(VkInstance inst, const char *name) {
	PFN_vkGetInstanceProcAddr gipa = (PFN_vkGetInstanceProcAddr)cvk_gipa();
	return gipa(inst, name);
}

VkResult cvk_compute_pipeline(VkInstance inst, VkDevice dev, VkPipelineCache cache, VkPipelineLayout layout,
                              const uint32_t *code, size_t code_size, const uint32_t *spec, uint32_t nspec,
                              VkPipeline *out) {
	PFN_vkCreateShaderModule mk = (PFN_vkCreateShaderModule)proc(inst, "vkCreateShaderModule");
	PFN_vkDestroyShaderModule rm = (PFN_vkDestroyShaderModule)proc(inst, "vkDestroyShaderModule");
	PFN_vkCreateComputePipelines create = (PFN_vkCreateComputePipelines)proc(inst, "vkCreateComputePipelines");
	if (nspec > CVK_MAX_ARGS) return VK_ERROR_INITIALIZATION_FAILED;
	VkShaderModuleCreateInfo mi = {VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
	mi.codeSize = code_size;
	mi.pCode = code;
	VkShaderModule mod;
	VkResult r = mk(dev, &mi, NULL, &mod);
	if (r != VK_SUCCESS) return r;
	VkSpecializationMapEntry entries[CVK_MAX_ARGS];
	VkSpecializationInfo si = {0};
	for (uint32_t i = 0; i < nspec; i++) {
		entries[i].constantID = i;
		entries[i].offset = 4 * i;
		entries[i].size = 4;
	}
	si.mapEntryCount = nspec;
	si.pMapEntries = entries;
	si.dataSize = 4 * nspec;
	si.pData = spec;
	VkComputePipelineCreateInfo ci = {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
	ci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
	ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
	ci.stage.module = mod;
	ci.stage.pName = "main";
	ci.stage.pSpecializationInfo = nspec > 0 ? &si : NULL;
	ci.layout = layout;
	r = create(dev, cache, 1, &ci, NULL, out);
	rm(dev, mod, NULL);
	return r;
}

VkResult cvk_descriptor_set(VkInstance inst, VkDevice dev, VkDescriptorPool pool, VkDescriptorSetLayout layout,
                            uint32_t n, const VkBuffer *bufs, const VkDeviceSize *offs, const VkDeviceSize *sizes,
                            VkDescriptorSet *out) {
	if (n > CVK_MAX_ARGS) return VK_ERROR_INITIALIZATION_FAILED;
	PFN_vkAllocateDescriptorSets alloc = (PFN_vkAllocateDescriptorSets)proc(inst, "vkAllocateDescriptorSets");
	PFN_vkUpdateDescriptorSets update = (PFN_vkUpdateDescriptorSets)proc(inst, "vkUpdateDescriptorSets");
	VkDescriptorSetAllocateInfo ai = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
	ai.descriptorPool = pool;
	ai.descriptorSetCount = 1;
	ai.pSetLayouts = &layout;
	VkResult r = alloc(dev, &ai, out);
	if (r != VK_SUCCESS) return r;
	VkDescriptorBufferInfo infos[CVK_MAX_ARGS];
	VkWriteDescriptorSet writes[CVK_MAX_ARGS];
	for (uint32_t i = 0; i < n; i++) {
		infos[i].buffer = bufs[i];
		infos[i].offset = offs[i];
		infos[i].range = sizes[i];
		VkWriteDescriptorSet w = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
		w.dstSet = *out;
		w.dstBinding = i;
		w.descriptorCount = 1;
		w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
		w.pBufferInfo = &infos[i];
		writes[i] = w;
	}
	update(dev, n, writes, 0, NULL);
	return VK_SUCCESS;
}

VkResult cvk_submit(VkInstance inst, VkQueue q, VkCommandBuffer cb, VkSemaphore wait, VkPipelineStageFlags wait_stage,
                    VkSemaphore signal, VkFence fence) {
	PFN_vkQueueSubmit submit = (PFN_vkQueueSubmit)proc(inst, "vkQueueSubmit");
	VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
	si.commandBufferCount = 1;
	si.pCommandBuffers = &cb;
	if (wait != VK_NULL_HANDLE) {
		si.waitSemaphoreCount = 1;
		si.pWaitSemaphores = &wait;
		si.pWaitDstStageMask = &wait_stage;
	}
	if (signal != VK_NULL_HANDLE) {
		si.signalSemaphoreCount = 1;
		si.pSignalSemaphores = &signal;
	}
	return submit(q, 1, &si, fence);
}

VkResult cvk_present(VkInstance inst, VkQueue q, VkSwapchainKHR sc, uint32_t index, VkSemaphore wait) {
	PFN_vkQueuePresentKHR present = (PFN_vkQueuePresentKHR)proc(inst, "vkQueuePresentKHR");
	VkPresentInfoKHR pi = {VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
	pi.waitSemaphoreCount = 1;
	pi.pWaitSemaphores = &wait;
	pi.swapchainCount = 1;
	pi.pSwapchains = &sc;
	pi.pImageIndices = &index;
	return present(q, &pi);
}
