package consent

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
)

// smallCircuit is a Groth16 circuit standing in for the presentation
// circuit in tests of the gate's own logic: real proofs, real
// verification, a smaller statement (one "<=" predicate, one disclosed
// slot, a nullifier that is a polynomial rather than a hash). Every public
// input is constrained (squared into a private witness) so that none can
// be changed without invalidating the proof.
type smallCircuit struct {
	Type      frontend.Variable `gnark:",public"`
	Issuer    frontend.Variable `gnark:",public"`
	Root      frontend.Variable `gnark:",public"`
	Nonce     frontend.Variable `gnark:",public"`
	Scope     frontend.Variable `gnark:",public"`
	Today     frontend.Variable `gnark:",public"`
	Bound     frontend.Variable `gnark:",public"`
	Disclosed frontend.Variable `gnark:",public"`
	Nullifier frontend.Variable `gnark:",public"`

	Secret frontend.Variable
	Claim  frontend.Variable
	Bind   [7]frontend.Variable
}

func (c *smallCircuit) Define(api frontend.API) error {
	for i, x := range []frontend.Variable{c.Type, c.Issuer, c.Root, c.Nonce, c.Scope, c.Today, c.Disclosed} {
		api.AssertIsEqual(c.Bind[i], api.Mul(x, x))
	}
	api.AssertIsLessOrEqual(c.Claim, c.Bound)
	api.AssertIsEqual(c.Nullifier, api.Add(api.Mul(c.Secret, c.Scope), api.Mul(c.Secret, c.Secret)))
	return nil
}

const smallShape = "consent-test-small/v1"

// smallSystem implements ProofSystem for smallCircuit.
type smallSystem struct {
	ccs constraint.ConstraintSystem
	pk  groth16.ProvingKey
	vk  groth16.VerifyingKey
	fp  Digest
}

var (
	smallOnce        sync.Once
	smallA, smallB   *smallSystem
	smallSetupErr    error
	smallSetupLength time.Duration
)

// smallSystems returns two systems with independent setups (B's key is
// never put on the ledger), made once per test binary.
func smallSystems(t testing.TB) (*smallSystem, *smallSystem) {
	t.Helper()
	smallOnce.Do(func() {
		start := time.Now()
		ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &smallCircuit{})
		if err != nil {
			smallSetupErr = err
			return
		}
		mk := func() *smallSystem {
			pk, vk, err := groth16.Setup(ccs)
			if err != nil {
				smallSetupErr = err
				return nil
			}
			var buf bytes.Buffer
			if _, err := vk.WriteTo(&buf); err != nil {
				smallSetupErr = err
				return nil
			}
			return &smallSystem{ccs: ccs, pk: pk, vk: vk, fp: sha256.Sum256(buf.Bytes())}
		}
		smallA, smallB = mk(), mk()
		smallSetupLength = time.Since(start)
	})
	if smallSetupErr != nil {
		t.Fatal(smallSetupErr)
	}
	return smallA, smallB
}

// public derives the public inputs from a statement, as both sides do.
func (s *smallSystem) public(st *Statement) (*smallCircuit, uint8, uint8, error) {
	r := st.Request
	if len(r.Predicates) != 1 || r.Predicates[0].Op != OpLe || len(r.Disclose) != 1 {
		return nil, 0, 0, fmt.Errorf("%w: the small test system proves one <= predicate and one disclosure", ErrMalformed)
	}
	nonce, scope := r.ZKNonce(), r.ZKScope()
	c := &smallCircuit{
		Type:   hashToField("test/type", []byte(st.Type)),
		Issuer: hashToField("test/issuer", st.IssuerKey.Bytes()),
		Root:   hashToField("test/root", st.Root[:]),
		Nonce:  nonce, Scope: scope,
		Today: uint64(st.Today.Unix() / 86400),
		Bound: r.Predicates[0].A,
	}
	return c, r.Predicates[0].Slot, r.Disclose[0], nil
}

