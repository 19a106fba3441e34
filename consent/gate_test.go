package consent

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// gateEnv is a world with the small proof system's key on the ledger, a
// revocation root published by the issuer, and the verifier's gate.
type gateEnv struct {
	*world
	zk, rogue *smallSystem
	gate      *Gate
	root      Digest
	epoch     uint64
}

func newGateEnv(t testing.TB, opts ...GateOption) *gateEnv {
	t.Helper()
	return newGateEnvOn(t, newWorld(t), opts...)
}

func newBoltGateEnv(t testing.TB, opts ...GateOption) *gateEnv {
	t.Helper()
	return newGateEnvOn(t, newWorldOn(t, true), opts...)
}

func newGateEnvOn(t testing.TB, w *world, opts ...GateOption) *gateEnv {
	t.Helper()
	a, b := smallSystems(t)
	e := &gateEnv{world: w, zk: a, rogue: b}
	e.submit(t, e.world.root, &ledger.VerifyingKey{Shape: smallShape, Fingerprint: ledger.Hash(a.fp)})
	e.publishRoot(t)
	opts = append([]GateOption{WithGateClock(e.clock.Now), WithRand(&fixedReader{n: 50})}, opts...)
	g, err := NewGate(context.Background(), e.verifier, e.l, a, opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.gate = g
	return e
}

func (e *gateEnv) publishRoot(t testing.TB) {
	e.epoch++
	e.root = Digest{0xaa, byte(e.epoch)}
	e.submit(t, e.issuer, &ledger.RevocationRoot{Root: ledger.Hash(e.root), Epoch: e.epoch})
}

// ageRequest is the gate's template: income (slot 3) <= 20000, disclose
// slot 2.
// ageRequest is the template of the gate tests over version 1 proofs,
// which name their issuer: it reveals the issuer (the only kind of
// request a version 1 proof answers).
func ageRequest() Request {
	return Request{
		Purpose: PurposeBenefitEligibility, LegalBasis: BasisPublicTask, NoticeVersion: "benefit/1",
		Types: []string{testType}, Disclose: SlotSet{2},
		Predicates: []Predicate{{Slot: 3, Op: OpLe, A: 20000}}, Scope: "benefit-2026",
		RevealIssuer: true,
	}
}

func (e *gateEnv) request(t testing.TB) *Request {
	t.Helper()
	r, err := e.gate.NewRequest(ageRequest())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wallet is what a citizen's wallet holds for these tests.
type wallet struct {
	key    *identity.PrivateKey // signs the grant and presentations
	grant  *Grant
	secret uint64
	claim  uint64 // slot 3
	value  uint64 // slot 2
	sys    *smallSystem
	root   *Digest    // root to prove against (default: the latest)
	typ    string     // the credential's type (default testType)
	today  *time.Time // the wallet's clock when proving (default: the gate's)
}

// present proves req with the wallet's credential and signs the
// presentation.
func (e *gateEnv) present(t testing.TB, req *Request, w wallet) *Presentation {
	t.Helper()
	sys := w.sys
	if sys == nil {
		sys = e.zk
	}
	root := e.root
	if w.root != nil {
		root = *w.root
	}
	today := e.clock.Now()
	if w.today != nil {
		today = *w.today
	}
	typ := w.typ
	if typ == "" {
		typ = testType
	}
	st := &Statement{Request: req, Type: typ, IssuerKey: e.issuer.Public(), Root: root, Today: today}
	proof, err := sys.prove(st, w.secret, w.claim, w.value)
	if err != nil {
		t.Fatal(err)
	}
	p := &Presentation{Request: req.ID(), Grant: w.grant, Type: typ, Issuer: e.issuer.DID(), Proof: proof}
	if err := p.Sign(w.key); err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *gateEnv) citizenWallet(t testing.TB, edit func(*Grant)) wallet {
	return wallet{key: e.citizen, grant: e.anchoredGrant(t, e.citizen, e.templateRequest(t), edit), secret: 42, claim: 15000, value: 7}
}

// diplomaType is a second credential type, which no request of the gate's
// template asks for.
const diplomaType = "Diploma/1"

// accreditDiploma accredits the issuer for diplomaType too.
func (e *gateEnv) accreditDiploma(t testing.TB) {
	e.submit(t, e.world.root, &ledger.Accredit{Agency: e.issuer.DID(), Role: ledger.RoleIssuer, Types: []string{"Diploma"}})
}

// templateRequest is a request with the gate's template content, used to
// shape grants (its nonce does not matter to a grant).
func (e *gateEnv) templateRequest(t testing.TB) *Request {
	r := ageRequest()
	r.Nonce, r.IssuedAt, r.Expires = Digest{1}, e.clock.Now(), e.clock.Now().Add(time.Hour)
	if err := r.Sign(e.verifier); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestGateAccepts(t *testing.T) {
	ctx := context.Background()
	e := newGateEnv(t)
	w := e.citizenWallet(t, nil)
	req := e.request(t)
	p := e.present(t, req, w)
	res, err := e.gate.Verify(ctx, req, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Disclosed[2] != fv(7) || res.Grant != w.grant.ID() || res.Type != testType {
		t.Fatalf("result %+v", res)
	}
	// The access is on the ledger, listed for the citizen, provably included.
	views := CitizenView(e.l, e.citizen.DID(), e.clock.Now(), w.grant)
	if len(views) != 1 || len(views[0].Accesses) != 1 {
		t.Fatalf("views %+v", views)
	}
	a := views[0].Accesses[0]
	if a.Index != res.Access.Index || a.Purpose != PurposeBenefitEligibility || a.AgencyName != "Benefits Office" {
		t.Fatalf("access %+v", a)
	}
	cp, err := e.l.Verifier().ParseCheckpoint(res.Access.Checkpoint.Note)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyAccess(ctx, e.l, cp, a); err != nil {
		t.Fatal(err)
	}
	// The wallet recognizes its presentation in the log, and no other.
	if !a.Answers(req, p) {
		t.Fatal("access record does not match the presentation")
	}
	other := e.request(t)
	if a.Answers(other, p) {
		t.Fatal("access record matches another request")
	}
}

// TestGateMatrix: each case starts from an accepted presentation and
// changes one thing; the gate must refuse with that thing's sentinel and
// leave no trace (the ledger does not grow).
// TestGateRefusesV1ForHiddenIssuer: a version 1 proof names its issuer,
// so it cannot answer a request that hides the issuer, whatever the
// grant allows. The gate refuses it with ErrMalformed before reading the
// proof, and nothing changes: the same request is still open, and the
// wallet's version 1 proof for a revealing request is accepted.
func TestGateRefusesV1ForHiddenIssuer(t *testing.T) {
	e := newGateEnv(t)
	tmpl := ageRequest()
	tmpl.RevealIssuer = false
	hidden, err := e.gate.NewRequest(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	w := wallet{key: e.citizen, grant: e.anchoredGrant(t, e.citizen, hidden, nil), secret: 42, claim: 15000, value: 7}
	size := e.l.State().Size()
	if _, err := e.gate.Verify(context.Background(), hidden, e.present(t, hidden, w)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("version 1 proof for a request hiding the issuer: %v, want ErrMalformed", err)
	}
	if got := e.l.State().Size(); got != size {
		t.Fatalf("refusal wrote %d records", got-size)
	}
	// Nothing was used up: a revealing request under a grant that allows
	// it is accepted.
	req := e.request(t)
	w.grant = e.anchoredGrant(t, e.citizen, req, nil)
	if _, err := e.gate.Verify(context.Background(), req, e.present(t, req, w)); err != nil {
		t.Fatalf("version 1 proof for a request revealing the issuer: %v", err)
	}
}

func TestGateMatrix(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		opts    []GateOption
		run     func(t *testing.T, e *gateEnv) (*Request, *Presentation)
		wantErr error
	}{
		{"no grant", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			w.grant = sampleGrant(t, e.citizen, e.templateRequest(t)) // signed, never anchored
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrNoConsent},
		{"withdrawn", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			if _, err := Withdraw(ctx, e.l, e.citizen, w.grant, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrConsentWithdrawn},
		{"predicate withdrawn", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			if _, err := Withdraw(ctx, e.l, e.citizen, w.grant, e.clock.Now(), ageRequest().Predicates[0].Part()); err != nil {
				t.Fatal(err)
			}
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrNotCovered},
		{"type withdrawn", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			if _, err := Withdraw(ctx, e.l, e.citizen, w.grant, e.clock.Now(), TypePart(testType)); err != nil {
				t.Fatal(err)
			}
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrNotCovered},
		{"expired grant", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, func(g *Grant) { g.NotAfter = g.NotBefore.Add(2 * time.Minute) })
			e.clock.Add(2 * time.Minute)
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrConsentExpired},
		{"use limit reached", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, func(g *Grant) { g.UseLimit = 1 })
			first := e.request(t)
			if _, err := e.gate.Verify(ctx, first, e.present(t, first, w)); err != nil {
				t.Fatal(err)
			}
			w.secret = 43 // another credential: the nullifier is not what stops it
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrUseLimit},
		{"purpose mismatch", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, func(g *Grant) { g.Purpose = PurposeServiceProvision })
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrPurposeMismatch},
		{"legal basis mismatch", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, func(g *Grant) { g.LegalBasis = BasisConsent })
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrPurposeMismatch},
		{"asks more than granted", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, func(g *Grant) { g.Disclose = nil })
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrNotCovered},
		{"stricter predicate than granted", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, func(g *Grant) { g.Predicates[0].A = 30000 })
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrNotCovered},
		{"wrong agency", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, func(g *Grant) { g.Agency = e.other.DID() })
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrAgencyMismatch},
		{"guardian without a relation", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := wallet{key: e.guardian, secret: 42, claim: 15000, value: 7}
			w.grant = e.anchoredGrant(t, e.ward, e.templateRequest(t), func(g *Grant) { g.Guardian = e.guardian.DID() })
			e.submit(t, e.issuer, &ledger.Guardianship{Guardian: e.guardian.DID(), Ward: e.ward.DID(), End: true})
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrNoGuardianship},
		{"stolen grant", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			req := e.request(t)
			p := e.present(t, req, w)
			p.Signature = e.stranger.Sign(DomainPresentation, p.SignedBytes())
			return req, p
		}, ErrBadSignature},
		{"replay", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			req := e.request(t)
			p := e.present(t, req, w)
			if _, err := e.gate.Verify(ctx, req, p); err != nil {
				t.Fatal(err)
			}
			return req, p
		}, ErrReplay},
		{"unknown nonce", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			req := e.templateRequest(t) // signed by the agency, never issued by the gate
			return req, e.present(t, req, w)
		}, ErrUnknownNonce},
		{"foreign request", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			req := e.templateRequest(t)
			req.Agency = ""
			if err := req.Sign(e.other); err != nil {
				t.Fatal(err)
			}
			return req, e.present(t, req, w)
		}, ErrForeignRequest},
		{"expired request", []GateOption{WithRequestTTL(time.Minute)}, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			req := e.request(t)
			p := e.present(t, req, w)
			e.clock.Add(time.Minute)
			return req, p
		}, ErrExpired},
		{"tampered request", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			req := e.request(t)
			p := e.present(t, req, w)
			req.Predicates[0].A = 1 << 40
			return req, p
		}, ErrBadSignature},
		{"stale root: too old", []GateOption{WithMaxRootAge(time.Hour)}, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			e.clock.Add(61 * time.Minute)
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrStaleRoot},
		{"stale root: superseded", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			req := e.request(t)
			p := e.present(t, req, w)
			e.publishRoot(t)
			return req, p
		}, ErrStaleRoot},
		{"root never published", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			w.root = &Digest{0xbb}
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrStaleRoot},
		{"issuer not accredited", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			req := e.request(t)
			p := e.present(t, req, w)
			p.Issuer = e.other.DID()
			if err := p.Sign(e.citizen); err != nil {
				t.Fatal(err)
			}
			return req, p
		}, ErrNotAccredited},
		{"issuer suspended", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			e.submit(t, e.world.root, &ledger.Suspend{Agency: e.issuer.DID(), Role: ledger.RoleIssuer, Types: []string{testTypeName}})
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrNotAccredited},
		{"unofficial key", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			w.sys = e.rogue
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrUnofficialKey},
		{"bad proof: flipped byte", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			req := e.request(t)
			p := e.present(t, req, w)
			p.Proof[len(p.Proof)-40] ^= 1
			if err := p.Sign(e.citizen); err != nil {
				t.Fatal(err)
			}
			return req, p
		}, ErrBadProof},
		{"bad proof: disclosed value changed", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			req := e.request(t)
			p := e.present(t, req, w)
			p.Proof[len(smallShape)+1+32+32+32+31] ^= 1 // last byte of the disclosed value
			if err := p.Sign(e.citizen); err != nil {
				t.Fatal(err)
			}
			return req, p
		}, ErrBadProof},
		{"bad proof: made for another request", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			other := e.request(t)
			req := e.request(t)
			p := e.present(t, other, w)
			p.Request = req.ID()
			if err := p.Sign(e.citizen); err != nil {
				t.Fatal(err)
			}
			return req, p
		}, ErrBadProof},
		{"nullifier used in scope", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			first := e.request(t)
			if _, err := e.gate.Verify(ctx, first, e.present(t, first, w)); err != nil {
				t.Fatal(err)
			}
			w2 := e.citizenWallet(t, nil) // a second grant does not help
			req := e.request(t)
			return req, e.present(t, req, w2)
		}, ErrNullifierUsed},
		{"type the request never asked for, under a widened grant", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			// The request asks for PersonalID/1; the citizen widens its own
			// grant to a second type the same issuer is accredited for and
			// answers with that credential, whose slot 3 means something
			// else entirely.
			e.accreditDiploma(t)
			w := e.citizenWallet(t, func(g *Grant) { g.Types = []string{diplomaType, testType} })
			w.typ = diplomaType
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrTypeNotRequested},
		{"revoked by the agency", nil, func(t *testing.T, e *gateEnv) (*Request, *Presentation) {
			w := e.citizenWallet(t, nil)
			if err := e.gate.Revoke(ctx, w.grant.ID()); err != nil {
				t.Fatal(err)
			}
			req := e.request(t)
			return req, e.present(t, req, w)
		}, ErrConsentRevoked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newGateEnv(t, tc.opts...)
			req, p := tc.run(t, e)
			before := e.l.State().Size()
			res, err := e.gate.Verify(ctx, req, p)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v (result %v), want %v", err, res, tc.wantErr)
			}
			t.Logf("%v", err)
			if after := e.l.State().Size(); after != before {
				t.Fatalf("refused presentation wrote %d ledger records", after-before)
			}
		})
	}
}

