package demo

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
)

// noProofs stands in for the presentation circuit where a test only makes
// requests: it verifies nothing.
type noProofs struct{}

var errNoProofs = errors.New("no proof system in this test")

func (noProofs) Inspect([]byte) (consent.ProofInfo, error) { return consent.ProofInfo{}, errNoProofs }
func (noProofs) Verify(*consent.Statement, []byte) (*consent.Proven, error) {
	return nil, errNoProofs
}

var testSchema = credential.MustSchema("Membership", 1,
	credential.ClaimDef{Name: "since", Type: credential.TypeDate, Slot: 0, Required: true},
	credential.ClaimDef{Name: "club", Type: credential.TypeString, Slot: 1, Required: true},
)

// testWorld is a world with an accredited issuer of testSchema, an agency
// that asks, and a citizen.
func testWorld(t *testing.T) (w *World, issuer *credential.Issuer, agency, citizen *identity.PrivateKey) {
	t.Helper()
	ctx := context.Background()
	w, err := NewWorld(ctx, t.TempDir(), "Test Ministry")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	key, err := w.Agency(ctx, "Test Issuer", testSchema.Name)
	if err != nil {
		t.Fatal(err)
	}
	if issuer, err = w.Issuer(ctx, key, testSchema); err != nil {
		t.Fatal(err)
	}
	if agency, err = w.Agency(ctx, "Test Agency"); err != nil {
		t.Fatal(err)
	}
	if citizen, err = identity.GenerateKey(nil); err != nil {
		t.Fatal(err)
	}
	return w, issuer, agency, citizen
}

func TestHold(t *testing.T) {
	ctx := context.Background()
	w, issuer, _, citizen := testWorld(t)
	secret, err := credential.NewHolderSecret(nil)
	if err != nil {
		t.Fatal(err)
	}
	claims := credential.Claims{"since": "2020-01-02", "club": "Chess"}
	hold, sealed, err := w.Hold(ctx, issuer, testSchema, citizen, secret, claims, w.Now().AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if sealed <= 0 {
		t.Errorf("sealed size %d", sealed)
	}
	c := hold.Credential
	if c.Holder != citizen.DID() || c.Core.HolderBinding != credential.HolderBinding(secret) || hold.Secret != secret {
		t.Error("the credential is not bound to the holder and secret")
	}
	// The wallet's copy checks against the ledger with the witness it got.
	v, err := credential.NewVerifier(w.Ledger.State(), credential.VerifierOptions{Now: w.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(ctx, c, hold.Witness); err != nil {
		t.Errorf("held credential does not verify: %v", err)
	}
	// A second delivery of the same credential opens to the same anchor.
	if again, size, err := Deliver(c, citizen); err != nil || again.Anchor() != c.Anchor() || size != sealed {
		t.Errorf("Deliver again: %v (sealed %d, first %d)", err, size, sealed)
	}
	// Claims the schema refuses are refused before anything is anchored.
	size := w.Ledger.State().Size()
	if _, _, err := w.Hold(ctx, issuer, testSchema, citizen, secret, credential.Claims{"club": "Chess"}, w.Now().AddDate(1, 0, 0)); err == nil {
		t.Error("Hold issued a credential without a required claim")
	}
	if w.Ledger.State().Size() != size {
		t.Error("a refused issuance wrote to the ledger")
	}
}

func TestConsent(t *testing.T) {
	ctx := context.Background()
	w, _, agency, citizen := testWorld(t)
	gate, err := consent.NewGate(ctx, agency, w.Ledger, noProofs{}, consent.WithGateClock(w.Now))
	if err != nil {
		t.Fatal(err)
	}
	req, err := gate.NewRequest(consent.Request{
		Purpose:       consent.PurposeIdentityVerification,
		LegalBasis:    consent.BasisConsent,
		NoticeVersion: "test/1",
		Types:         []string{"Membership/1"},
		Predicates:    []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: 20000}},
		Scope:         "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := consent.CheckRequest(w.Now(), req); !errors.Is(err, consent.ErrNoConsent) {
		t.Fatalf("before consent: %v", err)
	}
	g, err := w.Consent(ctx, citizen, req, 24*time.Hour, func(g *consent.Grant) { g.UseLimit = 1 })
	if err != nil {
		t.Fatal(err)
	}
	if g.Citizen != citizen.DID() || g.UseLimit != 1 || g.NotAfter.Sub(g.NotBefore) != 24*time.Hour {
		t.Errorf("grant: citizen %s, use limit %d, valid %v", g.Citizen, g.UseLimit, g.NotAfter.Sub(g.NotBefore))
	}
	if err := g.Verify(); err != nil {
		t.Errorf("grant signature: %v", err)
	}
	st, err := consent.StatusOf(w.Ledger, g, w.Now())
	if err != nil {
		t.Fatalf("grant not anchored: %v", err)
	}
	if _, err := consent.CheckRequest(w.Now(), req, st); err != nil {
		t.Errorf("grant does not cover its request: %v", err)
	}
	// Prove refuses before proving when the grant is not on the ledger.
	loose, err := consent.NewGrant(nil, citizen.DID(), req, w.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := loose.Sign(citizen); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Prove(ctx, citizen, req, loose, nil); !errors.Is(err, consent.ErrNoConsent) {
		t.Errorf("Prove under an unanchored grant: %v, want ErrNoConsent", err)
	}
	// The wallet checks the request before the citizen signs anything.
	size := w.Ledger.State().Size()
	bad := *req
	bad.Scope = "another-scope"
	if _, err := w.Consent(ctx, citizen, &bad, time.Hour); !errors.Is(err, consent.ErrBadSignature) {
		t.Errorf("Consent to an altered request: %v, want ErrBadSignature", err)
	}
	if w.Ledger.State().Size() != size {
		t.Error("consent to an altered request was anchored")
	}
}

func TestStart(t *testing.T) {
	var out bytes.Buffer
	w, n, err := Start(context.Background(), t.TempDir(), &out, nil, "Test Ministry", "sample: what it shows")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if out.String() != "sample: what it shows\n" || n.Out != &out {
		t.Errorf("banner %q", out.String())
	}
	if w.Ledger.State().Size() != 1 {
		t.Errorf("%d records, want the governance root only", w.Ledger.State().Size())
	}
}
