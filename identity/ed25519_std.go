//go:build !amd64 && !arm64

package identity

import "crypto/ed25519"

// curve25519-voi has no field arithmetic for other architectures (it does
// not build for js/wasm, which the browser wallet needs), so they keep
// crypto/ed25519. The two accept exactly the same signatures.

// ed25519Implementation names the code behind signEd25519 and verifyEd25519
// on this platform.
const ed25519Implementation = "crypto/ed25519"

// signEd25519 signs msg with crypto/ed25519.
func signEd25519(key ed25519.PrivateKey, msg []byte) []byte {
	return ed25519.Sign(key, msg)
}

// verifyEd25519 reports whether sig is a valid signature of msg by pub.
// pub must be ed25519.PublicKeySize bytes.
func verifyEd25519(pub ed25519.PublicKey, msg, sig []byte) bool {
	return ed25519.Verify(pub, msg, sig)
}
