package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/issuerset"
	"github.com/civicproof/civicproof/internal/vectors"
)

const day = 86400 // seconds

// dayAt is the window day of the test record time t0+sec.
func dayAt(sec int64) uint64 { return IssuerSetDay(t0.Add(time.Duration(sec) * time.Second)) }

// canon is a revocation root that is a canonical field element
// (0x05...05 < p); h(0x31) and above are not.
var canon = h(0x05)

// checkSet checks the current set of typ: its leaves (agency, key,
// window, revocation root) in order, that each leaf's hash and path lead
// to the root, and that the root is the last of the history.
func checkSet(t *testing.T, s *State, typ string, want []IssuerSetLeaf) *IssuerSet {
	t.Helper()
	set, err := s.IssuerSet(typ)
	if err != nil {
		t.Fatalf("IssuerSet(%q): %v", typ, err)
	}
	if len(set.Leaves) != len(want) {
		t.Fatalf("%q: %d leaves, want %d: %+v", typ, len(set.Leaves), len(want), set.Leaves)
	}
	for i, l := range set.Leaves {
		w := want[i]
		if l.Agency != w.Agency || l.KeyDID != w.KeyDID || l.From != w.From || l.Until != w.Until || l.RevocationRoot != w.RevocationRoot {
			t.Errorf("%q leaf %d = {%s %s %d %d %s}, want {%s %s %d %d %s}", typ, i,
				l.Agency, l.KeyDID, l.From, l.Until, l.RevocationRoot, w.Agency, w.KeyDID, w.From, w.Until, w.RevocationRoot)
		}
		if l.Key == nil || l.Key.DID() != l.KeyDID {
			t.Errorf("%q leaf %d: key set does not match its DID", typ, i)
		}
		// The leaf hash is recomputed here from its parts, independently
		// of the state's own conversion.
		rr, err := fieldOf(l.RevocationRoot)
		if err != nil {
			t.Fatal(err)
		}
		ref := issuerset.KeyLeaf(l.Key.ZK(), l.From, l.Until, rr)
		rh := ref.Hash()
		if Hash(rh.Bytes()) != l.Hash {
			t.Errorf("%q leaf %d: hash differs from the issuerset leaf of its parts", typ, i)
		}
		p, err := set.Path(i)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Verify(l.Hash, set.Root) {
			t.Errorf("%q leaf %d: path does not lead to the root", typ, i)
		}
		if p.Verify(l.Hash, h(0x01)) {
			t.Errorf("%q leaf %d: path verifies against another root", typ, i)
		}
	}
	if _, err := set.Path(len(want)); !errors.Is(err, ErrNotFound) {
		t.Errorf("%q: path past the last leaf = %v, want ErrNotFound", typ, err)
	}
	roots := s.IssuerSetRoots(typ)
	if n := len(roots); n == 0 || roots[n-1].Root != set.Root || roots[n-1].Superseded || roots[n-1].Leaves != len(want) {
		t.Errorf("%q: history %+v does not end with the current root", typ, roots)
	}
	for i := 1; i < len(roots); i++ {
		if !roots[i-1].Superseded || roots[i-1].SupersededIndex != roots[i].Index || roots[i-1].SupersededTime != roots[i].Time {
			t.Errorf("%q: root %d is not superseded by root %d", typ, i-1, i)
		}
	}
	return set
}

func fieldOf(x Hash) (e fr.Element, err error) {
	err = e.SetBytesCanonical(x[:])
	return e, err
}

