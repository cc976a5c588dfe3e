// Package safetext makes text that comes from files and processes (patch
// ids, symbol names from a patch ELF, paths, command lines) safe to print
// in a line of output: nothing it holds can end the line early, move the
// cursor or print raw non-UTF-8 bytes.
package safetext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Escape returns s unchanged when it is valid UTF-8 and printable, which
// keeps the lines scripts grep (`Failed to apply patch '...'`) as they
// were; otherwise every invalid byte is written as \xNN and every
// non-printable rune the way strconv.Quote writes it (\n, \x1b, \u200b).
func Escape(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(s[i])&0xf, 16))
		case strconv.IsPrint(r):
			b.WriteString(s[i : i+n])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

func clean(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !strconv.IsPrint(r) {
			return false
		}
		i += n
	}
	return true
}
