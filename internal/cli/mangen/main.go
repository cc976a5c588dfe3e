// Command mangen writes the man pages of every golibcare tool from its
// cobra command (make man runs `go run ./internal/cli/mangen -o DIR`),
// and copies the written ones (man/*.7): libcare-ctl and its commands in
// section 8, the other tools in section 1.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/golibcare/golibcare/internal/cli/cc"
	"github.com/golibcare/golibcare/internal/cli/client"
	"github.com/golibcare/golibcare/internal/cli/ctl"
	"github.com/golibcare/golibcare/internal/cli/dump"
	"github.com/golibcare/golibcare/internal/cli/gensrc"
	"github.com/golibcare/golibcare/internal/cli/kpatchmake"
	"github.com/golibcare/golibcare/internal/cli/patchmake"
	"github.com/golibcare/golibcare/internal/cli/server"
	"github.com/golibcare/golibcare/internal/cli/strip"
	"github.com/golibcare/golibcare/internal/version"
)

// page is one tool: its command tree, man section and exit status text.
type page struct {
	root    *cobra.Command
	section string
	exit    string
}

func pages() []page {
	ctlRoot := ctl.NewCmd(io.Discard, io.Discard)
	ctlRoot.AddCommand(server.NewCmd()) // as cmd/libcare-ctl does
	return []page{
		{ctlRoot, "8", "0 on success, also when there was nothing to do (a line says so); 2 on a usage error (unknown command or option, a missing or bad argument, unpatch -p all without -i, --patch or --everything); 255 on a failure, as LibcarePlus's libcare-ctl, whose scripts test for it."},
		{client.NewCmd(nil), "1", "the status of the command on a golibcare server: 0 success, 1 failure (a failure of libcare-ctl there, or no server), 2 usage error; 0 once a LibcarePlus server has answered."},
		{patchmake.NewCmd(nil), "1", "0 on success; 1 on a failure; 2 on a usage error; 128+N after signal N (the sources are restored)."},
		{cc.NewCmdCC(nil), "1", "the compiler's; 129 for libcare-cc's own errors (a wrong KPATCH_STAGE, a compiler that runs libcare-cc again), as LibcarePlus."},
		{gensrc.NewCmd(nil), "1", "0 on success; 1 after a FATAL! error, as LibcarePlus; 2 on a usage error."},
		{strip.NewCmd(nil), "1", "0 on success; 255 on a failure, as LibcarePlus; 2 on a usage error."},
		{kpatchmake.NewCmd(nil), "1", "0 on success; 255 on a failure, as LibcarePlus; 2 on a usage error."},
		{dump.NewCmd(io.Discard, nil), "1", "0 on success; 255 on a failure, as LibcarePlus; 2 on a usage error."},
	}
}

func main() {
	out := flag.String("o", "man", "output directory")
	written := flag.String("written", "man", "directory of the hand-written pages (*.7)")
	flag.Parse()
	if err := run(*out, *written); err != nil {
		fmt.Fprintf(os.Stderr, "mangen: %v\n", err)
		os.Exit(1)
	}
}

// run writes every generated page into out and copies the written ones.
func run(out, written string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	date := buildDate()
	for _, p := range pages() {
		note := "\n\nExit status: " + p.exit + "\n\nSee libcare(7) for the workflow, the storage layout and the environment variables."
		for _, c := range append([]*cobra.Command{p.root}, p.root.Commands()...) {
			// Long is markdown to md2man: <BuildID> would be an HTML tag.
			c.Long = strings.ReplaceAll(longOf(c), "<", `\<`) + note
			c.Use = strings.ReplaceAll(c.Use, " \\\n\t", " ")
			c.DisableAutoGenTag = true
		}
		h := &doc.GenManHeader{Section: p.section, Date: &date,
			Source: "golibcare " + version.Read().Version, Manual: "golibcare"}
		if err := doc.GenManTree(p.root, h, out); err != nil {
			return fmt.Errorf("%s: %w", p.root.Name(), err)
		}
	}
	if err := seeAlsoOverview(out); err != nil {
		return err
	}
	pages, err := filepath.Glob(filepath.Join(written, "*.7"))
	if err != nil {
		return err
	}
	for _, src := range pages {
		dst := filepath.Join(out, filepath.Base(src))
		if filepath.Clean(src) == filepath.Clean(dst) {
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// seeAlsoOverview names libcare(7) first in the SEE ALSO of every
// generated page.
func seeAlsoOverview(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.[18]"))
	if err != nil {
		return err
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		s := string(b)
		const sh = ".SH SEE ALSO\n"
		if i := strings.Index(s, sh); i >= 0 {
			s = s[:i+len(sh)] + "\\fBlibcare(7)\\fP, " + s[i+len(sh):]
		} else {
			s += sh + "\\fBlibcare(7)\\fP\n"
		}
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func longOf(c *cobra.Command) string {
	if c.Long != "" {
		return c.Long
	}
	return c.Short + "."
}

// buildDate is SOURCE_DATE_EPOCH when set (reproducible packages), else
// today.
func buildDate() time.Time {
	if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(s, 0).UTC()
	}
	return time.Now().UTC()
}