// TestIssuerSetStateMachine applies records after the common setup
// (issuer accredited for Age, Guardianship and Residence at t0+4) and
// checks the sets that result.
func TestIssuerSetStateMachine(t *testing.T) {
	w := newWorld(t)
	newKey, spare := testKey(t, 21), testKey(t, 22)
	issuer, other := w.issuer.DID(), w.other.DID()
	accredited := dayAt(4)
	rotation := int64(2*day + 100)
	rotate := func(by, to *identity.PrivateKey, sec int64, compromised bool) *SignedRecord {
		return sign(t, by, sec, &KeyRotate{NewKey: to.Public(), Proof: rotateProof(to, by.DID()), Compromised: compromised})
	}
	leaf := func(agency, key identity.DID, from, until uint64, rr Hash) IssuerSetLeaf {
		return IssuerSetLeaf{Agency: agency, KeyDID: key, From: from, Until: until, RevocationRoot: rr}
	}
	origAge := leaf(issuer, issuer, accredited, IssuerSetOpen, Hash{})
	tests := []struct {
		name    string
		records func() []*SignedRecord
		want    map[string][]IssuerSetLeaf
		history map[string]int // number of roots per type
	}{
		{"accreditation adds a leaf", func() []*SignedRecord { return nil },
			map[string][]IssuerSetLeaf{"Age": {origAge}, "Residence": {origAge}, "Guardianship": {origAge}},
			map[string]int{"Age": 1}},
		{"a verifier accreditation adds none", func() []*SignedRecord {
			return []*SignedRecord{sign(t, w.root, 10, &Accredit{Agency: other, Role: RoleVerifier, Types: []string{"Age"}})}
		}, map[string][]IssuerSetLeaf{"Age": {origAge}}, map[string]int{"Age": 1}},
		{"two issuers, in accreditation order", func() []*SignedRecord {
			return []*SignedRecord{sign(t, w.root, 3*day, &Accredit{Agency: other, Role: RoleIssuer, Types: []string{"Age"}})}
		}, map[string][]IssuerSetLeaf{
			"Age":       {origAge, leaf(other, other, dayAt(3*day), IssuerSetOpen, Hash{})},
			"Residence": {origAge},
		}, map[string]int{"Age": 2, "Residence": 1}},
		{"rotation closes the old key's window on the rotation day and opens the new key's", func() []*SignedRecord {
			return []*SignedRecord{rotate(w.issuer, newKey, rotation, false)}
		}, map[string][]IssuerSetLeaf{
			"Age":       {leaf(issuer, issuer, accredited, dayAt(rotation), Hash{}), leaf(issuer, newKey.DID(), dayAt(rotation), IssuerSetOpen, Hash{})},
			"Residence": {leaf(issuer, issuer, accredited, dayAt(rotation), Hash{}), leaf(issuer, newKey.DID(), dayAt(rotation), IssuerSetOpen, Hash{})},
		}, map[string]int{"Age": 2}},
		{"two rotations keep every key with consecutive windows", func() []*SignedRecord {
			return []*SignedRecord{rotate(w.issuer, newKey, rotation, false), rotate(newKey, spare, rotation+3*day, false)}
		}, map[string][]IssuerSetLeaf{"Age": {
			leaf(issuer, issuer, accredited, dayAt(rotation), Hash{}),
			leaf(issuer, newKey.DID(), dayAt(rotation), dayAt(rotation+3*day), Hash{}),
			leaf(issuer, spare.DID(), dayAt(rotation+3*day), IssuerSetOpen, Hash{}),
		}}, map[string]int{"Age": 3}},
		{"a compromised key is removed from every set", func() []*SignedRecord {
			return []*SignedRecord{rotate(w.issuer, newKey, rotation, true)}
		}, map[string][]IssuerSetLeaf{
			"Age":          {leaf(issuer, newKey.DID(), dayAt(rotation), IssuerSetOpen, Hash{})},
			"Guardianship": {leaf(issuer, newKey.DID(), dayAt(rotation), IssuerSetOpen, Hash{})},
		}, map[string]int{"Age": 2}},
		{"a key introduced before the accreditation starts at the accreditation", func() []*SignedRecord {
			return []*SignedRecord{rotate(w.other, spare, 10, false), sign(t, w.root, 5*day, &Accredit{Agency: other, Role: RoleIssuer, Types: []string{"Residence"}})}
		}, map[string][]IssuerSetLeaf{"Residence": {origAge, leaf(other, spare.DID(), dayAt(5*day), IssuerSetOpen, Hash{})}},
			map[string]int{"Residence": 2}},
		{"suspension removes the agency's leaves for the suspended type only", func() []*SignedRecord {
			return []*SignedRecord{
				sign(t, w.root, 10, &Accredit{Agency: other, Role: RoleIssuer, Types: []string{"Age"}}),
				sign(t, w.root, 11, &Suspend{Agency: issuer, Role: RoleIssuer, Types: []string{"Age"}, Reason: "audit"}),
			}
		}, map[string][]IssuerSetLeaf{"Age": {leaf(other, other, dayAt(10), IssuerSetOpen, Hash{})}, "Residence": {origAge}},
			map[string]int{"Age": 3, "Residence": 1}},
		{"suspending the only issuer leaves the empty set", func() []*SignedRecord {
			return []*SignedRecord{sign(t, w.root, 11, &Suspend{Agency: issuer, Role: RoleIssuer, Types: []string{"Age"}})}
		}, map[string][]IssuerSetLeaf{"Age": {}}, map[string]int{"Age": 2}},
		{"a rotation while suspended adds the key, shown once reinstated", func() []*SignedRecord {
			return []*SignedRecord{
				sign(t, w.root, 11, &Suspend{Agency: issuer, Role: RoleIssuer, Types: []string{"Age"}}),
				rotate(w.issuer, newKey, rotation, false),
				sign(t, w.root, rotation+10, &Reinstate{Agency: issuer, Role: RoleIssuer, Types: []string{"Age"}}),
			}
		}, map[string][]IssuerSetLeaf{"Age": {leaf(issuer, issuer, accredited, dayAt(rotation), Hash{}), leaf(issuer, newKey.DID(), dayAt(rotation), IssuerSetOpen, Hash{})}},
			map[string]int{"Age": 3, "Residence": 2}},
		{"a revocation root updates every leaf of the agency", func() []*SignedRecord {
			return []*SignedRecord{
				sign(t, w.root, 10, &Accredit{Agency: other, Role: RoleIssuer, Types: []string{"Age"}}),
				rotate(w.issuer, newKey, rotation, false),
				sign(t, newKey, rotation+1, &RevocationRoot{Root: canon, Epoch: 1}),
			}
		}, map[string][]IssuerSetLeaf{"Age": {
			leaf(issuer, issuer, accredited, dayAt(rotation), canon),
			leaf(other, other, dayAt(10), IssuerSetOpen, Hash{}),
			leaf(issuer, newKey.DID(), dayAt(rotation), IssuerSetOpen, canon),
		}}, map[string]int{"Age": 4}},
		{"a revocation root that is not a field element leaves no usable root", func() []*SignedRecord {
			return []*SignedRecord{
				sign(t, w.issuer, 10, &RevocationRoot{Root: canon, Epoch: 1}),
				sign(t, w.issuer, 11, &RevocationRoot{Root: h(0x31), Epoch: 2}),
			}
		}, map[string][]IssuerSetLeaf{"Age": {origAge}}, map[string]int{"Age": 3}},
		{"a revocation root while suspended changes nothing until reinstated", func() []*SignedRecord {
			return []*SignedRecord{
				sign(t, w.root, 11, &Suspend{Agency: issuer, Role: RoleIssuer, Types: []string{"Age"}}),
				sign(t, w.issuer, 12, &RevocationRoot{Root: canon, Epoch: 1}),
				sign(t, w.root, 13, &Reinstate{Agency: issuer, Role: RoleIssuer, Types: []string{"Age"}}),
			}
		}, map[string][]IssuerSetLeaf{"Age": {leaf(issuer, issuer, accredited, IssuerSetOpen, canon)}},
			map[string]int{"Age": 3, "Residence": 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := replayState(t, append(w.setupRecords(t), tc.records()...))
			for typ, want := range tc.want {
				checkSet(t, s, typ, want)
			}
			for typ, n := range tc.history {
				if got := len(s.IssuerSetRoots(typ)); got != n {
					t.Errorf("%q has %d roots, want %d", typ, got, n)
				}
			}
		})
	}
}

