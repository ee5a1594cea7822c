package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/loader/tokenizer"
	"github.com/flux-vk/flux-vk/pipeline"
)

func init() {
	register("check", "run golden conformance cases (a golden folder or a tokenizer golden_ids.json)", runCheck)
}

// checker runs golden cases and counts results.
type checker struct {
	be             pipeline.Backend
	tol            float64
	debug          bool
	only           map[string]bool
	passed, failed int
}

func runCheck(args []string) (err error) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	device := fs.String("device", "", "device index or name substring (default $FLUXVK_DEVICE, else the best)")
	precision := fs.String("precision", "", "activation precision: f32 or f16 (default f16 where the device supports it)")
	only := fs.String("only", "", "comma-separated case kinds to run (e.g. flux_transformer,ae_decoder)")
	debug := fs.Bool("debug", false, "also compare every dbg.* intermediate the case holds")
	cpu := fs.Bool("cpu", false, "run on the CPU reference executor instead of a Vulkan device")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("usage: flux-vk check [flags] GOLDEN_DIR|golden_ids.json ...")
	}
	c := &checker{debug: *debug, only: kindSet(*only)}
	if !*cpu {
		d, done, err := openDevice(*device)
		if err != nil {
			return err
		}
		defer func() {
			if verr := done(); err == nil {
				err = verr
			}
		}()
		c.be.Lib = kernels.New(d)
		fmt.Printf("device: %s\n", d.Info.Name)
	}
	act, err := parsePrecision(*precision, c.be.Lib)
	if err != nil {
		return err
	}
	c.be.Act, c.be.Debug = act, *debug
	c.tol = 1e-3 // golden README: f32 engines; f16 activations get 2e-2
	if act == kernels.F16 {
		c.tol = 2e-2
	}
	fmt.Printf("precision: %s (tolerance %.0e relative L2)\n", act, c.tol)
	for _, p := range fs.Args() {
		if err := c.path(p); err != nil {
			c.fail(p, "", err)
		}
	}
	fmt.Printf("%d passed, %d failed\n", c.passed, c.failed)
	if c.failed > 0 {
		return errSilent
	}
	return nil
}

func kindSet(s string) map[string]bool {
	if s == "" {
		return nil
	}
	m := map[string]bool{}
	for _, k := range strings.Split(s, ",") {
		m[strings.TrimSpace(k)] = true
	}
	return m
}

// parsePrecision picks f16 activations by default where the device stores
// 16-bit values; the CPU executor computes in f32/f64 whatever is asked.
func parsePrecision(s string, lib *kernels.Lib) (kernels.DType, error) {
	switch s {
	case "f32":
		return kernels.F32, nil
	case "f16":
		if lib != nil && !lib.D.Info.Storage16 {
			return 0, fmt.Errorf("--precision f16: device %q has no 16-bit storage; use f32", lib.D.Info.Name)
		}
		return kernels.F16, nil
	case "":
		if lib != nil && lib.D.Info.Storage16 {
			return kernels.F16, nil
		}
		return kernels.F32, nil
	}
	return 0, fmt.Errorf("--precision %q: want f32 or f16", s)
}

func (c *checker) path(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		if c.only != nil && !c.only["tokenizer"] {
			return nil
		}
		passed, failed, err := tokenizer.CheckGolden(p, os.Stdout)
		c.passed += passed
		c.failed += failed
		return err
	}
	raw, err := os.ReadFile(filepath.Join(p, "MANIFEST.json"))
	if err != nil {
		return fmt.Errorf("%s is not a golden folder: %w", p, err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s/MANIFEST.json: %w", p, err)
	}
	for _, cs := range m.Cases {
		if c.only != nil && !c.only[cs.Kind] {
			continue
		}
		run, ok := caseKinds[cs.Kind]
		if !ok {
			c.fail(cs.Case, "", fmt.Errorf("unknown case kind %q", cs.Kind))
			continue
		}
		if err := run(c, p, cs); err != nil {
			c.fail(cs.Case, "", err)
		}
	}
	return nil
}

type manifest struct {
	Cases []goldenCase `json:"cases"`
}

type goldenCase struct {
	Case            string            `json:"case"`
	Kind            string            `json:"kind"`
	UsesWeightsFrom map[string]string `json:"uses_weights_from"`
}

func (c *checker) fail(name, what string, err error) {
	c.failed++
	fmt.Printf("%-28s %-26s FAIL: %v\n", name, what, err)
}

// compare prints one line for an output and counts it.
func (c *checker) compare(name, what string, got, want []float32, tol float64) {
	e := relL2(got, want)
	if len(got) != len(want) {
		c.fail(name, what, fmt.Errorf("%d values, want %d", len(got), len(want)))
		return
	}
	verdict := "pass"
	if !(e < tol) {
		verdict = "FAIL"
		c.failed++
	} else {
		c.passed++
	}
	fmt.Printf("%-28s %-26s rel L2 %.3e  tol %.0e  %s\n", name, what, e, tol, verdict)
}
