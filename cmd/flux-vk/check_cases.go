package main

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/flux-vk/flux-vk/graph"
	"github.com/flux-vk/flux-vk/loader"
	"github.com/flux-vk/flux-vk/model"
)

// caseKinds maps a MANIFEST kind to its runner.
var caseKinds = map[string]func(c *checker, dir string, cs goldenCase) error{
	"flux_transformer": checkFlux,
	"ae_decoder":       checkDecoder,
	"ae_encoder":       checkEncoder,
	"clip_text":        checkCLIP,
	"t5_encoder":       checkT5,
	"schnell_sampling": checkSampling,
	"torch_randn":      checkRandn,
	"flux_pipeline":    checkPipeline,
}

// golden is a case's io file.
type golden struct{ *loader.File }

func openIO(dir string, cs goldenCase) (golden, error) {
	f, err := loader.Open(filepath.Join(dir, cs.Case+".io.safetensors"))
	return golden{f}, err
}

func (g golden) f32(name string) []float32 {
	v, _ := g.Float32(name)
	return v
}

func (g golden) ids(name string) []int32 {
	v, _ := g.Int64(name)
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}

func (g golden) shape(name string) []int {
	info, _ := g.Info(name)
	return info.Shape
}

// weights loads the component the case uses, through the same loader path
// as a user's single file.
func weights(dir string, cs goldenCase, component string) (*loader.Model, error) {
	file := cs.Case + ".weights.safetensors"
	if w, ok := cs.UsesWeightsFrom[component]; ok {
		file = w
	}
	path := filepath.Join(dir, file)
	o := loader.Options{AllowMissing: true}
	switch component {
	case "flux":
		o.DiffusionModel = path
	case "ae":
		o.VAE = path
	case "clip_l":
		o.CLIPL = path
	case "t5xxl":
		o.T5XXL = path
	}
	return loader.Load(o)
}

// debugTaps compares every dbg.* tensor of the case with the tap of the
// same name, when run with --debug.
func (c *checker) debugTaps(name string, io golden, ex graph.Executor) {
	if !c.debug {
		return
	}
	var names []string
	for _, n := range io.Names() {
		if strings.HasPrefix(n, "dbg.") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		got, err := ex.Output(n)
		if err != nil {
			fmt.Printf("%-28s %-26s (no such tap)\n", name, n)
			continue
		}
		c.compare(name, n, got, io.f32(n), c.tol)
	}
}

func checkFlux(c *checker, dir string, cs goldenCase) error {
	io, err := openIO(dir, cs)
	if err != nil {
		return err
	}
	defer io.Close()
	m, err := weights(dir, cs, "flux")
	if err != nil {
		return err
	}
	defer m.Close()
	img, txt := io.shape("img"), io.shape("txt")
	g := graph.New(c.be.Act, m.Flux)
	if err := model.BuildFlux(g, m.FluxConfig, txt[1], img[1], 1); err != nil {
		return err
	}
	ex, err := c.be.Exec(g)
	if err != nil {
		return err
	}
	defer ex.Close()
	for _, in := range []string{"img", "txt", "y", "img_ids", "txt_ids"} {
		if err := ex.SetInput(in, io.f32(in)); err != nil {
			return err
		}
	}
	if err := ex.SetInput("timestep", io.f32("timesteps")); err != nil {
		return err
	}
	if m.FluxConfig.Guidance {
		if err := ex.SetInput("guidance", io.f32("guidance")); err != nil {
			return err
		}
	}
	if err := ex.Run(); err != nil {
		return err
	}
	pred, err := ex.Output("pred")
	if err != nil {
		return err
	}
	c.compare(cs.Case, "pred", pred, io.f32("pred"), c.tol)
	c.debugTaps(cs.Case, io, ex)
	return nil
}

