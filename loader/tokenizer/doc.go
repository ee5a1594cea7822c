// Package tokenizer owns the two FLUX.1 text tokenizers: CLIP-L (byte-level
// BPE behind an ftfy-style text cleanup, as the slow CLIPTokenizer does it) and
// T5 v1.1 (SentencePiece Unigram behind the nmt_nfkc precompiled charsmap, as
// T5TokenizerFast does it). Both return exactly the padded id sequences that
// diffusers' FluxPipeline feeds the encoders.
//
// The tokenizer files are the same for every FLUX checkpoint, so copies are
// embedded (see data/NOTICE for their provenance and licences); a checkpoint's
// own tokenizer/ and tokenizer_2/ files are preferred when present.
package tokenizer
