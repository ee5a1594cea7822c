package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestToRGB8Golden: the pipeline cases' image_u8 is exactly the conversion of their image.
func TestToRGB8Golden(t *testing.T) {
	for _, name := range scheduleCases(t) {
		t.Run(name, func(t *testing.T) {
			g := openGoldenST(t, name+".io.safetensors")
			if !g.has("image_u8") {
				t.Skip("no image_u8")
			}
			shape := g.shape(t, "image")
			h, w := shape[2], shape[3]
			got := ToRGB8(g.f32(t, "image"), h, w)
			want := g.u8(t, "image_u8")
			if ws := g.shape(t, "image_u8"); ws[0] != h || ws[1] != w || ws[2] != 3 {
				t.Fatalf("image_u8 shape %v, want [%d %d 3]", ws, h, w)
			}
			if !bytes.Equal(got, want) {
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("ToRGB8[%d] = %d, want %d", i, got[i], want[i])
					}
				}
			}
		})
	}
}

func TestToRGB8Values(t *testing.T) {
	nan := float32(math.NaN())
	in := []float32{-1, 1, 0, nan, 2, -5, 0.999, -0.999, 1e-9, float32(math.Inf(1))}
	want := []byte{0, 255, 127, 0, 255, 0, 254, 0, 127, 255}
	// One channel per test value: pack them as the R plane of a 1 x n picture.
	img := make([]float32, 3*len(in))
	copy(img, in)
	got := ToRGB8(img, 1, len(in))
	for i := range in {
		if got[3*i] != want[i] {
			t.Errorf("ToRGB8(%g) = %d, want %d", in[i], got[3*i], want[i])
		}
		if got[3*i+1] != 127 || got[3*i+2] != 127 {
			t.Errorf("G/B of pixel %d = %d/%d, want 127", i, got[3*i+1], got[3*i+2])
		}
	}
}

func TestParameters(t *testing.T) {
	tests := []struct {
		name string
		p    ParamsInfo
		want string
	}{
		{"schnell", ParamsInfo{Prompt: "a fox", Steps: 4, Seed: 42, Width: 1024, Height: 768,
			Model: "flux1-schnell"},
			"a fox\nSteps: 4, Sampler: Euler, Seed: 42, Size: 1024x768, Model: flux1-schnell"},
		{"dev with negative and cfg", ParamsInfo{Prompt: "a cabin\nat dawn", NegativePrompt: "blurry",
			Steps: 28, Seed: 1<<63 + 5, Width: 512, Height: 512, Model: "flux1-dev", Guidance: 3.5,
			CFGScale: 2, Extra: [][2]string{{"RNG", "torch-bf16"}}},
			"a cabin\nat dawn\nNegative prompt: blurry\nSteps: 28, Sampler: Euler, CFG scale: 2, " +
				"Seed: 9223372036854775813, Size: 512x512, Model: flux1-dev, Guidance: 3.5, RNG: torch-bf16"},
		{"quoted values", ParamsInfo{Prompt: "x", Steps: 1, Sampler: "Euler a", Width: 16, Height: 16,
			Model: `my, "model": v2`},
			"x\nSteps: 1, Sampler: Euler a, Seed: 0, Size: 16x16, Model: \"my, \\\"model\\\": v2\""},
	}
	for _, tt := range tests {
		if got := Parameters(tt.p); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// pngChunks splits a PNG into its chunks, checking the signature and every CRC.
func pngChunks(t *testing.T, data []byte) (types []string, bodies [][]byte) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("no PNG signature")
	}
	for p := 8; p < len(data); {
		if p+12 > len(data) {
			t.Fatalf("truncated chunk at %d", p)
		}
		n := int(binary.BigEndian.Uint32(data[p:]))
		end := p + 8 + n
		if end+4 > len(data) {
			t.Fatalf("chunk at %d overruns the file", p)
		}
		if crc := binary.BigEndian.Uint32(data[end:]); crc != crc32.ChecksumIEEE(data[p+4:end]) {
			t.Fatalf("chunk %q: bad CRC", data[p+4:p+8])
		}
		types = append(types, string(data[p+4:p+8]))
		bodies = append(bodies, data[p+8:end])
		p = end + 4
	}
	return types, bodies
}

