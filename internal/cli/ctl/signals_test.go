//go:build linux && amd64

package ctl_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// rtSignals and rtCycles: issue 8's signal test. rtsig counts SIGRTMIN
// signals sigqueue'd with sequence numbers at ~1 kHz while libcare-ctl
// patches and unpatches it rtCycles times; every number must arrive
// exactly once, with SI_QUEUE, the sender's pid and its si_value (before
// this session 366 of 10,000 were lost and 810 changed to SI_TKILL).
const (
	rtSignals = 4000
	rtCycles  = 50
)

func TestRTSignalsThroughCycles(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "rtsig.c", Patched: "rtsig.patched.c", LDFlags: []string{"-pthread"}})
	testutil.Run(t, dir, "gcc", "-O2", "-o", "rtsend", "rtsend.c")
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "unpatched 0 0 0 0\n")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	send := exec.CommandContext(ctx, filepath.Join(dir, "rtsend"), tg.p(), fmt.Sprint(rtSignals), "1000")
	var sendOut strings.Builder
	send.Stdout, send.Stderr = &sendOut, &sendOut
	if err := send.Start(); err != nil {
		t.Fatal(err)
	}
	sent := make(chan error, 1)
	go func() { sent <- send.Wait() }()
	t.Cleanup(func() { send.Process.Kill(); <-sent })

	cycles := 0
	for ; cycles < rtCycles; cycles++ {
		testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
		tg.skip()
		tg.wait(t, "\npatched ")
		testutil.MustCtl(t, "unpatch", "-p", tg.p())
		tg.skip()
		tg.wait(t, "\nunpatched ")
	}
	select {
	case err := <-sent:
		if err != nil {
			t.Fatalf("rtsend: %v\n%s", err, sendOut.String())
		}
		sent <- nil
	case <-ctx.Done():
		t.Fatalf("rtsend did not finish")
	}
	want := fmt.Sprintf("unpatched %d 0 0 %d\n", rtSignals, send.Process.Pid)
	tg.skip()
	tg.wait(t, "\n")
	deadline := time.Now().Add(waitTime)
	for !strings.Contains(tg.out.String()[tg.mark:], want) {
		if time.Now().After(deadline) {
			t.Fatalf("after %d patch/unpatch cycles: got %q, want a line %q (distinct, duplicates, bad, sender)",
				cycles, tail(tg.out.String()[tg.mark:]), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	testutil.CheckUntraced(t, tg.pid)
}
