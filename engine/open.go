package engine

import (
	"fmt"

	vk "github.com/vulkan-go/vulkan"
)

// Open creates an instance and a logical device on the chosen physical
// device, with every optional feature the engine can use turned on where the
// device has it.
func Open(opts Options) (*Device, error) {
	if err := initLoader(); err != nil {
		return nil, err
	}
	var err error
	if opts.MemoryLimit, err = memoryLimit(opts.MemoryLimit); err != nil {
		return nil, err
	}
	validation := validationFromEnv(opts.Validation)
	var exts []string
	if opts.Present != nil {
		exts = opts.Present.InstanceExtensions
	}
	inst, err := createInstance(validation, exts)
	if err != nil {
		return nil, err
	}
	var surface vk.Surface
	if opts.Present != nil {
		if surface, err = opts.Present.Surface(inst); err != nil {
			destroyInstance(inst)
			return nil, fmt.Errorf("window surface: %w", err)
		}
	}
	d, err := open(inst, opts, validation, surface)
	if err != nil {
		if surface != vk.NullSurface {
			vk.DestroySurface(inst, surface, nil)
		}
		destroyInstance(inst)
		return nil, err
	}
	return d, nil
}

func open(inst vk.Instance, opts Options, validation bool, surface vk.Surface) (*Device, error) {
	infos, err := enumerate(inst)
	if err != nil {
		return nil, err
	}
	i, err := choose(infos, selection(opts.Select))
	if err != nil {
		return nil, err
	}
	info := infos[i]
	if info.queueFamily == ^uint32(0) {
		return nil, fmt.Errorf("device %q has no compute queue", info.Name)
	}
	if surface != vk.NullSurface {
		var ok vk.Bool32
		if r := vk.GetPhysicalDeviceSurfaceSupport(info.pd, info.queueFamily, surface, &ok); r != vk.Success || ok == vk.False {
			return nil, fmt.Errorf("device %q cannot show pictures in this window (its compute queue cannot present): choose another with --device", info.Name)
		}
	}
	dev, err := createDevice(inst, info.pd, info.queueFamily, info.ext, surface != vk.NullSurface)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", info.Name, err)
	}
	d := &Device{Info: info, inst: inst, dev: dev, validation: validation, surface: surface,
		pipelines: map[string]*Pipeline{}, noCache: opts.NoPipelineCache}
	var q vk.Queue
	vk.GetDeviceQueue(dev, info.queueFamily, 0, &q)
	d.queue = q
	pool, err := newCommandPool(dev, info.queueFamily)
	if err != nil {
		vk.DestroyDevice(dev, nil)
		return nil, err
	}
	d.cmdPool = pool
	d.mem = newAllocator(d)
	d.mem.limit = opts.MemoryLimit
	d.staging = opts.ForceStaging || !d.mem.hostVisible
	d.openPipelineCache()
	return d, nil
}

// Close waits for the device and releases everything it owns.
func (d *Device) Close() {
	if d == nil || d.dev == nil {
		return
	}
	vk.DeviceWaitIdle(d.dev)
	d.savePipelineCache()
	for _, p := range d.pipelines {
		p.destroy(d.dev)
	}
	if d.cache != vk.NullPipelineCache {
		vk.DestroyPipelineCache(d.dev, d.cache, nil)
	}
	d.mem.destroy()
	if d.host != nil {
		d.host.destroy()
	}
	vk.DestroyCommandPool(d.dev, d.cmdPool, nil)
	vk.DestroyDevice(d.dev, nil)
	if d.surface != vk.NullSurface {
		vk.DestroySurface(d.inst, d.surface, nil)
	}
	destroyInstance(d.inst)
	d.dev = nil
}

// Validating reports whether the validation layer is on.
func (d *Device) Validating() bool { return d.validation }

// ValidationMessages returns and clears the validation layer's messages.
func (d *Device) ValidationMessages() []string { return takeValidationMessages() }