func TestWritePNGRoundTrip(t *testing.T) {
	const w, h = 5, 3
	rgb := make([]byte, w*h*3)
	for i := range rgb {
		rgb[i] = byte(i * 7)
	}
	tests := []struct {
		name, params, chunk string
		body                []byte
	}{
		{"latin1", "caf\u00e9 au lait\nSteps: 4, Seed: 1", "tEXt",
			[]byte("parameters\x00caf\xe9 au lait\nSteps: 4, Seed: 1")},
		{"utf8", "\u72d0\u72f8 \U0001F98A\nSteps: 4", "iTXt",
			[]byte("parameters\x00\x00\x00\x00\x00\u72d0\u72f8 \U0001F98A\nSteps: 4")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.png")
			if err := WritePNG(path, rgb, w, h, tt.params, false); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			types, bodies := pngChunks(t, data)
			if len(types) < 3 || types[0] != "IHDR" || types[1] != tt.chunk {
				t.Fatalf("chunks %v: want IHDR then %s", types, tt.chunk)
			}
			if !bytes.Equal(bodies[1], tt.body) {
				t.Errorf("%s body %q, want %q", tt.chunk, bodies[1], tt.body)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
				t.Fatalf("decoded %v, want %dx%d", b, w, h)
			}
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					r, g, b, a := img.At(x, y).RGBA()
					i := 3 * (y*w + x)
					if byte(r>>8) != rgb[i] || byte(g>>8) != rgb[i+1] || byte(b>>8) != rgb[i+2] ||
						a != 0xffff {
						t.Fatalf("pixel (%d,%d) = %d %d %d %d, want %v", x, y, r>>8, g>>8, b>>8,
							a>>8, rgb[i:i+3])
					}
				}
			}
			assertOnlyFiles(t, filepath.Dir(path), "out.png")
		})
	}
}

func TestWritePNGRefusesOverwrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.png")
	if err := os.WriteFile(path, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	rgb := make([]byte, 2*2*3)
	err := WritePNG(path, rgb, 2, 2, "p", false)
	if err == nil || !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), "--force") ||
		!strings.Contains(err.Error(), "-o") {
		t.Fatalf("WritePNG over an existing file: err = %v, want a refusal naming --force and -o", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "keep me" {
		t.Fatalf("existing file changed to %q", data)
	}
	assertOnlyFiles(t, dir, "out.png")
	if err := WritePNG(path, rgb, 2, 2, "p", true); err != nil {
		t.Fatalf("WritePNG with force: %v", err)
	}
	if data, _ := os.ReadFile(path); !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Fatalf("force did not replace the file")
	}
	assertOnlyFiles(t, dir, "out.png")
}

// TestWritePNGNoPartialFile: failures leave neither the target nor a temporary file behind.
func TestWritePNGNoPartialFile(t *testing.T) {
	dir := t.TempDir()
	rgb := make([]byte, 2*2*3)
	// The target is a non-empty directory: the final rename fails after the data was written.
	target := filepath.Join(dir, "taken")
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WritePNG(target, rgb, 2, 2, "p", true); err == nil {
		t.Fatalf("WritePNG onto a directory succeeded")
	}
	assertOnlyFiles(t, dir, "taken")
	// Missing directory, and pixels that do not match the size.
	if err := WritePNG(filepath.Join(dir, "missing", "out.png"), rgb, 2, 2, "p", false); err == nil {
		t.Fatalf("WritePNG into a missing directory succeeded")
	}
	if err := WritePNG(filepath.Join(dir, "bad.png"), rgb, 3, 2, "p", false); err == nil {
		t.Fatalf("WritePNG with too few pixels succeeded")
	}
	assertOnlyFiles(t, dir, "taken")
}

func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("%s holds %v, want %v", dir, got, names)
	}
}

func TestNextFreeName(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.png")
	if got := NextFreeName(out); got != out {
		t.Fatalf("NextFreeName(free) = %s, want %s", got, out)
	}
	for _, n := range []string{"out.png", "out-1.png", "out-2.png"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := NextFreeName(out), filepath.Join(dir, "out-3.png"); got != want {
		t.Fatalf("NextFreeName = %s, want %s", got, want)
	}
	noExt := filepath.Join(dir, "pic")
	if err := os.WriteFile(noExt, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := NextFreeName(noExt), filepath.Join(dir, "pic-1"); got != want {
		t.Fatalf("NextFreeName = %s, want %s", got, want)
	}
}
