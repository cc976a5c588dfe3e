//go:build !(linux && amd64)

package hold

import "errors"

// Hold is unsupported off linux/amd64.
func (Holder) Hold(pid int) (func() error, error) {
	return nil, errors.New("hold: only linux/amd64 is supported")
}
