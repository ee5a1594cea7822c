package tokenizer

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/rivo/uniseg"
)

// charsmap is SentencePiece's precompiled normalization map (here nmt_nfkc):
// a darts-clone double-array trie over UTF-8 keys whose values are offsets of
// NUL-terminated replacement strings. The blob is
// [u32 LE trie size in bytes][trie units][replacement strings].
type charsmap struct {
	units      []uint32
	normalized []byte
}

func parseCharsmap(b64 string) (*charsmap, error) {
	blob, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("precompiled_charsmap: %w", err)
	}
	if len(blob) < 4 {
		return nil, fmt.Errorf("precompiled_charsmap: %d bytes", len(blob))
	}
	size := int(binary.LittleEndian.Uint32(blob))
	if size%4 != 0 || 4+size > len(blob) || size == 0 {
		return nil, fmt.Errorf("precompiled_charsmap: trie size %d of %d bytes", size, len(blob))
	}
	m := &charsmap{units: make([]uint32, size/4), normalized: blob[4+size:]}
	for i := range m.units {
		m.units[i] = binary.LittleEndian.Uint32(blob[4+4*i:])
	}
	return m, nil
}

// darts-clone unit fields.
func unitHasLeaf(u uint32) bool { return (u>>8)&1 == 1 }
func unitValue(u uint32) uint32 { return u & (1<<31 - 1) }
func unitLabel(u uint32) uint32 { return u & (1<<31 | 0xFF) }
func unitOffset(u uint32) uint32 {
	return (u >> 10) << ((u & (1 << 9)) >> 6)
}

// prefixValues returns the values of the keys that are prefixes of key,
// shortest first (darts-clone commonPrefixSearch).
func (m *charsmap) prefixValues(key string, firstOnly bool) []uint32 {
	var out []uint32
	if len(m.units) == 0 {
		return nil
	}
	pos := unitOffset(m.units[0])
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == 0 {
			break
		}
		pos ^= uint32(c)
		if int(pos) >= len(m.units) {
			break
		}
		u := m.units[pos]
		if unitLabel(u) != uint32(c) {
			break
		}
		pos ^= unitOffset(u)
		if unitHasLeaf(u) && int(pos) < len(m.units) {
			out = append(out, unitValue(m.units[pos]))
			if firstOnly {
				break
			}
		}
	}
	return out
}

// transform returns the replacement for chunk. Like the HF tokenizers
// Precompiled normalizer (the T5TokenizerFast reference), it takes the FIRST,
// that is the shortest, rule whose key is a prefix of chunk, and that rule
// replaces the whole chunk.
func (m *charsmap) transform(chunk string) (string, bool) {
	vals := m.prefixValues(chunk, true)
	if len(vals) == 0 {
		return "", false
	}
	start := int(vals[0])
	if start > len(m.normalized) {
		return "", false
	}
	rest := m.normalized[start:]
	end := 0
	for end < len(rest) && rest[end] != 0 {
		end++
	}
	return string(rest[:end]), true
}

// normalize applies the map as the HF reference does, which matches
// SentencePiece on real text: each grapheme cluster shorter than 6 bytes that
// has a rule is replaced as a whole; otherwise each code point is looked up
// on its own and kept when it has no rule.
func (m *charsmap) normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	state := -1
	rest := s
	for len(rest) > 0 {
		var g string
		g, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if len(g) < 6 {
			if rep, ok := m.transform(g); ok {
				b.WriteString(rep)
				continue
			}
		}
		for _, r := range g {
			cp := string(r)
			if rep, ok := m.transform(cp); ok {
				b.WriteString(rep)
			} else {
				b.WriteString(cp)
			}
		}
	}
	return b.String()
}
