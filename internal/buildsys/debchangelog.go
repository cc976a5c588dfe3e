package buildsys

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Changelog is what a build needs from the first entry of debian/changelog
// (deb-changelog(5)).
type Changelog struct {
	Source  string
	Version string    // the full version: [epoch:]upstream[-revision]
	Date    time.Time // the trailer's date: SOURCE_DATE_EPOCH
}

// Upstream is the version without epoch and Debian revision, as in the
// build directory's name <source>-<upstream>.
func (c Changelog) Upstream() string {
	v := c.Version
	if i := strings.IndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i > 0 {
		v = v[:i]
	}
	return v
}

// maxChangelogLines bounds the search for the first entry's trailer.
const maxChangelogLines = 10000

// ParseChangelog reads the first entry of a debian/changelog.
func ParseChangelog(r io.Reader) (*Changelog, error) {
	sc := bufio.NewScanner(r)
	var c *Changelog
	for n := 0; sc.Scan() && n < maxChangelogLines; n++ {
		line := sc.Text()
		switch {
		case c == nil && strings.TrimSpace(line) != "":
			h, err := parseHeading(line)
			if err != nil {
				return nil, err
			}
			c = h
		case c != nil && strings.HasPrefix(line, " -- "):
			_, date, ok := strings.Cut(line, ">  ")
			if !ok {
				return nil, fmt.Errorf("debian/changelog: trailer %q has no date after the maintainer", line)
			}
			t, err := time.Parse(time.RFC1123Z, strings.TrimSpace(date))
			if err != nil {
				return nil, fmt.Errorf("debian/changelog: trailer date: %w", err)
			}
			c.Date = t
			return c, nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("debian/changelog: %w", err)
	}
	return nil, errors.New("debian/changelog: no complete entry")
}

// parseHeading reads "source (version) distributions; urgency=...".
func parseHeading(line string) (*Changelog, error) {
	src, rest, ok := strings.Cut(line, " (")
	ver, _, ok2 := strings.Cut(rest, ")")
	if !ok || !ok2 || src == "" || ver == "" || strings.ContainsAny(src, " /") || strings.ContainsAny(ver, " /") {
		return nil, fmt.Errorf("debian/changelog: heading %q is not \"source (version) ...\"", line)
	}
	return &Changelog{Source: src, Version: ver}, nil
}
