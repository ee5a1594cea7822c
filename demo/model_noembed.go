//go:build nodemo

package demo

import "embed"

// Built with -tags nodemo: a binary 20 MB smaller, for the device machine,
// whose working-tree copy has the model's files anyway (--model demo/model).
var modelFS embed.FS

const embedded = false
