package consent

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

var (
	zk2Once     sync.Once
	zk2PK       *zkp.ProvingKey
	zk2VK       *zkp.VerifyingKey
	zk2SetupErr error
)

// realKeysV2 makes one Groth16 key pair of the version 2 circuit for one
// credential per test binary.
func realKeysV2(t testing.TB) (*zkp.ProvingKey, *zkp.VerifyingKey) {
	t.Helper()
	zk2Once.Do(func() {
		zk2PK, zk2VK, zk2SetupErr = zkp.SetupShapeUnsafe(context.Background(), zkp.ShapeV2(zkp.Groth16, 1))
	})
	if zk2SetupErr != nil {
		t.Fatal(zk2SetupErr)
	}
	return zk2PK, zk2VK
}

// realV2Env is the world with a real issuer of PersonalID/1 credentials
// (revocation root published, so its issuer-set leaf carries it), the
// version 2 circuit's key on the ledger, the verifier's gate over
// ZKSystem, and one credential of the citizen with its witness.
type realV2Env struct {
	*world
	pk       *zkp.ProvingKey
	gate     *Gate
	cred     *credential.Credential
	secret   fr.Element
	wit      *revocation.Witness
	schema   *credential.Schema
	issuerV2 *credential.Issuer
}

func newRealV2Env(t testing.TB) *realV2Env {
	t.Helper()
	if testing.Short() {
		t.Skip("Groth16 setup of the version 2 circuit; run without -short")
	}
	ctx := context.Background()
	w := newWorld(t)
	pk, vk := realKeysV2(t)
	e := &realV2Env{world: w, pk: pk}
	if _, err := PublishVerifyingKey(ctx, w.l, w.root, vk, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	schema := credential.MustSchema(testTypeName, 1,
		credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true},
		credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 1, Required: true},
	)
	issuer, err := credential.NewIssuer(w.issuer, w.l, credential.NewRegistry(), credential.IssuerOptions{Now: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := issuer.RegisterSchema(ctx, schema); err != nil {
		t.Fatal(err)
	}
	e.secret, _ = credential.NewHolderSecret(nil)
	e.cred, err = issuer.Issue(ctx, schema, &credential.Request{
		Holder: w.citizen.DID(), HolderBinding: credential.HolderBinding(e.secret),
		Claims:     credential.Claims{"birthDate": "2001-05-17", "district": "Ward 3"},
		ValidUntil: w.clock.Now().AddDate(5, 0, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := issuer.PublishRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	e.schema, e.issuerV2 = schema, issuer
	if e.wit, err = issuer.Registry().Witness(e.cred.Core.RevocationIndex); err != nil {
		t.Fatal(err)
	}
	if e.gate, err = NewGate(ctx, w.verifier, w.l, NewZKSystem(vk), WithGateClock(w.clock.Now)); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *realV2Env) request(t testing.TB, reveal bool) *Request {
	t.Helper()
	cutoff := credential.DayValue(time.Date(2008, 11, 1, 0, 0, 0, 0, time.UTC))
	r, err := e.gate.NewRequest(Request{
		Purpose: PurposeIdentityVerification, LegalBasis: BasisPublicTask, NoticeVersion: "venue/1",
		Types: []string{testType}, Disclose: SlotSet{1}, Predicates: []Predicate{{Slot: 0, Op: OpLe, A: cutoff}},
		RevealIssuer: reveal, Scope: "venue-2026",
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// present answers req under g with the citizen's credential, proven
// against the issuer set's current root on the ledger.
func (e *realV2Env) present(t *testing.T, req *Request, g *Grant) *Presentation {
	t.Helper()
	held, err := HeldV2(e.l.State(), e.cred, e.wit)
	if err != nil {
		t.Fatal(err)
	}
	h := &zkp.HoldingV2{Secret: e.secret, Credentials: []zkp.HeldCredential{held}}
	if err := CanAnswerV2(req, h, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	st, err := StatusOf(e.l, g, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	p, err := PresentV2(context.Background(), e.citizen, e.pk, req, st, h, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGateRealProofsV2 runs the gate over real version 2 proofs through
// ZKSystem: issuer hidden (no issuer in the presentation, the statement or
// the result), issuer revealed (named and proven), a batch, and the
// issuer-set root checked against the ledger.
func TestGateRealProofsV2(t *testing.T) {
	e := newRealV2Env(t)
	ctx := context.Background()

	req := e.request(t, false)
	g := e.anchoredGrant(t, e.citizen, req, nil)
	p := e.present(t, req, g)
	if p.Issuer != "" {
		t.Fatal("issuer-hiding presentation names the issuer")
	}
	info, err := e.gate.zk.Inspect(p.Proof)
	if err != nil || len(info.Credentials) != 1 || info.Credentials[0].IssuerKey != nil {
		t.Fatalf("inspect: %+v, %v", info, err)
	}
	if set, _ := e.l.State().IssuerSet(testTypeName); Digest(set.Root) != info.Credentials[0].SetRoot {
		t.Fatal("proof is not over the type's current issuer-set root")
	}
	res, err := e.gate.Verify(ctx, req, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Issuer != "" || res.Disclosed[1] != FieldValueOf(credential.HashString("Ward 3")) {
		t.Fatalf("result %+v", res)
	}

	// Revealing: the issuer is named and its key proven.
	rreq := e.request(t, true)
	rg := e.anchoredGrant(t, e.citizen, rreq, nil)
	rp := e.present(t, rreq, rg)
	e.gate.cfg.repeats = true // the same holder in the same scope
	res, err = e.gate.Verify(ctx, rreq, rp)
	if err != nil {
		t.Fatal(err)
	}
	if res.Issuer != e.issuer.DID() {
		t.Fatalf("issuer %q", res.Issuer)
	}
	// Naming another agency for the proven key is refused.
	other := e.request(t, true)
	op := e.present(t, other, rg)
	op.Issuer = e.other.DID()
	if err := op.Sign(e.citizen); err != nil {
		t.Fatal(err)
	}
	if _, err := e.gate.Verify(ctx, other, op); !errors.Is(err, ErrNotAccredited) {
		t.Fatalf("other issuer named: %v", err)
	}

	// A batch: both proofs verified together, each accepted.
	var pairs []Pair
	for range 2 {
		r := e.request(t, false)
		pairs = append(pairs, Pair{Request: r, Presentation: e.present(t, r, g)})
	}
	_, errs := e.gate.VerifyBatch(ctx, pairs)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}

	// Once the set changes and the window passes, the old root is stale.
	stale := e.request(t, false)
	sp := e.present(t, stale, g)
	e.submit(t, e.world.root, &ledger.Accredit{Agency: e.other.DID(), Role: ledger.RoleIssuer, Types: []string{testTypeName}})
	e.clock.Add(25 * time.Hour)
	stale2 := e.request(t, false)
	sp2 := &Presentation{Request: stale2.ID(), Grant: g, Type: sp.Type, Proof: sp.Proof}
	if err := sp2.Sign(e.citizen); err != nil {
		t.Fatal(err)
	}
	if _, err := e.gate.Verify(ctx, stale2, sp2); !errors.Is(err, ErrStaleRoot) {
		t.Fatalf("stale set root: %v", err)
	}
}
