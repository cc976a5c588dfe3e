package watch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"
)

// message builds one netlink datagram carrying a proc_event.
func message(kind Kind, ts uint64, fields ...uint32) []byte {
	var ev []byte
	ev = binary.NativeEndian.AppendUint32(ev, uint32(kind))
	ev = binary.NativeEndian.AppendUint32(ev, 3) // cpu
	ev = binary.NativeEndian.AppendUint64(ev, ts)
	for _, f := range fields {
		ev = binary.NativeEndian.AppendUint32(ev, f)
	}
	b := listenRequest()[:nlmsgHdrLen+cnMsgLen]
	binary.NativeEndian.PutUint32(b, uint32(len(b)+len(ev)))
	binary.NativeEndian.PutUint16(b[nlmsgHdrLen+16:], uint16(len(ev)))
	return append(b, ev...)
}

func TestParseEvents(t *testing.T) {
	other := message(KindExec, 1, 5, 5)
	binary.NativeEndian.PutUint32(other[nlmsgHdrLen:], 7) // another connector
	tests := []struct {
		name string
		in   []byte
		want []Event
		err  bool
	}{
		{"exec", message(KindExec, 1000, 42, 41), []Event{{Kind: KindExec, CPU: 3, Time: 1000, Pid: 42, Tgid: 41}}, false},
		{"fork", message(KindFork, 7, 1, 1, 99, 99), []Event{{Kind: KindFork, CPU: 3, Time: 7, Parent: 1, ParentTgid: 1, Pid: 99, Tgid: 99}}, false},
		{"exit", message(KindExit, 8, 99, 99, 256, 17), []Event{{Kind: KindExit, CPU: 3, Time: 8, Pid: 99, Tgid: 99, ExitCode: 256}}, false},
		{"two in one", append(message(KindExec, 1, 2, 2), message(KindExec, 3, 4, 4)...),
			[]Event{{Kind: KindExec, CPU: 3, Time: 1, Pid: 2, Tgid: 2}, {Kind: KindExec, CPU: 3, Time: 3, Pid: 4, Tgid: 4}}, false},
		{"ack skipped", message(KindNone, 0, 0), []Event{}, false},
		{"other connector", other, []Event{}, false},
		{"short exec", message(KindExec, 1, 42), nil, true},
		{"truncated", message(KindExec, 1, 42, 42)[:30], nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEvents(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("got error %v, want error %v", err, tt.err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("event %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func FuzzParseEvents(f *testing.F) {
	f.Add(message(KindExec, 1000, 42, 41))
	f.Add(message(KindFork, 7, 1, 1, 99, 99))
	f.Add(append(message(KindExit, 8, 99, 99, 256, 17), 0, 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := ParseEvents(b)
		if (err != nil) != (evs == nil) {
			t.Fatalf("got %v and %v: want exactly one", evs, err)
		}
	})
}

func TestListenRequest(t *testing.T) {
	want := []byte{
		40, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // nlmsghdr: len 40, NLMSG_DONE
		1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, // cn_msg: CN_IDX_PROC, CN_VAL_PROC, len 4
		1, 0, 0, 0, // PROC_CN_MCAST_LISTEN
	}
	if got := listenRequest(); !bytes.Equal(got, want) {
		t.Errorf("got % x, want % x", got, want)
	}
}

// TestWatchExec runs /bin/true and waits for its fork, exec and exit.
func TestWatchExec(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("skipping test: process events need CAP_NET_ADMIN")
	}
	w, err := Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	before := Monotonic()
	cmd := exec.Command("/bin/true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	cmd.Wait()
	w.SetDeadline(time.Now().Add(10 * time.Second))
	seen := map[Kind]Event{}
	for len(seen) < 3 {
		ev, err := w.Next()
		if errors.Is(err, ErrOverrun) {
			continue
		}
		if err != nil {
			t.Fatalf("waiting for events of pid %d: %v (seen %v)", pid, err, seen)
		}
		if ev.Pid == pid && ev.Tgid == pid {
			seen[ev.Kind] = ev
		}
	}
	exe := seen[KindExec]
	if exe.Time < before || exe.Time > Monotonic() {
		t.Errorf("exec time %v: want between %v and now", exe.Time, before)
	}
	if seen[KindFork].ParentTgid != os.Getpid() {
		t.Errorf("fork parent: got %d, want %d", seen[KindFork].ParentTgid, os.Getpid())
	}
	if !(seen[KindFork].Time <= exe.Time && exe.Time <= seen[KindExit].Time) {
		t.Errorf("event order: fork %v exec %v exit %v", seen[KindFork].Time, exe.Time, seen[KindExit].Time)
	}
}

func TestCloseWakesNext(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("skipping test: process events need CAP_NET_ADMIN")
	}
	w, err := Listen()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := w.Next(); err != nil {
				done <- err
				return
			}
		}
	}()
	w.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Error("got nil error after Close, want one")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Next did not return after Close")
	}
}
