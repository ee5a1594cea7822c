package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flux-vk/flux-vk/loader/loadertest"
)

// pipelineDir is the golden set, whose flux_pipeline cases are whole
// text-to-image runs with the picture they must give.
const pipelineDir = "../../testdata/golden"

// genPipeline is one flux_pipeline case: its configuration, the file of
// each component and the reference picture (image_u8, HWC).
type genPipeline struct {
	name  string
	conf  pipelineConfig
	image []byte
}

// genPipelines lists the flux_pipeline cases of MANIFEST.json.
func genPipelines(t *testing.T) []genPipeline {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pipelineDir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var man manifest
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	var out []genPipeline
	for _, cs := range man.Cases {
		if cs.Kind == "flux_pipeline" {
			out = append(out, readPipeline(t, cs))
		}
	}
	if len(out) == 0 {
		t.Fatal("no flux_pipeline case in the manifest")
	}
	return out
}

func readPipeline(t *testing.T, cs goldenCase) genPipeline {
	io, err := openIO(pipelineDir, cs)
	if err != nil {
		t.Fatal(err)
	}
	defer io.Close()
	p := genPipeline{name: cs.Case}
	if err := json.Unmarshal([]byte(io.Metadata()["config"]), &p.conf); err != nil {
		t.Fatalf("%s: config: %v", cs.Case, err)
	}
	raw, err := io.Raw("image_u8")
	if err != nil {
		t.Fatalf("%s: %v", cs.Case, err)
	}
	p.image = bytes.Clone(raw)
	return p
}

func (p genPipeline) weight(component string) string {
	return filepath.Join(pipelineDir, p.conf.Weights[component])
}

// singleFiles names the four files as a ComfyUI user would.
func (p genPipeline) singleFiles() []string {
	return []string{"--diffusion-model", p.weight("flux"), "--vae", p.weight("ae"),
		"--clip-l", p.weight("clip_l"), "--t5xxl", p.weight("t5xxl")}
}

// diffusersFolder rewrites the case's model as a downloaded FLUX.1
// repository under dir.
func (p genPipeline) diffusersFolder(t *testing.T, dir string) []string {
	t.Helper()
	root := filepath.Join(dir, "model")
	if err := loadertest.WriteDiffusersFolder(root, p.weight("flux"), p.weight("ae"), p.weight("clip_l"), p.weight("t5xxl")); err != nil {
		t.Fatal(err)
	}
	return []string{"--model", root}
}

// args are the generate flags that reproduce the case, writing out.
func (p genPipeline) args(out string) []string {
	c := p.conf
	a := []string{"-p", c.Prompt, "--seed", strconv.FormatUint(c.Seed, 10), "--width", strconv.Itoa(c.Width),
		"--height", strconv.Itoa(c.Height), "--steps", strconv.Itoa(c.Steps), "--precision", "f32", "-o", out, "--json"}
	if c.Guidance != nil {
		a = append(a, "--guidance", strconv.FormatFloat(*c.Guidance, 'g', -1, 64))
	}
	if c.Negative != "" {
		a = append(a, "--negative-prompt", c.Negative)
	}
	if c.CFGScale != 0 {
		a = append(a, "--cfg-scale", strconv.FormatFloat(c.CFGScale, 'g', -1, 64))
	}
	return a
}

// onCPU runs the generate tests on the CPU reference executor
// (FLUXVK_TEST_CPU=1), for when the device path is being worked on.
var onCPU = os.Getenv("FLUXVK_TEST_CPU") == "1"

// generate runs `flux-vk generate args...` on the test device (or the CPU
// executor), fails the test unless it succeeds, and returns its --json
// summary.
func generate(t *testing.T, args ...string) genSummary {
	t.Helper()
	if onCPU {
		args = append(args, "--cpu")
	}
	out, errs, code := cli(t, nil, append([]string{"generate"}, args...)...)
	if code != 0 {
		t.Fatalf("generate %q: exit %d\n%s", args, code, errs)
	}
	var s genSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	return s
}

