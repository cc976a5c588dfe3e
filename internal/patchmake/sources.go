package patchmake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// manifestName lists the saved files inside a backup directory.
const manifestName = "manifest.json"

// savedFile is the state of one path before the patches touched it.
type savedFile struct {
	Path    string      `json:"path"` // absolute
	Existed bool        `json:"existed"`
	Dir     bool        `json:"dir,omitempty"` // a directory the patches created (Existed: removed)
	Mode    fs.FileMode `json:"mode"`
	Backup  string      `json:"backup,omitempty"` // file name inside the backup dir
	data    []byte
}

// Sources remembers every file the patches change, in memory and as copies
// under a backup directory (with a manifest), so the tree can be restored
// byte for byte on any exit path, and after a crash by RecoverSources.
// It is safe for concurrent use: a signal handler may call Restore.
type Sources struct {
	mu        sync.Mutex
	backupDir string
	saved     []*savedFile
	byPath    map[string]bool
}

// NewSources returns an empty record whose copies go to backupDir.
func NewSources(backupDir string) *Sources {
	return &Sources{backupDir: backupDir, byPath: map[string]bool{}}
}

// Save records path's current content and mode (or its absence) before its
// first change; later calls for the same path do nothing.
func (s *Sources) Save(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	path, err := filepath.Abs(path)
	if err != nil || s.byPath[path] {
		return err
	}
	sf := &savedFile{Path: path}
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("save %s: %w", path, err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("save %s: not a regular file", path)
	default:
		if sf.data, err = os.ReadFile(path); err != nil {
			return fmt.Errorf("save %s: %w", path, err)
		}
		sf.Existed, sf.Mode = true, fi.Mode().Perm()
		sf.Backup = fmt.Sprintf("%04d", len(s.saved)+1)
	}
	return s.add(sf)
}

// MkdirAll creates dir and its missing parents, recording the topmost
// created one so Restore removes it.
func (s *Sources) MkdirAll(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	top := ""
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		top = d
	}
	if top == "" {
		return nil
	}
	s.mu.Lock()
	err = s.add(&savedFile{Path: top, Dir: true})
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return os.MkdirAll(dir, 0o755)
}

// add keeps sf and persists the backup copy and manifest. Must hold s.mu.
func (s *Sources) add(sf *savedFile) error {
	if err := os.MkdirAll(s.backupDir, 0o700); err != nil {
		return fmt.Errorf("backup dir: %w", err)
	}
	if sf.Backup != "" {
		if err := os.WriteFile(filepath.Join(s.backupDir, sf.Backup), sf.data, 0o600); err != nil {
			return fmt.Errorf("backup %s: %w", sf.Path, err)
		}
	}
	s.saved = append(s.saved, sf)
	s.byPath[sf.Path] = true
	return writeManifest(s.backupDir, s.saved)
}

func writeManifest(dir string, saved []*savedFile) error {
	b, err := json.MarshalIndent(saved, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, manifestName+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("backup manifest: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, manifestName))
}

// Restore puts every saved path back as it was, newest first, then removes
// the backup directory. It keeps going after an error and returns the first.
func (s *Sources) Restore() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for i := len(s.saved) - 1; i >= 0; i-- {
		if err := restoreOne(s.saved[i]); err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return first // keep the backups: RecoverSources can finish the job
	}
	s.saved, s.byPath = nil, map[string]bool{}
	if err := os.RemoveAll(s.backupDir); err != nil {
		return fmt.Errorf("remove backups: %w", err)
	}
	return nil
}

func restoreOne(sf *savedFile) error {
	switch {
	case sf.Dir && sf.Existed:
		if err := os.MkdirAll(sf.Path, sf.Mode); err != nil {
			return fmt.Errorf("restore %s: %w", sf.Path, err)
		}
	case sf.Dir:
		if err := os.RemoveAll(sf.Path); err != nil {
			return fmt.Errorf("restore %s: %w", sf.Path, err)
		}
	case !sf.Existed:
		if err := os.Remove(sf.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("restore %s: %w", sf.Path, err)
		}
	default:
		if err := os.WriteFile(sf.Path, sf.data, sf.Mode); err != nil {
			return fmt.Errorf("restore %s: %w", sf.Path, err)
		}
		if err := os.Chmod(sf.Path, sf.Mode); err != nil {
			return fmt.Errorf("restore %s: %w", sf.Path, err)
		}
	}
	return nil
}

// RecoverSources restores the files recorded in backupDir by a run that
// died without restoring them (killed with SIGKILL, power loss), reports
// each on log and removes backupDir. No backupDir: nothing to do.
func RecoverSources(backupDir string, log io.Writer) (int, error) {
	b, err := os.ReadFile(filepath.Join(backupDir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, os.RemoveAll(backupDir)
	}
	if err != nil {
		return 0, fmt.Errorf("read backup manifest: %w", err)
	}
	var saved []*savedFile
	if err := json.Unmarshal(b, &saved); err != nil {
		return 0, fmt.Errorf("backup manifest %s: %w", backupDir, err)
	}
	for i := len(saved) - 1; i >= 0; i-- {
		sf := saved[i]
		if sf.Backup != "" {
			if sf.data, err = os.ReadFile(filepath.Join(backupDir, filepath.Base(sf.Backup))); err != nil {
				return 0, fmt.Errorf("recover %s: %w", sf.Path, err)
			}
		}
		if err := restoreOne(sf); err != nil {
			return 0, err
		}
		fmt.Fprintf(log, "restored %s from an interrupted run\n", sf.Path)
	}
	return len(saved), os.RemoveAll(backupDir)
}

// RemoveEmptyDir removes dir when it is empty and records it, so Restore
// makes it again; it reports whether dir was removed.
func (s *Sources) RemoveEmptyDir(dir string) (bool, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false, err
	}
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return false, nil
	}
	if ents, err := os.ReadDir(dir); err != nil || len(ents) > 0 {
		return false, nil
	}
	s.mu.Lock()
	err = s.add(&savedFile{Path: dir, Dir: true, Existed: true, Mode: fi.Mode().Perm()})
	s.mu.Unlock()
	if err != nil {
		return false, err
	}
	if err := os.Remove(dir); err != nil {
		return false, fmt.Errorf("remove %s: %w", dir, err)
	}
	return true, nil
}
