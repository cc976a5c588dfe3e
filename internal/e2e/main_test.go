package e2e

import (
	"os"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.CleanupTools()
	os.Exit(code)
}
