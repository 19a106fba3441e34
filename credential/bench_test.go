package credential

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"
)

func BenchmarkSign(b *testing.B) {
	s, key := testSchema(b), testKey(b, 1)
	secret, _ := NewHolderSecret(detRand(9))
	req := &Request{HolderBinding: HolderBinding(secret), Claims: testClaims(), ValidUntil: testNow.AddDate(1, 0, 0)}
	r := detRand(1)
	b.ResetTimer()
	for range b.N {
		if _, err := Sign(r, key, s, req, 1, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkIssue(b *testing.B, reg *Registry) {
	w := newWorld(b, reg)
	secret, _ := NewHolderSecret(detRand(9))
	req := &Request{HolderBinding: HolderBinding(secret), Claims: testClaims(), ValidUntil: testNow.AddDate(1, 0, 0)}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if _, err := w.issuer.Issue(ctx, w.schema, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssue: sign + in-memory ledger anchor + in-memory registry.
func BenchmarkIssue(b *testing.B) { benchmarkIssue(b, NewRegistry()) }

// BenchmarkIssueFileRegistry: as BenchmarkIssue with an fsynced bbolt registry.
func BenchmarkIssueFileRegistry(b *testing.B) {
	reg, err := OpenRegistry(filepath.Join(b.TempDir(), "reg.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Close()
	benchmarkIssue(b, reg)
}

func fillRegistry(b *testing.B, reg *Registry, n int) []uint32 {
	idx := make([]uint32, n)
	r := detRand(7)
	for i := range idx {
		var err error
		if idx[i], err = reg.Allocate(r); err != nil {
			b.Fatal(err)
		}
	}
	return idx
}

// BenchmarkRegistryRevoke: one revocation-tree update (Depth 24) in memory.
func BenchmarkRegistryRevoke(b *testing.B) {
	reg := NewRegistry()
	idx := fillRegistry(b, reg, b.N)
	b.ResetTimer()
	for i := range b.N {
		if err := reg.Revoke(idx[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRegistryRevokeFile: the same, durably (one fsynced bbolt tx each).
func BenchmarkRegistryRevokeFile(b *testing.B) {
	reg, err := OpenRegistry(filepath.Join(b.TempDir(), "reg.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Close()
	idx := fillRegistry(b, reg, b.N)
	b.ResetTimer()
	for i := range b.N {
		if err := reg.Revoke(idx[i]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRegistryWitness(b *testing.B) {
	reg := NewRegistry()
	idx := fillRegistry(b, reg, 1000)
	for _, i := range idx[:500] {
		_ = reg.Revoke(i)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := reg.Witness(idx[i%1000]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCredential(b *testing.B) {
	c, _ := testCredential(b)
	doc, _ := json.Marshal(c)
	b.ResetTimer()
	for range b.N {
		if _, err := ParseCredential(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	w := newWorld(b, nil)
	c := w.issue(testClaims())
	v := w.verifier(VerifierOptions{MaxRootAge: time.Hour})
	wit := w.witness(c)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if err := v.Verify(ctx, c, wit); err != nil {
			b.Fatal(err)
		}
	}
}
