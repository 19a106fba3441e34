package zkp

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	tedwardsbn254 "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/internal/issuerset"
	"github.com/civicproof/civicproof/internal/zkhash"
)

// solveV2 runs the circuit of a's shape in gnark's test engine, leaving
// out the check named omit ("" for none).
func solveV2(a *circuitV2, omit string) error {
	c := newCircuitV2(len(a.Creds), len(a.Creds[0].RevocationPath))
	c.omit = omit
	return test.IsSolved(c, a, ecc.BN254.ScalarField())
}

// rehashV2 recomputes the statement digest from the assignment's public
// values after a test changed one, so that the only broken check is the
// one under test.
func rehashV2(t *testing.T, a *circuitV2) {
	t.Helper()
	vals := a.publicValues()
	xs := make([]fr.Element, len(vals))
	for i, v := range vals {
		if _, err := xs[i].SetInterface(v); err != nil {
			t.Fatal(err)
		}
	}
	a.Statement = zkhash.Hash(zkhash.TagStatementV2, xs...)
}

func TestCircuitV2Honest(t *testing.T) {
	for n := 1; n <= MaxCredentials; n++ {
		for _, reveal := range []bool{false, true} {
			f := newFixtureV2(t, n, reveal)
			h := f.holding(t)
			a, _, _, err := assignmentV2(&f.st, h)
			if err != nil {
				t.Fatalf("n=%d reveal=%v: %v", n, reveal, err)
			}
			if err := solveV2(a, ""); err != nil {
				t.Fatalf("n=%d reveal=%v: honest assignment not satisfied: %v", n, reveal, err)
			}
			before := a.Statement
			rehashV2(t, a) // the soundness cases rely on rehashV2 being exact
			if a.Statement != before {
				t.Fatalf("n=%d: rehashV2 differs from the native digest", n)
			}
		}
	}
}

