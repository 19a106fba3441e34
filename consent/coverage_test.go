package consent

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestCovers(t *testing.T) {
	agency, other, citizen := testKey(t, 1), testKey(t, 2), testKey(t, 3)
	req := sampleRequest(t, agency)
	now := t0.Add(time.Minute)
	live := func(edit func(g *Grant)) *Status {
		g := sampleGrant(t, citizen, req)
		if edit != nil {
			edit(g)
			if err := g.Sign(citizen); err != nil {
				t.Fatal(err)
			}
		}
		return &Status{Grant: g, State: StateGiven}
	}
	tests := []struct {
		name    string
		st      *Status
		wantErr []error
		check   func(t *testing.T, e *CoverageError)
	}{
		{"exact grant", live(nil), nil, nil},
		{"wider grant", live(func(g *Grant) {
			g.Types = append(g.Types, "Passport/2")
			g.Disclose = SlotSet{0, 1, 2}
			g.Predicates = append(g.Predicates, Predicate{Slot: 9, Op: OpEq, Set: []FieldValue{fv(1)}})
		}), nil, nil},
		{"withdrawn", func() *Status { s := live(nil); s.State = StateWithdrawn; return s }(), []error{ErrConsentWithdrawn}, nil},
		{"revoked", func() *Status { s := live(nil); s.State = StateRevoked; return s }(), []error{ErrConsentRevoked}, nil},
		{"refused", func() *Status { s := live(nil); s.State = StateRefused; return s }(), []error{ErrNoConsent}, nil},
		{"expired", live(func(g *Grant) { g.NotAfter = now }), []error{ErrConsentExpired}, nil},
		{"not yet valid", live(func(g *Grant) { g.NotBefore = now.Add(time.Second) }), []error{ErrConsentExpired}, nil},
		{"uses exhausted", func() *Status { s := live(func(g *Grant) { g.UseLimit = 2 }); s.Uses = 2; return s }(), []error{ErrUseLimit}, nil},
		{"uses left", func() *Status { s := live(func(g *Grant) { g.UseLimit = 2 }); s.Uses = 1; return s }(), nil, nil},
		{"other purpose", live(func(g *Grant) { g.Purpose = PurposeServiceProvision }), []error{ErrPurposeMismatch}, nil},
		{"other legal basis", live(func(g *Grant) { g.LegalBasis = BasisConsent }), []error{ErrPurposeMismatch}, nil},
		{"other agency", live(func(g *Grant) { g.Agency = other.DID() }), []error{ErrAgencyMismatch}, nil},
		{"type missing", live(func(g *Grant) { g.Types = []string{"Passport/2"} }), []error{ErrNotCovered}, func(t *testing.T, e *CoverageError) {
			if !slices.Equal(e.MissingTypes, []string{"PersonalID/1"}) {
				t.Fatalf("missing types %v", e.MissingTypes)
			}
		}},
		{"asks more disclosure", live(func(g *Grant) { g.Disclose = nil }), []error{ErrNotCovered}, func(t *testing.T, e *CoverageError) {
			if !slices.Equal(e.MissingDisclosures, []uint8{1}) || len(e.MissingPredicates)+len(e.MissingTypes) != 0 {
				t.Fatalf("missing %+v", e)
			}
		}},
		{"stricter predicate asked", live(func(g *Grant) { g.Predicates[0].A = 20001 }), []error{ErrNotCovered}, func(t *testing.T, e *CoverageError) {
			if len(e.MissingPredicates) != 1 || !e.MissingPredicates[0].Equal(req.Predicates[0]) {
				t.Fatalf("missing predicates %v", e.MissingPredicates)
			}
		}},
		{"predicate part withdrawn", func() *Status {
			s := live(nil)
			s.WithdrawnParts = []string{req.Predicates[1].Part()}
			return s
		}(), []error{ErrNotCovered}, nil},
		{"type part withdrawn", func() *Status { s := live(nil); s.WithdrawnParts = []string{TypePart("PersonalID/1")}; return s }(), []error{ErrNotCovered}, nil},
		{"disclosure part withdrawn", func() *Status { s := live(nil); s.WithdrawnParts = []string{DisclosurePart(1)}; return s }(), []error{ErrNotCovered}, nil},
		{"unrelated part withdrawn", func() *Status { s := live(nil); s.WithdrawnParts = []string{DisclosurePart(7)}; return s }(), nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Covers(now, req, tc.st)
			if len(tc.wantErr) == 0 {
				if err != nil || got != tc.st {
					t.Fatalf("got %v, %v", got, err)
				}
				return
			}
			for _, want := range tc.wantErr {
				if !errors.Is(err, want) {
					t.Fatalf("got %v, want %v", err, want)
				}
			}
			var ce *CoverageError
			if !errors.As(err, &ce) {
				t.Fatalf("%T is not a *CoverageError", err)
			}
			// Exactly the expected sentinels, nothing more.
			if n := len(ce.Unwrap()); n != len(tc.wantErr) {
				t.Fatalf("%d sentinels (%v), want %d", n, err, len(tc.wantErr))
			}
			if tc.check != nil {
				tc.check(t, ce)
			}
		})
	}
}

