// Package patchmake wires the libcare-patch-make command line (LibcarePlus
// scripts/libcare-patch-make, facts §6) to internal/patchmake.
package patchmake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/golibcare/golibcare/internal/cli/clitool"
	pm "github.com/golibcare/golibcare/internal/patchmake"
)

// synopsis is the command line, as upstream's usage() prints it.
const synopsis = `libcare-patch-make [-h|--help] [--version] [-u|--update || -c|--clean] [-s|--srcdir=SRCDIR] \
	[-d|--destdir=DESTDIRVAR] [-i|--id=PATCH-ID] [-b|--buildid=BUILD-ID] [-j|--jobs[=N]] [-v] \
	[-p|--strip=N] [--series=SERIES] [-o|--output=DIR] [--build-system=NAME] [--configure=ARGS] \
	[--build=CMD --install=CMD] [--no-cache] [--sign KEY] [--target=FILE]... [--target-build-id=ID]... \
	[--pid=PID]... [--deb SRCDIR|FILE.dsc [--deb-binary FILE.deb]...] PATCH1 PATCH2 ...
  libcare-patch-make [options] --git A..B|B [REPO]`

const description = `Run from the project's top directory. The build system is detected there
(a makefile or ./lpmakefile; else ./configure, run first; else
CMakeLists.txt; else meson.build) or named by --build-system (make,
configure, cmake, meson, command); --build and --install run your own
commands (CC, CXX and PATH name libcare-cc, $DESTDIR the install root).

Nothing is written into the project's tree: it is copied under the output
directory (-o, default the current directory, as upstream) and built
there. The original build is installed into DIR/lpmake/, every hunk is
checked before the first compile, and DIR/patchroot/<BuildID>.kpatch is
written for every binary that changed. The original build is kept in
DIR/.lpmaketmp/ and reused by the next patch against the same tree,
which then compiles only what the new patch touches (--no-cache or -c
build everything again).

With --target (the deployed executable or library; repeatable),
--target-build-id or --pid (the objects a running process has mapped),
the Build-IDs of the original build are checked against the targets
before the diff is applied: when none matches, the run stops with both
Build-IDs and the likely cause (other flags, -g, a build dependency's
version). Patches are then made only for the objects that match, and
DIR/patchroot/<BuildID>.target names the target of each.

With --deb SRCDIR|file.dsc, a Debian source package (a .dsc is unpacked
with dpkg-source -x) is built with its own rules (dpkg-buildpackage -b),
libcare-cc as CC, at /build/reproducible-path/<source>-<upstream version>
inside a private mount namespace, SOURCE_DATE_EPOCH from
debian/changelog; the patched stage reruns only the package's build
step. --deb-binary FILE.deb (or --target) names the archive's binaries:
their Build-IDs must match. Build dependencies are yours to install
(apt-get build-dep); the output directory defaults to the current one.

A PATCH is a unified diff in any form GNU patch reads (diff -u, git diff,
git format-patch mails, hg export, quilt patches, CRLF), or a quilt
directory (DIR/series or DIR/patches/series) whose patches apply in order.
The strip level is -p1 when the names fit, else the one level that fits.`

// Options are the parsed command line.
type Options struct {
	pm.Options
	series []string // --series files
	strip  int      // -p
}

// UsageError is a command-line mistake: one line, exit status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return clitool.UsageText("libcare-patch-make", e.Msg) }

// ExitUsage is the exit status of a usage error.
const ExitUsage = clitool.ExitUsage

// ExitCode maps an error from the command to the exit status: 128+signal
// after SIGINT/SIGTERM (sources restored), 2 for a usage error, 1 for
// every failure, as the upstream script's exit 1.
func ExitCode(err error) int {
	var se *pm.SignalError
	if errors.As(err, &se) {
		return se.ExitCode()
	}
	var u *UsageError
	if errors.As(err, &u) {
		return ExitUsage
	}
	return 1
}

