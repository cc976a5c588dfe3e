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
	args, _, err := ReadRequestOptions(r)
	return args, err
}

// ReadRequestOptions reads one request and the options block that our
// client may send after it in the same write (protocol_reply.go). Nothing
// more is read when the request's bytes end at its terminator, which is
// all a LibcarePlus client sends.
func ReadRequestOptions(r io.Reader) (args, opts []string, err error) {
	buf := make([]byte, 0, 256)
	chunk := make([]byte, MaxRequest)
	n := 0
	for {
		if args == nil {
			var done bool
			if args, n, done, err = parseRequest(buf); done {
				if err != nil || len(buf) == n {
					return args, nil, err
				}
			}
		}
		if args != nil {
			if o, _, done, _ := parseRequest(buf[n:]); done {
				return args, o, nil
			}
		}
		if len(buf) >= MaxRequest {
			if args != nil {
				return args, nil, nil
			}
			return nil, nil, ErrTooLong
		}
		k, rerr := r.Read(chunk[:MaxRequest-len(buf)])
		buf = append(buf, chunk[:k]...)
		if rerr != nil && k == 0 {
			return endOfRequest(buf, args, rerr)
		}
	}
}

// endOfRequest ends a request whose client stopped sending: options cut
// short are dropped, a request cut short is an error.
func endOfRequest(buf []byte, args []string, err error) ([]string, []string, error) {
	if args != nil {
		return args, nil, nil
	}
	if a, _, done, perr := parseRequest(buf); done {
		return a, nil, perr
	}
	if errors.Is(err, io.EOF) {
		return nil, nil, ErrUnterminated
	}
	return nil, nil, fmt.Errorf("read request: %w", err)
}

// parseRequest splits a complete request; done is false while buf holds no
// terminator yet, n is the length of the request with its terminator.
func parseRequest(buf []byte) (args []string, n int, done bool, err error) {
	for n < len(buf) {
		i := bytes.IndexByte(buf[n:], 0)
		if i < 0 {
			return nil, 0, false, nil
		}
		if i == 0 {
			if len(args) == 0 {
				return nil, n + 1, true, ErrEmpty
			}
			return args, n + 1, true, nil
		}
		if len(args) == MaxArgs {
			return nil, 0, true, ErrTooManyArgs
		}
		args = append(args, string(buf[n:n+i]))
		n += i + 1
	}
	return nil, 0, false, nil
}
