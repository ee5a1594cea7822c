#include "cvk.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// VK_KHR_cooperative_matrix postdates Debian 12's headers (1.3.239).
#ifndef VK_KHR_cooperative_matrix
#define VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR ((VkStructureType)1000506000)
#define VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR ((VkStructureType)1000506001)
typedef struct {
	VkStructureType sType;
	void *pNext;
	VkBool32 cooperativeMatrix;
	VkBool32 cooperativeMatrixRobustBufferAccess;
} VkPhysicalDeviceCooperativeMatrixFeaturesKHR;
typedef struct {
	VkStructureType sType;
	void *pNext;
	uint32_t MSize, NSize, KSize;
	int32_t AType, BType, CType, ResultType;
	VkBool32 saturatingAccumulation;
	int32_t scope;
} VkCooperativeMatrixPropertiesKHR;
typedef VkResult (*PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR)(
	VkPhysicalDevice, uint32_t *, VkCooperativeMatrixPropertiesKHR *);
#endif

static PFN_vkGetInstanceProcAddr gipa;

void *cvk_gipa(void) { return (void *)gipa; }

void *cvk_load(char *err, int errlen) {
	if (gipa) return (void *)gipa;
	const char *names[] = {"libvulkan.so.1", "libvulkan.so"};
	void *lib = NULL;
	for (int i = 0; i < 2 && !lib; i++) lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(err, errlen, "%s", dlerror());
		return NULL;
	}
	gipa = (PFN_vkGetInstanceProcAddr)dlsym(lib, "vkGetInstanceProcAddr");
	if (!gipa) snprintf(err, errlen, "libvulkan has no vkGetInstanceProcAddr");
	return (void *)gipa;
}

// Validation messages: the layer calls back on any thread; keep them in C
// memory until Go takes them.
static pthread_mutex_t msg_mu = PTHREAD_MUTEX_INITIALIZER;
static char msg_buf[1 << 16];
static int msg_len, msg_count;
static VkDebugUtilsMessengerEXT messenger;

static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(
	VkDebugUtilsMessageSeverityFlagBitsEXT sev, VkDebugUtilsMessageTypeFlagsEXT type,
	const VkDebugUtilsMessengerCallbackDataEXT *data, void *user) {
	(void)sev; (void)type; (void)user;
	pthread_mutex_lock(&msg_mu);
	msg_count++;
	int room = (int)sizeof msg_buf - msg_len - 1;
	if (room > 1) {
		int n = snprintf(msg_buf + msg_len, room, "%s", data->pMessage ? data->pMessage : "?");
		if (n >= room) n = room - 1;
		msg_len += n + 1; // keep the NUL as separator
	}
	pthread_mutex_unlock(&msg_mu);
	return VK_FALSE;
}

int cvk_take_messages(char *buf, int len) {
	pthread_mutex_lock(&msg_mu);
	int n = msg_count, copy = msg_len < len ? msg_len : len;
	memcpy(buf, msg_buf, copy);
	msg_len = 0;
	msg_count = 0;
	pthread_mutex_unlock(&msg_mu);
	return n;
}

