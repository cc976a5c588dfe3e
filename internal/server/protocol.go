package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Limits of one request (LibcarePlus src/kpatch_user.c cmd_server: a 4096
// byte buffer and an argv of 32 entries).
const (
	MaxRequest = 4096
	MaxArgs    = 32
)

// Request errors; the server answers them with a message and keeps serving.
var (
	ErrTooLong      = fmt.Errorf("request longer than %d bytes", MaxRequest)
	ErrTooManyArgs  = fmt.Errorf("request has more than %d arguments", MaxArgs)
	ErrUnterminated = errors.New("request not terminated by an empty argument")
	ErrEmpty        = errors.New("empty request")
)

// EncodeRequest frames argv the way libcare-client sends it: every argument
// followed by a NUL, then one more NUL. Arguments may not be empty or hold
// a NUL, since either would end the message early.
func EncodeRequest(args []string) ([]byte, error) {
	if len(args) == 0 {
		return nil, ErrEmpty
	}
	if len(args) > MaxArgs {
		return nil, ErrTooManyArgs
	}
	var b []byte
	for i, a := range args {
		if a == "" || bytes.IndexByte([]byte(a), 0) >= 0 {
			return nil, fmt.Errorf("argument %d: empty or holds a NUL byte", i)
		}
		b = append(append(b, a...), 0)
	}
	b = append(b, 0)
	if len(b) > MaxRequest {
		return nil, ErrTooLong
	}
	return b, nil
}

// ReadRequest reads one request from r: NUL-terminated arguments ending with
// an extra NUL. It stops reading at the terminator, so a client that keeps
// its end open while it waits for the answer is served.
func ReadRequest(r io.Reader) ([]string, error) {
	buf := make([]byte, 0, 256)
	chunk := make([]byte, MaxRequest)
	for {
		if args, done, err := parseRequest(buf); done {
			return args, err
		}
		if len(buf) >= MaxRequest {
			return nil, ErrTooLong
		}
		n, err := r.Read(chunk[:MaxRequest-len(buf)])
		buf = append(buf, chunk[:n]...)
		if err != nil && n == 0 {
			if args, done, perr := parseRequest(buf); done {
				return args, perr
			}
			if errors.Is(err, io.EOF) {
				return nil, ErrUnterminated
			}
			return nil, fmt.Errorf("read request: %w", err)
		}
	}
}

// parseRequest splits a complete request; done is false while buf holds no
// terminator yet.
func parseRequest(buf []byte) (args []string, done bool, err error) {
	for len(buf) > 0 {
		i := bytes.IndexByte(buf, 0)
		if i < 0 {
			return nil, false, nil
		}
		if i == 0 {
			if len(args) == 0 {
				return nil, true, ErrEmpty
			}
			return args, true, nil
		}
		if len(args) == MaxArgs {
			return nil, true, ErrTooManyArgs
		}
		args = append(args, string(buf[:i]))
		buf = buf[i+1:]
	}
	return nil, false, nil
}