// TestIssuerSetHistory: a suspension and a reinstatement return to the
// earlier root; each root is found with when it was current, and an
// unknown root or type is ErrNotFound.
func TestIssuerSetHistory(t *testing.T) {
	w := newWorld(t)
	issuer := w.issuer.DID()
	s := replayState(t, append(w.setupRecords(t),
		sign(t, w.root, day, &Suspend{Agency: issuer, Role: RoleIssuer, Types: []string{"Age"}}),
		sign(t, w.root, 2*day, &Reinstate{Agency: issuer, Role: RoleIssuer, Types: []string{"Age"}}),
	))
	roots := s.IssuerSetRoots("Age")
	emptyRoot := issuerset.EmptyRoot()
	if len(roots) != 3 || roots[0].Root != roots[2].Root || roots[1].Root != Hash(emptyRoot.Bytes()) {
		t.Fatalf("history %+v", roots)
	}
	if roots[0].Index != 4 || roots[0].Time != t0.Unix()+4 || roots[0].SupersededIndex != 7 || roots[0].SupersededTime != t0.Unix()+day {
		t.Errorf("first root: %+v", roots[0])
	}
	got, err := s.IssuerSetRoot("Age", roots[0].Root)
	if err != nil || got != roots[2] {
		t.Errorf("a root the set had twice: %+v %v, want the latest entry %+v", got, err, roots[2])
	}
	empty, err := s.IssuerSetRoot("Age", roots[1].Root)
	if err != nil || !empty.Superseded || empty.Index != 7 || empty.SupersededIndex != 8 {
		t.Errorf("suspended root: %+v %v", empty, err)
	}
	if _, err := s.IssuerSetRoot("Age", h(0x01)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown root: %v, want ErrNotFound", err)
	}
	if _, err := s.IssuerSetRoot("Residence", roots[1].Root); !errors.Is(err, ErrNotFound) {
		t.Errorf("a root of another type: %v, want ErrNotFound", err)
	}
	if _, err := s.IssuerSet("Unknown"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown type: %v, want ErrNotFound", err)
	}
	if s.IssuerSetRoots("Unknown") != nil {
		t.Error("roots of an unknown type")
	}
	if typs := s.IssuerSetTypes(); !slices.Equal(typs, []string{"Age", "Guardianship", "Residence"}) {
		t.Errorf("types %v", typs)
	}

	// Freshness: the suspended set's root was superseded at t0+2 days.
	superseded := t0.Add(2 * day * time.Second)
	for _, tc := range []struct {
		info   IssuerSetRootInfo
		now    time.Time
		maxAge time.Duration
		want   bool
	}{
		{roots[2], superseded.Add(1000 * time.Hour), 0, true},
		{empty, superseded.Add(59 * time.Minute), time.Hour, true},
		{empty, superseded.Add(time.Hour), time.Hour, false},
		{empty, superseded, 0, false},
	} {
		if got := tc.info.Fresh(tc.now, tc.maxAge); got != tc.want {
			t.Errorf("Fresh(%v after supersession, %v) = %v", tc.now.Sub(superseded), tc.maxAge, got)
		}
	}
}

