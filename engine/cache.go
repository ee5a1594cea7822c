package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// The pipeline cache lives under the user cache dir, one file per device
// and driver build (named by the driver's pipelineCacheUUID), so shaders are
// compiled once per driver update rather than on every run.
func (d *Device) pipelineCachePath() string {
	dir, err := os.UserCacheDir()
	if err != nil || d.noCache {
		return ""
	}
	return filepath.Join(dir, "flux-vk", fmt.Sprintf("pipelines-%04x-%x.bin", d.Info.VendorID, d.Info.cacheUUID))
}

func (d *Device) openPipelineCache() {
	d.cachePath = d.pipelineCachePath()
	var data []byte
	if d.cachePath != "" {
		data, _ = os.ReadFile(d.cachePath) // a missing or stale file just means a cold cache
	}
	info := vk.PipelineCacheCreateInfo{SType: vk.StructureTypePipelineCacheCreateInfo}
	if len(data) > 0 {
		p := cBytes(data)
		defer freeC(p)
		info.InitialDataSize = uint(len(data))
		info.PInitialData = p
	}
	var c vk.PipelineCache
	if vk.CreatePipelineCache(d.dev, &info, nil, &c) == vk.Success {
		d.cache = c
	}
}

// savePipelineCache writes the cache atomically; failures only cost speed.
func (d *Device) savePipelineCache() {
	if d.cache == vk.NullPipelineCache || d.cachePath == "" || len(d.pipelines) == 0 {
		return
	}
	var n uint
	if vk.GetPipelineCacheData(d.dev, d.cache, &n, nil) != vk.Success || n == 0 {
		return
	}
	buf := make([]byte, n)
	if vk.GetPipelineCacheData(d.dev, d.cache, &n, unsafe.Pointer(&buf[0])) != vk.Success {
		return
	}
	if os.MkdirAll(filepath.Dir(d.cachePath), 0o755) != nil {
		return
	}
	// A temporary file of its own: several flux-vk processes may save at once.
	f, err := os.CreateTemp(filepath.Dir(d.cachePath), "pipelines-*.tmp")
	if err != nil {
		return
	}
	_, err = f.Write(buf[:n])
	if cerr := f.Close(); err == nil && cerr == nil {
		os.Rename(f.Name(), d.cachePath)
	} else {
		os.Remove(f.Name())
	}
}
