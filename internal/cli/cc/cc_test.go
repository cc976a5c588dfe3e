package cc

import (
	"errors"
	"slices"
	"testing"
)

func TestArgsPassUnparsed(t *testing.T) {
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

func TestExitCode(t *testing.T) {
	cmd := NewCmdCC(func(*Options) error { return &ExitError{Code: 3} })
	cmd.SetArgs([]string{"-c", "x.c"})
	err := cmd.Execute()
	var ee *ExitError
	if !errors.As(err, &ee) || ExitCode(err) != 3 {
		t.Errorf("got %v (exit %d), want exit status 3", err, ExitCode(err))
	}
}