// issuerSetScenario is the setup plus a second issuer, revocation roots,
// a rotation, a suspension and reinstatement, and a compromised-key
// rotation.
func issuerSetScenario(t testing.TB, w *world) []*SignedRecord {
	newKey, spare := testKey(t, 21), testKey(t, 22)
	return append(w.setupRecords(t),
		sign(t, w.root, 10, &Accredit{Agency: w.other.DID(), Role: RoleIssuer, Types: []string{"Age"}}),
		sign(t, w.issuer, day, &RevocationRoot{Root: h(0x05), Epoch: 1}),
		sign(t, w.issuer, 2*day, &KeyRotate{NewKey: newKey.Public(), Proof: rotateProof(newKey, w.issuer.DID())}),
		sign(t, newKey, 2*day+1, &RevocationRoot{Root: h(0x06), Epoch: 2}),
		sign(t, w.root, 3*day, &Suspend{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Residence"}, Reason: "audit"}),
		sign(t, w.root, 4*day, &Reinstate{Agency: w.issuer.DID(), Role: RoleIssuer, Types: []string{"Residence"}}),
		sign(t, w.other, 5*day, &KeyRotate{NewKey: spare.Public(), Proof: rotateProof(spare, w.other.DID()), Compromised: true}),
	)
}

// manyIssuers returns records that register and accredit n agencies for
// "Age" (one leaf each) after the setup, and the agencies' keys.
func manyIssuers(t testing.TB, w *world, n int) ([]*SignedRecord, []*identity.PrivateKey) {
	t.Helper()
	var out []*SignedRecord
	var keys []*identity.PrivateKey
	for i := range n {
		seed := make([]byte, 32)
		seed[0], seed[1], seed[2] = 0xc2, byte(i>>8), byte(i)
		k, err := identity.NewKeyFromSeed(seed)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
		out = append(out,
			sign(t, k, 100, &AgencyRegister{Key: k.Public(), Name: fmt.Sprintf("Agency %d", i)}),
			sign(t, w.root, 101, &Accredit{Agency: k.DID(), Role: RoleIssuer, Types: []string{"Age"}}))
	}
	return out, keys
}

// TestIssuerSetCapacity: a record that would put more than
// IssuerSetCapacity keys into a set is refused as a whole; a compromised
// rotation (one key out, one in) and a suspension make room.
func TestIssuerSetCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 256 agencies; run without -short")
	}
	w := newWorld(t)
	more, keys := manyIssuers(t, w, IssuerSetCapacity) // with the setup's issuer: one over
	s := replayState(t, w.setupRecords(t))
	full := more[:len(more)-1] // the last agency registered, not accredited
	if err := s.ApplyBatch(s.Size(), full); err != nil {
		t.Fatal(err)
	}
	if set, err := s.IssuerSet("Age"); err != nil || len(set.Leaves) != IssuerSetCapacity {
		t.Fatalf("full set: %v", err)
	}
	last, spare := keys[len(keys)-1], testKey(t, 22)
	refused := []struct {
		name string
		sr   *SignedRecord
	}{
		{"accreditation", more[len(more)-1]},
		{"rotation", sign(t, w.issuer, 200, &KeyRotate{NewKey: spare.Public(), Proof: rotateProof(spare, w.issuer.DID())})},
		{"rotation of another agency",
			sign(t, keys[0], 200, &KeyRotate{NewKey: spare.Public(), Proof: rotateProof(spare, keys[0].DID())})},
	}
	for _, tc := range refused {
		before := digest(t, s)
		err := s.Apply(s.Size(), tc.sr)
		if !errors.Is(err, ErrIssuerSetFull) || !errors.Is(err, ErrInvalidRecord) {
			t.Fatalf("%s into a full set: %v, want ErrIssuerSetFull", tc.name, err)
		}
		if digest(t, s) != before {
			t.Fatalf("refused %s changed the state", tc.name)
		}
	}
	// A compromised-key rotation swaps one leaf for another.
	if err := s.Apply(s.Size(), sign(t, keys[0], 201, &KeyRotate{NewKey: spare.Public(), Proof: rotateProof(spare, keys[0].DID()), Compromised: true})); err != nil {
		t.Fatalf("compromised rotation in a full set: %v", err)
	}
	// Suspending one agency makes room for another; reinstating it would
	// overflow.
	suspend := sign(t, w.root, 202, &Suspend{Agency: keys[1].DID(), Role: RoleIssuer, Types: []string{"Age"}})
	accredit := sign(t, w.root, 203, &Accredit{Agency: last.DID(), Role: RoleIssuer, Types: []string{"Age"}})
	if err := s.ApplyBatch(s.Size(), []*SignedRecord{suspend, accredit}); err != nil {
		t.Fatal(err)
	}
	before := digest(t, s)
	err := s.Apply(s.Size(), sign(t, w.root, 204, &Reinstate{Agency: keys[1].DID(), Role: RoleIssuer, Types: []string{"Age"}}))
	if !errors.Is(err, ErrIssuerSetFull) || digest(t, s) != before {
		t.Fatalf("reinstatement into a full set: %v", err)
	}
	if set, err := s.IssuerSet("Age"); err != nil || len(set.Leaves) != IssuerSetCapacity {
		t.Fatalf("set after the refusals: %v", err)
	} else if _, ok := set.IndexOf(last.DID()); !ok {
		t.Fatal("the agency accredited after the suspension is not in the set")
	}
}

