package kernels

import (
	"fmt"

	"github.com/flux-vk/flux-vk/engine"
)

// Transpose writes y [cols, rows] = xᵀ for x [rows, cols].
func (l *Lib) Transpose(rec *engine.Recorder, y, x engine.Range, rows, cols int, t DType) error {
	gx, gy := groups(cols, 16), groups(rows, 16)
	if gx > 65535 || gy > 65535 {
		return fmt.Errorf("transpose %d×%d: too large for one dispatch", rows, cols)
	}
	p, err := l.pipeline(actVariant("transpose", t), []engine.Access{engine.Write, engine.Read}, 8)
	if err != nil {
		return err
	}
	return rec.Dispatch(p, []engine.Range{y, x}, Push(rows, cols), gx, gy, 1)
}
