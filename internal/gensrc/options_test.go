package gensrc

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func generateCase(t *testing.T, name string, o Options) ([]byte, error) {
	t.Helper()
	f0 := parseFile(t, filepath.Join("testdata", name, "orig.s"))
	f1 := parseFile(t, filepath.Join("testdata", name, "patched.s"))
	f1.Base = "orig.s"
	return Generate(f0, f1, o)
}

func TestListsAndFilter(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		changed int // kpatch begin blocks
		unlink  int
		wantErr string
	}{
		{"default", Options{}, 2, 0, ""},
		{"ignore compute", Options{IgnoreChanges: ParseFList("compute")}, 1, 0, ""},
		{"ignore for other file", Options{IgnoreChanges: ParseFList("other.s:compute")}, 2, 0, ""},
		{"ignore for this file", Options{IgnoreChanges: ParseFList("orig:compute,main")}, 0, 0, ""},
		{"filter file keeps main", Options{Filter: []byte("main\n")}, 1, 0, ""},
		{"unconfigured filter", Options{Filter: []byte("\nmain\n")}, 2, 0, ""},
		{"unlink", Options{UnlinkSymbols: ParseFList("compute")}, 1, 1, ""},
		{"must adapt", Options{MustAdapt: ParseFList("compute")}, 0, 0, "not adapted function found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			tt.opts.Log = &log
			out, err := generateCase(t, "o2", tt.opts)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got %v, want %q", err, tt.wantErr)
				}
				if !strings.Contains(log.String(), "FATAL! not adapted function change compute\n") {
					t.Errorf("got log %q, want the not adapted line", log.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Count(out, []byte("kpatch begin")); got != tt.changed {
				t.Errorf("got %d changed functions, want %d", got, tt.changed)
			}
			if got := bytes.Count(out, []byte("unlinked func")); got != tt.unlink {
				t.Errorf("got %d unlinked functions, want %d", got, tt.unlink)
			}
		})
	}
}

func TestArch32(t *testing.T) {
	out, err := generateCase(t, "guide", Options{Arch32: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "print_hello.Lpi:\n\t.long print_hello\n\t.long 0\n\t.long print_hello.kpatch\n\t.long 0\n"
	if !bytes.Contains(out, []byte(want)) {
		t.Errorf("got\n%s\nwant it to contain\n%s", out, want)
	}
}

func FuzzGenerate(f *testing.F) {
	for _, c := range []string{"guide", "new_var", "new_extern"} {
		f.Add(readFile(f, filepath.Join("testdata", c, "orig.s")), readFile(f, filepath.Join("testdata", c, "patched.s")))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		f0, err0 := parseBytes(a)
		f1, err1 := parseBytes(b)
		if err0 != nil || err1 != nil {
			return
		}
		for _, o := range []Options{{ForceGlobal: true, ForceGOTPCREL: true}, {WarnOffsets: true, Log: io.Discard}} {
			out, err := Generate(f0, f1, o)
			if (err != nil) == (out != nil) {
				t.Fatalf("got output %v and error %v, want exactly one", out != nil, err)
			}
		}
	})
}

func TestEmptyInputs(t *testing.T) {
	f, err := parseBytes([]byte("\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Generate(f, f, Options{})
	if err != nil || len(out) != 0 {
		t.Fatalf("got %q, %v, want empty output", out, err)
	}
}
