package engine

import (
	"errors"
	"fmt"

	vk "github.com/vulkan-go/vulkan"
)

// Present asks Open for a device that can show pictures in a window: the
// instance gets the window system's extensions, the device the swapchain
// extension, and Open refuses a device whose queue cannot present there.
type Present struct {
	// InstanceExtensions are what the window system needs (GLFW's
	// GetRequiredInstanceExtensions).
	InstanceExtensions []string
	// Surface makes the window's surface on the new instance.
	Surface func(inst vk.Instance) (vk.Surface, error)
}

// ErrResized says the window's surface no longer matches the swapchain:
// close it and make one of the new size.
var ErrResized = errors.New("the window changed size")

// Swapchain shows RGBA pictures of its size in the window of
// Options.Present. Each picture is copied from a host buffer into the
// acquired image (transfer, no shaders) and presented with FIFO pacing.
type Swapchain struct {
	d       *Device
	sc      vk.Swapchain
	images  []vk.Image
	W, H    int
	bgra    bool           // the images store B, G, R, A (else R, G, B, A)
	stage   *Buffer        // host memory, W·H·4 bytes
	pool    vk.CommandPool // its own: the engine records from its pool on other threads
	cb      vk.CommandBuffer
	acquire vk.Semaphore
	done    []vk.Semaphore // one per image: its present may still wait on it
	fence   vk.Fence       // the last picture's copy
}

