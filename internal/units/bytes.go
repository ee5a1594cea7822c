// Package units reads and writes memory sizes as people type and read them
// (6GiB, 512 MiB), for the engine's memory limit and every report.
package units

import (
	"fmt"
	"strconv"
	"strings"
)

// FormatBytes writes n as people read memory sizes: 512 B, 3.0 MiB, 6.25 GiB.
func FormatBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// ParseBytes reads a size such as "6GiB", "6G", "512 MiB", "1.5GB" or a
// plain byte count. K, M, G and T are powers of 1024 with or without "iB";
// "KB", "MB", "GB", "TB" powers of 1000.
func ParseBytes(s string) (uint64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	units := []struct {
		suffix string
		mul    float64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1}}
	mul := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mul = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mul
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || v*mul >= 1<<63 {
		return 0, fmt.Errorf("size %q: want a number of bytes with an optional unit, such as 6GiB or 512MiB", s)
	}
	return uint64(v * mul), nil
}
