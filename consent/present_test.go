package consent

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/zkp"
)

// TestPresentRefusesBeforeProving: Present refuses a grant that is not
// live or does not cover the request with the sentinel of the real cause,
// and a request that hides the issuer (a version 1 proof names it) with
// ErrMalformed, and makes no proof (prove is replaced by a counter; no
// keys exist).
func TestPresentRefusesBeforeProving(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	proofs := 0
	prove = func(context.Context, *zkp.ProvingKey, *zkp.Statement, *zkp.Holding) (*zkp.Proof, error) {
		proofs++
		return nil, errors.New("no proof system in this test")
	}
	t.Cleanup(func() { prove = zkp.Prove })

	schema := credential.MustSchema(testTypeName, 1,
		credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true})
	issuer, err := credential.NewIssuer(w.issuer, w.l, credential.NewRegistry(), credential.IssuerOptions{Now: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := issuer.RegisterSchema(ctx, schema); err != nil {
		t.Fatal(err)
	}
	secret, _ := credential.NewHolderSecret(nil)
	cred, err := issuer.Issue(ctx, schema, &credential.Request{HolderBinding: credential.HolderBinding(secret),
		Claims: credential.Claims{"birthDate": "2001-05-17"}, ValidUntil: w.clock.Now().AddDate(5, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	wit, err := issuer.Registry().Witness(cred.Core.RevocationIndex)
	if err != nil {
		t.Fatal(err)
	}
	hold := &zkp.Holding{Credential: cred, Secret: secret, Witness: wit}
	gate, err := NewGate(ctx, w.verifier, w.l, NewZKSystem(), WithGateClock(w.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	askAs := func(cutoff uint64, reveal bool) *Request {
		r, err := gate.NewRequest(Request{Purpose: PurposeIdentityVerification, LegalBasis: BasisPublicTask, NoticeVersion: "venue/1",
			Types: []string{testType}, Predicates: []Predicate{{Slot: 0, Op: OpLe, A: cutoff}}, Scope: "venue-2026",
			RevealIssuer: reveal})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	ask := func(cutoff uint64) *Request { return askAs(cutoff, true) } // what a version 1 proof answers
	adult := credential.DayValue(time.Date(2008, 11, 1, 0, 0, 0, 0, time.UTC))
	status := func(g *Grant) *Status {
		st, err := StatusOf(w.l, g, w.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	withdrawn := w.anchoredGrant(t, w.citizen, ask(adult), nil)
	if _, err := Withdraw(ctx, w.l, w.citizen, withdrawn, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	live := w.anchoredGrant(t, w.citizen, ask(adult), nil)
	brief := w.anchoredGrant(t, w.citizen, ask(adult), func(g *Grant) { g.NotAfter = w.clock.Now().Add(time.Minute) })
	once := w.anchoredGrant(t, w.citizen, ask(adult), func(g *Grant) { g.UseLimit = 1 })
	used := status(once)
	used.Uses = 1 // as after one access record under it
	hidden := w.anchoredGrant(t, w.citizen, askAs(adult, false), nil)

	for _, tc := range []struct {
		desc    string
		req     *Request
		st      *Status
		now     time.Time
		want    error
		wording string
	}{
		{"withdrawn", ask(adult), status(withdrawn), w.clock.Now(), ErrConsentWithdrawn, "consent: grant withdrawn ["},
		{"expired", ask(adult), status(brief), w.clock.Now().Add(2 * time.Minute), ErrConsentExpired, "grant expired"},
		{"use limit reached", ask(adult), used, w.clock.Now(), ErrUseLimit, "use limit reached"},
		{"another predicate", ask(adult - 1), status(live), w.clock.Now(), ErrNotCovered, "request not covered by the grant (predicate not allowed"},
		{"forged request", func() *Request { r := ask(adult); r.Scope = "elsewhere"; return r }(), status(live), w.clock.Now(), ErrBadSignature, ""},
		{"issuer hidden", askAs(adult, false), status(hidden), w.clock.Now(), ErrMalformed, "hides the issuer and a version 1 proof always names it: answer it with PresentV2 and a version 2 proving key"},
	} {
		_, err := Present(ctx, w.citizen, &zkp.ProvingKey{}, tc.req, tc.st, hold, tc.now)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.desc, err, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.wording) {
			t.Errorf("%s: error %q does not name the cause %q", tc.desc, err, tc.wording)
		}
		if tc.want != ErrNotCovered && errors.Is(err, ErrNotCovered) {
			t.Errorf("%s: %v also claims the request is not covered", tc.desc, err)
		}
	}
	if _, err := Present(ctx, w.stranger, &zkp.ProvingKey{}, ask(adult), status(live), hold, w.clock.Now()); !errors.Is(err, ErrMalformed) {
		t.Errorf("presented by another key than the grant's signer: %v, want ErrMalformed", err)
	}
	if proofs != 0 {
		t.Fatalf("Present made %d proofs for refused grants", proofs)
	}
	// The same call under the live grant does reach the prover.
	if _, err := Present(ctx, w.citizen, &zkp.ProvingKey{}, ask(adult), status(live), hold, w.clock.Now()); err == nil || proofs != 1 {
		t.Errorf("Present under a live grant: %v after %d proofs, want the test prover's refusal after 1", err, proofs)
	}
}
