package ctl

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/inspect"
	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/signature"
)

// InspectOptions are the parsed arguments of `inspect`.
type InspectOptions struct {
	*Options
	Path    string
	JSON    bool
	Keys    string
	MaxSize Size
}

func newInspectCmd(o *Options, runF func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{Options: o, MaxSize: kpatch.DefaultMaxSize}
	cmd := &cobra.Command{
		Use:   "inspect [--json] [--keys DIR] FILE|DIR",
		Short: "describe a .kpatch file or a storage directory offline",
		Args:  usageArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Path = args[0]
			if runF != nil {
				return runF(opts)
			}
			return RunInspect(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&opts.Keys, "keys", signature.DefaultKeysDir, "trusted public keys (*.pub) to check signatures with")
	cmd.Flags().Var(&opts.MaxSize, "max-size", "largest patch file to read (K, M, G suffixes)")
	return cmd
}

// RunInspect describes opts.Path.
func RunInspect(opts *InspectOptions) error {
	keys, err := signature.LoadKeys(opts.Keys)
	if err != nil {
		return fmt.Errorf("trusted keys: %w", err)
	}
	fi, err := os.Stat(opts.Path)
	if err != nil {
		return err
	}
	var reps []*inspect.Report
	if fi.IsDir() {
		reps, err = inspect.Dir(opts.Path, int64(opts.MaxSize), keys)
	} else {
		var r *inspect.Report
		r, err = inspect.File(opts.Path, int64(opts.MaxSize), keys)
		reps = []*inspect.Report{r}
	}
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.Stdout)
		enc.SetIndent("", "  ")
		if fi.IsDir() {
			return enc.Encode(reps)
		}
		return enc.Encode(reps[0])
	}
	for _, r := range reps {
		printReport(opts.Options, r)
	}
	return nil
}

func printReport(o *Options, r *inspect.Report) {
	line := func(k, format string, args ...any) {
		printLine(o.Stdout, "%-25s "+format, append([]any{k + ":"}, args...)...)
	}
	line("Patch", "%s", r.Path)
	line("Patch id", "%s", r.ID)
	if r.Level != nil {
		latest := ""
		if r.Latest {
			latest = " (latest)"
		}
		line("Level", "%d%s", *r.Level, latest)
	}
	line("Build id", "%s", r.BuildID)
	line("Build time", "%s", r.BuildTime.Format("2006-01-02 15:04:05 UTC"))
	line("Size", "%d", r.Size)
	line("Checksum", "%s", r.Checksum)
	line("Signature", "%s", sigText(r.Signature))
	for _, f := range r.Replaced {
		line("Replaces", "%s (%d -> %d bytes)", f.Name, f.OldSize, f.NewSize)
	}
	for _, f := range r.NewFuncs {
		line("New function", "%s (%d bytes)", f.Name, f.NewSize)
	}
	for _, d := range r.NewData {
		line("New data", "%s (%d bytes, %s)", d.Name, d.Size, d.Section)
	}
	if len(r.Imports) > 0 {
		line("Imports", "%s", strings.Join(r.Imports, " "))
	}
	printLine(o.Stdout, "")
}

func sigText(s inspect.Signature) string {
	switch {
	case s.Valid:
		return "valid, key " + s.Key
	case s.Present:
		return "INVALID: " + s.Error
	}
	return "none"
}
