// Command tokenize turns captions (one a line on stdin) into the engine's
// CLIP and T5 token ids, so the training tool sees exactly the ids flux-vk
// will feed its text encoders. Output: one JSON line per caption,
// {"clip": [77 ids], "t5": [n ids], "t5_dropped": k}.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/flux-vk/flux-vk/loader/tokenizer"
)

func main() {
	n := flag.Int("t5-len", 32, "T5 sequence length (max_sequence_length)")
	flag.Parse()
	if err := run(*n); err != nil {
		fmt.Fprintln(os.Stderr, "tokenize:", err)
		os.Exit(1)
	}
}

func run(n int) error {
	clip, err := tokenizer.NewCLIP()
	if err != nil {
		return err
	}
	t5, err := tokenizer.NewT5()
	if err != nil {
		return err
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		c, _ := clip.Encode(in.Text(), 77)
		t, dropped := t5.Encode(in.Text(), n)
		if err := enc.Encode(map[string]any{"clip": c, "t5": t, "t5_dropped": dropped}); err != nil {
			return err
		}
	}
	return in.Err()
}
