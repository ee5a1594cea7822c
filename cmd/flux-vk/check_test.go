package main

import (
	"strings"
	"testing"
)

const goldenDir = "../../testdata/golden"

// TestCheckGolden runs the conformance command on the public golden set at
// both precisions, on the test device under the validation layer.
func TestCheckGolden(t *testing.T) {
	for _, prec := range []string{"f32", "f16"} {
		t.Run(prec, func(t *testing.T) {
			out, errs, code := cli(t, []string{"FLUXVK_VALIDATION=1"}, "check", "--precision", prec,
				goldenDir, "../../testdata/tokenizers/golden_ids.json")
			if code != 0 || !strings.Contains(out, " 0 failed") {
				t.Fatalf("exit %d\n%s\n%s", code, lastLines(out, 40), errs)
			}
		})
	}
}

// The CPU reference executor runs the same networks: a second opinion.
func TestCheckGoldenCPU(t *testing.T) {
	out, errs, code := cli(t, nil, "check", "--cpu", "--only", "flux_transformer,clip_text,t5_encoder,ae_decoder", goldenDir)
	if code != 0 || !strings.Contains(out, " 0 failed") {
		t.Fatalf("exit %d\n%s\n%s", code, lastLines(out, 40), errs)
	}
}

func TestCheckUnknownKindFails(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/MANIFEST.json", `{"cases":[{"case":"x","kind":"warp_drive"}]}`)
	out, _, code := cli(t, nil, "check", "--cpu", dir)
	if code == 0 || !strings.Contains(out, `unknown case kind "warp_drive"`) || !strings.Contains(out, "0 passed, 1 failed") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
