package identity

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
)

// signaturePrefix begins every message this package signs, so that no
// civicproof signature can be replayed as a signature of another protocol.
const signaturePrefix = "civicproof/v1/sig\x00"

// SignedBytes returns the exact bytes that Sign signs for a domain and a
// message:
//
//	"civicproof/v1/sig\x00" || uvarint(len(domain)) || domain || msg
//
// The length prefix makes the split between domain and message unambiguous,
// so a signature made for one domain (one record type, say) never verifies
// for another. It panics if domain is empty, which is a programming error.
func SignedBytes(domain string, msg []byte) []byte {
	if domain == "" {
		panic("identity: empty signature domain")
	}
	out := make([]byte, 0, len(signaturePrefix)+binary.MaxVarintLen64+len(domain)+len(msg))
	out = append(out, signaturePrefix...)
	out = binary.AppendUvarint(out, uint64(len(domain)))
	out = append(out, domain...)
	return append(out, msg...)
}

// Sign signs msg with the Ed25519 key under a domain (a short name such as
// "ledger.record/revocation-root"). See SignedBytes for what is signed.
func (k *PrivateKey) Sign(domain string, msg []byte) []byte {
	return signEd25519(k.ed, SignedBytes(domain, msg))
}

// Verify checks a signature made by Sign. It returns an error wrapping
// ErrBadSignature if the signature is not valid for this key, domain and
// message.
func (p *PublicKey) Verify(domain string, msg, sig []byte) error {
	return Verify(p.ed, domain, msg, sig)
}

// Verify checks a domain-separated Ed25519 signature made by
// PrivateKey.Sign. It returns an error wrapping ErrBadSignature if the
// signature does not verify, and wrapping ErrInvalidKey if pub is malformed.
func Verify(pub ed25519.PublicKey, domain string, msg, sig []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: Ed25519 public key is %d bytes, want %d", ErrInvalidKey, len(pub), ed25519.PublicKeySize)
	}
	if domain == "" {
		return fmt.Errorf("%w: empty signature domain", ErrBadSignature)
	}
	if len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: signature is %d bytes, want %d", ErrBadSignature, len(sig), ed25519.SignatureSize)
	}
	if !verifyEd25519(pub, SignedBytes(domain, msg), sig) {
		return fmt.Errorf("%w: domain %q", ErrBadSignature, domain)
	}
	return nil
}

// VerifyDID checks a signature against the key a did:key names.
func VerifyDID(did DID, domain string, msg, sig []byte) error {
	pub, err := did.Ed25519()
	if err != nil {
		return err
	}
	return Verify(pub, domain, msg, sig)
}
