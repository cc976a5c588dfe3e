package dump

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

const patch = "../../inspect/testdata/newfuncvar.kpatch"

func run(args ...string) (string, error) {
	var out bytes.Buffer
	cmd := NewCmd(&out, nil)
	cmd.SetArgs(args)
	err := cmd.Execute()
	if err != nil {
		PrintError(&out, err)
	}
	return out.String(), err
}

func TestHeader(t *testing.T) {
	out, err := run("-H", "-i", patch)
	want := "Patch Name:               " + patch + "\nMagic:                    KPATCH1\n" +
		"Patch id:                 0001\nbuildid:                  5cbf652ea69fbbe50ff99678331d3c250e7c97ac\n"
	if err != nil || out != want {
		t.Errorf("got %q, %v; want %q", out, err, want)
	}
}

func TestConvertAndErrors(t *testing.T) {
	dir := t.TempDir()
	o := filepath.Join(dir, "p.elf")
	if out, err := run("-c", "-i", patch, "-o", o); err != nil {
		t.Fatalf("-c: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(patch)
	if got, _ := os.ReadFile(o); !bytes.Equal(got, b[504:]) {
		t.Errorf("-c: got %d bytes, want the %d after the header", len(got), len(b)-504)
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, b[:504], 0o644)
	notELF := filepath.Join(dir, "notelf")
	os.WriteFile(notELF, append(append([]byte(nil), b[:504]...), "nope"...), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-c", "-i", patch}, "Usage:\n"},
		{[]string{"-o", o}, "Usage:\n"},
		{[]string{"-x"}, "Usage:\n"},
		{[]string{"-H", "-i", filepath.Join(dir, "missing")}, "Can't open kpatch file '" + filepath.Join(dir, "missing") + "'\n"},
		{[]string{"-H", "-i", short}, "Invalid kpatch file '" + short + "'\n"},
		{[]string{"-c", "-i", notELF, "-o", o}, "check elf format failed\n"},
	} {
		out, err := run(tc.args...)
		want := 255
		if tc.want == "Usage:\n" {
			want = 2
		}
		if ExitCode(err) != want || !bytes.HasPrefix([]byte(out), []byte(tc.want)) {
			t.Errorf("%q: got %q, exit %d; want %q, exit %d", tc.args, out, ExitCode(err), tc.want, want)
		}
	}
}
