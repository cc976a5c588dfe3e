package safetext

import (
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Failed to apply patch '/tmp/a b.kpatch'", "Failed to apply patch '/tmp/a b.kpatch'"},
		{"naïve ünïcode ✓", "naïve ünïcode ✓"},
		{"id\x9f\xff", `id\x9f\xff`},
		{"two\nlines", `two\nlines`},
		{"esc\x1b[2J", `esc\x1b[2J`},
		{"tab\there", `tab\there`},
		{"nul\x00", `nul\x00`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"cut \xe2\x9c", `cut \xe2\x9c`},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("plain")
	f.Add("a\xffb\n\x1b")
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		if !utf8.ValidString(got) || !clean(got) {
			t.Fatalf("Escape(%q) = %q: not printable UTF-8", s, got)
		}
		if clean(s) && got != s {
			t.Fatalf("Escape(%q) changed a printable string to %q", s, got)
		}
	})
}
