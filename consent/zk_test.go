package consent

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

var (
	zkOnce     sync.Once
	zkPK       *zkp.ProvingKey
	zkVK       *zkp.VerifyingKey
	zkSetupErr error
)

// realKeys makes one Groth16 key pair of the presentation circuit per test
// binary.
func realKeys(t testing.TB) (*zkp.ProvingKey, *zkp.VerifyingKey) {
	t.Helper()
	zkOnce.Do(func() { zkPK, zkVK, zkSetupErr = zkp.SetupUnsafe(context.Background(), zkp.Groth16) })
	if zkSetupErr != nil {
		t.Fatal(zkSetupErr)
	}
	return zkPK, zkVK
}

// realEnv is the world with a real issuer of PersonalID/1 credentials, the
// presentation circuit's key on the ledger and the verifier's gate over
// ZKSystem.
type realEnv struct {
	*world
	issuer *credential.Issuer
	schema *credential.Schema
	pk     *zkp.ProvingKey
	vk     *zkp.VerifyingKey
	gate   *Gate
	hold   *zkp.Holding
}

func newRealEnv(t *testing.T) *realEnv { return newRealEnvTB(t) }

func newRealEnvTB(t testing.TB) *realEnv {
	t.Helper()
	ctx := context.Background()
	w := newWorld(t)
	pk, vk := realKeys(t)
	e := &realEnv{world: w, pk: pk, vk: vk}
	if _, err := PublishVerifyingKey(ctx, w.l, w.root, vk, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.schema = credential.MustSchema(testTypeName, 1,
		credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true},
		credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 1, Required: true},
	)
	var err error
	e.issuer, err = credential.NewIssuer(w.issuer, w.l, credential.NewRegistry(), credential.IssuerOptions{Now: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.issuer.RegisterSchema(ctx, e.schema); err != nil {
		t.Fatal(err)
	}
	secret, _ := credential.NewHolderSecret(nil)
	cred, err := e.issuer.Issue(ctx, e.schema, &credential.Request{
		Holder: w.citizen.DID(), HolderBinding: credential.HolderBinding(secret),
		Claims:     credential.Claims{"birthDate": "2001-05-17", "district": "Ward 3"},
		ValidUntil: w.clock.Now().AddDate(5, 0, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.issuer.PublishRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	wit, err := e.issuer.Registry().Witness(cred.Core.RevocationIndex)
	if err != nil {
		t.Fatal(err)
	}
	e.hold = &zkp.Holding{Credential: cred, Secret: secret, Witness: wit}
	e.gate, err = NewGate(ctx, w.verifier, w.l, NewZKSystem(vk), WithGateClock(w.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// status reads g's status from the ledger, as a wallet does before
// presenting.
func (e *realEnv) status(t testing.TB, g *Grant) *Status {
	t.Helper()
	st, err := StatusOf(e.l, g, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// adultRequest asks "born on or before 2008-11-01" (18 at t0) and nothing
// else, revealing the issuer: these tests prove with the version 1
// circuit, whose proofs name their issuer.
func (e *realEnv) adultRequest(t *testing.T) *Request { return e.adultRequestTB(t) }

func (e *realEnv) adultRequestTB(t testing.TB) *Request {
	t.Helper()
	cutoff := credential.DayValue(time.Date(2008, 11, 1, 0, 0, 0, 0, time.UTC))
	r, err := e.gate.NewRequest(Request{
		Purpose: PurposeIdentityVerification, LegalBasis: BasisPublicTask, NoticeVersion: "venue/1",
		Types: []string{testType}, Predicates: []Predicate{{Slot: 0, Op: OpLe, A: cutoff}}, Scope: "venue-2026",
		RevealIssuer: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newRealGrant is a real env with the adult request and the citizen's
// anchored grant for it; it skips in short mode.
func newRealGrant(t *testing.T) (*realEnv, *Request, *Grant) {
	t.Helper()
	if testing.Short() {
		t.Skip("Groth16 setup of the full circuit; run without -short")
	}
	e := newRealEnv(t)
	req := e.adultRequest(t)
	return e, req, e.anchoredGrant(t, e.citizen, req, nil)
}

// TestGateRealProofs runs the gate over real presentation proofs: accept,
// replay refused, the agency learns no claim, a false predicate cannot be
// proven, and after withdrawal a fresh proof is refused.
func TestGateRealProofs(t *testing.T) {
	ctx := context.Background()
	e, req, grant := newRealGrant(t)
	if !e.l.State().IsOfficialVerifyingKey(e.vk.Shape(), ledger.Hash(e.vk.Fingerprint())) {
		t.Fatal("PublishVerifyingKey did not make the key official")
	}
	if _, err := PublishVerifyingKey(ctx, e.l, e.root, e.vk, e.clock.Now()); !errors.Is(err, ledger.ErrDuplicate) {
		t.Errorf("publishing the key twice: %v, want ledger.ErrDuplicate", err)
	}
	if _, err := PublishVerifyingKey(ctx, e.l, e.root, nil, e.clock.Now()); !errors.Is(err, ErrMalformed) {
		t.Errorf("publishing no key: %v, want ErrMalformed", err)
	}

	p, err := Present(ctx, e.citizen, e.pk, req, e.status(t, grant), e.hold, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.gate.Verify(ctx, req, p)
	if err != nil {
		t.Fatalf("gate refused an honest presentation: %v", err)
	}
	if len(res.Disclosed) != 0 {
		t.Fatalf("agency learned %v", res.Disclosed)
	}
	if _, err := e.gate.Verify(ctx, req, p); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay: %v, want ErrReplay", err)
	}

	// A proof of a false predicate cannot be made, even under a grant
	// that covers it.
	younger, err := e.gate.NewRequest(Request{
		Purpose: PurposeIdentityVerification, LegalBasis: BasisPublicTask, NoticeVersion: "venue/1", Types: []string{testType},
		Predicates: []Predicate{{Slot: 0, Op: OpLe, A: credential.DayValue(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC))}}, Scope: "venue-2026",
		RevealIssuer: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	youngerGrant := e.anchoredGrant(t, e.citizen, younger, nil)
	if _, err := Present(ctx, e.citizen, e.pk, younger, e.status(t, youngerGrant), e.hold, e.clock.Now()); !errors.Is(err, zkp.ErrUnsatisfied) {
		t.Fatalf("false predicate: %v, want zkp.ErrUnsatisfied", err)
	}
	if _, err := Present(ctx, e.citizen, e.pk, younger, e.status(t, grant), e.hold, e.clock.Now()); !errors.Is(err, ErrNotCovered) {
		t.Fatalf("a request the grant does not cover: %v, want ErrNotCovered", err)
	}

	// A proof for one request does not answer another (nonce binding).
	req2 := e.adultRequest(t)
	moved := *p
	moved.Request = req2.ID()
	if err := moved.Sign(e.citizen); err != nil {
		t.Fatal(err)
	}
	if _, err := e.gate.Verify(ctx, req2, &moved); !errors.Is(err, ErrBadProof) {
		t.Fatalf("proof moved to another request: %v, want ErrBadProof", err)
	}

	// Withdrawal: the wallet refuses to prove, and a proof made before
	// the withdrawal but presented after it is refused by the gate.
	req3 := e.adultRequest(t)
	p3, err := Present(ctx, e.citizen, e.pk, req3, e.status(t, grant), e.hold, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Withdraw(ctx, e.l, e.citizen, grant, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := Present(ctx, e.citizen, e.pk, e.adultRequest(t), e.status(t, grant), e.hold, e.clock.Now()); !errors.Is(err, ErrConsentWithdrawn) {
		t.Fatalf("Present after withdrawal: %v, want ErrConsentWithdrawn", err)
	}
	if _, err := e.gate.Verify(ctx, req3, p3); !errors.Is(err, ErrConsentWithdrawn) {
		t.Fatalf("after withdrawal: %v, want ErrConsentWithdrawn", err)
	}
}

// TestGateRealRevoked: after the issuer revokes and publishes, a proof
// under the old root is refused as stale, and the revoked holder's fresh
// witness leads only to a root that was never published (its leaf would
// have to be 0), so its new proof is refused too.
func TestGateRealRevoked(t *testing.T) {
	ctx := context.Background()
	e, req, grant := newRealGrant(t)
	old, err := Present(ctx, e.citizen, e.pk, req, e.status(t, grant), e.hold, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.issuer.Revoke(e.hold.Credential); err != nil {
		t.Fatal(err)
	}
	if _, err := e.issuer.PublishRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.gate.Verify(ctx, req, old); !errors.Is(err, ErrStaleRoot) {
		t.Fatalf("proof under the superseded root: %v, want ErrStaleRoot", err)
	}
	wit, _ := e.issuer.Registry().Witness(e.hold.Credential.Core.RevocationIndex)
	h := *e.hold
	h.Witness = wit
	req2 := e.adultRequest(t)
	p, err := Present(ctx, e.citizen, e.pk, req2, e.status(t, grant), &h, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.gate.Verify(ctx, req2, p); !errors.Is(err, ErrStaleRoot) {
		t.Fatalf("revoked credential: %v, want ErrStaleRoot", err)
	}
}

// TestCanAnswer: the wallet learns that a request cannot be answered
// before asking for consent or proving.
func TestCanAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("Groth16 setup of the full circuit; run without -short")
	}
	e := newRealEnv(t)
	req := e.adultRequest(t)
	if err := CanAnswer(req, e.hold, e.clock.Now()); err != nil {
		t.Fatalf("CanAnswer(adult) = %v", err)
	}
	younger := e.adultRequest(t)
	younger.Predicates[0].A = credential.DayValue(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := CanAnswer(younger, e.hold, e.clock.Now()); !errors.Is(err, zkp.ErrUnsatisfied) {
		t.Fatalf("CanAnswer(false predicate) = %v, want zkp.ErrUnsatisfied", err)
	}
	// A request for another credential type: the wallet refuses before
	// proving, whatever its grants allow.
	other, err := e.gate.NewRequest(Request{
		Purpose: PurposeIdentityVerification, LegalBasis: BasisPublicTask, NoticeVersion: "venue/1",
		Types: []string{"Diploma/1"}, Predicates: []Predicate{{Slot: 0, Op: OpLe, A: 1}}, Scope: "venue-2026",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := CanAnswer(other, e.hold, e.clock.Now()); !errors.Is(err, ErrTypeNotRequested) {
		t.Fatalf("CanAnswer(other type) = %v, want ErrTypeNotRequested", err)
	}
	pk, _ := realKeys(t)
	grant := e.anchoredGrant(t, e.citizen, other, func(g *Grant) { g.Types = []string{"Diploma/1", testType} })
	if _, err := Present(context.Background(), e.citizen, pk, other, e.status(t, grant), e.hold, e.clock.Now()); !errors.Is(err, ErrTypeNotRequested) {
		t.Fatalf("Present(other type, widened grant) = %v, want ErrTypeNotRequested", err)
	}
	if got := TypeName(e.schema); got != testType || got != TypeOf(e.hold.Credential) {
		t.Fatalf("TypeName = %q, TypeOf = %q, want %q", got, TypeOf(e.hold.Credential), testType)
	}
}
