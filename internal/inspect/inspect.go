// Package inspect describes a .kpatch file offline: what it replaces, what
// it adds, what it needs from the target, and whether it is signed. It
// reads files only (no process).
package inspect

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/signature"
)

// Report describes one patch file.
type Report struct {
	Path      string    `json:"path"`
	ID        string    `json:"id"`
	Level     *uint32   `json:"level,omitempty"` // from a storage directory's layout
	Latest    bool      `json:"latest,omitempty"`
	BuildID   string    `json:"build_id"`
	BuildTime time.Time `json:"build_time"`
	Size      int       `json:"size"`
	// Checksum is "ok" (csum matches the ELF's CRC-32) or "unchecked"
	// (csum 0, as every LibcarePlus kpatch_make writes); a mismatch is
	// an error of File.
	Checksum  string    `json:"checksum"`
	Replaced  []Func    `json:"replaced"`
	NewFuncs  []Func    `json:"new_functions"`
	NewData   []Data    `json:"new_data"`
	Imports   []string  `json:"imports"`
	Signature Signature `json:"signature"`
}

// Func is a function the patch replaces or adds. OldSize is the size of
// the original (0 for a new function), NewSize the size of its new code.
type Func struct {
	Name    string `json:"name"`
	OldSize uint32 `json:"old_size,omitempty"`
	NewSize uint32 `json:"new_size"`
}

// Data is a variable the patch adds.
type Data struct {
	Name    string `json:"name"`
	Size    uint64 `json:"size"`
	Section string `json:"section"`
}

// Signature says whether FILE.sig exists and verifies with the trusted
// keys given.
type Signature struct {
	Present bool   `json:"present"`
	Valid   bool   `json:"valid"`
	Key     string `json:"key,omitempty"`
	Error   string `json:"error,omitempty"`
}

// File describes the patch file at path; keys are the trusted keys its
// signature is checked against.
func File(path string, maxSize int64, keys []signature.Key) (*Report, error) {
	b, err := readMax(path, maxSize)
	if err != nil {
		return nil, err
	}
	r, err := Bytes(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.Path = path
	r.Signature = checkSignature(path, b, keys)
	return r, nil
}

func readMax(path string, maxSize int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if fi.Size() > maxSize {
		return nil, fmt.Errorf("%s: %d bytes exceed the limit of %d bytes: %w", path, fi.Size(), maxSize, kpatch.ErrTooLarge)
	}
	return os.ReadFile(path)
}

func checkSignature(path string, data []byte, keys []signature.Key) Signature {
	k, err := signature.VerifyBytes(path, data, keys)
	switch {
	case err == nil:
		return Signature{Present: true, Valid: true, Key: k.Name}
	case errors.Is(err, signature.ErrUnsigned):
		return Signature{}
	default:
		return Signature{Present: true, Error: err.Error()}
	}
}

// Bytes describes the patch file b.
func Bytes(b []byte) (*Report, error) {
	kf, err := kpatch.Decode(b)
	if err != nil {
		return nil, err
	}
	h := &kf.Header
	r := &Report{ID: h.IDString(), BuildID: h.BuildIDString(), Size: len(b),
		BuildTime: time.Unix(int64(h.BuildTime), 0).UTC(), Checksum: "unchecked",
		Replaced: []Func{}, NewFuncs: []Func{}, NewData: []Data{}, Imports: []string{}}
	if h.Csum != 0 {
		r.Checksum = "ok" // Decode refused a mismatch
	}
	o, err := open(kf.ELF)
	if err != nil {
		return nil, err
	}
	if err := o.describe(r); err != nil {
		return nil, err
	}
	return r, nil
}

// object is the embedded ELF with its symbols indexed as relocations
// count them (0 is the null symbol).
type object struct {
	f    *elf.File
	syms []elf.Symbol
}

func open(img []byte) (*object, error) {
	f, err := elfutil.SafeNewFile(bytes.NewReader(img))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", kpatch.ErrBadELF, err)
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%w: symbols: %v", kpatch.ErrBadELF, err)
	}
	return &object{f: f, syms: append([]elf.Symbol{{}}, syms...)}, nil
}

// kept reports whether section i has contents in the patch ("ours" at
// runtime: facts §1.2).
func (o *object) kept(i elf.SectionIndex) bool {
	return int(i) > 0 && int(i) < len(o.f.Sections) && o.f.Sections[i].Type != elf.SHT_NOBITS
}

func (o *object) describe(r *Report) error {
	named, err := o.infos(r)
	if err != nil {
		return err
	}
	for _, s := range o.syms[1:] {
		switch {
		case s.Section == elf.SHN_UNDEF && s.Name != "" && elfutil.Importable(s.Info):
			r.Imports = append(r.Imports, s.Name)
		case !o.kept(s.Section) || s.Name == "":
		case elf.ST_TYPE(s.Info) == elf.STT_OBJECT || elf.ST_TYPE(s.Info) == elf.STT_TLS:
			r.NewData = append(r.NewData, Data{Name: s.Name, Size: s.Size, Section: o.f.Sections[s.Section].Name})
		case elf.ST_TYPE(s.Info) == elf.STT_FUNC && !named[s.Name] && !strings.HasSuffix(s.Name, ".kpatch"):
			// A helper of the new code without an info record.
			r.NewFuncs = append(r.NewFuncs, Func{Name: s.Name, NewSize: uint32(s.Size)})
		}
	}
	sort.Strings(r.Imports)
	return nil
}
