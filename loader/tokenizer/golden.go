package tokenizer

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Golden is a golden_ids.json file: reference ids for both tokenizers.
type Golden struct {
	CLIP  GoldenSet `json:"clip"`
	T5    GoldenSet `json:"t5"`
	Notes string    `json:"notes"`
}

// GoldenSet holds one tokenizer's cases and framing.
type GoldenSet struct {
	MaxLength int          `json:"max_length"`
	Cases     []GoldenCase `json:"cases"`
}

// GoldenCase is one prompt with its raw and padded reference ids.
type GoldenCase struct {
	Prompt    string `json:"prompt"`
	IDsRaw    []int  `json:"ids_raw"`
	IDsPadded []int  `json:"ids_padded"`
}

// ReadGolden parses a golden_ids.json file.
func ReadGolden(path string) (*Golden, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read golden ids: %w", err)
	}
	var g Golden
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("read golden ids %s: %w", path, err)
	}
	return &g, nil
}

// CheckGolden tokenizes every prompt of a golden_ids.json file with the
// embedded tokenizers (CLIP at the file's clip max_length, T5 at its t5
// max_length), compares ids_padded exactly and prints one line per case.
func CheckGolden(path string, w io.Writer) (passed, failed int, err error) {
	c, err := NewCLIP()
	if err != nil {
		return 0, 0, err
	}
	t, err := NewT5()
	if err != nil {
		return 0, 0, err
	}
	return CheckGoldenWith(path, w, c, t)
}

// CheckGoldenWith is CheckGolden with given tokenizers (a checkpoint's own).
func CheckGoldenWith(path string, w io.Writer, c *CLIP, t *T5) (passed, failed int, err error) {
	g, err := ReadGolden(path)
	if err != nil {
		return 0, 0, err
	}
	sets := []struct {
		name   string
		set    GoldenSet
		encode func(string, int) ([]int, int)
	}{{"clip", g.CLIP, c.Encode}, {"t5", g.T5, t.Encode}}
	for _, s := range sets {
		maxLen := s.set.MaxLength
		for i, tc := range s.set.Cases {
			n := maxLen
			if n <= 0 {
				n = len(tc.IDsPadded)
			}
			got, _ := s.encode(tc.Prompt, n)
			msg := "ok"
			if pos := firstDiff(got, tc.IDsPadded); pos >= 0 {
				msg = fmt.Sprintf("FAIL: at %d: got %s want %s", pos, window(got, pos), window(tc.IDsPadded, pos))
				failed++
			} else {
				passed++
			}
			fmt.Fprintf(w, "%-4s  case %d  %s  %s\n", s.name, i, quotePrompt(tc.Prompt), msg)
		}
	}
	return passed, failed, nil
}

// firstDiff returns the first position where a and b differ (a length
// difference counts at the shorter length), or -1.
func firstDiff(a, b []int) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// window shows a few ids around pos.
func window(ids []int, pos int) string {
	lo, hi := max(pos-2, 0), min(pos+6, len(ids))
	if lo > hi {
		lo = hi
	}
	s := fmt.Sprint(ids[lo:hi])
	if lo > 0 {
		s = "..." + s
	}
	if hi < len(ids) {
		s += "..."
	}
	return fmt.Sprintf("%s (len %d)", s, len(ids))
}

func quotePrompt(p string) string {
	r := []rune(p)
	if len(r) > 40 {
		p = string(r[:40]) + "..."
	}
	q := fmt.Sprintf("%q", p) // escapes tabs, newlines and other controls
	return "'" + q[1:len(q)-1] + "'"
}
