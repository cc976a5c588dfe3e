package signature

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSignVerify(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	os.Mkdir(keys, 0o755)
	if _, err := Generate(filepath.Join(keys, "good")); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(filepath.Join(dir, "other")); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(filepath.Join(keys, "good")); err == nil {
		t.Errorf("Generate over an existing key: got nil error, want one")
	}
	if fi, err := os.Stat(filepath.Join(keys, "good")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode: got %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	os.Remove(filepath.Join(keys, "good")) // only the public key is trusted
	trusted, err := LoadKeys(keys)
	if err != nil || len(trusted) != 1 || trusted[0].Name != "good" {
		t.Fatalf("LoadKeys: got %+v, %v; want the key good", trusted, err)
	}
	// A key of the same name that is not the trusted one.
	signer := filepath.Join(dir, "signer")
	os.Mkdir(signer, 0o755)
	Generate(filepath.Join(signer, "good"))

	file := filepath.Join(dir, "p.kpatch")
	os.WriteFile(file, []byte("KPATCH1\x00 some bytes"), 0o644)
	if _, err := VerifyFile(file, trusted); !errors.Is(err, ErrUnsigned) {
		t.Errorf("unsigned: got %v, want ErrUnsigned", err)
	}
	if err := SignFile(filepath.Join(signer, "good"), file); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyFile(file, trusted); !errors.Is(err, ErrUntrusted) {
		t.Errorf("signed by an untrusted key: got %v, want ErrUntrusted", err)
	}
	os.Remove(filepath.Join(signer, "good"))
	trusted, _ = LoadKeys(signer)
	if k, err := VerifyFile(file, trusted); err != nil || k.Name != "good" {
		t.Fatalf("signed: got %v, %v; want key good", k, err)
	}
	b, _ := os.ReadFile(file)
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 1
		os.WriteFile(file, c, 0o644)
		if _, err := VerifyFile(file, trusted); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("byte %d flipped: got %v, want ErrUntrusted", i, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"other block", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"},
		{"short", "-----BEGIN LIBCARE SIGNATURE-----\nKey-Id: 0011223344556677\n\nAAAA\n-----END LIBCARE SIGNATURE-----\n"},
		{"no key id", "-----BEGIN LIBCARE SIGNATURE-----\n" + b64(64) + "\n-----END LIBCARE SIGNATURE-----\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := Parse([]byte(tc.in)); !errors.Is(err, ErrBadFormat) || s != nil {
				t.Errorf("got %v, %v; want nil, ErrBadFormat", s, err)
			}
		})
	}
}

func b64(n int) string {
	s := ""
	for i := 0; i < n/3*4+4; i++ {
		s += "A"
	}
	return s[:88]
}

func FuzzParse(f *testing.F) {
	dir := f.TempDir()
	Generate(filepath.Join(dir, "k"))
	priv, err := LoadPrivate(filepath.Join(dir, "k"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(Sign(priv, []byte("data")))
	f.Add([]byte("-----BEGIN LIBCARE SIGNATURE-----\nKey-Id: x\n\n\n-----END LIBCARE SIGNATURE-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if (err != nil) != (s == nil) {
			t.Fatalf("got %v, %v", s, err)
		}
		if s != nil && len(s.Sig) != 64 {
			t.Fatalf("got a %d-byte signature", len(s.Sig))
		}
	})
}