// NewCmd returns the libcare-patch-make command; runF, when not nil,
// replaces the action so tests can check flag parsing alone.
func NewCmd(runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   synopsis,
		Short: "Build a project twice and make .kpatch files from a diff",
		Long:  description,

		DisableFlagsInUseLine: true,
		SilenceErrors:         true,
		SilenceUsage:          true,
		Args:                  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Configured = cmd.Flags().Changed("configure")
			opts.Deb = opts.DebSource != ""
			if err := opts.complete(args); err != nil {
				return err
			}
			opts.Stdout, opts.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &UsageError{Msg: err.Error()}
	})
	clitool.Setup(cmd)
	f := cmd.Flags()
	f.BoolVarP(&opts.Update, "update", "u", false, "skip both builds, only make patches again")
	f.BoolVarP(&opts.Clean, "clean", "c", false, "run make clean and remove lpmake dirs first")
	f.StringVarP(&opts.SrcDir, "srcdir", "s", "", "directory the patches apply in")
	f.StringVarP(&opts.DestDirVar, "destdir", "d", "DESTDIR", "make variable naming the install root")
	f.StringVarP(&opts.ID, "id", "i", pm.DefaultID, "patch id (at most 7 characters)")
	f.StringVarP(&opts.BuildID, "buildid", "b", "", "Build-ID written into the patch and its file name")
	f.VarP((*jobs)(&opts.Jobs), "jobs", "j", "make -j N; -j alone: as many jobs as CPUs")
	f.Lookup("jobs").NoOptDefVal = jobsAuto
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "show every command")
	f.StringVar(&opts.GitRange, "git", "", "build the patch from a git range A..B (or B: its parent..B)")
	f.StringArrayVar(&opts.series, "series", nil, "apply the patches of a quilt series file, in order, before PATCH...")
	f.IntVarP(&opts.strip, "strip", "p", pm.StripDetect, "strip N leading path components from the file names of PATCH... (default: detect)")
	f.StringVarP(&opts.OutDir, "output", "o", "", "directory for lpmake/, patchroot/ and .lpmaketmp/ (default: the current directory)")
	f.StringVar(&opts.BuildSystem, "build-system", "", "build system: make, configure, cmake, meson, command or dpkg (default: detected)")
	f.StringVar(&opts.ConfigureArgs, "configure", "", "run the configure step (./configure, cmake, meson setup) with these arguments")
	f.StringVar(&opts.BuildCmd, "build", "", "shell command that builds the tree (with --install)")
	f.StringVar(&opts.InstallCmd, "install", "", "shell command that installs the build into $DESTDIR (with --build)")
	f.StringVar(&opts.Sign, "sign", "", "private key (libcare-ctl keygen) signing each patch into PATCH.sig")
	f.StringArrayVar(&opts.Targets, "target", nil, "deployed executable or library the patch is for (repeatable)")
	f.StringArrayVar(&opts.TargetBuildIDs, "target-build-id", nil, "Build-ID of an object the patch is for (repeatable)")
	f.IntSliceVar(&opts.PIDs, "pid", nil, "running process whose objects the patch is for (repeatable)")
	f.StringVar(&opts.DebSource, "deb", "", "build the Debian source package SRCDIR or file.dsc with its own rules at /build/reproducible-path/<source>-<version>")
	f.StringArrayVar(&opts.DebBinaries, "deb-binary", nil, "archive .deb whose objects the patch is for (repeatable)")
	f.BoolVar(&opts.NoCache, "no-cache", false, "build the original code again even if an earlier run built the same tree")
	return cmd
}

// complete checks the combination of flags and arguments.
func (o *Options) complete(args []string) error {
	switch {
	case o.ID == "" || len(o.ID) > pm.MaxIDLen:
		return &UsageError{Msg: "Invalid patch-id!"}
	case o.Update && o.Clean:
		return &UsageError{Msg: "-u and -c exclude each other"}
	case o.Jobs < 0:
		return &UsageError{Msg: "-j needs a positive number"}
	case o.GitRange != "" && len(args) > 1:
		return &UsageError{Msg: "--git takes at most one repository argument"}
	case o.GitRange != "" && len(o.series) > 0:
		return &UsageError{Msg: "--git and --series exclude each other"}
	case o.GitRange == "" && len(args) == 0 && len(o.series) == 0:
		return &UsageError{Msg: "no patch given"}
	case o.strip < pm.StripDetect:
		return &UsageError{Msg: "-p needs a number of components (0 or more)"}
	case len(o.DebBinaries) > 0 && !o.Deb:
		return &UsageError{Msg: "--deb-binary goes with --deb"}
	case o.Deb && (o.BuildCmd != "" || o.BuildSystem != "" && o.BuildSystem != "dpkg"):
		return &UsageError{Msg: "--deb builds with the package's rules (the dpkg build system)"}
	case (o.BuildCmd == "") != (o.InstallCmd == ""):
		return &UsageError{Msg: "--build and --install go together"}
	case o.BuildCmd != "" && o.BuildSystem != "" && o.BuildSystem != "command":
		return &UsageError{Msg: "--build/--install use the command build system, not " + o.BuildSystem}
	}
	if o.GitRange != "" {
		if len(args) == 1 {
			o.GitRepo = args[0]
		}
		return nil
	}
	return o.addPatches(args)
}

// addPatches lists the --series patches, then PATCH... with quilt
// directories expanded, in the order they apply.
func (o *Options) addPatches(args []string) error {
	for _, s := range o.series {
		if err := o.addSeries(s); err != nil {
			return err
		}
	}
	for _, a := range args {
		if fi, err := os.Stat(a); err == nil && fi.IsDir() {
			s := pm.FindSeries(a)
			if s == "" {
				return &UsageError{Msg: a + ": a directory without a quilt series file (series or patches/series)"}
			}
			if err := o.addSeries(s); err != nil {
				return err
			}
			continue
		}
		o.add(a, pm.PatchOpts{Strip: o.strip})
	}
	return nil
}

func (o *Options) addSeries(path string) error {
	entries, err := pm.ReadSeries(path)
	if err != nil {
		return err
	}
	for _, e := range entries {
		o.add(e.Path, e.PatchOpts)
	}
	return nil
}

// add appends one patch; options other than the default are kept by name.
func (o *Options) add(name string, opts pm.PatchOpts) {
	o.Patches = append(o.Patches, name)
	if opts != pm.DefaultPatchOpts {
		if o.PatchOpts == nil {
			o.PatchOpts = map[string]pm.PatchOpts{}
		}
		o.PatchOpts[name] = opts
	}
}

// Run runs libcare-patch-make from the current directory with the tools
// found next to its own executable (the script's $(dirname $0)). SIGINT and
// SIGTERM stop make, restore the sources and end with 128+signal.
func Run(o *Options) error {
	if o.ToolDir == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own executable: %w", err)
		}
		o.ToolDir = filepath.Dir(exe)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer func() {
		signal.Stop(sigs)
		close(sigs)
	}()
	go func() {
		for s := range sigs {
			sig := s.(syscall.Signal)
			fmt.Fprintf(o.Stderr, "libcare-patch-make: got %s, stopping and restoring sources\n", unix.SignalName(sig))
			cancel(&pm.SignalError{Sig: sig})
		}
	}()
	_, err := pm.Run(ctx, o.Options)
	return err
}
