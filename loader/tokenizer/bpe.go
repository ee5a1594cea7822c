package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// endOfWord marks the last symbol of a pre-token in CLIP's BPE.
const endOfWord = "</w>"

// byteLevel is GPT-2's bytes_to_unicode table: printable Latin-1 bytes map to
// themselves, the other 68 bytes to U+0100 upwards, so that every byte is a
// visible symbol in vocab.json.
var byteLevel = func() [256]string {
	var t [256]string
	printable := func(b int) bool {
		return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
	}
	n := 0
	for b := 0; b < 256; b++ {
		if printable(b) {
			t[b] = string(rune(b))
		} else {
			t[b] = string(rune(256 + n))
			n++
		}
	}
	return t
}()

// bpe is a byte-level BPE model with CLIP's end-of-word suffix.
type bpe struct {
	vocab map[string]int
	ranks map[string]int // "left right" -> merge rank (line order)
}

func loadBPE(vocabJSON, mergesTXT []byte) (*bpe, error) {
	m := &bpe{vocab: map[string]int{}, ranks: map[string]int{}}
	if err := json.Unmarshal(vocabJSON, &m.vocab); err != nil {
		return nil, fmt.Errorf("vocab.json: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(mergesTXT))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		if line == 1 && strings.HasPrefix(s, "#version") {
			continue
		}
		if s == "" {
			continue
		}
		parts := strings.Split(s, " ")
		if len(parts) != 2 {
			return nil, fmt.Errorf("merges.txt: line %d: want 2 symbols, got %d", line, len(parts))
		}
		if _, dup := m.ranks[s]; !dup {
			m.ranks[s] = len(m.ranks)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("merges.txt: %w", err)
	}
	if len(m.vocab) == 0 || len(m.ranks) == 0 {
		return nil, fmt.Errorf("empty vocab (%d) or merges (%d)", len(m.vocab), len(m.ranks))
	}
	return m, nil
}

// word splits a pre-token into byte-level symbols and applies the merges,
// lowest rank first; each round merges every occurrence of the chosen pair
// from left to right, as CLIP's bpe() does.
func (m *bpe) word(token string) []string {
	var syms []string
	for i := 0; i < len(token); i++ {
		syms = append(syms, byteLevel[token[i]])
	}
	if len(syms) == 0 {
		return nil
	}
	syms[len(syms)-1] += endOfWord
	for len(syms) > 1 {
		best, bestRank := -1, 0
		for i := 0; i+1 < len(syms); i++ {
			if r, ok := m.ranks[syms[i]+" "+syms[i+1]]; ok && (best < 0 || r < bestRank) {
				best, bestRank = i, r
			}
		}
		if best < 0 {
			break
		}
		first, second := syms[best], syms[best+1]
		out := syms[:0:0]
		for i := 0; i < len(syms); i++ {
			if i+1 < len(syms) && syms[i] == first && syms[i+1] == second {
				out = append(out, first+second)
				i++
				continue
			}
			out = append(out, syms[i])
		}
		syms = out
	}
	return syms
}

// validUTF8 replaces invalid bytes by U+FFFD, as decoding into a Python str
// (what every reference sees) would have required valid text anyway.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