// NewSwapchain makes a swapchain for the window, w×h unless the surface
// decides its own size (Swapchain.W, H say which). A minimised window
// (size 0) gives ErrResized.
func (d *Device) NewSwapchain(w, h int) (*Swapchain, error) {
	if d.surface == vk.NullSurface {
		return nil, fmt.Errorf("swapchain: the device was opened without a window (Options.Present)")
	}
	var caps vk.SurfaceCapabilities
	if err := check("vkGetPhysicalDeviceSurfaceCapabilitiesKHR", vk.GetPhysicalDeviceSurfaceCapabilities(d.Info.pd, d.surface, &caps)); err != nil {
		return nil, err
	}
	caps.Deref()
	caps.CurrentExtent.Deref()
	caps.MinImageExtent.Deref()
	caps.MaxImageExtent.Deref()
	if caps.CurrentExtent.Width != ^uint32(0) {
		w, h = int(caps.CurrentExtent.Width), int(caps.CurrentExtent.Height)
	} else {
		w = min(max(w, int(caps.MinImageExtent.Width)), int(caps.MaxImageExtent.Width))
		h = min(max(h, int(caps.MinImageExtent.Height)), int(caps.MaxImageExtent.Height))
	}
	if w <= 0 || h <= 0 {
		return nil, ErrResized
	}
	if caps.SupportedUsageFlags&vk.ImageUsageFlags(vk.ImageUsageTransferDstBit) == 0 {
		return nil, fmt.Errorf("swapchain: the window's images cannot be copied to on device %q", d.Info.Name)
	}
	format, bgra, err := d.surfaceFormat()
	if err != nil {
		return nil, err
	}
	s := &Swapchain{d: d, W: w, H: h, bgra: bgra}
	if err := s.create(caps, format); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// surfaceFormat picks an 8-bit RGBA or BGRA format of the surface.
func (d *Device) surfaceFormat() (vk.SurfaceFormat, bool, error) {
	var n uint32
	if err := check("vkGetPhysicalDeviceSurfaceFormatsKHR", vk.GetPhysicalDeviceSurfaceFormats(d.Info.pd, d.surface, &n, nil)); err != nil {
		return vk.SurfaceFormat{}, false, err
	}
	formats := make([]vk.SurfaceFormat, n)
	if err := check("vkGetPhysicalDeviceSurfaceFormatsKHR", vk.GetPhysicalDeviceSurfaceFormats(d.Info.pd, d.surface, &n, formats)); err != nil {
		return vk.SurfaceFormat{}, false, err
	}
	for _, f := range formats {
		f.Deref()
		switch f.Format {
		case vk.FormatB8g8r8a8Unorm, vk.FormatB8g8r8a8Srgb:
			return f, true, nil
		case vk.FormatR8g8b8a8Unorm, vk.FormatR8g8b8a8Srgb:
			return f, false, nil
		}
	}
	return vk.SurfaceFormat{}, false, fmt.Errorf("swapchain: the window offers no 8-bit RGBA or BGRA format")
}

func (s *Swapchain) create(caps vk.SurfaceCapabilities, format vk.SurfaceFormat) error {
	d := s.d
	count := caps.MinImageCount + 1
	if caps.MaxImageCount > 0 && count > caps.MaxImageCount {
		count = caps.MaxImageCount
	}
	var sc vk.Swapchain
	alpha := vk.CompositeAlphaOpaqueBit
	if caps.SupportedCompositeAlpha&vk.CompositeAlphaFlags(alpha) == 0 {
		for bit := vk.CompositeAlphaFlagBits(1); bit <= vk.CompositeAlphaInheritBit; bit <<= 1 {
			if caps.SupportedCompositeAlpha&vk.CompositeAlphaFlags(bit) != 0 {
				alpha = bit
				break
			}
		}
	}
	r := vk.CreateSwapchain(d.dev, &vk.SwapchainCreateInfo{SType: vk.StructureTypeSwapchainCreateInfo,
		Surface: d.surface, MinImageCount: count, ImageFormat: format.Format, ImageColorSpace: format.ColorSpace,
		ImageExtent: vk.Extent2D{Width: uint32(s.W), Height: uint32(s.H)}, ImageArrayLayers: 1,
		ImageUsage: vk.ImageUsageFlags(vk.ImageUsageTransferDstBit), ImageSharingMode: vk.SharingModeExclusive,
		PreTransform: caps.CurrentTransform, CompositeAlpha: alpha, PresentMode: vk.PresentModeFifo, Clipped: vk.True}, nil, &sc)
	if err := check("vkCreateSwapchainKHR", r); err != nil {
		return err
	}
	s.sc = sc // through a local: cgo refuses a pointer into a struct holding Go pointers
	var n uint32
	if err := check("vkGetSwapchainImagesKHR", vk.GetSwapchainImages(d.dev, s.sc, &n, nil)); err != nil {
		return err
	}
	s.images = make([]vk.Image, n)
	if err := check("vkGetSwapchainImagesKHR", vk.GetSwapchainImages(d.dev, s.sc, &n, s.images)); err != nil {
		return err
	}
	var err error
	if s.stage, err = d.AllocHost(uint64(4 * s.W * s.H)); err != nil {
		return err
	}
	if s.acquire, err = d.newSemaphore(); err != nil {
		return err
	}
	for range s.images {
		sem, err := d.newSemaphore()
		if err != nil {
			return err
		}
		s.done = append(s.done, sem)
	}
	var fence vk.Fence
	r = vk.CreateFence(d.dev, &vk.FenceCreateInfo{SType: vk.StructureTypeFenceCreateInfo,
		Flags: vk.FenceCreateFlags(vk.FenceCreateSignaledBit)}, nil, &fence)
	if err := check("vkCreateFence", r); err != nil {
		return err
	}
	s.fence = fence
	if s.pool, err = newCommandPool(d.dev, d.Info.queueFamily); err != nil {
		return err
	}
	s.cb, err = allocCommandBuffer(d.dev, s.pool)
	return err
}

func (d *Device) newSemaphore() (vk.Semaphore, error) {
	var sem vk.Semaphore
	r := vk.CreateSemaphore(d.dev, &vk.SemaphoreCreateInfo{SType: vk.StructureTypeSemaphoreCreateInfo}, nil, &sem)
	return sem, check("vkCreateSemaphore", r)
}

// Show presents rgba (W·H·4 bytes, rows top to bottom). It does not wait:
// when the last picture is still being copied (the queue is busy with the
// engine's work) or no image is free yet, it returns false and the caller
// tries again later. ErrResized asks for a new swapchain.
func (s *Swapchain) Show(rgba []byte) (bool, error) {
	if len(rgba) != 4*s.W*s.H {
		return false, fmt.Errorf("swapchain: %d bytes for a %dx%d picture, want %d", len(rgba), s.W, s.H, 4*s.W*s.H)
	}
	d := s.d
	if vk.GetFenceStatus(d.dev, s.fence) != vk.Success {
		return false, nil
	}
	var idx uint32
	switch r := vk.AcquireNextImage(d.dev, s.sc, 0, s.acquire, vk.NullFence, &idx); r {
	case vk.Success, vk.Suboptimal:
	case vk.NotReady, vk.Timeout:
		return false, nil
	case vk.ErrorOutOfDate:
		return false, ErrResized
	default:
		return false, vkError("vkAcquireNextImageKHR", r)
	}
	s.fill(rgba)
	if err := s.record(s.images[idx]); err != nil {
		return false, err
	}
	if err := check("vkResetFences", vk.ResetFences(d.dev, 1, []vk.Fence{s.fence})); err != nil {
		return false, err
	}
	d.mu.Lock()
	r := d.submit(s.cb, s.acquire, vk.PipelineStageFlags(vk.PipelineStageTransferBit), s.done[idx], s.fence)
	if r == vk.Success {
		r = d.present(s.sc, idx, s.done[idx])
	}
	d.mu.Unlock()
	switch r {
	case vk.Success:
		return true, nil
	case vk.Suboptimal, vk.ErrorOutOfDate:
		return true, ErrResized
	}
	return false, vkError("vkQueuePresentKHR", r)
}

// fill copies the picture into the host buffer in the images' byte order.
func (s *Swapchain) fill(rgba []byte) {
	dst := s.stage.hostBytes(0, uint64(len(rgba)))
	if !s.bgra {
		copy(dst, rgba)
		return
	}
	for i := 0; i < len(rgba); i += 4 {
		dst[i], dst[i+1], dst[i+2], dst[i+3] = rgba[i+2], rgba[i+1], rgba[i], rgba[i+3]
	}
}

// record fills the command buffer: image to transfer layout, copy, image
// to present layout.
func (s *Swapchain) record(img vk.Image) error {
	cb := s.cb
	if err := check("vkBeginCommandBuffer", vk.BeginCommandBuffer(cb, &vk.CommandBufferBeginInfo{
		SType: vk.StructureTypeCommandBufferBeginInfo, Flags: vk.CommandBufferUsageFlags(vk.CommandBufferUsageOneTimeSubmitBit)})); err != nil {
		return err
	}
	color := vk.ImageSubresourceRange{AspectMask: vk.ImageAspectFlags(vk.ImageAspectColorBit), LevelCount: 1, LayerCount: 1}
	vk.CmdPipelineBarrier(cb, vk.PipelineStageFlags(vk.PipelineStageTransferBit), vk.PipelineStageFlags(vk.PipelineStageTransferBit), 0,
		0, nil, 0, nil, 1, []vk.ImageMemoryBarrier{{SType: vk.StructureTypeImageMemoryBarrier,
			DstAccessMask: vk.AccessFlags(vk.AccessTransferWriteBit), OldLayout: vk.ImageLayoutUndefined,
			NewLayout: vk.ImageLayoutTransferDstOptimal, SrcQueueFamilyIndex: vk.QueueFamilyIgnored,
			DstQueueFamilyIndex: vk.QueueFamilyIgnored, Image: img, SubresourceRange: color}})
	vk.CmdCopyBufferToImage(cb, s.stage.blk.buf, img, vk.ImageLayoutTransferDstOptimal, 1, []vk.BufferImageCopy{{
		BufferOffset:     vk.DeviceSize(s.stage.Offset),
		ImageSubresource: vk.ImageSubresourceLayers{AspectMask: vk.ImageAspectFlags(vk.ImageAspectColorBit), LayerCount: 1},
		ImageExtent:      vk.Extent3D{Width: uint32(s.W), Height: uint32(s.H), Depth: 1}}})
	vk.CmdPipelineBarrier(cb, vk.PipelineStageFlags(vk.PipelineStageTransferBit), vk.PipelineStageFlags(vk.PipelineStageBottomOfPipeBit), 0,
		0, nil, 0, nil, 1, []vk.ImageMemoryBarrier{{SType: vk.StructureTypeImageMemoryBarrier,
			SrcAccessMask: vk.AccessFlags(vk.AccessTransferWriteBit), OldLayout: vk.ImageLayoutTransferDstOptimal,
			NewLayout: vk.ImageLayoutPresentSrc, SrcQueueFamilyIndex: vk.QueueFamilyIgnored,
			DstQueueFamilyIndex: vk.QueueFamilyIgnored, Image: img, SubresourceRange: color}})
	return check("vkEndCommandBuffer", vk.EndCommandBuffer(cb))
}

// Close waits for the swapchain's last picture and frees it.
func (s *Swapchain) Close() {
	if s == nil || s.d == nil {
		return
	}
	d := s.d
	d.mu.Lock()
	vk.QueueWaitIdle(d.queue)
	d.mu.Unlock()
	if s.pool != vk.NullCommandPool {
		vk.DestroyCommandPool(d.dev, s.pool, nil) // frees s.cb
	}
	if s.fence != vk.NullFence {
		vk.DestroyFence(d.dev, s.fence, nil)
	}
	for _, sem := range append(s.done, s.acquire) {
		if sem != vk.NullSemaphore {
			vk.DestroySemaphore(d.dev, sem, nil)
		}
	}
	if s.sc != vk.NullSwapchain {
		vk.DestroySwapchain(d.dev, s.sc, nil)
	}
	s.stage.Free(d)
	s.d = nil
}
