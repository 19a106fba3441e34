package zkp

import (
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"

	"github.com/civicproof/civicproof/credential"
)

func solve(a *presentationCircuit) error {
	return test.IsSolved(&presentationCircuit{}, a, ecc.BN254.ScalarField())
}

// rehash recomputes the statement digest after a test changed a public
// value, so that the only broken check is the one under test.
func rehash(t *testing.T, a *presentationCircuit) {
	t.Helper()
	var xs []fr.Element
	vals := []frontend.Variable{a.IssuerX, a.IssuerY, a.Type, a.Today, a.Root, a.Nonce, a.Scope, a.Nullifier, a.Mask}
	vals = append(vals, a.Disclosed[:]...)
	for _, p := range a.Preds {
		vals = append(vals, p.Meta, p.Lo, p.Hi)
		vals = append(vals, p.Set[:]...)
	}
	for _, v := range vals {
		var e fr.Element
		if _, err := e.SetInterface(v); err != nil {
			t.Fatal(err)
		}
		xs = append(xs, e)
	}
	a.Statement = digestOf(xs)
}

func TestCircuitHonest(t *testing.T) {
	f := newFixture(t)
	a, _, _, err := assignment(&f.st, &f.hold)
	if err != nil {
		t.Fatal(err)
	}
	if err := solve(a); err != nil {
		t.Fatalf("honest assignment not satisfied: %v", err)
	}
	rehash(t, a) // the soundness cases rely on rehash being exact
	if err := solve(a); err != nil {
		t.Fatalf("rehashed honest assignment not satisfied: %v", err)
	}
}

// TestCircuitSoundness violates each check of the circuit with a crafted
// assignment (the statement digest recomputed where a public value
// changed) and asserts the circuit is unsatisfiable.
func TestCircuitSoundness(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		mutate func(a *presentationCircuit)
		public bool // the change touches a public value: rehash
	}{
		{"statement digest", func(a *presentationCircuit) { a.Statement = elem(1) }, false},
		{"wrong signature S", func(a *presentationCircuit) { a.SigS = new(big.Int).Add(a.SigS.(*big.Int), big.NewInt(1)) }, false},
		{"wrong issuer key", func(a *presentationCircuit) {
			k := newKey(t, 9).Public().ZK()
			a.IssuerX, a.IssuerY = k.A.X, k.A.Y
		}, true},
		{"claim altered", func(a *presentationCircuit) { a.Slots[slotMonths] = elem(31) }, false},
		{"salt altered", func(a *presentationCircuit) { a.Salt = elem(1) }, false},
		{"wrong type", func(a *presentationCircuit) { a.Type = credential.TypeID("other", 1) }, true},
		{"wrong secret", func(a *presentationCircuit) { a.Secret = elem(1) }, false},
		{"expired", func(a *presentationCircuit) { a.Today = f.hold.Credential.Core.ValidUntil + 1 }, true},
		{"validUntil altered", func(a *presentationCircuit) { a.ValidUntil = elem(credential.DayValue(farFuture)) }, false},
		{"revoked leaf (other root)", func(a *presentationCircuit) {
			_ = f.tree.Revoke(f.hold.Credential.Core.RevocationIndex)
			a.Root = f.tree.Root()
		}, true},
		{"wrong revocation index", func(a *presentationCircuit) { a.RevocationIndex = 4243 }, false},
		{"tampered sibling", func(a *presentationCircuit) { a.Siblings[3][1] = elem(3) }, false},
		{"root not the tree's", func(a *presentationCircuit) { a.Root = elem(3) }, true},
		{"predicate le false", func(a *presentationCircuit) { a.Preds[0].Hi = a.Preds[0].Lo }, true},
		{"predicate set false", func(a *presentationCircuit) { a.Preds[1].Set = [MaxSetSize]frontend.Variable{1, 1, 1, 1, 1, 1, 1, 1} }, true},
		{"predicate ge false", func(a *presentationCircuit) { a.Preds[2].Lo = 31 }, true},
		{"predicate ne false", func(a *presentationCircuit) {
			a.Preds[2].Meta = slotMonths | flagNe
			a.Preds[2].Lo, a.Preds[2].Hi = 0, 0
			a.Preds[2].Set = [MaxSetSize]frontend.Variable{30, 0, 0, 0, 0, 0, 0, 0}
		}, true},
		{"range on absent slot", func(a *presentationCircuit) { a.Preds[2].Meta = 9 | flagRange; a.Preds[2].Lo = 0 }, true},
		{"two kinds at once", func(a *presentationCircuit) { a.Preds[3].Meta = slotBalance | flagRange | flagSet }, true},
		{"disclosed value changed", func(a *presentationCircuit) { a.Disclosed[slotMonths] = elem(99) }, true},
		{"wrong nullifier", func(a *presentationCircuit) { a.Nullifier = elem(5) }, true},
		{"nullifier of another scope", func(a *presentationCircuit) { a.Scope = elem(778) }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.tree = newFixture(t).tree
			a, _, _, err := assignment(&f.st, &f.hold)
			if err != nil {
				t.Fatal(err)
			}
			tc.mutate(a)
			if tc.public {
				rehash(t, a)
			}
			if err := solve(a); err == nil {
				t.Fatal("circuit satisfied by a violating assignment")
			}
		})
	}
}

// TestUnusedPredicatesInert: with 0 to 4 predicates the honest assignment
// solves (unused positions constrain nothing), and an unused position
// cannot be given a kind without changing the statement digest, so the
// verifier's statement fixes which positions are used.
func TestUnusedPredicatesInert(t *testing.T) {
	f := newFixture(t)
	all := f.st.Predicates
	for k := 0; k <= len(all); k++ {
		f.st.Predicates = all[:k]
		a, _, _, err := assignment(&f.st, &f.hold)
		if err != nil {
			t.Fatalf("%d predicates: %v", k, err)
		}
		if err := solve(a); err != nil {
			t.Fatalf("%d predicates: %v", k, err)
		}
		if k < MaxPredicates {
			// Give the first unused position a false predicate without
			// touching the statement digest: unsatisfiable.
			a.Preds[k].Meta = slotMonths | flagRange
			a.Preds[k].Lo, a.Preds[k].Hi = 0, 1
			if err := solve(a); err == nil {
				t.Fatalf("%d predicates: an unused position changed without changing the digest", k)
			}
		}
	}
}
