package signature

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestDERMatchesX509: the fixed RFC 8410 forms written and read here are
// the bytes crypto/x509 writes and reads, so key files made before (by
// x509) and by other tools still load.
func TestDERMatchesX509(t *testing.T) {
	for i := 0; i < 8; i++ {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		wantPub, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		wantPriv, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		if got := marshalPublic(pub); !bytes.Equal(got, wantPub) {
			t.Fatalf("public DER %x, x509 %x", got, wantPub)
		}
		if got := marshalPrivate(priv); !bytes.Equal(got, wantPriv) {
			t.Fatalf("private DER %x, x509 %x", got, wantPriv)
		}
		if p, err := parsePublicDER(wantPub); err != nil || !p.Equal(pub) {
			t.Fatalf("parse x509 public: %v", err)
		}
		if p, err := parsePrivateDER(wantPriv); err != nil || !p.Equal(priv) {
			t.Fatalf("parse x509 private: %v", err)
		}
	}
}

// TestDERRejects: other algorithms and truncated or padded keys are bad
// keys, not panics.
func TestDERRejects(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	p, q := marshalPublic(pub), marshalPrivate(priv)
	for _, b := range [][]byte{nil, p[:len(p)-1], append(bytes.Clone(p), 0), q[:10], append(bytes.Clone(q), 0)} {
		if _, err := parsePublicDER(b); err == nil {
			t.Errorf("parsePublicDER(%x) accepted", b)
		}
		if _, err := parsePrivateDER(b); err == nil {
			t.Errorf("parsePrivateDER(%x) accepted", b)
		}
	}
}

// TestOpenSSLKeys: a key pair made by openssl loads and signs verifiably.
func TestOpenSSLKeys(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl")
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "k")
	if out, err := exec.Command("openssl", "genpkey", "-algorithm", "ed25519", "-out", key).CombinedOutput(); err != nil {
		t.Skipf("openssl genpkey ed25519: %v: %s", err, out)
	}
	if out, err := exec.Command("openssl", "pkey", "-in", key, "-pubout", "-out", key+".pub").CombinedOutput(); err != nil {
		t.Fatalf("openssl pkey -pubout: %v: %s", err, out)
	}
	priv, err := LoadPrivate(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublic(b)
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(pub, []byte("x"), ed25519.Sign(priv, []byte("x"))) {
		t.Fatal("openssl key pair does not verify")
	}
	blk, _ := pem.Decode(b)
	if !bytes.Equal(marshalPublic(pub), blk.Bytes) {
		t.Fatal("public key does not round-trip")
	}
}
