package engine

import (
	"fmt"
	"os"

	"github.com/flux-vk/flux-vk/internal/units"
)

// memoryLimit is opt, else $FLUXVK_MEMORY_LIMIT, else 0 (none).
func memoryLimit(opt uint64) (uint64, error) {
	env := os.Getenv("FLUXVK_MEMORY_LIMIT")
	if opt > 0 || env == "" {
		return opt, nil
	}
	n, err := units.ParseBytes(env)
	if err != nil {
		return 0, fmt.Errorf("FLUXVK_MEMORY_LIMIT: %w", err)
	}
	return n, nil
}
