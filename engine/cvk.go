package engine

// #cgo LDFLAGS: -ldl -lpthread
// #include <stdlib.h>
// #include "cvk.h"
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// loadVulkan opens the system loader (libvulkan.so.1, which the runtime
// package libvulkan1 ships; vulkan-go's own default wants the -dev symlink)
// and hands vkGetInstanceProcAddr to vulkan-go.
func loadVulkan() error {
	var buf [512]C.char
	p := C.cvk_load(&buf[0], C.int(len(buf)))
	if p == nil {
		return fmt.Errorf("%w: %s", ErrNoLoader, C.GoString(&buf[0]))
	}
	vk.SetGetInstanceProcAddr(p)
	if err := vk.Init(); err != nil {
		return fmt.Errorf("%w: %v", ErrNoLoader, err)
	}
	return nil
}

func createInstance(validation bool, extensions []string) (vk.Instance, error) {
	var inst C.VkInstance
	v := C.int(0)
	if validation {
		v = 1
	}
	names := make([]*C.char, len(extensions)+1) // never empty: &names[0] must exist
	for i, e := range extensions {
		names[i] = C.CString(strings.TrimRight(e, "\x00"))
		defer C.free(unsafe.Pointer(names[i]))
	}
	if r := C.cvk_create_instance(v, (**C.char)(unsafe.Pointer(&names[0])), C.int(len(extensions)), &inst); r != C.VK_SUCCESS {
		err := vkError("vkCreateInstance", vk.Result(r))
		if vk.Result(r) == vk.ErrorIncompatibleDriver {
			// The loader's answer when it found no driver (ICD) at all.
			err = fmt.Errorf("%w: the Vulkan loader found no driver (vkCreateInstance: incompatible driver)", ErrNoDevice)
		}
		if validation && vk.Result(r) == vk.ErrorLayerNotPresent {
			err = fmt.Errorf("%w (the validation layer is Debian/Ubuntu package vulkan-validationlayers)", err)
		}
		if vk.Result(r) == vk.ErrorExtensionNotPresent && len(extensions) > 0 {
			err = fmt.Errorf("%w: the Vulkan loader lacks the window extensions %v", err, extensions)
		}
		return nil, err
	}
	instance := vk.Instance(unsafe.Pointer(inst))
	if err := vk.InitInstance(instance); err != nil {
		C.cvk_destroy_instance(inst)
		return nil, err
	}
	return instance, nil
}

func destroyInstance(inst vk.Instance) {
	C.cvk_destroy_instance(C.VkInstance(unsafe.Pointer(inst)))
}

// takeValidationMessages returns the layer's messages since the last call.
func takeValidationMessages() []string {
	buf := make([]byte, 1<<16)
	n := int(C.cvk_take_messages((*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf))))
	if n == 0 {
		return nil
	}
	var out []string
	for _, m := range strings.Split(string(buf), "\x00") {
		if m != "" {
			out = append(out, m)
		}
	}
	for len(out) < n {
		out = append(out, "(message dropped: buffer full)")
	}
	return out
}

// extCaps is what the 1.1/1.2 property and feature chains report.
type extCaps struct {
	DriverName, DriverInfo          string
	SubgroupSize, MinSub, MaxSub    uint32
	SubgroupOps                     uint32
	SubgroupSizeControl             bool
	Float16, Int8, Storage16, Stor8 bool
	BufferDeviceAddress             bool
	CoopMatKHR, CoopMatNV           bool
	MaxBufferSize, MaxAllocation    uint64
	CoopMat                         []CoopMatShape
}

func queryExtCaps(inst vk.Instance, pd vk.PhysicalDevice) extCaps {
	var c C.cvk_caps
	C.cvk_query_caps(C.VkInstance(unsafe.Pointer(inst)), C.VkPhysicalDevice(unsafe.Pointer(pd)), &c)
	e := extCaps{
		DriverName: C.GoString(&c.driver_name[0]), DriverInfo: C.GoString(&c.driver_info[0]),
		SubgroupSize: uint32(c.subgroup_size), MinSub: uint32(c.min_subgroup_size),
		MaxSub: uint32(c.max_subgroup_size), SubgroupOps: uint32(c.subgroup_ops),
		SubgroupSizeControl: c.subgroup_size_control != 0,
		Float16:             c.shader_float16 != 0, Int8: c.shader_int8 != 0,
		Storage16: c.storage16 != 0, Stor8: c.storage8 != 0,
		BufferDeviceAddress: c.buffer_device_address != 0,
		CoopMatKHR:          c.coopmat_khr != 0, CoopMatNV: c.coopmat_nv != 0,
		MaxBufferSize: uint64(c.max_buffer_size), MaxAllocation: uint64(c.max_allocation_size),
	}
	for i := 0; i < int(c.n_coopmat); i++ {
		m := c.coopmat[i]
		e.CoopMat = append(e.CoopMat, CoopMatShape{M: int(m.m), N: int(m.n), K: int(m.k),
			A: componentName(int(m.a)), B: componentName(int(m.b)),
			C: componentName(int(m.c)), Result: componentName(int(m.result)), Scope: int(m.scope)})
	}
	return e
}

func (e extCaps) toC() C.cvk_caps {
	b := func(v bool) C.int32_t {
		if v {
			return 1
		}
		return 0
	}
	var c C.cvk_caps
	c.shader_float16, c.shader_int8 = b(e.Float16), b(e.Int8)
	c.storage16, c.storage8 = b(e.Storage16), b(e.Stor8)
	c.subgroup_size_control = b(e.SubgroupSizeControl)
	return c
}

func createDevice(inst vk.Instance, pd vk.PhysicalDevice, family uint32, want extCaps, swapchain bool) (vk.Device, error) {
	c := want.toC()
	var dev C.VkDevice
	sc := C.int(0)
	if swapchain {
		sc = 1
	}
	r := C.cvk_create_device(C.VkInstance(unsafe.Pointer(inst)), C.VkPhysicalDevice(unsafe.Pointer(pd)),
		C.uint32_t(family), &c, sc, &dev)
	if r != C.VK_SUCCESS {
		return nil, vkError("vkCreateDevice", vk.Result(r))
	}
	return vk.Device(unsafe.Pointer(dev)), nil
}

// componentName names a VkComponentTypeKHR value.
func componentName(t int) string {
	names := map[int]string{0: "f16", 1: "f32", 2: "f64", 3: "s8", 4: "s16", 5: "s32", 6: "s64",
		7: "u8", 8: "u16", 9: "u32", 10: "u64", 1000141000: "bf16"}
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("type%d", t)
}

// ErrNoLoader means no Vulkan loader library could be opened.
var ErrNoLoader = errors.New("no Vulkan loader (libvulkan.so.1) found")

// cBytes copies b into C memory (for pointers that vulkan-go stores inside C
// structs); the caller frees it with freeC.
func cBytes(b []byte) unsafe.Pointer { return C.CBytes(b) }

func freeC(p unsafe.Pointer) { C.free(p) }
