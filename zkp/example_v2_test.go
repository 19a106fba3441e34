package zkp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/issuerset"
	"github.com/civicproof/civicproof/zkp"
)

// v2Setup is what the examples share: a credential signed by one of two
// keys accredited for its type, the type's issuer set, and a request
// that hides the issuer.
func v2Setup() (*zkp.StatementV2, *zkp.HoldingV2, *revocation.Tree) {
	day := func(y int, m time.Month, d int) uint64 {
		return credential.DayValue(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
	}
	elem := func(x uint64) fr.Element { var e fr.Element; e.SetUint64(x); return e }

	// The issuer signs a credential bound to the holder's secret;
	// credential.Sign makes both the v1 and the v2 signature, here the
	// core is signed directly.
	issuer, _ := identity.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	secret := elem(424242) // credential.NewHolderSecret in a real wallet
	core := credential.Core{
		Type:            credential.TypeID("BirthCertificate", 1),
		HolderBinding:   credential.HolderBinding(secret),
		ValidUntil:      day(2036, 1, 1),
		RevocationIndex: 7,
		IssuanceDay:     day(2026, 3, 1),
		Salt:            elem(1),
	}
	for i := range core.Slots {
		core.Slots[i] = credential.AbsentValue()
		core.ClaimSalts[i] = elem(uint64(100 + i))
	}
	core.Slots[0] = elem(day(2000, 2, 29)) // birth date
	sig, _ := core.SignV2(issuer.ZK())

	// The ledger's issuer set for the type: every key accredited for it,
	// with its window and its agency's revocation root.
	tree := revocation.NewTree()
	other, _ := identity.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32))
	leaves := []issuerset.Leaf{
		issuerset.KeyLeaf(other.Public().ZK(), day(2024, 1, 1), issuerset.Open, revocation.Empty(revocation.Levels)),
		issuerset.KeyLeaf(issuer.Public().ZK(), day(2025, 1, 1), issuerset.Open, tree.Root()),
	}
	set, _ := issuerset.Build(leaves)
	path, _ := set.Path(1)
	witness, _ := tree.Witness(core.RevocationIndex)

	holding := &zkp.HoldingV2{
		Secret: secret,
		Credentials: []zkp.HeldCredential{{
			Credential: &credential.Credential{Core: core, SignatureV2: sig, IssuerKey: issuer.Public().ZK()},
			Issuer:     leaves[1],
			IssuerPath: path,
			Revocation: witness,
		}},
	}
	// The verifier's statement: its request, the set root of each
	// requested type (from the ledger) and its today.
	st := &zkp.StatementV2{
		RequestV2: zkp.RequestV2{
			Credentials: []zkp.CredentialRequest{{Type: core.Type}}, // issuer hidden
			Predicates:  []zkp.PredicateV2{{Cred: 0, Predicate: zkp.Predicate{Slot: 0, Op: zkp.OpLe, A: day(2008, 11, 24)}}},
			Nonce:       elem(1001),
			Scope:       elem(2002),
		},
		IssuerSets: []fr.Element{set.Root()},
		Today:      day(2026, 11, 24),
	}
	return st, holding, tree
}

// A wallet checks, before asking its user, whether a held credential
// answers a v2 request: here it does, and once the issuer revokes it (a
// new revocation root, hence a new leaf and set root on the ledger) the
// old witness no longer proves anything.
func ExampleCheckV2() {
	st, holding, tree := v2Setup()
	fmt.Println("answers:", zkp.CheckV2(st, holding))

	_ = tree.Revoke(7)
	hc := &holding.Credentials[0]
	hc.Issuer.RevocationRoot = tree.Root()
	set, _ := issuerset.Build([]issuerset.Leaf{{}, hc.Issuer})
	hc.IssuerPath, _ = set.Path(1)
	st.IssuerSets[0] = set.Root()
	hc.Revocation, _ = tree.Witness(7)
	err := zkp.CheckV2(st, holding)
	fmt.Println("after revocation:", errors.Is(err, credential.ErrRevoked))
	// Output:
	// answers: <nil>
	// after revocation: true
}

// The full v2 flow: keys of the one-credential shape, a proof, its
// encoding, and the verifier's check against its own statement. (Not run
// as a test: SetupShapeUnsafe takes seconds; TestProveVerifyV2 runs the
// same steps.)
func ExampleProveV2() {
	st, holding, _ := v2Setup()
	ctx := context.Background()
	shape := st.Shape(zkp.Groth16)                  // civicproof/presentation/v2-n1/groth16
	pk, vk, err := zkp.SetupShapeUnsafe(ctx, shape) // a Ceremony, or KeyCache.LoadOrSetupShapeUnsafe, in practice
	if err != nil {
		panic(err)
	}
	proof, err := zkp.ProveV2(ctx, pk, st, holding)
	if err != nil {
		panic(err)
	}
	enc, _ := proof.MarshalBinary()

	// The verifier reads the header to pick the key and to check that the
	// issuer-set roots are ones it accepts, then verifies.
	hdr, _ := zkp.InspectV2(enc)
	fmt.Println(hdr.Shape, hdr.IssuerSets[0] == st.IssuerSets[0])
	var received zkp.ProofV2
	if err := received.UnmarshalBinary(enc); err != nil {
		panic(err)
	}
	res, err := zkp.VerifyV2(vk, st, &received)
	fmt.Println("verified:", err == nil, "issuer revealed:", res.Credentials[0].IssuerKey != nil)
}
