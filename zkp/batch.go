package zkp

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc"
	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/frontend"
)

// BatchItem is one proof of a batch and the statement it must satisfy.
type BatchItem struct {
	Statement *Statement
	Proof     *Proof
}

// batchScalarBits is the number of random bits drawn per coefficient of
// a batch (two 64-bit halves).
const batchScalarBits = 128

// VerifyBatch checks every item as Verify would and returns, index by
// index, the result of each proof that verifies and the error of each
// that does not (the same sentinels as Verify: ErrWrongKey, ErrBadProof,
// ErrInvalidStatement, ErrMalformed). rnd supplies the random
// coefficients (crypto/rand when nil).
//
// Groth16 proofs under one key are checked together with one
// multi-pairing over a random linear combination (Bellare, Garay and
// Rabin's small-exponent test): writing each proof's check as
// e(A,B)·e(C,−δ)·e(L,−γ) = e(α,β), the batch passes when
//
//	Π e(rᵢAᵢ, Bᵢ) · e(Σ rᵢCᵢ, −δ) · e(Σ rᵢLᵢ, −γ) · e(−(Σ rᵢ)α, β) = 1
//
// for random coefficients rᵢ = aᵢ + λbᵢ (mod the group order), aᵢ uniform
// in [2⁶³, 2⁶⁴) and bᵢ in [0, 2⁶⁴), λ the eigenvalue of G1's GLV
// endomorphism. Distinct pairs (aᵢ, bᵢ) give distinct rᵢ, none zero: two
// pairs giving one rᵢ would differ by a non-zero vector (d₁, d₂) with
// d₁ + λd₂ ≡ 0 and |d₁|, |d₂| < 2⁶⁴, while that lattice's shortest
// vectors are 2^126.8 long; so rᵢ takes each of 2¹²⁷ values with
// probability 2⁻¹²⁷. Each proof's points are decoded with subgroup
// checks, so each failing proof makes its factor a non-trivial element of
// the prime-order target group, and for any choice of the other
// coefficients at most one value of its rᵢ makes the product 1: a bad
// proof passes with probability at most 2⁻¹²⁷ over coefficients the
// prover cannot know in advance. When the batch fails, each
// proof is verified alone to find the bad ones, so a refused proof is
// always refused by the single-proof check. Cost: one Miller loop and a
// scalar multiplication [aᵢ]Aᵢ + [bᵢ]φ(Aᵢ) (two 64-bit halves sharing
// their doublings) per proof, and one final exponentiation
// per batch, instead of three Miller loops and one final exponentiation
// per proof; the B points' subgroup checks, the Miller-loop lines of the
// B points and the scalar multiplications are computed for the whole
// batch at once, sharing their field inversions. A batch holding a bad
// proof costs the batch check and then one check per proof. PLONK proofs
// are verified one by one.
func VerifyBatch(vk *VerifyingKey, items []BatchItem, rnd io.Reader) ([]*Result, []error) {
	res := make([]*Result, len(items))
	ok, errs := verifyBatch(vk, len(items), func(i int) (digestInput, []byte, error) {
		in, err := precheckInput(vk, items[i].Statement, items[i].Proof)
		if err != nil {
			return in, nil, err
		}
		return in, items[i].Proof.raw, nil
	}, rnd)
	for i := range items {
		if ok[i] {
			res[i] = resultOf(items[i].Statement, items[i].Proof)
		}
	}
	return res, errs
}

