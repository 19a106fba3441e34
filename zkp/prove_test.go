package zkp

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential"
)

type keyPair struct {
	pk *ProvingKey
	vk *VerifyingKey
}

var (
	keysMu sync.Mutex
	keys   = map[Backend]keyPair{}
)

// testKeys makes one key pair per backend per test binary.
func testKeys(t testing.TB, b Backend) (*ProvingKey, *VerifyingKey) {
	t.Helper()
	keysMu.Lock()
	defer keysMu.Unlock()
	if k, ok := keys[b]; ok {
		return k.pk, k.vk
	}
	pk, vk, err := SetupUnsafe(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	keys[b] = keyPair{pk, vk}
	return pk, vk
}

func TestProveVerifyGroth16(t *testing.T) { testProveVerify(t, Groth16) }

func TestProveVerifyPLONK(t *testing.T) {
	if testing.Short() {
		t.Skip("PLONK setup and proving take a while; run without -short")
	}
	testProveVerify(t, PLONK)
}

func testProveVerify(t *testing.T, b Backend) {
	f := newFixture(t)
	pk, vk := testKeys(t, b)
	ctx := context.Background()
	p, err := Prove(ctx, pk, &f.st, &f.hold)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := p.MarshalBinary()
	t.Logf("%s proof: %d bytes (backend proof %d)", b, len(enc), len(p.raw))
	var dec Proof
	if err := dec.UnmarshalBinary(enc); err != nil {
		t.Fatal(err)
	}
	res, err := Verify(vk, &f.st, &dec)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if len(res.Disclosed) != 1 || res.Disclosed[slotMonths] != elem(30) {
		t.Fatalf("disclosed = %v", res.Disclosed)
	}
	if res.Nullifier != Nullifier(f.hold.Secret, f.st.Scope) {
		t.Fatal("nullifier differs")
	}

	// Every public value the verifier supplies is bound by the proof.
	tests := []struct {
		name   string
		mutate func(st *Statement, p *Proof)
		want   error
	}{
		{"other nonce", func(st *Statement, _ *Proof) { st.Nonce = elem(1) }, ErrBadProof},
		{"other scope", func(st *Statement, _ *Proof) { st.Scope = elem(1) }, ErrBadProof},
		{"other today", func(st *Statement, _ *Proof) { st.Today++ }, ErrBadProof},
		{"other type", func(st *Statement, _ *Proof) { st.Type = elem(1) }, ErrBadProof},
		{"other issuer", func(st *Statement, _ *Proof) { st.IssuerKey = newKey(t, 3).Public().ZK() }, ErrBadProof},
		{"other root", func(st *Statement, p *Proof) { st.Root = elem(1); p.Root = elem(1) }, ErrBadProof},
		{"root mismatch", func(st *Statement, _ *Proof) { st.Root = elem(1) }, ErrBadProof},
		{"stricter predicate", func(st *Statement, _ *Proof) { st.Predicates[2].A = 25 }, ErrBadProof},
		{"predicate dropped", func(st *Statement, _ *Proof) { st.Predicates = st.Predicates[:3] }, ErrBadProof},
		{"disclosed value changed", func(_ *Statement, p *Proof) { p.Disclosed[slotMonths] = elem(31) }, ErrBadProof},
		{"nullifier changed", func(_ *Statement, p *Proof) { p.Nullifier = elem(31) }, ErrBadProof},
		{"mask changed", func(st *Statement, p *Proof) { st.Disclose = 0; p.Disclose = 0 }, ErrBadProof},
		{"other key", func(_ *Statement, p *Proof) { p.Fingerprint[0] ^= 1 }, ErrWrongKey},
		{"other backend", func(_ *Statement, p *Proof) { p.Backend = 3 - p.Backend }, ErrWrongKey},
		{"corrupted proof bytes", func(_ *Statement, p *Proof) { p.raw = bytes.Clone(p.raw); p.raw[len(p.raw)/2] ^= 1 }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := f.st
			st.Predicates = append([]Predicate(nil), f.st.Predicates...)
			pp := dec
			tc.mutate(&st, &pp)
			_, err := Verify(vk, &st, &pp)
			if tc.want == nil {
				if !errors.Is(err, ErrBadProof) && !errors.Is(err, ErrMalformed) {
					t.Fatalf("Verify = %v, want ErrBadProof or ErrMalformed", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestProveRefuses: the prover reports why a holding cannot satisfy a
// statement instead of failing inside the solver.
func TestProveRefuses(t *testing.T) {
	pk, _ := testKeys(t, Groth16)
	ctx := context.Background()
	tests := []struct {
		name   string
		mutate func(f *fixture)
		want   error
	}{
		{"wrong secret", func(f *fixture) { f.hold.Secret = elem(1) }, credential.ErrHolderMismatch},
		{"expired", func(f *fixture) { f.st.Today = f.hold.Credential.Core.ValidUntil + 1 }, credential.ErrExpired},
		{"revoked", func(f *fixture) {
			_ = f.tree.Revoke(f.hold.Credential.Core.RevocationIndex)
			f.st.Root = f.tree.Root()
			f.hold.Witness, _ = f.tree.Witness(f.hold.Credential.Core.RevocationIndex)
		}, credential.ErrRevoked},
		{"stale witness", func(f *fixture) { _ = f.tree.Revoke(1); f.st.Root = f.tree.Root() }, ErrUnsatisfied},
		{"predicate false", func(f *fixture) { f.st.Predicates[2].A = 31 }, ErrUnsatisfied},
		{"wrong type", func(f *fixture) { f.st.Type = elem(5) }, ErrUnsatisfied},
		{"forged signature", func(f *fixture) {
			c := *f.hold.Credential
			c.Core.Slots[slotMonths] = elem(40)
			f.hold.Credential = &c
		}, credential.ErrBadSignature},
		{"too many predicates", func(f *fixture) { f.st.Predicates = append(f.st.Predicates, f.st.Predicates[0]) }, ErrInvalidStatement},
		{"empty range", func(f *fixture) { f.st.Predicates[3].B = 0 }, ErrInvalidStatement},
		{"slot out of range", func(f *fixture) { f.st.Predicates[0].Slot = NumSlots }, ErrInvalidStatement},
		{"set too large", func(f *fixture) { f.st.Predicates[1].Set = make([]fr.Element, MaxSetSize+1) }, ErrInvalidStatement},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.mutate(f)
			if _, err := Prove(ctx, pk, &f.st, &f.hold); !errors.Is(err, tc.want) {
				t.Fatalf("Prove = %v, want %v", err, tc.want)
			}
		})
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	f := newFixture(t)
	if _, err := Prove(cctx, pk, &f.st, &f.hold); !errors.Is(err, context.Canceled) {
		t.Fatalf("Prove(cancelled) = %v", err)
	}
}

// TestCheck: Check answers as Prove's own check does, without proving.
func TestCheck(t *testing.T) {
	f := newFixture(t)
	if err := Check(&f.st, &f.hold); err != nil {
		t.Fatalf("Check(honest) = %v", err)
	}
	f.st.Today = f.hold.Credential.Core.ValidUntil + 1
	if err := Check(&f.st, &f.hold); !errors.Is(err, credential.ErrExpired) {
		t.Fatalf("Check(expired) = %v, want credential.ErrExpired", err)
	}
	if err := Check(nil, &f.hold); !errors.Is(err, ErrInvalidStatement) {
		t.Fatalf("Check(nil) = %v", err)
	}
}
