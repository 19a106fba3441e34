package consent

import (
	"crypto/sha256"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// ZKNonce returns the nonce a proof answering r carries as public input:
// SHA-256("civicproof/consent/zk-nonce/v1" || r.ID()) reduced modulo the
// BN254 scalar field. Since r.ID() covers every field of the signed
// request, a proof made for one request verifies for no other.
func (r *Request) ZKNonce() fr.Element {
	id := r.ID()
	return hashToField("civicproof/consent/zk-nonce/v1", id[:])
}

// ZKScope returns the nullifier scope a proof for r carries as public
// input: SHA-256("civicproof/consent/scope/v1" || scope) reduced modulo the
// BN254 scalar field. Equal scope strings give equal nullifiers for the
// same holder, whichever agency asks: agencies that must not be linkable
// use distinct scopes (prefix them with the agency's name).
func (r *Request) ZKScope() fr.Element {
	return hashToField("civicproof/consent/scope/v1", []byte(r.Scope))
}

func hashToField(domain string, msg []byte) fr.Element {
	h := sha256.New()
	h.Write([]byte(domain))
	h.Write(msg)
	var e fr.Element
	e.SetBytes(h.Sum(nil))
	return e
}
