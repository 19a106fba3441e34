package holder

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/wallet"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

var personalID = credential.MustSchema("PersonalID", 1,
	credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true},
	credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 1, Required: true},
)

func TestNewRefusesBadMaster(t *testing.T) {
	w := newTestWorld(t, false)
	st, _ := newWallet(t, w)
	for _, m := range [][]byte{nil, make([]byte, 31), make([]byte, 33), make([]byte, 32)} {
		if _, err := New(m, st); !errors.Is(err, ErrBadMaster) {
			t.Errorf("master of %d bytes: %v, want ErrBadMaster", len(m), err)
		}
	}
	if _, err := New(seed(1), nil); err == nil {
		t.Error("nil store accepted")
	}
}

// TestPairwiseDerivation: one identity per (role, counterparty), the
// documented HKDF-SHA-256 derivation, different masters give different
// identities, and a wallet restored from its backup derives the same ones.
func TestPairwiseDerivation(t *testing.T) {
	w := newTestWorld(t, false)
	st, h := newWallet(t, w)
	a, b := testKey(t, 50).DID(), testKey(t, 51).DID()
	ia, _ := h.IdentityFor(a)
	ib, _ := h.IdentityFor(b)
	da, _ := h.DeliveryIdentity(a)
	if ia.DID() == ib.DID() || ia.DID() == da.DID() || ib.DID() == da.DID() {
		t.Fatal("pairwise identities repeat across counterparties or roles")
	}
	again, _ := h.IdentityFor(a)
	if again.DID() != ia.DID() {
		t.Fatal("IdentityFor is not deterministic")
	}
	seedA, err := hkdf.Key(sha256.New, st.MasterSecret(), nil, "civicproof/holder/v1/pairwise\x00agency\x00"+string(a), 32)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ia.Seed(), seedA) {
		t.Fatal("IdentityFor does not follow the documented derivation")
	}
	// Another master: other identities.
	_, other := newWallet(t, w)
	if oa, _ := other.IdentityFor(a); oa.DID() == ia.DID() {
		t.Fatal("two masters give the same identity")
	}
	// Restored from the backup: the same identities.
	backup, err := st.Export([]byte("backup"), fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	restored, err := wallet.Import(filepath.Join(t.TempDir(), "restored"), backup, []byte("backup"), []byte("p"), wallet.Options{KDF: fastKDF})
	if err != nil {
		t.Fatal(err)
	}
	h2, err := New(restored.MasterSecret(), restored)
	if err != nil {
		t.Fatal(err)
	}
	ra, _ := h2.IdentityFor(a)
	rd, _ := h2.DeliveryIdentity(a)
	if ra.DID() != ia.DID() || rd.DID() != da.DID() {
		t.Fatal("restored wallet derives other identities")
	}
	if _, err := h.IdentityFor("did:key:zNotAKey"); !errors.Is(err, identity.ErrInvalidDID) {
		t.Fatalf("bad counterparty DID: %v", err)
	}
}

// TestReceive: a credential is delivered to the pairwise delivery
// identity; one sealed to another key or naming another subject is
// refused; Pairwise lists the issuer, also for a holder reopened on the
// same store.
func TestReceive(t *testing.T) {
	w := newTestWorld(t, false)
	issuerKey := w.agency(t, "Civil Registry", "PersonalID")
	is := w.issuer(t, issuerKey, personalID)
	st, h := newWallet(t, w)
	claims := credential.Claims{"birthDate": "1990-04-02", "district": "Ward 3"}
	req, c := issueTo(t, w, is, issuerKey.DID(), personalID, h, claims)
	d, _ := h.DeliveryIdentity(issuerKey.DID())
	if c.Holder != d.DID() || req.Holder != d.DID() {
		t.Fatal("credential not delivered to the pairwise delivery DID")
	}
	if got := st.List("", ""); len(got) != 1 {
		t.Fatalf("store holds %d credentials", len(got))
	}
	h2, err := New(st.MasterSecret(), st)
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{{Counterparty: issuerKey.DID(), Role: RoleIssuer, DID: d.DID()}}
	for _, got := range [][]Pair{h.Pairwise(), h2.Pairwise()} {
		if len(got) != 1 || got[0] != want[0] {
			t.Fatalf("Pairwise %+v, want %+v", got, want)
		}
	}
	// A credential for another subject, sealed to the delivery key.
	stranger := testKey(t, 60)
	req.Holder = stranger.DID()
	c2, err := is.Issue(w.ctx(), personalID, req)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := credential.Seal(c2, d.Public())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Receive(issuerKey.DID(), sealed); !errors.Is(err, ErrNotMine) {
		t.Fatalf("foreign subject: %v, want ErrNotMine", err)
	}
	// Sealed to another key.
	sealed, _ = credential.Seal(c2, stranger.Public())
	if _, err := h.Receive(issuerKey.DID(), sealed); !errors.Is(err, identity.ErrDecrypt) {
		t.Fatalf("sealed to another key: %v, want identity.ErrDecrypt", err)
	}
	if got := st.List("", ""); len(got) != 1 {
		t.Fatalf("refused deliveries changed the store: %d credentials", len(got))
	}
}

