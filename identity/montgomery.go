package identity

import (
	"bytes"
	"fmt"

	"filippo.io/edwards25519"
)

// ed25519ToX25519 maps an encoded Ed25519 public key to the X25519 public key
// of the same point, u = (1+y)/(1-y) (RFC 7748 section 4.1), as the did:key
// method does for its key-agreement key. It rejects encodings that do not
// decode to a point on the curve, non-canonical encodings (y ≥ p, or the
// sign bit set for x = 0), and the identity point, which has no X25519
// image and is never a real public key.
func ed25519ToX25519(pub []byte) ([]byte, error) {
	if len(pub) != 32 {
		return nil, fmt.Errorf("%w: Ed25519 public key is %d bytes, want 32", ErrInvalidKey, len(pub))
	}
	p, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: Ed25519 public key is not on the curve", ErrInvalidKey)
	}
	if !bytes.Equal(p.Bytes(), pub) {
		return nil, fmt.Errorf("%w: Ed25519 public key is not canonically encoded", ErrInvalidKey)
	}
	if p.Equal(edwards25519.NewIdentityPoint()) == 1 {
		return nil, fmt.Errorf("%w: Ed25519 public key is the identity point", ErrInvalidKey)
	}
	return p.BytesMontgomery(), nil
}
