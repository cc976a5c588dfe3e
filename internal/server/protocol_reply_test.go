package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// cServerArgv parses a request the way LibcarePlus's handle_client does:
// argv up to the first empty string; it needs the bytes to end in two
// NULs and fit its 4096-byte buffer.
func cServerArgv(t *testing.T, msg []byte) []string {
	t.Helper()
	if len(msg) >= MaxRequest || !bytes.HasSuffix(msg, []byte{0, 0}) {
		t.Fatalf("request %q: the C server would not end its read or would refuse it", msg)
	}
	var argv []string
	for _, a := range bytes.Split(msg, []byte{0}) {
		if len(a) == 0 {
			break
		}
		argv = append(argv, string(a))
	}
	return argv
}

func TestEncodeRequestOptions(t *testing.T) {
	args := []string{"patch", "-p", "42", "/p/x.kpatch"}
	msg, err := EncodeRequestOptions(args, []string{OptStatus})
	if err != nil {
		t.Fatal(err)
	}
	if want := "patch\x00-p\x0042\x00/p/x.kpatch\x00\x00+status\x00\x00"; string(msg) != want {
		t.Errorf("got %q, want %q", msg, want)
	}
	if got := cServerArgv(t, msg); strings.Join(got, "|") != strings.Join(args, "|") {
		t.Errorf("C server argv: got %q, want %q", got, args)
	}
	long := []string{strings.Repeat("a", MaxRequest-4)}
	msg, err = EncodeRequestOptions(long, []string{OptStatus})
	if plain, _ := EncodeRequest(long); err != nil || !bytes.Equal(msg, plain) {
		t.Errorf("near the limit: got %d bytes, %v; want the plain request of %d", len(msg), err, len(plain))
	}
}

func TestReadRequestOptions(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		args, opts string
	}{
		{"plain", "info\x00-p\x001\x00\x00", "info|-p|1", ""},
		{"status", "info\x00\x00+status\x00\x00", "info", OptStatus},
		{"two options", "info\x00\x00+status\x00+later\x00\x00", "info", OptStatus + "|+later"},
		{"options cut short", "info\x00\x00+sta", "info", ""},
		{"empty options", "info\x00\x00\x00", "info", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args, opts, err := ReadRequestOptions(strings.NewReader(tt.in))
			if err != nil || strings.Join(args, "|") != tt.args || strings.Join(opts, "|") != tt.opts {
				t.Errorf("got %q %q %v, want %q %q", args, opts, err, tt.args, tt.opts)
			}
		})
	}
}

// TestReadRequestNoWait: a LibcarePlus client sends the request alone and
// waits with its end open; the server must not wait for options.
func TestReadRequestNoWait(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go a.Write([]byte("info\x00-p\x001\x00\x00"))
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	args, opts, err := ReadRequestOptions(b)
	if err != nil || len(args) != 3 || opts != nil {
		t.Errorf("got %q %q %v, want the request at once", args, opts, err)
	}
}

func TestReplyRoundTrip(t *testing.T) {
	for _, framed := range []bool{false, true} {
		var opts []string
		if framed {
			opts = []string{OptStatus}
		}
		var wire bytes.Buffer
		r := NewReplier(&wire, opts)
		io.WriteString(r.Stdout(), "line 1\n")
		io.WriteString(r.Stderr(), "oops\n")
		io.WriteString(stderrOf(r.Stdout()), "oops again\n")
		io.WriteString(r.Stdout(), "line 2\n")
		r.Finish(255)
		if !framed && wire.String() != "line 1\noops\noops again\nline 2\n" {
			t.Errorf("plain reply: got %q, want the output alone", wire.String())
		}
		var out, errb bytes.Buffer
		status, gotFramed, err := ReadReply(&wire, &out, &errb)
		if err != nil || gotFramed != framed {
			t.Fatalf("framed %v: got framed %v, %v", framed, gotFramed, err)
		}
		wantOut, wantErr, wantStatus := "line 1\nline 2\n", "oops\noops again\n", 255
		if !framed {
			wantOut, wantErr, wantStatus = "line 1\noops\noops again\nline 2\n", "", 0
		}
		if out.String() != wantOut || errb.String() != wantErr || status != wantStatus {
			t.Errorf("framed %v: got %q %q status %d, want %q %q %d", framed, out.String(), errb.String(), status, wantOut, wantErr, wantStatus)
		}
	}
}

func TestReadReplyCut(t *testing.T) {
	var wire bytes.Buffer
	r := NewReplier(&wire, []string{OptStatus})
	io.WriteString(r.Stdout(), "half")
	if _, _, err := ReadReply(&wire, io.Discard, io.Discard); !errors.Is(err, ErrNoStatus) {
		t.Errorf("got %v, want ErrNoStatus", err)
	}
}

func FuzzReadReply(f *testing.F) {
	var wire bytes.Buffer
	r := NewReplier(&wire, []string{OptStatus})
	io.WriteString(r.Stdout(), "out\n")
	io.WriteString(r.Stderr(), "err\n")
	r.Finish(2)
	f.Add(wire.Bytes())
	f.Add([]byte("plain text\n"))
	f.Add([]byte(ReplyMagic + "s\x00\x00\x00\x05"))
	f.Fuzz(func(t *testing.T, b []byte) {
		status, framed, err := ReadReply(bytes.NewReader(b), io.Discard, io.Discard)
		if !framed && (status != 0 || err != nil) {
			t.Fatalf("plain reply: got status %d, %v; want 0, nil", status, err)
		}
	})
}
