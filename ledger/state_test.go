package ledger

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/civicproof/civicproof/identity"
)

func replayState(t *testing.T, srs []*SignedRecord) *State {
	t.Helper()
	s, err := Replay(srs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func digest(t *testing.T, s *State) Hash {
	t.Helper()
	d, err := s.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func rotateProof(newKey *identity.PrivateKey, author identity.DID) []byte {
	return newKey.Sign(KeyRotateProofDomain, []byte(author))
}

// TestPermissionMatrix applies one record after a common setup (plus a
// case-specific prelude) and checks acceptance or the exact refusal. A
// refused record must leave the state digest unchanged.
func TestPermissionMatrix(t *testing.T) {
	w := newWorld(t)
	newKey := testKey(t, 20)
	g := w.grant() // the setup's grant from citizen to verifier
	issue := func(c byte) *SignedRecord {
		return sign(t, w.issuer, 10, &CredentialIssued{Commitment: h(c), Type: "Age"})
	}
	guardianOf := func(guardian, ward *identity.PrivateKey) *SignedRecord {
		return sign(t, w.issuer, 10, &Guardianship{Guardian: guardian.DID(), Ward: ward.DID()})
	}
	suspendIssuer := sign(t, w.root, 10, &Suspend{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Age"}, Reason: "audit"})
	accreditOther := sign(t, w.root, 10, &Accredit{Agency: w.other.DID(), Role: RoleIssuer, Types: []string{"Age", "Diploma"}})
	rotate := sign(t, w.issuer, 10, &KeyRotate{NewKey: newKey.Public(), Proof: rotateProof(newKey, w.issuer.DID())})

	cases := []struct {
		name    string
		prelude []*SignedRecord
		rec     *SignedRecord
		want    []error // nil: accepted
	}{
		// governance-init
		{"governance-init twice", nil, sign(t, w.root, 10, &GovernanceInit{Name: "again"}), []error{ErrUnauthorized}},
		{"governance-init by another", nil, sign(t, w.stranger, 10, &GovernanceInit{Name: "coup"}), []error{ErrUnauthorized}},
		// agency-register
		{"register self", nil, sign(t, w.stranger, 10, &AgencyRegister{Key: w.stranger.Public(), Name: "New Agency"}), nil},
		{"register someone else's key", nil, sign(t, w.stranger, 10, &AgencyRegister{Key: newKey.Public(), Name: "Impostor"}), []error{ErrUnauthorized}},
		{"register twice", nil, sign(t, w.issuer, 10, &AgencyRegister{Key: w.issuer.Public(), Name: "Again"}), []error{ErrInvalidRecord, ErrDuplicate}},
		{"root registers as agency", nil, sign(t, w.root, 10, &AgencyRegister{Key: w.root.Public(), Name: "Root"}), []error{ErrUnauthorized}},
		// key-rotate
		{"rotate key", nil, rotate, nil},
		{"rotate by citizen", nil, sign(t, w.citizen, 10, &KeyRotate{NewKey: newKey.Public(), Proof: rotateProof(newKey, w.citizen.DID())}), []error{ErrUnauthorized}},
		{"rotate without holding new key", nil, sign(t, w.issuer, 10, &KeyRotate{NewKey: newKey.Public(), Proof: rotateProof(w.issuer, w.issuer.DID())}), []error{ErrInvalidRecord, identity.ErrBadSignature}},
		{"rotate to another agency's key", nil, sign(t, w.issuer, 10, &KeyRotate{NewKey: w.verifier.Public(), Proof: rotateProof(w.verifier, w.issuer.DID())}), []error{ErrInvalidRecord, ErrDuplicate}},
		{"old key after rotation", []*SignedRecord{rotate}, issue(0x20), []error{ErrUnauthorized, ErrRotatedKey}},
		{"new key after rotation", []*SignedRecord{rotate}, sign(t, newKey, 11, &CredentialIssued{Commitment: h(0x20), Type: "Age"}), nil},
		// accredit / suspend / reinstate
		{"accredit", nil, sign(t, w.root, 10, &Accredit{Agency: w.other.DID(), Role: RoleIssuer, Types: []string{"Age"}}), nil},
		{"accredit by agency", nil, sign(t, w.issuer, 10, &Accredit{Agency: w.other.DID(), Role: RoleIssuer, Types: []string{"Age"}}), []error{ErrUnauthorized}},
		{"accredit self", nil, sign(t, w.other, 10, &Accredit{Agency: w.other.DID(), Role: RoleIssuer, Types: []string{"Age"}}), []error{ErrUnauthorized}},
		{"accredit unregistered", nil, sign(t, w.root, 10, &Accredit{Agency: w.stranger.DID(), Role: RoleIssuer, Types: []string{"Age"}}), []error{ErrInvalidRecord, ErrNotFound}},
		{"accredit twice", nil, sign(t, w.root, 10, &Accredit{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Age"}}), []error{ErrInvalidRecord, ErrDuplicate}},
		{"accredit back in time", nil, sign(t, w.root, 1, &Accredit{Agency: w.other.DID(), Role: RoleIssuer, Types: []string{"Age"}}), []error{ErrInvalidRecord}},
		{"suspend", nil, suspendIssuer, nil},
		{"suspend by agency", nil, sign(t, w.verifier, 10, &Suspend{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Age"}}), []error{ErrUnauthorized}},
		{"suspend unaccredited", nil, sign(t, w.root, 10, &Suspend{Agency: w.other.DID(), Role: RoleIssuer, Types: []string{"Age"}}), []error{ErrInvalidRecord}},
		{"reinstate active", nil, sign(t, w.root, 10, &Reinstate{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Age"}}), []error{ErrInvalidRecord}},
		{"reinstate suspended", []*SignedRecord{suspendIssuer}, sign(t, w.root, 11, &Reinstate{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Age"}}), nil},
		// schema-register
		{"schema by issuer", nil, sign(t, w.issuer, 10, &SchemaRegister{Type: "Age", Version: "1", Hash: h(1)}), nil},
		{"schema for unaccredited type", nil, sign(t, w.issuer, 10, &SchemaRegister{Type: "Income", Version: "1", Hash: h(1)}), []error{ErrUnauthorized}},
		{"schema by verifier", nil, sign(t, w.verifier, 10, &SchemaRegister{Type: "Age", Version: "1", Hash: h(1)}), []error{ErrUnauthorized}},
		{"schema by citizen", nil, sign(t, w.citizen, 10, &SchemaRegister{Type: "Age", Version: "1", Hash: h(1)}), []error{ErrUnauthorized}},
		{"schema by suspended issuer", []*SignedRecord{suspendIssuer}, sign(t, w.issuer, 11, &SchemaRegister{Type: "Age", Version: "1", Hash: h(1)}), []error{ErrUnauthorized}},
		{"schema squatted by a later co-accredited issuer", []*SignedRecord{accreditOther}, sign(t, w.other, 11, &SchemaRegister{Type: "Age", Version: "2", Hash: h(9)}), []error{ErrUnauthorized}},
		{"schema version by the type's owner", []*SignedRecord{accreditOther}, sign(t, w.issuer, 11, &SchemaRegister{Type: "Age", Version: "2", Hash: h(2)}), nil},
		{"schema by the first accredited of a new type", []*SignedRecord{accreditOther}, sign(t, w.other, 11, &SchemaRegister{Type: "Diploma", Version: "1", Hash: h(2)}), nil},
		{"ownership does not pass on while the owner is suspended", []*SignedRecord{accreditOther, sign(t, w.root, 11, &Suspend{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Age"}})}, sign(t, w.other, 12, &SchemaRegister{Type: "Age", Version: "2", Hash: h(2)}), []error{ErrUnauthorized}},
		{"schema twice", []*SignedRecord{sign(t, w.issuer, 10, &SchemaRegister{Type: "Age", Version: "1", Hash: h(1)})}, sign(t, w.issuer, 11, &SchemaRegister{Type: "Age", Version: "1", Hash: h(2)}), []error{ErrInvalidRecord, ErrDuplicate}},
		// credential-issued
		{"issue", nil, issue(0x20), nil},
		{"issue twice", []*SignedRecord{issue(0x20)}, sign(t, w.issuer, 11, &CredentialIssued{Commitment: h(0x20), Type: "Age"}), []error{ErrInvalidRecord, ErrDuplicate}},
		{"issue by unaccredited agency", nil, sign(t, w.other, 10, &CredentialIssued{Commitment: h(0x20), Type: "Age"}), []error{ErrUnauthorized}},
		{"issue while suspended", []*SignedRecord{suspendIssuer}, sign(t, w.issuer, 11, &CredentialIssued{Commitment: h(0x20), Type: "Age"}), []error{ErrUnauthorized}},
		{"issue by citizen", nil, sign(t, w.citizen, 10, &CredentialIssued{Commitment: h(0x20), Type: "Age"}), []error{ErrUnauthorized}},
		// revocation-root
		{"revocation root", nil, sign(t, w.issuer, 10, &RevocationRoot{Root: h(0x30), Epoch: 1}), nil},
		{"revocation root while suspended", []*SignedRecord{suspendIssuer}, sign(t, w.issuer, 11, &RevocationRoot{Root: h(0x30), Epoch: 1}), nil},
		{"revocation root by non-issuer agency", nil, sign(t, w.other, 10, &RevocationRoot{Root: h(0x30), Epoch: 1}), []error{ErrUnauthorized}},
		{"revocation root by citizen", nil, sign(t, w.citizen, 10, &RevocationRoot{Root: h(0x30), Epoch: 1}), []error{ErrUnauthorized}},
		{"revocation epoch repeats", []*SignedRecord{sign(t, w.issuer, 10, &RevocationRoot{Root: h(0x30), Epoch: 5})}, sign(t, w.issuer, 11, &RevocationRoot{Root: h(0x31), Epoch: 5}), []error{ErrInvalidRecord}},
		{"revocation time goes back", []*SignedRecord{sign(t, w.issuer, 10, &RevocationRoot{Root: h(0x30), Epoch: 5})}, sign(t, w.issuer, 9, &RevocationRoot{Root: h(0x31), Epoch: 6}), []error{ErrInvalidRecord}},
		// credential-superseded
		{"supersede", []*SignedRecord{issue(0x20), issue(0x21)}, sign(t, w.issuer, 11, &CredentialSuperseded{Old: h(0x20), New: h(0x21)}), nil},
		{"supersede another issuer's", []*SignedRecord{issue(0x20), issue(0x21)}, sign(t, w.other, 11, &CredentialSuperseded{Old: h(0x20), New: h(0x21)}), []error{ErrUnauthorized}},
		{"supersede unknown", []*SignedRecord{issue(0x20)}, sign(t, w.issuer, 11, &CredentialSuperseded{Old: h(0x20), New: h(0x22)}), []error{ErrInvalidRecord, ErrNotFound}},
		{"supersede twice", []*SignedRecord{issue(0x20), issue(0x21), issue(0x22), sign(t, w.issuer, 11, &CredentialSuperseded{Old: h(0x20), New: h(0x21)})},
			sign(t, w.issuer, 12, &CredentialSuperseded{Old: h(0x20), New: h(0x22)}), []error{ErrInvalidRecord, ErrDuplicate}},
		// verifying-key
		{"verifying key by root", nil, sign(t, w.root, 10, &VerifyingKey{Shape: "presentation-v1", Fingerprint: h(0x40)}), nil},
		{"verifying key by issuer", nil, sign(t, w.issuer, 10, &VerifyingKey{Shape: "presentation-v1", Fingerprint: h(0x40)}), []error{ErrUnauthorized}},
		{"verifying key by verifier-only agency", nil, sign(t, w.verifier, 10, &VerifyingKey{Shape: "presentation-v1", Fingerprint: h(0x40)}), []error{ErrUnauthorized}},
		{"verifying key by citizen", nil, sign(t, w.citizen, 10, &VerifyingKey{Shape: "presentation-v1", Fingerprint: h(0x40)}), []error{ErrUnauthorized}},
		{"verifying key twice", []*SignedRecord{sign(t, w.root, 10, &VerifyingKey{Shape: "s", Fingerprint: h(0x40)})}, sign(t, w.root, 11, &VerifyingKey{Shape: "s", Fingerprint: h(0x40)}), []error{ErrInvalidRecord, ErrDuplicate}},
		// consent-receipt
		{"receipt by citizen", nil, sign(t, w.citizen, 10, receiptOf(w.citizen.DID(), 0x50, w.verifier.DID(), 0x51)), nil},
		{"receipt by agency", nil, sign(t, w.other, 10, receiptOf(w.other.DID(), 0x50, w.verifier.DID(), 0x51)), []error{ErrUnauthorized}},
		{"receipt to unregistered agency", nil, sign(t, w.citizen, 10, receiptOf(w.citizen.DID(), 0x50, w.stranger.DID(), 0x51)), []error{ErrInvalidRecord, ErrNotFound}},
		{"receipt grant id reused", nil, sign(t, w.citizen, 10, receiptOf(w.citizen.DID(), 0x10, w.verifier.DID(), 0x51)), []error{ErrInvalidRecord, ErrDuplicate}},
		{"receipt front-runs another citizen's grant id", nil, sign(t, w.stranger, 10, &ConsentReceipt{Grant: grantID(w.citizen.DID(), 0x50), Content: h(0x50), Agency: w.verifier.DID(), Receipt: h(0x51)}), []error{ErrUnauthorized}},
		{"receipt with content not matching the id", nil, sign(t, w.citizen, 10, &ConsentReceipt{Grant: grantID(w.citizen.DID(), 0x50), Content: h(0x52), Agency: w.verifier.DID(), Receipt: h(0x51)}), []error{ErrUnauthorized}},
		{"guardian binds the id to themselves, not the ward", []*SignedRecord{guardianOf(w.guardian, w.ward)}, sign(t, w.guardian, 11, &ConsentReceipt{Grant: grantID(w.guardian.DID(), 0x50), Content: h(0x50), Agency: w.verifier.DID(), Receipt: h(0x51), Citizen: w.ward.DID()}), []error{ErrUnauthorized}},
		{"receipt by non-guardian for ward", nil, sign(t, w.guardian, 10, wardReceipt(w)), []error{ErrUnauthorized}},
		{"receipt by guardian for ward", []*SignedRecord{guardianOf(w.guardian, w.ward)}, sign(t, w.guardian, 11, wardReceipt(w)), nil},
		// guardianship
		{"guardianship", nil, guardianOf(w.guardian, w.ward), nil},
		{"guardianship by unaccredited agency", nil, sign(t, w.other, 10, &Guardianship{Guardian: w.guardian.DID(), Ward: w.ward.DID()}), []error{ErrUnauthorized}},
		{"guardianship by citizen", nil, sign(t, w.citizen, 10, &Guardianship{Guardian: w.citizen.DID(), Ward: w.ward.DID()}), []error{ErrUnauthorized}},
		{"guardianship of an agency", nil, sign(t, w.issuer, 10, &Guardianship{Guardian: w.guardian.DID(), Ward: w.other.DID()}), []error{ErrInvalidRecord}},
		{"guardianship twice", []*SignedRecord{guardianOf(w.guardian, w.ward)}, sign(t, w.issuer, 11, &Guardianship{Guardian: w.guardian.DID(), Ward: w.ward.DID()}), []error{ErrInvalidRecord, ErrDuplicate}},
		{"end absent guardianship", nil, sign(t, w.issuer, 10, &Guardianship{Guardian: w.guardian.DID(), Ward: w.ward.DID(), End: true}), []error{ErrInvalidRecord}},
		{"end guardianship", []*SignedRecord{guardianOf(w.guardian, w.ward)}, sign(t, w.issuer, 11, &Guardianship{Guardian: w.guardian.DID(), Ward: w.ward.DID(), End: true}), nil},
		// consent-withdrawal
		{"withdraw own grant", nil, sign(t, w.citizen, 10, &ConsentWithdrawal{Grant: g}), nil},
		{"withdraw part", nil, sign(t, w.citizen, 10, &ConsentWithdrawal{Grant: g, Parts: []string{"birthdate"}}), nil},
		{"withdraw someone else's grant", nil, sign(t, w.stranger, 10, &ConsentWithdrawal{Grant: g}), []error{ErrUnauthorized}},
		{"agency withdraws citizen's grant", nil, sign(t, w.verifier, 10, &ConsentWithdrawal{Grant: g}), []error{ErrUnauthorized}},
		{"guardian withdraws", []*SignedRecord{guardianOf(w.guardian, w.citizen)}, sign(t, w.guardian, 11, &ConsentWithdrawal{Grant: g}), nil},
		{"ended guardian withdraws", []*SignedRecord{guardianOf(w.guardian, w.citizen), sign(t, w.issuer, 11, &Guardianship{Guardian: w.guardian.DID(), Ward: w.citizen.DID(), End: true})},
			sign(t, w.guardian, 12, &ConsentWithdrawal{Grant: g}), []error{ErrUnauthorized}},
		{"withdraw twice", []*SignedRecord{sign(t, w.citizen, 10, &ConsentWithdrawal{Grant: g})}, sign(t, w.citizen, 11, &ConsentWithdrawal{Grant: g, Parts: []string{"x"}}), []error{ErrInvalidRecord, ErrDuplicate}},
		{"withdraw same part twice", []*SignedRecord{sign(t, w.citizen, 10, &ConsentWithdrawal{Grant: g, Parts: []string{"a", "b"}})}, sign(t, w.citizen, 11, &ConsentWithdrawal{Grant: g, Parts: []string{"b"}}), []error{ErrInvalidRecord, ErrDuplicate}},
		{"withdraw unknown grant", nil, sign(t, w.citizen, 10, &ConsentWithdrawal{Grant: h(0x99)}), []error{ErrInvalidRecord, ErrNotFound}},
		// access-record
		{"access by grantee", nil, sign(t, w.verifier, 10, &AccessRecord{Grant: g, Purpose: "dpv:ServiceProvision", Statement: h(0x60), Nullifier: h(0x61)}), nil},
		{"access by another agency", nil, sign(t, w.other, 10, &AccessRecord{Grant: g, Purpose: "dpv:ServiceProvision", Statement: h(0x60), Nullifier: h(0x61)}), []error{ErrUnauthorized}},
		{"access by citizen", nil, sign(t, w.citizen, 10, &AccessRecord{Grant: g, Purpose: "dpv:ServiceProvision", Statement: h(0x60), Nullifier: h(0x61)}), []error{ErrUnauthorized}},
		{"access after withdrawal", []*SignedRecord{sign(t, w.citizen, 10, &ConsentWithdrawal{Grant: g})}, sign(t, w.verifier, 11, &AccessRecord{Grant: g, Purpose: "p", Statement: h(0x60), Nullifier: h(0x61)}), []error{ErrUnauthorized}},
		{"access after partial withdrawal", []*SignedRecord{sign(t, w.citizen, 10, &ConsentWithdrawal{Grant: g, Parts: []string{"x"}})}, sign(t, w.verifier, 11, &AccessRecord{Grant: g, Purpose: "p", Statement: h(0x60), Nullifier: h(0x61)}), nil},
		// agency-event
		{"agency event", nil, sign(t, w.other, 10, &AgencyEvent{Topic: "relief/rice-kg", Digest: h(0x70), Amount: 500}), nil},
		{"agency event by citizen", nil, sign(t, w.citizen, 10, &AgencyEvent{Topic: "relief/rice-kg", Digest: h(0x70), Amount: 500}), []error{ErrUnauthorized}},
		{"grant revocation by the grant's agency", nil, sign(t, w.verifier, 10, &AgencyEvent{Topic: GrantRevokeTopic, Digest: g}), nil},
		{"grant revocation by another agency", nil, sign(t, w.other, 10, &AgencyEvent{Topic: GrantRevokeTopic, Digest: g}), []error{ErrUnauthorized}},
		{"grant revocation of an unknown grant", nil, sign(t, w.verifier, 10, &AgencyEvent{Topic: GrantRevokeTopic, Digest: h(0x77)}), []error{ErrInvalidRecord, ErrNotFound}},
		{"agency event total overflow", []*SignedRecord{sign(t, w.other, 10, &AgencyEvent{Topic: "t", Digest: h(0x70), Amount: MaxSafeInteger})},
			sign(t, w.other, 11, &AgencyEvent{Topic: "t", Digest: h(0x71), Amount: 1}), []error{ErrInvalidRecord}},
		// any kind
		{"replayed record", []*SignedRecord{issue(0x20)}, issue(0x20), []error{ErrInvalidRecord, ErrDuplicate}},
	}
	setup := w.setupRecords(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := replayState(t, append(append([]*SignedRecord(nil), setup...), c.prelude...))
			before := digest(t, s)
			err := s.Apply(s.Size(), c.rec)
			if c.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if digest(t, s) == before {
					t.Fatal("accepted record did not change the state")
				}
				return
			}
			if err == nil {
				t.Fatal("accepted, want refusal")
			}
			for _, want := range c.want {
				if !errors.Is(err, want) {
					t.Errorf("error %q does not wrap %v", err, want)
				}
			}
			if after := digest(t, s); after != before {
				t.Error("refused record changed the state")
			}
		})
	}
}

func TestFirstRecordMustBeGovernanceInit(t *testing.T) {
	w := newWorld(t)
	s := NewState()
	err := s.Apply(0, sign(t, w.issuer, 0, &AgencyRegister{Key: w.issuer.Public(), Name: "Early"}))
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("got %v, want ErrUnauthorized", err)
	}
	if err := s.Apply(1, sign(t, w.root, 0, &GovernanceInit{Name: "x"})); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("wrong index: got %v, want ErrInvalidRecord", err)
	}
	if s.Size() != 0 {
		t.Fatal("refused records changed the size")
	}
}

func TestApplyRejectsBadSignature(t *testing.T) {
	w := newWorld(t)
	s := replayState(t, w.setupRecords(t))
	sr := sign(t, w.issuer, 10, &CredentialIssued{Commitment: h(1), Type: "Age"})
	sr.Signature[0] ^= 1
	if err := s.Apply(s.Size(), sr); !errors.Is(err, ErrInvalidRecord) || !errors.Is(err, identity.ErrBadSignature) {
		t.Fatalf("got %v", err)
	}
}

func TestApplyBatchAllOrNothing(t *testing.T) {
	w := newWorld(t)
	s := replayState(t, w.setupRecords(t))
	before := digest(t, s)
	batch := []*SignedRecord{
		sign(t, w.issuer, 10, &CredentialIssued{Commitment: h(1), Type: "Age"}),
		sign(t, w.issuer, 10, &CredentialIssued{Commitment: h(2), Type: "Age"}),
		sign(t, w.other, 10, &CredentialIssued{Commitment: h(3), Type: "Age"}), // not accredited
	}
	if err := s.ApplyBatch(s.Size(), batch); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("got %v, want ErrUnauthorized", err)
	}
	if digest(t, s) != before {
		t.Fatal("failed batch changed the state")
	}
	if _, err := s.Credential(h(1)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("credential of a failed batch is visible: %v", err)
	}
	if err := s.ApplyBatch(s.Size(), batch[:2]); err != nil {
		t.Fatal(err)
	}
}

// TestReplayDeterminism builds a log touching every kind, replays it from
// empty twice (and through a ledger engine) and compares the serialized
// states byte for byte; a different order of independent records must
// give a different digest only where the state records indices.
func TestReplayDeterminism(t *testing.T) {
	w := newWorld(t)
	log := fullLog(t, w)
	a := replayState(t, log)
	b := replayState(t, log)
	ab, _ := a.MarshalBinary()
	bb, _ := b.MarshalBinary()
	if !bytes.Equal(ab, bb) {
		t.Fatal("two replays differ")
	}
	// Through the engine, record by record, then reopened from storage.
	l := newMemLedger(t, w)
	mustSubmitAll(t, l, log)
	lb, _ := l.State().MarshalBinary()
	if !bytes.Equal(ab, lb) {
		t.Fatal("engine state differs from replay")
	}
	// Decoding the records from their canonical bytes gives the same state.
	var decoded []*SignedRecord
	for i := range log {
		sr, err := l.Record(context.Background(), uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		decoded = append(decoded, sr)
	}
	db, _ := replayState(t, decoded).MarshalBinary()
	if !bytes.Equal(ab, db) {
		t.Fatal("state from decoded records differs")
	}
	// A shorter log gives a different state.
	if digest(t, replayState(t, log[:len(log)-1])) == digest(t, a) {
		t.Fatal("digest ignores the last record")
	}
}

// fullLog returns a valid log using every record kind.
func fullLog(t testing.TB, w *world) []*SignedRecord {
	newKey := testKey(t, 21)
	log := w.setupRecords(t)
	return append(log,
		sign(t, w.issuer, 10, &SchemaRegister{Type: "Age", Version: "1", Hash: h(1)}),
		sign(t, w.issuer, 11, &CredentialIssued{Commitment: h(0x20), Type: "Age"}),
		sign(t, w.issuer, 12, &CredentialIssued{Commitment: h(0x21), Type: "Age"}),
		sign(t, w.issuer, 13, &CredentialSuperseded{Old: h(0x20), New: h(0x21)}),
		sign(t, w.issuer, 14, &RevocationRoot{Root: h(0x30), Epoch: 1}),
		sign(t, w.root, 15, &VerifyingKey{Shape: "presentation-v1", Fingerprint: h(0x40)}),
		sign(t, w.issuer, 16, &Guardianship{Guardian: w.guardian.DID(), Ward: w.ward.DID()}),
		sign(t, w.guardian, 17, wardReceipt(w)),
		sign(t, w.verifier, 18, &AccessRecord{Grant: w.grant(), Purpose: "dpv:ServiceProvision", Statement: h(0x60), Nullifier: h(0x61)}),
		sign(t, w.citizen, 19, &ConsentWithdrawal{Grant: w.grant(), Parts: []string{"birthdate"}}),
		sign(t, w.other, 20, &AgencyEvent{Topic: "relief/rice-kg", Digest: h(0x70), Amount: 1200}),
		sign(t, w.root, 21, &Suspend{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Residence"}, Reason: "audit"}),
		sign(t, w.root, 22, &Reinstate{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Residence"}}),
		sign(t, w.issuer, 23, &KeyRotate{NewKey: newKey.Public(), Proof: rotateProof(newKey, w.issuer.DID())}),
		sign(t, newKey, 24, &RevocationRoot{Root: h(0x31), Epoch: 2}),
		sign(t, w.citizen, 25, &ConsentWithdrawal{Grant: w.grant()}),
	)
}

func TestQueries(t *testing.T) {
	w := newWorld(t)
	log := fullLog(t, w)
	s := replayState(t, log)
	newKey := testKey(t, 21)

	if s.RootAuthority() != w.root.DID() {
		t.Error("root authority")
	}
	// Key rotation: both DIDs name the same agency; the current key is new.
	a, err := s.Agency(newKey.DID())
	if err != nil || a.ID != w.issuer.DID() || a.Current().DID != newKey.DID() || len(a.Keys) != 2 {
		t.Fatalf("agency after rotation: %+v %v", a, err)
	}
	k, err := s.AgencyKeyAt(w.issuer.DID(), 12)
	if err != nil || !k.Key.Equal(w.issuer.Public()) {
		t.Errorf("key at index 12 should be the original: %v", err)
	}
	k, _ = s.AgencyKeyAt(w.issuer.DID(), uint64(len(log)-1))
	if !k.Key.Equal(newKey.Public()) {
		t.Error("key at the end should be the new one")
	}
	doc, err := s.Resolver().Resolve(context.Background(), w.issuer.DID())
	if err != nil || doc.ID != newKey.DID() {
		t.Fatalf("resolve old DID: %v", err)
	}
	if pk, err := doc.PublicKey(); err != nil || !pk.Equal(newKey.Public()) {
		t.Fatalf("resolved document keys: %v", err)
	}
	if _, err := s.Resolver().Resolve(context.Background(), w.citizen.DID()); !errors.Is(err, identity.ErrNotFound) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("resolve citizen: %v", err)
	}
	// Accreditation history: Residence suspended at index 18 (time t0+21),
	// reinstated at index 19 (t0+22).
	susp := uint64(len(w.setupRecords(t)) + 11)
	for _, c := range []struct {
		index uint64
		want  bool
	}{{3, false}, {4, true}, {susp - 1, true}, {susp, false}, {susp + 1, true}} {
		if got := s.AccreditedAtIndex(newKey.DID(), RoleIssuer, "Residence", c.index); got != c.want {
			t.Errorf("accredited at index %d = %v, want %v", c.index, got, c.want)
		}
	}
	for _, c := range []struct {
		sec  int64
		want bool
	}{{3, false}, {4, true}, {20, true}, {21, false}, {22, true}} {
		if got := s.AccreditedAtTime(w.issuer.DID(), RoleIssuer, "Residence", t0.Add(time.Duration(c.sec)*time.Second)); got != c.want {
			t.Errorf("accredited at t0+%d = %v, want %v", c.sec, got, c.want)
		}
	}
	if !s.IsAccredited(w.verifier.DID(), RoleVerifier, "Age") || s.IsAccredited(w.verifier.DID(), RoleIssuer, "Age") {
		t.Error("verifier accreditation")
	}
	if sc, err := s.Schema("Age", "1"); err != nil || sc.Hash != h(1) || sc.Issuer != w.issuer.DID() {
		t.Errorf("schema: %+v %v", sc, err)
	}
	if c, err := s.Credential(h(0x20)); err != nil || c.SupersededBy != h(0x21) || c.Issuer != w.issuer.DID() {
		t.Errorf("credential: %+v %v", c, err)
	}
	if r, err := s.LatestRevocationRoot(newKey.DID()); err != nil || r.Root != h(0x31) || r.Epoch != 2 {
		t.Errorf("latest revocation root: %+v %v", r, err)
	}
	if r, err := s.RevocationRootEntry(w.issuer.DID(), h(0x30)); err != nil || r.Epoch != 1 || r.Time != t0.Unix()+14 {
		t.Errorf("past revocation root: %+v %v", r, err)
	}
	if _, err := s.RevocationRootEntry(w.issuer.DID(), h(0x99)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown root: %v", err)
	}
	if !s.IsOfficialVerifyingKey("presentation-v1", h(0x40)) || s.IsOfficialVerifyingKey("presentation-v1", h(0x41)) {
		t.Error("verifying keys")
	}
	if !s.IsGuardian(w.guardian.DID(), w.ward.DID()) || s.IsGuardian(w.ward.DID(), w.guardian.DID()) {
		t.Error("guardianship")
	}
	gr, err := s.Grant(w.grant())
	if err != nil || !gr.Withdrawn || len(gr.WithdrawnParts) != 1 || gr.Agency != w.verifier.DID() {
		t.Errorf("grant: %+v %v", gr, err)
	}
	if wg, err := s.Grant(grantID(w.ward.DID(), 0x50)); err != nil || wg.Citizen != w.ward.DID() || wg.Guardian != w.guardian.DID() {
		t.Errorf("guardian grant: %+v %v", wg, err)
	}
	if log := s.AccessLog(w.citizen.DID()); len(log) != 1 || log[0].Purpose != "dpv:ServiceProvision" || log[0].Agency != w.verifier.DID() {
		t.Errorf("access log: %+v", log)
	}
	if len(s.GrantsOf(w.citizen.DID())) != 1 {
		t.Error("grants of citizen")
	}
	if s.AgencyTotal(w.other.DID(), "relief/rice-kg") != 1200 || s.AgencyTotal(w.other.DID(), "other") != 0 {
		t.Error("agency totals")
	}
	// Returned slices are copies.
	a.Keys[0].DID = "x"
	if b, _ := s.Agency(w.issuer.DID()); b.Keys[0].DID != w.issuer.DID() {
		t.Error("query result aliases the state")
	}
}

// TestCheckBatch: CheckBatch answers as ApplyBatch would and never changes
// the state.
func TestCheckBatch(t *testing.T) {
	w := newWorld(t)
	recs := w.setupRecords(t)
	s := NewState()
	if err := s.ApplyBatch(0, recs[:4]); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Digest()
	// The verifier may not accredit; the root may.
	forged := sign(t, w.verifier, 4, &Accredit{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Age"}})
	if err := s.CheckBatch([]*SignedRecord{forged}); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("CheckBatch(unauthorized) = %v, want ErrUnauthorized", err)
	}
	if err := s.CheckBatch(recs[4:]); err != nil {
		t.Fatalf("CheckBatch(valid) = %v", err)
	}
	if err := s.CheckBatch([]*SignedRecord{recs[4], forged}); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("CheckBatch(mixed) = %v, want ErrUnauthorized", err)
	}
	after, _ := s.Digest()
	if after != before || s.Size() != 4 {
		t.Fatal("CheckBatch changed the state")
	}
	if err := s.ApplyBatch(4, recs[4:]); err != nil {
		t.Fatalf("ApplyBatch after CheckBatch: %v", err)
	}
}

// wardReceipt is the guardian's receipt for the ward's grant (content
// h(0x50)) to verifier.
func wardReceipt(w *world) *ConsentReceipt {
	r := receiptOf(w.ward.DID(), 0x50, w.verifier.DID(), 0x51)
	r.Citizen = w.ward.DID()
	return r
}
