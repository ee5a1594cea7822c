package tokenizer

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// singleByteCharset is one of ftfy's single-byte encodings (see
// charsets_gen.go).
type singleByteCharset struct {
	name   string
	sloppy bool // unassigned bytes decode as Latin-1; byte 0x1A stands for U+FFFD
	high   [128]rune
}

// encode maps text to bytes in the charset; ok is false when some character
// has no byte (ftfy's possible_encoding is false).
func (cs *singleByteCharset) encode(text string) (out []byte, ok bool) {
	out = make([]byte, 0, len(text))
	for _, r := range text {
		switch {
		case r < 0x80 && (r != 0x1A || !cs.sloppy):
			out = append(out, byte(r))
		case r == 0xFFFD && cs.sloppy:
			out = append(out, 0x1A)
		default:
			b, found := cs.byteOf(r)
			if !found {
				return nil, false
			}
			out = append(out, b)
		}
	}
	return out, true
}

func (cs *singleByteCharset) byteOf(r rune) (byte, bool) {
	for i, c := range cs.high {
		if c == r {
			return byte(0x80 + i), true
		}
	}
	return 0, false
}

// fixEncoding is ftfy's fix_encoding: while the text looks like mojibake
// (isBad), undo one layer of it.
func fixEncoding(text string) string {
	for {
		fixed := fixEncodingStep(text)
		if fixed == text {
			return text
		}
		text = fixed
	}
}

// fixEncodingStep is ftfy's _fix_encoding_one_step_and_explain.
func fixEncodingStep(text string) string {
	if text == "" || isASCII(text) || !isBad(text) {
		return text
	}
	latin1 := false
	for i := range singleByteCharsets {
		cs := &singleByteCharsets[i]
		enc, ok := cs.encode(text)
		if !ok {
			continue
		}
		if cs.name == "latin-1" {
			latin1 = true
		}
		if cs.name != "macroman" && alteredUTF8(enc) {
			enc = restoreByteA0(enc)
		}
		if cs.sloppy {
			enc = replaceLossySequences(enc)
		}
		var fixed string
		if bytes.IndexByte(enc, 0xED) >= 0 || bytes.IndexByte(enc, 0xC0) >= 0 {
			fixed, ok = decodeUTF8Variants(enc)
		} else {
			fixed, ok = string(enc), utf8.Valid(enc)
		}
		if ok {
			return fixed
		}
	}
	if utf8DetectorFind(text, 0) >= 0 {
		if fixed := decodeInconsistentUTF8(text); fixed != text {
			return fixed
		}
	}
	// ftfy checks for "windows-1252" among the sloppy names it collected, so
	// this branch always tries strict Windows-1252 on Latin-1 text.
	if latin1 {
		if fixed, ok := latin1AsStrict1252(text); ok && fixed != text {
			return fixed
		}
	}
	if strings.IndexFunc(text, func(r rune) bool { return r >= 0x80 && r <= 0x9F }) >= 0 {
		return fixC1Controls(text)
	}
	return text
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// latin1AsStrict1252 is text.encode("latin-1").decode("windows-1252") with
// Python's strict codec, which rejects the five unassigned bytes.
func latin1AsStrict1252(text string) (string, bool) {
	var b strings.Builder
	for _, r := range text {
		switch {
		case r == 0x81 || r == 0x8D || r == 0x8F || r == 0x90 || r == 0x9D:
			return "", false
		case r >= 0x80 && r <= 0x9F:
			b.WriteRune(cp1252[r-0x80])
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), true
}

// decodeUTF8Variants is ftfy's "utf-8-variants" codec: UTF-8 that also
// accepts CESU-8 surrogate pairs and Java's C0 80 for U+0000. Anything else
// invalid fails, as Python's strict decoder does.
func decodeUTF8Variants(b []byte) (string, bool) {
	var out strings.Builder
	for i := 0; i < len(b); {
		if i+1 < len(b) && b[i] == 0xC0 && b[i+1] == 0x80 {
			out.WriteByte(0)
			i += 2
			continue
		}
		if i+5 < len(b) && b[i] == 0xED && b[i+1] >= 0xA0 && b[i+1] <= 0xAF && isCont(b[i+2]) &&
			b[i+3] == 0xED && b[i+4] >= 0xB0 && b[i+4] <= 0xBF && isCont(b[i+5]) {
			hi := 0xD000 | rune(b[i+1]&0x3F)<<6 | rune(b[i+2]&0x3F)
			lo := 0xD000 | rune(b[i+4]&0x3F)<<6 | rune(b[i+5]&0x3F)
			out.WriteRune(0x10000 + (hi-0xD800)<<10 + (lo - 0xDC00))
			i += 6
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return "", false
		}
		out.WriteRune(r)
		i += n
	}
	return out.String(), true
}

func isCont(c byte) bool { return c >= 0x80 && c <= 0xBF }

// decodeInconsistentUTF8 fixes runs that look like UTF-8 mojibake inside
// otherwise fine text, each on its own (ftfy's decode_inconsistent_utf8).
func decodeInconsistentUTF8(text string) string {
	n := utf8.RuneCountInString(text)
	var b strings.Builder
	last := 0
	for pos := 0; pos < len(text); {
		start := utf8DetectorFind(text, pos)
		if start < 0 {
			break
		}
		end := start + utf8DetectorLen(text[start:])
		sub := text[start:end]
		b.WriteString(text[last:start])
		if utf8.RuneCountInString(sub) < n && isBad(sub) {
			b.WriteString(fixEncoding(sub))
		} else {
			b.WriteString(sub)
		}
		last, pos = end, end
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}
