package tokenizer

import (
	"bytes"
	"unicode/utf8"
)

// runeSet builds a membership set from single runes and [lo, hi] pairs given
// as negative-terminated ranges: set(r1, r2, ...) with ranges added by span.
type runeSet map[rune]bool

func newRuneSet(rs []rune, spans ...[2]rune) runeSet {
	s := runeSet{}
	for _, r := range rs {
		s[r] = true
	}
	for _, sp := range spans {
		for r := sp[0]; r <= sp[1]; r++ {
			s[r] = true
		}
	}
	return s
}

// ftfy's UTF8_CLUES (chardata.py): characters that single-byte encodings
// produce from UTF-8 lead bytes (2-, 3- and 4-byte sequences) and from
// continuation bytes.
var (
	utf8FirstOf2 = newRuneSet([]rune{
		0x102, 0xC2, 0xC4, 0x100, 0xC5, 0xC3, 0xC6, 0x106, 0x10C, 0xC7, 0x10E, 0x110, 0xC9, 0x11A, 0xCA, 0xCB,
		0x116, 0xC8, 0x112, 0x118, 0xD0, 0x11E, 0x122, 0xCD, 0xCE, 0xCF, 0x130, 0xCC, 0x12A, 0x136, 0x139,
		0x13B, 0x141, 0x143, 0x147, 0x145, 0xD1, 0xD3, 0xD4, 0xD6, 0x150, 0xD2, 0x14C, 0xD8, 0xD5, 0x158,
		0x15A, 0x160, 0x15E, 0x162, 0xDE, 0xDA, 0xDB, 0xDC, 0x170, 0xD9, 0x16A, 0x172, 0x16E, 0xDD, 0x179,
		0x17D, 0x17B, 0xDF, 0xD7,
	}, [2]rune{0x392, 0x3A1}, [2]rune{0x3A3, 0x3AF}, [2]rune{0x412, 0x42F})
	utf8FirstOf3 = newRuneSet([]rune{
		0xE1, 0x103, 0xE2, 0xE4, 0xE0, 0x101, 0x105, 0xE5, 0xE3, 0xE6, 0x107, 0x10D, 0xE7, 0x10F, 0xE9, 0x11B,
		0xEA, 0xEB, 0x117, 0xE8, 0x113, 0x119, 0x123, 0xED, 0xEE, 0xEF, 0xEC, 0x12B, 0x12F, 0x137, 0x13A,
		0x13C, 0x155, 0x17A, 0x3B0,
	}, [2]rune{0x3B1, 0x3BF}, [2]rune{0x430, 0x43F})
	utf8FirstOf4 = newRuneSet([]rune{0x111, 0xF0, 0x11F, 0xF3, 0x161, 0x3C0, 0x3C3, 0x440, 0x443})
	// continuation characters that do not usually stand for themselves next
	// to mojibake (no spaces, dashes, bullet, quotes or ellipsis)
	utf8ContStrictList = []rune{
		0x104, 0xC6, 0x13D, 0x141, 0xD8, 0x156, 0x15A, 0x160, 0x15E, 0x164, 0x178, 0x179, 0x17D, 0x17B, 0x152,
		0x105, 0xE6, 0x192, 0x13E, 0x142, 0xF8, 0x157, 0x15B, 0x161, 0x15F, 0x165, 0x17A, 0x17E, 0x17C, 0x153,
		0x2C6, 0x2C7, 0x2D8, 0x2DB, 0x2DC, 0x2DD, 0x384, 0x385, 0x386, 0x388, 0x389, 0x38A, 0x38C, 0x38E,
		0x38F, 0x401, 0x402, 0x403, 0x404, 0x405, 0x406, 0x407, 0x408, 0x409, 0x40A, 0x40B, 0x40C, 0x40E,
		0x40F, 0x451, 0x452, 0x453, 0x454, 0x455, 0x456, 0x457, 0x458, 0x459, 0x45A, 0x45B, 0x45C, 0x45E,
		0x45F, 0x490, 0x491, 0x2020, 0x2021, 0x2030, 0x2039, 0x203A, 0x20AC, 0x2116, 0x2122,
	}
	utf8ContStrict = newRuneSet(utf8ContStrictList, [2]rune{0x80, 0xBF})
	utf8Cont       = newRuneSet(append([]rune{' ', 0x2013, 0x2014, 0x2015, 0x2018, 0x2019, 0x201A, 0x201C,
		0x201D, 0x201E, 0x2022, 0x2026}, utf8ContStrictList...), [2]rune{0x80, 0xBF})
)

// utf8DetectorFind returns the byte offset of the next match of ftfy's
// UTF8_DETECTOR_RE at or after from, or -1:
//
//	(?<![strict])([first2][cont]|[first3][cont]{2}|[first4][cont]{3})+
func utf8DetectorFind(s string, from int) int {
	for i := from; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		if utf8DetectorLen(s[i:]) > 0 {
			prev, _ := utf8.DecodeLastRuneInString(s[:i])
			if i == 0 || !utf8ContStrict[prev] {
				return i
			}
		}
		i += n
	}
	return -1
}

// utf8DetectorLen is the byte length of the greedy repetition at the start
// of s (0 if none); each repetition takes the first alternative that fits.
func utf8DetectorLen(s string) int {
	total := 0
	for {
		n := utf8DetectorOne(s[total:])
		if n == 0 {
			return total
		}
		total += n
	}
}

