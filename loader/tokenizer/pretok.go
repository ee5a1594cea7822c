package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// pyIsSpace is Python's str.isspace(), which is what `\s` means in
// CLIP's whitespace_clean (re.sub(r"\s+", " ", text)). It includes the
// information separators U+001C..U+001F, which unicode.IsSpace does not.
func pyIsSpace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0D, r >= 0x1C && r <= 0x20, r == 0x85, r == 0xA0,
		r == 0x1680, r >= 0x2000 && r <= 0x200A, r == 0x2028, r == 0x2029,
		r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// whitespaceClean collapses every run of whitespace to one space and strips
// both ends.
func whitespaceClean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if pyIsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// patternSkips reports the characters that no alternative of CLIP's pattern
// matches, so findall steps over them: the regex module's \s, and U+0345
// (combining ypogegrammeni), which under IGNORECASE counts as a case variant
// of a letter for the negated class but does not match [\p{L}] itself.
// Checked against the regex module (2022.10.31) for every code point.
func patternSkips(r rune) bool {
	if r >= 0x1C && r <= 0x1F { // Python's isspace, but not the pattern's \s
		return false
	}
	return r == 0x345 || pyIsSpace(r)
}

// clipContractions are the pattern's contraction alternatives, in order.
var clipContractions = []string{"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"}

// clipPreTokenize is findall of CLIP's pattern (compiled case-insensitive)
//
//	<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
//
// on cleaned, lowercased text: at each position the first alternative that
// matches wins; positions where none matches (whitespace) are skipped.
func clipPreTokenize(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if n := matchLiteral(s[i:]); n > 0 {
			out = append(out, s[i:i+n])
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsLetter(r):
			j := i + size
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r2) {
					break
				}
				j += n
			}
			out = append(out, s[i:j])
			i = j
		case unicode.IsNumber(r):
			out = append(out, s[i:i+size])
			i += size
		case patternSkips(r):
			i += size
		default:
			j := i + size
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if unicode.IsLetter(r2) || unicode.IsNumber(r2) || patternSkips(r2) {
					break
				}
				j += n
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out
}

// matchLiteral returns the byte length of the special-token or contraction
// alternative matching at the start of s, or 0.
func matchLiteral(s string) int {
	if len(s) == 0 || (s[0] != '<' && s[0] != '\'') {
		return 0
	}
	for _, lit := range [2]string{clipBOSText, clipEOSText} {
		if n := foldPrefix(s, lit); n > 0 {
			return n
		}
	}
	for _, lit := range clipContractions {
		if n := foldPrefix(s, lit); n > 0 {
			return n
		}
	}
	return 0
}

// foldPrefix reports the length of the prefix of s that equals lit under the
// pattern's IGNORECASE (simple case folding). The text is already lowercase,
// so the only other spellings left are U+017F (long s) for 's' and U+212A
// (Kelvin) for 'k'.
func foldPrefix(s, lit string) int {
	i := 0
	for _, want := range lit {
		if i >= len(s) {
			return 0
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != want && !(want == 's' && r == 0x17F) && !(want == 'k' && r == 0x212A) {
			return 0
		}
		i += n
	}
	return i
}
