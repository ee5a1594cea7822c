package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/flux-vk/flux-vk/graph"
	"github.com/flux-vk/flux-vk/model"
	"github.com/flux-vk/flux-vk/pipeline"
)

// samplingConfig is what a schnell_sampling case's metadata says.
type samplingConfig struct {
	Seed     uint64 `json:"seed"`
	Height   int    `json:"image_height"`
	Width    int    `json:"image_width"`
	Steps    int    `json:"num_steps"`
	Schedule string `json:"schedule"`
}

// checkSampling runs noise → pack → schedule → Euler steps → unpack →
// decode through the same pipeline functions as `flux-vk generate`.
func checkSampling(c *checker, dir string, cs goldenCase) error {
	io, err := openIO(dir, cs)
	if err != nil {
		return err
	}
	defer io.Close()
	var sc samplingConfig
	if err := json.Unmarshal([]byte(io.Metadata()["config"]), &sc); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	noise, shape := pipeline.InitialNoise(sc.Seed, sc.Height, sc.Width, 8, pipeline.RNGTorchBF16)
	c.exact(cs.Case, "noise", noise, io.f32("noise"))
	zc, lh, lw := shape[1], shape[2], shape[3]
	sched := pipeline.Schedule(sc.Steps, lh/2*(lw/2), strings.Contains(sc.Schedule, "shift=True"))
	c.exact(cs.Case, "timesteps", sched, io.f32("timesteps"))

	fm, err := weights(dir, cs, "flux")
	if err != nil {
		return err
	}
	defer fm.Close()
	txt := io.shape("txt")
	tr, err := pipeline.NewFluxRunner(c.be, fm.Flux, fm.FluxConfig, txt[1], lh, lw, 1)
	if err != nil {
		return err
	}
	defer tr.Close()
	cond := pipeline.Conditioning{Txt: io.f32("txt"), Y: io.f32("y")}
	packed, latent, err := pipeline.Sample(tr, noise, zc, lh, lw, sched, cond, pipeline.Guide{}, func(s pipeline.Step) {
		c.compare(cs.Case, fmt.Sprintf("step.%d.pred", s.Index), s.Pred, io.f32(fmt.Sprintf("step.%d.pred", s.Index)), c.tol)
	})
	if err != nil {
		return err
	}
	c.compare(cs.Case, "latent_final", packed, io.f32("latent_final"), c.tol)
	c.compare(cs.Case, "latent_unpacked", latent, io.f32("latent_unpacked"), c.tol)

	am, err := weights(dir, cs, "ae")
	if err != nil {
		return err
	}
	defer am.Close()
	out, err := pipeline.RunGraph(c.be, c.be.Act, am.AE, func(g *graph.Graph) error {
		return model.BuildDecoder(g, am.AEConfig, lh, lw)
	}, map[string][]float32{"z": latent}, nil, "decoded", "image")
	if err != nil {
		return err
	}
	c.compare(cs.Case, "decoded", out["decoded"], io.f32("decoded"), c.tol)
	c.compare(cs.Case, "image", out["image"], io.f32("image"), c.tol)
	return nil
}

// exact checks values that must be reproduced bit for bit.
func (c *checker) exact(name, what string, got, want []float32) {
	if len(got) != len(want) {
		c.fail(name, what, fmt.Errorf("%d values, want %d", len(got), len(want)))
		return
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			c.fail(name, what, fmt.Errorf("value %d is %v, want %v (must be bit-exact)", i, got[i], want[i]))
			return
		}
	}
	c.passed++
	fmt.Printf("%-28s %-26s bit-exact  pass\n", name, what)
}

// checkRandn reproduces every `<dtype>.seed<seed>.<shape>` draw: bf16 and
// draws under 16 values bit-exactly, f32 within 2 ulp (the README's bound:
// PyTorch's AVX2 transcendental approximations).
func checkRandn(c *checker, dir string, cs goldenCase) error {
	io, err := openIO(dir, cs)
	if err != nil {
		return err
	}
	defer io.Close()
	for _, name := range io.Names() {
		parts := strings.SplitN(name, ".", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[1], "seed") {
			continue
		}
		seed, err := strconv.ParseUint(strings.TrimPrefix(parts[1], "seed"), 10, 64)
		if err != nil {
			c.fail(cs.Case, name, fmt.Errorf("bad seed: %v", err))
			continue
		}
		dt, err := pipeline.ParseRNG("torch-" + parts[0])
		if err != nil {
			c.fail(cs.Case, name, err)
			continue
		}
		want := io.f32(name)
		got := pipeline.TorchRandn(seed, len(want), dt)
		if dt == pipeline.RNGTorchBF16 || len(want) < 16 {
			c.exact(cs.Case, name, got, want)
			continue
		}
		c.ulps(cs.Case, name, got, want, 2)
	}
	return nil
}

func (c *checker) ulps(name, what string, got, want []float32, max int64) {
	worst, exact := int64(0), 0
	for i := range want {
		d := int64(math.Float32bits(got[i])) - int64(math.Float32bits(want[i]))
		if d < 0 {
			d = -d
		}
		if d == 0 {
			exact++
		}
		worst = max64(worst, d)
	}
	if len(got) != len(want) || worst > max {
		c.fail(name, what, fmt.Errorf("off by up to %d ulp (limit %d)", worst, max))
		return
	}
	c.passed++
	fmt.Printf("%-28s %-26s ≤%d ulp (%d/%d bit-exact)  pass\n", name, what, worst, exact, len(want))
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
