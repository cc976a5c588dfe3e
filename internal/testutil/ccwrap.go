package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// TryTool is Tool for a tool that may not build yet: it returns the build
// error instead of failing the test, so the caller can skip with a clear
// message. Built tools share Tool's directory.
func TryTool(name string) (string, error) {
	toolMu.Lock()
	defer toolMu.Unlock()
	if p, ok := toolPath[name]; ok {
		return p, nil
	}
	if toolDir == "" {
		d, err := os.MkdirTemp("", "golibcare-tools-")
		if err != nil {
			return "", fmt.Errorf("tool dir: %w", err)
		}
		toolDir = d
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(toolDir, name)
	cmd := exec.Command("go", "build", "-o", out, "./cmd/"+name)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as the Makefile builds them
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/%s: %w\n%s", name, err, b)
	}
	toolPath[name] = out
	return out, nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above %s", dir)
		}
		dir = parent
	}
}
