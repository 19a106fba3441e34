package zkp

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// TestSumDigests: digests finished together (as a batch check does) equal
// the digests finished one by one, for v1 statements and for v2 statements
// of one to three credentials, both issuer forms, several requests, days
// and nullifiers mixed in one batch.
func TestSumDigests(t *testing.T) {
	var ins []digestInput
	var want []fr.Element
	add := func(in digestInput, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		ins, want = append(ins, in), append(want, in.sum())
	}
	f1 := newFixture(t)
	for k := range 6 {
		st := f1.st
		st.Nonce = elem(uint64(100 + k))
		var disclosed [NumSlots]fr.Element
		disclosed[slotMonths] = elem(30)
		add(st.digestInput(elem(uint64(k)), &disclosed))
	}
	for n := 1; n <= MaxCredentials; n++ {
		for _, reveal := range []bool{false, true} {
			f := newFixtureV2(t, n, reveal)
			for k := range 7 {
				st := cloneStatementV2(&f.st)
				st.Nonce = elem(uint64(200 + k))
				st.Today += uint64(k % 2) // two prefixes
				st.IssuerSets = make([]fr.Element, n)
				for i := range n {
					st.IssuerSets[i] = elem(uint64(50 + i))
				}
				creds := make([]proven, n)
				for i := range creds {
					creds[i].disclosed[slotMonths] = elem(uint64(30 + k))
					if reveal {
						creds[i].issuerX, creds[i].issuerY = elem(uint64(k)), elem(uint64(i))
					}
				}
				add(st.digestInput(elem(uint64(300+k)), creds))
			}
		}
	}
	got := sumDigests(ins)
	if len(got) != len(want) {
		t.Fatalf("%d digests for %d inputs", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("digest %d: finished together differs from one by one", i)
		}
	}
	// And one by one equals the digest Verify uses.
	st := cloneStatementV2(&newFixtureV2(t, 1, false).st)
	st.IssuerSets = []fr.Element{elem(50)}
	creds := make([]proven, 1)
	d, err := st.digest(elem(9), creds)
	in, err2 := st.digestInput(elem(9), creds)
	if err != nil || err2 != nil || in.sum() != d {
		t.Fatalf("digestInput does not finish to digest: %v, %v", err, err2)
	}
}
