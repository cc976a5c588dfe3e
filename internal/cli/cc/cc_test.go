package cc

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestArgsPassUnparsed(t *testing.T) {
	// With a stage set even --help and --version are gcc's.
	t.Setenv("KPATCH_STAGE", "configure")
	tests := [][]string{
		{"--help"},
		{"-h"},
		{"--version"},
		{"-v", "-c", "a.c", "-o", "a.o"},
		{"help"},
		{"-D", "X=1", "--", "-x"},
		{},
	}
	for _, args := range tests {
		var got *Options
		cmd := NewCmdCC(func(o *Options) error { got = o; return nil })
		cmd.SetArgs(args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("Execute(%q): %v", args, err)
		}
		if got == nil || !slices.Equal(got.Argv[1:], args) {
			t.Errorf("args %q: got %v, want them unchanged after argv[0]", args, got)
		}
	}
}

// TestOwnHelpAndVersion checks that without a stage --help and --version
// answer for libcare-cc instead of failing on the missing stage.
func TestOwnHelpAndVersion(t *testing.T) {
	t.Setenv("KPATCH_STAGE", "")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"Usage: libcare-cc", "KPATCH_STAGE", "KPCC_APPEND_ARGS", "KPCCREAL"}},
		{[]string{"-h"}, []string{"Environment:"}},
		{[]string{"--version"}, []string{"libcare-cc (golibcare) ", "kpatch format: KPATCH1"}},
	} {
		var out bytes.Buffer
		cmd := NewCmdCC(func(o *Options) error { t.Errorf("%q: ran the compiler", tc.args); return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(&out)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%q: got %q, want it to contain %q", tc.args, out.String(), w)
			}
		}
	}
}

func TestExitCode(t *testing.T) {
	cmd := NewCmdCC(func(*Options) error { return &ExitError{Code: 3} })
	cmd.SetArgs([]string{"-c", "x.c"})
	err := cmd.Execute()
	var ee *ExitError
	if !errors.As(err, &ee) || ExitCode(err) != 3 {
		t.Errorf("got %v (exit %d), want exit status 3", err, ExitCode(err))
	}
}