// issuerSetVector is one file under testdata/issuersets: a log and, for
// each credential type, the root history and current leaves it derives.
type issuerSetVector struct {
	Desc string                         `json:"desc"`
	Log  []string                       `json:"log"`
	Sets map[string]issuerSetVectorType `json:"sets"`
}

type issuerSetVectorType struct {
	Roots  []IssuerSetRootInfo   `json:"roots"`
	Leaves []issuerSetVectorLeaf `json:"leaves"`
}

type issuerSetVectorLeaf struct {
	Agency         identity.DID `json:"agency"`
	Key            identity.DID `json:"key"`
	From           uint64       `json:"from"`
	Until          uint64       `json:"until"`
	RevocationRoot Hash         `json:"revocationRoot"`
	Hash           Hash         `json:"hash"`
}

func issuerSetsOf(t testing.TB, s *State) map[string]issuerSetVectorType {
	out := map[string]issuerSetVectorType{}
	for _, typ := range s.IssuerSetTypes() {
		set, err := s.IssuerSet(typ)
		if err != nil {
			t.Fatal(err)
		}
		v := issuerSetVectorType{Roots: s.IssuerSetRoots(typ), Leaves: []issuerSetVectorLeaf{}}
		for _, l := range set.Leaves {
			v.Leaves = append(v.Leaves, issuerSetVectorLeaf{l.Agency, l.KeyDID, l.From, l.Until, l.RevocationRoot, l.Hash})
		}
		out[typ] = v
	}
	return out
}

