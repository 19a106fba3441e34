package zkp_test

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/zkp"
)

// A citizen proves they were born on or before 24 November 2008 (adult on
// 24 November 2026) without revealing the date, and the verifier checks
// the proof against its own statement.
func Example() {
	day := func(y int, m time.Month, d int) uint64 {
		return credential.DayValue(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
	}
	elem := func(x uint64) fr.Element { var e fr.Element; e.SetUint64(x); return e }

	// The issuer signs a credential bound to the holder's secret.
	issuer, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		panic(err)
	}
	secret := elem(424242) // credential.NewHolderSecret in a real wallet
	core := credential.Core{
		Type:            credential.TypeID("BirthCertificate", 1),
		HolderBinding:   credential.HolderBinding(secret),
		ValidUntil:      day(2036, 1, 1),
		RevocationIndex: 7,
		Salt:            elem(1),
	}
	for i := range core.Slots {
		core.Slots[i] = credential.AbsentValue()
		core.ClaimSalts[i] = elem(uint64(100 + i))
	}
	core.Slots[0] = elem(day(2000, 2, 29)) // birth date
	sig, err := core.Sign(issuer.ZK())
	if err != nil {
		panic(err)
	}
	tree := revocation.NewTree() // the issuer's revocation tree, nothing revoked
	witness, err := tree.Witness(core.RevocationIndex)
	if err != nil {
		panic(err)
	}
	holding := &zkp.Holding{
		Credential: &credential.Credential{Core: core, Signature: sig, IssuerKey: issuer.Public().ZK()},
		Secret:     secret,
		Witness:    witness,
	}

	// The verifier's statement: its request, the issuer's key and
	// revocation root from the ledger, and its today.
	st := &zkp.Statement{
		Request: zkp.Request{
			Type:       core.Type,
			Predicates: []zkp.Predicate{{Slot: 0, Op: zkp.OpLe, A: day(2008, 11, 24)}},
			Nonce:      elem(1001),
			Scope:      elem(2002),
		},
		IssuerKey: issuer.Public().ZK(),
		Root:      tree.Root(),
		Today:     day(2026, 11, 24),
	}

	ctx := context.Background()
	pk, vk, err := zkp.SetupUnsafe(ctx, zkp.Groth16) // a Ceremony in production
	if err != nil {
		panic(err)
	}
	proof, err := zkp.Prove(ctx, pk, st, holding)
	if err != nil {
		panic(err)
	}
	enc, _ := proof.MarshalBinary()

	// The verifier decodes the proof and checks it.
	var received zkp.Proof
	if err := received.UnmarshalBinary(enc); err != nil {
		panic(err)
	}
	res, err := zkp.Verify(vk, st, &received)
	fmt.Println("verified:", err == nil)
	fmt.Println("proof:", len(enc), "bytes")
	fmt.Println("disclosed:", len(res.Disclosed), "claims")
	fmt.Println("nullifier is the holder's for this scope:", res.Nullifier == zkp.Nullifier(secret, st.Scope))

	// Born a day too late: the wallet refuses to prove.
	st.Predicates[0].A = day(2000, 2, 28)
	_, err = zkp.Prove(ctx, pk, st, holding)
	fmt.Println("stricter request:", err)
	// Output:
	// verified: true
	// proof: 231 bytes
	// disclosed: 0 claims
	// nullifier is the holder's for this scope: true
	// stricter request: zkp: credential does not satisfy the statement: predicate 0 (le on slot 0) is false
}