// TestGateNoPartialState: a refusal at the last step leaves the nonce,
// the use count and the nullifier untouched, so the honest presentation
// for the same request is still accepted, exactly once.
func TestGateNoPartialState(t *testing.T) {
	ctx := context.Background()
	e := newGateEnv(t)
	w := e.citizenWallet(t, func(g *Grant) { g.UseLimit = 1 })
	req := e.request(t)
	good := e.present(t, req, w)
	bad := *good
	bad.Proof = append([]byte(nil), good.Proof...)
	bad.Proof[len(bad.Proof)-40] ^= 1
	if err := bad.Sign(e.citizen); err != nil {
		t.Fatal(err)
	}
	if _, err := e.gate.Verify(ctx, req, &bad); !errors.Is(err, ErrBadProof) {
		t.Fatalf("bad proof: %v", err)
	}
	if _, err := e.gate.Verify(ctx, req, good); err != nil {
		t.Fatalf("honest presentation after a refusal: %v", err)
	}
	if _, err := e.gate.Verify(ctx, req, good); !errors.Is(err, ErrReplay) {
		t.Fatalf("second use: %v", err)
	}
}

// TestGateConcurrentReplay: many concurrent submissions of one
// presentation yield exactly one acceptance.
func TestGateConcurrentReplay(t *testing.T) {
	ctx := context.Background()
	e := newGateEnv(t)
	w := e.citizenWallet(t, nil)
	req := e.request(t)
	p := e.present(t, req, w)
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := e.gate.Verify(ctx, req, p)
			errs <- err
		}()
	}
	ok := 0
	for range n {
		err := <-errs
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrReplay) && !errors.Is(err, ErrNullifierUsed):
			t.Errorf("unexpected %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d acceptances, want 1", ok)
	}
	if got := len(e.l.State().AccessRecords(ledger.Hash(w.grant.ID()))); got != 1 {
		t.Fatalf("%d access records, want 1", got)
	}
}

