package loader

import (
	"bytes"
	"encoding/binary"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// recast stores tensors as another float dtype (F16, F8_E4M3) the way
// t5xxl_fp16.safetensors and t5xxl_fp8_e4m3fn.safetensors are made.
func recast(t *testing.T, ts []Tensor, d DType) []Tensor {
	var out []Tensor
	for _, tt := range ts {
		data, err := EncodeFloat32(tt.Float32(), d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Tensor{Name: tt.Name, DType: d, Shape: tt.Shape, Data: data})
	}
	return out
}

// scaledFP8 quantises every matrix to F8_E4M3 with a per-tensor
// .scale_weight (ComfyUI's scaled fp8 checkpoints), prefixes names with
// model.diffusion_model. and adds the scaled_fp8 marker. It returns what
// the loader must give back: BF16(fp8 * scale) for the scaled tensors.
func scaledFP8(ts []Tensor) (file, want []Tensor) {
	file = append(file, Tensor{Name: "scaled_fp8", DType: F8_E4M3, Shape: []int{0}, Data: []byte{}})
	for _, tt := range ts {
		if len(tt.Shape) < 2 {
			file = append(file, Tensor{Name: "model.diffusion_model." + tt.Name, DType: tt.DType, Shape: tt.Shape, Data: tt.Data})
			want = append(want, tt)
			continue
		}
		v := tt.Float32()
		var amax float32
		for _, x := range v {
			amax = max(amax, float32(math.Abs(float64(x))))
		}
		s := amax / 448
		q := make([]byte, len(v))
		deq := make([]float32, len(v))
		for i, x := range v {
			q[i] = F32ToF8E4M3(x / s)
			deq[i] = F8E4M3ToF32(q[i]) * s
		}
		base := "model.diffusion_model." + strings.TrimSuffix(tt.Name, ".weight")
		file = append(file, Tensor{Name: base + ".weight", DType: F8_E4M3, Shape: tt.Shape, Data: q},
			Tensor{Name: base + ".scale_weight", DType: F32, Shape: []int{}, Data: binary.LittleEndian.AppendUint32(nil, math.Float32bits(s))})
		data, _ := EncodeFloat32(deq, BF16)
		want = append(want, Tensor{Name: tt.Name, DType: BF16, Shape: tt.Shape, Data: data})
	}
	return file, want
}

func TestComfyUIStyleFiles(t *testing.T) {
	dir := t.TempDir()
	flux, ae, clip, t5, metas := pipelineParts(t)
	fluxFile, fluxWant := scaledFP8(flux)
	paths := map[string]string{"flux": filepath.Join(dir, "flux1-schnell-fp8.safetensors"), "ae": filepath.Join(dir, "ae.safetensors"),
		"clip": filepath.Join(dir, "clip_l.safetensors"), "fp8": filepath.Join(dir, "t5xxl_fp8_e4m3fn.safetensors"),
		"fp16": filepath.Join(dir, "t5xxl_fp16.safetensors")}
	write(t, paths["flux"], fluxFile, metas[0])
	write(t, paths["ae"], ae, metas[1])
	write(t, paths["clip"], clip, metas[2])
	write(t, paths["fp8"], recast(t, t5, F8_E4M3), metas[3])
	write(t, paths["fp16"], recast(t, t5, F16), metas[3])
	ref := loadOne(t, golden("schnell_pipeline_tiny"))
	for _, t5path := range []string{paths["fp8"], paths["fp16"]} {
		m, err := Load(Options{DiffusionModel: paths["flux"], VAE: paths["ae"], CLIPL: paths["clip"], T5XXL: t5path})
		if err != nil {
			t.Fatal(err)
		}
		sameTensors(t, m.Flux, fluxWant)
		sameTensors(t, m.AE, ae)
		sameTensors(t, m.CLIP, clip)
		sameTensors(t, m.T5, recast(t, t5, m.T5.Files[0].h.tensors["shared.weight"].DType))
		if m.Layout != LayoutFiles || !equalFlux(m.FluxConfig, ref.FluxConfig) || m.T5Config != ref.T5Config ||
			m.Flux.Params() != ref.Flux.Params() || len(m.Flux.Unused) > 0 {
			t.Errorf("%s: layout %s, config %+v, params %d/%d, unused %v", t5path, m.Layout, m.FluxConfig,
				m.Flux.Params(), ref.Flux.Params(), m.Flux.Unused)
		}
		if d := m.Flux.DTypes(); d[F8_E4M3] == 0 || d[F32] != d[F8_E4M3] {
			t.Errorf("dtypes %v: want one F32 scale per fp8 weight", d)
		}
		m.Close()
	}
	// fp8 costs precision, but scaled it stays within a few percent.
	for i, w := range fluxWant {
		got, orig := w.Float32(), flux[i].Float32()
		if relL2(got, orig) > 0.05 {
			t.Errorf("%s: fp8 relative error %.3f", w.Name, relL2(got, orig))
		}
	}
}

func relL2(a, b []float32) float64 {
	var d, n float64
	for i := range a {
		d += float64(a[i]-b[i]) * float64(a[i]-b[i])
		n += float64(b[i]) * float64(b[i])
	}
	return math.Sqrt(d / n)
}

// One all-in-one file (ComfyUI checkpoint prefixes) holds all four parts.
func TestAllInOneFile(t *testing.T) {
	flux, ae, clip, t5, metas := pipelineParts(t)
	var all []Tensor
	for _, part := range []struct {
		prefix string
		ts     []Tensor
	}{{"model.diffusion_model.", flux}, {"first_stage_model.", ae}, {"text_encoders.clip_l.transformer.", clip}, {"text_encoders.t5xxl.transformer.", t5}} {
		for _, tt := range part.ts {
			tt.Name = part.prefix + tt.Name
			all = append(all, tt)
		}
	}
	path := filepath.Join(t.TempDir(), "flux1-schnell-all.safetensors")
	write(t, path, all, metas[0])
	m, err := Load(Options{ModelDir: path})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	sameTensors(t, m.Flux, flux)
	sameTensors(t, m.AE, ae)
	sameTensors(t, m.CLIP, clip)
	sameTensors(t, m.T5, t5)
	// The metadata describes the transformer only: the other parts must
	// not read their settings from it.
	ref := loadOne(t, golden("schnell_pipeline_tiny"))
	if !equalFlux(m.FluxConfig, ref.FluxConfig) || m.CLIP.Config != nil || m.T5Config != ref.T5Config {
		t.Errorf("configs: %+v %+v %+v", m.FluxConfig, m.CLIP.Config, m.T5Config)
	}
}

// A folder of single files: the two golden autoencoder halves merge into
// one component.
func TestFolderMergesAEHalves(t *testing.T) {
	dir := t.TempDir()
	dec, dm := readTensors(t, golden("ae_decoder_tiny.weights.safetensors"))
	enc, em := readTensors(t, golden("ae_encoder_tiny.weights.safetensors"))
	write(t, filepath.Join(dir, "decoder.safetensors"), dec, dm)
	write(t, filepath.Join(dir, "encoder.safetensors"), enc, em)
	m := loadOne(t, dir)
	sameTensors(t, m.AE, append(slices.Clone(dec), enc...))
	if !m.AEConfig.HasEncoder || !m.AEConfig.HasDecoder || m.AEConfig.NumResBlocks != num(metaParams(t, dm), "num_res_blocks") {
		t.Errorf("%+v", m.AEConfig)
	}
	if m.Layout != LayoutSingleFiles || m.Flux != nil {
		t.Errorf("layout %s", m.Layout)
	}
	raw, _ := m.AE.Files[0].Raw(m.AE.Files[0].Names()[0])
	tt, _ := m.AE.Tensor(m.AE.Files[0].Names()[0])
	if !bytes.Equal(raw, tt.Data) || &raw[0] != &tt.Data[0] {
		t.Error("an unchanged tensor should alias the file mapping")
	}
}
