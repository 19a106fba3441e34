package zkp

import (
	tedwards "github.com/consensys/gnark-crypto/ecc/twistededwards"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/algebra/native/twistededwards"
	"github.com/consensys/gnark/std/selector"
	"github.com/consensys/gnark/std/signature/eddsa"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/internal/zkhash"
)

// Limits of the circuit shape. One compiled circuit serves every schema
// and every mix of up to MaxPredicates predicates.
const (
	NumSlots      = credential.NumSlots // claim slots
	MaxPredicates = 4                   // predicates per proof (K)
	MaxSetSize    = 8                   // values of one membership predicate
	TreeDepth     = revocation.Depth    // bits of a revocation index
	treeLevels    = revocation.Levels   // height of the 4-ary revocation tree
)

// Predicate kinds as the circuit sees them (flag bits of predVars.Meta).
const (
	flagRange = 1 << 4 // lo ≤ v ≤ hi
	flagSet   = 1 << 5 // v ∈ Set
	flagNe    = 1 << 6 // v ≠ Set[0]
)

// predVars is one predicate position. Meta = slot + flags; an unused
// position has Meta = Lo = Hi = 0 and an all-zero set, and constrains
// nothing.
type predVars struct {
	Meta, Lo, Hi frontend.Variable
	Set          [MaxSetSize]frontend.Variable
}

// presentationCircuit is the presentation circuit. Its only public input is
// Statement, the Poseidon2 digest of every public value (see Statement.Digest),
// which keeps Groth16 verification at its minimum cost whatever the request
// asks; the public values themselves are private wires bound to it.
type presentationCircuit struct {
	Statement frontend.Variable `gnark:",public"`

	// Public values, bound by Statement.
	IssuerX, IssuerY frontend.Variable
	Type             frontend.Variable
	Today            frontend.Variable
	Root             frontend.Variable
	Nonce            frontend.Variable
	Scope            frontend.Variable
	Nullifier        frontend.Variable
	Mask             frontend.Variable // bit i: slot i disclosed
	Disclosed        [NumSlots]frontend.Variable
	Preds            [MaxPredicates]predVars

	// The credential and the holder's secrets.
	Slots           [NumSlots]frontend.Variable
	Salt            frontend.Variable
	DisclosureRoot  frontend.Variable
	Secret          frontend.Variable
	ValidUntil      frontend.Variable
	RevocationIndex frontend.Variable
	SigRX, SigRY    frontend.Variable
	SigS            frontend.Variable
	Siblings        [treeLevels][revocation.Arity - 1]frontend.Variable
}

// Define states the six properties of a presentation (package doc).
func (c *presentationCircuit) Define(api frontend.API) error {
	h := zkhash.NewGadget(api)

	// 0. The public values are the ones the verifier hashed.
	pub := []frontend.Variable{c.IssuerX, c.IssuerY, c.Type, c.Today, c.Root, c.Nonce, c.Scope, c.Nullifier, c.Mask}
	pub = append(pub, c.Disclosed[:]...)
	for i := range c.Preds {
		p := &c.Preds[i]
		pub = append(pub, p.Meta, p.Lo, p.Hi)
		pub = append(pub, p.Set[:]...)
	}
	digest, err := h.Hash(zkhash.TagStatement, pub...)
	if err != nil {
		return err
	}
	api.AssertIsEqual(c.Statement, digest)

	// 1. The issuer signed the commitment to these claims, type, binding,
	// expiry and revocation index.
	claims, err := h.Hash(zkhash.TagClaims, append([]frontend.Variable{c.Salt}, c.Slots[:]...)...)
	if err != nil {
		return err
	}
	binding, err := h.Hash(zkhash.TagHolder, c.Secret) // 2. holder knows the secret
	if err != nil {
		return err
	}
	msg, err := h.Hash(zkhash.TagCredential, c.Type, claims, c.DisclosureRoot, binding, c.ValidUntil, c.RevocationIndex)
	if err != nil {
		return err
	}
	curve, err := twistededwards.NewEdCurve(api, tedwards.BN254)
	if err != nil {
		return err
	}
	sigR := twistededwards.Point{X: c.SigRX, Y: c.SigRY}
	curve.AssertIsOnCurve(sigR)
	fh := h.EdDSAHasher()
	if err := eddsa.Verify(curve, eddsa.Signature{R: sigR, S: c.SigS},
		msg, eddsa.PublicKey{A: twistededwards.Point{X: c.IssuerX, Y: c.IssuerY}}, fh); err != nil {
		return err
	}
	if err := fh.Err(); err != nil {
		return err
	}

	// 3a. Not expired: today ≤ validUntil, both 64-bit (the issuer signs a
	// 64-bit day; the verifier supplies a 64-bit today).
	api.ToBinary(c.Today, 64)
	api.ToBinary(api.Sub(c.ValidUntil, c.Today), 64)

	// 3b. Not revoked: leaf RevocationIndex of the 4-ary tree under Root
	// is 0. At each level the index's next two bits place the path's node
	// among its three siblings.
	bits := api.ToBinary(c.RevocationIndex, TreeDepth)
	var cur frontend.Variable = 0
	for l := range treeLevels {
		b0, b1, s := bits[2*l], bits[2*l+1], c.Siblings[l]
		if cur, err = h.Compress4(
			api.Lookup2(b0, b1, cur, s[0], s[0], s[0]),
			api.Lookup2(b0, b1, s[0], cur, s[1], s[1]),
			api.Lookup2(b0, b1, s[1], s[1], cur, s[2]),
			api.Lookup2(b0, b1, s[2], s[2], s[2], cur),
		); err != nil {
			return err
		}
	}
	api.AssertIsEqual(cur, c.Root)

	// 4. Every predicate holds.
	for i := range c.Preds {
		p := &c.Preds[i]
		mb := api.ToBinary(p.Meta, 7)
		isRange, isSet, isNe := mb[4], mb[5], mb[6]
		api.AssertIsBoolean(api.Add(isRange, isSet, isNe)) // at most one kind
		v := selector.BinaryMux(api, mb[:4], c.Slots[:])
		// Range: v - lo and hi - v both fit 64 bits (lo, hi < 2^64 are
		// chosen by the verifier), hence lo ≤ v ≤ hi as integers.
		api.ToBinary(api.Mul(isRange, api.Sub(v, p.Lo)), 64)
		api.ToBinary(api.Mul(isRange, api.Sub(p.Hi, v)), 64)
		// Set membership: the product of (v - s) over the set is zero.
		var prod frontend.Variable = isSet
		for _, s := range p.Set {
			prod = api.Mul(prod, api.Sub(v, s))
		}
		api.AssertIsEqual(prod, 0)
		// Not equal: v - Set[0] is non-zero.
		api.AssertIsEqual(api.Mul(isNe, api.IsZero(api.Sub(v, p.Set[0]))), 0)
	}

	// 5. Disclosed slots equal the public values.
	mask := api.ToBinary(c.Mask, NumSlots)
	for i := range NumSlots {
		api.AssertIsEqual(api.Mul(mask[i], api.Sub(c.Slots[i], c.Disclosed[i])), 0)
	}

	// 6. The nullifier is H(secret, scope).
	nf, err := h.Hash(zkhash.TagNullifier, c.Secret, c.Scope)
	if err != nil {
		return err
	}
	api.AssertIsEqual(nf, c.Nullifier)
	return nil
}
