package patchmake

import (
	"strconv"
	"strings"
	"time"
)

// parseHeaderName reads the rest of a `---` or `+++` line as patch(1)'s
// fetchname does: a C-quoted name, or a name that ends at the first
// whitespace unless a tab comes later (names with inner spaces are
// separated from the date by a tab); what follows is the date, kept in
// go-diff's layout when it parses.
// An empty name is no name.
func parseHeaderName(s string) *headerName {
	s = strings.TrimLeft(s, " \t\v\f\r")
	name, rest, ok := unquoteC(s)
	if !ok {
		end := nameEnd(s)
		name, rest = s[:end], s[end:]
	}
	if name == "" {
		return nil
	}
	h := &headerName{name: name}
	if t, ok := parseDiffDate(strings.TrimSpace(rest)); ok {
		h.date = t.UTC().Format(goDiffTimeLayout)
	}
	return h
}

// goDiffTimeLayout is the header date layout go-diff parses
// (diffTimeParseLayout; it accepts the fraction).
const goDiffTimeLayout = "2006-01-02 15:04:05.000000000 -0700"

// nameEnd is where an unquoted name ends (patch(1) util.c fetchname).
func nameEnd(s string) int {
	for t := 0; t < len(s); t++ {
		if !isSpace(s[t]) {
			continue
		}
		u := t
		for u+1 < len(s) && s[u] != '\t' && isSpace(s[u+1]) {
			u++
		}
		if s[u] != '\t' && strings.IndexByte(s[u+1:], '\t') >= 0 {
			continue // an inner space: a tab separates the date
		}
		return t
	}
	return len(s)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n'
}

// unquoteC reads a C-quoted name ("a/\303\251.c", as git writes names
// with special bytes) at the start of s.
func unquoteC(s string) (name, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			name, err := strconv.Unquote(s[:i+1])
			if err != nil {
				return "", s, false
			}
			return name, s[i+1:], true
		}
	}
	return "", s, false
}

// parseGitNames reads the two names of a diff --git line as patch(1)'s
// parse_name does (quoted or up to a space); names with unquoted spaces
// are read when both are the same path behind one-letter prefixes.
func parseGitNames(s string) (old, new string) {
	a, rest, ok := gitName(s)
	if ok && rest != "" && isSpace(rest[0]) {
		if b, rest, ok := gitName(strings.TrimLeft(rest, " \t")); ok && strings.TrimSpace(rest) == "" {
			return a, b
		}
	}
	if l := len(s); l%2 == 1 && s[l/2] == ' ' {
		a, b := s[:l/2], s[l/2+1:]
		if len(a) > 2 && a[1] == '/' && b[1] == '/' && a[2:] == b[2:] {
			return a, b
		}
	}
	return "", ""
}

func gitName(s string) (name, rest string, ok bool) {
	s = strings.TrimLeft(s, " \t")
	if name, rest, ok := unquoteC(s); ok {
		return name, rest, true
	}
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		i = len(s)
	}
	return s[:i], s[i:], i > 0
}

// diffDateLayouts are the header dates diff, svn and cvs write that
// patch(1)'s parse_datetime reads; the fraction of seconds is accepted by
// time.Parse without a layout. hg's "Tue Nov 08 12:48:21 2022 +0300" is
// not among them: patch(1) does not read it (checked with GNU patch 2.7.6:
// an epoch date in that form does not delete a file).
var diffDateLayouts = []string{
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05Z07:00",
	"Mon Jan _2 15:04:05 2006",
	"Mon Jan _2 15:04:05 MST 2006",
	"Mon, _2 Jan 2006 15:04:05 -0700",
	"2006/01/02 15:04:05",
}

// parseDiffDate parses a header date; like patch(1), a date it cannot read
// is as good as none.
func parseDiffDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range diffDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// isEpoch says that a header date means "this file does not exist": the
// epoch in any local time, as patch(1) reads it (-25h < t < +26h).
func isEpoch(t time.Time) bool {
	s := t.Unix()
	return s > -25*3600 && s < 26*3600
}
