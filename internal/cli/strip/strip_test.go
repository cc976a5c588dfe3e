package strip

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    Options
		wantErr error
		usage   bool
	}{
		{"strip", []string{"-s", "in", "out"}, Options{Mode: ModeStrip, First: "in", Second: "out"}, nil, false},
		{"strip long", []string{"--strip", "in", "out"}, Options{Mode: ModeStrip, First: "in", Second: "out"}, nil, false},
		{"rel-fixup", []string{"-r", "orig", "p"}, Options{Mode: ModeRelFixup, First: "orig", Second: "p"}, nil, false},
		{"rel-fixup long", []string{"--rel-fixup", "orig", "p"}, Options{Mode: ModeRelFixup, First: "orig", Second: "p"}, nil, false},
		{"undo-link", []string{"-u", "orig", "p"}, Options{Mode: ModeUndoLink, First: "orig", Second: "p"}, nil, false},
		{"undo-link long", []string{"--undo-link", "orig", "p"}, Options{Mode: ModeUndoLink, First: "orig", Second: "p"}, nil, false},
		{"two actions", []string{"-s", "-r", "a", "b"}, Options{}, ErrMultipleActions, false},
		{"combined", []string{"-su", "a", "b"}, Options{}, ErrMultipleActions, false},
		{"same twice", []string{"-u", "--undo-link", "a", "b"}, Options{}, ErrMultipleActions, false},
		{"no action", []string{"a", "b"}, Options{}, nil, true},
		{"one file", []string{"-s", "a"}, Options{}, nil, true},
		{"three files", []string{"-r", "a", "b", "c"}, Options{}, nil, true},
		{"option after file", []string{"a", "-s", "b"}, Options{}, nil, true},
		{"unknown option", []string{"-o", "x", "-s", "a", "b"}, Options{}, nil, true},
		{"value to bool", []string{"--strip=false", "a", "b"}, Options{}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *Options
			cmd := NewCmd(func(o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			var u *UsageError
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("got %v, want %v", err, tt.wantErr)
				}
			case tt.usage:
				if !errors.As(err, &u) || !strings.Contains(err.Error(), "(see kpatch_strip --help)") {
					t.Errorf("got %v, want a usage error", err)
				}
			default:
				if err != nil || got == nil {
					t.Fatalf("got %v, want success", err)
				}
				if got.Mode != tt.want.Mode || got.First != tt.want.First || got.Second != tt.want.Second {
					t.Errorf("got %+v, want %+v", *got, tt.want)
				}
			}
			if err != nil && ExitCode(err) != 2 {
				t.Errorf("got exit code %d, want 2 for a usage error", ExitCode(err))
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "text")
	if err := os.WriteFile(text, []byte("not an elf file, just words, more than sixty-four bytes of them\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	out := filepath.Join(dir, "out")
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"strip not elf", Options{Mode: ModeStrip, First: text, Second: out}, "not an ELF file"},
		{"strip missing", Options{Mode: ModeStrip, First: missing, Second: out}, "no such file"},
		{"fixup not elf", Options{Mode: ModeRelFixup, First: text, Second: text}, "not an ELF file"},
		{"undo missing patch", Options{Mode: ModeUndoLink, First: text, Second: missing}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			tt.opts.Stdout, tt.opts.Stderr = &stdout, &stderr
			err := Run(&tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed --strip created %s: %v", out, err)
	}
	if b, _ := os.ReadFile(text); !strings.HasPrefix(string(b), "not an elf") {
		t.Errorf("a failed --rel-fixup changed its file: %q", b)
	}
}
