// Package bidcheck says whether a build made the objects a patch is meant
// for: it compares the GNU Build-IDs of the installed objects of the
// original build with the targets (deployed files, bare Build-IDs or the
// objects of a running process) and, when none matches, finds the likely
// cause by comparing a built file with its deployed twin (Diagnose).
// A .kpatch applies only to the object whose Build-ID it carries (facts
// §8), so this check runs before the patched build rather than on the
// production host.
package bidcheck

import (
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
)

// Target is an object a patch is meant for.
type Target struct {
	// Path is the deployed file, "" when only the Build-ID is known.
	Path    string
	BuildID string
	// From says where the target came from: "--target", "--pid 123".
	From string
	// File is where the object can be read when Path cannot be trusted
	// (/proc/PID/map_files/...: the file may have been replaced).
	File string
}

// file is the readable copy of the target.
func (t Target) file() string {
	if t.File != "" {
		return t.File
	}
	return t.Path
}

// String names the target in messages and in the .target file.
func (t Target) String() string {
	if t.Path == "" {
		return "Build-ID " + t.BuildID
	}
	return t.Path
}

// Object is one installed object of the original build.
type Object struct {
	Path    string // the file under the install directory
	Rel     string // its path relative to the install directory (slash)
	BuildID string
}

// FromFile is the target a deployed file names.
func FromFile(path string) (Target, error) {
	id, err := elfutil.BuildID(path)
	if err != nil {
		return Target{}, fmt.Errorf("target %s: %w", path, err)
	}
	return Target{Path: path, BuildID: id, From: "--target"}, nil
}

// FromBuildID is a target known by its Build-ID alone (hex, any case).
func FromBuildID(id string) (Target, error) {
	id = strings.ToLower(id)
	if b, err := hex.DecodeString(id); err != nil || len(b) == 0 {
		return Target{}, fmt.Errorf("target Build-ID %q: not a hex string", id)
	}
	return Target{BuildID: id, From: "--target-build-id"}, nil
}

// Match pairs each object with the target of the same Build-ID.
func Match(objs []Object, targets []Target) map[string]Target {
	byID := map[string]Target{}
	for _, t := range targets {
		if _, dup := byID[t.BuildID]; !dup {
			byID[t.BuildID] = t
		}
	}
	m := map[string]Target{}
	for _, o := range objs {
		if t, ok := byID[o.BuildID]; ok {
			m[o.Rel] = t
		}
	}
	return m
}

// Check is Match that fails with a *MismatchError when no object matches
// any target.
func Check(objs []Object, targets []Target) (map[string]Target, error) {
	m := Match(objs, targets)
	if len(m) > 0 {
		return m, nil
	}
	e := &MismatchError{Objects: objs, Targets: targets}
	e.Built, e.Target = pair(objs, targets)
	if e.Built.Path != "" && e.Target.Path != "" {
		e.Cause = Diagnose(e.Built.Path, e.Target.file())
	} else if len(objs) > 0 {
		e.Cause = "no deployed file to compare with (give the file with --target to learn why)"
	}
	return m, e
}

// pair picks the built object and the target the message is about: the
// first file target with a built object of the same base name, else the
// first of each.
func pair(objs []Object, targets []Target) (Object, Target) {
	for _, t := range targets {
		if t.Path == "" {
			continue
		}
		for _, o := range objs {
			if filepath.Base(o.Path) == filepath.Base(strings.TrimSuffix(t.Path, " (deleted)")) {
				return o, t
			}
		}
	}
	var o Object
	var t Target
	if len(objs) > 0 {
		o = objs[0]
	}
	if len(targets) > 0 {
		t = targets[0]
	}
	if len(objs) > 1 {
		o.Path = "" // which one is meant is a guess: do not diagnose it
	}
	return o, t
}

// MismatchError is a build whose objects match none of the targets.
type MismatchError struct {
	Objects []Object
	Targets []Target
	Built   Object // the pair the message is about
	Target  Target
	Cause   string // Diagnose's finding, "" if none
}

func (e *MismatchError) Error() string {
	var b strings.Builder
	switch {
	case len(e.Objects) == 0:
		fmt.Fprintf(&b, "the original build installed no object with a Build-ID; the target %s has Build-ID %s", e.Target, e.Target.BuildID)
	case e.Built.BuildID != "":
		fmt.Fprintf(&b, "the original build does not match the target: built %s has Build-ID %s, target %s has Build-ID %s",
			e.Built.Rel, e.Built.BuildID, e.Target, e.Target.BuildID)
	default:
		fmt.Fprintf(&b, "none of the %d objects of the original build matches the %d target(s) (first: %s, Build-ID %s)",
			len(e.Objects), len(e.Targets), e.Target, e.Target.BuildID)
	}
	if e.Cause != "" {
		b.WriteString("; likely cause: " + e.Cause)
	}
	b.WriteString(e.details())
	return b.String()
}

// details lists every object and target on the lines after the first.
func (e *MismatchError) details() string {
	var b strings.Builder
	for _, o := range e.Objects {
		fmt.Fprintf(&b, "\n  built   %s %s", o.BuildID, o.Rel)
	}
	for _, t := range e.Targets {
		fmt.Fprintf(&b, "\n  target  %s %s (%s)", t.BuildID, t, t.From)
	}
	return b.String()
}