// verifyBatch is the batch check VerifyBatch and VerifyBatchV2 share: pre
// returns proof i's statement digest, still to finish, and backend
// encoding (or why it is refused before any pairing); the digests are
// finished together (sumDigests). ok[i] reports that proof i verified,
// and errs[i] why it did not.
func verifyBatch(vk *VerifyingKey, n int, pre func(i int) (digestInput, []byte, error), rnd io.Reader) (ok []bool, errs []error) {
	ok, errs = make([]bool, n), make([]error, n)
	if rnd == nil {
		rnd = rand.Reader
	}
	type candidate struct {
		i      int
		digest fr.Element
		raw    []byte
		proof  *groth16bn254.Proof
	}
	var pending []candidate
	var ins []digestInput
	for i := range n {
		in, raw, err := pre(i)
		if err != nil {
			errs[i] = err
			continue
		}
		pending = append(pending, candidate{i: i, raw: raw})
		ins = append(ins, in)
	}
	for j, d := range sumDigests(ins) {
		pending[j].digest = d
	}
	var cands []candidate
	if vk.backend == Groth16 {
		raws := make([][]byte, len(pending))
		for j, c := range pending {
			raws[j] = c.raw
		}
		gps, gerrs := groth16Proofs(raws)
		for j, c := range pending {
			if gerrs[j] != nil {
				errs[c.i] = gerrs[j]
				continue
			}
			c.proof = gps[j]
			cands = append(cands, c)
		}
	} else {
		cands = pending
	}
	batched := false
	if g16, fits := batchable(vk); fits && len(cands) > 1 {
		proofs := make([]*groth16bn254.Proof, len(cands))
		digests := make([]fr.Element, len(cands))
		for j, c := range cands {
			proofs[j], digests[j] = c.proof, c.digest
		}
		// A failing random source only costs the batch speed-up: the
		// proofs are then checked one by one.
		batched, _ = batchPairing(g16, proofs, digests, rnd)
	}
	for _, c := range cands {
		if !batched {
			if err := verifyDigest(vk, c.raw, c.digest); err != nil {
				errs[c.i] = err
				continue
			}
		}
		ok[c.i] = true
	}
	return ok, errs
}

// precheck runs Verify's checks before the pairing and returns the
// statement digest, the proof's only public input.
func precheck(vk *VerifyingKey, st *Statement, p *Proof) (fr.Element, error) {
	in, err := precheckInput(vk, st, p)
	if err != nil {
		return fr.Element{}, err
	}
	return in.sum(), nil
}

// precheckInput is precheck with the digest left to finish.
func precheckInput(vk *VerifyingKey, st *Statement, p *Proof) (digestInput, error) {
	if vk == nil || st == nil || p == nil {
		return digestInput{}, fmt.Errorf("%w: nil key, statement or proof", ErrInvalidStatement)
	}
	if p.Backend != vk.backend || p.Fingerprint != vk.fp {
		return digestInput{}, fmt.Errorf("%w: proof names key %x (%s), this is %x (%s)", ErrWrongKey, p.Fingerprint[:8], p.Backend, vk.fp[:8], vk.backend)
	}
	if p.Root != st.Root {
		return digestInput{}, fmt.Errorf("%w: proven against another revocation root", ErrBadProof)
	}
	if p.Disclose != st.Disclose {
		return digestInput{}, fmt.Errorf("%w: proof discloses mask %#04x, request asks %#04x", ErrBadProof, p.Disclose, st.Disclose)
	}
	return st.digestInput(p.Nullifier, &p.Disclosed)
}

// verifyDigest checks one backend proof whose public input is digest.
func verifyDigest(vk *VerifyingKey, raw []byte, digest fr.Element) error {
	pw, err := frontend.NewWitness(publicAssignment(digest), ecc.BN254.ScalarField(), frontend.PublicOnly())
	if err != nil {
		return fmt.Errorf("zkp: public witness: %w", err)
	}
	return verifyRaw(vk, raw, pw)
}

// resultOf is what a verified proof establishes.
func resultOf(st *Statement, p *Proof) *Result {
	res := &Result{Disclosed: map[uint8]fr.Element{}, Nullifier: p.Nullifier}
	for i := range NumSlots {
		if st.Disclose&(1<<i) != 0 {
			res.Disclosed[uint8(i)] = p.Disclosed[i]
		}
	}
	return res
}

// batchable returns vk's Groth16 key when its proofs can be checked by
// batchPairing: one public input (the statement digest) and no BSB22
// commitments.
func batchable(vk *VerifyingKey) (*groth16bn254.VerifyingKey, bool) {
	if vk == nil || vk.backend != Groth16 {
		return nil, false
	}
	g, ok := vk.g16.(*groth16bn254.VerifyingKey)
	if !ok || len(g.G1.K) != 2 || len(g.CommitmentKeys) != 0 {
		return nil, false
	}
	return g, true
}

