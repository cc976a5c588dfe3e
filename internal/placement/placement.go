// Package placement runs a build at a fixed path without touching the
// host: the tree is bind-mounted at that path inside a private mount
// namespace made for the one command, and everything the mounts need
// lives in a scratch directory. Debian's builders build in
// /build/reproducible-path/<source>-<upstream version>, and packages embed
// that path (-ffile-prefix-map, debug info), so a bit-identical rebuild
// must run there too.
package placement

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Place says where a tree is seen during a command.
type Place struct {
	// Dir is the tree on the host.
	Dir string
	// At is the absolute path the command sees it at.
	At string
	// Scratch is an empty host directory for the private root (used when
	// At's top directory does not exist on the host).
	Scratch string
}

// script runs in the new namespace (unshare(1) made its mounts private).
// When At's top directory exists (/build on a builder) a tmpfs hides its
// content; otherwise a new root on a tmpfs in Scratch gets a bind mount of
// every top-level entry of / plus At, and the command runs chrooted in it.
// The tmpfs mounts live and die with the namespace: the host sees nothing.
const script = `set -e
scratch=$1 dir=$2 at=$3 top=$4; shift 4
if [ -d "$top" ]; then
	mount -t tmpfs -o mode=0755 tmpfs "$top"
	mkdir -p "$at"; mount --bind "$dir" "$at"
	cd "$at"; exec "$@"
fi
root=$scratch/root; mkdir -p "$root"; mount -t tmpfs -o mode=0755 tmpfs "$root"
for e in /* /.[!.]*; do
	[ -e "$e" ] || [ -L "$e" ] || continue
	n=${e#/}
	if [ -L "$e" ]; then cp -P "$e" "$root/$n"
	elif [ -d "$e" ]; then mkdir "$root/$n"; mount --rbind "$e" "$root/$n"
	else : > "$root/$n"; mount --bind "$e" "$root/$n"; fi
done
mkdir -p "$root$at"; mount --bind "$dir" "$root$at"
exec chroot "$root" sh -c 'cd "$0" && exec "$@"' "$at" "$@"`

// Check refuses places the script cannot make.
func (p Place) Check() error {
	switch {
	case !filepath.IsAbs(p.At) || filepath.Clean(p.At) != p.At || p.At == "/":
		return fmt.Errorf("placement: %q is not a clean absolute path below /", p.At)
	case !filepath.IsAbs(p.Dir) || !filepath.IsAbs(p.Scratch):
		return errors.New("placement: the tree and the scratch directory need absolute paths")
	case strings.HasPrefix(p.Dir+"/", p.top()+"/") || strings.HasPrefix(p.Scratch+"/", p.top()+"/"):
		// The tmpfs on the top directory would hide them.
		return fmt.Errorf("placement: the tree %s and the scratch directory %s must be outside %s", p.Dir, p.Scratch, p.top())
	}
	return nil
}

// top is At's first component: the directory the tmpfs goes on.
func (p Place) top() string {
	rest := strings.TrimPrefix(p.At, "/")
	first, _, _ := strings.Cut(rest, "/")
	return "/" + first
}

// Wrap returns argv run with the tree at p.At (as its working directory),
// in a mount namespace of its own.
func (p Place) Wrap(argv []string) []string {
	return append([]string{"unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
		p.Scratch, p.Dir, p.At, p.top()}, argv...)
}

// wrapArgs is how many arguments Wrap puts before the command.
const wrapArgs = 12

// Inner returns the command a Wrap result runs, for messages.
func Inner(argv []string) ([]string, bool) {
	if len(argv) > wrapArgs && argv[0] == "unshare" && argv[6] == script {
		return argv[wrapArgs:], true
	}
	return nil, false
}
