// Package issuerset is the issuer-set tree of presentation proofs v2: for
// one credential type, a 4-ary Poseidon2 Merkle tree over the ZK keys
// accredited to issue it. The ledger's state machine builds it (one tree
// per type, rebuilt deterministically whenever an accreditation, a key
// rotation, a suspension or a revocation root changes a leaf), the wallet
// opens one leaf privately in its proof, and the verifier sees only the
// root.
//
// A leaf is
//
//	Hash(TagIssuerLeaf, key.X, key.Y, From, Until, RevocationRoot)
//
// where (key.X, key.Y) is the issuer's EdDSA-BN254 public key, [From,
// Until] the inclusive window of issuance days (credential.DayValue
// encoding, see Day) in which the key was current for the type, Until =
// Open while it still is, and RevocationRoot the issuer's latest published
// revocation root. Unused leaves are zero; a zero leaf opens to no key,
// since finding a Poseidon2 preimage of zero is infeasible.
//
// The tree has Levels levels of Compress4 (zkhash), Capacity leaves. At
// each level the index's next two bits (least significant first) place
// the path's node among its three siblings, exactly as the revocation tree
// does, so one circuit gadget walks both.
package issuerset
