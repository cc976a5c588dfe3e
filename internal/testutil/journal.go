package testutil

import (
	"os"

	"github.com/golibcare/golibcare/internal/apply"
)

// Every tool a test starts inherits a region journal directory of its own
// (apply.JournalDirEnv), so tests never write under the host's /run.
func init() {
	if os.Getenv(apply.JournalDirEnv) != "" {
		return
	}
	if d, err := os.MkdirTemp("", "golibcare-journal-"); err == nil {
		os.Setenv(apply.JournalDirEnv, d)
	}
}
