//go:build !(linux && amd64)

package ptrace

import "errors"

// Probe reports whether this program may trace processes: on platforms
// other than linux/amd64 it never can.
func Probe() error { return errors.New("ptrace: only linux/amd64 is supported") }
