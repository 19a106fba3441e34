package consent

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
)

// smallV2Circuit stands in for the version 2 presentation circuit in
// tests of the gate: real Groth16 proofs over a statement of the same
// form — up to three credentials of one holder, each with its type, its
// issuer-set root, its issuer choice and (when revealed) its issuer key,
// at most one "<=" predicate and one disclosed slot per credential, one
// nullifier — but without the membership, signature and revocation
// gadgets. Every public input is constrained (squared into a private
// witness), so none can change without invalidating the proof.
type smallV2Circuit struct {
	Nonce     frontend.Variable                 `gnark:",public"`
	Scope     frontend.Variable                 `gnark:",public"`
	Today     frontend.Variable                 `gnark:",public"`
	Type      [MaxCredentials]frontend.Variable `gnark:",public"`
	SetRoot   [MaxCredentials]frontend.Variable `gnark:",public"`
	Reveal    [MaxCredentials]frontend.Variable `gnark:",public"`
	Key       [MaxCredentials]frontend.Variable `gnark:",public"` // hash of the revealed key, 0 when hidden
	Bound     [MaxCredentials]frontend.Variable `gnark:",public"`
	HasBound  [MaxCredentials]frontend.Variable `gnark:",public"`
	Disclosed [MaxCredentials]frontend.Variable `gnark:",public"`
	Nullifier frontend.Variable                 `gnark:",public"`

	Secret frontend.Variable
	Claim  [MaxCredentials]frontend.Variable
	Bind   [3 + 7*MaxCredentials]frontend.Variable
}

func (c *smallV2Circuit) bound() []frontend.Variable {
	out := []frontend.Variable{c.Nonce, c.Scope, c.Today}
	for i := range MaxCredentials {
		out = append(out, c.Type[i], c.SetRoot[i], c.Reveal[i], c.Key[i], c.Bound[i], c.HasBound[i], c.Disclosed[i])
	}
	return out
}

func (c *smallV2Circuit) Define(api frontend.API) error {
	for i, x := range c.bound() {
		api.AssertIsEqual(c.Bind[i], api.Mul(x, x))
	}
	for i := range MaxCredentials {
		api.AssertIsBoolean(c.HasBound[i])
		api.AssertIsLessOrEqual(api.Select(c.HasBound[i], c.Claim[i], 0), c.Bound[i])
	}
	api.AssertIsEqual(c.Nullifier, api.Add(api.Mul(c.Secret, c.Scope), api.Mul(c.Secret, c.Secret)))
	return nil
}

const smallV2Shape = "consent-test-small/v2"

// smallV2System implements ProofSystem for smallV2Circuit.
type smallV2System struct {
	ccs constraint.ConstraintSystem
	pk  groth16.ProvingKey
	vk  groth16.VerifyingKey
	fp  Digest
}

var (
	smallV2Once  sync.Once
	smallV2      *smallV2System
	smallV2Error error
)

func smallV2Systems(t testing.TB) *smallV2System {
	t.Helper()
	smallV2Once.Do(func() {
		ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &smallV2Circuit{})
		if err != nil {
			smallV2Error = err
			return
		}
		pk, vk, err := groth16.Setup(ccs)
		if err != nil {
			smallV2Error = err
			return
		}
		var buf bytes.Buffer
		if _, err := vk.WriteTo(&buf); err != nil {
			smallV2Error = err
			return
		}
		smallV2 = &smallV2System{ccs: ccs, pk: pk, vk: vk, fp: sha256.Sum256(buf.Bytes())}
	})
	if smallV2Error != nil {
		t.Fatal(smallV2Error)
	}
	return smallV2
}

