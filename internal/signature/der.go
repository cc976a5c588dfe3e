package signature

import (
	"bytes"
	"crypto/ed25519"
	"errors"
)

// The DER forms of Ed25519 keys are fixed (RFC 8410): a constant prefix
// then the 32 key bytes. Writing and matching them here keeps crypto/x509,
// with RSA, ECDSA and math/big, out of libcare-ctl, whose every call paid
// their package initialisation.
var (
	// SubjectPublicKeyInfo{AlgorithmIdentifier{id-Ed25519}, BIT STRING}
	pkixPrefix = []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}
	// PrivateKeyInfo{version 0, AlgorithmIdentifier{id-Ed25519},
	// OCTET STRING{OCTET STRING seed}}
	pkcs8Prefix = []byte{0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20}
)

var errNotEd25519 = errors.New("not an ed25519 key in its RFC 8410 DER form")

func marshalPublic(pub ed25519.PublicKey) []byte {
	return append(append([]byte(nil), pkixPrefix...), pub...)
}

func marshalPrivate(priv ed25519.PrivateKey) []byte {
	return append(append([]byte(nil), pkcs8Prefix...), priv.Seed()...)
}

func parsePublicDER(der []byte) (ed25519.PublicKey, error) {
	if len(der) != len(pkixPrefix)+ed25519.PublicKeySize || !bytes.HasPrefix(der, pkixPrefix) {
		return nil, errNotEd25519
	}
	return ed25519.PublicKey(bytes.Clone(der[len(pkixPrefix):])), nil
}

func parsePrivateDER(der []byte) (ed25519.PrivateKey, error) {
	if len(der) != len(pkcs8Prefix)+ed25519.SeedSize || !bytes.HasPrefix(der, pkcs8Prefix) {
		return nil, errNotEd25519
	}
	return ed25519.NewKeyFromSeed(der[len(pkcs8Prefix):]), nil
}
