package tokenizer

import (
	"strings"
	"unicode"
)

// metaspace is SentencePiece's visible space, U+2581.
const metaspace = "▁"

// normalizeT5 is tokenizer.json's normalizer sequence on one piece of text
// (the text between added tokens): the precompiled charsmap, strip trailing
// whitespace, then every run of 2+ spaces becomes one "▁".
func (t *T5) normalizeT5(s string) string {
	if t.charsmap != nil {
		s = t.charsmap.normalize(s)
	}
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	return collapseSpaces(s)
}

// collapseSpaces replaces each run of two or more ' ' by a single "▁".
func collapseSpaces(s string) string {
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != ' ' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j-i >= 2 {
			b.WriteString(metaspace)
		} else {
			b.WriteByte(' ')
		}
		i = j
	}
	return b.String()
}

// metaspaceSplit is the Metaspace pre-tokenizer (prepend_scheme "first"):
// spaces become "▁", a "▁" is prepended only to the piece that starts the
// input (first), and the text is split before each "▁".
func metaspaceSplit(s string, first bool) []string {
	s = strings.ReplaceAll(s, " ", metaspace)
	if first && !strings.HasPrefix(s, metaspace) {
		s = metaspace + s
	}
	var out []string
	for len(s) > 0 {
		// The next piece ends where the next "▁" after its first rune begins.
		next := strings.Index(s[1:], metaspace)
		if next < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:next+1])
		s = s[next+1:]
	}
	return out
}

// addedSplit splits raw text around the added tokens (matched before any
// normalization, leftmost first, longest on ties). Text pieces carry their
// byte offset in the input; token pieces carry their id.
type segment struct {
	text  string
	start int
	id    int // -1 for text
}

func (t *T5) addedSplit(s string) []segment {
	var out []segment
	last := 0
	for i := 0; i < len(s); i++ {
		cands := t.addedByFirst[s[i]]
		if len(cands) == 0 {
			continue
		}
		match := -1
		for k, a := range cands { // longest first
			if strings.HasPrefix(s[i:], a.content) {
				match = k
				break
			}
		}
		if match < 0 {
			continue
		}
		a := cands[match]
		if i > last {
			out = append(out, segment{text: s[last:i], start: last, id: -1})
		}
		out = append(out, segment{text: a.content, start: i, id: a.id})
		i += len(a.content) - 1
		last = i + 1
	}
	if last < len(s) {
		out = append(out, segment{text: s[last:], start: last, id: -1})
	}
	return out
}
