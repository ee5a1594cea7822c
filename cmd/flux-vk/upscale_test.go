package main

import (
	"bytes"
	"testing"
)

func TestUpscale(t *testing.T) {
	a, b, c, d := "\x01\x02\x03", "\x04\x05\x06", "\x07\x08\x09", "\x0a\x0b\x0c"
	for _, tc := range []struct {
		name    string
		in      string
		w, h, n int
		want    string
	}{
		{"factor 1 keeps the picture", a + b, 2, 1, 1, a + b},
		{"one pixel, 2x", a, 1, 1, 2, a + a + a + a},
		{"a row, 3x", a + b, 2, 1, 3, a + a + a + b + b + b + a + a + a + b + b + b + a + a + a + b + b + b},
		{"2x2, 2x", a + b + c + d, 2, 2, 2, a + a + b + b + a + a + b + b + c + c + d + d + c + c + d + d},
		{"a column, 2x", a + b, 1, 2, 2, a + a + a + a + b + b + b + b},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := upscale([]byte(tc.in), tc.w, tc.h, tc.n); !bytes.Equal(got, []byte(tc.want)) {
				t.Errorf("got % x\nwant % x", got, []byte(tc.want))
			}
		})
	}
}
