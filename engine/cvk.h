// cvk: the part of Vulkan that vulkan-go (1.1.88 headers, 1.0 entry points)
// lacks, written against the system <vulkan/vulkan_core.h>: loading the
// loader, instance creation with validation features and a debug messenger,
// VkPhysicalDeviceFeatures2/Properties2 chains, and device creation with the
// 1.1/1.2 feature structs. Nothing here keeps a Go pointer.
#ifndef FLUXVK_CVK_H
#define FLUXVK_CVK_H

#include <stdint.h>
#include <vulkan/vulkan_core.h>

typedef struct {
	uint32_t m, n, k;
	int32_t a, b, c, result; // VkComponentTypeKHR
	int32_t scope;
} cvk_coopmat;

typedef struct {
	char driver_name[VK_MAX_DRIVER_NAME_SIZE];
	char driver_info[VK_MAX_DRIVER_INFO_SIZE];
	uint32_t subgroup_size, min_subgroup_size, max_subgroup_size;
	uint32_t subgroup_ops;      // VkSubgroupFeatureFlags
	int32_t subgroup_size_control;
	int32_t shader_float16, shader_int8, storage16, storage8;
	int32_t buffer_device_address;
	int32_t coopmat_khr, coopmat_nv;
	uint64_t max_buffer_size; // maintenance4, 0 when unknown
	uint64_t max_allocation_size;
	int32_t n_coopmat;
	cvk_coopmat coopmat[32];
} cvk_caps;

// cvk_load opens the Vulkan loader and returns vkGetInstanceProcAddr, or
// NULL with a reason in err.
void *cvk_load(char *err, int errlen);
// cvk_create_instance creates the instance, with the validation layer when
// asked and the n extra instance extensions (a window system's).
VkResult cvk_create_instance(int validation, const char *const *extra, int n, VkInstance *out);
void cvk_destroy_instance(VkInstance inst);
// cvk_take_messages copies validation messages gathered since the last call
// into buf (NUL-separated) and returns how many there were.
int cvk_take_messages(char *buf, int len);
void cvk_query_caps(VkInstance inst, VkPhysicalDevice pd, cvk_caps *caps);
// cvk_create_device creates the device with one queue of family, the
// features of want, and VK_KHR_swapchain when swapchain is set.
VkResult cvk_create_device(VkInstance inst, VkPhysicalDevice pd, uint32_t family,
                           const cvk_caps *want, int swapchain, VkDevice *out);

// cvk_gipa is the loaded vkGetInstanceProcAddr (after cvk_load).
void *cvk_gipa(void);

// Calls made from C memory (cvk_calls.c says why). They take at most
// CVK_MAX_ARGS specialization constants or bindings (callers check).
#define CVK_MAX_ARGS 32
VkResult cvk_compute_pipeline(VkInstance inst, VkDevice dev, VkPipelineCache cache, VkPipelineLayout layout,
                              const uint32_t *code, size_t code_size, const uint32_t *spec, uint32_t nspec,
                              VkPipeline *out);
VkResult cvk_descriptor_set(VkInstance inst, VkDevice dev, VkDescriptorPool pool, VkDescriptorSetLayout layout,
                            uint32_t n, const VkBuffer *bufs, const VkDeviceSize *offs, const VkDeviceSize *sizes,
                            VkDescriptorSet *out);
VkResult cvk_submit(VkInstance inst, VkQueue q, VkCommandBuffer cb, VkSemaphore wait, VkPipelineStageFlags wait_stage,
                    VkSemaphore signal, VkFence fence);
VkResult cvk_present(VkInstance inst, VkQueue q, VkSwapchainKHR sc, uint32_t index, VkSemaphore wait);

#endif
