package buildsys

import (
	"strings"
	"testing"
)

func TestParseChangelog(t *testing.T) {
	const text = `memcached (1.6.18-1+deb12u1) bookworm-security; urgency=medium

  * Fix a thing.

 -- Abhijith PA <abhijith@debian.org>  Tue, 08 Sep 2026 11:52:16 +0000

memcached (1.6.18-1) unstable; urgency=medium
`
	c, err := ParseChangelog(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if c.Source != "memcached" || c.Version != "1.6.18-1+deb12u1" || c.Upstream() != "1.6.18" || c.Date.Unix() != 1788868336 {
		t.Errorf("got %+v (upstream %s, epoch %d)", c, c.Upstream(), c.Date.Unix())
	}
	for _, v := range []struct{ full, up string }{{"5:7.0.15-1~deb12u10", "7.0.15"}, {"1.0", "1.0"}, {"2:1.2-3-4", "1.2-3"}} {
		if got := (Changelog{Version: v.full}).Upstream(); got != v.up {
			t.Errorf("Upstream(%s): got %s, want %s", v.full, got, v.up)
		}
	}
	for _, bad := range []string{"", "no heading", "x (1.0) unstable\n\n -- A <a>  not a date\n", "x (1.0) unstable\n"} {
		if _, err := ParseChangelog(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseChangelog(%q): got nil error", bad)
		}
	}
}

func FuzzParseChangelog(f *testing.F) {
	f.Add("x (1:2.3-4) unstable; urgency=low\n\n -- A B <a@b>  Tue, 08 Sep 2026 11:52:16 +0000\n")
	f.Add("x (1.0)\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseChangelog(strings.NewReader(s))
		if (err == nil) == (c == nil) {
			t.Fatalf("got %v, %v: want exactly one", c, err)
		}
	})
}
