package zkp

import (
	"bytes"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
)

// Slots of the test credential.
const (
	slotBirth    = 0 // date
	slotDistrict = 1 // hashed string
	slotMonths   = 2 // unsigned
	slotBalance  = 3 // integer
)

var testToday = credential.DayValue(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))

// fixture is a signed credential, its holder's secret, a revocation tree
// and a statement that the credential satisfies.
type fixture struct {
	issuer *identity.PrivateKey
	tree   *revocation.Tree
	hold   Holding
	st     Statement
}

func elem(x uint64) fr.Element { var e fr.Element; e.SetUint64(x); return e }

func newFixture(t testing.TB) *fixture {
	t.Helper()
	issuer, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	secret := elem(123456789)
	core := credential.Core{
		Type:            credential.TypeID("civicproof:test-identity", 1),
		HolderBinding:   credential.HolderBinding(secret),
		ValidUntil:      credential.DayValue(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)),
		RevocationIndex: 4242,
		Salt:            elem(99),
	}
	abs := credential.AbsentValue()
	for i := range core.Slots {
		core.Slots[i] = abs
		core.ClaimSalts[i] = elem(uint64(1000 + i))
	}
	core.Slots[slotBirth] = elem(credential.DayValue(time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)))
	core.Slots[slotDistrict] = credential.HashString("Ward 3")
	core.Slots[slotMonths] = elem(30)
	core.Slots[slotBalance] = elem(credential.IntValue(-250))
	sig, err := core.Sign(issuer.ZK())
	if err != nil {
		t.Fatal(err)
	}
	tree := revocation.NewTree()
	_ = tree.Revoke(17)
	w, _ := tree.Witness(core.RevocationIndex)
	f := &fixture{issuer: issuer, tree: tree}
	f.hold = Holding{Credential: &credential.Credential{Core: core, Signature: sig, IssuerKey: issuer.Public().ZK()}, Secret: secret, Witness: w}
	adult := credential.DayValue(time.Date(2008, 11, 24, 0, 0, 0, 0, time.UTC))
	f.st = Statement{
		Request: Request{
			Type:     core.Type,
			Disclose: 1 << slotMonths,
			Predicates: []Predicate{
				{Slot: slotBirth, Op: OpLe, A: adult},
				{Slot: slotDistrict, Op: OpInSet, Set: []fr.Element{credential.HashString("Ward 1"), credential.HashString("Ward 3")}},
				{Slot: slotMonths, Op: OpGe, A: 24},
				{Slot: slotBalance, Op: OpInRange, A: credential.IntValue(-1000), B: credential.IntValue(0)},
			},
			Nonce: elem(5555),
			Scope: elem(777),
		},
		IssuerKey: issuer.Public().ZK(),
		Root:      tree.Root(),
		Today:     testToday,
	}
	return f
}

var farFuture = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)

func newKey(t testing.TB, n byte) *identity.PrivateKey {
	t.Helper()
	k, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{n}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
