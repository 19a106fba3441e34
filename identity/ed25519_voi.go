//go:build amd64 || arm64

package identity

import (
	"crypto/ed25519"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// ed25519Implementation names the code behind signEd25519 and verifyEd25519
// on this platform.
const ed25519Implementation = "curve25519-voi"

// stdlibVerify selects curve25519-voi's preset that accepts and refuses
// exactly what crypto/ed25519.Verify does: cofactorless verification,
// S < ℓ, R compared byte for byte with the canonical encoding of
// [S]B - [k]A, small-order and non-canonical A accepted.
// TestVerifyMatchesStdlib and FuzzVerifyMatchesStdlib pin that equality.
var stdlibVerify = &voi.Options{Verify: voi.VerifyOptionsStdLib}

// signEd25519 signs msg as crypto/ed25519.Sign does and returns the same
// bytes (Ed25519 signing is deterministic; TestSignMatchesStdlib checks it).
// It runs in constant time with respect to the key: curve25519-voi computes
// R = [r]B with its constant-time fixed-base multiplication
// (EdwardsPoint.MulBasepoint) and S = r + k·a with branch-free scalar
// arithmetic. key must be an ed25519.PrivateKeySize key; callers in this
// package only pass keys made by ed25519.NewKeyFromSeed.
func signEd25519(key ed25519.PrivateKey, msg []byte) []byte {
	return voi.Sign(voi.PrivateKey(key), msg)
}

// verifyEd25519 reports whether sig is a valid signature of msg by pub,
// with crypto/ed25519.Verify's semantics. pub must be
// ed25519.PublicKeySize bytes; a signature of any other length than
// ed25519.SignatureSize is refused.
func verifyEd25519(pub ed25519.PublicKey, msg, sig []byte) bool {
	return voi.VerifyWithOptions(voi.PublicKey(pub), msg, sig, stdlibVerify)
}
