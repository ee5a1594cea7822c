package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/engine/kernels"
)

func init() {
	register("bench", "time kernels (bench ops) or real-width model blocks (bench model)", runBench)
}

func runBench(args []string) error {
	if len(args) > 0 && args[0] == "model" {
		return runBenchModel(args[1:], os.Stdout)
	}
	if len(args) == 0 || args[0] != "ops" {
		return fmt.Errorf("usage: flux-vk bench ops [--device D] [--filter REGEX] [--small] [--reps N] [--json]\n" +
			"       flux-vk bench model [--device D] [--size PX] [--vae-size PX] [--precision f32|f16] [--json]")
	}
	return runBenchOps(args[1:], os.Stdout)
}

// benchRow is one line of --json output.
type benchRow struct {
	Op     string  `json:"op"`
	Shape  string  `json:"shape"`
	DType  string  `json:"dtype"`
	MS     float64 `json:"ms"`
	GFLOPS float64 `json:"gflops"`
	GBPS   float64 `json:"gbps"`
	Device string  `json:"device"`
}

func runBenchOps(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("bench ops", flag.ContinueOnError)
	device := fs.String("device", "", "device index or name substring (default $FLUXVK_DEVICE, else the best)")
	filter := fs.String("filter", "", "only cases whose \"op shape\" matches this regular expression")
	small := fs.Bool("small", false, "only the small cases (the default on a CPU device)")
	reps := fs.Int("reps", 5, "timed repetitions per case (the median is reported)")
	asJSON := fs.Bool("json", false, "one JSON object per line instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	re, err := regexp.Compile(*filter)
	if err != nil {
		return fmt.Errorf("--filter: %w", err)
	}
	if *reps < 1 {
		return fmt.Errorf("--reps must be at least 1")
	}
	d, err := engine.Open(engine.Options{Select: *device})
	if err != nil {
		return deviceError(err)
	}
	defer d.Close()
	smallSet := false
	fs.Visit(func(f *flag.Flag) { smallSet = smallSet || f.Name == "small" })
	if !smallSet && d.Info.Type == "cpu" {
		*small = true
	}
	l := kernels.New(d)
	if !*asJSON {
		fmt.Fprintf(w, "device: %s (%s)\n%-12s %-26s %-10s %10s %10s %9s\n", d.Info.Name, d.Info.Type,
			"op", "shape", "dtype", "ms", "GFLOP/s", "GB/s")
	}
	enc := json.NewEncoder(w)
	for _, c := range kernels.BenchCases() {
		if (*small && !c.Small) || !re.MatchString(c.Op+" "+c.Shape) {
			continue
		}
		r, err := kernels.RunBench(l, c, *reps)
		if err != nil {
			return err
		}
		if *asJSON {
			if err := enc.Encode(benchRow{r.Op, r.Shape, r.DType, r.MS, r.GFLOPS, r.GBPS, r.Device}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(w, "%-12s %-26s %-10s %10.3f %10.2f %9.2f\n", r.Op, r.Shape, r.DType, r.MS, r.GFLOPS, r.GBPS)
	}
	return nil
}
