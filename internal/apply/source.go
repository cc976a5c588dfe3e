package apply

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/regfile"
	"github.com/golibcare/golibcare/internal/store"
)

// PatchFile is one .kpatch file ready to apply.
type PatchFile struct {
	Path  string
	File  *kpatch.File
	Level uint32 // from <bid>/latest in a storage directory, else 0
}

// Source is a .kpatch file or a storage directory holding <BuildID>.kpatch
// or <BuildID>/latest/kpatch.bin files, plus optional before/after hooks
// (facts §7.2).
type Source struct {
	Path    string
	file    *PatchFile // set for a single file
	maxSize int64
	// verify, when set, checks every patch file's bytes before they are
	// decoded (a signature: see internal/signature).
	verify func(path string, data []byte) error
}

// OpenSource opens path with the default size limit,
// kpatch.DefaultMaxSize.
func OpenSource(path string) (*Source, error) { return OpenSourceMax(path, kpatch.DefaultMaxSize) }

// OpenSourceMax opens path, a .kpatch file or a storage directory; no
// patch file of more than maxSize bytes is read. A file is fully validated
// now so that a bad file fails before any process is touched.
func OpenSourceMax(path string, maxSize int64) (*Source, error) {
	return OpenSourceVerified(path, maxSize, nil)
}

// OpenSourceVerified is OpenSourceMax with verify run over the bytes of
// every patch file before they are decoded: the bytes checked are the
// bytes applied.
func OpenSourceVerified(path string, maxSize int64, verify func(path string, data []byte) error) (*Source, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	s := &Source{Path: path, maxSize: maxSize, verify: verify}
	if fi.IsDir() {
		return s, nil
	}
	if s.file, err = s.load(path); err != nil {
		return nil, err
	}
	return s, nil
}

// load reads and validates one patch file: a regular file (a FIFO or
// a device is refused without blocking) of at most maxSize bytes, whose
// header agrees with its ELF before it is read whole.
func (s *Source) load(path string) (*PatchFile, error) {
	f, fi, err := regfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var kf *kpatch.File
	if s.verify != nil {
		kf, err = s.loadVerified(f, path, fi.Size())
	} else {
		kf, err = kpatch.Load(f, fi.Size(), s.max())
	}
	if errors.Is(err, kpatch.ErrTooLarge) {
		return nil, fmt.Errorf("%s: %w (raise it with --max-size)", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := parseRelObj(kf.ELF); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &PatchFile{Path: path, File: kf}, nil
}

// loadVerified reads the whole file (the signature covers every byte),
// checks it, then decodes it.
func (s *Source) loadVerified(f *os.File, path string, size int64) (*kpatch.File, error) {
	if size > s.max() {
		return nil, fmt.Errorf("%d bytes exceed the limit of %d bytes: %w", size, s.max(), kpatch.ErrTooLarge)
	}
	b, err := io.ReadAll(io.LimitReader(f, s.max()+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > s.max() {
		return nil, fmt.Errorf("file grew past the limit of %d bytes: %w", s.max(), kpatch.ErrTooLarge)
	}
	if err := s.verify(path, b); err != nil {
		return nil, err
	}
	return kpatch.Decode(b)
}

// max is the size limit; a Source built as a literal gets the default.
func (s *Source) max() int64 {
	if s.maxSize <= 0 {
		return kpatch.DefaultMaxSize
	}
	return s.maxSize
}

// File returns the patch of a single-file source, or nil for a directory.
func (s *Source) File() *PatchFile { return s.file }

// Lookup returns the patch for an object with the given Build-ID, or nil.
func (s *Source) Lookup(buildID string) (*PatchFile, error) {
	if buildID == "" {
		return nil, nil
	}
	if s.file != nil {
		if s.file.File.Header.BuildIDString() == buildID {
			return s.file, nil
		}
		return nil, nil
	}
	// The layout and its disabled markers are the store's (a disabled
	// patch is kept there but not applied).
	sp, err := store.Lookup(s.Path, buildID)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := s.load(sp.Path)
	if err != nil {
		return nil, err
	}
	p.Level = uint32(sp.Level)
	return p, nil
}

// RunHook runs <dir>/<name> <pid> when the source is a directory with an
// executable hook of that name.
func (s *Source) RunHook(name string, pid int) error {
	if s.file != nil {
		return nil
	}
	hook := filepath.Join(s.Path, name)
	fi, err := os.Stat(hook)
	if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return nil
	}
	out, err := exec.Command(hook, strconv.Itoa(pid)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s hook %s: %w: %s", name, hook, err, out)
	}
	return nil
}
