package ctl

import (
	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/audit"
)

// auditFlags adds --audit and --log-format to the root: the audit trail is
// opt-in for the command line (the server has it always on, and passes
// its logger in Options.Audit).
func auditFlags(cmd *cobra.Command, opts *Options) {
	var on bool
	var format string
	cmd.PersistentFlags().BoolVar(&on, "audit", false, "write an audit record per operation to standard error")
	cmd.PersistentFlags().StringVar(&format, "log-format", audit.FormatText, "audit record format: text or json")
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		if !on || opts.Audit != nil {
			return nil
		}
		l, err := audit.NewLogger(opts.Stderr, format)
		if err != nil {
			return &UsageError{Msg: err.Error()}
		}
		opts.Audit = l
		return nil
	}
}

// audit records one operation on pid; with -p all, processes it did not
// concern (gone, nothing applicable) leave no record.
func (o *Options) audit(kind string, pid int, path string, src *apply.Source, res *apply.Result, err error, skip bool) {
	if o.Audit == nil || skip {
		return
	}
	op := audit.Op{Kind: kind, Pid: pid, File: path, Res: res, Err: err}
	if src != nil && src.File() != nil {
		op.Patch = src.File().File
	}
	audit.Log(o.Audit, op)
}
