package loader

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nlpodyssey/safetensors"
)

const goldenDir = "../testdata/golden"

// goldenFiles lists every safetensors file of the golden set with the
// sha256 MANIFEST.json gives for it.
func goldenFiles(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Cases []struct {
			Files []struct{ File, Sha256 string }
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range m.Cases {
		for _, f := range c.Files {
			out[filepath.Join(goldenDir, f.File)] = f.Sha256
		}
	}
	if len(out) == 0 {
		t.Fatal("MANIFEST.json lists no files")
	}
	return out
}

// TestGoldenFilesAgreeWithReferenceParser opens every golden file and checks
// names, dtypes, shapes and bytes against github.com/nlpodyssey/safetensors.
func TestGoldenFilesAgreeWithReferenceParser(t *testing.T) {
	for path := range goldenFiles(t) {
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		whole, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := safetensors.Deserialize(whole)
		if err != nil {
			t.Fatalf("%s: reference parser: %v", path, err)
		}
		names := ref.Names()
		slices.Sort(names)
		if !slices.Equal(names, f.Names()) {
			t.Fatalf("%s: names differ", path)
		}
		for _, n := range names {
			tv, _ := ref.Tensor(n)
			info, _ := f.Info(n)
			raw, _ := f.Raw(n)
			if string(info.DType) != tv.DType().String() || !bytes.Equal(raw, tv.Data()) || len(info.Shape) != len(tv.Shape()) {
				t.Fatalf("%s: tensor %q differs from the reference parser", path, n)
			}
		}
		if f.Metadata()["config"] == "" && strings.Contains(path, "weights") {
			t.Errorf("%s: no config metadata", path)
		}
		f.Close()
	}
}

func TestWriteFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rt.safetensors")
	in := []Tensor{
		{Name: "b", DType: BF16, Shape: []int{3}, Data: []byte{0x80, 0x3f, 0, 0x40, 0, 0}},
		{Name: "a", DType: F32, Shape: []int{1, 1}, Data: []byte{0, 0, 0x80, 0x3f}},
		{Name: "ids", DType: I64, Shape: []int{1}, Data: []byte{5, 0, 0, 0, 0, 0, 0, 0}},
		{Name: "px", DType: U8, Shape: []int{}, Data: []byte{7}},
		{Name: "q", DType: F8_E4M3, Shape: []int{2}, Data: []byte{0x38, 0xc0}},
	}
	if err := WriteFile(path, in, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.HeaderLen()%8 != 0 || f.Metadata()["k"] != "v" || f.Len() != len(in) {
		t.Fatalf("header len %d, metadata %v, %d tensors", f.HeaderLen(), f.Metadata(), f.Len())
	}
	for _, want := range in {
		got, err := f.Tensor(want.Name)
		if err != nil || got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("%s: got %+v (%v)", want.Name, got, err)
		}
	}
	if v, _ := f.Float32("q"); v[1] != -2 {
		t.Errorf("fp8 q = %v", v)
	}
	if v, _ := f.Int64("ids"); v[0] != 5 {
		t.Errorf("ids = %v", v)
	}
	// Largest element first: the I64 tensor starts the data section.
	if info, _ := f.Info("ids"); info.Begin != 0 {
		t.Errorf("ids at %d, want 0", info.Begin)
	}
	bad := []Tensor{{Name: "x", DType: F32, Shape: []int{2}, Data: make([]byte, 4)}}
	if err := WriteFile(path, bad, nil); err == nil || !strings.Contains(err.Error(), `tensor "x"`) {
		t.Errorf("short data: %v", err)
	}
	if err := WriteFile(path, append(in[:1:1], in[0]), nil); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate: %v", err)
	}
}

func TestVerifySHA256(t *testing.T) {
	var path, sum string
	for p, s := range goldenFiles(t) {
		if strings.HasSuffix(p, "t5_encoder_tiny.weights.safetensors") {
			path, sum = p, s
		}
	}
	if _, err := VerifySHA256(path, sum); err != nil {
		t.Fatalf("manifest sha256: %v", err)
	}
	wrong := strings.Repeat("0", 64)
	if _, err := VerifySHA256(path, wrong); err == nil || !strings.Contains(err.Error(), "sha256 mismatch") {
		t.Fatalf("wrong sha256: %v", err)
	}
	if _, err := VerifySHA256(path, "abc"); err == nil || !strings.Contains(err.Error(), "not a sha256") {
		t.Fatalf("malformed sha256: %v", err)
	}
	// Sidecar and Hugging Face cache blob name.
	dir := t.TempDir()
	data, _ := os.ReadFile(path)
	copyPath := filepath.Join(dir, "t5.safetensors")
	os.WriteFile(copyPath, data, 0o644)
	if _, err := VerifySHA256(copyPath, ""); err == nil || !strings.Contains(err.Error(), "no sha256") {
		t.Fatalf("no reference: %v", err)
	}
	os.WriteFile(copyPath+".sha256", []byte(sum+"  t5.safetensors\n"), 0o644)
	if _, err := VerifySHA256(copyPath, ""); err != nil {
		t.Fatalf("sidecar: %v", err)
	}
	os.MkdirAll(filepath.Join(dir, "blobs"), 0o755)
	os.WriteFile(filepath.Join(dir, "blobs", wrong), data, 0o644)
	link := filepath.Join(dir, "snap.safetensors")
	os.Symlink(filepath.Join("blobs", wrong), link)
	if _, err := VerifySHA256(link, ""); err == nil || !strings.Contains(err.Error(), "Hugging Face cache blob") {
		t.Fatalf("blob name: %v", err)
	}
	// A truncated file is reported from its header, before hashing.
	os.WriteFile(copyPath, data[:len(data)-100], 0o644)
	if _, err := VerifySHA256(copyPath, sum); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("truncated: %v", err)
	}
}
