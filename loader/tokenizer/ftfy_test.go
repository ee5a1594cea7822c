package tokenizer

import "testing"

// Expected outputs are ftfy's own documented examples (README, docstrings)
// plus text that must pass through untouched.
func TestFixText(t *testing.T) {
	tests := []struct{ in, want string }{
		// HTML entities (ftfy's unescape_html docstring)
		{"&lt;tag&gt;", "<tag>"},
		{"&Jscr;ohn &HilbertSpace;ancock", "𝒥ohn ℋancock"},
		{"&checkmark;", "✓"},
		{"P&eacute;rez", "Pérez"},
		{"P&EACUTE;REZ", "PÉREZ"},
		{"BUNDESSTRA&SZLIG;E", "BUNDESSTRASSE"},
		{"&ntilde; &Ntilde; &NTILDE; &nTILDE;", "ñ Ñ Ñ &nTILDE;"},
		{"fish &amp; chips", "fish & chips"},
		{"&amp;amp;", "&"}, // fixed until nothing changes
		{"&#39;quoted&#x27;", "'quoted'"},
		{"&#59;", "&#59;"}, // a ';' result keeps the reference
		{"&#1;x", "x"},     // invalid code point: removed
		{"this&not that", "this&not that"},
		{"a <b> &amp; c", "a <b> &amp; c"}, // a literal '<' turns unescaping off
		{"&amp;\n<\n&amp;", "&\n<\n&amp;"}, // ... for this line and the rest
		// quotes, ligatures, width, controls, line breaks
		{"\u201chere\u2019s a test\u201d", "\"here's a test\""},
		{"ﬂuﬃeﬆ", "fluffiest"},
		{"ＬＯＵＤ　ＮＯＩＳＥＳ", "LOUD NOISES"},
		{"Ｕﾀｰﾝ", "Uターン"},
		{"\x1b[36;44mI'm blue\x1b[0m", "I'm blue"},
		{"a\x00b\x0bc\x1cd\ufeffe", "abcde"},
		{"a\r\nb\u2028c", "a\nb\nc"},
		{"e\u0301", "é"}, // NFC
		// mojibake (ftfy README and docstrings)
		{"schÃ¶n", "schön"},
		{"sÃ³", "só"},
		{"voilÃ le travail", "voilà le travail"},
		{"&macr;\\_(ã\u0083\u0084)_/&macr;", "¯\\_(ツ)_/¯"},
		{"Broken text&hellip; it&#x2019;s ﬂubberiﬁc!", "Broken text… it's flubberific!"},
		{"&ATILDE;&SUP3;", "ó"},
		{"âœ” No problems", "✔ No problems"},
		{"The Mona Lisa doesnÃƒÂ¢Ã¢â€šÂ¬Ã¢â€žÂ¢t have eyebrows.", "The Mona Lisa doesn't have eyebrows."},
		{"l’humanitÃ©", "l'humanité"},
		{"Ãºnico", "único"},
		{"(à¸‡'âŒ£')à¸‡", "(ง'⌣')ง"},
		{"¯\\_(ã\u0083\u0084)_/¯", "¯\\_(ツ)_/¯"},
		{"This text was never UTF-8 at all\u0085", "This text was never UTF-8 at all…"},
		// legitimate text stays as it is
		{"the café’s crème brûlée — 50% off… only €5", "the café's crème brûlée — 50% off… only €5"},
		{"Ångström, naïve façade, São Paulo, Zürich, Łódź, Ærøskøbing", "Ångström, naïve façade, São Paulo, Zürich, Łódź, Ærøskøbing"},
		{"Красивый закат над морем", "Красивый закат над морем"},
		{"Greek: αβγ δέλτα", "Greek: αβγ δέλτα"},
		{"½ cup at 25°C ±5, ¿Qué? ¡Hola! © 2024", "½ cup at 25°C ±5, ¿Qué? ¡Hola! © 2024"},
		{"family 👨\u200d👩\u200d👧, flag 🇯🇵, heart ❤️", "family 👨\u200d👩\u200d👧, flag 🇯🇵, heart ❤️"},
	}
	for _, tt := range tests {
		if got := fixText(tt.in); got != tt.want {
			t.Errorf("fixText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
