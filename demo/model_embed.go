//go:build !nodemo

package demo

import "embed"

// The demo model as a diffusers FluxPipeline folder (BF16; see
// tools/train-demo/README.md for how it was trained).
//
//go:embed model
var modelFS embed.FS

const embedded = true