// public derives the public inputs a statement fixes (all but the
// disclosed values and the nullifier), and the disclosed slot of each
// credential (NumSlots where none).
func (s *smallV2System) public(st *Statement) (*smallV2Circuit, []uint8, error) {
	r := st.Request
	qs := r.Queries()
	if len(st.Credentials) != len(qs) {
		return nil, nil, fmt.Errorf("%w: statement of %d credentials for a request of %d", ErrMalformed, len(st.Credentials), len(qs))
	}
	c := &smallV2Circuit{Nonce: r.ZKNonce(), Scope: r.ZKScope(), Today: uint64(st.Today.Unix() / 86400)}
	slots := make([]uint8, len(qs))
	for i := range MaxCredentials {
		c.Type[i], c.SetRoot[i], c.Reveal[i], c.Key[i], c.Bound[i], c.HasBound[i], c.Disclosed[i] = 0, 0, 0, 0, 0, 0, 0
		if i >= len(qs) {
			continue
		}
		q, cs := qs[i], st.Credentials[i]
		if len(q.Predicates) > 1 || len(q.Predicates) == 1 && q.Predicates[0].Op != OpLe || len(q.Disclose) > 1 {
			return nil, nil, fmt.Errorf("%w: the small v2 system proves at most one <= predicate and one disclosure per credential", ErrMalformed)
		}
		c.Type[i] = hashToField("test/type", []byte(cs.Type))
		c.SetRoot[i] = hashToField("test/set-root", cs.SetRoot[:])
		if r.RevealIssuer {
			if cs.IssuerKey == nil {
				return nil, nil, fmt.Errorf("%w: revealing statement without a key", ErrMalformed)
			}
			c.Reveal[i], c.Key[i] = 1, hashToField("test/issuer", cs.IssuerKey.ZK().Bytes())
		} else if cs.IssuerKey != nil {
			return nil, nil, fmt.Errorf("%w: hiding statement with a key", ErrMalformed)
		}
		if len(q.Predicates) == 1 {
			c.Bound[i], c.HasBound[i] = q.Predicates[0].A, 1
		}
		slots[i] = NumSlots
		if len(q.Disclose) == 1 {
			slots[i] = q.Disclose[0]
		}
	}
	return c, slots, nil
}

// smallHeld is what a test wallet holds of one credential for the small
// v2 system: the claim its predicate is about, its disclosed value.
type smallHeld struct{ claim, disclosed uint64 }

// prove makes the proof bytes: shape, fingerprint, credential count, per
// credential its set root, issuer choice and (revealed) compressed key,
// the nullifier, the disclosed values, the Groth16 proof.
func (s *smallV2System) prove(st *Statement, secret uint64, held []smallHeld) ([]byte, error) {
	c, _, err := s.public(st)
	if err != nil {
		return nil, err
	}
	if len(held) != len(st.Credentials) {
		return nil, errors.New("one held credential per statement credential")
	}
	var sec, sq, nul fr.Element
	sec.SetUint64(secret)
	sc := st.Request.ZKScope()
	nul.Mul(&sec, &sc)
	sq.Square(&sec)
	nul.Add(&nul, &sq)
	c.Secret, c.Nullifier = secret, nul
	for i := range MaxCredentials {
		c.Claim[i] = 0
		if i < len(held) {
			c.Claim[i], c.Disclosed[i] = held[i].claim, held[i].disclosed
		}
	}
	for i, x := range c.bound() {
		var e fr.Element
		if _, err := e.SetInterface(x); err != nil {
			return nil, err
		}
		e.Square(&e)
		c.Bind[i] = e
	}
	w, err := frontend.NewWitness(c, ecc.BN254.ScalarField())
	if err != nil {
		return nil, err
	}
	proof, err := groth16.Prove(s.ccs, s.pk, w)
	if err != nil {
		return nil, err
	}
	e := encoder{}
	e.string(smallV2Shape)
	e.raw(s.fp[:])
	e.byte(byte(len(st.Credentials)))
	for _, cs := range st.Credentials {
		e.raw(cs.SetRoot[:])
		if cs.IssuerKey != nil {
			e.byte(1)
			e.raw(cs.IssuerKey.ZK().Bytes())
		} else {
			e.byte(0)
		}
	}
	nb := nul.Bytes()
	e.raw(nb[:])
	for i := range st.Credentials {
		d := FieldValueOf(fr.NewElement(held[i].disclosed))
		e.raw(d[:])
	}
	var buf bytes.Buffer
	if _, err := proof.WriteTo(&buf); err != nil {
		return nil, err
	}
	e.raw(buf.Bytes())
	return e.b, nil
}

