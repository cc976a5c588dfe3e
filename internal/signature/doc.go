// Package signature signs .kpatch files with ed25519 and checks them
// against a directory of trusted public keys.
//
// The signature is detached, in FILE.sig, so the .kpatch stays
// byte-compatible with LibcarePlus. It covers every byte of the file.
//
// Key files are PEM, readable by openssl:
//
//	NAME      -----BEGIN PRIVATE KEY-----  PKCS #8 ed25519 key, mode 0600
//	NAME.pub  -----BEGIN PUBLIC KEY-----   PKIX ed25519 key
//
// A signature file is one PEM block:
//
//	-----BEGIN LIBCARE SIGNATURE-----
//	Key-Id: 3f1c0a9b2e4d5f60
//
//	<base64 of the 64-byte ed25519 signature>
//	-----END LIBCARE SIGNATURE-----
//
// Key-Id is the first 8 bytes of SHA-256 over the raw 32-byte public key,
// in hex; it only picks the key to try, the signature decides.
package signature
