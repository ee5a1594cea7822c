//go:build linux || darwin || freebsd || netbsd || openbsd

package loader

import (
	"os"
	"syscall"
)

// mapFile maps the whole file read-only: checkpoints of tens of gigabytes
// are paged in on demand instead of being copied into memory.
func mapFile(f *os.File, size int64) ([]byte, func([]byte) error, error) {
	if size == 0 {
		return []byte{}, nil, nil
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, syscall.Munmap, nil
}
