// Package version says which golibcare a tool is: the module version and
// VCS revision Go stamps into the binary, and the .kpatch format it reads
// and writes. Every tool prints it for --version.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/golibcare/golibcare/internal/kpatch"
)

// Version and Revision override the module version and VCS revision of
// the build info. The Makefile sets them with -ldflags -X: Go stamps
// neither with -buildvcs=false nor in a git worktree, and its
// pseudo-version is not a Debian version.
var Version, Revision string

// Info is what --version prints.
type Info struct {
	Version  string // module version, "(devel)" when unknown
	Revision string // VCS revision, "" when not stamped
	Modified bool   // the work tree had uncommitted changes
	Format   string // .kpatch format: the header magic without its NUL
	Go       string // Go toolchain
}

// Read returns the version of the running binary.
func Read() Info {
	in := Info{Version: "(devel)", Format: Format(), Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" {
			in.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Revision = s.Value
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
	}
	if Version != "" {
		in.Version = Version
	}
	if Revision != "" {
		in.Revision, in.Modified = strings.TrimSuffix(Revision, "-dirty"), strings.HasSuffix(Revision, "-dirty")
	}
	return in
}

// Format returns the .kpatch format version, the magic every patch file
// starts with ("KPATCH1").
func Format() string { return strings.TrimRight(kpatch.Magic, "\x00") }

// String formats in for tool, one fact per line, the first one as GNU
// tools print it ("tool (golibcare) VERSION").
func (in Info) String(tool string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (golibcare) %s\n", tool, in.Version)
	rev := in.Revision
	if rev == "" {
		rev = "unknown"
	}
	if in.Modified {
		rev += " (modified)"
	}
	fmt.Fprintf(&b, "revision: %s\n", rev)
	fmt.Fprintf(&b, "kpatch format: %s\n", in.Format)
	fmt.Fprintf(&b, "go: %s\n", in.Go)
	return b.String()
}
