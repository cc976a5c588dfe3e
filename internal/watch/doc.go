// Package watch reports process events (fork, exec, exit) from the kernel's
// process events connector: a NETLINK_CONNECTOR socket subscribed to the
// CN_IDX_PROC group with PROC_CN_MCAST_LISTEN (linux/connector.h,
// linux/cn_proc.h; drivers/connector/cn_proc.c). The kernel sends an exec
// event from exec_binprm, after the new program is loaded and before it
// runs in user space, which lets the server stop new processes early.
//
// Listening needs CAP_NET_ADMIN. Messages are built and parsed with
// encoding/binary; no unsafe.
//
// Wire layout of one event message (host byte order):
//
//	nlmsghdr   16 bytes  len, type (NLMSG_DONE), flags, seq, pid
//	cn_msg     20 bytes  id {idx CN_IDX_PROC=1, val CN_VAL_PROC=1}, seq, ack, len, flags
//	proc_event           what u32, cpu u32, timestamp_ns u64, then per kind:
//	  exec               process_pid u32, process_tgid u32
//	  fork               parent_pid, parent_tgid, child_pid, child_tgid u32
//	  exit               process_pid, process_tgid, exit_code, exit_signal u32
package watch
