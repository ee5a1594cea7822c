package loadertest

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/flux-vk/flux-vk/loader"
)

// WriteSharded writes tensors as n shards named as diffusers and
// transformers name them (stem-00001-of-0000n.safetensors), each holding a
// run of the tensors in name order, with stem.safetensors.index.json
// beside them (total_size and weight_map, as save_pretrained writes it).
func WriteSharded(dir, stem string, ts []loader.Tensor, n int) error {
	if n < 1 || n > len(ts) {
		return fmt.Errorf("%s: %d shards for %d tensors", dir, n, len(ts))
	}
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b loader.Tensor) int { return strings.Compare(a.Name, b.Name) })
	weightMap := map[string]string{}
	total := 0
	for s := 0; s < n; s++ {
		shard := fmt.Sprintf("%s-%05d-of-%05d.safetensors", stem, s+1, n)
		part := ts[s*len(ts)/n : (s+1)*len(ts)/n]
		for _, t := range part {
			weightMap[t.Name] = shard
			total += len(t.Data)
		}
		if err := WriteTensors(filepath.Join(dir, shard), part, map[string]string{"format": "pt"}); err != nil {
			return err
		}
	}
	return WriteJSON(filepath.Join(dir, stem+".safetensors.index.json"),
		map[string]any{"metadata": map[string]any{"total_size": total}, "weight_map": weightMap})
}

// splitRows cuts a tensor along dim 0 into parts of the given row counts.
func splitRows(t loader.Tensor, rows []int, names []string) []loader.Tensor {
	rowBytes := len(t.Data) / t.Shape[0]
	out := make([]loader.Tensor, 0, len(rows))
	off := 0
	for i, r := range rows {
		shape := append([]int{r}, t.Shape[1:]...)
		out = append(out, loader.Tensor{Name: names[i], DType: t.DType, Shape: shape, Data: t.Data[off : off+r*rowBytes]})
		off += r * rowBytes
	}
	return out
}

// swapHalves exchanges the two halves of dim 0 (BFL's final modulation is
// (shift, scale), diffusers' (scale, shift)).
func swapHalves(t loader.Tensor) loader.Tensor {
	h := len(t.Data) / 2
	t.Data = append(slices.Clone(t.Data[h:]), t.Data[:h]...)
	return t
}