func utf8DetectorOne(s string) int {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return 0
	}
	for _, alt := range [...]struct {
		first runeSet
		conts int
	}{{utf8FirstOf2, 1}, {utf8FirstOf3, 2}, {utf8FirstOf4, 3}} {
		if !alt.first[r] {
			continue
		}
		j, ok := n, true
		for k := 0; k < alt.conts; k++ {
			c, m := utf8.DecodeRuneInString(s[j:])
			if m == 0 || !utf8Cont[c] {
				ok = false
				break
			}
			j += m
		}
		if ok {
			return j
		}
	}
	return 0
}

func inRange(c, lo, hi byte) bool { return c >= lo && c <= hi }

// contNoA0 is [\x80-\x84\x86-\x9f\xa1-\xbf].
func contNoA0(c byte) bool { return isCont(c) && c != 0x85 && c != 0xA0 }

// alteredLen is the length of a match of ftfy's ALTERED_UTF8_RE at b[0:]:
// UTF-8 sequences whose 0xA0 byte was turned into a space.
func alteredLen(b []byte) int {
	at := func(i int) byte {
		if i < len(b) {
			return b[i]
		}
		return 0
	}
	c0, c1, c2, c3 := at(0), at(1), at(2), at(3)
	switch {
	case bytes.IndexByte([]byte{0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9}, c0) >= 0 && c1 == ' ' && len(b) > 1:
		return 2
	case (c0 == 0xE2 || c0 == 0xE3) && c1 == ' ' && contNoA0(c2):
		return 3
	case inRange(c0, 0xE0, 0xE3) && contNoA0(c1) && c2 == ' ' && len(b) > 2:
		return 3
	case c0 == 0xF0 && c1 == ' ' && isCont(c2) && isCont(c3):
		return 4
	case c0 == 0xF0 && isCont(c1) && c2 == ' ' && isCont(c3):
		return 4
	case c0 == 0xF0 && isCont(c1) && isCont(c2) && c3 == ' ' && len(b) > 3:
		return 4
	}
	return 0
}

func alteredUTF8(b []byte) bool {
	for i := range b {
		if alteredLen(b[i:]) > 0 {
			return true
		}
	}
	return false
}

// restoreByteA0 is ftfy's restore_byte_a0: a lone "\xc3 " (not before
// " ", "quele", "quela", "quilo" or "s ") becomes "\xc3\xa0 ", then the
// spaces inside ALTERED_UTF8_RE matches become 0xA0.
func restoreByteA0(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == 0xC3 && i+1 < len(b) && b[i+1] == ' ' && !aGraveException(b[i+2:]) {
			out = append(out, 0xC3, 0xA0, ' ')
			i++
			continue
		}
		out = append(out, b[i])
	}
	res := out[:0:0]
	for i := 0; i < len(out); {
		if n := alteredLen(out[i:]); n > 0 {
			for _, c := range out[i : i+n] {
				if c == ' ' {
					c = 0xA0
				}
				res = append(res, c)
			}
			i += n
			continue
		}
		res = append(res, out[i])
		i++
	}
	return res
}

func aGraveException(rest []byte) bool {
	for _, w := range []string{" ", "quele", "quela", "quilo", "s "} {
		if bytes.HasPrefix(rest, []byte(w)) {
			return true
		}
	}
	return false
}

// replaceLossySequences is ftfy's replace_lossy_sequences: UTF-8 sequences
// with a lost byte (0x1A from a sloppy codec, sometimes '?') become U+FFFD.
func replaceLossySequences(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		if n := lossyLen(b[i:]); n > 0 {
			out = append(out, "\uFFFD"...)
			i += n
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// lossyLen matches LOSSY_UTF8_RE's alternatives in order at b[0:].
func lossyLen(b []byte) int {
	at := func(i int) int {
		if i < len(b) {
			return int(b[i])
		}
		return -1
	}
	sub := func(c int) bool { return c == 0x1A }
	subQ := func(c int) bool { return c == 0x1A || c == '?' }
	contSub := func(c int) bool { return c == 0x1A || (c >= 0x80 && c <= 0xBF) }
	contSubQ := func(c int) bool { return contSub(c) || c == '?' }
	in := func(c, lo, hi int) bool { return c >= lo && c <= hi }
	c := [6]int{at(0), at(1), at(2), at(3), at(4), at(5)}
	switch {
	case in(c[0], 0xC2, 0xDF) && sub(c[1]):
		return 2
	case in(c[0], 0xC2, 0xC3) && c[1] == '?':
		return 2
	case c[0] == 0xED && in(c[1], 0xA0, 0xAF) && subQ(c[2]) && c[3] == 0xED && in(c[4], 0xB0, 0xBF) && contSubQ(c[5]):
		return 6
	case c[0] == 0xED && in(c[1], 0xA0, 0xAF) && contSubQ(c[2]) && c[3] == 0xED && in(c[4], 0xB0, 0xBF) && subQ(c[5]):
		return 6
	case in(c[0], 0xE0, 0xEF) && subQ(c[1]) && contSub(c[2]):
		return 3
	case in(c[0], 0xE0, 0xEF) && contSub(c[1]) && subQ(c[2]):
		return 3
	case in(c[0], 0xF0, 0xF4) && subQ(c[1]) && contSub(c[2]) && contSub(c[3]):
		return 4
	case in(c[0], 0xF0, 0xF4) && contSub(c[1]) && subQ(c[2]) && contSub(c[3]):
		return 4
	case in(c[0], 0xF0, 0xF4) && contSub(c[1]) && contSub(c[2]) && subQ(c[3]):
		return 4
	case sub(c[0]):
		return 1
	}
	return 0
}
