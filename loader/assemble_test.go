package loader

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func f32s(t *testing.T, d DType, v ...float32) []byte {
	b, err := EncodeFloat32(v, d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// componentOf writes tensors to a file and builds one component from it.
func componentOf(t *testing.T, kind string, ts []Tensor) *Component {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.safetensors")
	write(t, path, ts, nil)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	var es []entry
	for _, n := range f.Names() {
		_, bare, _ := classify(n)
		es = append(es, entry{file: f, full: n, bare: bare})
	}
	c, err := buildComponent(kind, es)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPerRowFP8Scale(t *testing.T) {
	c := componentOf(t, KindFlux, []Tensor{
		{Name: "img_in.weight", DType: F8_E4M3, Shape: []int{2, 2}, Data: f32s(t, F8_E4M3, 1, -2, 1.5, 0.5)},
		{Name: "img_in.weight_scale", DType: F32, Shape: []int{2}, Data: f32s(t, F32, 2, 0.25)},
	})
	if !slices.Equal(c.Names(), []string{"img_in.weight"}) {
		t.Fatalf("names %v", c.Names())
	}
	w, err := c.Tensor("img_in.weight")
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Float32(); w.DType != BF16 || !slices.Equal(got, []float32{2, -4, 0.375, 0.125}) {
		t.Errorf("%s %v", w.DType, got)
	}
}

func TestStackMixedDTypes(t *testing.T) {
	c := componentOf(t, KindFlux, []Tensor{
		{Name: "transformer_blocks.0.attn.to_q.weight", DType: F16, Shape: []int{1, 2}, Data: f32s(t, F16, 1, 2)},
		{Name: "transformer_blocks.0.attn.to_k.weight", DType: BF16, Shape: []int{1, 2}, Data: f32s(t, BF16, 3, 4)},
		{Name: "transformer_blocks.0.attn.to_v.weight", DType: BF16, Shape: []int{1, 2}, Data: f32s(t, BF16, 5, 6)},
		{Name: "norm_out.linear.bias", DType: F32, Shape: []int{4}, Data: f32s(t, F32, 1, 2, 3, 4)},
	})
	qkv, err := c.Tensor("double_blocks.0.img_attn.qkv.weight")
	if err != nil {
		t.Fatal(err)
	}
	if got := qkv.Float32(); qkv.DType != F32 || !slices.Equal(qkv.Shape, []int{3, 2}) || !slices.Equal(got, []float32{1, 2, 3, 4, 5, 6}) {
		t.Errorf("qkv %s %v %v", qkv.DType, qkv.Shape, got)
	}
	// diffusers (scale, shift) -> BFL (shift, scale)
	mod, _ := c.Tensor("final_layer.adaLN_modulation.1.bias")
	if got := mod.Float32(); !slices.Equal(got, []float32{3, 4, 1, 2}) {
		t.Errorf("swapped %v", got)
	}
}

func TestIncompleteQKVIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.safetensors")
	write(t, path, []Tensor{
		{Name: "transformer_blocks.0.attn.to_q.weight", DType: BF16, Shape: []int{1, 2}, Data: f32s(t, BF16, 1, 2)},
		{Name: "transformer_blocks.0.attn.to_k.weight", DType: BF16, Shape: []int{1, 2}, Data: f32s(t, BF16, 3, 4)},
	}, nil)
	_, err := Load(Options{ModelDir: path, AllowMissing: true})
	if err == nil || !containsAll(err.Error(), "double_blocks.0.img_attn.qkv.weight needs", "missing transformer_blocks.0.attn.to_v.weight") {
		t.Errorf("got %v", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
