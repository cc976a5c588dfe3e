package ctl

import (
	"fmt"
	"strconv"
	"strings"
)

// Size is a byte count flag: a number with an optional K, M or G suffix
// (powers of 1024; "MiB" and "MB" read the same), as in --max-size 256M.
type Size int64

var sizeUnits = []struct {
	suffix string
	shift  uint
}{{"G", 30}, {"M", 20}, {"K", 10}}

// Set parses s.
func (z *Size) Set(s string) error {
	num, shift := strings.TrimSpace(s), uint(0)
	upper := strings.ToUpper(num)
	for _, u := range sizeUnits {
		for _, suf := range []string{u.suffix + "IB", u.suffix + "B", u.suffix} {
			if strings.HasSuffix(upper, suf) {
				num, shift = num[:len(num)-len(suf)], u.shift
				break
			}
		}
		if shift != 0 {
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n <= 0 || n > (1<<62)>>shift {
		return fmt.Errorf("size %q: want a positive number of bytes, with an optional K, M or G suffix", s)
	}
	*z = Size(n << shift)
	return nil
}

// String formats z with the largest exact suffix.
func (z *Size) String() string {
	for _, u := range sizeUnits {
		if *z != 0 && int64(*z)%(1<<u.shift) == 0 {
			return strconv.FormatInt(int64(*z)>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(*z), 10)
}

// Type names the flag's value in the usage.
func (z *Size) Type() string { return "size" }