// TestConsentPairwise: consent to two agencies is given and anchored under
// two unrelated pairwise DIDs (neither the delivery DID), withdrawal is
// signed by the right one, and grants of another holder are refused.
func TestConsentPairwise(t *testing.T) {
	w := newTestWorld(t, false)
	issuerKey := w.agency(t, "Civil Registry", "PersonalID")
	a, b := w.agency(t, "Agency A"), w.agency(t, "Agency B")
	_, h := newWallet(t, w)
	if _, err := h.CredentialRequest(issuerKey.DID(), nil, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	ga, err := h.Consent(w.ctx(), w.l, w.request(t, a, "a-scope", 1), ConsentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gb, err := h.Consent(w.ctx(), w.l, w.request(t, b, "b-scope", 2), ConsentOptions{UseLimit: 2, Validity: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ia, _ := h.IdentityFor(a.DID())
	ib, _ := h.IdentityFor(b.DID())
	d, _ := h.DeliveryIdentity(issuerKey.DID())
	if ga.Citizen != ia.DID() || gb.Citizen != ib.DID() || ga.Citizen == gb.Citizen {
		t.Fatal("grants do not use the pairwise DIDs")
	}
	if gb.UseLimit != 2 || !gb.NotAfter.Equal(gb.NotBefore.Add(time.Hour)) || ga.Scope != "a-scope" {
		t.Fatalf("grant options not applied: %+v", gb)
	}
	// The ledger's receipts are authored by the pairwise DIDs.
	for _, g := range []*consent.Grant{ga, gb} {
		lg, err := w.l.State().Grant(ledger.Hash(g.ID()))
		if err != nil || lg.Citizen != g.Citizen {
			t.Fatalf("receipt of %s: %v", g.Agency, err)
		}
		if g.Citizen == d.DID() {
			t.Fatal("the delivery DID signs consent")
		}
	}
	want := []Pair{
		{Counterparty: a.DID(), Role: RoleAgency, DID: ia.DID()},
		{Counterparty: b.DID(), Role: RoleAgency, DID: ib.DID()},
		{Counterparty: issuerKey.DID(), Role: RoleIssuer, DID: d.DID()},
	}
	if a.DID() > b.DID() {
		want[0], want[1] = want[1], want[0]
	}
	got := h.Pairwise()
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("Pairwise %+v, want %+v", got, want)
	}
	if _, err := h.Withdraw(w.ctx(), w.l, ga); err != nil {
		t.Fatal(err)
	}
	if lg, _ := w.l.State().Grant(ledger.Hash(ga.ID())); !lg.Withdrawn {
		t.Fatal("grant not withdrawn")
	}
	log := h.AccessLog(w.l)
	states := map[consent.Digest]consent.State{}
	for _, v := range log {
		states[v.ID] = v.State
	}
	if len(log) != 2 || states[ga.ID()] != consent.StateWithdrawn || states[gb.ID()] != consent.StateGiven {
		t.Fatalf("access log %+v", log)
	}
	// Another holder's grant.
	_, other := newWallet(t, w)
	if _, err := other.Withdraw(w.ctx(), w.l, gb); !errors.Is(err, ErrNotMine) {
		t.Fatalf("withdraw another's grant: %v, want ErrNotMine", err)
	}
	if err := other.Keep(gb); !errors.Is(err, ErrNotMine) {
		t.Fatalf("keep another's grant: %v, want ErrNotMine", err)
	}
	if err := h.Keep(gb); err != nil || len(h.Grants()) != 2 {
		t.Fatalf("keep own grant again: %v, %d grants", err, len(h.Grants()))
	}
	// A request made by an agency for another agency's name does not verify.
	bad := w.request(t, a, "a-scope", 3)
	bad.Agency = b.DID()
	if _, err := h.Consent(w.ctx(), w.l, bad, ConsentOptions{}); !errors.Is(err, consent.ErrBadSignature) {
		t.Fatalf("forged request: %v, want ErrBadSignature", err)
	}
	// An expired request.
	old := w.request(t, a, "a-scope", 4)
	w.clock.Add(time.Hour)
	if _, err := h.Consent(w.ctx(), w.l, old, ConsentOptions{}); !errors.Is(err, consent.ErrExpired) {
		t.Fatalf("expired request: %v, want ErrExpired", err)
	}
}

// TestGuardianPairwise: a guardian consents for a ward with its own
// pairwise DID for the agency, naming the ward's pairwise DID; without a
// guardianship of that pair on the ledger the grant is refused.
func TestGuardianPairwise(t *testing.T) {
	w := newTestWorld(t, false)
	registry := w.agency(t, "Family Court", ledger.GuardianshipType)
	clinic := w.agency(t, "Clinic")
	_, parent := newWallet(t, w)
	_, child := newWallet(t, w)
	ward, _ := child.IdentityFor(clinic.DID())
	req := w.request(t, clinic, "clinic-visit", 1)
	if _, err := parent.Consent(w.ctx(), w.l, req, ConsentOptions{Ward: ward.DID()}); !errors.Is(err, consent.ErrNoGuardianship) {
		t.Fatalf("no guardianship: %v, want ErrNoGuardianship", err)
	}
	guardian, _ := parent.IdentityFor(clinic.DID())
	w.submit(t, registry, &ledger.Guardianship{Guardian: guardian.DID(), Ward: ward.DID()})
	g, err := parent.Consent(w.ctx(), w.l, req, ConsentOptions{Ward: ward.DID()})
	if err != nil {
		t.Fatal(err)
	}
	if g.Guardian != guardian.DID() || g.Citizen != ward.DID() {
		t.Fatalf("guardian grant %s for %s", g.Guardian, g.Citizen)
	}
	if log := parent.AccessLog(w.l); len(log) != 1 || log[0].ID != g.ID() || log[0].Guardian != guardian.DID() {
		t.Fatalf("guardian's access log %+v", log)
	}
	if _, err := parent.Withdraw(w.ctx(), w.l, g); err != nil {
		t.Fatal(err)
	}
}

// TestPresentRefusals: Present refuses before proving when no grant of
// this holder covers the request, when the grant names another scope or
// was withdrawn, and when no stored credential can answer.
func TestPresentRefusals(t *testing.T) {
	w := newTestWorld(t, false)
	issuerKey := w.agency(t, "Civil Registry", "PersonalID")
	is := w.issuer(t, issuerKey, personalID)
	a := w.agency(t, "Agency A")
	st, h := newWallet(t, w)
	pk := &zkp.ProvingKey{} // never reached: every case fails before proving
	ctx := w.ctx()
	// A version 1 key answers only requests that reveal the issuer (see
	// TestPresentKeyVersion): these do, so each refusal has its own cause.
	revealing := func(r *consent.Request) *consent.Request {
		r.RevealIssuer = true
		if err := r.Sign(a); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if _, err := h.Present(ctx, w.l, pk, revealing(w.request(t, a, "a-scope", 1))); !errors.Is(err, consent.ErrNoConsent) {
		t.Fatalf("no grant: %v, want ErrNoConsent", err)
	}
	g, err := h.Consent(ctx, w.l, revealing(w.request(t, a, "a-scope", 2)), ConsentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Present(ctx, w.l, pk, revealing(w.request(t, a, "other-scope", 3))); !errors.Is(err, consent.ErrScopeMismatch) {
		t.Fatalf("other scope: %v, want ErrScopeMismatch", err)
	}
	if _, err := h.Present(ctx, w.l, pk, revealing(w.request(t, a, "a-scope", 4))); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("no credential: %v, want ErrNoCredential", err)
	}
	issueTo(t, w, is, issuerKey.DID(), personalID, h, credential.Claims{"birthDate": "1990-04-02", "district": "Ward 3"})
	if _, err := h.Present(ctx, w.l, pk, revealing(w.request(t, a, "a-scope", 5))); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("credential without a witness: %v, want ErrNoCredential", err)
	}
	if _, err := st.Refresh(w.l.State(), is.StatusList()); err != nil {
		t.Fatal(err)
	}
	other := revealing(w.request(t, a, "a-scope", 6))
	other.Predicates[0].A = credential.DayValue(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)) // born by 1900
	if err := other.Sign(a); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Present(ctx, w.l, pk, other); !errors.Is(err, consent.ErrNotCovered) {
		t.Fatalf("predicate outside the grant: %v, want ErrNotCovered", err)
	}
	// Consented, but the credential does not satisfy it.
	if _, err := h.Consent(ctx, w.l, other, ConsentOptions{}); err != nil {
		t.Fatal(err)
	}
	other.Nonce[0]++
	if err := other.Sign(a); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Present(ctx, w.l, pk, other); !errors.Is(err, ErrNoCredential) || !errors.Is(err, zkp.ErrUnsatisfied) {
		t.Fatalf("unsatisfied predicate: %v, want ErrNoCredential and zkp.ErrUnsatisfied", err)
	}
	if _, err := h.Withdraw(ctx, w.l, g); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Present(ctx, w.l, pk, revealing(w.request(t, a, "a-scope", 7))); !errors.Is(err, consent.ErrConsentWithdrawn) {
		t.Fatalf("withdrawn: %v, want ErrConsentWithdrawn", err)
	}
}

// TestCanAnswer: before consenting, the wallet tells whether a stored
// credential answers a request, and writes nothing.
func TestCanAnswer(t *testing.T) {
	w := newTestWorld(t, false)
	issuerKey := w.agency(t, "Civil Registry", "PersonalID")
	is := w.issuer(t, issuerKey, personalID)
	a := w.agency(t, "Agency A")
	st, h := newWallet(t, w)
	size := w.l.State().Size()
	if err := h.CanAnswer(w.request(t, a, "a-scope", 1)); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("empty wallet: %v, want ErrNoCredential", err)
	}
	issueTo(t, w, is, issuerKey.DID(), personalID, h, credential.Claims{"birthDate": "1990-04-02", "district": "Ward 3"})
	if err := h.CanAnswer(w.request(t, a, "a-scope", 2)); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("credential without a witness: %v, want ErrNoCredential", err)
	}
	if _, err := st.Refresh(w.l.State(), is.StatusList()); err != nil {
		t.Fatal(err)
	}
	size = w.l.State().Size()
	born := w.request(t, a, "a-scope", 3)
	born.Predicates[0].A = credential.DayValue(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) // born by 2000
	if err := born.Sign(a); err != nil {
		t.Fatal(err)
	}
	if err := h.CanAnswer(born); err != nil {
		t.Fatalf("answerable request: %v", err)
	}
	other := w.request(t, a, "a-scope", 4)
	other.Predicates[0].A = credential.DayValue(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)) // born by 1900
	if err := other.Sign(a); err != nil {
		t.Fatal(err)
	}
	if err := h.CanAnswer(other); !errors.Is(err, ErrNoCredential) || !errors.Is(err, zkp.ErrUnsatisfied) {
		t.Fatalf("unsatisfied predicate: %v, want ErrNoCredential and zkp.ErrUnsatisfied", err)
	}
	other.Nonce[0]++ // the signature no longer covers the request
	if err := h.CanAnswer(other); !errors.Is(err, consent.ErrBadSignature) {
		t.Fatalf("tampered request: %v, want ErrBadSignature", err)
	}
	if err := h.CanAnswer(nil); !errors.Is(err, consent.ErrMalformed) {
		t.Fatalf("nil request: %v, want ErrMalformed", err)
	}
	if got := w.l.State().Size(); got != size || len(h.Grants()) != 0 {
		t.Fatalf("CanAnswer wrote: ledger %d → %d records, %d grants", size, got, len(h.Grants()))
	}
}

// TestConcurrentUse: derivations, consents and listings from several
// goroutines at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	w := newTestWorld(t, false)
	var agencies []*identity.PrivateKey
	for i := range 4 {
		agencies = append(agencies, w.agency(t, "Agency "+string(rune('A'+i))))
	}
	_, h := newWallet(t, w)
	errs := make(chan error, len(agencies))
	for i, a := range agencies {
		req := w.request(t, a, "s", byte(i+1))
		go func() {
			_, err := h.Consent(w.ctx(), w.l, req, ConsentOptions{})
			h.Pairwise()
			h.AccessLog(w.l)
			errs <- err
		}()
	}
	for range agencies {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.Pairwise()); n != len(agencies) {
		t.Fatalf("%d pairwise identities, want %d", n, len(agencies))
	}
	if n := len(h.Grants()); n != len(agencies) {
		t.Fatalf("%d grants, want %d", n, len(agencies))
	}
}
