package patchmake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/signature"
)

// dedupTargets finds outputs that would write the same patch file. Two
// copies of one binary (a hard link, an alias installed twice) make the
// same patch byte for byte, which is written once; anything else is an
// error naming both binaries: the file would hold whichever came last.
func dedupTargets(outs []Output) ([]Output, error) {
	byTarget := map[string]int{}
	for i := range outs {
		first, dup := byTarget[outs[i].Kpatch]
		if !dup {
			byTarget[outs[i].Kpatch] = i
			continue
		}
		same, err := sameFiles(outs[first].made, outs[i].made)
		if err != nil {
			return nil, err
		}
		if !same {
			return nil, fmt.Errorf("%s and %s both make the patch %s (same Build-ID %s): refusing to write either",
				outs[first].Original, outs[i].Original, outs[i].Kpatch, outs[i].BuildID)
		}
		outs[i].sameAs = outs[first].Original
	}
	return outs, nil
}

func sameFiles(a, b string) (bool, error) {
	x, err := os.ReadFile(a)
	if err != nil {
		return false, err
	}
	y, err := os.ReadFile(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}

// writePatches removes the patch files the previous run of this output
// directory wrote (a run never leaves an older patch for the next one to
// pick up), then copies every new patch into the patch root after
// checking that it carries its original's Build-ID.
func (r *run) writePatches(outs []Output) error {
	if err := r.removeOldPatches(); err != nil {
		return err
	}
	if err := os.MkdirAll(r.patchRoot, 0o755); err != nil {
		return err
	}
	var written []string
	for _, o := range outs {
		if o.sameAs == "" {
			if err := r.checkCarries(o); err != nil {
				return err
			}
			if err := copyFile(o.made, o.Kpatch); err != nil {
				return err
			}
			written = append(written, o.Kpatch)
			if r.o.Sign != "" {
				if err := signature.SignFile(r.o.Sign, o.Kpatch); err != nil {
					return fmt.Errorf("sign %s: %w", o.Kpatch, err)
				}
				written = append(written, signature.SigPath(o.Kpatch))
			}
			if o.Target.BuildID != "" {
				tf, err := writeTarget(o)
				if err != nil {
					return err
				}
				written = append(written, tf)
			}
		}
		fmt.Fprintf(r.o.Stdout, "patch for %s is in %s\n", o.Original, o.Kpatch)
	}
	return r.saveWritten(written)
}

// checkCarries checks the made patch's header against the Build-ID it is
// named after (the original's, or -b's).
func (r *run) checkCarries(o Output) error {
	b, err := os.ReadFile(o.made)
	if err != nil {
		return err
	}
	h, err := kpatch.DecodeHeader(b)
	if err != nil {
		return fmt.Errorf("patch for %s: %w", o.Original, err)
	}
	if got := h.BuildIDString(); got != o.BuildID {
		return fmt.Errorf("patch for %s carries Build-ID %s, want %s", o.Original, got, o.BuildID)
	}
	return nil
}

func (r *run) writtenPath() string { return filepath.Join(r.tmpDir, "written.json") }

// removeOldPatches deletes what the previous run wrote into the patch
// root; other files there (a storage shared with other builds) stay.
func (r *run) removeOldPatches() error {
	b, err := os.ReadFile(r.writtenPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var old []string
	if err == nil {
		err = json.Unmarshal(b, &old)
	}
	if err != nil {
		return fmt.Errorf("list of earlier patches: %w", err)
	}
	for _, p := range old {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove earlier patch: %w", err)
		}
	}
	return os.Remove(r.writtenPath())
}

func (r *run) saveWritten(paths []string) error {
	b, err := json.Marshal(paths)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.tmpDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(r.writtenPath(), b, 0o644)
}
