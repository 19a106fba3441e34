package consent

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"

	"github.com/civicproof/civicproof/identity"
)

var t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

func testKey(t testing.TB, b byte) *identity.PrivateKey {
	t.Helper()
	k, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{b}, identity.SeedSize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixedReader yields an endless deterministic byte stream: SHA-256 of a
// counter, block after block, starting from n.
type fixedReader struct {
	n   uint64
	buf []byte
}

func (r *fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		if len(r.buf) == 0 {
			r.n++
			h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, r.n))
			r.buf = h[:]
		}
		p[i] = r.buf[0]
		r.buf = r.buf[1:]
	}
	return len(p), nil
}

func fv(x uint64) FieldValue {
	var v FieldValue
	for i := 0; i < 8; i++ {
		v[31-i] = byte(x >> (8 * i))
	}
	return v
}

// sampleRequest is a signed request by agency for an age check and a
// district membership, disclosing slot 1.
func sampleRequest(t testing.TB, agency *identity.PrivateKey) *Request {
	t.Helper()
	r := &Request{
		Purpose:       PurposeBenefitEligibility,
		LegalBasis:    BasisPublicTask,
		NoticeVersion: "benefit-notice/3",
		NoticeHash:    Digest{1, 2, 3},
		Types:         []string{"PersonalID/1"},
		Disclose:      SlotSet{1},
		Predicates: []Predicate{
			{Slot: 2, Op: OpLe, A: 20000},
			{Slot: 5, Op: OpInSet, Set: []FieldValue{fv(7), fv(3), fv(9)}},
		},
		Scope:    "benefit-2026",
		Nonce:    Digest{9, 9, 9},
		IssuedAt: t0,
		Expires:  t0.Add(10 * time.Minute),
	}
	if err := r.Sign(agency); err != nil {
		t.Fatal(err)
	}
	return r
}

// sampleMultiRequest is a signed request by agency for three credentials
// in one proof, issuers hidden: an age check, a district membership with
// a disclosure, and a diploma's grade in a range.
func sampleMultiRequest(t testing.TB, agency *identity.PrivateKey) *Request {
	t.Helper()
	r := &Request{
		Purpose: PurposeLicensing, LegalBasis: BasisPublicTask, NoticeVersion: "one-window/1",
		Types: []string{"PersonalID/1"}, Predicates: []Predicate{{Slot: 2, Op: OpLe, A: 20000}},
		Also: []Query{
			{Types: []string{"Residence/2"}, Disclose: SlotSet{1}, Predicates: []Predicate{{Slot: 5, Op: OpInSet, Set: []FieldValue{fv(3), fv(7)}}}},
			{Types: []string{"Diploma/1", "Insurance/1"}, Predicates: []Predicate{{Slot: 4, Op: OpInRange, A: 3, B: 6}}},
		},
		Scope: "licence-2026", Nonce: Digest{9, 9, 8}, IssuedAt: t0, Expires: t0.Add(10 * time.Minute),
	}
	if err := r.Sign(agency); err != nil {
		t.Fatal(err)
	}
	return r
}

func sampleGrant(t testing.TB, citizen *identity.PrivateKey, req *Request) *Grant {
	t.Helper()
	g, err := NewGrant(&fixedReader{}, citizen.DID(), req, t0.Add(-time.Hour), 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Sign(citizen); err != nil {
		t.Fatal(err)
	}
	return g
}
