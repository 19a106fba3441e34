//go:build !js && !wasip1

package ledger

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestIssuerSetReplay: a file ledger reopened from its index and from
// the log alone (index removed) has the same issuer sets as a replay, and an aborted
// stage leaves them as they were.
func TestIssuerSetReplay(t *testing.T) {
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "ledger.db")
	log := issuerSetScenario(t, w)
	l := openFileLedger(t, path, w, WithMaxSkew(30*24*time.Hour))
	mustSubmitAll(t, l, log)
	l.Close()
	replayed := replayState(t, log)
	same := func(t *testing.T, s *State) {
		t.Helper()
		if len(replayed.IssuerSetTypes()) == 0 || !slices.Equal(s.IssuerSetTypes(), replayed.IssuerSetTypes()) {
			t.Fatalf("types %v, replay %v", s.IssuerSetTypes(), replayed.IssuerSetTypes())
		}
		for _, typ := range replayed.IssuerSetTypes() {
			if !slices.Equal(s.IssuerSetRoots(typ), replayed.IssuerSetRoots(typ)) {
				t.Fatalf("roots of %q differ from a replay", typ)
			}
			a, err1 := s.IssuerSet(typ)
			b, err2 := replayed.IssuerSet(typ)
			if err1 != nil || err2 != nil || a.Root != b.Root || len(a.Leaves) != len(b.Leaves) {
				t.Fatalf("set of %q differs: %v %v", typ, err1, err2)
			}
		}
	}
	for _, dropIndex := range []bool{false, true} {
		t.Run(fmt.Sprintf("index dropped %v", dropIndex), func(t *testing.T) {
			if dropIndex {
				removeIndex(path)
			}
			l := openFileLedger(t, path, w, WithMaxSkew(30*24*time.Hour))
			defer l.Close()
			same(t, l.State())

			st, err := l.Stage(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Abort() // a failed check must not leave Close waiting
			before := digest(t, l.State())
			if _, err := st.Apply([]*SignedRecord{
				sign(t, w.root, 9*day, &Suspend{Agency: w.other.DID(), Role: RoleIssuer, Types: []string{"Age"}}),
				sign(t, testKey(t, 21), 9*day+1, &RevocationRoot{Root: h(0x07), Epoch: 9}), // the issuer's key after the scenario's rotation
			}); err != nil {
				t.Fatal(err)
			}
			if len(l.State().IssuerSetRoots("Age")) == len(replayed.IssuerSetRoots("Age")) {
				t.Fatal("staged records did not change the Age set")
			}
			st.Abort()
			if digest(t, l.State()) != before {
				t.Fatal("abort left the state changed")
			}
			same(t, l.State())
		})
	}
}