// batchPairing evaluates the random linear combination of the Groth16
// checks of proofs (whose points are subgroup-checked) with public inputs
// digests, and reports whether it holds.
func batchPairing(vk *groth16bn254.VerifyingKey, proofs []*groth16bn254.Proof, digests []fr.Element, rnd io.Reader) (bool, error) {
	n := len(proofs)
	buf := make([]byte, n*batchScalarBits/8)
	if _, err := io.ReadFull(rnd, buf); err != nil {
		return false, fmt.Errorf("zkp: batch verification: random coefficients: %w", err)
	}
	rs := make([]fr.Element, n)
	words := make([][2]uint64, n)
	var sumR, sumRX fr.Element
	as := make([]curve.G1Affine, n)
	cs := make([]curve.G1Affine, n)
	bs := make([]curve.G2Affine, n+3)
	for i := range n {
		chunk := buf[i*16 : (i+1)*16]
		// rᵢ = aᵢ + λbᵢ, aᵢ ∈ [2⁶³, 2⁶⁴) (never zero), bᵢ ∈ [0, 2⁶⁴)
		words[i] = [2]uint64{binary.BigEndian.Uint64(chunk[:8]) | 1<<63, binary.BigEndian.Uint64(chunk[8:])}
		rs[i] = coefficient(words[i])
		sumR.Add(&sumR, &rs[i])
		var t fr.Element
		t.Mul(&rs[i], &digests[i])
		sumRX.Add(&sumRX, &t)
		as[i] = proofs[i].Ar
		cs[i] = proofs[i].Krs
		bs[i] = proofs[i].Bs
	}
	ps := make([]curve.G1Affine, n+3)
	copy(ps, mulCoefficients(as, words)) // rᵢAᵢ
	// Σ rᵢCᵢ
	var c curve.G1Jac
	if _, err := c.MultiExp(cs, rs, ecc.MultiExpConfig{}); err != nil {
		return false, fmt.Errorf("zkp: batch verification: %w", err)
	}
	ps[n].FromJacobian(&c)
	bs[n].Neg(&vk.G2.Delta)
	// Σ rᵢLᵢ = (Σ rᵢ)K₀ + (Σ rᵢxᵢ)K₁
	var l curve.G1Jac
	if _, err := l.MultiExp(vk.G1.K[:2], []fr.Element{sumR, sumRX}, ecc.MultiExpConfig{}); err != nil {
		return false, fmt.Errorf("zkp: batch verification: %w", err)
	}
	ps[n+1].FromJacobian(&l)
	bs[n+1].Neg(&vk.G2.Gamma)
	// −(Σ rᵢ)α
	var negSum fr.Element
	var rb big.Int
	negSum.Neg(&sumR)
	ps[n+2].ScalarMultiplication(&vk.G1.Alpha, negSum.BigInt(&rb))
	bs[n+2] = vk.G2.Beta
	// The Miller loop runs over lines: the proofs' B points get theirs in
	// one batch, the key's −δ, −γ and β once per key. MillerLoopFixedQ
	// writes into the lines it reads, so the key's are copied in.
	lb := getLines(n + 3)
	defer putLines(lb)
	lines := *lb
	if !batchLines(lines[:n], bs[:n]) {
		// A B at infinity: the projective loop handles it.
		ok, err := curve.PairingCheck(ps, bs)
		if err != nil {
			return false, fmt.Errorf("zkp: batch verification: %w", err)
		}
		return ok, nil
	}
	copy(lines[n:], fixedLines(vk)[:])
	f, err := curve.MillerLoopFixedQ(ps, lines)
	if err != nil {
		return false, fmt.Errorf("zkp: batch verification: %w", err)
	}
	f = curve.FinalExponentiation(&f)
	return f.IsOne(), nil
}
