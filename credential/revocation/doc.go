// Package revocation is an issuer's revocation structure: a sparse binary
// Merkle tree of depth 24 (16,777,216 credentials) whose leaf i is 1 when
// the credential with revocation index i is revoked and 0 otherwise.
//
// Nodes are zkhash.Compress(left, right); an empty subtree of height h has
// the precomputed root Empty(h). The issuer publishes Root() on the ledger;
// a holder keeps a Witness (the 24 siblings of its leaf) and shows, in a
// presentation proof, that its leaf is 0 under a published root without
// saying which leaf is its own. Witness.Verify is the same check in the
// clear, for verifiers that see the credential.
//
// Revocation indices are drawn at random by the issuer and carry no
// personal data; the list of revoked indices is public (a status list), so
// anyone can rebuild the tree and check it against the published root.
package revocation
