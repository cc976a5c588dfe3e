package patchmake

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golibcare/golibcare/internal/buildsys"
)

// Stages of a build, the value of KPATCH_STAGE for libcare-cc (facts §5.1).
const (
	StageOriginal = buildsys.StageOriginal
	StagePatched  = buildsys.StagePatched
)

// MakeError is a build command that exited non-zero (the name is the
// upstream script's: make was the only build system).
type MakeError = buildsys.Error

// SignalError is the cause a run is cancelled with when the process gets a
// signal; the command exits with 128+Sig like a shell would report.
type SignalError struct{ Sig syscall.Signal }

func (e *SignalError) Error() string { return "interrupted by " + unix.SignalName(e.Sig) }

// ExitCode is 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
func (e *SignalError) ExitCode() int { return 128 + int(e.Sig) }

// Signal is the signal the build's process group gets (buildsys.Runner).
func (e *SignalError) Signal() syscall.Signal { return e.Sig }

// stageEnv is what libcare-cc reads in each stage. The debug filter stays
// off in both stages, as the upstream script's export leaves it;
// treeMap ("COPY=ORIG") makes the copy's binaries name the files as the
// user's tree does.
func stageEnv(stage string, verbose bool, treeMap string) []string {
	env := []string{"KPATCH_STAGE=" + stage, "KPCC_DBGFILTER_ARGS="}
	if stage == StagePatched {
		env = append(env, "KPCC_APPEND_ARGS=-Wl,-q")
	}
	if treeMap != "" {
		env = append(env, "KPCC_TREE_MAP="+treeMap)
	}
	if verbose {
		env = append(env, "KPCC_DEBUG=1")
	}
	return env
}

// compilerDir makes dir/{cc,gcc,c++,g++} links to libcare-cc, the private
// directory that goes first on the build's PATH (the system cc stays as it
// is).
func compilerDir(dir, libcareCC string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"cc", "gcc", "c++", "g++"} {
		if err := os.Symlink(libcareCC, filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("compiler link: %w", err)
		}
	}
	return nil
}

// buildEnv is env without make's recursion variables and with binDir first
// on PATH. The real compilers are pinned (KPCCREAL/KPCXXREAL) from the PATH
// before binDir, so libcare-cc never finds its own links.
func buildEnv(env []string, binDir, toolDir, cc, cxx string) []string {
	drop := map[string]bool{"MAKELEVEL": true, "MAKEFLAGS": true, "MFLAGS": true,
		"KPATCH_STAGE": true, "KPCC_APPEND_ARGS": true, "KPCC_DBGFILTER_ARGS": true, "KPCC_DEBUG": true,
		"PATH": true, "KPATCH_PATH": true, "CC": true, "CXX": true, "IS_LIBCARE_CC": true, "DESTDIR": true}
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	path := lookupEnv(env, "PATH")
	if lookupEnv(env, "KPCCREAL") == "" {
		out = append(out, "KPCCREAL="+lookPathIn("gcc", path))
	}
	if lookupEnv(env, "KPCXXREAL") == "" {
		out = append(out, "KPCXXREAL="+lookPathIn("g++", path))
	}
	return append(out, "PATH="+binDir+string(os.PathListSeparator)+path,
		"KPATCH_PATH="+toolDir, "IS_LIBCARE_CC=y", "CC="+cc, "CXX="+cxx)
}

// sessionVars are variables of a login session that no build reads; they
// are left out of the cache key so a new terminal still reuses the build.
var sessionVars = map[string]bool{
	"_": true, "OLDPWD": true, "PWD": true, "SHLVL": true, "TERM": true, "TERMCAP": true,
	"COLUMNS": true, "LINES": true, "DISPLAY": true, "WINDOWID": true, "COLORTERM": true,
	"TERM_PROGRAM": true, "TERM_PROGRAM_VERSION": true, "SSH_CLIENT": true, "SSH_CONNECTION": true,
	"SSH_TTY": true, "SSH_AUTH_SOCK": true, "SSH_AGENT_PID": true, "GPG_AGENT_INFO": true,
	"GPG_TTY": true, "DBUS_SESSION_BUS_ADDRESS": true, "MAIL": true, "LS_COLORS": true,
	"HISTSIZE": true, "HISTFILESIZE": true, "HISTCONTROL": true, "HISTFILE": true, "PS1": true,
	"PS2": true, "PROMPT_COMMAND": true, "TMUX": true, "TMUX_PANE": true, "STY": true,
	"WINDOW": true, "EDITOR": true, "VISUAL": true, "PAGER": true, "LESS": true,
	"LESSOPEN": true, "LESSCLOSE": true, "MOTD_SHOWN": true, "INVOCATION_ID": true,
	"JOURNAL_STREAM": true, "XDG_SESSION_ID": true, "XDG_SESSION_TYPE": true,
	"XDG_SESSION_CLASS": true, "XDG_RUNTIME_DIR": true, "XDG_SEAT": true, "XDG_VTNR": true,
}

// keyEnv is env sorted, without session variables: the part of the
// environment that can change what the compiler makes.
func keyEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); !sessionVars[k] {
			out = append(out, kv)
		}
	}
	sort.Strings(out)
	return out
}

func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// lookPathIn finds name in the PATH list path; the default of libcare-cc
// (/usr/bin/<name>) when it is not there.
func lookPathIn(name, path string) string {
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			if abs, err := filepath.Abs(p); err == nil {
				return abs
			}
		}
	}
	return "/usr/bin/" + name
}
