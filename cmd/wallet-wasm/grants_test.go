package main

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
)

func testGrant(t *testing.T) *consent.Grant {
	t.Helper()
	agency, _ := identity.GenerateKey(nil)
	citizen, _ := identity.GenerateKey(nil)
	now := time.Now().UTC().Truncate(time.Second)
	req := &consent.Request{Agency: agency.DID(), Purpose: consent.PurposeIdentityVerification, LegalBasis: consent.BasisLegalObligation,
		NoticeVersion: "n/1", Types: []string{"Identity/1"}, Scope: "s",
		Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: credential.DayValue(now.AddDate(-18, 0, 0))}},
		IssuedAt:   now, Expires: now.Add(time.Minute)}
	var err error
	if req.Nonce, err = consent.NewNonce(nil); err != nil {
		t.Fatal(err)
	}
	if err := req.Sign(agency); err != nil {
		t.Fatal(err)
	}
	g, err := consent.NewGrant(nil, citizen.DID(), req, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Sign(citizen); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestSealedGrants: grants and the log view come back under the same
// master secret, and nothing comes back under another one or from
// altered bytes.
func TestSealedGrants(t *testing.T) {
	master := bytes.Repeat([]byte{7}, 32)
	g := testGrant(t)
	view := &logView{Grants: []logGrant{{ID: g.ID().String(), Agency: "Venue Licensing Agency", Accesses: []logAccess{{Index: 9}}}}, VerifiedAt: "2026-01-01T00:00:00Z"}
	sealed, err := sealGrants(master, []*consent.Grant{g}, view)
	if err != nil {
		t.Fatal(err)
	}
	gs, lv, err := openGrants(master, sealed)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 || gs[0].ID() != g.ID() || lv == nil || len(lv.Grants) != 1 || lv.Grants[0].Accesses[0].Index != 9 {
		t.Fatalf("opened %v, %+v", gs, lv)
	}
	if bytes.Contains(sealed, []byte("Venue")) {
		t.Fatal("sealed grants hold the log in clear")
	}
	other := bytes.Repeat([]byte{8}, 32)
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	wrongVersion := bytes.Clone(sealed)
	wrongVersion[0] = 2
	for name, tc := range map[string]struct{ master, sealed []byte }{
		"other-master": {other, sealed}, "altered": {master, flipped}, "version": {master, wrongVersion},
		"short": {master, sealed[:10]}, "empty": {master, nil},
	} {
		if gs, _, err := openGrants(tc.master, tc.sealed); !errors.Is(err, errGrantsSealed) || gs != nil {
			t.Errorf("%s: %v, %v", name, gs, err)
		}
	}
	none, err := sealGrants(master, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if gs, lv, err := openGrants(master, none); err != nil || len(gs) != 0 || lv != nil {
		t.Fatalf("no grants: %v %v %v", gs, lv, err)
	}
}