// TestCircuitV2Soundness builds, for each check of the v2 circuit, a
// witness that violates that check and no other: the circuit rejects it,
// the first failing assertion is in the named check (gnark's test engine
// reports the stack of the failing assertion), and the same witness
// satisfies the circuit with that check left out. Where the violation is
// one the wallet refuses before proving, the native check names it too.
func TestCircuitV2Soundness(t *testing.T) {
	type tc struct {
		name  string
		n     int
		check string // the check that must fail (circuitV2.on name)
		fn    string // its function, as the stack shows it
		// setup changes the fixture before the holding is made; edit
		// changes the holding or statement after; mutate the assignment.
		setup  func(t *testing.T, f *fixtureV2)
		edit   func(t *testing.T, f *fixtureV2, h *HoldingV2)
		mutate func(a *circuitV2)
		native error // what CheckV2 says, nil when the change is to the assignment only
	}
	tests := []tc{
		{name: "statement digest", n: 1, check: "digest", fn: ".checkDigest",
			mutate: func(a *circuitV2) { a.Statement = elem(1) }},
		{name: "key outside the set (valid signature by an unaccredited key)", n: 1, check: "issuerSet", fn: ".checkIssuerSet",
			edit: func(t *testing.T, f *fixtureV2, h *HoldingV2) {
				rogue := newKey(t, 66)
				c := h.Credentials[0].Credential
				sig, err := c.Core.SignV2(rogue.ZK())
				if err != nil {
					t.Fatal(err)
				}
				c.SignatureV2 = sig
				h.Credentials[0].Issuer = issuerset.KeyLeaf(rogue.Public().ZK(), testKeyFrom, issuerset.Open, f.creds[0].tree.Root())
			}, native: ErrNotAccredited},
		{name: "issued before the key's window", n: 1, check: "window", fn: ".checkWindow",
			setup: func(t *testing.T, f *fixtureV2) { f.creds[0].leaf.From = testIssuanceDay + 1 }, native: ErrOutsideWindow},
		{name: "issued after the key's window", n: 1, check: "window", fn: ".checkWindow",
			setup: func(t *testing.T, f *fixtureV2) { f.creds[0].leaf.Until = testIssuanceDay - 1 }, native: ErrOutsideWindow},
		{name: "revoked credential under the right root", n: 1, check: "revocation", fn: ".checkRevocation",
			setup: func(t *testing.T, f *fixtureV2) {
				ic := f.creds[0]
				_ = ic.tree.Revoke(ic.core.RevocationIndex)
				ic.leaf.RevocationRoot = ic.tree.Root()
			}, native: credential.ErrRevoked},
		{name: "two holders in one proof", n: 2, check: "holder", fn: ".checkHolder",
			setup: func(t *testing.T, f *fixtureV2) {
				f.creds[1].core.HolderBinding = credential.HolderBinding(elem(987654321))
			}, native: credential.ErrHolderMismatch},
		{name: "two holders in one proof (third credential)", n: 3, check: "holder", fn: ".checkHolder",
			setup: func(t *testing.T, f *fixtureV2) {
				f.creds[2].core.HolderBinding = credential.HolderBinding(elem(987654321))
			}, native: credential.ErrHolderMismatch},
		{name: "revealed key is not the signing key", n: 1, check: "revealedKey", fn: ".checkRevealedKey",
			mutate: func(a *circuitV2) {
				k := newKey(t, 9).Public().ZK()
				a.Creds[0].IssuerX, a.Creds[0].IssuerY = k.A.X, k.A.Y
			}},
		{name: "hidden issuer but key values set", n: 1, check: "revealedKey", fn: ".checkRevealedKey",
			mutate: func(a *circuitV2) { a.Creds[0].IssuerX = a.Creds[0].KeyX }},
		{name: "wrong type", n: 1, check: "signature", fn: ".checkSignature",
			mutate: func(a *circuitV2) { a.Creds[0].Type = credential.TypeID("other", 1) }},
		{name: "tampered issuance day", n: 1, check: "signature", fn: ".checkSignature",
			mutate: func(a *circuitV2) { a.Creds[0].IssuanceDay = testIssuanceDay + 1 }},
		{name: "tampered signature", n: 2, check: "signature", fn: ".verifyEdDSA",
			mutate: func(a *circuitV2) {
				a.Creds[1].SigS = new(big.Int).Add(a.Creds[1].SigS.(*big.Int), big.NewInt(1))
			}},
		{name: "signature scalar past 252 bits (S + k·ℓ, same point)", n: 1, check: "signature", fn: ".fixedBaseMul",
			mutate: func(a *circuitV2) {
				s := a.Creds[0].SigS.(*big.Int)
				a.Creds[0].SigS = widerThan252(s)
			}},
		{name: "signature nonce point moved", n: 1, check: "signature", fn: ".verifyEdDSA",
			mutate: func(a *circuitV2) {
				r := twistedPoint(a.Creds[0].SigRX, a.Creds[0].SigRY)
				base := tedwardsbn254.GetEdwardsCurve().Base
				r.Add(&r, &base)
				a.Creds[0].SigRX, a.Creds[0].SigRY = r.X, r.Y
			}},
		{name: "claim altered", n: 1, check: "signature", fn: ".checkSignature",
			mutate: func(a *circuitV2) { a.Creds[0].Slots[9] = elem(31) }}, // a slot no predicate or disclosure reads
		{name: "expired", n: 1, check: "expiry", fn: ".checkExpiry",
			edit: func(t *testing.T, f *fixtureV2, h *HoldingV2) {
				f.st.Today = f.creds[0].core.ValidUntil + 1
			}, native: credential.ErrExpired},
		{name: "predicate false", n: 1, check: "predicates", fn: ".checkPredicates",
			edit: func(t *testing.T, f *fixtureV2, h *HoldingV2) { f.st.Predicates[2].A = 31 }, native: ErrUnsatisfied},
		{name: "predicate false on the second credential", n: 2, check: "predicates", fn: ".checkPredicates",
			edit: func(t *testing.T, f *fixtureV2, h *HoldingV2) {
				f.st.Predicates[3].Predicate = Predicate{Slot: slotBalance, Op: OpGe, A: credential.IntValue(0)}
			}, native: ErrUnsatisfied},
		{name: "disclosed value mismatch", n: 1, check: "disclosed", fn: ".checkDisclosed",
			mutate: func(a *circuitV2) { a.Creds[0].Disclosed[slotMonths] = elem(99) }},
		{name: "nullifier mismatch", n: 1, check: "nullifier", fn: ".checkNullifier",
			mutate: func(a *circuitV2) { a.Nullifier = elem(5) }},
		{name: "nullifier of another scope", n: 1, check: "nullifier", fn: ".checkNullifier",
			mutate: func(a *circuitV2) { a.Scope = elem(778) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixtureV2(t, tc.n, tc.check == "revealedKey" && tc.name != "hidden issuer but key values set")
			if tc.setup != nil {
				tc.setup(t, f)
			}
			h := f.holding(t)
			if tc.edit != nil {
				tc.edit(t, f, h)
			}
			err := CheckV2(&f.st, h)
			switch {
			case tc.native != nil && !errors.Is(err, tc.native):
				t.Fatalf("CheckV2: %v, want %v", err, tc.native)
			case tc.native == nil && err != nil:
				t.Fatalf("CheckV2 of the unmodified holding: %v", err)
			}
			a, _, _, err := fillV2(&f.st, h)
			if err != nil {
				t.Fatal(err)
			}
			if tc.mutate != nil {
				tc.mutate(a)
				if tc.check != "digest" {
					rehashV2(t, a)
				}
			}
			err = solveV2(a, "")
			if err == nil {
				t.Fatal("circuit satisfied by a violating witness")
			}
			if !strings.Contains(err.Error(), tc.fn+"\n") {
				t.Fatalf("failed outside %s: %.600s", tc.fn, err)
			}
			if err := solveV2(a, tc.check); err != nil {
				t.Fatalf("the witness also violates a check other than %s: %.600s", tc.check, err)
			}
		})
	}
}

// TestCircuitV2UnusedPredicatesInert: with 0 to 4 predicates the honest
// assignment solves, and an unused position cannot be given a kind
// without changing the statement digest.
func TestCircuitV2UnusedPredicatesInert(t *testing.T) {
	f := newFixtureV2(t, 2, false)
	h := f.holding(t)
	all := f.st.Predicates
	for k := 0; k <= len(all); k++ {
		f.st.Predicates = all[:k]
		a, _, _, err := assignmentV2(&f.st, h)
		if err != nil {
			t.Fatalf("%d predicates: %v", k, err)
		}
		if err := solveV2(a, ""); err != nil {
			t.Fatalf("%d predicates: %v", k, err)
		}
		if k < MaxPredicates {
			a.Preds[k].Meta = slotMonths | metaRange
			a.Preds[k].Vals[0], a.Preds[k].Vals[1] = 0, 1
			if err := solveV2(a, ""); err == nil || !strings.Contains(err.Error(), ".checkDigest\n") {
				t.Fatalf("%d predicates: an unused position changed without changing the digest: %v", k, err)
			}
		}
	}
}

var _ frontend.Circuit = (*circuitV2)(nil)