// genSummary is the part of the --json summary these tests rely on, by the
// names users see.
type genSummary struct {
	Files      []string           `json:"files"`
	Seeds      []uint64           `json:"seeds"`
	Timings    map[string]float64 `json:"timings_s"`
	PeakDevice *uint64            `json:"peak_device_bytes"`
}

// check holds the summary to the files and seeds the run should have made.
func (s genSummary) check(t *testing.T, files []string, seeds []uint64) {
	t.Helper()
	if fmt.Sprint(s.Files) != fmt.Sprint(files) || fmt.Sprint(s.Seeds) != fmt.Sprint(seeds) {
		t.Errorf("summary files %v seeds %v, want %v %v", s.Files, s.Seeds, files, seeds)
	}
	if _, ok := s.Timings["decode"]; !ok || s.Timings["load"] < 0 {
		t.Errorf("summary timings %v lack load/decode", s.Timings)
	}
	if s.PeakDevice == nil || !onCPU && *s.PeakDevice == 0 {
		t.Errorf("summary peak_device_bytes %v, want the device's peak", s.PeakDevice)
	}
}

// TestGenerateGoldenPipelines runs every whole-pipeline case through the
// CLI, from the single files and from the same model as a diffusers
// folder: the PNG must hold the reference picture within one level.
func TestGenerateGoldenPipelines(t *testing.T) {
	for _, p := range genPipelines(t) {
		for _, layout := range []string{"single files", "diffusers"} {
			t.Run(p.name+"/"+layout, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				model := p.singleFiles()
				if layout == "diffusers" {
					model = p.diffusersFolder(t, dir)
				}
				out := filepath.Join(dir, "out.png")
				generate(t, append(p.args(out), model...)...).check(t, []string{out}, []uint64{p.conf.Seed})
				p.samePicture(t, out)
				params := pngText(t, out)["parameters"]
				if !strings.HasPrefix(params, p.conf.Prompt+"\n") || !strings.Contains(params, fmt.Sprintf("Seed: %d,", p.conf.Seed)) {
					t.Errorf("parameters chunk %q lacks the prompt or the seed", params)
				}
			})
		}
	}
}

// The same seed gives the same file, byte for byte; --batch 2 gives seeds
// s and s+1 in numbered files, the first the picture of seed s.
func TestGenerateRepeatableAndBatch(t *testing.T) {
	p := smallest(genPipelines(t))
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png")
	generate(t, append(p.args(a), p.singleFiles()...)...)
	generate(t, append(p.args(b), p.singleFiles()...)...)
	if !bytes.Equal(readBytes(t, a), readBytes(t, b)) {
		t.Errorf("two runs with seed %d wrote different files", p.conf.Seed)
	}
	out := filepath.Join(dir, "batch.png")
	s, s1 := p.conf.Seed, p.conf.Seed+1
	files := []string{filepath.Join(dir, "batch-1.png"), filepath.Join(dir, "batch-2.png")}
	generate(t, append(p.args(out), append(p.singleFiles(), "--batch", "2")...)...).check(t, files, []uint64{s, s1})
	if !bytes.Equal(readBytes(t, files[0]), readBytes(t, a)) {
		t.Errorf("%s differs from the single picture of seed %d", files[0], s)
	}
	if params := pngText(t, files[1])["parameters"]; !strings.Contains(params, fmt.Sprintf("Seed: %d,", s1)) {
		t.Errorf("%s: parameters %q, want seed %d", files[1], params, s1)
	}
	p.samePicture(t, files[0])
	if worst, _, _ := p.pictureDiff(t, files[1]); worst <= 1 {
		t.Errorf("%s (seed %d) is the picture of seed %d", files[1], s1, s)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("--batch 2 also wrote %s", out)
	}
}

// smallest is the case with the fewest pixels: the quickest to repeat.
func smallest(ps []genPipeline) genPipeline {
	best := ps[0]
	for _, p := range ps[1:] {
		if p.conf.Width*p.conf.Height < best.conf.Width*best.conf.Height {
			best = p
		}
	}
	return best
}

