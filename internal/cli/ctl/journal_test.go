package ctl_test

import (
	"os"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/apply"
	_ "github.com/golibcare/golibcare/internal/testutil"
)

// TestJournalOutOfRun: testutil names apply.JournalDirEnv by its value
// (it cannot import apply); the tools the tests start must journal into a
// temporary directory, never under the host's /run.
func TestJournalOutOfRun(t *testing.T) {
	d := os.Getenv(apply.JournalDirEnv)
	if d == "" || strings.HasPrefix(d, "/run/") || apply.JournalDir() != d {
		t.Errorf("%s=%q (journal dir %q), want a temporary directory", apply.JournalDirEnv, d, apply.JournalDir())
	}
}
