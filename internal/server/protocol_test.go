package server

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestEncodeRequest(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
		err  error
	}{
		{"patch", []string{"patch", "-p", "42", "/p/x.kpatch"}, "patch\x00-p\x0042\x00/p/x.kpatch\x00\x00", nil},
		{"one", []string{"update"}, "update\x00\x00", nil},
		{"none", nil, "", ErrEmpty},
		{"many", make([]string, 33), "", ErrTooManyArgs},
		{"long", []string{strings.Repeat("a", MaxRequest)}, "", ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeRequest(tt.args)
			if !errors.Is(err, tt.err) {
				t.Fatalf("got error %v, want %v", err, tt.err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := EncodeRequest([]string{"a", ""}); err == nil {
		t.Errorf("empty argument: got nil error, want one")
	}
}

func TestReadRequest(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		err  error
	}{
		{"patch", "patch\x00-p\x0042\x00f\x00\x00", []string{"patch", "-p", "42", "f"}, nil},
		{"trailing bytes ignored", "info\x00\x00junk", []string{"info"}, nil},
		{"empty", "\x00", nil, ErrEmpty},
		{"no terminator", "patch\x00-p", nil, ErrUnterminated},
		{"one NUL short", "patch\x00-p\x00", nil, ErrUnterminated},
		{"garbage", strings.Repeat("x", 100<<10), nil, ErrTooLong},
		{"40 args", strings.Repeat("a\x00", 40) + "\x00", nil, ErrTooManyArgs},
		{"32 args", strings.Repeat("a\x00", 32) + "\x00", strings.Fields(strings.Repeat("a ", 32)), nil},
		{"exactly max", strings.Repeat("a", MaxRequest-2) + "\x00\x00", []string{strings.Repeat("a", MaxRequest-2)}, nil},
		{"max plus one", strings.Repeat("a", MaxRequest-1) + "\x00\x00", nil, ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
				got, err := ReadRequest(r)
				if !errors.Is(err, tt.err) {
					t.Fatalf("got error %v, want %v", err, tt.err)
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") || (got == nil) != (tt.want == nil) {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func FuzzReadRequest(f *testing.F) {
	f.Add([]byte("patch\x00-p\x001\x00x\x00\x00"))
	f.Add([]byte("\x00"))
	f.Add([]byte("a\x00b"))
	f.Fuzz(func(t *testing.T, b []byte) {
		args, err := ReadRequest(bytes.NewReader(b))
		if (err != nil) != (args == nil) {
			t.Fatalf("got args %q and error %v: want exactly one", args, err)
		}
		if err != nil {
			return
		}
		again, err := EncodeRequest(args)
		if err != nil || !bytes.HasPrefix(b, again) {
			t.Fatalf("round trip of %q: got %q, %v", b, again, err)
		}
	})
}
