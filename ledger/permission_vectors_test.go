package ledger

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/civicproof/civicproof/internal/vectors"
)

// permissionVector is one file under testdata/permissions: an attack on
// the ledger's permission rules. Log is applied first; Attack must then be
// refused with every sentinel in WantErr and change nothing; Then (the
// legitimate records the attack tried to block) must still be accepted.
// Records are their canonical signed bytes.
type permissionVector struct {
	Desc    string   `json:"desc"`
	Log     []string `json:"log"`
	Attack  string   `json:"attack"`
	WantErr []string `json:"wantErr"`
	Then    []string `json:"then,omitempty"`
}

var permissionSentinels = map[string]error{
	"ErrUnauthorized":  ErrUnauthorized,
	"ErrInvalidRecord": ErrInvalidRecord,
	"ErrNotFound":      ErrNotFound,
	"ErrDuplicate":     ErrDuplicate,
}

// buildPermissionVectors makes every permission vector from the
// deterministic test world; with -update, TestPermissionVectors writes
// them (this function is the committed generator).
func buildPermissionVectors(t testing.TB) map[string]permissionVector {
	w := newWorld(t)
	enc := func(srs ...*SignedRecord) []string {
		out := make([]string, len(srs))
		for i, sr := range srs {
			out[i] = string(mustBytes(t, sr))
		}
		return out
	}
	setup := w.setupRecords(t)
	accreditOther := sign(t, w.root, 10, &Accredit{Agency: w.other.DID(), Role: RoleIssuer, Types: []string{"Age"}})
	ownerSchema := sign(t, w.issuer, 12, &SchemaRegister{Type: "Age", Version: "2", Hash: h(0x02)})
	rootKey := sign(t, w.root, 12, &VerifyingKey{Shape: "presentation-v1", Fingerprint: h(0x40)})
	owned := receiptOf(w.citizen.DID(), 0x50, w.verifier.DID(), 0x51)
	ownerReceipt := sign(t, w.citizen, 12, owned)
	guardianOfWard := sign(t, w.issuer, 10, &Guardianship{Guardian: w.guardian.DID(), Ward: w.ward.DID()})
	stolenForWard := *owned
	stolenForWard.Citizen = w.ward.DID()
	ownerRevokes := sign(t, w.verifier, 12, &AgencyEvent{Topic: GrantRevokeTopic, Digest: w.grant()})

	v := func(desc string, log []*SignedRecord, attack *SignedRecord, wantErr []string, then ...*SignedRecord) permissionVector {
		return permissionVector{Desc: desc, Log: enc(append(slices.Clone(setup), log...)...), Attack: string(mustBytes(t, attack)), WantErr: wantErr, Then: enc(then...)}
	}
	return map[string]permissionVector{
		"schema-squatting": v("a co-accredited issuer registers the next version of a type before its owner (the first agency accredited for it)",
			[]*SignedRecord{accreditOther}, sign(t, w.other, 11, &SchemaRegister{Type: "Age", Version: "2", Hash: h(0xee)}),
			[]string{"ErrUnauthorized"}, ownerSchema),
		"schema-squatting-owner-suspended": v("a co-accredited issuer registers a version while the type's owner is suspended",
			[]*SignedRecord{accreditOther, sign(t, w.root, 11, &Suspend{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Age"}})},
			sign(t, w.other, 12, &SchemaRegister{Type: "Age", Version: "2", Hash: h(0xee)}), []string{"ErrUnauthorized"}),
		"verifying-key-by-issuer": v("an accredited issuer makes an arbitrary verifying-key fingerprint official",
			nil, sign(t, w.issuer, 11, &VerifyingKey{Shape: "presentation-v1", Fingerprint: h(0xee)}), []string{"ErrUnauthorized"}, rootKey),
		"verifying-key-by-verifier": v("a verifier agency makes a verifying-key fingerprint official",
			nil, sign(t, w.verifier, 11, &VerifyingKey{Shape: "presentation-v1", Fingerprint: h(0x40)}), []string{"ErrUnauthorized"}, rootKey),
		"grant-front-running": v("a citizen anchors another citizen's grant id (with its content digest) first under their own DID",
			nil, sign(t, w.stranger, 11, owned), []string{"ErrUnauthorized"}, ownerReceipt),
		"grant-front-running-by-guardian": v("a guardian anchors another citizen's grant id for their own ward",
			[]*SignedRecord{guardianOfWard}, sign(t, w.guardian, 11, &stolenForWard), []string{"ErrUnauthorized"}, ownerReceipt),
		"grant-id-not-bound-to-content": v("a citizen anchors a grant id that is not GrantID(citizen, content)",
			nil, sign(t, w.citizen, 11, &ConsentReceipt{Grant: h(0x50), Content: h(0x50), Agency: w.verifier.DID(), Receipt: h(0x51)}),
			[]string{"ErrUnauthorized"}, ownerReceipt),
		"grant-revoked-by-another-agency": v("an agency writes a consent/revoke event for a grant given to another agency",
			nil, sign(t, w.other, 11, &AgencyEvent{Topic: GrantRevokeTopic, Digest: w.grant()}), []string{"ErrUnauthorized"}, ownerRevokes),
		"grant-revoked-unknown": v("an agency writes a consent/revoke event for a grant that was never anchored",
			nil, sign(t, w.verifier, 11, &AgencyEvent{Topic: GrantRevokeTopic, Digest: h(0x77)}), []string{"ErrInvalidRecord", "ErrNotFound"}, ownerRevokes),
	}
}

func decodeAll(t *testing.T, recs []string) []*SignedRecord {
	t.Helper()
	out := make([]*SignedRecord, len(recs))
	for i, r := range recs {
		sr, err := DecodeSignedRecord([]byte(r))
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		out[i] = sr
	}
	return out
}

// TestPermissionVectors replays each attack in testdata/permissions.
func TestPermissionVectors(t *testing.T) {
	dir := filepath.Join("testdata", "permissions")
	built := buildPermissionVectors(t)
	if *update {
		if err := vectors.Write(dir, built); err != nil {
			t.Fatal(err)
		}
	}
	files, err := vectors.Load(dir)
	if err != nil {
		t.Fatalf("%v (go test -run TestPermissionVectors -update)", err)
	}
	for _, f := range files {
		name := f.Name
		t.Run(name, func(t *testing.T) {
			var v permissionVector
			if err := json.Unmarshal(f.Data, &v); err != nil {
				t.Fatal(err)
			}
			if b, ok := built[name]; !ok || !slices.Equal(b.Log, v.Log) || b.Attack != v.Attack || !slices.Equal(b.WantErr, v.WantErr) || !slices.Equal(b.Then, v.Then) {
				t.Errorf("vector differs from what the code builds today (run with -update)")
			}
			s, err := Replay(decodeAll(t, v.Log))
			if err != nil {
				t.Fatalf("log: %v", err)
			}
			before, _ := s.Digest()
			attack, err := DecodeSignedRecord([]byte(v.Attack))
			if err != nil {
				t.Fatalf("attack record does not decode: %v", err)
			}
			err = s.Apply(s.Size(), attack)
			if err == nil || len(v.WantErr) == 0 {
				t.Fatalf("%s: accepted", v.Desc)
			}
			for _, name := range v.WantErr {
				want := permissionSentinels[name]
				if want == nil {
					t.Fatalf("unknown sentinel %q", name)
				}
				if !errors.Is(err, want) {
					t.Fatalf("%s: got %v, want %s", v.Desc, err, name)
				}
			}
			if after, _ := s.Digest(); after != before {
				t.Fatal("a refused record changed the state")
			}
			for i, sr := range decodeAll(t, v.Then) {
				if err := s.Apply(s.Size(), sr); err != nil {
					t.Fatalf("legitimate record %d after the attack: %v", i, err)
				}
			}
		})
	}
	for _, name := range vectors.Missing(built, files) {
		t.Errorf("vector %s missing from testdata (run with -update)", name)
	}
}
