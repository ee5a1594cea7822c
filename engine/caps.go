package engine

import (
	"fmt"
	"io"
	"strings"

	vk "github.com/vulkan-go/vulkan"
)

// CoopMatShape is one cooperative-matrix configuration a device offers.
type CoopMatShape struct {
	M, N, K         int
	A, B, C, Result string
	Scope           int
}

// Heap is one device memory heap.
type Heap struct {
	Size        uint64
	DeviceLocal bool
}

// Info is the capability report of one physical device.
type Info struct {
	Index          int
	Name           string
	Vendor         string
	VendorID       uint32
	Type           string // discrete, integrated, virtual, cpu, other
	Driver         string
	DriverInfo     string
	API            string
	Heaps          []Heap
	MaxAllocation  uint64 // maxMemoryAllocationSize
	MaxBuffer      uint64 // maxBufferSize (0 when the driver does not say)
	MaxStorage     uint64 // maxStorageBufferRange
	StorageAlign   uint64 // minStorageBufferOffsetAlignment
	MaxPush        uint32
	SharedMemory   uint32
	MaxInvocations uint32
	MaxGroups      [3]uint32
	SubgroupSize   uint32
	SubgroupRange  [2]uint32
	SubgroupOps    []string
	SizeControl    bool
	Float16        bool
	Int8           bool
	Storage16      bool
	Storage8       bool
	CoopMatKHR     bool
	CoopMatNV      bool
	CoopMat        []CoopMatShape
	TimestampNS    float32 // nanoseconds per timestamp tick
	Timestamps     bool
	queueFamily    uint32
	cacheUUID      [16]byte
	ext            extCaps
	pd             vk.PhysicalDevice
}

var typeNames = map[vk.PhysicalDeviceType]string{
	vk.PhysicalDeviceTypeDiscreteGpu: "discrete", vk.PhysicalDeviceTypeIntegratedGpu: "integrated",
	vk.PhysicalDeviceTypeVirtualGpu: "virtual", vk.PhysicalDeviceTypeCpu: "cpu",
}

// typeRank orders device types for the default choice: lower is preferred.
var typeRank = map[string]int{"discrete": 0, "integrated": 1, "virtual": 2, "cpu": 3, "other": 4}

func vendorName(id uint32) string {
	switch id {
	case 0x1002:
		return "AMD"
	case 0x10de:
		return "NVIDIA"
	case 0x8086:
		return "Intel"
	case 0x13b5:
		return "ARM"
	case 0x5143:
		return "Qualcomm"
	case 0x106b:
		return "Apple"
	case 0x10005:
		return "Mesa"
	}
	return fmt.Sprintf("0x%04x", id)
}

func subgroupOpNames(flags uint32) []string {
	names := []string{"basic", "vote", "arithmetic", "ballot", "shuffle", "shuffle_relative", "clustered", "quad"}
	var out []string
	for i, n := range names {
		if flags&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func apiString(v uint32) string {
	return fmt.Sprintf("%d.%d.%d", v>>22, (v>>12)&0x3ff, v&0xfff)
}

func gib(b uint64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }
func mib(b uint64) string { return fmt.Sprintf("%d MiB", b>>20) }

// Report writes the capability report in the form `flux-vk devices` prints.
func (d *Info) Report(w io.Writer, chosen bool) {
	mark := " "
	if chosen {
		mark = "*"
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	fmt.Fprintf(w, "%s [%d] %s\n", mark, d.Index, d.Name)
	fmt.Fprintf(w, "      vendor %s, type %s, driver %s (%s), Vulkan %s\n", d.Vendor, d.Type, d.Driver, d.DriverInfo, d.API)
	var heaps []string
	for _, h := range d.Heaps {
		kind := "host"
		if h.DeviceLocal {
			kind = "device-local"
		}
		heaps = append(heaps, fmt.Sprintf("%s %s", gib(h.Size), kind))
	}
	fmt.Fprintf(w, "      memory heaps: %s\n", strings.Join(heaps, ", "))
	maxBuf := "not reported"
	if d.MaxBuffer > 0 {
		maxBuf = gib(d.MaxBuffer)
	}
	fmt.Fprintf(w, "      max allocation %s, max buffer %s, max storage-buffer range %s\n", gib(d.MaxAllocation), maxBuf, mib(d.MaxStorage))
	fmt.Fprintf(w, "      shared memory %d KiB, workgroup up to %d invocations, push constants %d B\n", d.SharedMemory/1024, d.MaxInvocations, d.MaxPush)
	fmt.Fprintf(w, "      subgroup size %d (range %d-%d, size control %s), ops: %s\n", d.SubgroupSize, d.SubgroupRange[0], d.SubgroupRange[1], yes(d.SizeControl), strings.Join(d.SubgroupOps, " "))
	fmt.Fprintf(w, "      fp16 arithmetic %s, int8 arithmetic %s, 16-bit storage %s, 8-bit storage %s\n", yes(d.Float16), yes(d.Int8), yes(d.Storage16), yes(d.Storage8))
	cm := "none"
	if len(d.CoopMat) > 0 {
		var s []string
		for _, c := range d.CoopMat {
			s = append(s, fmt.Sprintf("%dx%dx%d %s*%s+%s", c.M, c.N, c.K, c.A, c.B, c.C))
		}
		cm = strings.Join(s, ", ")
	} else if d.CoopMatNV {
		cm = "NV extension only"
	}
	fmt.Fprintf(w, "      cooperative matrix: %s\n", cm)
	fmt.Fprintf(w, "      timestamps %s (%.3g ns per tick)\n", yes(d.Timestamps), d.TimestampNS)
}
