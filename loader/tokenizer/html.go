package tokenizer

import (
	"html"
	"math/big"
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// cp1252 maps bytes 0x80..0x9F through "sloppy" Windows-1252: the five
// unassigned bytes stay the C1 code point with the same number.
var cp1252 = [32]rune{
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
	0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
}

// unescapeHTML is ftfy's unescape_html: every match of &#?[0-9A-Za-z]{1,24};
// is replaced when it is an HTML5 entity ending in ';', an all-caps spelling
// of a lowercase one (&NTILDE; -> Ñ), or a complete numeric reference.
// Everything else, including entities without ';', is left alone.
func unescapeHTML(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			continue
		}
		n := entityLen(s[i:])
		if n == 0 {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(unescapeEntity(s[i : i+n]))
		i += n - 1
		last = i + 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// entityLen is the length of a match of &#?[0-9A-Za-z]{1,24}; at the start of
// s, or 0.
func entityLen(s string) int {
	j := 1
	if j < len(s) && s[j] == '#' {
		j++
	}
	k := j
	for k < len(s) && isAlnum(s[k]) {
		k++
	}
	if k == j || k-j > 24 || k >= len(s) || s[k] != ';' {
		return 0
	}
	return k + 1
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

var upperCaser = cases.Upper(language.Und)

// unescapeEntity replaces one matched "&...;" as ftfy's _unescape_fixup.
func unescapeEntity(ent string) string {
	if v, ok := html5Entity(ent); ok {
		return v
	}
	name := ent[1 : len(ent)-1]
	if name[0] == '#' {
		if v, ok := numericRef(name[1:]); ok && !strings.Contains(v, ";") {
			return v
		}
		return ent
	}
	// An all-caps spelling of an all-lowercase entity, unless Python's
	// html.unescape already reads it as something else.
	lower := strings.ToLower(name)
	if lower != name && strings.ToUpper(lower) == name {
		if v, ok := html5Entity("&" + lower + ";"); ok && html.UnescapeString(ent) == ent {
			return upperCaser.String(v)
		}
	}
	return ent
}

// html5Entity looks "&name;" up in the HTML5 entity table exactly. Go's
// html.UnescapeString holds that table; it also accepts a legacy prefix
// without ';' ("&ampx;" -> "&x;"), which always leaves the ';' in its output,
// so an exact hit is a change that does not end in ';' (or is "&semi;").
func html5Entity(ent string) (string, bool) {
	if len(ent) < 3 || ent[1] == '#' {
		return "", false
	}
	u := html.UnescapeString(ent)
	if u == ent {
		return "", false
	}
	if strings.HasSuffix(u, ";") && u != ";" {
		return "", false
	}
	return u, true
}

// numericRef decodes the body of "&#...;" (decimal digits, or x/X and hex
// digits) as Python's html.unescape does; ok is false when the body is not
// entirely numeric, in which case Python leaves a ';' behind.
func numericRef(body string) (string, bool) {
	base, digits := 10, body
	if len(body) > 0 && (body[0] == 'x' || body[0] == 'X') {
		base, digits = 16, body[1:]
	}
	if digits == "" {
		return "", false
	}
	n, ok := new(big.Int).SetString(digits, base)
	if !ok || n.Sign() < 0 || strings.ContainsAny(digits, "+-_") {
		return "", false
	}
	if !n.IsInt64() || n.Int64() > 0x10FFFF {
		return "\uFFFD", true
	}
	return charRef(rune(n.Int64())), true
}

// charRef is Python's html._replace_charref for a numeric reference.
func charRef(r rune) string {
	switch {
	case r == 0:
		return "\uFFFD"
	case r == 0x0D:
		return "\r"
	case r >= 0x80 && r <= 0x9F:
		return string(cp1252[r-0x80])
	case r >= 0xD800 && r <= 0xDFFF:
		return "\uFFFD"
	case r >= 0x01 && r <= 0x08, r == 0x0B, r >= 0x0E && r <= 0x1F, r == 0x7F,
		r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE:
		return ""
	}
	return string(r)
}
