package consent

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/civicproof/civicproof/ledger"
)

func TestAnchorAndWithdraw(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	req := sampleRequest(t, w.verifier)
	g := w.anchoredGrant(t, w.citizen, req, nil)
	now := w.clock.Now()

	st, err := StatusOf(w.l, g, now)
	if err != nil || st.State != StateGiven || st.Uses != 0 {
		t.Fatalf("fresh grant: %+v, %v", st, err)
	}
	if _, err := Covers(now, req, st); err != nil {
		t.Fatalf("fresh grant does not cover: %v", err)
	}

	// Part withdrawal: the predicate is gone, the rest stays.
	part := req.Predicates[0].Part()
	if _, err := Withdraw(ctx, w.l, w.citizen, g, now, part); err != nil {
		t.Fatal(err)
	}
	st, _ = StatusOf(w.l, g, now)
	if _, err := Covers(now, req, st); !errors.Is(err, ErrNotCovered) {
		t.Fatalf("after part withdrawal: %v", err)
	}
	// An unknown part is refused before reaching the ledger.
	if _, err := Withdraw(ctx, w.l, w.citizen, g, now, "predicate:9:ge:1"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("unknown part: %v", err)
	}
	// A stranger cannot withdraw.
	if _, err := Withdraw(ctx, w.l, w.stranger, g, now); !errors.Is(err, ErrNoGuardianship) {
		t.Fatalf("stranger: %v", err)
	}
	// Whole withdrawal.
	if _, err := Withdraw(ctx, w.l, w.citizen, g, now); err != nil {
		t.Fatal(err)
	}
	st, _ = StatusOf(w.l, g, now)
	if st.State != StateWithdrawn {
		t.Fatalf("state %v", st.State)
	}
	if _, err := Covers(now, req, st); !errors.Is(err, ErrConsentWithdrawn) {
		t.Fatalf("after withdrawal: %v", err)
	}
	// Expired once past NotAfter.
	st, _ = StatusOf(w.l, w.anchoredGrant(t, w.citizen, req, nil), now.Add(31*24*time.Hour))
	if st.State != StateExpired {
		t.Fatalf("state %v, want expired", st.State)
	}
}

func TestStatusOfUnanchored(t *testing.T) {
	w := newWorld(t)
	req := sampleRequest(t, w.verifier)
	g := sampleGrant(t, w.citizen, req)
	if _, err := StatusOf(w.l, g, w.clock.Now()); !errors.Is(err, ErrNoConsent) {
		t.Fatalf("unanchored: %v", err)
	}
	// Anchoring another receipt hash under the same grant id fails to
	// match the grant.
	w.submit(t, w.citizen, &ledger.ConsentReceipt{Grant: ledger.Hash(g.ID()), Content: ledger.Hash(g.contentDigest()), Agency: g.Agency, Receipt: ledger.Hash{1}})
	if _, err := StatusOf(w.l, g, w.clock.Now()); !errors.Is(err, ErrNoConsent) {
		t.Fatalf("mismatched receipt: %v", err)
	}
}

func TestAnchorGuardian(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	req := sampleRequest(t, w.verifier)
	g := w.anchoredGrant(t, w.ward, req, func(g *Grant) { g.Guardian = w.guardian.DID() })
	st, err := StatusOf(w.l, g, w.clock.Now())
	if err != nil || st.State != StateGiven {
		t.Fatalf("guardian grant: %+v %v", st, err)
	}
	// The guardian may withdraw for the ward.
	if _, err := Withdraw(ctx, w.l, w.guardian, g, w.clock.Now(), DisclosurePart(1)); err != nil {
		t.Fatal(err)
	}
	// A "guardian" without a relation on the ledger cannot anchor.
	g2, _ := NewGrant(nil, w.citizen.DID(), req, w.clock.Now(), time.Hour)
	g2.Guardian = w.stranger.DID()
	if err := g2.Sign(w.stranger); err != nil {
		t.Fatal(err)
	}
	if _, err := Anchor(ctx, w.l, w.stranger, g2, w.clock.Now()); !errors.Is(err, ErrNoGuardianship) {
		t.Fatalf("guardian without relation: %v", err)
	}
}

