package gensrc

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.CleanupTools()
	os.Exit(code)
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(o *Options) bool
	}{
		{"repeated inputs", []string{"-i", "a.s", "-i", "b.s", "-o", "c.s"}, func(o *Options) bool {
			return reflect.DeepEqual(o.Inputs, []string{"a.s", "b.s"}) && o.Output == "c.s"
		}},
		{"long forms with =", []string{"--input=a.s", "--input=b.s", "--ouput=c.s", "--os=rhel5", "--arch=i686", "--debug=a"}, func(o *Options) bool {
			return len(o.Inputs) == 2 && o.Output == "c.s" && o.OS == "rhel5" && o.Arch == "i686" && o.Debug == "a"
		}},
		{"--output alias", []string{"--output", "x.s"}, func(o *Options) bool { return o.Output == "x.s" }},
		{"flag lists", []string{"--ignore-changes=f:a,b", "--unlink-symbols=c", "--must-adapt=d", "--force-gotpcrel", "--force-global", "--test-mode"}, func(o *Options) bool {
			return o.IgnoreChanges[0] == "f:a,b" && o.UnlinkSymbols[0] == "c" && o.MustAdapt[0] == "d" && o.ForceGOTPCREL && o.ForceGlobal && o.TestMode
		}},
		{"dbg filter", []string{"-f", "--dbg-filter-eh-frame", "--dbg-filter-gcc-except-table", "--dbg-filter-cfi", "--dbg-filter-emit-newlines", "-i", "-", "-o", "-"}, func(o *Options) bool {
			return o.DbgFilter && o.DbgEHFrame && o.DbgExceptTable && o.DbgCFI && o.DbgNewlines && o.Inputs[0] == "-"
		}},
		{"positional args kept", []string{"-o", "x", "extra"}, func(o *Options) bool { return reflect.DeepEqual(o.Args, []string{"extra"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *Options
			cmd := NewCmd(func(o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			if err := cmd.Execute(); err != nil {
				t.Fatalf("Execute: %v", err)
			}
			if !tt.want(got) {
				t.Errorf("got options %+v, not what %v should give", *got, tt.args)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"--no-such-flag"}, {"-i", "a.s"}, {"-o", "x", "extra"}} {
		cmd := NewCmd(nil)
		cmd.SetArgs(args)
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		var ue *UsageError
		if !errors.As(err, &ue) || ExitCode(err) != 2 {
			t.Errorf("%v: got %v (exit %d), want a usage error with exit 2", args, err, ExitCode(err))
		}
	}
}

// guideInputs compiles the user guide's foo.c and bar.c.
func guideInputs(t *testing.T) string {
	t.Helper()
	testutil.MustHaveGCC(t)
	dir := t.TempDir()
	testutil.WriteFile(t, dir, "foo.c", "#include <stdio.h>\n#include <unistd.h>\nvoid print_hello(void){printf(\"Hello world!\\n\");}\nint main(void){while(1){print_hello();sleep(1);}}\n")
	testutil.WriteFile(t, dir, "bar.c", "#include <stdio.h>\n#include <unistd.h>\nvoid print_hello(void){printf(\"Hello world %s!\\n\", \"being patched\");}\nint main(void){while(1){print_hello();sleep(1);}}\n")
	testutil.Run(t, dir, "gcc", "-S", "foo.c")
	testutil.Run(t, dir, "gcc", "-S", "bar.c")
	b, err := os.ReadFile(filepath.Join(dir, "bar.s"))
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, dir, "bar.s", strings.ReplaceAll(string(b), "bar.c", "foo.c"))
	return dir
}

func runTool(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(testutil.Tool(t, "kpatch_gensrc"), args...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// TestBinary runs the user guide's manual flow and the error paths through
// the built command.
func TestBinary(t *testing.T) {
	dir := guideInputs(t)
	testutil.WriteFile(t, dir, "other.s", "\t.file\t\"other.c\"\n")
	tests := []struct {
		name     string
		args     []string
		code     int
		stderr   string
		wantFile string
	}{
		{"guide flow", []string{"--os=rhel6", "-i", "foo.s", "-i", "bar.s", "-o", "foobar.s", "--force-global"}, 0, "", "foobar.s"},
		{"output alias", []string{"-i", "foo.s", "-i", "bar.s", "--output=alias.s", "--test-mode"}, 0, "", "alias.s"},
		{"missing input", []string{"-i", "nope.s", "-i", "bar.s", "-o", "x.s"}, 1, "FATAL! Can't read input file 'nope.s': No such file or directory\n", ""},
		{"three inputs", []string{"-i", "foo.s", "-i", "bar.s", "-i", "foo.s", "-o", "x.s"}, 1, "FATAL! only 2 input files must be specified\n", ""},
		{"one input", []string{"-i", "foo.s", "-o", "x.s"}, 1, "FATAL! 2 input files must be specified\n", ""},
		{"filter without input", []string{"-f", "-o", "x.s"}, 1, "FATAL! input file must be specified\n", ""},
		{"other mismatch", []string{"-i", "foo.s", "-i", "other.s", "-o", "x.s"}, 1, "FATAL! Blocks of type other mismatch 1-1 vs. 1-1\n", ""},
		{"no output", []string{"-i", "foo.s", "-i", "bar.s"}, 2, "", ""},
		{"positional", []string{"-i", "foo.s", "-i", "bar.s", "-o", "x.s", "junk"}, 2, "", ""},
		{"bad flag", []string{"--bogus"}, 2, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runTool(t, dir, tt.args...)
			if code != tt.code {
				t.Fatalf("got exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if tt.stderr != "" && stderr != tt.stderr {
				t.Errorf("got stderr %q, want %q", stderr, tt.stderr)
			}
			if tt.code == 2 && (!strings.HasSuffix(stderr, "(see kpatch_gensrc --help)\n") || strings.Count(stderr, "\n") != 1) {
				t.Errorf("got stderr %q, want one line pointing to --help", stderr)
			}
			if tt.wantFile == "" {
				return
			}
			if _, err := os.Stat(filepath.Join(dir, tt.wantFile)); err != nil {
				t.Fatalf("output: %v", err)
			}
			testutil.Run(t, dir, "gcc", "-o", "foobar", tt.wantFile, "-Wl,-q")
			if out := testutil.Run(t, dir, "readelf", "-S", "foobar"); !strings.Contains(out, ".kpatch.info") || !strings.Contains(out, ".kpatch.strtab") || !strings.Contains(out, ".kpatch.text") {
				t.Errorf("got sections\n%s\nwant .kpatch.text, .kpatch.info and .kpatch.strtab", out)
			}
		})
	}
}

// TestBinaryStdio checks "-" for input and output and the debug filter.
func TestBinaryStdio(t *testing.T) {
	dir := guideInputs(t)
	cmd := exec.Command(testutil.Tool(t, "kpatch_gensrc"), "--dbg-filter", "-i", "-", "-o", "-")
	cmd.Dir = dir
	in, err := os.ReadFile(filepath.Join(dir, "foo.s"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dbg-filter: %v", err)
	}
	if bytes.Contains(out, []byte(".LFB0:")) || !bytes.Contains(out, []byte("print_hello:")) {
		t.Errorf("got filtered output\n%s\nwant print_hello without .LFB labels", out)
	}
}

// TestFilterFile checks that /etc/libcare.conf (here a temporary file) only
// lets listed functions be patched, and that --test-mode ignores it.
func TestFilterFile(t *testing.T) {
	dir := guideInputs(t)
	conf := testutil.WriteFile(t, dir, "libcare.conf", "main\n")
	for _, tt := range []struct {
		name     string
		testMode bool
		want     int
	}{{"filtered", false, 0}, {"test mode", true, 1}} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			o := &Options{
				Inputs: []string{filepath.Join(dir, "foo.s"), filepath.Join(dir, "bar.s")}, Output: "-",
				FilterFile: conf, TestMode: tt.testMode, Stdout: &out, Stderr: &bytes.Buffer{},
			}
			if err := run(o); err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(out.String(), "kpatch begin"); got != tt.want {
				t.Errorf("got %d patched functions, want %d", got, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "nonexistent.conf")); err == nil {
		t.Fatal("filter file created")
	}
}
