package tokenizer

import (
	"fmt"
	"strings"
)

// CLIP special tokens and the context length of CLIP-L.
const (
	clipBOSText = "<|startoftext|>"
	clipEOSText = "<|endoftext|>"
	// CLIPMaxLength is the context length FluxPipeline pads CLIP prompts to.
	CLIPMaxLength = 77
)

// CLIP reproduces the slow HF CLIPTokenizer with ftfy installed (the class
// named in FLUX.1's model_index.json), which matches openai/CLIP's
// simple_tokenizer.py:
//
//	split literal special tokens -> per piece: ftfy.fix_text, collapse Unicode
//	whitespace, strip, lowercase -> CLIP regex -> byte-level BPE with </w>.
type CLIP struct {
	bpe    *bpe
	bos    int
	eos    int
	unk    int // CLIP's unk token is <|endoftext|>
	pad    int // FluxPipeline pads with <|endoftext|>, not openai's 0
	maxLen int
}

func newCLIP(vocabJSON, mergesTXT []byte) (*CLIP, error) {
	m, err := loadBPE(vocabJSON, mergesTXT)
	if err != nil {
		return nil, err
	}
	bos, ok1 := m.vocab[clipBOSText]
	eos, ok2 := m.vocab[clipEOSText]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("vocab.json lacks %s or %s", clipBOSText, clipEOSText)
	}
	return &CLIP{bpe: m, bos: bos, eos: eos, unk: eos, pad: eos, maxLen: CLIPMaxLength}, nil
}

// BOS, EOS and Pad return the special ids (49406, 49407, 49407 for CLIP-L).
func (c *CLIP) BOS() int { return c.bos }
func (c *CLIP) EOS() int { return c.eos }
func (c *CLIP) Pad() int { return c.pad }

// Tokens returns the raw token ids of text: no BOS/EOS, no truncation.
func (c *CLIP) Tokens(text string) []int {
	text = validUTF8(text)
	var ids []int
	// The slow tokenizer splits the literal special tokens out of the raw
	// text before any cleanup, then cleans each remaining piece on its own.
	for _, piece := range splitSpecial(text, []string{clipBOSText, clipEOSText}) {
		switch piece {
		case clipBOSText:
			ids = append(ids, c.bos)
			continue
		case clipEOSText:
			ids = append(ids, c.eos)
			continue
		}
		clean := pyLower(whitespaceClean(fixText(piece)))
		for _, tok := range clipPreTokenize(clean) {
			ids = c.appendToken(ids, tok)
		}
	}
	return ids
}

// appendToken appends the ids of one pre-token.
func (c *CLIP) appendToken(ids []int, tok string) []int {
	// The pattern can yield a special token's text made by the cleanup (for
	// example from "&lt;|endoftext|&gt;"); bpe() has it cached as itself.
	switch tok {
	case clipBOSText:
		return append(ids, c.bos)
	case clipEOSText:
		return append(ids, c.eos)
	}
	for _, sym := range c.bpe.word(tok) {
		id, ok := c.bpe.vocab[sym]
		if !ok {
			id = c.unk
		}
		ids = append(ids, id)
	}
	return ids
}

// Encode returns exactly what FluxPipeline feeds CLIP: [BOS] + the first
// maxLen-2 ids + [EOS], padded to maxLen with the pad id (<|endoftext|>).
// dropped counts the ids cut by truncation; the caller should warn when it is
// not zero.
func (c *CLIP) Encode(text string, maxLen int) (ids []int, dropped int) {
	return frame(c.Tokens(text), maxLen, []int{c.bos}, c.eos, c.pad)
}

// frame adds the prefix and the final EOS, truncating the body so that the
// result fits maxLen (room is kept for the specials, as HF does), then pads.
func frame(body []int, maxLen int, prefix []int, eos, pad int) ([]int, int) {
	if maxLen < 0 {
		maxLen = 0
	}
	keep := maxLen - len(prefix) - 1
	if keep < 0 {
		keep = 0
	}
	dropped := 0
	if len(body) > keep {
		dropped = len(body) - keep
		body = body[:keep]
	}
	out := make([]int, 0, maxLen)
	out = append(out, prefix...)
	out = append(out, body...)
	out = append(out, eos)
	for len(out) < maxLen {
		out = append(out, pad)
	}
	if len(out) > maxLen { // only when maxLen cannot even hold the specials
		out = out[:maxLen]
	}
	return out, dropped
}

// splitSpecial splits text around literal occurrences of the given tokens,
// leftmost first and longest on ties, keeping the tokens as their own pieces.
// Empty pieces are dropped.
func splitSpecial(text string, specials []string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); {
		match := ""
		for _, s := range specials {
			if len(s) > len(match) && strings.HasPrefix(text[i:], s) {
				match = s
			}
		}
		if match == "" {
			i++
			continue
		}
		if i > start {
			out = append(out, text[start:i])
		}
		out = append(out, match)
		i += len(match)
		start = i
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}
