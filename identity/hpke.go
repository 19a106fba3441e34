package identity

import (
	"crypto/hpke"
	"fmt"
)

// HPKE suite used to encrypt to a party (RFC 9180): DHKEM(X25519,
// HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, base mode.
var (
	hpkeKDF  = hpke.HKDFSHA256()
	hpkeAEAD = hpke.ChaCha20Poly1305()
)

// Seal encrypts plaintext to the party that holds this key set, binding it
// to info (a context string such as "credential/delivery"; the same info
// must be given to Open). The result is the encapsulated key followed by the
// ciphertext. Each call uses fresh randomness from crypto/rand.
func (p *PublicKey) Seal(info, plaintext []byte) ([]byte, error) {
	ct, err := hpke.Seal(p.hpke, hpkeKDF, hpkeAEAD, info, plaintext)
	if err != nil {
		return nil, fmt.Errorf("identity: hpke seal: %w", err)
	}
	return ct, nil
}

// Open decrypts a ciphertext made by PublicKey.Seal for this key set and
// info. It returns an error wrapping ErrDecrypt if the ciphertext was not
// made for this key and info or was altered.
func (k *PrivateKey) Open(info, ciphertext []byte) ([]byte, error) {
	pt, err := hpke.Open(k.hpke, hpkeKDF, hpkeAEAD, info, ciphertext)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	return pt, nil
}
