package pipeline

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scheduleCases lists the golden cases whose io file may hold a `timesteps` schedule.
func scheduleCases(t *testing.T) []string {
	t.Helper()
	buf, err := os.ReadFile(filepath.Join(goldenDir, "MANIFEST.json"))
	if err != nil {
		t.Fatalf("read manifest: %v", err)
	}
	var m struct {
		Cases []struct {
			Case, Kind string
		}
	}
	if err := json.Unmarshal(buf, &m); err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	var cases []string
	for _, c := range m.Cases {
		if c.Kind == "schnell_sampling" || c.Kind == "flux_pipeline" {
			cases = append(cases, c.Case)
		}
	}
	if len(cases) == 0 {
		t.Fatalf("manifest lists no sampling or pipeline case")
	}
	return cases
}

// TestScheduleGolden: Schedule must reproduce every golden `timesteps` bit for bit.
func TestScheduleGolden(t *testing.T) {
	for _, name := range scheduleCases(t) {
		t.Run(name, func(t *testing.T) {
			g := openGoldenST(t, name+".io.safetensors")
			if !g.has("timesteps") {
				t.Skip("no timesteps tensor")
			}
			want := g.f32(t, "timesteps")
			steps := len(want) - 1
			if g.has("steps") {
				steps = int(g.i64(t, "steps")[0])
			}
			tokens := g.shape(t, "img")[1]
			cfg := g.config(t)
			sched, _ := cfg["schedule"].(string)
			shift := cfg["variant"] == "dev" || strings.Contains(sched, "shift=True")
			got := Schedule(steps, tokens, shift)
			if len(got) != len(want) {
				t.Fatalf("Schedule(%d, %d, %v) has %d values, want %d", steps, tokens, shift,
					len(got), len(want))
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Errorf("Schedule(%d, %d, %v)[%d] = %.9g, want %.9g", steps, tokens, shift, i,
						got[i], want[i])
				}
			}
		})
	}
}

func TestScheduleProperties(t *testing.T) {
	for _, shift := range []bool{false, true} {
		for _, steps := range []int{1, 4, 8, 15, 28, 50} {
			for _, tokens := range []int{24, 256, 4096, 16384} {
				ts := Schedule(steps, tokens, shift)
				if len(ts) != steps+1 || ts[0] != 1 || ts[steps] != 0 {
					t.Fatalf("Schedule(%d, %d, %v) = %v: want %d values from 1 to 0", steps,
						tokens, shift, ts, steps+1)
				}
				for i := 1; i <= steps; i++ {
					if !(ts[i] < ts[i-1]) {
						t.Fatalf("Schedule(%d, %d, %v) not decreasing at %d: %v", steps, tokens,
							shift, i, ts)
					}
				}
			}
		}
	}
	if ts := Schedule(0, 256, false); ts != nil {
		t.Errorf("Schedule(0) = %v, want nil", ts)
	}
}

// TestScheduleShiftCloseToFormula: the float32 evaluation stays within a few ulp of the
// formula evaluated in float64 (the README's bound is 2 ulp).
func TestScheduleShiftCloseToFormula(t *testing.T) {
	for _, tokens := range []int{35, 256, 1024, 4096} {
		steps := 28
		ts := Schedule(steps, tokens, true)
		mu := 0.5 + (1.15-0.5)*float64(tokens-256)/(4096-256)
		for i, t32 := range ts {
			lin := float64(torchLinspace(1, 0, steps+1)[i])
			ref := float32(math.Exp(mu) / (math.Exp(mu) + (1/lin - 1)))
			if d := ulpDiff(t32, ref); d > 2 {
				t.Errorf("tokens %d: t[%d] = %.9g, formula %.9g (%d ulp)", tokens, i, t32, ref, d)
			}
		}
	}
}

// TestTorchLinspace: the binary-fraction schedules are exact, and no value drifts
// more than an ulp from the exactly rounded value.
func TestTorchLinspace(t *testing.T) {
	for _, n := range []int{2, 5, 9, 17, 29, 51} {
		got := torchLinspace(1, 0, n)
		for i, v := range got {
			exact := float32(1 - float64(i)/float64(n-1))
			if d := ulpDiff(v, exact); d > 1 {
				t.Errorf("linspace(1, 0, %d)[%d] = %.9g, exact %.9g", n, i, v, exact)
			}
			if (n == 5 || n == 9) && v != exact {
				t.Errorf("linspace(1, 0, %d)[%d] = %.9g, want exactly %.9g", n, i, v, exact)
			}
		}
	}
}

func TestDefaultSteps(t *testing.T) {
	if DefaultSteps(false) != 4 || DefaultSteps(true) != 28 {
		t.Fatalf("DefaultSteps = %d / %d, want 4 / 28", DefaultSteps(false), DefaultSteps(true))
	}
}
