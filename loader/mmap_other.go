//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package loader

import (
	"io"
	"os"
)

// mapFile reads the whole file where no mmap is wired up.
func mapFile(f *os.File, size int64) ([]byte, func([]byte) error, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, size), data); err != nil {
		return nil, nil, err
	}
	return data, nil, nil
}
