package zkp

import (
	"math/big"
	"math/bits"
	"sync"

	tedwardsbn254 "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	tedwards "github.com/consensys/gnark-crypto/ecc/twistededwards"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/algebra/native/twistededwards"

	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/internal/issuerset"
	"github.com/civicproof/civicproof/internal/zkhash"
)

// Limits of the v2 circuit shapes.
const (
	// MaxCredentials is the most credentials one v2 proof covers.
	MaxCredentials = 3
	// CircuitV2 is the name of the v2 circuit; its shapes are registered
	// as CircuitV2 + "-n<N>/<backend>" (Shape.String).
	CircuitV2 = "civicproof/presentation/v2"

	// revocationLevels is the height of the 4-ary revocation tree the
	// circuit walks: it follows credential/revocation.
	revocationLevels = revocation.Levels
)

// Layout of a v2 predicate's Meta: slot (bits 0–3), credential index
// (bits 4–5), then one kind flag.
const (
	metaCredShift = 4
	metaRange     = 1 << 6 // Vals[0] ≤ v ≤ Vals[1]
	metaSet       = 1 << 7 // v ∈ Vals
	metaNe        = 1 << 8 // v ≠ Vals[0]
	metaBits      = 9

	// credFlagBits is each credential's share of Flags: its disclosure
	// mask (NumSlots bits), then its reveal-issuer bit.
	credFlagBits = NumSlots + 1
)

// predVarsV2 is one v2 predicate position: Meta (slot, credential, kind)
// and eight values, the range bounds for a range (Vals[0], Vals[1]), the
// set for a membership, the excluded value for Ne (Vals[0]). Unused
// positions are all zero and constrain nothing.
type predVarsV2 struct {
	Meta frontend.Variable
	Vals [MaxSetSize]frontend.Variable
}

// credVarsV2 is one credential of a v2 proof.
type credVarsV2 struct {
	// Public values, bound by the statement digest.
	Type             frontend.Variable
	SetRoot          frontend.Variable // issuer-set root of the type
	IssuerX, IssuerY frontend.Variable // the signing key when revealed, else 0
	Disclosed        [NumSlots]frontend.Variable

	// The credential (signed message v2 and signature).
	Slots           [NumSlots]frontend.Variable
	Salt            frontend.Variable
	DisclosureRoot  frontend.Variable
	HolderBinding   frontend.Variable
	ValidUntil      frontend.Variable
	RevocationIndex frontend.Variable
	IssuanceDay     frontend.Variable
	SigRX, SigRY    frontend.Variable
	SigS            frontend.Variable

	// The issuer's leaf and its path in the issuer set.
	KeyX, KeyY     frontend.Variable
	From, Until    frontend.Variable
	RevocationRoot frontend.Variable
	IssuerIndex    frontend.Variable
	IssuerPath     [issuerset.Levels][issuerset.Arity - 1]frontend.Variable

	// The credential's path in its issuer's revocation tree.
	RevocationPath [][revocation.Arity - 1]frontend.Variable
}

// circuitV2 is the presentation circuit v2 for len(Creds) credentials
// (package doc, "Version 2"). As in v1 its only public input is the
// statement digest.
type circuitV2 struct {
	Statement frontend.Variable `gnark:",public"`

	// Public values shared by the credentials, bound by Statement.
	Today     frontend.Variable
	Scope     frontend.Variable
	Flags     frontend.Variable // credential i: mask at bit 17i, reveal at bit 17i+16
	Nonce     frontend.Variable
	Nullifier frontend.Variable
	Preds     [MaxPredicates]predVarsV2

	Creds  []credVarsV2
	Secret frontend.Variable

	// omit names one check that Define leaves out. It is always empty in
	// the compiled circuits (Shape.circuit); soundness tests set it to show
	// that a witness violates that check and no other.
	omit string
}

// on reports whether Define asserts the named check.
func (c *circuitV2) on(check string) bool { return c.omit != check }

// newCircuitV2 returns the empty circuit of n credentials whose
// revocation paths have revLevels levels.
func newCircuitV2(n, revLevels int) *circuitV2 {
	c := &circuitV2{Creds: make([]credVarsV2, n)}
	for i := range c.Creds {
		c.Creds[i].RevocationPath = make([][revocation.Arity - 1]frontend.Variable, revLevels)
	}
	return c
}

