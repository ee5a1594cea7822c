package engine

import (
	"errors"
	"fmt"

	vk "github.com/vulkan-go/vulkan"
)

// ErrNoDevice means the loader found no Vulkan device.
var ErrNoDevice = errors.New("no Vulkan device found")

// ErrOutOfMemory wraps allocation failures so callers can suggest a fix.
var ErrOutOfMemory = errors.New("out of device memory")

// Hint is the advice printed with ErrNoLoader and ErrNoDevice.
const Hint = "install a Vulkan driver: on Debian/Ubuntu `sudo apt-get install libvulkan1 mesa-vulkan-drivers` " +
	"gives Mesa's drivers, including the software device lavapipe that runs anywhere (slowly); " +
	"check VK_ICD_FILENAMES / VK_DRIVER_FILES if set, and `vulkaninfo --summary` (package vulkan-tools)"

func vkError(call string, r vk.Result) error {
	switch r {
	case vk.Success:
		return nil
	case vk.ErrorOutOfDeviceMemory, vk.ErrorOutOfHostMemory:
		return fmt.Errorf("%s: %w (VkResult %d)", call, ErrOutOfMemory, r)
	}
	return fmt.Errorf("%s: %s (VkResult %d)", call, resultName(r), r)
}

func resultName(r vk.Result) string {
	names := map[vk.Result]string{
		vk.NotReady: "not ready", vk.Timeout: "timeout", vk.Incomplete: "incomplete",
		vk.ErrorInitializationFailed: "initialization failed", vk.ErrorDeviceLost: "device lost",
		vk.ErrorMemoryMapFailed: "memory map failed", vk.ErrorLayerNotPresent: "layer not present",
		vk.ErrorExtensionNotPresent: "extension not present", vk.ErrorFeatureNotPresent: "feature not present",
		vk.ErrorIncompatibleDriver: "incompatible driver", vk.ErrorTooManyObjects: "too many objects",
		vk.ErrorFormatNotSupported: "format not supported", vk.ErrorFragmentedPool: "fragmented pool",
		vk.ErrorOutOfPoolMemory: "out of pool memory", vk.ErrorInvalidShaderNv: "invalid shader",
	}
	if n, ok := names[r]; ok {
		return n
	}
	return "error"
}

func check(call string, r vk.Result) error { return vkError(call, r) }