// runOnce builds a graph, feeds it from the io file and compares outputs.
func (c *checker) runOnce(cs goldenCase, io golden, w graph.Weights, act graph.DType, build func(g *graph.Graph) error,
	floats map[string]string, ids map[string]string, outputs ...string) (graph.Executor, error) {
	g := graph.New(act, w)
	if err := build(g); err != nil {
		return nil, err
	}
	ex, err := c.be.Exec(g)
	if err != nil {
		return nil, err
	}
	for in, from := range floats {
		if err := ex.SetInput(in, io.f32(from)); err != nil {
			ex.Close()
			return nil, err
		}
	}
	for in, from := range ids {
		if err := ex.SetIDs(in, io.ids(from)); err != nil {
			ex.Close()
			return nil, err
		}
	}
	if err := ex.Run(); err != nil {
		ex.Close()
		return nil, err
	}
	for _, o := range outputs {
		got, err := ex.Output(o)
		if err != nil {
			ex.Close()
			return nil, err
		}
		c.compare(cs.Case, o, got, io.f32(o), c.tol)
	}
	c.debugTaps(cs.Case, io, ex)
	return ex, nil
}

func checkDecoder(c *checker, dir string, cs goldenCase) error {
	io, m, err := openWith(dir, cs, "ae")
	if err != nil {
		return err
	}
	defer io.Close()
	defer m.Close()
	z := io.shape("z")
	ex, err := c.runOnce(cs, io, m.AE, c.be.Act, func(g *graph.Graph) error {
		return model.BuildDecoder(g, m.AEConfig, z[2], z[3])
	}, map[string]string{"z": "z"}, nil, "decoded", "image")
	if err == nil {
		ex.Close()
	}
	return err
}

func checkEncoder(c *checker, dir string, cs goldenCase) error {
	io, m, err := openWith(dir, cs, "ae")
	if err != nil {
		return err
	}
	defer io.Close()
	defer m.Close()
	im := io.shape("image")
	ex, err := c.runOnce(cs, io, m.AE, c.be.Act, func(g *graph.Graph) error {
		return model.BuildEncoder(g, m.AEConfig, im[2], im[3])
	}, map[string]string{"image": "image"}, nil, "moments", "mean", "latent")
	if err == nil {
		ex.Close()
	}
	return err
}

func checkCLIP(c *checker, dir string, cs goldenCase) error {
	io, m, err := openWith(dir, cs, "clip_l")
	if err != nil {
		return err
	}
	defer io.Close()
	defer m.Close()
	ids := io.ids("input_ids")
	ex, err := c.runOnce(cs, io, m.CLIP, c.be.Act, func(g *graph.Graph) error {
		return model.BuildCLIP(g, m.CLIPConfig, len(ids))
	}, nil, map[string]string{"input_ids": "input_ids"}, "last_hidden_state")
	if err != nil {
		return err
	}
	defer ex.Close()
	h, err := ex.Output("last_hidden_state")
	if err != nil {
		return err
	}
	c.compare(cs.Case, "pooled", model.CLIPPooled(h, ids, m.CLIPConfig.Hidden), io.f32("pooled"), c.tol)
	return nil
}

func checkT5(c *checker, dir string, cs goldenCase) error {
	io, m, err := openWith(dir, cs, "t5xxl")
	if err != nil {
		return err
	}
	defer io.Close()
	defer m.Close()
	ids := io.ids("input_ids")
	// T5 always keeps f32 activations (see model.BuildT5).
	ex, err := c.runOnce(cs, io, m.T5, graph.DType(0), func(g *graph.Graph) error {
		return model.BuildT5(g, m.T5Config, len(ids))
	}, nil, map[string]string{"input_ids": "input_ids"}, "last_hidden_state")
	if err == nil {
		ex.Close()
	}
	return err
}

func openWith(dir string, cs goldenCase, component string) (golden, *loader.Model, error) {
	io, err := openIO(dir, cs)
	if err != nil {
		return io, nil, err
	}
	m, err := weights(dir, cs, component)
	if err != nil {
		io.Close()
		return io, nil, err
	}
	return io, m, nil
}

func relL2(got, want []float32) float64 {
	var num, den float64
	for i := range want {
		if i >= len(got) {
			break
		}
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}
