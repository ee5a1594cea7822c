package pipeline

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ToRGB8 converts a decoded picture, NCHW with 3 channels (R, G, B) of h x w in [-1, 1], into
// 8-bit HWC RGB the way BFL's save_image does (minus its watermark), in float32: clamp to
// [-1, 1], then uint8(trunc(127.5 * (x + 1))). Truncation, not rounding. NaN becomes 0.
// img must hold 3*h*w values.
func ToRGB8(img []float32, h, w int) []byte {
	plane := h * w
	out := make([]byte, 3*plane)
	for c := 0; c < 3; c++ {
		for i, x := range img[c*plane : (c+1)*plane] {
			out[3*i+c] = toU8(x)
		}
	}
	return out
}

func toU8(x float32) byte {
	if x != x {
		return 0
	}
	x = min(max(x, -1), 1)
	v := float32(127.5 * float32(x+1))
	return byte(min(max(v, 0), 255)) // conversion truncates toward zero
}

// ParamsInfo describes a generation for the "parameters" text chunk of the PNG.
type ParamsInfo struct {
	Prompt         string
	NegativePrompt string // omitted when empty
	Steps          int
	Sampler        string // "Euler" when empty
	Seed           uint64
	Width, Height  int
	Model          string  // e.g. "flux1-schnell"; omitted when empty
	Guidance       float64 // distilled guidance (dev); omitted when 0
	CFGScale       float64 // true classifier-free guidance scale; omitted unless > 1
	Extra          [][2]string
}

// Parameters renders p in the A1111 "parameters" format that ComfyUI, A1111 and most image
// viewers understand: the prompt, an optional "Negative prompt: ..." line, then one line of
// "Key: value" pairs. Values holding ',', ':' or a newline are JSON-quoted, as A1111 does.
func Parameters(p ParamsInfo) string {
	var b strings.Builder
	b.WriteString(p.Prompt)
	if p.NegativePrompt != "" {
		b.WriteString("\nNegative prompt: " + p.NegativePrompt)
	}
	sampler := p.Sampler
	if sampler == "" {
		sampler = "Euler"
	}
	kv := [][2]string{
		{"Steps", strconv.Itoa(p.Steps)},
		{"Sampler", sampler},
	}
	if p.CFGScale > 1 {
		kv = append(kv, [2]string{"CFG scale", formatFloat(p.CFGScale)})
	}
	kv = append(kv, [2]string{"Seed", strconv.FormatUint(p.Seed, 10)},
		[2]string{"Size", fmt.Sprintf("%dx%d", p.Width, p.Height)})
	if p.Model != "" {
		kv = append(kv, [2]string{"Model", p.Model})
	}
	if p.Guidance != 0 {
		kv = append(kv, [2]string{"Guidance", formatFloat(p.Guidance)})
	}
	kv = append(kv, p.Extra...)
	b.WriteString("\n")
	for i, e := range kv {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e[0] + ": " + quoteParam(e[1]))
	}
	return b.String()
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func quoteParam(s string) string {
	if !strings.ContainsAny(s, ",:\n") {
		return s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// NextFreeName returns path when nothing exists there, otherwise the first free name of the
// form base-1.ext, base-2.ext, ... (out.png -> out-1.png).
func NextFreeName(path string) string {
	if !exists(path) {
		return path
	}
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	for i := 1; ; i++ {
		p := fmt.Sprintf("%s-%d%s", stem, i, ext)
		if !exists(p) {
			return p
		}
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// WritePNG writes rgb (HWC, 8-bit, w x h) as a PNG at path with params in a "parameters" text
// chunk. The file appears atomically: it is written to a temporary file in the same directory,
// synced, and then moved into place, so a failed write leaves nothing behind. An existing file
// is only replaced when force is set.
func WritePNG(path string, rgb []byte, w, h int, params string, force bool) error {
	if w <= 0 || h <= 0 || len(rgb) != w*h*3 {
		return fmt.Errorf("write %s: %d bytes of pixels for %dx%d RGB, want %d", path, len(rgb), w,
			h, w*h*3)
	}
	if !force && exists(path) {
		return &existsError{path}
	}
	data, err := encodePNG(rgb, w, h, params)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := writeAtomic(path, data, force); err != nil {
		var ee *existsError
		if errors.As(err, &ee) {
			return err
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// existsError refuses to replace a file; errors.Is(err, fs.ErrExist) holds for it.
type existsError struct{ path string }

func (e *existsError) Error() string {
	return e.path + " already exists: pass --force to overwrite it or choose another -o"
}

func (e *existsError) Unwrap() error { return fs.ErrExist }

// encodePNG encodes an opaque RGB picture and inserts the text chunk right after IHDR (Go's
// encoder has no text-chunk API).
func encodePNG(rgb []byte, w, h int, params string) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		copy(img.Pix[4*i:4*i+3], rgb[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	enc := buf.Bytes()
	const ihdrEnd = 8 + 4 + 4 + 13 + 4 // signature, then IHDR: length, type, 13 bytes, CRC
	if len(enc) < ihdrEnd || string(enc[12:16]) != "IHDR" {
		return nil, errors.New("encode png: no IHDR chunk where expected")
	}
	var out bytes.Buffer
	out.Write(enc[:ihdrEnd])
	out.Write(textChunk("parameters", params))
	out.Write(enc[ihdrEnd:])
	return out.Bytes(), nil
}

// textChunk is a tEXt chunk when the text fits Latin-1 (what the PNG spec allows there) and an
// uncompressed iTXt chunk (UTF-8) otherwise, the choice PIL and A1111 make. NUL bytes, which
// would end the text early, are dropped.
func textChunk(keyword, text string) []byte {
	text = strings.ReplaceAll(text, "\x00", "")
	if latin1, ok := toLatin1(text); ok {
		return pngChunk("tEXt", append([]byte(keyword+"\x00"), latin1...))
	}
	// keyword, NUL, compression flag 0, method 0, empty language tag, NUL, empty translated
	// keyword, NUL, then the UTF-8 text.
	body := append([]byte(keyword+"\x00\x00\x00\x00\x00"), strings.ToValidUTF8(text, "\uFFFD")...)
	return pngChunk("iTXt", body)
}

func toLatin1(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for i, r := range s {
		if r > 0xff || (r == utf8.RuneError && isInvalidAt(s, i)) {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

func isInvalidAt(s string, i int) bool {
	r, size := utf8.DecodeRuneInString(s[i:])
	return r == utf8.RuneError && size <= 1
}

func pngChunk(typ string, data []byte) []byte {
	c := make([]byte, 8, 12+len(data))
	binary.BigEndian.PutUint32(c, uint32(len(data)))
	copy(c[4:], typ)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// writeAtomic writes data to a temporary file next to path, syncs it and moves it into place.
// Without force the final step is a hard link, which fails if path appeared in the meantime;
// file systems without hard links fall back to a checked rename.
func writeAtomic(path string, data []byte, force bool) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = place(tmp, path, force); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

func place(tmp, path string, force bool) error {
	if !force {
		err := os.Link(tmp, path)
		if err == nil {
			os.Remove(tmp) // the picture is in place; a stray temp name is harmless
			return nil
		}
		if errors.Is(err, fs.ErrExist) || exists(path) { // else: no hard links here
			return &existsError{path}
		}
	}
	return os.Rename(tmp, path)
}

// syncDir makes the rename durable; failures are ignored because the file itself is complete.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
