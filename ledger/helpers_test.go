package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/civicproof/civicproof/identity"
)

// t0 is the fixed time of test records.
var t0 = time.Unix(1_750_000_000, 0).UTC()

func fixedClock() time.Time { return t0 }

// testKey returns a deterministic key for party n.
func testKey(t testing.TB, n byte) *identity.PrivateKey {
	t.Helper()
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = n
	}
	seed[0] = 0xc1
	k, err := identity.NewKeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sign signs payload by key at t0+sec.
func sign(t testing.TB, key *identity.PrivateKey, sec int64, p Payload) *SignedRecord {
	t.Helper()
	sr, err := NewRecord(key.DID(), t0.Add(time.Duration(sec)*time.Second), p).Sign(key)
	if err != nil {
		t.Fatalf("sign %s: %v", p.Kind(), err)
	}
	return sr
}

func h(b byte) Hash {
	var x Hash
	for i := range x {
		x[i] = b
	}
	return x
}

// world is a set of parties used across tests.
type world struct {
	ledgerKey, root, issuer, verifier, other, citizen, guardian, ward, stranger *identity.PrivateKey
}

func newWorld(t testing.TB) *world {
	return &world{
		ledgerKey: testKey(t, 1), root: testKey(t, 2), issuer: testKey(t, 3), verifier: testKey(t, 4),
		other: testKey(t, 5), citizen: testKey(t, 6), guardian: testKey(t, 7), ward: testKey(t, 8),
		stranger: testKey(t, 9),
	}
}

// setupRecords founds governance, registers issuer, verifier and other,
// accredits issuer for "Age", "Residence" and "Guardianship" and verifier as
// verifier for "Age", and anchors a grant from citizen to verifier (grant
// w.grant(), content h(0x10)).
func (w *world) setupRecords(t testing.TB) []*SignedRecord {
	return []*SignedRecord{
		sign(t, w.root, 0, &GovernanceInit{Name: "Ministry of Digital Affairs"}),
		sign(t, w.issuer, 1, &AgencyRegister{Key: w.issuer.Public(), Name: "Civil Registry"}),
		sign(t, w.verifier, 2, &AgencyRegister{Key: w.verifier.Public(), Name: "Benefits Office"}),
		sign(t, w.other, 3, &AgencyRegister{Key: w.other.Public(), Name: "Other Agency"}),
		sign(t, w.root, 4, &Accredit{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Age", "Guardianship", "Residence"}}),
		sign(t, w.root, 5, &Accredit{Agency: w.verifier.DID(), Role: RoleVerifier, Types: []string{"Age"}}),
		sign(t, w.citizen, 6, receiptOf(w.citizen.DID(), 0x10, w.verifier.DID(), 0x11)),
	}
}

func newMemLedger(t testing.TB, w *world) *Embedded {
	t.Helper()
	l, err := NewInMemory(w.ledgerKey, WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func mustSubmitAll(t testing.TB, l Ledger, srs []*SignedRecord) {
	t.Helper()
	for i, sr := range srs {
		if _, err := l.Submit(context.Background(), sr); err != nil {
			t.Fatalf("record %d (%s): %v", i, sr.Record.Kind, err)
		}
	}
}

// grantID is the ledger id of the grant of citizen with content h(c).
func grantID(citizen identity.DID, c byte) Hash { return GrantID(citizen, h(c)) }

// grant is the id of the setup's grant from citizen to verifier.
func (w *world) grant() Hash { return grantID(w.citizen.DID(), 0x10) }

// receiptOf is a consent-receipt payload for the grant of citizen with
// content h(c) to agency, with receipt hash h(r).
func receiptOf(citizen identity.DID, c byte, agency identity.DID, r byte) *ConsentReceipt {
	return &ConsentReceipt{Grant: grantID(citizen, c), Content: h(c), Agency: agency, Receipt: h(r)}
}