func TestCoversPicksClosest(t *testing.T) {
	agency, other, citizen := testKey(t, 1), testKey(t, 2), testKey(t, 3)
	req := sampleRequest(t, agency)
	now := t0.Add(time.Minute)
	if _, err := Covers(now, req); !errors.Is(err, ErrNoConsent) {
		t.Fatalf("no grants: got %v", err)
	}
	mk := func(edit func(g *Grant)) *Status {
		g := sampleGrant(t, citizen, req)
		edit(g)
		if err := g.Sign(citizen); err != nil {
			t.Fatal(err)
		}
		return &Status{Grant: g, State: StateGiven}
	}
	foreign := mk(func(g *Grant) { g.Agency = other.DID() })
	narrow := mk(func(g *Grant) { g.Disclose = nil })
	_, err := Covers(now, req, foreign, narrow)
	var ce *CoverageError
	if !errors.As(err, &ce) || ce.Grant != narrow.Grant.ID() || ce.AgencyMismatch {
		t.Fatalf("closest grant not reported: %v", err)
	}
	good := mk(func(g *Grant) {})
	if st, err := Covers(now, req, foreign, narrow, good); err != nil || st != good {
		t.Fatalf("covering grant not found: %v", err)
	}
}

func TestCheckRequest(t *testing.T) {
	agency, citizen := testKey(t, 1), testKey(t, 3)
	req := sampleRequest(t, agency)
	st := &Status{Grant: sampleGrant(t, citizen, req), State: StateGiven}
	if got, err := CheckRequest(t0.Add(time.Minute), req, st); err != nil || got != st {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := CheckRequest(t0.Add(time.Hour), req, st); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired request: %v", err)
	}
	req.Scope = "other"
	if _, err := CheckRequest(t0.Add(time.Minute), req, st); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered request: %v", err)
	}
}

// TestCoversPositions: a request for several credentials is covered
// position by position, and revealing issuers needs the grant's consent.
func TestCoversPositions(t *testing.T) {
	agency, citizen := testKey(t, 1), testKey(t, 3)
	req := sampleMultiRequest(t, agency)
	now := t0.Add(time.Minute)
	live := func(r *Request, edit func(g *Grant), withdrawn ...string) *Status {
		g := sampleGrant(t, citizen, r)
		if edit != nil {
			edit(g)
			if err := g.Sign(citizen); err != nil {
				t.Fatal(err)
			}
		}
		return &Status{Grant: g, State: StateGiven, WithdrawnParts: withdrawn}
	}
	revealing := *req
	revealing.RevealIssuer = true
	if err := revealing.Sign(agency); err != nil {
		t.Fatal(err)
	}
	one := sampleRequest(t, agency)
	one.Purpose, one.Scope, one.RevealIssuer = req.Purpose, req.Scope, false
	if err := one.Sign(agency); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		req     *Request
		st      *Status
		wantErr error
		check   func(t *testing.T, e *CoverageError)
	}{
		{"exact grant", req, live(req, nil), nil, nil},
		{"narrower types at position 3, one still allowed", req, live(req, func(g *Grant) { g.Also[1].Types = []string{"Insurance/1"} }), nil, nil},
		{"position 3 missing", req, live(req, func(g *Grant) { g.Also = g.Also[:1] }), ErrNotCovered, func(t *testing.T, e *CoverageError) {
			if len(e.MissingAlso) != 1 || e.MissingAlso[0].Position != 3 || len(e.MissingAlso[0].Types) != 2 || len(e.MissingAlso[0].Predicates) != 1 {
				t.Fatalf("missing %+v", e.MissingAlso)
			}
		}},
		{"position 2 predicate withdrawn", req, live(req, nil, PartAt(2, req.Also[0].Predicates[0].Part())), ErrNotCovered, func(t *testing.T, e *CoverageError) {
			if len(e.MissingAlso) != 1 || e.MissingAlso[0].Position != 2 || len(e.MissingAlso[0].Predicates) != 1 || len(e.MissingPredicates) != 0 {
				t.Fatalf("missing %+v", e)
			}
		}},
		{"the same predicate withdrawn at position 1 only", req, live(req, nil, req.Also[0].Predicates[0].Part()), nil, nil},
		{"positions swapped", req, live(req, func(g *Grant) {
			g.Types, g.Disclose, g.Predicates, g.Also[0] = g.Also[0].Types, g.Also[0].Disclose, g.Also[0].Predicates, g.Queries()[0]
		}), ErrNotCovered, nil},
		{"grant hides issuers, request reveals", &revealing, live(req, nil), ErrNotCovered, func(t *testing.T, e *CoverageError) {
			if !e.IssuerNotAllowed || e.missing() != 1 {
				t.Fatalf("missing %+v", e)
			}
		}},
		{"grant reveals, request hides", req, live(&revealing, nil), nil, nil},
		{"one-credential request under a three-position grant", one, live(req, func(g *Grant) {
			g.Predicates = append(g.Predicates, one.Predicates...)
			g.Disclose = one.Disclose
			g.Also[1].Predicates = nil
		}), nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := Covers(now, tc.req, tc.st)
			if tc.wantErr == nil {
				if err != nil || st != tc.st {
					t.Fatalf("not covered: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			var ce *CoverageError
			if !errors.As(err, &ce) {
				t.Fatalf("not a CoverageError: %T", err)
			}
			t.Log(ce)
			if tc.check != nil {
				tc.check(t, ce)
			}
		})
	}
}