VkResult cvk_create_instance(int validation, const char *const *extra, int n, VkInstance *out) {
	PFN_vkCreateInstance create = (PFN_vkCreateInstance)gipa(NULL, "vkCreateInstance");
	VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO};
	app.pApplicationName = "flux-vk";
	app.pEngineName = "flux-vk";
	app.apiVersion = VK_API_VERSION_1_2;
	VkInstanceCreateInfo ci = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
	ci.pApplicationInfo = &app;
	const char *layers[] = {"VK_LAYER_KHRONOS_validation"};
	const char *exts[17] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
	int next = 1;
	for (int i = 0; i < n && next < 17; i++) exts[next++] = extra[i];
	ci.enabledExtensionCount = next - 1; // without the debug extension unless validating
	ci.ppEnabledExtensionNames = exts + 1;
	VkValidationFeatureEnableEXT enables[] = {
		VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT};
	VkValidationFeaturesEXT features = {VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
	features.enabledValidationFeatureCount = 1;
	features.pEnabledValidationFeatures = enables;
	VkDebugUtilsMessengerCreateInfoEXT mci = {VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
	mci.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
	                      VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
	mci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
	                  VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT |
	                  VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT;
	mci.pfnUserCallback = on_message;
	if (validation) {
		ci.enabledLayerCount = 1;
		ci.ppEnabledLayerNames = layers;
		ci.enabledExtensionCount = next;
		ci.ppEnabledExtensionNames = exts;
		features.pNext = &mci; // also catches messages from instance creation
		ci.pNext = &features;
	}
	VkResult r = create(&ci, NULL, out);
	if (r != VK_SUCCESS || !validation) return r;
	PFN_vkCreateDebugUtilsMessengerEXT mk =
		(PFN_vkCreateDebugUtilsMessengerEXT)gipa(*out, "vkCreateDebugUtilsMessengerEXT");
	if (mk) mk(*out, &mci, NULL, &messenger);
	return VK_SUCCESS;
}

void cvk_destroy_instance(VkInstance inst) {
	if (messenger) {
		PFN_vkDestroyDebugUtilsMessengerEXT rm =
			(PFN_vkDestroyDebugUtilsMessengerEXT)gipa(inst, "vkDestroyDebugUtilsMessengerEXT");
		if (rm) rm(inst, messenger, NULL);
		messenger = 0;
	}
	PFN_vkDestroyInstance destroy = (PFN_vkDestroyInstance)gipa(inst, "vkDestroyInstance");
	destroy(inst, NULL);
}

static int has_extension(VkInstance inst, VkPhysicalDevice pd, const char *name) {
	PFN_vkEnumerateDeviceExtensionProperties enumerate =
		(PFN_vkEnumerateDeviceExtensionProperties)gipa(inst, "vkEnumerateDeviceExtensionProperties");
	uint32_t n = 0;
	enumerate(pd, NULL, &n, NULL);
	VkExtensionProperties *props = calloc(n ? n : 1, sizeof *props);
	enumerate(pd, NULL, &n, props);
	int found = 0;
	for (uint32_t i = 0; i < n && !found; i++) found = strcmp(props[i].extensionName, name) == 0;
	free(props);
	return found;
}

static void query_coopmat(VkInstance inst, VkPhysicalDevice pd, cvk_caps *caps) {
	PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR get =
		(PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR)gipa(
			inst, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR");
	if (!get) return;
	uint32_t n = 0;
	if (get(pd, &n, NULL) != VK_SUCCESS) return;
	if (n > 32) n = 32;
	VkCooperativeMatrixPropertiesKHR props[32];
	for (uint32_t i = 0; i < n; i++) {
		memset(&props[i], 0, sizeof props[i]);
		props[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR;
	}
	if (get(pd, &n, props) != VK_SUCCESS && n == 0) return;
	for (uint32_t i = 0; i < n; i++) {
		cvk_coopmat *c = &caps->coopmat[i];
		c->m = props[i].MSize; c->n = props[i].NSize; c->k = props[i].KSize;
		c->a = props[i].AType; c->b = props[i].BType; c->c = props[i].CType;
		c->result = props[i].ResultType; c->scope = props[i].scope;
	}
	caps->n_coopmat = (int32_t)n;
}

void cvk_query_caps(VkInstance inst, VkPhysicalDevice pd, cvk_caps *caps) {
	memset(caps, 0, sizeof *caps);
	PFN_vkGetPhysicalDeviceFeatures2 features2 =
		(PFN_vkGetPhysicalDeviceFeatures2)gipa(inst, "vkGetPhysicalDeviceFeatures2");
	PFN_vkGetPhysicalDeviceProperties2 props2 =
		(PFN_vkGetPhysicalDeviceProperties2)gipa(inst, "vkGetPhysicalDeviceProperties2");
	caps->coopmat_khr = has_extension(inst, pd, "VK_KHR_cooperative_matrix");
	caps->coopmat_nv = has_extension(inst, pd, "VK_NV_cooperative_matrix");
	int size_control = has_extension(inst, pd, "VK_EXT_subgroup_size_control");
	int maint4 = has_extension(inst, pd, "VK_KHR_maintenance4");

	VkPhysicalDeviceVulkan11Features f11 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
	VkPhysicalDeviceVulkan12Features f12 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
	VkPhysicalDeviceSubgroupSizeControlFeaturesEXT fsc = {
		VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT};
	VkPhysicalDeviceFeatures2 f = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
	f.pNext = &f11;
	f11.pNext = &f12;
	if (size_control) f12.pNext = &fsc;
	features2(pd, &f);
	caps->storage16 = f11.storageBuffer16BitAccess;
	caps->shader_float16 = f12.shaderFloat16;
	caps->shader_int8 = f12.shaderInt8;
	caps->storage8 = f12.storageBuffer8BitAccess;
	caps->buffer_device_address = f12.bufferDeviceAddress;
	caps->subgroup_size_control = size_control && fsc.subgroupSizeControl;

	VkPhysicalDeviceVulkan11Properties p11 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES};
	VkPhysicalDeviceVulkan12Properties p12 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES};
	VkPhysicalDeviceSubgroupSizeControlPropertiesEXT psc = {
		VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES_EXT};
	VkPhysicalDeviceMaintenance4Properties pm4 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_4_PROPERTIES};
	VkPhysicalDeviceProperties2 p = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
	p.pNext = &p11;
	p11.pNext = &p12;
	void **tail = &p12.pNext;
	if (size_control) { *tail = &psc; tail = &psc.pNext; }
	if (maint4) { *tail = &pm4; tail = &pm4.pNext; }
	props2(pd, &p);
	snprintf(caps->driver_name, sizeof caps->driver_name, "%s", p12.driverName);
	snprintf(caps->driver_info, sizeof caps->driver_info, "%s", p12.driverInfo);
	caps->subgroup_size = p11.subgroupSize;
	caps->subgroup_ops = p11.subgroupSupportedOperations;
	caps->min_subgroup_size = size_control ? psc.minSubgroupSize : p11.subgroupSize;
	caps->max_subgroup_size = size_control ? psc.maxSubgroupSize : p11.subgroupSize;
	caps->max_buffer_size = maint4 ? pm4.maxBufferSize : 0;
	caps->max_allocation_size = p11.maxMemoryAllocationSize;
	if (caps->coopmat_khr) query_coopmat(inst, pd, caps);
}

