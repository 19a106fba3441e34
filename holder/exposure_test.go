package holder

import (
	"testing"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
)

// TestExposure: a holder that consents through its pairwise identities
// leaves no delivery DID on the ledger; consenting under the DID an issuer
// delivered to (what pairwise identities prevent) is reported as a leak.
func TestExposure(t *testing.T) {
	w := newTestWorld(t, false)
	issuerKey := w.agency(t, "Civil Registry", "PersonalID")
	is := w.issuer(t, issuerKey, personalID)
	a := w.agency(t, "Agency A")
	_, h := newWallet(t, w)
	issueTo(t, w, is, issuerKey.DID(), personalID, h, credential.Claims{"birthDate": "1990-04-02", "district": "Ward 3"})
	if _, err := h.Consent(w.ctx(), w.l, w.request(t, a, "a-scope", 1), ConsentOptions{}); err != nil {
		t.Fatal(err)
	}
	x, err := h.Exposure(w.ctx(), w.l)
	if err != nil {
		t.Fatal(err)
	}
	ia, _ := h.IdentityFor(a.DID())
	if len(x.Leaks) != 0 || len(x.Authored) != 1 || x.Authored[ia.DID()] != 1 || x.Others != 0 {
		t.Fatalf("pairwise consent: %+v", x)
	}

	// The same citizen consents under its delivery identity.
	d, _ := h.DeliveryIdentity(issuerKey.DID())
	g, err := consent.NewGrant(nil, d.DID(), w.request(t, a, "b-scope", 2), w.clock.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Sign(d); err != nil {
		t.Fatal(err)
	}
	rc, err := consent.Anchor(w.ctx(), w.l, d, g, w.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if x, err = h.Exposure(w.ctx(), w.l); err != nil {
		t.Fatal(err)
	}
	if len(x.Leaks) != 1 || x.Leaks[0].DID != d.DID() || x.Leaks[0].Index != rc.Index || x.Others != 1 || x.Authored[ia.DID()] != 1 {
		t.Fatalf("consent under the delivery DID: %+v", x)
	}
}