// samePicture compares a PNG with the case's image_u8: one level at most
// per channel, everywhere.
func (p genPipeline) samePicture(t *testing.T, path string) {
	t.Helper()
	if worst, off, where := p.pictureDiff(t, path); worst > 1 {
		t.Errorf("%s: %d of %d values differ from image_u8, worst by %d levels at %s", path, off, len(p.image), worst, where)
	}
}

// pictureDiff measures a PNG against image_u8: the largest difference of a
// channel, how many values differ and where the largest is.
func (p genPipeline) pictureDiff(t *testing.T, path string) (worst, off int, where string) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(readBytes(t, path)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	w, h := p.conf.Width, p.conf.Height
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h || len(p.image) != 3*w*h {
		t.Fatalf("%s is %dx%d, want %dx%d (%d reference bytes)", path, b.Dx(), b.Dy(), w, h, len(p.image))
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			for ch, v := range []uint8{c.R, c.G, c.B} {
				d := int(v) - int(p.image[3*(y*w+x)+ch])
				if d = max(d, -d); d > 0 {
					off++
				}
				if d > worst {
					worst, where = d, fmt.Sprintf("(%d, %d) channel %d", x, y, ch)
				}
			}
		}
	}
	return worst, off, where
}

// pngText returns the text chunks (tEXt, and uncompressed iTXt) of a PNG.
func pngText(t *testing.T, path string) map[string]string {
	t.Helper()
	b := readBytes(t, path)
	out := map[string]string{}
	for i := 8; i+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		if i+12+n > len(b) {
			t.Fatalf("%s: chunk at %d runs past the end", path, i)
		}
		typ, data := string(b[i+4:i+8]), b[i+8:i+8+n]
		key, rest, _ := bytes.Cut(data, []byte{0})
		switch typ {
		case "tEXt":
			out[string(key)] = string(rest)
		case "iTXt": // flag, method, language NUL, translated keyword NUL, text
			if len(rest) > 2 && rest[0] == 0 {
				parts := bytes.SplitN(rest[2:], []byte{0}, 3)
				out[string(key)] = string(parts[len(parts)-1])
			}
		}
		i += 12 + n
	}
	return out
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// --upscale 3 writes the picture of --upscale 1 (same seed) three times
// larger, each pixel a uniform 3×3 block, and its parameters keep the size
// the model drew. The runs also show the progress modes a pipe gets: one
// plain line per stage and per step, and nothing with --quiet.
func TestGenerateUpscaleAndProgress(t *testing.T) {
	dir := t.TempDir()
	one, three := filepath.Join(dir, "one.png"), filepath.Join(dir, "three.png")
	env := cacheEnv(t)
	base := []string{"generate", "--model", "demo", "-p", "a red circle on the left, blue background", "--seed", "7"}
	if onCPU {
		base = append(base, "--cpu")
	}
	_, errs, code := cli(t, env, append(base, "-o", one)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	for _, w := range []string{"\n  load ", "\n  encode ", "\n  step 1/4 ", "\n  step 4/4 ", "\n  steps ", "s/step\n", "\n  decode ", "\n  write "} {
		if !strings.Contains("\n"+errs, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errs)
		}
	}
	if strings.ContainsAny(errs, "\r\x1b") {
		t.Errorf("stderr is not a terminal but holds \\r or an escape: %q", errs)
	}
	stdout, errs, code := cli(t, env, append(base, "-o", three, "--upscale", "3", "--quiet", "--json")...)
	if code != 0 || errs != "" {
		t.Fatalf("--quiet: exit %d, stderr %q", code, errs)
	}
	var s summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatal(err)
	}
	if s.Upscale != 3 || s.Width != 64 || s.Timings["steps"] <= 0 || s.Timings["write"] <= 0 || s.Timings["step 4/4"] <= 0 {
		t.Errorf("summary %+v", s)
	}
	if params := pngText(t, three)["parameters"]; !strings.Contains(params, "Size: 64x64") || !strings.Contains(params, "Upscale: 3") {
		t.Errorf("parameters %q, want Size: 64x64 and Upscale: 3", params)
	}
	sameUpscaled(t, decodePNG(t, one), decodePNG(t, three), 3)
}

