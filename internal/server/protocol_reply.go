package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// The status extension. A LibcarePlus client sends the request alone and
// reads plain output until EOF; it gets exactly that. Our client sends,
// in the same write, an options block after the request's terminator, in
// the same framing ("+status\0\0"). LibcarePlus's server reads until the
// bytes received end in two NULs and parses argv up to the first empty
// one, so it ignores the block and answers in plain text. Ours answers a
// request with OptStatus in frames, and the client tells the two apart by
// ReplyMagic, which plain output never starts with (a NUL byte).
const (
	// OptStatus asks for a framed reply ending with the command's status.
	OptStatus = "+status"
	// ReplyMagic starts a framed reply.
	ReplyMagic = "\x00LIBCARE-REPLY-1\n"
	// maxFrame bounds a frame read by a client.
	maxFrame = 1 << 24
)

// Frame kinds: a frame is the kind byte, a big-endian uint32 length and
// that many bytes. The status frame is last; its 4 bytes are the exit
// status as a big-endian int32.
const (
	FrameStdout = 'o'
	FrameStderr = 'e'
	FrameStatus = 's'
)

// ErrNoStatus is returned by ReadReply for a framed reply that ended
// before its status frame (the server died).
var ErrNoStatus = errors.New("server closed the connection before sending the status")

// EncodeRequestOptions frames args like EncodeRequest and adds the options
// block. The whole must stay under LibcarePlus's 4096-byte buffer, which
// it refuses when full; a request too long for the block goes without it.
func EncodeRequestOptions(args, opts []string) ([]byte, error) {
	b, err := EncodeRequest(args)
	if err != nil || len(opts) == 0 {
		return b, err
	}
	o, err := EncodeRequest(opts)
	if err != nil {
		return nil, fmt.Errorf("request options: %w", err)
	}
	if len(b)+len(o) >= MaxRequest {
		return b, nil
	}
	return append(b, o...), nil
}

func hasOption(opts []string, o string) bool {
	for _, x := range opts {
		if x == o {
			return true
		}
	}
	return false
}

// Replier writes a command's output to a client: plain bytes, stdout and
// stderr mixed as LibcarePlus does, or frames when the client asked for
// the status. A client that goes away must not fail a patch half done, so
// after the first write error the output is dropped and writes still
// succeed.
type Replier struct {
	mu     sync.Mutex
	w      io.Writer
	framed bool
	failed bool
}

// NewReplier returns the replier for a request with opts; a framed reply
// starts with ReplyMagic at once.
func NewReplier(w io.Writer, opts []string) *Replier {
	r := &Replier{w: w, framed: hasOption(opts, OptStatus)}
	if r.framed {
		r.write([]byte(ReplyMagic))
	}
	return r
}

// Stdout returns the writer for the command's standard output; its
// Stderr method gives the standard error of the same reply.
func (r *Replier) Stdout() io.Writer { return replyStream{r, FrameStdout} }

// Stderr returns the writer for the command's standard error.
func (r *Replier) Stderr() io.Writer { return replyStream{r, FrameStderr} }

// Finish ends a framed reply with the status; a plain one has none.
func (r *Replier) Finish(status int) {
	if r.framed {
		r.frame(FrameStatus, binary.BigEndian.AppendUint32(nil, uint32(int32(status))))
	}
}

func (r *Replier) frame(kind byte, p []byte) {
	b := make([]byte, 0, 5+len(p))
	b = append(b, kind)
	b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
	r.write(append(b, p...))
}

func (r *Replier) write(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.failed {
		if _, err := r.w.Write(b); err != nil {
			r.failed = true
		}
	}
}

type replyStream struct {
	r    *Replier
	kind byte
}

func (s replyStream) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if s.r.framed {
		for rest := p; len(rest) > 0; {
			n := min(len(rest), maxFrame)
			s.r.frame(s.kind, rest[:n])
			rest = rest[n:]
		}
	} else {
		s.r.write(p)
	}
	return len(p), nil
}

// Stderr lets code that was handed only the stdout writer find stderr.
func (s replyStream) Stderr() io.Writer { return replyStream{s.r, FrameStderr} }

// stderrOf returns the standard error that goes with out: its own stream
// for a reply, else out itself.
func stderrOf(out io.Writer) io.Writer {
	if e, ok := out.(interface{ Stderr() io.Writer }); ok {
		return e.Stderr()
	}
	return out
}

// ReadReply copies a reply to stdout and stderr. framed tells whether it
// came with a status (our server) or as plain output (a LibcarePlus
// server, which has none), copied to stdout whole.
func ReadReply(r io.Reader, stdout, stderr io.Writer) (status int, framed bool, err error) {
	head := make([]byte, len(ReplyMagic))
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, false, err
	}
	if !bytes.Equal(head[:n], []byte(ReplyMagic)) {
		if _, err := stdout.Write(head[:n]); err != nil {
			return 0, false, err
		}
		_, err := io.Copy(stdout, r)
		return 0, false, err
	}
	status, err = readFrames(r, stdout, stderr)
	return status, true, err
}

func readFrames(r io.Reader, stdout, stderr io.Writer) (int, error) {
	var h [5]byte
	for {
		if _, err := io.ReadFull(r, h[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return 0, ErrNoStatus
			}
			return 0, err
		}
		size := binary.BigEndian.Uint32(h[1:])
		if size > maxFrame {
			return 0, fmt.Errorf("reply frame of %d bytes: more than %d", size, maxFrame)
		}
		p := make([]byte, size)
		if _, err := io.ReadFull(r, p); err != nil {
			return 0, ErrNoStatus
		}
		switch h[0] {
		case FrameStatus:
			if size != 4 {
				return 0, fmt.Errorf("status frame of %d bytes, want 4", size)
			}
			return int(int32(binary.BigEndian.Uint32(p))), nil
		case FrameStderr:
			stderr.Write(p)
		default: // stdout, and kinds added later
			stdout.Write(p)
		}
	}
}

// RequestStatus sends args to the server on socket, asking for the
// status, and copies the answer to stdout and stderr. framed is false
// when the server answered in plain text (LibcarePlus): status is then 0.
func RequestStatus(socket string, args []string, stdout, stderr io.Writer) (status int, framed bool, err error) {
	msg, err := EncodeRequestOptions(args, []string{OptStatus})
	if err != nil {
		return 0, false, err
	}
	c, err := net.Dial("unix", socket)
	if err != nil {
		return 0, false, fmt.Errorf("connect to %s: %w", socket, err)
	}
	defer c.Close()
	// One write: LibcarePlus's server stops reading at the first chunk
	// that ends in two NULs, and closing with unread bytes would reset us.
	if _, err := c.Write(msg); err != nil {
		return 0, false, fmt.Errorf("send to %s: %w", socket, err)
	}
	status, framed, err = ReadReply(c, stdout, stderr)
	if err != nil {
		return status, framed, fmt.Errorf("read from %s: %w", socket, err)
	}
	return status, framed, nil
}