// prefixLenV2 is the length of the request-constant part of the digest
// preimage (Today, Scope, Flags, each credential's Type and SetRoot, each
// predicate's Meta and Vals) before padding; padded to a multiple of
// zkhash.Rate so that its sponge state can be cached.
func prefixLenV2(n int) int { return 3 + 2*n + MaxPredicates*(1+MaxSetSize) }

func paddedPrefixLenV2(n int) int {
	return (prefixLenV2(n) + zkhash.Rate - 1) / zkhash.Rate * zkhash.Rate
}

// suffixLenV2 is the length of the per-presentation part: Nonce,
// Nullifier, then per credential IssuerX, IssuerY, Disclosed[0..15].
func suffixLenV2(n int) int { return 2 + n*(2+NumSlots) }

// publicValues lists the digest preimage in order, padding included.
func (c *circuitV2) publicValues() []frontend.Variable {
	n := len(c.Creds)
	xs := make([]frontend.Variable, 0, paddedPrefixLenV2(n)+suffixLenV2(n))
	xs = append(xs, c.Today, c.Scope, c.Flags)
	for i := range c.Creds {
		xs = append(xs, c.Creds[i].Type, c.Creds[i].SetRoot)
	}
	for i := range c.Preds {
		xs = append(xs, c.Preds[i].Meta)
		xs = append(xs, c.Preds[i].Vals[:]...)
	}
	for len(xs) < paddedPrefixLenV2(n) {
		xs = append(xs, 0)
	}
	xs = append(xs, c.Nonce, c.Nullifier)
	for i := range c.Creds {
		cr := &c.Creds[i]
		xs = append(xs, cr.IssuerX, cr.IssuerY)
		xs = append(xs, cr.Disclosed[:]...)
	}
	return xs
}

// Define states what a v2 proof establishes (package doc, "Version 2").
// Each property is one method, so that a test can tell which one a bad
// witness violates.
func (c *circuitV2) Define(api frontend.API) error {
	h := zkhash.NewGadget(api)
	if c.on("digest") {
		if err := c.checkDigest(api, h); err != nil {
			return err
		}
	}
	binding, err := h.Hash(zkhash.TagHolder, c.Secret)
	if err != nil {
		return err
	}
	curve, err := twistededwards.NewEdCurve(api, tedwards.BN254)
	if err != nil {
		return err
	}
	flags := api.ToBinary(c.Flags, credFlagBits*len(c.Creds))
	slots := make([]frontend.Variable, 0, NumSlots*len(c.Creds))
	for i := range c.Creds {
		cr := &c.Creds[i]
		f := flags[credFlagBits*i : credFlagBits*(i+1)]
		if c.on("holder") {
			checkHolder(api, cr, binding)
		}
		if c.on("signature") {
			if err := checkSignature(api, h, curve, cr); err != nil {
				return err
			}
		}
		if c.on("issuerSet") {
			if err := checkIssuerSet(api, h, cr); err != nil {
				return err
			}
		}
		if c.on("window") {
			checkWindow(api, cr)
		}
		if c.on("revealedKey") {
			checkRevealedKey(api, cr, f[NumSlots])
		}
		if c.on("expiry") {
			checkExpiry(api, cr, c.Today)
		}
		if c.on("revocation") {
			if err := checkRevocation(api, h, cr); err != nil {
				return err
			}
		}
		if c.on("disclosed") {
			checkDisclosed(api, cr, f[:NumSlots])
		}
		slots = append(slots, cr.Slots[:]...)
	}
	if c.on("predicates") {
		c.checkPredicates(api, slots)
	}
	if c.on("nullifier") {
		return c.checkNullifier(api, h)
	}
	return nil
}

// checkDigest: the public values are the ones the verifier hashed.
func (c *circuitV2) checkDigest(api frontend.API, h *zkhash.Gadget) error {
	d, err := h.Hash(zkhash.TagStatementV2, c.publicValues()...)
	if err != nil {
		return err
	}
	api.AssertIsEqual(c.Statement, d)
	return nil
}

// checkHolder: the holder binding the issuer signed is H(secret), the
// same secret for every credential of the proof.
func checkHolder(api frontend.API, cr *credVarsV2, binding frontend.Variable) {
	api.AssertIsEqual(cr.HolderBinding, binding)
}

