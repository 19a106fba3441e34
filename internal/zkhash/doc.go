// Package zkhash is civicproof's one algebraic hash: Poseidon2 over the
// BN254 scalar field, used identically outside circuits (this file's Hash,
// Compress, NewHasher) and inside them (Gadget), so that every commitment a
// credential carries can be recomputed in a presentation proof.
//
// # Construction
//
// Hash(tag, x_1..x_n) is a sponge with one capacity element and the
// Poseidon2 permutations whose parameters gnark-crypto v0.21.0 ships for
// BN254 (widths 4, 8, 12, 16; 8 full rounds; 56 or 57 partial rounds):
//
//   - the capacity lane state[0] is initialised to tag·2^32 + n, which
//     separates both the purpose of the hash and the input length (so zero
//     padding is unambiguous);
//   - for n ≤ 15 the width is the smallest t in {4, 8, 12, 16} with
//     t-1 ≥ n; the inputs fill state[1..n], the rest is zero, and the
//     state is permuted once;
//   - for n > 15 the width is 16 and the inputs are absorbed 15 at a time
//     (added into state[1..15], then permuted);
//   - the output is state[1].
//
// Compress(l, r) is the 2-to-1 compression of Merkle trees: the width-2
// Poseidon2 permutation (8 full, 56 partial rounds) applied to (l, r), the
// right lane of the result plus r (feed-forward, as gnark's Compress).
//
// Compress4(a, b, c, d) is the 4-to-1 compression of the revocation tree:
// the width-4 permutation applied to (a, b, c, d), the first lane of the
// result plus a.
//
// Natively, the width-16 permutation (the statement digests of
// presentation proofs) runs on 16-lane vectors of gnark-crypto's fr
// package, with AVX-512 IFMA where the CPU has it: the same permutation,
// tested equal to gnark-crypto's, about 40% faster; the other widths use
// gnark-crypto's permutation directly. SumAll finishes many sponges at
// once for a verifier checking a batch: their width-16 permutations run
// together, lane j of every state making one vector, so the partial
// rounds' single S-box is vectorised too. On one core a state costs
// 14.5 µs that way against 25 µs alone, and finishing 64 statement
// digests (20 inputs each after a cached prefix) 27 µs a digest against
// 48 µs (go test ./internal/zkhash -run '^$' -bench 'SumAll|PermuteMany|Perm16' -cpu 1).
//
// Test vectors are in testdata/vectors.json; the gadget is tested equal to
// the native functions for every input length up to 40.
package zkhash
