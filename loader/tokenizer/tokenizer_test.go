package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func mustCLIP(t testing.TB) *CLIP {
	t.Helper()
	c, err := NewCLIP()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustT5(t testing.TB) *T5 {
	t.Helper()
	tok, err := NewT5()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestFrame(t *testing.T) {
	tests := []struct {
		name        string
		body        []int
		maxLen      int
		prefix      []int
		want        []int
		wantDropped int
	}{
		{"clip pads", []int{5, 6}, 6, []int{100}, []int{100, 5, 6, 101, 101, 101}, 0},
		{"clip exact", []int{5, 6, 7}, 5, []int{100}, []int{100, 5, 6, 7, 101}, 0},
		{"clip truncates", []int{5, 6, 7, 8}, 5, []int{100}, []int{100, 5, 6, 7, 101}, 1},
		{"t5 pads", []int{5}, 4, nil, []int{5, 101, 0, 0}, 0},
		{"t5 truncates", []int{5, 6, 7, 8}, 3, nil, []int{5, 6, 101}, 2},
		{"empty", nil, 3, nil, []int{101, 0, 0}, 0},
	}
	for _, tt := range tests {
		pad := 0
		if tt.prefix != nil {
			pad = 101
		}
		got, dropped := frame(tt.body, tt.maxLen, tt.prefix, 101, pad)
		if !slices.Equal(got, tt.want) || dropped != tt.wantDropped {
			t.Errorf("%s: got %v dropped %d, want %v dropped %d", tt.name, got, dropped, tt.want, tt.wantDropped)
		}
	}
}

func TestEncodeTruncationReportsDropped(t *testing.T) {
	c, tok := mustCLIP(t), mustT5(t)
	long := strings.Repeat("a red cube on a blue sphere, ", 40)
	ids, dropped := c.Encode(long, CLIPMaxLength)
	raw := c.Tokens(long)
	if len(ids) != CLIPMaxLength || ids[0] != 49406 || ids[76] != 49407 || dropped != len(raw)-75 || dropped <= 0 {
		t.Errorf("clip: len %d first %d last %d dropped %d (raw %d)", len(ids), ids[0], ids[76], dropped, len(raw))
	}
	for _, n := range []int{32, T5MaxLengthSchnell, T5MaxLengthDev} {
		ids, dropped := tok.Encode(long, n)
		raw := tok.Tokens(long)
		want := max(len(raw)-(n-1), 0)
		if len(ids) != n || dropped != want || !slices.Contains(ids, 1) {
			t.Errorf("t5 %d: len %d dropped %d want %d", n, len(ids), dropped, want)
		}
		if want > 0 && ids[n-1] != 1 {
			t.Errorf("t5 %d: truncated sequence must end with EOS, got %d", n, ids[n-1])
		}
	}
}

func TestCLIPPreTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"don't stop", []string{"don", "'t", "stop"}},
		{"it'ſ", []string{"it", "'ſ"}}, // IGNORECASE: long s matches 's
		{"2,000 kg", []string{"2", ",", "0", "0", "0", "kg"}},
		{"wow!!!'s", []string{"wow", "!!!'", "s"}},
		{"a<|endoftext|>b", []string{"a", "<|endoftext|>", "b"}},
		{"x!<|endoftext|>", []string{"x", "!<|", "endoftext", "|>"}},
		{"नमस्ते", []string{"नमस", "्", "त", "े"}},
		{"a\u0345b", []string{"a", "b"}},
	}
	for _, tt := range tests {
		if got := clipPreTokenize(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("clipPreTokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPyLower(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ΟΔΟΣ", "οδος"},
		{"ΟΔΟΣ.", "οδος."},
		{"ΣΑ", "σα"},
		{"Σ", "σ"},
		{"A'Σ'", "a'ς'"},
		{"İstanbul", "i\u0307stanbul"},
		{"ǅ", "ǆ"},
	}
	for _, tt := range tests {
		if got := pyLower(tt.in); got != tt.want {
			t.Errorf("pyLower(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWhitespaceClean(t *testing.T) {
	if got := whitespaceClean(" a\t\u3000b \u2003\n c \u00a0"); got != "a b c" {
		t.Errorf("got %q", got)
	}
}

func TestCharsmap(t *testing.T) {
	tok := mustT5(t)
	tests := []struct{ in, want string }{
		{"ｈｅｌｌｏ", "hello"},
		{"a\u00a0b", "a b"},
		{"①", "1"},
		{"\r\n", " "}, // one grapheme: replaced as a whole by its first rule
		{"x\u200by", "x y"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := tok.charsmap.normalize(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMetaspaceSplit(t *testing.T) {
	tests := []struct {
		in    string
		first bool
		want  []string
	}{
		{"a photo", true, []string{"▁a", "▁photo"}},
		{"a photo", false, []string{"a", "▁photo"}},
		{" x", false, []string{"▁x"}},
		{"a▁b", true, []string{"▁a", "▁b"}},
		{"▁▁x", true, []string{"▁", "▁x"}},
	}
	for _, tt := range tests {
		if got := metaspaceSplit(tt.in, tt.first); !slices.Equal(got, tt.want) {
			t.Errorf("metaspaceSplit(%q, %v) = %q, want %q", tt.in, tt.first, got, tt.want)
		}
	}
	if got := collapseSpaces("a  b   c d"); got != "a▁b▁c d" {
		t.Errorf("collapseSpaces = %q", got)
	}
}

func TestT5AddedTokens(t *testing.T) {
	tok := mustT5(t)
	ids := tok.Tokens("<extra_id_0>x<pad>")
	if len(ids) < 3 || ids[0] != 32099 || ids[len(ids)-1] != 0 {
		t.Errorf("got %v", ids)
	}
	// text right after an added token gets no "▁" prefix
	after, plain := tok.Tokens("</s>after"), tok.Tokens("after")
	if slices.Equal(after[1:], plain) {
		t.Errorf("</s>after = %v, after = %v: want different segmentation", after, plain)
	}
}

// TestLoadFromFiles checks the loaders and the checkpoint lookup on a
// diffusers-style folder made from the embedded files.
func TestLoadFromFiles(t *testing.T) {
	root := t.TempDir()
	for src, dst := range map[string]string{
		"data/clip/vocab.json": "tokenizer/vocab.json", "data/clip/merges.txt": "tokenizer/merges.txt",
		"data/t5/tokenizer.json": "tokenizer_2/tokenizer.json",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(root, filepath.Dir(dst)), 0o755)
		if err := os.WriteFile(filepath.Join(root, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, tok, err := ForCheckpoint(root)
	if err != nil {
		t.Fatal(err)
	}
	if c == mustCLIP(t) || tok == mustT5(t) {
		t.Error("ForCheckpoint returned the embedded tokenizers despite a tokenizer folder")
	}
	p := "A Cat Holding A Sign That Says Hello World"
	if !slices.Equal(c.Tokens(p), mustCLIP(t).Tokens(p)) || !slices.Equal(tok.Tokens(p), mustT5(t).Tokens(p)) {
		t.Error("loaded tokenizers disagree with the embedded ones")
	}
	if _, err := LoadCLIP(filepath.Join(root, "missing.json"), "x"); err == nil {
		t.Error("LoadCLIP: want error for a missing file")
	}
	if _, err := LoadT5(filepath.Join(root, "tokenizer", "vocab.json")); err == nil {
		t.Error("LoadT5: want error for a file that is not a Unigram tokenizer.json")
	}
	c2, t2, err := ForCheckpoint("")
	if err != nil || c2 != mustCLIP(t) || t2 != mustT5(t) {
		t.Errorf("ForCheckpoint(\"\"): want the embedded tokenizers, err %v", err)
	}
}

func TestNotice(t *testing.T) {
	if !strings.Contains(Notice(), "MIT License") {
		t.Error("embedded NOTICE missing")
	}
}

var benchPrompt = "An intricately detailed illustration of a bustling steampunk city built into the side of an " +
	"enormous waterfall, brass airships, café terraces, neon signs reading 'OPEN 24 HOURS', 東京の夜景, " +
	"family 👨\u200d👩\u200d👧, &amp; “quotes” — 50% off… " + strings.Repeat("golden hour lighting, ", 20)

func BenchmarkCLIPTokens(b *testing.B) {
	c := mustCLIP(b)
	for b.Loop() {
		c.Encode(benchPrompt, CLIPMaxLength)
	}
}

func BenchmarkT5Tokens(b *testing.B) {
	tok := mustT5(b)
	for b.Loop() {
		tok.Encode(benchPrompt, T5MaxLengthDev)
	}
}

func BenchmarkLoad(b *testing.B) {
	vocab, _ := os.ReadFile("data/clip/vocab.json")
	merges, _ := os.ReadFile("data/clip/merges.txt")
	tj, _ := os.ReadFile("data/t5/tokenizer.json")
	for b.Loop() {
		newCLIP(vocab, merges)
		newT5(tj)
	}
}
