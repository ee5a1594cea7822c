package engine

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	vk "github.com/vulkan-go/vulkan"
)

// Options choose and configure a device.
type Options struct {
	// Select is a device index or a case-insensitive substring of its name;
	// empty means $FLUXVK_DEVICE, then the best device by type.
	Select string
	// Validation turns on the Khronos validation layer with synchronization
	// validation; $FLUXVK_VALIDATION=1 does the same.
	Validation bool
	// ForceStaging uploads through a staging buffer even when device memory
	// is host-visible (so the staging path is tested on unified memory).
	ForceStaging bool
	// NoPipelineCache skips the on-disk pipeline cache.
	NoPipelineCache bool
	// MemoryLimit caps the device memory buffers may hold at once, in
	// bytes (0: $FLUXVK_MEMORY_LIMIT, e.g. "6GiB", else only the device's
	// own limit): to leave room for other programs, or to see how a smaller
	// card would fare.
	MemoryLimit uint64
	// Present, when set, asks for a device that can show pictures in a
	// window (present.go).
	Present *Present
}

// Device is an opened Vulkan device with one compute queue.
type Device struct {
	Info       Info
	inst       vk.Instance
	dev        vk.Device
	queue      vk.Queue
	cmdPool    vk.CommandPool
	mem        *allocator
	host       *allocator // made by the first AllocHost
	surface    vk.Surface // the window's, with Options.Present
	staging    bool
	validation bool

	mu        sync.Mutex // guards the queue, pipelines and the command pool
	pipelines map[string]*Pipeline
	cache     vk.PipelineCache
	cachePath string
	noCache   bool
}

var loadOnce sync.Once
var loadErr error

func initLoader() error {
	loadOnce.Do(func() { loadErr = loadVulkan() })
	return loadErr
}

func validationFromEnv(v bool) bool {
	return v || os.Getenv("FLUXVK_VALIDATION") == "1"
}

// Devices lists every Vulkan device and the index Open would choose.
func Devices(sel string, validation bool) ([]Info, int, error) {
	if err := initLoader(); err != nil {
		return nil, -1, err
	}
	inst, err := createInstance(validationFromEnv(validation), nil)
	if err != nil {
		return nil, -1, err
	}
	defer destroyInstance(inst)
	infos, err := enumerate(inst)
	if err != nil {
		return nil, -1, err
	}
	i, err := choose(infos, selection(sel))
	return infos, i, err
}

func selection(sel string) string {
	if sel == "" {
		sel = os.Getenv("FLUXVK_DEVICE")
	}
	return strings.TrimSpace(sel)
}

func enumerate(inst vk.Instance) ([]Info, error) {
	var n uint32
	if err := check("vkEnumeratePhysicalDevices", vk.EnumeratePhysicalDevices(inst, &n, nil)); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, ErrNoDevice
	}
	pds := make([]vk.PhysicalDevice, n)
	if err := check("vkEnumeratePhysicalDevices", vk.EnumeratePhysicalDevices(inst, &n, pds)); err != nil {
		return nil, err
	}
	infos := make([]Info, 0, n)
	for i, pd := range pds[:n] {
		infos = append(infos, describe(inst, pd, i))
	}
	return infos, nil
}

