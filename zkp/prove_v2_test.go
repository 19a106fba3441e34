package zkp

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential"
)

var (
	shapeKeysMu sync.Mutex
	shapeKeys   = map[Shape]keyPair{}
)

// testShapeKeys makes one key pair per shape per test binary.
func testShapeKeys(t testing.TB, s Shape) (*ProvingKey, *VerifyingKey) {
	t.Helper()
	shapeKeysMu.Lock()
	defer shapeKeysMu.Unlock()
	if k, ok := shapeKeys[s]; ok {
		return k.pk, k.vk
	}
	pk, vk, err := SetupShapeUnsafe(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	shapeKeys[s] = keyPair{pk, vk}
	return pk, vk
}

// TestProveVerifyV2 proves and verifies with real Groth16 keys: one
// credential issuer-hiding (also under -short) and issuer-revealing, two
// and three credentials; each proof is encoded, decoded and verified, and
// every value the verifier supplies is shown to be bound.
func TestProveVerifyV2(t *testing.T) {
	cases := []struct {
		n      int
		reveal bool
	}{{1, false}, {1, true}, {2, false}, {3, true}}
	for _, c := range cases {
		name := map[bool]string{false: "hiding", true: "revealing"}[c.reveal]
		t.Run(strings.Repeat("I", c.n)+"-"+name, func(t *testing.T) {
			if testing.Short() && (c.n > 1 || c.reveal) {
				t.Skip("setup and proving of the larger shapes take a while; run without -short")
			}
			testProveVerifyV2(t, c.n, c.reveal)
		})
	}
}

func testProveVerifyV2(t *testing.T, n int, reveal bool) {
	f := newFixtureV2(t, n, reveal)
	h := f.holding(t)
	pk, vk := testShapeKeys(t, ShapeV2(Groth16, n))
	ctx := context.Background()
	p, err := ProveV2(ctx, pk, &f.st, h)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("n=%d reveal=%v: proof %d bytes (backend proof %d)", n, reveal, len(enc), len(p.raw))
	var dec ProofV2
	if err := dec.UnmarshalBinary(enc); err != nil {
		t.Fatal(err)
	}
	hdr, err := InspectV2(enc)
	if err != nil || hdr.Shape != ShapeV2(Groth16, n) || hdr.Fingerprint != vk.Fingerprint() || len(hdr.IssuerSets) != n || hdr.IssuerSets[0] != f.st.IssuerSets[0] {
		t.Fatalf("InspectV2: %+v, %v", hdr, err)
	}
	res, err := VerifyV2(vk, &f.st, &dec)
	if err != nil {
		t.Fatalf("VerifyV2: %v", err)
	}
	if res.Nullifier != Nullifier(f.secret, f.st.Scope) {
		t.Fatal("nullifier differs")
	}
	if len(res.Credentials) != n || len(res.Credentials[0].Disclosed) != 1 || res.Credentials[0].Disclosed[slotMonths] != elem(30) {
		t.Fatalf("disclosed = %+v", res.Credentials)
	}
	for i, cr := range res.Credentials {
		switch {
		case reveal && (cr.IssuerKey == nil || !cr.IssuerKey.A.Equal(&f.creds[i].issuer.Public().ZK().A)):
			t.Fatalf("credential %d: revealed key is not the issuer's", i)
		case !reveal && cr.IssuerKey != nil:
			t.Fatalf("credential %d: hidden issuer revealed", i)
		}
	}

	// Every value the verifier supplies is bound by the proof.
	tests := []struct {
		name   string
		mutate func(st *StatementV2, p *ProofV2)
		want   error
	}{
		{"today", func(st *StatementV2, p *ProofV2) { st.Today++ }, ErrBadProof},
		{"nonce", func(st *StatementV2, p *ProofV2) { st.Nonce = elem(1) }, ErrBadProof},
		{"scope", func(st *StatementV2, p *ProofV2) { st.Scope = elem(1) }, ErrBadProof},
		{"type", func(st *StatementV2, p *ProofV2) { st.Credentials[n-1].Type = elem(1) }, ErrBadProof},
		{"issuer set of the statement", func(st *StatementV2, p *ProofV2) { st.IssuerSets[n-1] = elem(1) }, ErrBadProof},
		{"issuer set of both", func(st *StatementV2, p *ProofV2) {
			st.IssuerSets[0] = elem(1)
			p.Credentials[0].IssuerSet = elem(1)
		}, ErrBadProof},
		{"predicate bound", func(st *StatementV2, p *ProofV2) { st.Predicates[2].A = 23 }, ErrBadProof},
		{"predicate credential", func(st *StatementV2, p *ProofV2) {
			st.Predicates[0].Cred = uint8(n - 1)
			if n == 1 {
				st.Predicates = st.Predicates[1:]
			}
		}, ErrBadProof},
		{"disclosure mask", func(st *StatementV2, p *ProofV2) {
			st.Credentials[0].Disclose |= 1
			p.Credentials[0].Disclose |= 1
		}, ErrBadProof},
		{"issuer form", func(st *StatementV2, p *ProofV2) {
			st.Credentials[0].RevealIssuer = !reveal
			p.Credentials[0].RevealIssuer = !reveal
		}, ErrBadProof},
		{"disclosed value", func(st *StatementV2, p *ProofV2) { p.Credentials[0].Disclosed[slotMonths] = elem(31) }, ErrBadProof},
		{"nullifier", func(st *StatementV2, p *ProofV2) { p.Nullifier = elem(1) }, ErrBadProof},
		{"revealed key", func(st *StatementV2, p *ProofV2) {
			k := newKey(t, 9).Public().ZK()
			st.Credentials[0].RevealIssuer, p.Credentials[0].RevealIssuer = true, true
			p.Credentials[0].IssuerX, p.Credentials[0].IssuerY = k.A.X, k.A.Y
		}, ErrBadProof},
		{"fingerprint", func(st *StatementV2, p *ProofV2) { p.Fingerprint[0] ^= 1 }, ErrWrongKey},
		{"credential count", func(st *StatementV2, p *ProofV2) {
			st.Credentials = append(st.Credentials, st.Credentials[0])
			st.IssuerSets = append(st.IssuerSets, st.IssuerSets[0])
		}, map[bool]error{true: ErrInvalidStatement, false: ErrWrongKey}[n == MaxCredentials]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := cloneStatementV2(&f.st)
			q := dec
			q.Credentials = append([]ProvenCredential(nil), dec.Credentials...)
			tc.mutate(st, &q)
			if _, err := VerifyV2(vk, st, &q); !errors.Is(err, tc.want) {
				t.Fatalf("VerifyV2: %v, want %v", err, tc.want)
			}
		})
	}

	// A key of another shape neither proves nor verifies.
	if n == 1 {
		pk1, vk1 := testKeys(t, Groth16)
		if _, err := ProveV2(ctx, pk1, &f.st, h); !errors.Is(err, ErrWrongKey) {
			t.Fatalf("ProveV2 with a v1 key: %v, want ErrWrongKey", err)
		}
		if _, err := VerifyV2(vk1, &f.st, &dec); !errors.Is(err, ErrWrongKey) {
			t.Fatalf("VerifyV2 with a v1 key: %v, want ErrWrongKey", err)
		}
		fx := newFixture(t)
		if _, err := Prove(ctx, pk, &fx.st, &fx.hold); !errors.Is(err, ErrWrongKey) {
			t.Fatalf("Prove (v1) with a v2 key: %v, want ErrWrongKey", err)
		}
		// The same proof in a batch with a tampered copy.
		bad := dec
		bad.Nullifier = elem(2)
		items := []BatchItemV2{{&f.st, &dec}, {&f.st, &bad}, {&f.st, &dec}}
		res, errs := VerifyBatchV2(vk, items, nil)
		if errs[0] != nil || errs[2] != nil || res[0] == nil || !errors.Is(errs[1], ErrBadProof) || res[1] != nil {
			t.Fatalf("VerifyBatchV2: %v", errs)
		}
		// Solidity: the v2 key renders and the proof has its 256-byte form.
		var sol bytes.Buffer
		if err := vk.ExportSolidity(&sol); err != nil || !strings.Contains(sol.String(), "function verifyProof") {
			t.Fatalf("ExportSolidity: %v", err)
		}
		if b, err := dec.MarshalSolidity(); err != nil || len(b) != SolidityProofSize {
			t.Fatalf("MarshalSolidity: %d bytes, %v", len(b), err)
		}
		in, err := StatementInputV2(&f.st, &dec)
		if d, _ := precheckV2(vk, &f.st, &dec); err != nil || in != d.Bytes() {
			t.Fatalf("StatementInputV2: %v", err)
		}
	}
}

