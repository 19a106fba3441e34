package holder

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/wallet"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

// v2World is a ledger with a civil registry issuing PersonalID and a
// municipality issuing Residence (revocation roots published, so their
// issuer-set leaves carry them), an agency, and a wallet holding one
// credential of each, witnesses refreshed.
type v2World struct {
	*testWorld
	agencyKey *identity.PrivateKey
	store     *wallet.Store
	h         *Holder
}

func newV2World(t testing.TB) *v2World {
	t.Helper()
	w := &v2World{testWorld: newTestWorld(t, false)}
	civil := w.agency(t, "Civil Registry", "PersonalID")
	town := w.agency(t, "Town Hall", "Residence")
	civilIs := w.issuer(t, civil, personalID)
	townIs := w.issuer(t, town, residence)
	w.agencyKey = w.agency(t, "Licensing Office")
	w.store, w.h = newWallet(t, w.testWorld)
	issueTo(t, w.testWorld, civilIs, civil.DID(), personalID, w.h, credential.Claims{"birthDate": "1990-04-02", "district": "Ward 3"})
	issueTo(t, w.testWorld, townIs, town.DID(), residence, w.h, credential.Claims{"district": "Ward 3", "since": "2015-06-01"})
	for _, is := range []*credential.Issuer{civilIs, townIs} {
		if _, err := is.PublishRevocations(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.Refresh(w.l.State(), is.StatusList()); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// twoRequest asks, in one proof with issuers hidden, a person born by
// 2000 and a residence since before 2020, disclosing the residence's
// district.
func (w *v2World) twoRequest(t testing.TB, nonce byte, born time.Time) *consent.Request {
	t.Helper()
	r := &consent.Request{
		Purpose: consent.PurposeLicensing, LegalBasis: consent.BasisPublicTask, NoticeVersion: "licence/1",
		Types:      []string{"PersonalID/1"},
		Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: credential.DayValue(born)}},
		Also: []consent.Query{{Types: []string{"Residence/1"}, Disclose: consent.SlotSet{0},
			Predicates: []consent.Predicate{{Slot: 1, Op: consent.OpLe, A: credential.DayValue(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))}}}},
		Scope: "licence-2026", Nonce: consent.Digest{nonce}, IssuedAt: w.clock.Now(), Expires: w.clock.Now().Add(5 * time.Minute),
	}
	if err := r.Sign(w.agencyKey); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCanAnswerV2: the wallet picks one stored credential per position
// and checks them against their types' issuer sets on the ledger, before
// consent, writing nothing.
func TestCanAnswerV2(t *testing.T) {
	w := newV2World(t)
	size := w.l.State().Size()
	if err := w.h.CanAnswerV2(w.l, w.twoRequest(t, 1, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))); err != nil {
		t.Fatalf("answerable: %v", err)
	}
	if err := w.h.CanAnswerV2(w.l, w.twoRequest(t, 2, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC))); !errors.Is(err, ErrNoCredential) || !errors.Is(err, zkp.ErrUnsatisfied) {
		t.Fatalf("unsatisfied predicate: %v, want ErrNoCredential and zkp.ErrUnsatisfied", err)
	}
	r := w.twoRequest(t, 3, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	r.Also[0].Types = []string{"Income/1"}
	if err := r.Sign(w.agencyKey); err != nil {
		t.Fatal(err)
	}
	if err := w.h.CanAnswerV2(w.l, r); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("type not held: %v, want ErrNoCredential", err)
	}
	// Both positions asking for a PersonalID: the one held answers both.
	r = w.twoRequest(t, 4, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	r.Also[0] = consent.Query{Types: []string{"PersonalID/1"}, Disclose: consent.SlotSet{1}}
	if err := r.Sign(w.agencyKey); err != nil {
		t.Fatal(err)
	}
	if err := w.h.CanAnswerV2(w.l, r); err != nil {
		t.Fatalf("one credential for two positions: %v", err)
	}
	// ... but not when one of the positions asks what it does not satisfy.
	r.Also[0].Predicates = []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: credential.DayValue(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC))}}
	if err := r.Sign(w.agencyKey); err != nil {
		t.Fatal(err)
	}
	if err := w.h.CanAnswerV2(w.l, r); !errors.Is(err, ErrNoCredential) || !errors.Is(err, zkp.ErrUnsatisfied) {
		t.Fatalf("second position unsatisfied: %v, want ErrNoCredential and zkp.ErrUnsatisfied", err)
	}
	if w.l.State().Size() != size {
		t.Fatal("CanAnswerV2 wrote to the ledger")
	}
}

var (
	keysV2Once sync.Once
	keysV2PK   *zkp.ProvingKey
	keysV2VK   *zkp.VerifyingKey
	keysV2Err  error
)

// TestPresentV2: with a version 2 proving key the holder answers a
// two-credential request with one proof, issuers hidden, and the agency's
// gate accepts it, learning the residence's district and no issuer.
func TestPresentV2(t *testing.T) {
	if testing.Short() {
		t.Skip("Groth16 setup of the two-credential version 2 circuit; run without -short")
	}
	keysV2Once.Do(func() {
		keysV2PK, keysV2VK, keysV2Err = zkp.SetupShapeUnsafe(context.Background(), zkp.ShapeV2(zkp.Groth16, 2))
	})
	if keysV2Err != nil {
		t.Fatal(keysV2Err)
	}
	w := newV2World(t)
	ctx := context.Background()
	w.submit(t, w.root, &ledger.VerifyingKey{Shape: keysV2VK.Shape(), Fingerprint: ledger.Hash(keysV2VK.Fingerprint())})
	gate, err := consent.NewGate(ctx, w.agencyKey, w.l, consent.NewZKSystem(keysV2VK), consent.WithGateClock(w.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := *w.twoRequest(t, 1, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	req, err := gate.NewRequest(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.h.Consent(ctx, w.l, req, ConsentOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := w.h.Present(ctx, w.l, keysV2PK, req)
	if err != nil {
		t.Fatal(err)
	}
	if p.Issuer != "" || len(p.Also) != 1 || p.Also[0].Issuer != "" || p.Also[0].Type != "Residence/1" {
		t.Fatalf("presentation names %q %+v", p.Issuer, p.Also)
	}
	res, err := gate.Verify(ctx, req, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.AlsoDisclosed[0][0] != consent.FieldValueOf(credential.HashString("Ward 3")) || res.Issuer != "" {
		t.Fatalf("result %+v", res)
	}
}