func buildIssuerSetVectors(t testing.TB) map[string]issuerSetVector {
	w := newWorld(t)
	v := func(desc string, log []*SignedRecord) issuerSetVector {
		s, err := Replay(log)
		if err != nil {
			t.Fatal(err)
		}
		out := issuerSetVector{Desc: desc, Sets: issuerSetsOf(t, s)}
		for _, sr := range log {
			out.Log = append(out.Log, string(mustBytes(t, sr)))
		}
		return out
	}
	scenario := issuerSetScenario(t, w)
	return map[string]issuerSetVector{
		"setup": v("one issuer accredited for three types", w.setupRecords(t)),
		"scenario": v("a second issuer, revocation roots, a rotation, a suspension and reinstatement, a compromised-key rotation",
			scenario),
	}
}

// TestIssuerSetVectors pins the roots of small scenarios (rewrite with
// -update) so that another implementation of the state machine can check
// its issuer sets.
func TestIssuerSetVectors(t *testing.T) {
	dir := filepath.Join("testdata", "issuersets")
	built := buildIssuerSetVectors(t)
	if *update {
		if err := vectors.Write(dir, built); err != nil {
			t.Fatal(err)
		}
	}
	files, err := vectors.Load(dir)
	if err != nil {
		t.Fatalf("%v (go test -run TestIssuerSetVectors -update)", err)
	}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			var v issuerSetVector
			if err := json.Unmarshal(f.Data, &v); err != nil {
				t.Fatal(err)
			}
			s, err := Replay(decodeAll(t, v.Log))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(issuerSetsOf(t, s))
			want, _ := json.Marshal(v.Sets)
			if string(got) != string(want) {
				t.Errorf("%s: the log derives\n%s\nthe vector says\n%s", v.Desc, got, want)
			}
			if b, ok := built[f.Name]; !ok || !slices.Equal(b.Log, v.Log) {
				t.Error("vector log differs from what the code builds today (run with -update)")
			}
		})
	}
	for _, name := range vectors.Missing(built, files) {
		t.Errorf("vector %s missing from testdata (run with -update)", name)
	}
}