type smallV2Proof struct {
	info      ProofInfo
	nullifier FieldValue
	disclosed []FieldValue
	proof     []byte
}

func parseSmallV2(b []byte) (*smallV2Proof, error) {
	d := decoder{b: b}
	var p smallV2Proof
	p.info.Shape = d.string()
	d.fixed(p.info.Fingerprint[:])
	n := int(d.byte())
	if d.err == nil && (n < 1 || n > MaxCredentials) {
		d.fail(fmt.Errorf("%d credentials", n))
	}
	for range n {
		var ci CredentialInfo
		d.fixed(ci.SetRoot[:])
		if d.byte() == 1 {
			ci.IssuerKey = bytes.Clone(d.raw(32))
		}
		p.info.Credentials = append(p.info.Credentials, ci)
	}
	d.fixed(p.nullifier[:])
	p.disclosed = make([]FieldValue, n)
	for i := range p.disclosed {
		d.fixed(p.disclosed[i][:])
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: proof: %v", ErrMalformed, d.err)
	}
	p.proof = d.b
	return &p, nil
}

func (s *smallV2System) Inspect(b []byte) (ProofInfo, error) {
	p, err := parseSmallV2(b)
	if err != nil {
		return ProofInfo{}, err
	}
	return p.info, nil
}

func (s *smallV2System) Verify(st *Statement, b []byte) (*Proven, error) {
	p, err := parseSmallV2(b)
	if err != nil {
		return nil, err
	}
	if p.info.Fingerprint != s.fp || p.info.Shape != smallV2Shape {
		return nil, fmt.Errorf("%w: no verifying key %s", ErrUnofficialKey, p.info.Fingerprint)
	}
	c, slots, err := s.public(st)
	if err != nil {
		return nil, err
	}
	if len(p.disclosed) != len(st.Credentials) {
		return nil, fmt.Errorf("%w: proof of %d credentials for a statement of %d", ErrBadProof, len(p.disclosed), len(st.Credentials))
	}
	nul, err := p.nullifier.Element()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadProof, err)
	}
	c.Nullifier = nul
	for i, v := range p.disclosed {
		e, err := v.Element()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadProof, err)
		}
		c.Disclosed[i] = e
	}
	c.Secret = 0
	for i := range c.Claim {
		c.Claim[i] = 0
	}
	for i := range c.Bind {
		c.Bind[i] = 0
	}
	w, err := frontend.NewWitness(c, ecc.BN254.ScalarField(), frontend.PublicOnly())
	if err != nil {
		return nil, fmt.Errorf("%w: witness: %v", ErrBadProof, err)
	}
	proof := groth16.NewProof(ecc.BN254)
	if _, err := proof.ReadFrom(bytes.NewReader(p.proof)); err != nil {
		return nil, fmt.Errorf("%w: decode: %v", ErrBadProof, err)
	}
	if err := groth16.Verify(proof, s.vk, w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadProof, err)
	}
	out := &Proven{Nullifier: p.nullifier}
	for i, slot := range slots {
		m := map[uint8]FieldValue{}
		if slot < NumSlots {
			m[slot] = p.disclosed[i]
		}
		if i == 0 {
			out.Disclosed = m
		} else {
			out.AlsoDisclosed = append(out.AlsoDisclosed, m)
		}
	}
	return out, nil
}

var _ ProofSystem = (*smallV2System)(nil)
