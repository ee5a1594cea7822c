package tokenizer

import (
	"encoding/json"
	"fmt"
	"sort"
)

// T5 max lengths used by FluxPipeline (max_sequence_length).
const (
	T5MaxLengthSchnell = 256
	T5MaxLengthDev     = 512
)

// T5 reproduces T5TokenizerFast on FLUX's tokenizer_2/tokenizer.json:
//
//	split added tokens -> per piece: precompiled charsmap, strip right,
//	" {2,}" -> "▁" -> Metaspace (prepend "▁" to the piece that starts the
//	input only) -> Unigram Viterbi -> ids.
type T5 struct {
	model        *unigram
	charsmap     *charsmap
	addedByFirst map[byte][]addedToken
	eos, pad     int
}

type addedToken struct {
	content string
	id      int
}

// tokenizerJSON is the part of an HF tokenizer.json that T5 needs.
type tokenizerJSON struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
	} `json:"added_tokens"`
	Normalizer *struct {
		Type        string `json:"type"`
		Charsmap    string `json:"precompiled_charsmap"`
		Normalizers []struct {
			Type     string `json:"type"`
			Charsmap string `json:"precompiled_charsmap"`
		} `json:"normalizers"`
	} `json:"normalizer"`
	Model struct {
		Type  string               `json:"type"`
		UnkID *int                 `json:"unk_id"`
		Vocab [][2]json.RawMessage `json:"vocab"`
	} `json:"model"`
}

func newT5(b []byte) (*T5, error) {
	var tj tokenizerJSON
	if err := json.Unmarshal(b, &tj); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	if tj.Model.Type != "Unigram" {
		return nil, fmt.Errorf("tokenizer.json: model type %q, want Unigram", tj.Model.Type)
	}
	pieces := make([]string, len(tj.Model.Vocab))
	scores := make([]float64, len(tj.Model.Vocab))
	for i, v := range tj.Model.Vocab {
		if err := json.Unmarshal(v[0], &pieces[i]); err != nil {
			return nil, fmt.Errorf("tokenizer.json: vocab[%d]: %w", i, err)
		}
		if err := json.Unmarshal(v[1], &scores[i]); err != nil {
			return nil, fmt.Errorf("tokenizer.json: vocab[%d]: %w", i, err)
		}
	}
	if tj.Model.UnkID == nil || *tj.Model.UnkID < 0 || *tj.Model.UnkID >= len(pieces) {
		return nil, fmt.Errorf("tokenizer.json: missing or bad unk_id")
	}
	t := &T5{model: newUnigram(pieces, scores, *tj.Model.UnkID), addedByFirst: map[byte][]addedToken{}}
	if err := t.loadNormalizer(&tj); err != nil {
		return nil, err
	}
	for _, a := range tj.AddedTokens {
		if a.Content == "" {
			continue
		}
		t.addedByFirst[a.Content[0]] = append(t.addedByFirst[a.Content[0]], addedToken{a.Content, a.ID})
	}
	for _, list := range t.addedByFirst {
		sort.SliceStable(list, func(i, j int) bool { return len(list[i].content) > len(list[j].content) })
	}
	var ok bool
	if t.eos, ok = t.idOf("</s>"); !ok {
		return nil, fmt.Errorf("tokenizer.json: no </s> token")
	}
	if t.pad, ok = t.idOf("<pad>"); !ok {
		return nil, fmt.Errorf("tokenizer.json: no <pad> token")
	}
	return t, nil
}

func (t *T5) loadNormalizer(tj *tokenizerJSON) error {
	n := tj.Normalizer
	if n == nil {
		return nil
	}
	b64 := n.Charsmap
	for _, sub := range n.Normalizers {
		if sub.Type == "Precompiled" {
			b64 = sub.Charsmap
		}
	}
	if b64 == "" {
		return nil
	}
	m, err := parseCharsmap(b64)
	if err != nil {
		return fmt.Errorf("tokenizer.json: %w", err)
	}
	t.charsmap = m
	return nil
}

func (t *T5) idOf(content string) (int, bool) {
	if content != "" {
		for _, a := range t.addedByFirst[content[0]] {
			if a.content == content {
				return a.id, true
			}
		}
	}
	if id, ok := t.model.ids[content]; ok && id >= 0 {
		return int(id), true
	}
	return 0, false
}

// EOS and Pad return the special ids (1 and 0 for T5).
func (t *T5) EOS() int { return t.eos }
func (t *T5) Pad() int { return t.pad }

// Tokens returns the raw token ids of text: no EOS, no truncation.
func (t *T5) Tokens(text string) []int {
	text = validUTF8(text)
	var ids []int
	for _, seg := range t.addedSplit(text) {
		if seg.id >= 0 {
			ids = append(ids, seg.id)
			continue
		}
		norm := t.normalizeT5(seg.text)
		if norm == "" {
			continue
		}
		for _, word := range metaspaceSplit(norm, seg.start == 0) {
			ids = append(ids, t.model.encode(word)...)
		}
	}
	return ids
}

// Encode returns exactly what FluxPipeline feeds T5: the first maxLen-1 ids +
// [EOS], padded to maxLen with the pad id. maxLen is 256 for schnell, 512
// for dev (a demo model may use less). dropped counts the ids cut by
// truncation; the caller should warn when it is not zero.
func (t *T5) Encode(text string, maxLen int) (ids []int, dropped int) {
	return frame(t.Tokens(text), maxLen, nil, t.eos, t.pad)
}
