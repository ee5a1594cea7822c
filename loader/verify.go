package loader

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ExpectedSHA256 finds the sha256 Hugging Face lists for a file without
// hashing it: a FILE.sha256 sidecar (a bare digest or `sha256sum` output),
// else the blob name when the file is a Hugging Face cache snapshot link
// (the hub stores LFS files under blobs/<sha256>). source says which.
func ExpectedSHA256(path string) (digest, source string, err error) {
	if b, err := os.ReadFile(path + ".sha256"); err == nil {
		fields := strings.Fields(string(b))
		if len(fields) == 0 || !isSHA256(fields[0]) {
			return "", "", fmt.Errorf("%s.sha256: no sha256 digest in it", path)
		}
		return strings.ToLower(fields[0]), path + ".sha256", nil
	}
	if target, err := filepath.EvalSymlinks(path); err == nil && target != path {
		base := filepath.Base(target)
		if isSHA256(base) && filepath.Base(filepath.Dir(target)) == "blobs" {
			return base, "Hugging Face cache blob name", nil
		}
	}
	return "", "", nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// VerifySHA256 checks the file against a digest: expected, or when empty
// the one ExpectedSHA256 finds. It validates the header first so a
// truncated file is reported without reading the whole file. It returns
// the digest it computed.
func VerifySHA256(path, expected string) (string, error) {
	f, err := Open(path)
	if err != nil {
		return "", err
	}
	f.Close()
	source := "command line"
	if expected == "" {
		if expected, source, err = ExpectedSHA256(path); err != nil {
			return "", err
		}
		if expected == "" {
			return "", fmt.Errorf("%s: no sha256 to verify against (give one, or put it in %s.sha256)", path, filepath.Base(path))
		}
	}
	if !isSHA256(expected) {
		return "", fmt.Errorf("%q is not a sha256 digest (64 hex digits)", expected)
	}
	got, err := fileSHA256(path)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(got, expected) {
		return got, fmt.Errorf("%s: sha256 mismatch: file has %s, expected %s (from %s)", path, got, strings.ToLower(expected), source)
	}
	return got, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