// BenchmarkIssuerSet256 rebuilds the set of a type with 256 keys: cold,
// every leaf hashed (a query on a freshly opened state), and warm, the
// leaf hashes cached (a record that changes a few leaves, or a query).
func BenchmarkIssuerSet256(b *testing.B) {
	w := newWorld(b)
	more, _ := manyIssuers(b, w, IssuerSetCapacity-1)
	s, err := Replay(append(w.setupRecords(b), more...))
	if err != nil {
		b.Fatal(err)
	}
	for _, cold := range []bool{true, false} {
		b.Run(map[bool]string{true: "cold", false: "warm"}[cold], func(b *testing.B) {
			for b.Loop() {
				if cold {
					s.leafMemo.mu.Lock()
					s.leafMemo.m = nil
					s.leafMemo.mu.Unlock()
				}
				set, err := s.IssuerSet("Age")
				if err != nil || len(set.Leaves) != IssuerSetCapacity {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIssuerSetRevocationRoot applies a revocation root of an agency
// in a 256-key set: the record's whole cost, the signature check and the
// set's new root included.
func BenchmarkIssuerSetRevocationRoot(b *testing.B) {
	w := newWorld(b)
	more, keys := manyIssuers(b, w, IssuerSetCapacity-1)
	s, err := Replay(append(w.setupRecords(b), more...))
	if err != nil {
		b.Fatal(err)
	}
	const n = 200
	recs := make([]*SignedRecord, n)
	for i := range recs {
		var root Hash
		root[31] = byte(i)
		root[30] = byte(i >> 8)
		root[29] = 1
		recs[i] = sign(b, keys[7], 200+int64(i), &RevocationRoot{Root: root, Epoch: uint64(i) + 1})
	}
	i := 0
	for b.Loop() {
		if i == n {
			b.StopTimer()
			s, _ = Replay(append(w.setupRecords(b), more...))
			i = 0
			b.StartTimer()
		}
		if err := s.Apply(s.Size(), recs[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// TestIssuerSetConcurrentQueries queries the sets while records are
// applied (run with -race): every answer is a consistent set.
func TestIssuerSetConcurrentQueries(t *testing.T) {
	w := newWorld(t)
	log := issuerSetScenario(t, w)
	s := replayState(t, log[:7])
	done := make(chan struct{})
	stop := sync.OnceFunc(func() { close(done) })
	defer stop() // also when a record fails below
	errs := make(chan error, 1)
	go func() {
		defer close(errs)
		for {
			select {
			case <-done:
				return
			default:
			}
			for _, typ := range s.IssuerSetTypes() {
				set, err := s.IssuerSet(typ)
				if err != nil {
					errs <- err
					return
				}
				for i, l := range set.Leaves {
					if p, err := set.Path(i); err != nil || !p.Verify(l.Hash, set.Root) {
						errs <- fmt.Errorf("%q leaf %d does not open to its set's root", typ, i)
						return
					}
				}
				_ = s.IssuerSetRoots(typ)
			}
		}
	}()
	for i := 7; i < len(log); i++ {
		if err := s.Apply(s.Size(), log[i]); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}