// checkSignature: the leaf's key signed the credential's message v2
// (credential.Core.MessageV2), whose type is the public one.
func checkSignature(api frontend.API, h *zkhash.Gadget, curve twistededwards.Curve, cr *credVarsV2) error {
	in := make([]frontend.Variable, 0, 7+NumSlots)
	in = append(in, cr.Type, cr.Salt)
	in = append(in, cr.Slots[:]...)
	in = append(in, cr.DisclosureRoot, cr.HolderBinding, cr.ValidUntil, cr.RevocationIndex, cr.IssuanceDay)
	msg, err := h.Hash(zkhash.TagCredentialV2, in...)
	if err != nil {
		return err
	}
	sigR := twistededwards.Point{X: cr.SigRX, Y: cr.SigRY}
	curve.AssertIsOnCurve(sigR)
	return verifyEdDSA(curve, h, sigR, cr.SigS, msg, twistededwards.Point{X: cr.KeyX, Y: cr.KeyY})
}

// verifyEdDSA asserts that (R, S) is a signature of msg under A: the
// cofactored equation [c]([S]G − [H(R, A, msg)]A − R) = 0 of gnark's
// eddsa.Verify (std/signature/eddsa), whose challenge hash (zkhash's
// EdDSA hasher) the native signer uses too.
//
// The two scalar multiplications are split instead of gnark's joint
// double-and-add (about 5,330 constraints), for about 4,430:
//   - [S]G has a fixed base, so it is a sum of constant multiples of G
//     chosen two bits at a time (fixedBaseMul): seven constraints per
//     two bits and no doubling. S is decomposed into 252 bits without a
//     reducedness check: an honest S is below the subgroup order ℓ < 2²⁵¹,
//     and any 252-bit S′ satisfying the equation makes (R, S′ mod ℓ) a
//     valid signature, since G has order ℓ. Likewise eddsa.Verify's check
//     that S < ℓ (non-malleability) is left out: it matters to whoever
//     sees signatures, not here, where the signature is a private witness.
//   - [H]A has a base the prover chooses among the issuer set's keys, so
//     it is a 2-bit windowed double-and-add over the table O, A, 2A, 3A
//     (varBaseMul). H is the hash's output, decomposed into its unique
//     canonical 254 bits.
//
// Every point involved is on the curve (G, the table's multiples, A from
// the ledger's issuer set, decoded with on-curve and subgroup checks, R
// asserted), and BabyJubjub's a = −1 is a square and d is not, so gnark's
// addition and doubling formulas are complete: no identity or equal-point
// case needs handling.
func verifyEdDSA(curve twistededwards.Curve, h *zkhash.Gadget, r twistededwards.Point, s, msg frontend.Variable, a twistededwards.Point) error {
	api := curve.API()
	fh := h.EdDSAHasher()
	fh.Write(r.X, r.Y, a.X, a.Y, msg)
	hram := fh.Sum()
	if err := fh.Err(); err != nil {
		return err
	}
	sG := fixedBaseMul(api, curve, s)
	hA := varBaseMul(api, curve, a, hram)
	q := curve.Add(sG, curve.Neg(hA))
	q = curve.Add(q, curve.Neg(r))
	for c := curve.Params().Cofactor.Uint64(); c > 1; c >>= 1 {
		q = curve.Double(q)
	}
	api.AssertIsEqual(q.X, 0)
	api.AssertIsEqual(q.Y, 1)
	return nil
}

// sigScalarBits is the width of a signature's S in the circuit: the
// BabyJubjub subgroup order ℓ is below 2²⁵¹, and the windows take two
// bits at a time.
const sigScalarBits = 252

// baseTable holds, for window i of fixedBaseMul, the points j·4ⁱ·G for
// j = 1, 2, 3 (j = 0 is the identity (0, 1)), as constants.
var baseTable = sync.OnceValue(func() [][3][2]*big.Int {
	params := tedwardsbn254.GetEdwardsCurve()
	t := make([][3][2]*big.Int, sigScalarBits/2)
	step := params.Base // 4ⁱ·G
	for i := range t {
		var p tedwardsbn254.PointAffine
		p.Set(&step)
		for j := range 3 {
			t[i][j] = [2]*big.Int{p.X.BigInt(new(big.Int)), p.Y.BigInt(new(big.Int))}
			p.Add(&p, &step)
		}
		step.Double(&step)
		step.Double(&step)
	}
	return t
})

// fixedBaseMul returns [s]G for the curve's base point G and s < 2²⁵²,
// two bits of s at a time: window i adds the constant j·4ⁱ·G for the
// window's value j, a point whose coordinates are linear in the two bits
// and their product (one constraint), then one addition (six).
func fixedBaseMul(api frontend.API, curve twistededwards.Curve, s frontend.Variable) twistededwards.Point {
	sb := api.ToBinary(s, sigScalarBits)
	table := baseTable()
	var acc twistededwards.Point
	for i := range table {
		b0, b1 := sb[2*i], sb[2*i+1]
		p := lookupConst(api, b0, b1, api.Mul(b0, b1), &table[i])
		if i == 0 {
			acc = p
			continue
		}
		acc = curve.Add(acc, p)
	}
	return acc
}

