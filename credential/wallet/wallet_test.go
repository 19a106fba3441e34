package wallet

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// fastKDF keeps tests quick; real wallets use DefaultKDF.
var fastKDF = KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

func key(t testing.TB, b byte) *identity.PrivateKey {
	k, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type env struct {
	ledger *ledger.Embedded
	issuer *credential.Issuer
	schema *credential.Schema
	agency *identity.PrivateKey
}

func newEnv(t *testing.T) *env {
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	root, agency := key(t, 1), key(t, 2)
	l, err := ledger.NewInMemory(key(t, 3), ledger.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	submit := func(k *identity.PrivateKey, p ledger.Payload) {
		sr, _ := ledger.NewRecord(k.DID(), now, p).Sign(k)
		if _, err := l.Submit(ctx, sr); err != nil {
			t.Fatal(err)
		}
	}
	s := credential.MustSchema("Residence", 1,
		credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 0, Required: true})
	submit(root, &ledger.GovernanceInit{Name: "M"})
	submit(agency, &ledger.AgencyRegister{Key: agency.Public(), Name: "Registry"})
	submit(root, &ledger.Accredit{Agency: agency.DID(), Role: ledger.RoleIssuer, Types: []string{s.Name}})
	is, err := credential.NewIssuer(agency, l, credential.NewRegistry(), credential.IssuerOptions{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := is.RegisterSchema(ctx, s); err != nil {
		t.Fatal(err)
	}
	return &env{ledger: l, issuer: is, schema: s, agency: agency}
}

func (e *env) issue(t *testing.T, st *Store, district string) *credential.Credential {
	c, err := e.issuer.Issue(context.Background(), e.schema, &credential.Request{
		HolderBinding: st.HolderBinding(), Claims: credential.Claims{"district": district},
		ValidUntil: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newStore(t *testing.T) (*Store, string) {
	path := filepath.Join(t.TempDir(), "wallet.bin")
	st, err := Create(path, []byte("correct horse"), Options{KDF: fastKDF})
	if err != nil {
		t.Fatal(err)
	}
	return st, path
}

func TestStoreRoundTrip(t *testing.T) {
	e := newEnv(t)
	st, path := newStore(t)
	c1, c2 := e.issue(t, st, "Ward 1"), e.issue(t, st, "Ward 2")
	for _, c := range []*credential.Credential{c1, c2, c1} {
		if err := st.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	other, _ := Create(filepath.Join(t.TempDir(), "w2"), []byte("x"), Options{KDF: fastKDF})
	if err := st.Add(e.issue(t, other, "Ward 9")); !errors.Is(err, credential.ErrHolderMismatch) {
		t.Fatalf("Add(foreign credential) = %v, want ErrHolderMismatch", err)
	}
	re, err := Open(path, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if re.HolderSecret() != st.HolderSecret() {
		t.Fatal("holder secret changed")
	}
	if got := re.List("", ""); len(got) != 2 {
		t.Fatalf("List = %d credentials, want 2", len(got))
	}
	if got := re.List("Residence", e.agency.DID()); len(got) != 2 {
		t.Fatalf("List(type, issuer) = %d", len(got))
	}
	if got := re.List("Other", ""); len(got) != 0 {
		t.Fatalf("List(other type) = %d", len(got))
	}
	if got := re.List("", key(t, 9).DID()); len(got) != 0 {
		t.Fatalf("List(other issuer) = %d", len(got))
	}
	g, err := re.Get(c2.ID())
	if err != nil || g.Credential.Claims["district"] != "Ward 2" {
		t.Fatalf("Get: %v %v", g, err)
	}
	if _, err := re.Get("urn:civicproof:credential:00"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(unknown) = %v", err)
	}
	if _, err := Create(path, []byte("p"), Options{KDF: fastKDF}); !errors.Is(err, ErrExists) {
		t.Fatalf("Create over an existing file = %v, want ErrExists", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}
}

func TestStoreBadInputKeepsFile(t *testing.T) {
	st, path := newStore(t)
	_ = st
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, []byte("wrong")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Open(wrong passphrase) = %v, want ErrWrongPassphrase", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, orig) {
		t.Fatal("a failed open changed the file")
	}
	// Every single-byte flip and every truncation is ErrCorrupt, never a
	// panic or a wrong-passphrase report.
	for i := 0; i < len(orig); i++ {
		bad := bytes.Clone(orig)
		bad[i] ^= 0x01
		if _, _, err := open(bad, []byte("correct horse")); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("flip at %d: %v, want ErrCorrupt", i, err)
		}
	}
	for n := 0; n < len(orig); n += 5 {
		if _, _, err := open(orig[:n], []byte("correct horse")); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d: %v, want ErrCorrupt", n, err)
		}
	}
	if err := os.WriteFile(path, orig[:len(orig)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, []byte("correct horse")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open(damaged) = %v, want ErrCorrupt", err)
	}
	if _, err := Create(filepath.Join(t.TempDir(), "w"), []byte("p"), Options{KDF: KDFParams{Time: 1, MemoryKiB: 1, Threads: 1}}); !errors.Is(err, ErrBadKDF) {
		t.Fatalf("Create with weak KDF = %v, want ErrBadKDF", err)
	}
}

func TestExportImport(t *testing.T) {
	e := newEnv(t)
	st, _ := newStore(t)
	c := e.issue(t, st, "Ward 3")
	if err := st.Add(c); err != nil {
		t.Fatal(err)
	}
	backup, err := st.Export([]byte("backup pass"), fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "restored.bin")
	if _, err := Import(dst, backup, []byte("nope"), []byte("new"), Options{KDF: fastKDF}); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Import(wrong pass) = %v", err)
	}
	bad := bytes.Clone(backup)
	bad[len(bad)/2] ^= 0x80
	if _, err := Import(dst, bad, []byte("backup pass"), []byte("new"), Options{KDF: fastKDF}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Import(damaged) = %v", err)
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Fatal("a failed import wrote a file")
	}
	r, err := Import(dst, backup, []byte("backup pass"), []byte("new"), Options{KDF: fastKDF})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Open(dst, []byte("new"))
	if err != nil {
		t.Fatal(err)
	}
	if r2.HolderSecret() != st.HolderSecret() || r.HolderSecret() != st.HolderSecret() {
		t.Fatal("restored secret differs")
	}
	if _, err := r2.Get(c.ID()); err != nil {
		t.Fatal(err)
	}
}

func TestRefresh(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	st, path := newStore(t)
	a, b := e.issue(t, st, "Ward 4"), e.issue(t, st, "Ward 5")
	_ = st.Add(a)
	_ = st.Add(b)
	if err := e.issuer.Revoke(a); err != nil {
		t.Fatal(err)
	}
	if _, err := e.issuer.PublishRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	revoked, err := st.Refresh(e.ledger.State(), e.issuer.StatusList())
	if err != nil {
		t.Fatal(err)
	}
	if len(revoked) != 1 || revoked[0] != a.ID() {
		t.Fatalf("Refresh reported %v, want [%s]", revoked, a.ID())
	}
	re, err := Open(path, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	eb, _ := re.Get(b.ID())
	v, _ := credential.NewVerifier(e.ledger.State(), credential.VerifierOptions{Now: func() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) }})
	if err := v.Verify(ctx, eb.Credential, eb.Witness); err != nil {
		t.Fatalf("refreshed witness: %v", err)
	}
	ea, _ := re.Get(a.ID())
	if !ea.Revoked {
		t.Fatal("revoked flag not stored")
	}
	if err := v.Verify(ctx, ea.Credential, ea.Witness); !errors.Is(err, credential.ErrRevoked) {
		t.Fatalf("revoked credential = %v, want ErrRevoked", err)
	}
	// A list that hides the revocation is refused and changes nothing.
	fake := e.issuer.StatusList()
	fake.Revoked = nil
	if _, err := st.Refresh(e.ledger.State(), fake); !errors.Is(err, credential.ErrBadWitness) {
		t.Fatalf("Refresh(forged list) = %v, want ErrBadWitness", err)
	}
}

func BenchmarkOpenDefaultKDF(b *testing.B) {
	path := filepath.Join(b.TempDir(), "w")
	if _, err := Create(path, []byte("p"), Options{Rand: mrand.NewChaCha8([32]byte{})}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Open(path, []byte("p")); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzOpen(f *testing.F) {
	path := filepath.Join(f.TempDir(), "w")
	if _, err := Create(path, []byte("p"), Options{KDF: fastKDF}); err != nil {
		f.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	f.Add(good)
	f.Add([]byte("CPWALLET"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Bound the KDF cost an input can ask for in this fuzz run.
		if len(data) > 17 && string(data[:8]) == magic {
			if binary.BigEndian.Uint32(data[9:13]) > 2 || binary.BigEndian.Uint32(data[13:17]) > 1024 {
				return
			}
		}
		pt, _, err := open(data, []byte("p"))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		var s Store
		_ = s.load(pt)
	})
}
