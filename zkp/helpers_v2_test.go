package zkp

import (
	"fmt"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/issuerset"
)

var (
	testIssuanceDay = credential.DayValue(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	testKeyFrom     = credential.DayValue(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
)

// issuedV2 is one credential of a v2 fixture and everything its issuer
// and its type's issuer set give the holder.
type issuedV2 struct {
	issuer *identity.PrivateKey
	core   credential.Core
	tree   *revocation.Tree // the issuer's revocation tree
	leaf   issuerset.Leaf   // the issuer's leaf
	others []issuerset.Leaf // the other keys of the type's set
}

// fixtureV2 is n credentials of different types and issuers bound to one
// holder secret, and a statement they satisfy: K = 4 predicates spread
// over the credentials, credential 0 disclosing slotMonths.
type fixtureV2 struct {
	secret fr.Element
	creds  []*issuedV2
	st     StatementV2
}

func newFixtureV2(t testing.TB, n int, reveal bool) *fixtureV2 {
	t.Helper()
	f := &fixtureV2{secret: elem(123456789)}
	adult := credential.DayValue(time.Date(2008, 11, 24, 0, 0, 0, 0, time.UTC))
	all := []PredicateV2{
		{Cred: 0, Predicate: Predicate{Slot: slotBirth, Op: OpLe, A: adult}},
		{Cred: 0, Predicate: Predicate{Slot: slotDistrict, Op: OpInSet, Set: []fr.Element{credential.HashString("Ward 1"), credential.HashString("Ward 3")}}},
		{Cred: uint8(min(1, n-1)), Predicate: Predicate{Slot: slotMonths, Op: OpGe, A: 24}},
		{Cred: uint8(n - 1), Predicate: Predicate{Slot: slotBalance, Op: OpInRange, A: credential.IntValue(-1000), B: credential.IntValue(0)}},
	}
	f.st = StatementV2{
		RequestV2: RequestV2{Predicates: all, Nonce: elem(5555), Scope: elem(777)},
		Today:     testToday,
	}
	for i := range n {
		ic := &issuedV2{issuer: newKey(t, byte(20+i)), tree: revocation.NewTree()}
		ic.core = credential.Core{
			Type:            credential.TypeID(fmt.Sprintf("civicproof:test-v2-%d", i), 1),
			HolderBinding:   credential.HolderBinding(f.secret),
			ValidUntil:      credential.DayValue(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)),
			RevocationIndex: 4242 + uint32(i),
			IssuanceDay:     testIssuanceDay,
			Salt:            elem(99 + uint64(i)),
		}
		abs := credential.AbsentValue()
		for j := range ic.core.Slots {
			ic.core.Slots[j] = abs
			ic.core.ClaimSalts[j] = elem(uint64(1000 + 100*i + j))
		}
		ic.core.Slots[slotBirth] = elem(credential.DayValue(time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)))
		ic.core.Slots[slotDistrict] = credential.HashString("Ward 3")
		ic.core.Slots[slotMonths] = elem(30)
		ic.core.Slots[slotBalance] = elem(credential.IntValue(-250))
		_ = ic.tree.Revoke(17)
		other := newKey(t, byte(40+i)).Public().ZK()
		ic.others = []issuerset.Leaf{issuerset.KeyLeaf(other, testKeyFrom, issuerset.Open, revocation.Empty(revocation.Levels))}
		ic.leaf = issuerset.KeyLeaf(ic.issuer.Public().ZK(), testKeyFrom, issuerset.Open, ic.tree.Root())
		f.creds = append(f.creds, ic)
		req := CredentialRequest{Type: ic.core.Type, RevealIssuer: reveal}
		if i == 0 {
			req.Disclose = 1 << slotMonths
		}
		f.st.Credentials = append(f.st.Credentials, req)
	}
	return f
}

// holding signs each credential (v2 message), builds each type's issuer
// set with the issuer's leaf at index 1, sets the statement's roots to
// the sets' roots, and returns the holding.
func (f *fixtureV2) holding(t testing.TB) *HoldingV2 {
	t.Helper()
	h := &HoldingV2{Secret: f.secret}
	f.st.IssuerSets = make([]fr.Element, len(f.creds))
	for i, ic := range f.creds {
		sig, err := ic.core.SignV2(ic.issuer.ZK())
		if err != nil {
			t.Fatal(err)
		}
		leaves := append([]issuerset.Leaf{ic.others[0], ic.leaf}, ic.others[1:]...)
		set, err := issuerset.Build(leaves)
		if err != nil {
			t.Fatal(err)
		}
		path, err := set.Path(1)
		if err != nil {
			t.Fatal(err)
		}
		w, err := ic.tree.Witness(ic.core.RevocationIndex)
		if err != nil {
			t.Fatal(err)
		}
		f.st.IssuerSets[i] = set.Root()
		core := ic.core
		h.Credentials = append(h.Credentials, HeldCredential{
			Credential: &credential.Credential{Core: core, SignatureV2: sig, IssuerKey: ic.issuer.Public().ZK()},
			Issuer:     ic.leaf,
			IssuerPath: path,
			Revocation: w,
		})
	}
	return h
}
