package tokenizer

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// data holds the FLUX.1-schnell tokenizer files (data/NOTICE says where they
// come from). Single-file checkpoints have no tokenizer folder, so the binary
// carries them.
//
//go:embed data/clip/vocab.json data/clip/merges.txt data/t5/tokenizer.json data/NOTICE data/LICENSE.Apache-2.0.txt
var data embed.FS

// Notice returns the provenance and licence notice of the embedded files.
func Notice() string {
	b, _ := data.ReadFile("data/NOTICE")
	return string(b)
}

var (
	clipOnce sync.Once
	clipTok  *CLIP
	clipErr  error
	t5Once   sync.Once
	t5Tok    *T5
	t5Err    error
)

// NewCLIP returns the CLIP-L tokenizer built from the embedded files. It is
// built once and shared; a *CLIP is safe for concurrent use.
func NewCLIP() (*CLIP, error) {
	clipOnce.Do(func() {
		vocab, err := data.ReadFile("data/clip/vocab.json")
		if err != nil {
			clipErr = fmt.Errorf("embedded clip vocab: %w", err)
			return
		}
		merges, err := data.ReadFile("data/clip/merges.txt")
		if err != nil {
			clipErr = fmt.Errorf("embedded clip merges: %w", err)
			return
		}
		clipTok, clipErr = newCLIP(vocab, merges)
	})
	return clipTok, clipErr
}

// NewT5 returns the T5 v1.1 tokenizer built from the embedded tokenizer.json.
// It is built once and shared; a *T5 is safe for concurrent use.
func NewT5() (*T5, error) {
	t5Once.Do(func() {
		b, err := data.ReadFile("data/t5/tokenizer.json")
		if err != nil {
			t5Err = fmt.Errorf("embedded t5 tokenizer.json: %w", err)
			return
		}
		t5Tok, t5Err = newT5(b)
	})
	return t5Tok, t5Err
}

// LoadCLIP builds a CLIP tokenizer from a checkpoint's tokenizer/vocab.json and
// tokenizer/merges.txt.
func LoadCLIP(vocabJSON, mergesTXT string) (*CLIP, error) {
	vocab, err := os.ReadFile(vocabJSON)
	if err != nil {
		return nil, fmt.Errorf("load clip tokenizer: %w", err)
	}
	merges, err := os.ReadFile(mergesTXT)
	if err != nil {
		return nil, fmt.Errorf("load clip tokenizer: %w", err)
	}
	c, err := newCLIP(vocab, merges)
	if err != nil {
		return nil, fmt.Errorf("load clip tokenizer %s: %w", filepath.Dir(vocabJSON), err)
	}
	return c, nil
}

// LoadT5 builds a T5 tokenizer from a checkpoint's tokenizer_2/tokenizer.json.
func LoadT5(tokenizerJSON string) (*T5, error) {
	b, err := os.ReadFile(tokenizerJSON)
	if err != nil {
		return nil, fmt.Errorf("load t5 tokenizer: %w", err)
	}
	t, err := newT5(b)
	if err != nil {
		return nil, fmt.Errorf("load t5 tokenizer %s: %w", tokenizerJSON, err)
	}
	return t, nil
}

// ForCheckpoint returns the tokenizers of a diffusers-layout checkpoint folder:
// root/tokenizer/{vocab.json,merges.txt} and root/tokenizer_2/tokenizer.json
// when they exist, the embedded copies otherwise. root may be "" (no folder).
func ForCheckpoint(root string) (*CLIP, *T5, error) {
	var c *CLIP
	var t *T5
	var err error
	vocab := filepath.Join(root, "tokenizer", "vocab.json")
	merges := filepath.Join(root, "tokenizer", "merges.txt")
	if root != "" && exists(vocab) && exists(merges) {
		c, err = LoadCLIP(vocab, merges)
	} else {
		c, err = NewCLIP()
	}
	if err != nil {
		return nil, nil, err
	}
	tj := filepath.Join(root, "tokenizer_2", "tokenizer.json")
	if root != "" && exists(tj) {
		t, err = LoadT5(tj)
	} else {
		t, err = NewT5()
	}
	if err != nil {
		return nil, nil, err
	}
	return c, t, nil
}

func exists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
