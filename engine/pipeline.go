package engine

import (
	"encoding/binary"
	"fmt"
	"strings"

	vk "github.com/vulkan-go/vulkan"
)

// Access says how a kernel uses one of its storage-buffer bindings; the
// recorder derives barriers from it.
type Access uint8

const (
	Read Access = 1 << iota
	Write
	ReadWrite = Read | Write
)

// Kernel describes a compute shader: its SPIR-V, its bindings (storage
// buffers 0..n-1 of set 0), its push-constant size, and the values of its
// specialization constants (constant_id i gets Spec[i]).
type Kernel struct {
	Name     string
	SPIRV    []byte
	Bindings []Access
	PushSize uint32
	Spec     []uint32
}

// Pipeline is a compiled compute pipeline with its layouts.
type Pipeline struct {
	Kernel    Kernel
	setLayout vk.DescriptorSetLayout
	layout    vk.PipelineLayout
	pipe      vk.Pipeline
}

const spirvMagic = 0x07230203

func (k Kernel) key() string {
	var b strings.Builder
	b.WriteString(k.Name)
	for _, v := range k.Spec {
		fmt.Fprintf(&b, ",%d", v)
	}
	return b.String()
}

// Pipeline returns the pipeline for k, compiling it on first use.
func (d *Device) Pipeline(k Kernel) (*Pipeline, error) {
	key := k.key()
	d.mu.Lock()
	defer d.mu.Unlock()
	if p, ok := d.pipelines[key]; ok {
		return p, nil
	}
	p, err := d.compile(k)
	if err != nil {
		return nil, fmt.Errorf("pipeline %s: %w", key, err)
	}
	d.pipelines[key] = p
	return p, nil
}

func (d *Device) compile(k Kernel) (*Pipeline, error) {
	if len(k.SPIRV) < 20 || len(k.SPIRV)%4 != 0 || binary.LittleEndian.Uint32(k.SPIRV) != spirvMagic {
		return nil, fmt.Errorf("not SPIR-V (%d bytes)", len(k.SPIRV))
	}
	if k.PushSize > d.Info.MaxPush {
		return nil, fmt.Errorf("push constants of %d bytes exceed the device limit %d", k.PushSize, d.Info.MaxPush)
	}
	p := &Pipeline{Kernel: k}
	if err := d.makeLayouts(p); err != nil {
		return nil, err
	}
	if err := d.makePipeline(p); err != nil {
		p.destroy(d.dev)
		return nil, err
	}
	return p, nil
}

func (d *Device) makeLayouts(p *Pipeline) error {
	binds := make([]vk.DescriptorSetLayoutBinding, len(p.Kernel.Bindings))
	for i := range binds {
		binds[i] = vk.DescriptorSetLayoutBinding{Binding: uint32(i), DescriptorType: vk.DescriptorTypeStorageBuffer,
			DescriptorCount: 1, StageFlags: vk.ShaderStageFlags(vk.ShaderStageComputeBit)}
	}
	var sl vk.DescriptorSetLayout
	r := vk.CreateDescriptorSetLayout(d.dev, &vk.DescriptorSetLayoutCreateInfo{
		SType: vk.StructureTypeDescriptorSetLayoutCreateInfo, BindingCount: uint32(len(binds)), PBindings: binds,
	}, nil, &sl)
	if err := check("vkCreateDescriptorSetLayout", r); err != nil {
		return err
	}
	p.setLayout = sl
	info := vk.PipelineLayoutCreateInfo{SType: vk.StructureTypePipelineLayoutCreateInfo,
		SetLayoutCount: 1, PSetLayouts: []vk.DescriptorSetLayout{sl}}
	if p.Kernel.PushSize > 0 {
		info.PushConstantRangeCount = 1
		info.PPushConstantRanges = []vk.PushConstantRange{{StageFlags: vk.ShaderStageFlags(vk.ShaderStageComputeBit), Size: p.Kernel.PushSize}}
	}
	var pl vk.PipelineLayout
	if err := check("vkCreatePipelineLayout", vk.CreatePipelineLayout(d.dev, &info, nil, &pl)); err != nil {
		return err
	}
	p.layout = pl
	return nil
}

func (d *Device) makePipeline(p *Pipeline) error {
	pipe, err := d.createComputePipeline(p.layout, p.Kernel.SPIRV, p.Kernel.Spec)
	if err != nil {
		return err
	}
	p.pipe = pipe
	return nil
}

func (p *Pipeline) destroy(dev vk.Device) {
	if p.pipe != vk.NullPipeline {
		vk.DestroyPipeline(dev, p.pipe, nil)
	}
	if p.layout != vk.NullPipelineLayout {
		vk.DestroyPipelineLayout(dev, p.layout, nil)
	}
	if p.setLayout != vk.NullDescriptorSetLayout {
		vk.DestroyDescriptorSetLayout(dev, p.setLayout, nil)
	}
}