func describe(inst vk.Instance, pd vk.PhysicalDevice, index int) Info {
	var p vk.PhysicalDeviceProperties
	vk.GetPhysicalDeviceProperties(pd, &p)
	p.Deref()
	p.Limits.Deref()
	e := queryExtCaps(inst, pd)
	typ, ok := typeNames[p.DeviceType]
	if !ok {
		typ = "other"
	}
	d := Info{
		Index: index, Name: vk.ToString(p.DeviceName[:]), VendorID: p.VendorID, Vendor: vendorName(p.VendorID),
		Type: typ, Driver: e.DriverName, DriverInfo: e.DriverInfo, API: apiString(p.ApiVersion),
		MaxAllocation: e.MaxAllocation, MaxBuffer: e.MaxBufferSize,
		MaxStorage: uint64(p.Limits.MaxStorageBufferRange), StorageAlign: uint64(p.Limits.MinStorageBufferOffsetAlignment),
		MaxPush: p.Limits.MaxPushConstantsSize, SharedMemory: p.Limits.MaxComputeSharedMemorySize,
		MaxInvocations: p.Limits.MaxComputeWorkGroupInvocations, MaxGroups: p.Limits.MaxComputeWorkGroupCount,
		SubgroupSize: e.SubgroupSize, SubgroupRange: [2]uint32{e.MinSub, e.MaxSub},
		SubgroupOps: subgroupOpNames(e.SubgroupOps), SizeControl: e.SubgroupSizeControl,
		Float16: e.Float16, Int8: e.Int8, Storage16: e.Storage16, Storage8: e.Stor8,
		CoopMatKHR: e.CoopMatKHR, CoopMatNV: e.CoopMatNV, CoopMat: e.CoopMat,
		TimestampNS: p.Limits.TimestampPeriod, ext: e, pd: pd, cacheUUID: p.PipelineCacheUUID,
	}
	var mp vk.PhysicalDeviceMemoryProperties
	vk.GetPhysicalDeviceMemoryProperties(pd, &mp)
	mp.Deref()
	for i := 0; i < int(mp.MemoryHeapCount); i++ {
		mp.MemoryHeaps[i].Deref()
		h := mp.MemoryHeaps[i]
		d.Heaps = append(d.Heaps, Heap{Size: uint64(h.Size), DeviceLocal: h.Flags&vk.MemoryHeapFlags(vk.MemoryHeapDeviceLocalBit) != 0})
	}
	d.queueFamily, d.Timestamps = computeQueue(pd)
	d.Timestamps = d.Timestamps && p.Limits.TimestampPeriod > 0
	return d
}

// computeQueue finds a queue family with compute, preferring one that also
// has timestamps.
func computeQueue(pd vk.PhysicalDevice) (uint32, bool) {
	var n uint32
	vk.GetPhysicalDeviceQueueFamilyProperties(pd, &n, nil)
	qs := make([]vk.QueueFamilyProperties, n)
	vk.GetPhysicalDeviceQueueFamilyProperties(pd, &n, qs)
	best, stamps := ^uint32(0), false
	for i := range qs {
		qs[i].Deref()
		if qs[i].QueueFlags&vk.QueueFlags(vk.QueueComputeBit) == 0 {
			continue
		}
		if best == ^uint32(0) || (!stamps && qs[i].TimestampValidBits > 0) {
			best, stamps = uint32(i), qs[i].TimestampValidBits > 0
		}
	}
	return best, stamps
}

// choose picks by index or name substring, else by type rank then memory.
func choose(infos []Info, sel string) (int, error) {
	if len(infos) == 0 {
		return -1, ErrNoDevice
	}
	if sel != "" {
		if i, err := strconv.Atoi(sel); err == nil {
			if i < 0 || i >= len(infos) {
				return -1, fmt.Errorf("device %d does not exist: %d devices (0-%d); run `flux-vk devices`", i, len(infos), len(infos)-1)
			}
			return i, nil
		}
		for i, d := range infos {
			if strings.Contains(strings.ToLower(d.Name), strings.ToLower(sel)) {
				return i, nil
			}
		}
		return -1, fmt.Errorf("no device name contains %q; run `flux-vk devices` to list them", sel)
	}
	order := make([]int, len(infos))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		da, db := infos[order[a]], infos[order[b]]
		if typeRank[da.Type] != typeRank[db.Type] {
			return typeRank[da.Type] < typeRank[db.Type]
		}
		return deviceLocal(da) > deviceLocal(db)
	})
	return order[0], nil
}

func deviceLocal(d Info) uint64 {
	var s uint64
	for _, h := range d.Heaps {
		if h.DeviceLocal {
			s += h.Size
		}
	}
	return s
}
