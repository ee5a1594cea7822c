package tokenizer

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ftfy's MOJIBAKE_CATEGORIES (badness.py): the few hundred characters that
// show up in UTF-8 mojibake, as regexp class bodies.
var mojibakeClass = map[string]string{
	"common":            cls(0xA0, 0xAD, 0xB7, 0xB4, 0x2013, 0x2014, 0x2015, 0x2026, 0x2019),
	"c1":                `\x{80}-\x{9F}`,
	"bad":               cls(0xA6, 0xA4, 0xA8, 0xAC, 0xAF, 0xB8, 0x192, 0x2C6, 0x2C7, 0x2D8, 0x2DB, 0x2DC, 0x2020, 0x2021, 0x2030, 0x2310, 0x25CA, 0xFFFD, 0xAA, 0xBA),
	"law":               cls(0xB6, 0xA7),
	"currency":          cls(0xA2, 0xA3, 0xA5, 0x20A7, 0x20AC),
	"start_punctuation": cls(0xA1, 0xAB, 0xBF, 0xA9, 0x384, 0x385, 0x2018, 0x201A, 0x201C, 0x201E, 0x2022, 0x2039, 0xF8FF),
	"end_punctuation":   cls(0xAE, 0xBB, 0x2DD, 0x201D, 0x203A, 0x2122),
	"numeric": cls(0xB2, 0xB3, 0xB9, 0xB1, 0xBC, 0xBD, 0xBE, 0xD7, 0xB5, 0xF7, 0x2044, 0x2202, 0x2206, 0x220F,
		0x2211, 0x221A, 0x221E, 0x2229, 0x222B, 0x2248, 0x2260, 0x2261, 0x2264, 0x2265, 0x2116),
	"kaomoji": `\x{D2}-\x{D6}\x{D9}-\x{DC}\x{F2}-\x{F6}\x{F8}-\x{FC}` + cls(0x150, 0x14C, 0x16A, 0x172, 0xB0),
	"upper_accented": `\x{C0}-\x{D1}` + cls(0xD8, 0xDC, 0xDD, 0x102, 0x100, 0x104, 0x106, 0x10C, 0x10E, 0x110, 0x118,
		0x11A, 0x112, 0x116, 0x11E, 0x122, 0x130, 0x12A, 0x136, 0x139, 0x13D, 0x141, 0x13B, 0x143, 0x147, 0x145,
		0x152, 0x158, 0x15A, 0x15E, 0x160, 0x162, 0x164, 0x16E, 0x170, 0x178, 0x179, 0x17B, 0x17D, 0x490),
	"lower_accented": cls(0xDF) + `\x{E0}-\x{F1}` + cls(0x103, 0x105, 0x101, 0x107, 0x10D, 0x10F, 0x111, 0x119,
		0x11B, 0x113, 0x117, 0x11F, 0x123, 0x12F, 0x12B, 0x137, 0x13A, 0x13E, 0x142, 0x13C, 0x153, 0x155, 0x15B,
		0x15F, 0x161, 0x165, 0xFC, 0x17A, 0x17C, 0x17E, 0x491, 0xFB01, 0xFB02),
	"upper_common": cls(0xDE) + `\x{391}-\x{3A9}` + cls(0x386, 0x388, 0x389, 0x38A, 0x38C, 0x38E, 0x38F, 0x3AA, 0x3AB) +
		`\x{401}-\x{42F}`,
	"lower_common": `\x{3B1}-\x{3C9}` + cls(0x3AC, 0x3AD, 0x3AE, 0x3AF, 0x3B0) + `\x{430}-\x{45F}`,
	"box": cls(0x2502, 0x250C, 0x2510, 0x2518, 0x251C, 0x2524, 0x252C, 0x253C) + `\x{2550}-\x{256C}` +
		cls(0x2580, 0x2584, 0x2588, 0x258C, 0x2590, 0x2591, 0x2592, 0x2593),
}

// cls writes code points as a regexp class body.
func cls(rs ...rune) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, `\x{%X}`, r)
	}
	return b.String()
}

// Python's \w and \s for str patterns, spelled for Go's regexp.
const (
	pyWord  = `[\p{L}\p{N}_]`
	pySpace = `[\t-\r\x{1C}-\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]`
)

