package signature

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Sentinel errors; returned errors wrap them.
var (
	ErrUnsigned  = errors.New("no signature")
	ErrBadFormat = errors.New("bad signature file")
	ErrUntrusted = errors.New("not signed by a trusted key")
	ErrBadKey    = errors.New("bad key file")
)

// DefaultKeysDir holds the trusted public keys of libcare-ctl and its
// server unless told otherwise (--keys).
const DefaultKeysDir = "/etc/libcare/trusted.d"

const (
	sigBlock  = "LIBCARE SIGNATURE"
	keyIDHdr  = "Key-Id"
	maxSigLen = 4096 // a PEM signature is ~200 bytes; more is not one
)

// Signature is a decoded signature file.
type Signature struct {
	KeyID string
	Sig   []byte
}

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// SigPath is where the signature of the file at path lives.
func SigPath(path string) string { return path + ".sig" }

// Generate writes a new key pair: the private key to name (0600), the
// public key to name.pub. Existing files are not overwritten.
func Generate(name string) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	pk, pp := marshalPrivate(priv), marshalPublic(pub)
	if err := writeNew(name, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(name+".pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pp}), 0o644); err != nil {
		os.Remove(name)
		return nil, err
	}
	return pub, nil
}

func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// LoadPrivate reads a private key written by Generate.
func LoadPrivate(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PEM PRIVATE KEY block: %w", path, ErrBadKey)
	}
	priv, err := parsePrivateDER(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrBadKey, err)
	}
	return priv, nil
}

// ParsePublic decodes a public key file written by Generate.
func ParsePublic(b []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("no PEM PUBLIC KEY block: %w", ErrBadKey)
	}
	pub, err := parsePublicDER(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return pub, nil
}

// Sign returns the signature file of data.
func Sign(priv ed25519.PrivateKey, data []byte) []byte {
	pub := priv.Public().(ed25519.PublicKey)
	return pem.EncodeToMemory(&pem.Block{
		Type:    sigBlock,
		Headers: map[string]string{keyIDHdr: KeyID(pub)},
		Bytes:   ed25519.Sign(priv, data),
	})
}

// SignFile signs the file at path with the private key file key and
// writes path.sig (through a temporary file and a rename).
func SignFile(key, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return SignBytes(key, path, data)
}

// SignBytes signs data, the bytes of the file at path, with the private
// key file key and writes path.sig.
func SignBytes(key, path string, data []byte) error {
	priv, err := LoadPrivate(key)
	if err != nil {
		return err
	}
	sig := SigPath(path)
	tmp := sig + ".tmp"
	if err := os.WriteFile(tmp, Sign(priv, data), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, sig); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Parse decodes a signature file.
func Parse(b []byte) (*Signature, error) {
	if len(b) > maxSigLen {
		return nil, fmt.Errorf("%d bytes: %w", len(b), ErrBadFormat)
	}
	blk, rest := pem.Decode(b)
	if blk == nil || blk.Type != sigBlock {
		return nil, fmt.Errorf("no %s block: %w", sigBlock, ErrBadFormat)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("data after the signature: %w", ErrBadFormat)
	}
	if len(blk.Bytes) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%d-byte signature, want %d: %w", len(blk.Bytes), ed25519.SignatureSize, ErrBadFormat)
	}
	id := blk.Headers[keyIDHdr]
	if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("key id %q: %w", id, ErrBadFormat)
	}
	return &Signature{KeyID: id, Sig: blk.Bytes}, nil
}

// Key is a trusted public key.
type Key struct {
	Name string // file name without .pub
	Pub  ed25519.PublicKey
}

// LoadKeys reads dir/*.pub. A missing directory means no keys; a key file
// that does not parse is an error (a typo must not silently drop a key).
func LoadKeys(dir string) ([]Key, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.pub"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var keys []Key
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		pub, err := ParsePublic(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		keys = append(keys, Key{Name: strings.TrimSuffix(filepath.Base(p), ".pub"), Pub: pub})
	}
	return keys, nil
}

// Verify checks sigFile (the bytes of a signature file) over data against
// keys and returns the key that signed it.
func Verify(data, sigFile []byte, keys []Key) (*Key, error) {
	sig, err := Parse(sigFile)
	if err != nil {
		return nil, err
	}
	for i, k := range keys {
		if KeyID(k.Pub) == sig.KeyID && ed25519.Verify(k.Pub, data, sig.Sig) {
			return &keys[i], nil
		}
	}
	return nil, fmt.Errorf("key id %s: %w", sig.KeyID, ErrUntrusted)
}

// VerifyFile checks path.sig over the bytes of path. It fails with
// ErrUnsigned when there is no path.sig.
func VerifyFile(path string, keys []Key) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return VerifyBytes(path, data, keys)
}

// VerifyBytes checks path.sig over data, the bytes read from path.
func VerifyBytes(path string, data []byte, keys []Key) (*Key, error) {
	sb, err := readSig(SigPath(path))
	if err != nil {
		return nil, err
	}
	k, err := Verify(data, sb, keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SigPath(path), err)
	}
	return k, nil
}

func readSig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s missing: %w", path, ErrUnsigned)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSigLen+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}
