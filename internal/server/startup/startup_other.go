//go:build !(linux && amd64)

package startup

import (
	"context"
	"errors"
	"io"
)

// PatchAtEntry is unsupported off linux/amd64.
func (Patcher) PatchAtEntry(context.Context, int, string, io.Writer) (bool, error) {
	return false, errors.New("startup patching: only linux/amd64 is supported")
}

// Prestart does nothing off linux/amd64.
func (Patcher) Prestart() {}