// sameUpscaled holds big to n× small, block by block.
func sameUpscaled(t *testing.T, small, big image.Image, n int) {
	t.Helper()
	sb, bb := small.Bounds(), big.Bounds()
	if bb.Dx() != n*sb.Dx() || bb.Dy() != n*sb.Dy() {
		t.Fatalf("upscaled picture is %dx%d, want %d× %dx%d", bb.Dx(), bb.Dy(), n, sb.Dx(), sb.Dy())
	}
	bad := 0
	for y := 0; y < bb.Dy(); y++ {
		for x := 0; x < bb.Dx(); x++ {
			if big.At(x, y) != small.At(x/n, y/n) {
				if bad++; bad <= 3 {
					t.Errorf("(%d, %d) is %v, want %v from (%d, %d)", x, y, big.At(x, y), small.At(x/n, y/n), x/n, y/n)
				}
			}
		}
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(readBytes(t, path)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// --weight-type stores the linear layers quantized: the demo model still
// draws the prompt's picture (near the unquantized one), the device holds
// less, and the JSON summary and the PNG's parameters say which type ran.
func TestGenerateWeightType(t *testing.T) {
	dir := t.TempDir()
	env := cacheEnv(t)
	base := []string{"generate", "--model", "demo", "-p", "a yellow star at the top, green background", "--seed", "3", "--quiet", "--json"}
	if onCPU {
		base = append(base, "--cpu")
	}
	runs := map[string]summary{}
	for _, wt := range []string{"", "q8_0", "q4_0"} {
		args := append(append([]string{}, base...), "-o", filepath.Join(dir, "w"+wt+".png"))
		if wt != "" {
			args = append(args, "--weight-type", wt)
		}
		stdout, errs, code := cli(t, env, args...)
		if code != 0 {
			t.Fatalf("--weight-type %q: exit %d\n%s", wt, code, errs)
		}
		var s summary
		if err := json.Unmarshal([]byte(stdout), &s); err != nil {
			t.Fatal(err)
		}
		if s.WeightType != wt {
			t.Errorf("--weight-type %q: summary says %q", wt, s.WeightType)
		}
		if params := pngText(t, s.Files[0])["parameters"]; wt != "" && !strings.Contains(params, "Weight type: "+wt) {
			t.Errorf("parameters %q lack the weight type %s", params, wt)
		}
		runs[wt] = s
	}
	if !onCPU && !(runs["q4_0"].PeakDevice < runs["q8_0"].PeakDevice && runs["q8_0"].PeakDevice < runs[""].PeakDevice) {
		t.Errorf("peak device bytes: q4_0 %d, q8_0 %d, as stored %d: want each smaller than the next",
			runs["q4_0"].PeakDevice, runs["q8_0"].PeakDevice, runs[""].PeakDevice)
	}
	plain := decodePNG(t, runs[""].Files[0])
	// Q8_0 moves a value by well under a level on average (its weights are
	// within 0.5% of bf16's); Q4_0 changes the picture visibly (about 10
	// levels on the prompts tried) but keeps the scene.
	for wt, limit := range map[string]float64{"q8_0": 2, "q4_0": 24} {
		if d := meanLevelDiff(plain, decodePNG(t, runs[wt].Files[0])); d > limit {
			t.Errorf("%s: mean difference from the unquantized picture %.2f levels, want ≤ %g", wt, d, limit)
		}
	}
}

// meanLevelDiff is the mean absolute difference of two same-sized pictures'
// RGB values, in 8-bit levels.
func meanLevelDiff(a, b image.Image) float64 {
	var sum, n float64
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			ca, cb := color.NRGBAModel.Convert(a.At(x, y)).(color.NRGBA), color.NRGBAModel.Convert(b.At(x, y)).(color.NRGBA)
			for _, d := range []int{int(ca.R) - int(cb.R), int(ca.G) - int(cb.G), int(ca.B) - int(cb.B)} {
				sum += float64(max(d, -d))
				n++
			}
		}
	}
	return sum / n
}

// --offload-to-cpu streams the transformer's blocks from host memory: the
// same picture, byte for byte, with less device memory at the peak; and
// without the flag, a device too small for the resident weights (a memory
// limit) streams by itself, with a warning, and still makes that picture.
func TestGenerateOffload(t *testing.T) {
	if onCPU {
		t.Skip("streaming is a device feature")
	}
	dir := t.TempDir()
	env := cacheEnv(t)
	base := []string{"generate", "--model", "demo", "-p", "a red circle on a blue background", "--seed", "1", "--quiet", "--json"}
	run := func(name string, env []string, args ...string) summary {
		t.Helper()
		stdout, errs, code := cli(t, env, append(append(append([]string{}, base...), "-o", filepath.Join(dir, name)), args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", name, code, errs)
		}
		var s summary
		if err := json.Unmarshal([]byte(stdout), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	resident := run("resident.png", env)
	asked := run("asked.png", env, "--offload-to-cpu")
	limited := run("limited.png", append(env, "FLUXVK_MEMORY_LIMIT=9MiB"))
	if resident.Offloaded || !asked.Offloaded || !limited.Offloaded {
		t.Errorf("offloaded: resident %v, --offload-to-cpu %v, under a 9 MiB limit %v", resident.Offloaded, asked.Offloaded, limited.Offloaded)
	}
	if asked.PeakDevice >= resident.PeakDevice || limited.PeakDevice > 9<<20 {
		t.Errorf("peak device bytes: resident %d, --offload-to-cpu %d, under a 9 MiB limit %d", resident.PeakDevice, asked.PeakDevice, limited.PeakDevice)
	}
	if len(asked.Warnings) != 0 || len(limited.Warnings) != 1 || !strings.Contains(fmt.Sprint(limited.Warnings), "stream from host memory") {
		t.Errorf("warnings: asked %q, limited %q", asked.Warnings, limited.Warnings)
	}
	for _, s := range []summary{asked, limited} {
		if !bytes.Equal(readBytes(t, s.Files[0]), readBytes(t, resident.Files[0])) {
			t.Errorf("%s differs from the resident picture", s.Files[0])
		}
	}
}

// --view shows each step's preview and the picture in a window presented
// through the engine's device (under Xvfb when there is no display; the
// validation layer watches the swapchain too). The picture written is the
// one made without the window.
func TestGenerateView(t *testing.T) {
	if onCPU {
		t.Skip("the window presents through a Vulkan device")
	}
	display := testDisplay(t)
	dir := t.TempDir()
	env := append(cacheEnv(t), "DISPLAY="+display)
	args := []string{"generate", "--model", "demo", "-p", "a large yellow star in the center, black background", "--seed", "2", "--quiet", "--json"}
	plain := filepath.Join(dir, "plain.png")
	if _, errs, code := cli(t, env, append(args, "-o", plain)...); code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	viewed := filepath.Join(dir, "viewed.png")
	stdout, errs, code := cli(t, env, append(args, "-o", viewed, "--view", "--view-close")...)
	if code != 0 {
		t.Fatalf("--view: exit %d\n%s", code, errs)
	}
	var s summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatal(err)
	}
	if s.Viewed != 5 {
		t.Errorf("the window got %d pictures, want 5 (4 step previews and the picture)", s.Viewed)
	}
	if !bytes.Equal(readBytes(t, plain), readBytes(t, viewed)) {
		t.Error("the picture made with --view differs from the one made without")
	}
}

// testDisplay is $DISPLAY, else a private Xvfb server started for the test
// (stopped at its end); without either the test is skipped.
func testDisplay(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("DISPLAY"); d != "" {
		return d
	}
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Skip("no DISPLAY and no Xvfb (Debian package xvfb)")
	}
	n := 90 + os.Getpid()%400
	for ; n < 1000; n++ { // a display number no server holds (or left its lock behind)
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); os.IsNotExist(err) {
			break
		}
	}
	cmd := exec.Command(xvfb, fmt.Sprintf(":%d", n), "-screen", "0", "1024x768x24", "-nolisten", "tcp")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }) // SIGTERM: it removes its lock and socket
	sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(sock); err == nil {
			return fmt.Sprintf(":%d", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("Xvfb :%d did not start", n)
	return ""
}
