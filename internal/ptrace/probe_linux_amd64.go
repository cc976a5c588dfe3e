package ptrace

import (
	"fmt"
	"os/exec"
)

// Probe reports whether this program may trace processes: it starts a
// `sleep` child, seizes, stops and detaches it, then kills it.
func Probe() error {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("ptrace probe: %w", err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	p, err := Seize(cmd.Process.Pid)
	if err != nil {
		return fmt.Errorf("ptrace probe: %w", err)
	}
	if err := p.Stop(); err != nil {
		p.Detach()
		return fmt.Errorf("ptrace probe: %w", err)
	}
	if err := p.Detach(); err != nil {
		return fmt.Errorf("ptrace probe: %w", err)
	}
	return nil
}
