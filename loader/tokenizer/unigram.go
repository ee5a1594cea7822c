package tokenizer

import (
	"math"
	"unicode/utf8"
)

// unigram is a SentencePiece Unigram model segmented with Viterbi exactly as
// HF tokenizers' Unigram::encode_optimized (the T5TokenizerFast reference).
//
// It is written here rather than taken from github.com/sugarme/tokenizer
// v0.3.0. That package's tokenizer.json pipeline misses 4 of the 42 public
// golden T5 cases (its normalizer mishandles runs of spaces, whitespace-only
// input and emoji sequences), and while its Unigram agreed with this one on
// 26k test words, its scoring differs from the reference: it adds 0.1 per
// byte to known pieces but not to unknown characters (tilting unknown-versus-
// piece choices) and ignores pieces longer than 20 bytes. Importing it would
// also add two modules (go-cache, gods) for about 100 lines of code here.
type unigram struct {
	pieces   []string
	scores   []float64
	ids      map[string]int32 // piece -> id; prefixes of pieces -> -1
	maxBytes int
	unkID    int
	unkScore float64
}

// unkPenalty is subtracted from the lowest piece score to score an unknown
// character, as in SentencePiece and HF tokenizers.
const unkPenalty = 10.0

func newUnigram(pieces []string, scores []float64, unkID int) *unigram {
	u := &unigram{pieces: pieces, scores: scores, ids: make(map[string]int32, 4*len(pieces)), unkID: unkID}
	minScore := math.Inf(1)
	for i, p := range pieces {
		u.ids[p] = int32(i)
		if len(p) > u.maxBytes {
			u.maxBytes = len(p)
		}
		if scores[i] < minScore {
			minScore = scores[i]
		}
	}
	// Record every proper prefix so the lattice scan can stop as soon as no
	// piece can start with the bytes seen so far (a trie walk, with a map).
	for _, p := range pieces {
		for n := 1; n < len(p); n++ {
			if _, ok := u.ids[p[:n]]; !ok {
				u.ids[p[:n]] = -1
			}
		}
	}
	u.unkScore = minScore - unkPenalty
	return u
}

type bestPath struct {
	id    int
	score float64
	start int // -1: not reached yet
}

// encode segments one pre-token and returns its ids. Consecutive unknown
// characters fuse into one piece, which then maps to unkID.
func (u *unigram) encode(s string) []int {
	if s == "" {
		return nil
	}
	best := make([]bestPath, len(s)+1)
	for i := range best {
		best[i].start = -1
	}
	for start := 0; start < len(s); {
		_, mblen := utf8.DecodeRuneInString(s[start:])
		here := best[start].score
		single := false
		for end := start + 1; end <= len(s) && end-start <= u.maxBytes; end++ {
			id, ok := u.ids[s[start:end]]
			if !ok {
				break
			}
			if id < 0 {
				continue
			}
			if cand := here + u.scores[id]; best[end].start < 0 || cand > best[end].score {
				best[end] = bestPath{id: int(id), score: cand, start: start}
			}
			if end-start == mblen {
				single = true
			}
		}
		if !single {
			end := start + mblen
			if cand := here + u.unkScore; best[end].start < 0 || cand > best[end].score {
				best[end] = bestPath{id: u.unkID, score: cand, start: start}
			}
		}
		start += mblen
	}
	return u.backtrack(s, best)
}

// backtrack walks the best path from the end, fusing runs of unknowns.
func (u *unigram) backtrack(s string, best []bestPath) []int {
	var rev []int
	unkEnd := -1 // end of the pending run of unknown pieces
	flush := func(start int) {
		if unkEnd >= 0 {
			rev = append(rev, u.lookup(s[start:unkEnd]))
			unkEnd = -1
		}
	}
	for end := len(s); end > 0; {
		node := best[end]
		if node.id == u.unkID {
			if unkEnd < 0 {
				unkEnd = end
			}
		} else {
			flush(end)
			rev = append(rev, node.id)
		}
		end = node.start
	}
	flush(0)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// lookup maps a fused unknown run to its id: the run's own piece if it
// happens to be one, else unk (what HF's token_to_ids lookup does).
func (u *unigram) lookup(piece string) int {
	if id, ok := u.ids[piece]; ok && id >= 0 {
		return int(id)
	}
	return u.unkID
}