// badnessRE is ftfy's BADNESS_RE: unlikely juxtapositions of the characters
// above. A match means the text probably contains mojibake.
var badnessRE = regexp.MustCompile(expandBadness(strings.Join([]string{
	`[{c1}]`,
	`[{bad}{lower_accented}{upper_accented}{box}{start_punctuation}{end_punctuation}{currency}{numeric}{law}][{bad}]`,
	`[a-zA-Z][{lower_common}{upper_common}][{bad}]`,
	`[{bad}][{lower_accented}{upper_accented}{box}{start_punctuation}{end_punctuation}{currency}{numeric}{law}]`,
	`[{lower_accented}{lower_common}{box}{end_punctuation}{currency}{numeric}][{upper_accented}]`,
	`[{box}{end_punctuation}{currency}{numeric}][{lower_accented}]`,
	`[{lower_accented}{box}{end_punctuation}][{currency}]`,
	`\s[{upper_accented}][{currency}]`,
	`[{upper_accented}{box}][{numeric}{law}]`,
	`[{lower_accented}{upper_accented}{box}{currency}{end_punctuation}][{start_punctuation}][{numeric}]`,
	`[{lower_accented}{upper_accented}{currency}{numeric}{box}{law}][{end_punctuation}][{start_punctuation}]`,
	`[{currency}{numeric}{box}][{start_punctuation}]`,
	`[a-z][{upper_accented}][{start_punctuation}{currency}]`,
	`[{box}][{kaomoji}]`,
	`[{lower_accented}{upper_accented}{currency}{numeric}{start_punctuation}{end_punctuation}{law}][{box}]`,
	`[{box}][{end_punctuation}]`,
	`[{lower_accented}{upper_accented}][{start_punctuation}{end_punctuation}]\w`,
	`[Œœ][^A-Za-z]`,
	`[{upper_accented}]°`,
	`[ÂÃÎÐ][€œŠš¢£Ÿž\x{A0}\x{AD}®©°·»{start_punctuation}{end_punctuation}–—´]`,
	`×[²³]`,
	`[ØÙ][{common}{currency}{bad}{numeric}{start_punctuation}ŸŠ®°µ»][ØÙ][{common}{currency}{bad}{numeric}{start_punctuation}ŸŠ®°µ»]`,
	`à[²µ¹¼½¾]`,
	`√[±∂†≠®™´≤≥¥µø]`,
	`≈[°¢]`,
	`‚Ä[ìîïòôúùû†°¢π]`,
	`‚[âó][àä°ê]`,
	`вЂ`,
	`[ВГРС][{c1}{bad}{start_punctuation}{end_punctuation}{currency}°µ][ВГРС]`,
	`ГўВЂВ.[A-Za-z ]`,
	`Ã[\x{A0}¡]`,
	`[a-z]\s?[ÃÂ][ ]`,
	`[a-z.,?!{end_punctuation}]Â[ {start_punctuation}{end_punctuation}]`,
	`β€[™\x{A0}Ά\x{AD}®°]`,
	`[ΒΓΞΟ][{c1}{bad}{start_punctuation}{end_punctuation}{currency}°][ΒΓΞΟ]`,
	`ā€`,
}, "|")))

func expandBadness(re string) string {
	for name, body := range mojibakeClass {
		re = strings.ReplaceAll(re, "{"+name+"}", body)
	}
	re = strings.ReplaceAll(re, `\w`, pyWord)
	return strings.ReplaceAll(re, `\s`, pySpace)
}

// badnessTrigger matches any character of the categories above. Every
// alternative of BADNESS_RE contains one, within a match at most 7
// characters long, so isBad only runs the big expression on short windows
// around them (a full scan of a long prompt costs milliseconds).
var badnessTrigger = regexp.MustCompile(func() string {
	var b strings.Builder
	b.WriteString("[")
	for _, body := range mojibakeClass {
		b.WriteString(body)
	}
	b.WriteString("]")
	return b.String()
}())

// isBad is ftfy's is_bad: does the text look like it contains mojibake?
func isBad(text string) bool {
	// BADNESS_RE's only anchored alternative, ^[ÃÂ][ ], checked here so that
	// windows never see a false start of text.
	if strings.HasPrefix(text, "Ã ") || strings.HasPrefix(text, "Â ") {
		return true
	}
	segStart, segEnd := -1, -1
	for _, loc := range badnessTrigger.FindAllStringIndex(text, -1) {
		ws, we := backRunes(text, loc[0], 6), forwardRunes(text, loc[0], 8)
		if segEnd >= 0 && ws <= segEnd {
			segEnd = max(segEnd, we)
			continue
		}
		if segEnd >= 0 && badnessRE.MatchString(text[segStart:segEnd]) {
			return true
		}
		segStart, segEnd = ws, we
	}
	return segEnd >= 0 && badnessRE.MatchString(text[segStart:segEnd])
}

// backRunes steps n runes back from byte offset i.
func backRunes(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

// forwardRunes steps n runes forward from byte offset i.
func forwardRunes(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}