VkResult cvk_create_device(VkInstance inst, VkPhysicalDevice pd, uint32_t family,
                           const cvk_caps *want, int swapchain, VkDevice *out) {
	PFN_vkCreateDevice create = (PFN_vkCreateDevice)gipa(inst, "vkCreateDevice");
	float prio = 1.0f;
	VkDeviceQueueCreateInfo q = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
	q.queueFamilyIndex = family;
	q.queueCount = 1;
	q.pQueuePriorities = &prio;

	VkPhysicalDeviceVulkan11Features f11 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
	VkPhysicalDeviceVulkan12Features f12 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
	VkPhysicalDeviceSubgroupSizeControlFeaturesEXT fsc = {
		VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT};
	VkPhysicalDeviceFeatures2 f = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
	f.pNext = &f11;
	f11.pNext = &f12;
	f11.storageBuffer16BitAccess = want->storage16;
	f12.shaderFloat16 = want->shader_float16;
	f12.shaderInt8 = want->shader_int8;
	f12.storageBuffer8BitAccess = want->storage8;
	const char *exts[2];
	uint32_t next = 0;
	if (swapchain) exts[next++] = VK_KHR_SWAPCHAIN_EXTENSION_NAME;
	if (want->subgroup_size_control) {
		fsc.subgroupSizeControl = VK_TRUE;
		f12.pNext = &fsc;
		exts[next++] = "VK_EXT_subgroup_size_control";
	}
	VkDeviceCreateInfo ci = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
	ci.pNext = &f;
	ci.queueCreateInfoCount = 1;
	ci.pQueueCreateInfos = &q;
	ci.enabledExtensionCount = next;
	ci.ppEnabledExtensionNames = exts;
	return create(pd, &ci, NULL, out);
}
