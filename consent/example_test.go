package consent_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

func key(b byte) *identity.PrivateKey {
	k, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{b}, identity.SeedSize))
	if err != nil {
		panic(err)
	}
	return k
}

func post(l ledger.Ledger, k *identity.PrivateKey, now time.Time, p ledger.Payload) {
	sr, err := ledger.NewRecord(k.DID(), now, p).Sign(k)
	if err == nil {
		_, err = l.Submit(context.Background(), sr)
	}
	if err != nil {
		panic(err)
	}
}

// The wallet side: an agency asks, the citizen grants exactly that, the
// receipt is anchored, and a withdrawal takes effect at once.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	root, office, citizen := key(1), key(2), key(3)
	l, _ := ledger.NewInMemory(key(9), ledger.WithClock(func() time.Time { return now }))
	defer l.Close()
	post(l, root, now, &ledger.GovernanceInit{Name: "Ministry"})
	post(l, office, now, &ledger.AgencyRegister{Key: office.Public(), Name: "Benefits Office"})

	// The agency's signed request: is the applicant's income (slot 4) at
	// most 20,000, and what is their district (slot 2)?
	notice := []byte("We check your income bracket to decide on housing benefit.")
	req := &consent.Request{
		Purpose: consent.PurposeBenefitEligibility, LegalBasis: consent.BasisPublicTask,
		NoticeVersion: "housing/2026-1", NoticeHash: sha256.Sum256(notice),
		Types:      []string{"IncomeStatement/1"},
		Disclose:   consent.SlotSet{2},
		Predicates: []consent.Predicate{{Slot: 4, Op: consent.OpLe, A: 20000}},
		Scope:      "housing-2026", Nonce: consent.Digest{1}, IssuedAt: now, Expires: now.Add(5 * time.Minute),
	}
	if err := req.Sign(office); err != nil {
		panic(err)
	}

	// The wallet checks the request, finds no grant yet, and says why.
	fmt.Println("request valid:", req.Verify(now) == nil)
	_, err := consent.Covers(now, req)
	fmt.Println("no grant yet:", errors.Is(err, consent.ErrNoConsent))

	// The citizen grants exactly what was asked, for 30 days; the receipt
	// goes on the ledger.
	g, _ := consent.NewGrant(nil, citizen.DID(), req, now, 30*24*time.Hour)
	if err := g.Sign(citizen); err != nil {
		panic(err)
	}
	if _, err := consent.Anchor(ctx, l, citizen, g, now); err != nil {
		panic(err)
	}
	st, _ := consent.StatusOf(l, g, now)
	_, err = consent.Covers(now, req, st)
	fmt.Println("covered:", err == nil, st.State)
	fmt.Println("parts:", g.Parts())

	// Withdrawing the disclosure of the district is one call.
	if _, err := consent.Withdraw(ctx, l, citizen, g, now, consent.DisclosurePart(2)); err != nil {
		panic(err)
	}
	st, _ = consent.StatusOf(l, g, now)
	_, err = consent.Covers(now, req, st)
	var missing *consent.CoverageError
	if errors.As(err, &missing) {
		fmt.Println("not covered:", errors.Is(err, consent.ErrNotCovered), "missing slots", missing.MissingDisclosures)
	}
	// Output:
	// request valid: true
	// no grant yet: true
	// covered: true dpv:ConsentGiven
	// parts: [type:IncomeStatement/1 disclose:2 predicate:4:le:20000]
	// not covered: true missing slots [2]
}

// A request for three credentials answered by one proof, issuers hidden
// (the default): the grant mirrors it position by position, and a grant
// that narrows one position no longer covers the request.
func ExampleRequest_also() {
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	window, citizen := key(2), key(3)
	yes := consent.Predicate{Slot: 0, Op: consent.OpGe, A: 1}
	req := &consent.Request{
		Purpose: consent.PurposeLicensing, LegalBasis: consent.BasisPublicTask, NoticeVersion: "childcare-licence/2",
		Types: []string{"VaccinationRecord/1"}, Predicates: []consent.Predicate{yes},
		Also: []consent.Query{
			{Types: []string{"Diploma/1"}, Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpGe, A: 3}}},
			{Types: []string{"SocialSecurityEnrolment/1"}, Predicates: []consent.Predicate{yes}},
		},
		Scope: "childcare-licence", Nonce: consent.Digest{1}, IssuedAt: now, Expires: now.Add(5 * time.Minute),
	}
	if err := req.Sign(window); err != nil {
		panic(err)
	}
	b, _ := req.MarshalBinary()
	fmt.Println("credentials:", len(req.Queries()), "issuers revealed:", req.RevealIssuer, "format version:", b[2])

	g, _ := consent.NewGrant(nil, citizen.DID(), req, now, 30*24*time.Hour)
	if err := g.Sign(citizen); err != nil {
		panic(err)
	}
	_, err := consent.Covers(now, req, &consent.Status{Grant: g, State: consent.StateGiven})
	fmt.Println("covered:", err == nil)

	// The citizen withdraws the diploma question, at position 2.
	st := &consent.Status{Grant: g, State: consent.StateGiven, WithdrawnParts: []string{consent.PartAt(2, req.Also[0].Predicates[0].Part())}}
	_, err = consent.Covers(now, req, st)
	var missing *consent.CoverageError
	if errors.As(err, &missing) {
		fmt.Println("not covered at position", missing.MissingAlso[0].Position, errors.Is(err, consent.ErrNotCovered))
	}
	// Output:
	// credentials: 3 issuers revealed: false format version: 3
	// covered: true
	// not covered at position 2 true
}
