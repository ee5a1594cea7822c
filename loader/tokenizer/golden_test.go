package tokenizer

import (
	"bytes"
	"slices"
	"testing"
)

const goldenPath = "../../testdata/tokenizers/golden_ids.json"

func TestGoldenCLIP(t *testing.T) {
	g, err := ReadGolden(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCLIP()
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range g.CLIP.Cases {
		if got := c.Tokens(tc.Prompt); !slices.Equal(got, tc.IDsRaw) && !(len(got) == 0 && len(tc.IDsRaw) == 0) {
			t.Errorf("case %d %q: raw ids\n got %v\nwant %v", i, tc.Prompt, got, tc.IDsRaw)
		}
		got, dropped := c.Encode(tc.Prompt, g.CLIP.MaxLength)
		if !slices.Equal(got, tc.IDsPadded) {
			t.Errorf("case %d %q: padded ids\n got %v\nwant %v", i, tc.Prompt, got, tc.IDsPadded)
		}
		if want := max(len(tc.IDsRaw)-(g.CLIP.MaxLength-2), 0); dropped != want {
			t.Errorf("case %d: dropped %d, want %d", i, dropped, want)
		}
	}
}

func TestGoldenT5(t *testing.T) {
	g, err := ReadGolden(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := NewT5()
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range g.T5.Cases {
		if got := tok.Tokens(tc.Prompt); !slices.Equal(got, tc.IDsRaw) && !(len(got) == 0 && len(tc.IDsRaw) == 0) {
			t.Errorf("case %d %q: raw ids\n got %v\nwant %v", i, tc.Prompt, got, tc.IDsRaw)
		}
		got, dropped := tok.Encode(tc.Prompt, g.T5.MaxLength)
		if !slices.Equal(got, tc.IDsPadded) {
			t.Errorf("case %d %q: padded ids\n got %v\nwant %v", i, tc.Prompt, got, tc.IDsPadded)
		}
		if want := max(len(tc.IDsRaw)-(g.T5.MaxLength-1), 0); dropped != want {
			t.Errorf("case %d: dropped %d, want %d", i, dropped, want)
		}
	}
}

func TestCheckGolden(t *testing.T) {
	var buf bytes.Buffer
	passed, failed, err := CheckGolden(goldenPath, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if failed != 0 || passed == 0 {
		t.Errorf("CheckGolden: %d passed, %d failed\n%s", passed, failed, buf.String())
	}
	if !bytes.Contains(buf.Bytes(), []byte("clip  case 0  'a photo of a cat'  ok")) {
		t.Errorf("unexpected report format:\n%s", buf.String())
	}
}
