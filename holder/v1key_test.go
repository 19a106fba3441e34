package holder

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/zkp"
)

// oneRequest asks, for one PersonalID credential, a person born by 2000,
// hiding or revealing the issuer.
func (w *v2World) oneRequest(t testing.TB, nonce byte, reveal bool) *consent.Request {
	t.Helper()
	r := &consent.Request{
		Purpose: consent.PurposeLicensing, LegalBasis: consent.BasisPublicTask, NoticeVersion: "licence/1",
		Types:        []string{"PersonalID/1"},
		Predicates:   []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: credential.DayValue(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))}},
		RevealIssuer: reveal,
		Scope:        "licence-2026", Nonce: consent.Digest{nonce}, IssuedAt: w.clock.Now(), Expires: w.clock.Now().Add(5 * time.Minute),
	}
	if err := r.Sign(w.agencyKey); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPresentKeyVersion: given a version 1 proving key, Present refuses a
// request that hides the issuer (a version 1 proof always names it) or
// asks for several credentials with consent.ErrMalformed, after consent
// is checked and before the prover is reached; a one-credential request
// that reveals the issuer reaches the prover. A version 2 key proves a
// request that hides the issuer (without -short: it makes a Groth16 setup
// and proof).
//
// The version 1 key is the zero ProvingKey: Present takes every key not
// of a version 2 shape for version 1, and zkp.Prove answers it with
// zkp.ErrWrongKey once the statement and witness are computed, which
// shows whether the prover was reached.
func TestPresentKeyVersion(t *testing.T) {
	w := newV2World(t)
	ctx := context.Background()
	hidden := w.oneRequest(t, 1, false)
	revealing := w.oneRequest(t, 2, true)
	two := w.twoRequest(t, 3, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, r := range []*consent.Request{hidden, revealing, two} {
		if _, err := w.h.Consent(ctx, w.l, r, ConsentOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	v1 := &zkp.ProvingKey{}
	for _, tc := range []struct {
		desc    string
		v2      bool // a real version 2 key (skipped with -short)
		req     *consent.Request
		want    error  // nil: a presentation
		wording string // in the error
	}{
		{"version 1 key, issuer hidden", false, hidden, consent.ErrMalformed, "hides the issuer and a version 1 proof always names it: present with a version 2 proving key"},
		{"version 1 key, two credentials", false, two, consent.ErrMalformed, "asks for 2 credentials and a version 1 proving key proves one: present with a version 2 proving key"},
		{"version 1 key, issuer revealed", false, revealing, zkp.ErrWrongKey, "cannot prove a v1 statement"},
		{"version 2 key, issuer hidden", true, hidden, nil, ""},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			pk := v1
			if tc.v2 {
				if testing.Short() {
					t.Skip("Groth16 setup and proof of the one-credential version 2 circuit; run without -short")
				}
				pk, _ = realKeys(t)
			}
			p, err := w.h.Present(ctx, w.l, pk, tc.req)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if p == nil || p.Issuer != "" || p.Type != "PersonalID/1" {
					t.Fatalf("presentation %+v, want one of PersonalID/1 naming no issuer", p)
				}
				return
			}
			if !errors.Is(err, tc.want) || p != nil {
				t.Fatalf("%v (presentation %v), want %v and none", err, p != nil, tc.want)
			}
			if !strings.Contains(err.Error(), tc.wording) {
				t.Errorf("error %q does not say %q", err, tc.wording)
			}
			if tc.want == consent.ErrMalformed && errors.Is(err, zkp.ErrWrongKey) {
				t.Errorf("%v: the prover was reached", err)
			}
		})
	}
}
