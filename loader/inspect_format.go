package loader

import (
	"fmt"
	"sort"
	"strings"

	"github.com/flux-vk/flux-vk/internal/units"
)

var kindLabel = map[string]string{KindFlux: "transformer", KindAE: "autoencoder", KindCLIP: "CLIP-L text encoder", KindT5: "T5-XXL text encoder"}

var styleLabel = map[string]string{StyleBFL: "BFL names", StyleDiffusers: "diffusers names, mapped to BFL", StyleHF: "transformers names"}

func (r *report) component(m *Model, c *Component) {
	r.line(c.Kind, "%s, %s", kindLabel[c.Kind], styleLabel[c.Style])
	for _, f := range c.Files {
		r.line("  file", "%s (%d tensors, %s)", rel(m.Root, f.Path), f.Len(), humanBytes(f.Size))
	}
	r.line("  tensors", "%d, %s parameters, stored as %s", len(c.Names()), thousands(c.Params()), dtypeList(c.DTypes()))
	if desc := configLine(m, c); desc != "" {
		r.line("  config", "%s", desc)
	}
	src := c.ConfigSource
	if src == "" {
		src = "none (shapes and FLUX.1 defaults)"
	}
	r.line("  settings", "from %s", rel(m.Root, src))
	if len(c.Unused) > 0 {
		r.line("  unused", "%d stored tensors map to nothing: %s", len(c.Unused), shortList(c.Unused, 5))
	}
	if r.opts.Tensors {
		for _, n := range c.Names() {
			info, _ := c.Info(n)
			fmt.Fprintf(r.w, "    %-60s %-7s %v\n", n, info.DType, info.Shape)
		}
	}
}

// configLine describes a component's inferred configuration ("" when it
// could not be inferred: the problem is reported separately).
func configLine(m *Model, c *Component) string {
	switch c.Kind {
	case KindFlux:
		fc := m.FluxConfig
		if fc.Hidden == 0 {
			return ""
		}
		return fmt.Sprintf("hidden %d, %d heads of %d, %d double + %d single blocks, in/out %d/%d, vec_in %d, context_in %d, mlp %d, axes %v, theta %g, qkv bias %v, guidance %v",
			fc.Hidden, fc.Heads, fc.HeadDim(), fc.Depth, fc.DepthSingle, fc.InChannels, fc.OutChannels, fc.VecInDim, fc.ContextInDim, fc.MLPHidden, fc.AxesDim, fc.Theta, fc.QKVBias, fc.Guidance)
	case KindAE:
		ac := m.AEConfig
		if ac.Ch == 0 {
			return ""
		}
		parts := []string{}
		if ac.HasEncoder {
			parts = append(parts, "encoder")
		}
		if ac.HasDecoder {
			parts = append(parts, "decoder")
		}
		return fmt.Sprintf("%s; ch %d, ch_mult %v, %d res blocks, z %d, in %d, out %d, scale %g, shift %g",
			strings.Join(parts, " + "), ac.Ch, ac.ChMult, ac.NumResBlocks, ac.ZChannels, ac.InChannels, ac.OutCh, ac.ScaleFactor, ac.ShiftFactor)
	case KindCLIP:
		cc := m.CLIPConfig
		if cc.Hidden == 0 {
			return ""
		}
		return fmt.Sprintf("hidden %d, %d heads, %d layers, mlp %d, vocab %d, %d positions, eps %g, %s",
			cc.Hidden, cc.Heads, cc.Layers, cc.Intermediate, cc.Vocab, cc.MaxPositions, cc.Eps, cc.Act)
	case KindT5:
		tc := m.T5Config
		if tc.DModel == 0 {
			return ""
		}
		return fmt.Sprintf("d_model %d, %d heads of d_kv %d, %d layers, d_ff %d, vocab %d, %d buckets up to %d, eps %g",
			tc.DModel, tc.Heads, tc.DKV, tc.Layers, tc.DFF, tc.Vocab, tc.NumBuckets, tc.MaxDistance, tc.Eps)
	}
	return ""
}

func (r *report) missing(m *Model) {
	var miss []string
	for _, k := range []string{KindFlux, KindAE, KindCLIP, KindT5} {
		if m.component(k) == nil {
			miss = append(miss, fmt.Sprintf("%s (%s FILE)", k, componentFlags[k][0]))
		}
	}
	if len(miss) > 0 {
		r.line("missing", "%s", strings.Join(miss, ", "))
	}
}

func dtypeList(counts map[DType]int) string {
	var parts []string
	for d, n := range counts {
		parts = append(parts, fmt.Sprintf("%s x%d", d, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func shortList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// thousands writes 1808448 as 1,808,448.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// humanBytes writes a file size as the other reports do.
func humanBytes(n int64) string { return units.FormatBytes(uint64(n)) }
