package tokenizer

import (
	"encoding/json"
	"os"
	"testing"
)

func TestZZDump(t *testing.T) {
	in, out, which := os.Getenv("FUZZ_IN"), os.Getenv("FUZZ_OUT"), os.Getenv("FUZZ_WHICH")
	if in == "" {
		t.Skip()
	}
	b, _ := os.ReadFile(in)
	var prompts []string
	json.Unmarshal(b, &prompts)
	res := make([][]int, len(prompts))
	c, _ := NewCLIP()
	t5, _ := NewT5()
	for i, p := range prompts {
		switch which {
		case "t5":
			res[i] = t5.Tokens(p)
		case "clip":
			res[i] = c.Tokens(p)
		case "clipnofix":
			res[i] = clipNoFix(c, p)
		}
		if res[i] == nil {
			res[i] = []int{}
		}
	}
	ob, _ := json.Marshal(res)
	os.WriteFile(out, ob, 0o644)
}

func clipNoFix(c *CLIP, text string) []int {
	var ids []int
	for _, piece := range splitSpecial(text, []string{clipBOSText, clipEOSText}) {
		switch piece {
		case clipBOSText:
			ids = append(ids, c.bos)
			continue
		case clipEOSText:
			ids = append(ids, c.eos)
			continue
		}
		for _, tok := range clipPreTokenize(pyLower(whitespaceClean(piece))) {
			ids = c.appendToken(ids, tok)
		}
	}
	return ids
}
