// Package identity holds the keys and identifiers of every party in
// civicproof: agencies, citizens and the ledger itself.
//
// A party's keys derive from one 32-byte seed (see PrivateKey):
//
//   - Ed25519 (RFC 8032) signs ledger records, consent grants and requests.
//     Signatures are domain-separated (SignedBytes): a signature made for one
//     record type never verifies as another, nor as a plain Ed25519
//     signature of the same bytes.
//   - X25519 carries HPKE (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//     ChaCha20-Poly1305) so that anyone can encrypt to the party, for example
//     to deliver a credential. It is the Montgomery form of the Ed25519 key,
//     exactly as the did:key method derives its key-agreement key.
//   - EdDSA on the twisted Edwards curve over BN254's scalar field
//     (gnark-crypto) signs credentials, because a zero-knowledge circuit on
//     BN254 verifies it for a few thousand constraints.
//
// On amd64 and arm64, Ed25519 signing and verification use
// github.com/oasisprotocol/curve25519-voi, because the consent gate checks
// several signatures per presentation and voi is faster (measured on one
// core: Verify 27 µs against crypto/ed25519's 41 µs, Sign 9.7 µs against
// 17.2 µs). Signing is constant-time and gives the same bytes as
// crypto/ed25519. Verification uses voi's VerifyOptionsStdLib preset, so it
// accepts exactly what crypto/ed25519.Verify accepts: cofactorless
// ([S]B - [k]A must encode to R byte for byte), S < ℓ, small-order and
// non-canonically encoded keys allowed. TestVerifyMatchesStdlib and
// FuzzVerifyMatchesStdlib pin this against the standard library on the edge
// cases where implementations differ. Other architectures, js/wasm among
// them (voi does not build there), use crypto/ed25519.
//
// Parties are named by did:key identifiers (W3C CCG did:key method: multibase
// base58btc over the multicodec ed25519-pub key). A DID Document (W3C DID Core
// 1.0) lists all three keys as Multikey verification methods; the ZK key uses
// the private-use multicodec CodecZKEdDSABN254Pub (0x3cb254) since no code is
// registered for it. A did:key document matches what other did:key
// implementations resolve, field by field (@digitalbazaar/did-method-key
// 5.3.0, checked in interop/): the Ed25519 Multikey in authentication,
// assertionMethod, capabilityDelegation and capabilityInvocation, and the
// derived X25519 key in keyAgreement. ParseDocument also accepts their
// documents: the Multikey form and the 2020 form (Ed25519VerificationKey2020,
// keyAgreement embedding an X25519KeyAgreementKey2020 object).
// Resolvers map DIDs to documents: KeyResolver works
// offline from the did:key alone (it cannot know a ZK key); the ledger package
// provides a resolver for registered agencies whose keys rotate.
//
// Every parser (ParseDID, ParsePublicKey, ParseDocument, UnmarshalText)
// validates fully — method, multibase prefix and alphabet, multicodec, length,
// point on the curve, consistency between keys — and returns an error
// wrapping ErrInvalidDID, ErrInvalidKey or ErrInvalidDocument; none panics on
// input.
//
// This package imports no other civicproof package.
package identity
