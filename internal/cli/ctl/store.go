package ctl

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/regfile"
	"github.com/golibcare/golibcare/internal/server"
	"github.com/golibcare/golibcare/internal/store"
)

// StoreOptions are the parsed arguments of `store add|list|remove|enable|disable`.
type StoreOptions struct {
	*Options
	Dir     string
	Level   int
	JSON    bool
	MaxSize Size
	Args    []string
}

func newStoreCmd(o *Options) *cobra.Command {
	opts := &StoreOptions{Options: o, MaxSize: kpatch.DefaultMaxSize}
	cmd := &cobra.Command{
		Use:   "store add|list|remove|enable|disable",
		Short: "manage the patch storage the server applies from (" + server.DefaultStorage + ")",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return &UsageError{Msg: "missing store command (add, list, remove, enable or disable)"}
		},
	}
	cmd.PersistentFlags().StringVar(&opts.Dir, "store", server.DefaultStorage, "storage directory")
	sub := func(use, short string, n int, run func(*StoreOptions) error) *cobra.Command {
		c := &cobra.Command{Use: use, Short: short, Args: usageArgs(n), RunE: func(_ *cobra.Command, args []string) error {
			opts.Args = args
			return run(opts)
		}}
		cmd.AddCommand(c)
		return c
	}
	add := sub("add [--store DIR] [--level N] FILE", "install a .kpatch file (level N: <BuildID>/N/kpatch.bin and latest)", 1, RunStoreAdd)
	add.Flags().IntVar(&opts.Level, "level", 0, "patch level (default: <BuildID>.kpatch, no level)")
	add.Flags().Var(&opts.MaxSize, "max-size", "largest patch file to read (K, M, G suffixes)")
	list := sub("list [--store DIR] [--json]", "list the stored patches", 0, RunStoreList)
	list.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	for _, c := range []*cobra.Command{
		sub("remove [--store DIR] [--level N] BUILDID", "delete a patch (or one level of it)", 1, RunStoreRemove),
		sub("disable [--store DIR] [--level N] BUILDID", "keep a patch but stop applying it, and unpatch it where the server applied it", 1, storeEnable(false)),
		sub("enable [--store DIR] [--level N] BUILDID", "apply a disabled patch again", 1, storeEnable(true)),
	} {
		c.Flags().IntVar(&opts.Level, "level", 0, "only this level (default: every level)")
	}
	return cmd
}

// RunStoreAdd validates a patch file as `patch` would and installs it.
func RunStoreAdd(opts *StoreOptions) error {
	file := opts.Args[0]
	if opts.Level < 0 {
		return &UsageError{Msg: fmt.Sprintf("bad level %d", opts.Level)}
	}
	check := func(path string) error {
		src, err := apply.OpenSourceMax(path, int64(opts.MaxSize))
		if err == nil && src.File() == nil {
			err = fmt.Errorf("%s: not a patch file", path)
		}
		return err
	}
	if err := check(file); err != nil {
		return err
	}
	data, err := readPatch(file, int64(opts.MaxSize))
	if err != nil {
		return err
	}
	st := store.New(opts.Dir)
	st.Check = check
	e, err := st.Add(data, opts.Level)
	if err != nil {
		return err
	}
	opts.logf(levelInfo)("Stored patch '%s' for build id %s level %d as %s", e.ID, e.BuildID, e.Level, e.Path)
	return nil
}

func readPatch(path string, max int64) ([]byte, error) {
	f, fi, err := regfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi.Size() > max {
		return nil, fmt.Errorf("%s: %w", path, kpatch.ErrTooLarge)
	}
	return io.ReadAll(io.LimitReader(f, max))
}

// RunStoreList prints every stored patch.
func RunStoreList(opts *StoreOptions) error {
	entries, err := store.New(opts.Dir).List()
	if err != nil {
		return err
	}
	if opts.JSON {
		if entries == nil {
			entries = []store.Entry{}
		}
		enc := json.NewEncoder(opts.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	w := tabwriter.NewWriter(opts.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "BUILD-ID\tLEVEL\tID\tSTATE\tPATH")
	for _, e := range entries {
		state := "stored"
		switch {
		case e.Error != "":
			state = "bad: " + e.Error
		case e.Disabled:
			state = "disabled"
		case e.Latest:
			state = "active"
		}
		printLine(w, "%s\t%d\t%s\t%s\t%s", e.BuildID, e.Level, e.ID, state, e.Path)
	}
	return w.Flush()
}

// RunStoreRemove deletes a stored patch.
func RunStoreRemove(opts *StoreOptions) error {
	return store.New(opts.Dir).Remove(opts.Args[0], opts.Level)
}

func storeEnable(on bool) func(*StoreOptions) error {
	return func(opts *StoreOptions) error {
		return store.New(opts.Dir).SetEnabled(opts.Args[0], opts.Level, on)
	}
}
