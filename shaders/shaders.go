// Package shaders holds the GLSL compute shaders and their committed SPIR-V
// (built by tools/glslc.sh), embedded so the binary needs no shader
// compiler.
package shaders

import (
	"embed"
	"fmt"
)

//go:embed spv/*.spv
var spv embed.FS

// SPIRV returns the compiled shader called name (a .comp file's base name or
// a variant from variants.txt).
func SPIRV(name string) ([]byte, error) {
	b, err := spv.ReadFile("spv/" + name + ".spv")
	if err != nil {
		return nil, fmt.Errorf("shader %q is not built into this binary (run tools/glslc.sh)", name)
	}
	return b, nil
}

// MustSPIRV is SPIRV for the engine's own shader names, which are fixed at
// build time; a miss is a bug in flux-vk, not in user input.
func MustSPIRV(name string) []byte {
	b, err := SPIRV(name)
	if err != nil {
		panic(err)
	}
	return b
}