// lookupConst returns the point j·P for j = b0 + 2·b1 from the constants
// 1P, 2P, 3P (0P is the identity), given t = b0·b1: for each coordinate
// c₀ + b0(c₁ − c₀) + b1(c₂ − c₀) + t(c₃ − c₂ − c₁ + c₀), with c₀ the
// identity's.
func lookupConst(api frontend.API, b0, b1, t frontend.Variable, ps *[3][2]*big.Int) twistededwards.Point {
	coord := func(k int, id int64) frontend.Variable {
		c0 := big.NewInt(id)
		c1, c2, c3 := ps[0][k], ps[1][k], ps[2][k]
		d1 := new(big.Int).Sub(c1, c0)
		d2 := new(big.Int).Sub(c2, c0)
		d3 := new(big.Int).Sub(c3, c2)
		d3.Sub(d3, c1).Add(d3, c0)
		return api.Add(c0, api.Mul(b0, d1), api.Mul(b1, d2), api.Mul(t, d3))
	}
	return twistededwards.Point{X: coord(0, 0), Y: coord(1, 1)}
}

// varBaseMul returns [k]P for a field element k, by its canonical 254
// bits, most significant window first: two doublings and one addition of
// the window's entry of the table O, P, 2P, 3P.
func varBaseMul(api frontend.API, curve twistededwards.Curve, p twistededwards.Point, k frontend.Variable) twistededwards.Point {
	kb := api.ToBinary(k) // canonical: checked below the modulus
	p2 := curve.Double(p)
	p3 := curve.Add(p2, p)
	pick := func(b0, b1 frontend.Variable) twistededwards.Point {
		return twistededwards.Point{
			X: api.Lookup2(b0, b1, 0, p.X, p2.X, p3.X),
			Y: api.Lookup2(b0, b1, 1, p.Y, p2.Y, p3.Y),
		}
	}
	n := len(kb) / 2
	acc := pick(kb[2*n-2], kb[2*n-1])
	for i := n - 2; i >= 0; i-- {
		acc = curve.Double(curve.Double(acc))
		acc = curve.Add(acc, pick(kb[2*i], kb[2*i+1]))
	}
	return acc
}

// checkIssuerSet: the leaf (key, window, revocation root) is in the
// issuer set under the public root.
func checkIssuerSet(api frontend.API, h *zkhash.Gadget, cr *credVarsV2) error {
	leaf, err := h.Hash(zkhash.TagIssuerLeaf, cr.KeyX, cr.KeyY, cr.From, cr.Until, cr.RevocationRoot)
	if err != nil {
		return err
	}
	bits := api.ToBinary(cr.IssuerIndex, 2*issuerset.Levels)
	root, err := walk4(api, h, leaf, bits, cr.IssuerPath[:])
	if err != nil {
		return err
	}
	api.AssertIsEqual(root, cr.SetRoot)
	return nil
}

// checkWindow: From ≤ IssuanceDay ≤ Until. From and Until come from the
// ledger's leaf (64-bit days), so both differences fitting 64 bits is the
// integer order.
func checkWindow(api frontend.API, cr *credVarsV2) {
	api.ToBinary(api.Sub(cr.IssuanceDay, cr.From), 64)
	api.ToBinary(api.Sub(cr.Until, cr.IssuanceDay), 64)
}

// checkRevealedKey: the public key values are the leaf's key when the
// request reveals the issuer, zero otherwise.
func checkRevealedKey(api frontend.API, cr *credVarsV2, reveal frontend.Variable) {
	api.AssertIsEqual(cr.IssuerX, api.Mul(reveal, cr.KeyX))
	api.AssertIsEqual(cr.IssuerY, api.Mul(reveal, cr.KeyY))
}

// checkExpiry: Today ≤ ValidUntil. Today is the verifier's 64-bit day and
// ValidUntil a signed 64-bit day, so the difference fitting 64 bits is the
// integer order.
func checkExpiry(api frontend.API, cr *credVarsV2, today frontend.Variable) {
	api.ToBinary(api.Sub(cr.ValidUntil, today), 64)
}

