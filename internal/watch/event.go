package watch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Kind is the proc_event "what" field (linux/cn_proc.h enum what).
type Kind uint32

// Event kinds the watcher reports.
const (
	KindNone Kind = 0x00000000
	KindFork Kind = 0x00000001
	KindExec Kind = 0x00000002
	KindExit Kind = 0x80000000
)

func (k Kind) String() string {
	switch k {
	case KindNone:
		return "none"
	case KindFork:
		return "fork"
	case KindExec:
		return "exec"
	case KindExit:
		return "exit"
	}
	return fmt.Sprintf("kind(%#x)", uint32(k))
}

// Event is one process event.
type Event struct {
	Kind Kind
	CPU  int
	// Time is the kernel's CLOCK_MONOTONIC time of the event (ktime_get_ns),
	// comparable with Monotonic.
	Time time.Duration
	Pid  int // the thread (exec: the new program's pid; fork: the child)
	Tgid int // its process
	// Parent and ParentTgid are set for fork events.
	Parent, ParentTgid int
	// ExitCode is set for exit events (the wait status).
	ExitCode int
}

// Sizes and constants of the wire format (linux/netlink.h, connector.h, cn_proc.h).
const (
	nlmsgHdrLen  = 16
	cnMsgLen     = 20
	procHdrLen   = 16 // what, cpu, timestamp_ns
	_NLMSG_DONE  = 3
	_CN_IDX_PROC = 1
	_CN_VAL_PROC = 1

	_PROC_CN_MCAST_LISTEN = 1
)

// ErrShort means a message is shorter than its headers say.
var ErrShort = errors.New("short process event message")

// ParseEvents decodes the netlink datagram b into events, skipping messages
// of other connectors and event kinds it does not know.
func ParseEvents(b []byte) ([]Event, error) {
	evs := []Event{}
	for len(b) > 0 {
		if len(b) < nlmsgHdrLen {
			return nil, ErrShort
		}
		n := int(binary.NativeEndian.Uint32(b))
		if n < nlmsgHdrLen || n > len(b) {
			return nil, fmt.Errorf("netlink message length %d of %d bytes: %w", n, len(b), ErrShort)
		}
		ev, ok, err := parseCnMsg(b[nlmsgHdrLen:n])
		if err != nil {
			return nil, err
		}
		if ok {
			evs = append(evs, ev)
		}
		b = b[min(len(b), (n+3)&^3):] // NLMSG_ALIGN
	}
	return evs, nil
}

func parseCnMsg(b []byte) (Event, bool, error) {
	if len(b) < cnMsgLen {
		return Event{}, false, ErrShort
	}
	idx, val := binary.NativeEndian.Uint32(b), binary.NativeEndian.Uint32(b[4:])
	dlen := int(binary.NativeEndian.Uint16(b[16:]))
	if idx != _CN_IDX_PROC || val != _CN_VAL_PROC {
		return Event{}, false, nil
	}
	if cnMsgLen+dlen > len(b) || dlen < procHdrLen {
		return Event{}, false, fmt.Errorf("connector payload of %d bytes: %w", dlen, ErrShort)
	}
	return parseProcEvent(b[cnMsgLen : cnMsgLen+dlen])
}

func parseProcEvent(b []byte) (Event, bool, error) {
	u32 := func(i int) int { return int(binary.NativeEndian.Uint32(b[procHdrLen+4*i:])) }
	ev := Event{
		Kind: Kind(binary.NativeEndian.Uint32(b)),
		CPU:  int(binary.NativeEndian.Uint32(b[4:])),
		Time: time.Duration(binary.NativeEndian.Uint64(b[8:])),
	}
	need := map[Kind]int{KindExec: 2, KindFork: 4, KindExit: 4}[ev.Kind]
	if need == 0 {
		return Event{}, false, nil
	}
	if len(b) < procHdrLen+4*need {
		return Event{}, false, fmt.Errorf("%v event of %d bytes: %w", ev.Kind, len(b), ErrShort)
	}
	switch ev.Kind {
	case KindExec:
		ev.Pid, ev.Tgid = u32(0), u32(1)
	case KindFork:
		ev.Parent, ev.ParentTgid, ev.Pid, ev.Tgid = u32(0), u32(1), u32(2), u32(3)
	case KindExit:
		ev.Pid, ev.Tgid, ev.ExitCode = u32(0), u32(1), u32(2)
	}
	return ev, true, nil
}

// listenRequest is the message that subscribes a socket to process events.
func listenRequest() []byte {
	b := make([]byte, 0, nlmsgHdrLen+cnMsgLen+4)
	b = binary.NativeEndian.AppendUint32(b, nlmsgHdrLen+cnMsgLen+4)
	b = binary.NativeEndian.AppendUint16(b, _NLMSG_DONE)
	b = binary.NativeEndian.AppendUint16(b, 0) // flags
	b = binary.NativeEndian.AppendUint32(b, 0) // seq
	b = binary.NativeEndian.AppendUint32(b, 0) // pid: the kernel knows our port
	b = binary.NativeEndian.AppendUint32(b, _CN_IDX_PROC)
	b = binary.NativeEndian.AppendUint32(b, _CN_VAL_PROC)
	b = binary.NativeEndian.AppendUint32(b, 0) // seq
	b = binary.NativeEndian.AppendUint32(b, 0) // ack
	b = binary.NativeEndian.AppendUint16(b, 4) // len
	b = binary.NativeEndian.AppendUint16(b, 0) // flags
	return binary.NativeEndian.AppendUint32(b, _PROC_CN_MCAST_LISTEN)
}
