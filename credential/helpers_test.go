package credential

import (
	"bytes"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/identity"
)

func i64(v int64) *int64 { return &v }

// testSchema has one claim of every type.
func testSchema(t testing.TB) *Schema {
	t.Helper()
	s, err := NewSchema("CivicTestCard", 1,
		ClaimDef{Name: "birthDate", Type: TypeDate, Slot: 0, Required: true},
		ClaimDef{Name: "balance", Type: TypeInteger, Slot: 1, Min: i64(-1000), Max: i64(1000)},
		ClaimDef{Name: "monthsPaid", Type: TypeUnsigned, Slot: 2, Max: i64(600)},
		ClaimDef{Name: "resident", Type: TypeBool, Slot: 3, Required: true},
		ClaimDef{Name: "licenceClass", Type: TypeEnum, Slot: 4, Values: []string{"A", "B", "C"}},
		ClaimDef{Name: "district", Type: TypeString, Slot: 5, Required: true, MaxLen: 64},
		ClaimDef{Name: "photoHash", Type: TypeBytes, Slot: 6, MaxLen: 32},
		ClaimDef{Name: "serial", Type: TypeUnsigned, Slot: 9},
	)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testClaims() Claims {
	return Claims{
		"birthDate":    "2000-02-29",
		"balance":      -12,
		"monthsPaid":   uint64(30),
		"resident":     true,
		"licenceClass": "B",
		"district":     "Ward 7 — Đống Đa",
		"photoHash":    bytes.Repeat([]byte{0xab}, 32),
	}
}

func testKey(t testing.TB, n byte) *identity.PrivateKey {
	t.Helper()
	k, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{n}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// detRand is a deterministic io.Reader for tests.
func detRand(seed byte) *mrand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return mrand.NewChaCha8(s)
}

var testNow = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

// testCredential signs a credential with fixed keys and randomness.
func testCredential(t testing.TB) (*Credential, fr.Element) {
	t.Helper()
	secret, err := NewHolderSecret(detRand(9))
	if err != nil {
		t.Fatal(err)
	}
	holder := testKey(t, 2)
	c, err := Sign(detRand(1), testKey(t, 1), testSchema(t), &Request{
		Holder:        holder.DID(),
		HolderBinding: HolderBinding(secret),
		Claims:        testClaims(),
		ValidUntil:    time.Date(2031, 11, 23, 0, 0, 0, 0, time.UTC),
	}, 4242, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return c, secret
}
