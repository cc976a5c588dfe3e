package patchmake

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/golibcare/golibcare/internal/bidcheck"
)

// loadTargets reads the Build-IDs of --target, --target-build-id and
// --pid before anything is built: a process may be gone by the time the
// original build is done, and a bad target should fail in a second.
func (r *run) loadTargets(ctx context.Context) error {
	for _, p := range r.o.Targets {
		t, err := bidcheck.FromFile(p)
		if err != nil {
			return err
		}
		if abs, err := filepath.Abs(p); err == nil {
			t.Path = abs
		}
		r.targets = append(r.targets, t)
	}
	for _, id := range r.o.TargetBuildIDs {
		t, err := bidcheck.FromBuildID(id)
		if err != nil {
			return err
		}
		r.targets = append(r.targets, t)
	}
	for _, pid := range r.o.PIDs {
		ts, err := bidcheck.FromPID(pid)
		if err != nil {
			return err
		}
		r.targets = append(r.targets, ts...)
	}
	return r.debTargets(ctx)
}

// checkTargets compares the installed objects of the original build with
// the targets, before the diff is applied: a build that cannot make a
// patch for what is deployed stops here, with the cause.
func (r *run) checkTargets() error {
	if len(r.targets) == 0 || r.matched != nil {
		return nil
	}
	r.banner("CHECKING BUILD-IDS AGAINST THE TARGETS")
	ids, err := buildIDs(r.origDir)
	if err != nil {
		return err
	}
	objs := make([]bidcheck.Object, 0, len(ids))
	for rel, id := range ids {
		objs = append(objs, bidcheck.Object{Path: filepath.Join(r.origDir, filepath.FromSlash(rel)), Rel: rel, BuildID: id})
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Rel < objs[j].Rel })
	m, err := bidcheck.Check(objs, r.targets)
	if err != nil {
		return err
	}
	rels := make([]string, 0, len(m))
	for rel := range m {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	for _, rel := range rels {
		fmt.Fprintf(r.o.Stdout, "%s matches the target %s (Build-ID %s)\n", rel, m[rel], m[rel].BuildID)
	}
	r.matched = m
	return nil
}

// isTarget reports whether a patch is wanted for the installed object rel:
// every object without targets, else only those that matched one.
func (r *run) isTarget(rel string) (bidcheck.Target, bool) {
	if len(r.targets) == 0 {
		return bidcheck.Target{}, true
	}
	t, ok := r.matched[filepath.ToSlash(rel)]
	return t, ok
}

// targetFile is the file beside a patch that names what it is for: the
// .kpatch header has no room for it and must stay upstream's.
func targetFile(kpatchPath string) string {
	return strings.TrimSuffix(kpatchPath, ".kpatch") + ".target"
}

// writeTarget writes the .target file of o.
func writeTarget(o Output) (string, error) {
	p := targetFile(o.Kpatch)
	text := fmt.Sprintf("%s\nbuild-id %s\nfrom %s\nbuilt %s\n", o.Target, o.Target.BuildID, o.Target.From, o.Original)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	return p, nil
}
