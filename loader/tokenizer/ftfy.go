package tokenizer

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// fixText is ftfy 6.3.1's fix_text with its default configuration, the
// cleanup CLIP applies before anything else. The text is fixed line by line
// (each segment ends after a '\n'); HTML entities are unescaped ("auto")
// until a segment contains a literal '<', and from then on no longer, since
// ftfy keeps the changed setting for the rest of the text.
func fixText(text string) string {
	if text == "" {
		return text
	}
	unescape := true
	var out strings.Builder
	for pos := 0; pos < len(text); {
		end := len(text)
		if i := strings.IndexByte(text[pos:], '\n'); i >= 0 {
			end = pos + i + 1
		}
		seg := text[pos:end]
		if unescape && strings.Contains(seg, "<") {
			unescape = false
		}
		out.WriteString(fixSegment(seg, unescape))
		pos = end
	}
	return out.String()
}

// fixSegment is ftfy's fix_and_explain: the fixers in ftfy's order, repeated
// until the text stops changing.
func fixSegment(text string, unescape bool) string {
	for {
		orig := text
		if unescape {
			text = unescapeHTML(text)
		}
		text = fixEncoding(text)
		text = fixC1Controls(text)
		text = mapRunes(text, ligature)
		text = mapRunes(text, halfWidth)
		text = mapRunes(text, uncurl)
		text = fixLineBreaks(text)
		// fix_surrogates has nothing to do: a Go string cannot hold surrogates.
		text = removeTerminalEscapes(text)
		text = mapRunes(text, controlChar)
		text = norm.NFC.String(text)
		if text == orig {
			return text
		}
	}
}

// mapRunes replaces each rune for which f reports a replacement, like
// Python's str.translate.
func mapRunes(s string, f func(rune) (string, bool)) string {
	var b strings.Builder
	changed := false
	for i, r := range s {
		rep, ok := f(r)
		if !changed {
			if !ok {
				continue
			}
			changed = true
			b.Grow(len(s) + 8)
			b.WriteString(s[:i])
		}
		if ok {
			b.WriteString(rep)
		} else {
			b.WriteRune(r)
		}
	}
	if !changed {
		return s
	}
	return b.String()
}

// fixC1Controls decodes each C1 control character as the Windows-1252 byte
// it most likely was.
func fixC1Controls(s string) string {
	return mapRunes(s, func(r rune) (string, bool) {
		if r >= 0x80 && r <= 0x9F {
			return string(cp1252[r-0x80]), true
		}
		return "", false
	})
}

// ligature is ftfy's LIGATURES table: Latin ligatures and legacy digraphs.
func ligature(r rune) (string, bool) {
	switch r {
	case 'Ĳ':
		return "IJ", true
	case 'ĳ':
		return "ij", true
	case 'ŉ':
		return "ʼn", true
	case 'Ǳ':
		return "DZ", true
	case 'ǲ':
		return "Dz", true
	case 'ǳ':
		return "dz", true
	case 'Ǆ':
		return "DŽ", true
	case 'ǅ':
		return "Dž", true
	case 'ǆ':
		return "dž", true
	case 'Ǉ':
		return "LJ", true
	case 'ǈ':
		return "Lj", true
	case 'ǉ':
		return "lj", true
	case 'Ǌ':
		return "NJ", true
	case 'ǋ':
		return "Nj", true
	case 'ǌ':
		return "nj", true
	case 'ﬀ':
		return "ff", true
	case 'ﬁ':
		return "fi", true
	case 'ﬂ':
		return "fl", true
	case 'ﬃ':
		return "ffi", true
	case 'ﬄ':
		return "ffl", true
	case 'ﬅ':
		return "ſt", true
	case 'ﬆ':
		return "st", true
	}
	return "", false
}

// halfWidth is ftfy's WIDTH_MAP: U+3000 becomes a space, and U+FF01..U+FFEF
// take their NFKC form where it differs.
func halfWidth(r rune) (string, bool) {
	if r == 0x3000 {
		return " ", true
	}
	if r < 0xFF01 || r > 0xFFEF {
		return "", false
	}
	s := string(r)
	if k := norm.NFKC.String(s); k != s {
		return k, true
	}
	return "", false
}

// uncurl is ftfy's uncurl_quotes.
func uncurl(r rune) (string, bool) {
	switch {
	case r == 0x2BC || (r >= 0x2018 && r <= 0x201B):
		return "'", true
	case r >= 0x201C && r <= 0x201F:
		return "\"", true
	}
	return "", false
}

// controlChar is ftfy's CONTROL_CHARS: control characters nobody means,
// removed.
func controlChar(r rune) (string, bool) {
	switch {
	case r <= 0x08, r == 0x0B, r >= 0x0E && r <= 0x1F, r == 0x7F,
		r >= 0x206A && r <= 0x206F, r == 0xFEFF, r >= 0xFFF9 && r <= 0xFFFC:
		return "", true
	}
	return "", false
}

func fixLineBreaks(s string) string {
	if !strings.ContainsAny(s, "\r\u2028\u2029\u0085") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.NewReplacer("\r", "\n", "\u2028", "\n", "\u2029", "\n", "\u0085", "\n").Replace(s)
}

// removeTerminalEscapes strips ANSI escapes: ESC '[' (\d|;)* [a-zA-Z], where
// \d is any Unicode decimal digit as in Python's re.
func removeTerminalEscapes(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if n := ansiLen(s[i:]); n > 0 {
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func ansiLen(s string) int {
	if !strings.HasPrefix(s, "\x1b[") {
		return 0
	}
	for j, r := range s[2:] {
		if r == ';' || unicode.IsDigit(r) {
			continue
		}
		if r < 0x80 && unicode.IsLetter(r) {
			return 2 + j + 1
		}
		return 0
	}
	return 0
}
