package ctl

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/signature"
)

func newKeygenCmd(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "keygen NAME",
		Short: "write an ed25519 key pair NAME (private, 0600) and NAME.pub (PEM)",
		Args:  usageArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			pub, err := signature.Generate(args[0])
			if err != nil {
				return fmt.Errorf("keygen: %w", err)
			}
			o.logf(levelInfo)("wrote %s and %s.pub (key id %s)", args[0], args[0], signature.KeyID(pub))
			return nil
		},
	}
}

func newSignCmd(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "sign NAME FILE",
		Short: "sign FILE with the private key NAME into FILE.sig",
		Args:  usageArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			if err := signature.SignFile(args[0], args[1]); err != nil {
				return fmt.Errorf("sign %s: %w", args[1], err)
			}
			o.logf(levelInfo)("wrote %s", signature.SigPath(args[1]))
			return nil
		},
	}
}

// verifier returns the check OpenSourceVerified runs on every patch file:
// with --verify, a valid signature by a key of keysDir; under the server's
// policy (Options.TrustedKeys), the same whenever that directory has keys.
// nil means no check.
func (opts *PatchOptions) verifier() (func(string, []byte) error, error) {
	dir := opts.Keys
	if !opts.Verify {
		if opts.TrustedKeys == "" {
			return nil, nil
		}
		dir = opts.TrustedKeys
	}
	keys, err := signature.LoadKeys(dir)
	if err != nil {
		return nil, fmt.Errorf("trusted keys: %w", err)
	}
	if len(keys) == 0 && !opts.Verify {
		return nil, nil // the server's policy applies only once keys are installed
	}
	return func(path string, data []byte) error {
		k, err := signature.VerifyBytes(path, data, keys)
		if err != nil {
			return fmt.Errorf("refusing %s: %w (trusted keys: %s)", path, err, dir)
		}
		opts.logf(levelDebug)("%s: signed by trusted key %s", path, k.Name)
		return nil
	}, nil
}
