// Package revocation is an issuer's revocation structure: a sparse 4-ary
// Merkle tree of height 16 (4^16 = 2^32 = 4,294,967,296 credentials) whose
// leaf i is 1 when the credential with revocation index i is revoked and 0
// otherwise.
//
// Nodes are the 4-to-1 Poseidon2 compression (BN254, width 4, the first
// output lane plus the first input) of their four children; an empty subtree of
// height h has the precomputed root Empty(h). A 4-ary tree costs 16
// width-4 permutations in a circuit (about 4,400 constraints) where a
// binary tree of the same capacity costs 32 width-2 ones (about 7,100).
// The issuer publishes Root() on the ledger; a holder keeps a Witness
// (3 siblings per level, 48 in all) and shows, in a
// presentation proof, that its leaf is 0 under a published root without
// saying which leaf is its own. Witness.Verify is the same check in the
// clear, for verifiers that see the credential.
//
// Revocation indices are drawn at random by the issuer and carry no
// personal data; the list of revoked indices is public (a status list), so
// anyone can rebuild the tree and check it against the published root.
package revocation
