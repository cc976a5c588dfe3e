// Package regfile opens files that must be regular files (patches, stored
// patch headers) without ever blocking on what a path may name instead: a
// FIFO with no writer, a device, a directory.
package regfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// ErrNotRegular is wrapped by Open's error for anything but a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading if it is a regular file (after symlinks) and
// returns it with its FileInfo. The type is checked with stat before the
// open, so a device is never opened, and again with fstat on the open
// descriptor, which is what counts if the path was swapped in between; the
// open itself is non-blocking, so a FIFO swapped in cannot hang it.
func Open(path string) (*os.File, fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if err := regular(path, fi); err != nil {
		return nil, nil, err
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	fi, err = f.Stat()
	if err == nil {
		err = regular(path, fi)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

func regular(path string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	return fmt.Errorf("%s is %s: %w", path, describe(fi.Mode()), ErrNotRegular)
}

// describe names a file type for the error message.
func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}