// prove makes the proof bytes: shape, fingerprint, root, nullifier,
// disclosed value, Groth16 proof.
func (s *smallSystem) prove(st *Statement, secret, claim, disclosed uint64) ([]byte, error) {
	c, _, _, err := s.public(st)
	if err != nil {
		return nil, err
	}
	var sec, sc, nul fr.Element
	sec.SetUint64(secret)
	sc = st.Request.ZKScope()
	var sq fr.Element
	nul.Mul(&sec, &sc)
	sq.Square(&sec)
	nul.Add(&nul, &sq)
	c.Secret, c.Claim, c.Disclosed, c.Nullifier = secret, claim, disclosed, nul
	for i, x := range []frontend.Variable{c.Type, c.Issuer, c.Root, c.Nonce, c.Scope, c.Today, c.Disclosed} {
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
	var d fr.Element
	d.SetUint64(disclosed)
	e := encoder{}
	e.string(smallShape)
	e.raw(s.fp[:])
	e.raw(st.Root[:])
	nb, db := nul.Bytes(), d.Bytes()
	e.raw(nb[:])
	e.raw(db[:])
	var buf bytes.Buffer
	if _, err := proof.WriteTo(&buf); err != nil {
		return nil, err
	}
	e.raw(buf.Bytes())
	return e.b, nil
}

type smallProof struct {
	info      ProofInfo
	nullifier FieldValue
	disclosed FieldValue
	proof     []byte
}

func parseSmall(b []byte) (*smallProof, error) {
	d := decoder{b: b}
	var p smallProof
	p.info.Shape = d.string()
	d.fixed(p.info.Fingerprint[:])
	d.fixed(p.info.Root[:])
	d.fixed(p.nullifier[:])
	d.fixed(p.disclosed[:])
	if d.err != nil {
		return nil, fmt.Errorf("%w: proof: %v", ErrMalformed, d.err)
	}
	p.proof = d.b
	return &p, nil
}

func (s *smallSystem) Inspect(b []byte) (ProofInfo, error) {
	p, err := parseSmall(b)
	if err != nil {
		return ProofInfo{}, err
	}
	return p.info, nil
}

func (s *smallSystem) Verify(st *Statement, b []byte) (*Proven, error) {
	p, err := parseSmall(b)
	if err != nil {
		return nil, err
	}
	if p.info.Fingerprint != s.fp || p.info.Shape != smallShape {
		return nil, fmt.Errorf("%w: no verifying key %s", ErrUnofficialKey, p.info.Fingerprint)
	}
	c, _, slot, err := s.public(st)
	if err != nil {
		return nil, err
	}
	nul, err := p.nullifier.Element()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadProof, err)
	}
	dis, err := p.disclosed.Element()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadProof, err)
	}
	c.Nullifier, c.Disclosed = nul, dis
	c.Secret, c.Claim = 0, 0
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
	return &Proven{Disclosed: map[uint8]FieldValue{slot: p.disclosed}, Nullifier: p.nullifier}, nil
}

var _ ProofSystem = (*smallSystem)(nil)

func TestSmallSystem(t *testing.T) {
	a, _ := smallSystems(t)
	t.Logf("setup of two small systems: %v", smallSetupLength)
	agency := testKey(t, 1)
	r := &Request{Purpose: PurposeAgeVerification, LegalBasis: BasisLegalObligation, NoticeVersion: "n/1", Types: []string{testType},
		Disclose: SlotSet{2}, Predicates: []Predicate{{Slot: 3, Op: OpLe, A: 100}}, Scope: "s", Nonce: Digest{1}, IssuedAt: t0, Expires: t0.Add(time.Hour)}
	if err := r.Sign(agency); err != nil {
		t.Fatal(err)
	}
	st := &Statement{Request: r, Type: testType, IssuerKey: testKey(t, 12).Public(), Root: Digest{5}, Today: t0}
	proof, err := a.prove(st, 77, 99, 1234)
	if err != nil {
		t.Fatal(err)
	}
	out, err := a.Verify(st, proof)
	if err != nil {
		t.Fatal(err)
	}
	if out.Disclosed[2] != fv(1234) {
		t.Fatalf("disclosed %v", out.Disclosed)
	}
	other := *st
	other.Root = Digest{6}
	if _, err := a.Verify(&other, proof); !errors.Is(err, ErrBadProof) {
		t.Fatalf("other root: %v", err)
	}
	if _, err := a.prove(st, 77, 101, 1234); err == nil {
		t.Fatal("proved a false predicate")
	}
}
