package testutil

import "os"

// journalDirEnv is apply.JournalDirEnv (testutil cannot import apply:
// apply's dependencies test with testutil).
const journalDirEnv = "GOLIBCARE_JOURNAL_DIR"

// Every tool a test starts inherits a region journal directory of its own,
// so tests never write under the host's /run.
func init() {
	if os.Getenv(journalDirEnv) != "" {
		return
	}
	if d, err := os.MkdirTemp("", "golibcare-journal-"); err == nil {
		os.Setenv(journalDirEnv, d)
	}
}
