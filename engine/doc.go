// Package engine is flux-vk's Vulkan layer: it opens a device, allocates and
// sub-allocates device memory, uploads and downloads, builds compute
// pipelines from embedded SPIR-V, records many dispatches with the barriers
// they need into one command buffer, and times them with GPU timestamps.
//
// It knows nothing of FLUX, tensors or graphs: callers hand it SPIR-V,
// buffer ranges and push-constant bytes. The Vulkan 1.0 API comes from
// github.com/vulkan-go/vulkan; the 1.1/1.2 feature and property chains it
// lacks live in cvk.c, a small cgo file against the system headers.
package engine