// TestGateRestart: a new gate on the same ledger still refuses a nullifier
// used before and counts earlier uses.
func TestGateRestart(t *testing.T) {
	ctx := context.Background()
	e := newGateEnv(t)
	w := e.citizenWallet(t, func(g *Grant) { g.UseLimit = 2 })
	req := e.request(t)
	if _, err := e.gate.Verify(ctx, req, e.present(t, req, w)); err != nil {
		t.Fatal(err)
	}
	g2, err := NewGate(ctx, e.verifier, e.l, e.zk, WithGateClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	e.gate = g2
	req = e.request(t)
	if _, err := g2.Verify(ctx, req, e.present(t, req, w)); !errors.Is(err, ErrNullifierUsed) {
		t.Fatalf("nullifier after restart: %v", err)
	}
	w.secret = 44
	req = e.request(t)
	if _, err := g2.Verify(ctx, req, e.present(t, req, w)); err != nil {
		t.Fatalf("second use: %v", err)
	}
	w.secret = 45
	req = e.request(t)
	if _, err := g2.Verify(ctx, req, e.present(t, req, w)); !errors.Is(err, ErrUseLimit) {
		t.Fatalf("third use: %v", err)
	}
}

// TestGateRevocationSurvivesRestart: an agency-side revocation is on the
// ledger, so a gate started later refuses the grant too.
func TestGateRevocationSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	e := newGateEnv(t)
	w := e.citizenWallet(t, nil)
	if err := e.gate.Revoke(ctx, w.grant.ID()); err != nil {
		t.Fatal(err)
	}
	g2, err := NewGate(ctx, e.verifier, e.l, e.zk, WithGateClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	e.gate = g2
	req := e.request(t)
	if _, err := g2.Verify(ctx, req, e.present(t, req, w)); !errors.Is(err, ErrConsentRevoked) {
		t.Fatalf("after restart: %v", err)
	}
}

// TestNullifierRepeatAllowed: under NullifierRepeatAllowed the same holder
// presents twice in one scope and both are accepted and recorded with the
// same nullifier hash; an unknown policy is refused.
func TestNullifierRepeatAllowed(t *testing.T) {
	ctx := context.Background()
	e := newGateEnv(t, WithNullifierPolicy(NullifierRepeatAllowed))
	w := e.citizenWallet(t, nil)
	var hashes []ledger.Hash
	for range 2 {
		req := e.request(t)
		res, err := e.gate.Verify(ctx, req, e.present(t, req, w))
		if err != nil {
			t.Fatalf("repeat under NullifierRepeatAllowed: %v", err)
		}
		hashes = append(hashes, ledger.Hash(NullifierHash(req.Scope, res.Nullifier)))
	}
	if hashes[0] != hashes[1] {
		t.Fatal("the two presentations carry different nullifier hashes")
	}
	if _, err := NewGate(ctx, e.verifier, e.l, e.zk, WithNullifierPolicy(9)); err == nil {
		t.Fatal("unknown policy accepted")
	}
}
