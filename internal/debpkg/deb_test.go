package debpkg

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

const version = "1.2.3~test"

var tools = []string{"libcare-ctl", "libcare-client", "libcare-patch-make", "libcare-cc",
	"kpatch_gensrc", "kpatch_strip", "kpatch_make"}

// TestDeb builds the package (uncompressed, without lintian: make deb runs
// it), checks dpkg-deb -I and -c, unpacks it into a throwaway root with
// dpkg --root and runs the tools from there.
func TestDeb(t *testing.T) {
	for _, tool := range []string{"dpkg-deb", "dpkg", "make", "gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping test: %s unavailable: %v", tool, err)
		}
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	run(t, "make", "-C", testutil.RepoRoot(t), "deb", "NOLINTIAN=1", "DEBCOMPRESS=none", "BIN="+bin, "VERSION="+version)
	deb := filepath.Join(bin, "golibcare_"+version+"_amd64.deb")

	info := run(t, "dpkg-deb", "-I", deb)
	for _, f := range []string{"Package: golibcare\n", "Version: " + version + "\n", "Architecture: amd64\n",
		"Maintainer: ", "Installed-Size: ", "Depends: libc6", "Section: admin\n", "Priority: optional\n",
		"Description: live patching of running user-space processes\n", " postinst"} {
		if !strings.Contains(info, f) {
			t.Errorf("dpkg-deb -I: no %q in\n%s", f, info)
		}
	}

	list := run(t, "dpkg-deb", "-c", deb)
	want := []string{"./usr/lib/libcare/execve.so", "./lib/systemd/system/libcare.service",
		"./lib/systemd/system/libcare.socket", "./usr/lib/sysusers.d/libcare.conf",
		"./usr/share/man/man7/libcare.7.gz", "./usr/share/man/man8/libcare-ctl.8.gz",
		"./usr/share/man/man8/libcare-ctl-patch.8.gz", "./usr/share/doc/golibcare/copyright"}
	for _, tool := range tools {
		want = append(want, "./usr/bin/"+tool)
		if tool == "libcare-cc" {
			want = append(want, "./usr/share/man/man1/libcare-cc.1.gz")
			continue
		}
		if tool != "libcare-ctl" {
			want = append(want, "./usr/share/man/man1/"+tool+".1.gz")
		}
		want = append(want, "./usr/share/bash-completion/completions/"+tool,
			"./usr/share/zsh/vendor-completions/_"+tool, "./usr/share/fish/vendor_completions.d/"+tool+".fish")
	}
	for _, w := range want {
		if !strings.Contains(list, " "+w+"\n") {
			t.Errorf("dpkg-deb -c: no %s", w)
		}
	}
	if strings.Contains(list, " root/root ") == false {
		t.Errorf("dpkg-deb -c: files not owned by root:\n%s", list)
	}

	root := unpack(t, deb)
	for _, tool := range tools {
		cmd := exec.Command(filepath.Join(root, "usr/bin", tool), "--version")
		cmd.Env = append(os.Environ(), "KPATCH_STAGE=")
		out, err := cmd.Output()
		if err != nil || !strings.HasPrefix(string(out), tool+" (golibcare) "+version+"\n") {
			t.Errorf("installed %s --version: %v %q, want version %s", tool, err, out, version)
		}
	}
	unit, err := os.ReadFile(filepath.Join(root, "lib/systemd/system/libcare.service"))
	if err != nil || !strings.Contains(string(unit), "ExecStart=/usr/bin/libcare-ctl server") ||
		!strings.Contains(string(unit), "Documentation=man:libcare-ctl(8)") {
		t.Errorf("libcare.service: %v\n%s", err, unit)
	}
	if _, err := exec.LookPath("man"); err == nil {
		out := run(t, "man", "-l", "-P", "cat", filepath.Join(root, "usr/share/man/man8/libcare-ctl.8.gz"))
		if !strings.Contains(out, "LIBCARE-CTL(8)") {
			t.Errorf("man -l libcare-ctl.8.gz: got %q", out)
		}
	}
}

// unpack installs deb's files into a new root with dpkg's own database
// there (dpkg --root); the maintainer scripts are not run (--unpack), as
// the root has no shell.
func unpack(t *testing.T, deb string) string {
	root := filepath.Join(t.TempDir(), "root")
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"status", "available"} {
		if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg", f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, "dpkg", "--root="+root, "--log=/dev/null", "--force-all", "--unpack", deb)
	status := run(t, "dpkg", "--root="+root, "-s", "golibcare")
	if !strings.Contains(status, "Status: install ok unpacked") {
		t.Errorf("dpkg -s in the root: got\n%s", status)
	}
	return root
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, stderr.String())
	}
	return out.String()
}