// checkRevocation: leaf RevocationIndex of the issuer's revocation tree
// (root in the issuer's leaf) is zero.
func checkRevocation(api frontend.API, h *zkhash.Gadget, cr *credVarsV2) error {
	bits := api.ToBinary(cr.RevocationIndex, 2*len(cr.RevocationPath))
	root, err := walk4(api, h, 0, bits, cr.RevocationPath)
	if err != nil {
		return err
	}
	api.AssertIsEqual(root, cr.RevocationRoot)
	return nil
}

// checkDisclosed: each disclosed slot holds the public value.
func checkDisclosed(api frontend.API, cr *credVarsV2, mask []frontend.Variable) {
	for j := range NumSlots {
		api.AssertIsEqual(api.Mul(mask[j], api.Sub(cr.Slots[j], cr.Disclosed[j])), 0)
	}
}

// checkPredicates: every predicate holds on the slot of the credential it
// names (slots: every credential's slots in order).
func (c *circuitV2) checkPredicates(api frontend.API, slots []frontend.Variable) {
	credBits := bits.Len(uint(len(c.Creds) - 1))
	for i := range c.Preds {
		p := &c.Preds[i]
		mb := api.ToBinary(p.Meta, metaBits)
		isRange, isSet, isNe := mb[6], mb[7], mb[8]
		api.AssertIsBoolean(api.Add(isRange, isSet, isNe)) // at most one kind
		for _, b := range mb[metaCredShift+credBits : 6] {
			api.AssertIsEqual(b, 0) // no credential index beyond the shape's
		}
		v := mux(api, mb[:metaCredShift+credBits], slots)
		// Range: v - lo and hi - v both fit 64 bits (lo, hi < 2^64 are
		// chosen by the verifier), hence lo ≤ v ≤ hi as integers.
		api.ToBinary(api.Mul(isRange, api.Sub(v, p.Vals[0])), 64)
		api.ToBinary(api.Mul(isRange, api.Sub(p.Vals[1], v)), 64)
		var prod frontend.Variable = isSet
		for _, s := range p.Vals {
			prod = api.Mul(prod, api.Sub(v, s))
		}
		api.AssertIsEqual(prod, 0)
		api.AssertIsEqual(api.Mul(isNe, api.IsZero(api.Sub(v, p.Vals[0]))), 0)
	}
}

// checkNullifier: the nullifier is H(secret, scope).
func (c *circuitV2) checkNullifier(api frontend.API, h *zkhash.Gadget) error {
	nf, err := h.Hash(zkhash.TagNullifier, c.Secret, c.Scope)
	if err != nil {
		return err
	}
	api.AssertIsEqual(nf, c.Nullifier)
	return nil
}

// walk4 returns the root of a 4-ary Poseidon2 path (revocation tree and
// issuer set alike): at level l the index bits 2l and 2l+1 place the
// path's node among its three siblings.
func walk4(api frontend.API, h *zkhash.Gadget, cur frontend.Variable, bits []frontend.Variable, sib [][3]frontend.Variable) (frontend.Variable, error) {
	var err error
	for l := range sib {
		b0, b1, s := bits[2*l], bits[2*l+1], sib[l]
		// Six constraints instead of four Lookup2 (about thirteen): pair
		// the node with s[0] (b1 = 0) or s[2] (b1 = 1), order the pair by
		// b0, then place the pair first or last by b1.
		t := api.Select(b1, s[2], s[0])
		u := api.Select(b0, t, cur)
		v := api.Sub(api.Add(cur, t), u)
		if cur, err = h.Compress4(
			api.Select(b1, s[0], u),
			api.Select(b1, s[1], v),
			api.Select(b1, u, s[1]),
			api.Select(b1, v, s[2]),
		); err != nil {
			return nil, err
		}
	}
	return cur, nil
}

// mux returns inputs[Σ selBits[i]·2^i] for boolean selBits, with
// len(inputs)-1 constraints (len(inputs) ≤ 2^len(selBits)); an index past
// the end selects an input the verifier never names (StatementV2 refuses
// such predicates).
func mux(api frontend.API, selBits, inputs []frontend.Variable) frontend.Variable {
	if len(selBits) == 0 {
		return inputs[0]
	}
	next, msb := selBits[:len(selBits)-1], selBits[len(selBits)-1]
	pivot := 1 << len(next)
	if pivot >= len(inputs) {
		return mux(api, next, inputs)
	}
	left := mux(api, next, inputs[:pivot])
	right := mux(api, next, inputs[pivot:])
	return api.Add(left, api.Mul(msb, api.Sub(right, left)))
}
