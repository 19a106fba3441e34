package consent

import (
	"crypto/sha256"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/zkp"
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
// input: zkp.AgencyScope(r.Agency, r.Scope), the scope name bound to the
// requesting agency. The wallet (Present, CanAnswer) and the gate
// (ZKSystem) both derive it from the signed request's Agency and Scope,
// and the gate answers only requests whose Agency is its own, so an
// agency that asks in another agency's scope name gets its own scope
// element and a nullifier unrelated to the other agency's.
func (r *Request) ZKScope() fr.Element {
	return zkp.AgencyScope(string(r.Agency), r.Scope)
}

func hashToField(domain string, msg []byte) fr.Element {
	h := sha256.New()
	h.Write([]byte(domain))
	h.Write(msg)
	var e fr.Element
	e.SetBytes(h.Sum(nil))
	return e
}
