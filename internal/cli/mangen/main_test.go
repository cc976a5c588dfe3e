package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPages generates the man pages and has man(1) render every one of
// them without a warning.
func TestPages(t *testing.T) {
	if _, err := exec.LookPath("man"); err != nil {
		t.Skipf("skipping test: man unavailable (scripts/deps.sh installs man-db): %v", err)
	}
	dir := t.TempDir()
	if err := run(dir, "../../../man"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"libcare-ctl.8": "LIBCARE-CTL(8)", "libcare-ctl-patch.8": "--timeout", "libcare-ctl-unpatch.8": "--id",
		"libcare-ctl-info.8": "--json", "libcare-ctl-server.8": "LISTEN_FDS",
		"libcare-client.1": "SOCKET", "libcare-patch-make.1": "--jobs", "libcare-cc.1": "KPCC_APPEND_ARGS",
		"kpatch_gensrc.1": "--dbg-filter", "kpatch_strip.1": "--rel-fixup", "kpatch_make.1": "--buildid",
		"libcare.7": "KPATCH_STAGE", "libcare-dump.1": "--header",
		"libcare-ctl-inspect.8": "--json", "libcare-ctl-keygen.8": "keygen", "libcare-ctl-sign.8": "sign",
		"libcare-ctl-status.8": "--store", "libcare-ctl-store.8": "store", "libcare-ctl-store-add.8": "--level",
		"libcare-ctl-store-disable.8": "disable", "libcare-ctl-store-enable.8": "enable",
		"libcare-ctl-store-list.8": "--json", "libcare-ctl-store-remove.8": "remove",
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != len(want) {
		t.Errorf("got %d pages %q, want %d", len(files), files, len(want))
	}
	for page, text := range want {
		cmd := exec.Command("man", "--warnings", "-l", filepath.Join(dir, page))
		cmd.Env = append(os.Environ(), "MANPAGER=cat", "MANWIDTH=80")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || stderr.String() != "" {
			t.Errorf("man -l %s: %v: %s", page, err, stderr.String())
			continue
		}
		// man hyphenates and may break words: compare without them.
		flat := strings.Join(strings.Fields(strings.ReplaceAll(string(out), "‐\n", "")), " ")
		if !strings.Contains(flat, text) {
			t.Errorf("%s: rendered page does not contain %q", page, text)
		}
		if page != "libcare.7" && !strings.Contains(flat, "libcare(7)") {
			t.Errorf("%s: no reference to libcare(7)", page)
		}
	}
}