func cloneStatementV2(s *StatementV2) *StatementV2 {
	c := *s
	c.Credentials = append([]CredentialRequest(nil), s.Credentials...)
	c.Predicates = append([]PredicateV2(nil), s.Predicates...)
	c.IssuerSets = append([]fr.Element(nil), s.IssuerSets...)
	return &c
}

// TestCheckV2 names why a holding cannot answer a statement, before
// anything is proven.
func TestCheckV2(t *testing.T) {
	f := newFixtureV2(t, 2, false)
	h := f.holding(t)
	if err := CheckV2(&f.st, h); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(st *StatementV2, h *HoldingV2)
		want error
	}{
		{"no statement credentials", func(st *StatementV2, h *HoldingV2) { st.Credentials = nil }, ErrInvalidStatement},
		{"four credentials", func(st *StatementV2, h *HoldingV2) {
			st.Credentials = append(st.Credentials, st.Credentials...)
		}, ErrInvalidStatement},
		{"five predicates", func(st *StatementV2, h *HoldingV2) {
			st.Predicates = append(st.Predicates, st.Predicates[0])
		}, ErrInvalidStatement},
		{"predicate on a credential not requested", func(st *StatementV2, h *HoldingV2) { st.Predicates[0].Cred = 2 }, ErrInvalidStatement},
		{"roots missing", func(st *StatementV2, h *HoldingV2) { st.IssuerSets = st.IssuerSets[:1] }, ErrInvalidStatement},
		{"holding of one credential", func(st *StatementV2, h *HoldingV2) { h.Credentials = h.Credentials[:1] }, ErrUnsatisfied},
		{"credentials swapped", func(st *StatementV2, h *HoldingV2) {
			h.Credentials[0], h.Credentials[1] = h.Credentials[1], h.Credentials[0]
		}, ErrUnsatisfied},
		{"v1-only credential", func(st *StatementV2, h *HoldingV2) {
			c := *h.Credentials[0].Credential
			c.SignatureV2 = nil
			h.Credentials[0].Credential = &c
		}, credential.ErrBadSignature},
		{"another secret", func(st *StatementV2, h *HoldingV2) { h.Secret = elem(1) }, credential.ErrHolderMismatch},
		{"stale issuer set", func(st *StatementV2, h *HoldingV2) { st.IssuerSets[1] = elem(1) }, ErrNotAccredited},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := cloneStatementV2(&f.st)
			hh := &HoldingV2{Secret: h.Secret, Credentials: append([]HeldCredential(nil), h.Credentials...)}
			tc.edit(st, hh)
			if err := CheckV2(st, hh); !errors.Is(err, tc.want) {
				t.Fatalf("CheckV2: %v, want %v", err, tc.want)
			}
		})
	}
}