func TestCitizenViewAndInclusion(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	req := sampleRequest(t, w.verifier)
	g := w.anchoredGrant(t, w.citizen, req, nil)
	// Two access records by the grantee, as the gate writes them.
	for i := range 2 {
		w.clock.Add(time.Minute)
		w.submit(t, w.verifier, &ledger.AccessRecord{Grant: ledger.Hash(g.ID()), Purpose: string(req.Purpose), Statement: ledger.Hash{byte(i + 1)}, Nullifier: ledger.Hash{9}})
	}
	// Another agency cannot write under it.
	if _, err := submit(ctx, w.l, w.other, w.clock.Now(), &ledger.AccessRecord{Grant: ledger.Hash(g.ID()), Purpose: "x", Statement: ledger.Hash{1}, Nullifier: ledger.Hash{1}}, "t"); !errors.Is(err, ledger.ErrUnauthorized) {
		t.Fatalf("other agency access record: %v", err)
	}
	views := CitizenView(w.l, w.citizen.DID(), w.clock.Now(), g)
	if len(views) != 1 || views[0].Grant != g || len(views[0].Accesses) != 2 {
		t.Fatalf("views %+v", views)
	}
	a := views[0].Accesses[1]
	if a.AgencyName != "Benefits Office" || a.Purpose != PurposeBenefitEligibility || a.Statement != (Digest{2}) || !a.Time.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("access %+v", a)
	}
	st, _ := StatusOf(w.l, g, w.clock.Now())
	if st.Uses != 2 {
		t.Fatalf("uses %d, want 2", st.Uses)
	}
	cpl, err := w.l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := w.l.Verifier().ParseCheckpoint(cpl.Note)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyAccess(ctx, w.l, cp, a); err != nil {
		t.Fatal(err)
	}
	forged := a
	forged.Statement = Digest{7}
	if err := VerifyAccess(ctx, w.l, cp, forged); !errors.Is(err, ledger.ErrBadProof) {
		t.Fatalf("forged entry: %v", err)
	}
	forged = a
	forged.Index = cp.Size
	if err := VerifyAccess(ctx, w.l, cp, forged); !errors.Is(err, ledger.ErrBadProof) {
		t.Fatalf("entry past checkpoint: %v", err)
	}
	// A checkpoint with a different root (e.g. a forked log) fails.
	bad := *cp
	bad.Root[0] ^= 1
	if err := VerifyAccess(ctx, w.l, &bad, a); !errors.Is(err, ledger.ErrBadProof) {
		t.Fatalf("wrong root: %v", err)
	}
}

// TestAnchorFrontRunning: a citizen who learns another citizen's grant id
// (and even its content digest, say from a pending record) cannot anchor
// it first under their own DID: the id commits to the grant's citizen. The
// owner's receipt is then anchored as usual.
func TestAnchorFrontRunning(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	req := sampleRequest(t, w.verifier)
	g := sampleGrant(t, w.citizen, req)
	rh, err := g.Receipt().Hash()
	if err != nil {
		t.Fatal(err)
	}
	steal := &ledger.ConsentReceipt{Grant: ledger.Hash(g.ID()), Content: ledger.Hash(g.contentDigest()), Agency: g.Agency, Receipt: ledger.Hash(rh)}
	if _, err := submit(ctx, w.l, w.stranger, w.clock.Now(), steal, "t"); !errors.Is(err, ledger.ErrUnauthorized) {
		t.Fatalf("front-running receipt: %v, want ledger.ErrUnauthorized", err)
	}
	// A guardian of someone else cannot bind the id to their ward either.
	steal.Citizen = w.ward.DID()
	if _, err := submit(ctx, w.l, w.guardian, w.clock.Now(), steal, "t"); !errors.Is(err, ledger.ErrUnauthorized) {
		t.Fatalf("front-running receipt by a guardian: %v, want ledger.ErrUnauthorized", err)
	}
	if _, err := Anchor(ctx, w.l, w.citizen, g, w.clock.Now()); err != nil {
		t.Fatalf("owner's receipt after the attempt: %v", err)
	}
	if st, err := StatusOf(w.l, g, w.clock.Now()); err != nil || st.State != StateGiven {
		t.Fatalf("status %+v %v", st, err)
	}
}

// TestRevokeOnlyByGrantAgency: another agency cannot write a revocation
// event for a grant given to the verifier; the verifier's gate can.
func TestRevokeOnlyByGrantAgency(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	req := sampleRequest(t, w.verifier)
	g := w.anchoredGrant(t, w.citizen, req, nil)
	ev := &ledger.AgencyEvent{Topic: RevocationTopic, Digest: ledger.Hash(g.ID())}
	if _, err := submit(ctx, w.l, w.other, w.clock.Now(), ev, "t"); !errors.Is(err, ledger.ErrUnauthorized) {
		t.Fatalf("revocation by another agency: %v, want ledger.ErrUnauthorized", err)
	}
	unknown := &ledger.AgencyEvent{Topic: RevocationTopic, Digest: ledger.Hash{7}}
	if _, err := submit(ctx, w.l, w.verifier, w.clock.Now(), unknown, "t"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("revocation of an unknown grant: %v, want ledger.ErrNotFound", err)
	}
	if _, err := submit(ctx, w.l, w.verifier, w.clock.Now(), ev, "t"); err != nil {
		t.Fatalf("revocation by the grant's agency: %v", err)
	}
}
