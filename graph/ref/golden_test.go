package ref

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/nlpodyssey/safetensors"
)

// goldenDir holds the golden vectors (testdata/golden/README.md).
const goldenDir = "../../testdata/golden"

// stFile is one golden safetensors file, read whole.
type stFile struct {
	name   string
	st     safetensors.SafeTensors
	config string // __metadata__["config"]
}

func openGolden(t *testing.T, name string) *stFile {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	buf, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	st, err := safetensors.Deserialize(buf)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	_, meta, err := safetensors.ReadMetadata(buf)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return &stFile{name: name, st: st, config: meta.Metadata()["config"]}
}

// f32 returns tensor name widened to float32 (F32 as is, BF16 by bits<<16).
func (f *stFile) f32(t *testing.T, name string) []float32 {
	t.Helper()
	tv, ok := f.st.Tensor(name)
	if !ok {
		t.Fatalf("%s: no tensor %q", f.name, name)
	}
	d := tv.Data()
	switch tv.DType() {
	case safetensors.F32:
		out := make([]float32, len(d)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(d[4*i:]))
		}
		return out
	case safetensors.BF16:
		out := make([]float32, len(d)/2)
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(d[2*i:])) << 16)
		}
		return out
	}
	t.Fatalf("%s: tensor %q: dtype %v not float", f.name, name, tv.DType())
	return nil
}

// i64 returns the I64 tensor name.
func (f *stFile) i64(t *testing.T, name string) []int64 {
	t.Helper()
	tv, ok := f.st.Tensor(name)
	if !ok || tv.DType() != safetensors.I64 {
		t.Fatalf("%s: no I64 tensor %q", f.name, name)
	}
	d := tv.Data()
	out := make([]int64, len(d)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(d[8*i:]))
	}
	return out
}

// checkRel fails when RelL2(got, want) is not below tol.
func checkRel(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	r := RelL2(got, want)
	if !(r < tol) {
		t.Errorf("%s: relative L2 %.3g, want < %.1g", what, r, tol)
	} else {
		t.Logf("%s: relative L2 %.3g", what, r)
	}
}

// shape returns the shape of tensor name.
func (f *stFile) shape(t *testing.T, name string) []int {
	t.Helper()
	tv, ok := f.st.Tensor(name)
	if !ok {
		t.Fatalf("%s: no tensor %q", f.name, name)
	}
	s := make([]int, len(tv.Shape()))
	for i, d := range tv.Shape() {
		s[i] = int(d)
	}
	return s
}

// has reports whether the file holds tensor name.
func (f *stFile) has(name string) bool {
	_, ok := f.st.Tensor(name)
	return ok
}
