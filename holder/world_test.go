package holder

import (
	"bytes"
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/wallet"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

var fastKDF = wallet.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time           { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration)      { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock(t time.Time) *clock         { return &clock{t: t} }
func seed(b byte) []byte                  { return bytes.Repeat([]byte{b}, 32) }
func (w *testWorld) ctx() context.Context { return context.Background() }

func testKey(t testing.TB, b byte) *identity.PrivateKey {
	t.Helper()
	k, err := identity.NewKeyFromSeed(seed(b))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testWorld is a ledger (in memory, or an embedded file) with a root
// authority, and helpers to register agencies and issuers.
type testWorld struct {
	clock *clock
	l     *ledger.Embedded
	path  string // the ledger file, if any
	root  *identity.PrivateKey
	next  byte
}

func newTestWorld(t testing.TB, onFile bool) *testWorld {
	t.Helper()
	w := &testWorld{clock: newClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)), next: 100}
	lk := testKey(t, 1)
	opts := []ledger.Option{ledger.WithClock(w.clock.Now)}
	var err error
	if onFile {
		w.path = filepath.Join(t.TempDir(), "ledger.db")
		w.l, err = ledger.Create(w.path, lk, opts...)
	} else {
		w.l, err = ledger.NewInMemory(lk, opts...)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.l.Close() })
	w.root = testKey(t, 2)
	w.submit(t, w.root, &ledger.GovernanceInit{Name: "Ministry"})
	return w
}

func (w *testWorld) submit(t testing.TB, key *identity.PrivateKey, p ledger.Payload) {
	t.Helper()
	sr, err := ledger.NewRecord(key.DID(), w.clock.Now(), p).Sign(key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.l.Submit(context.Background(), sr); err != nil {
		t.Fatalf("submit %s: %v", p.Kind(), err)
	}
}

// agency registers a new agency, accredited as issuer of types if any.
func (w *testWorld) agency(t testing.TB, name string, types ...string) *identity.PrivateKey {
	t.Helper()
	w.next++
	k := testKey(t, w.next)
	w.submit(t, k, &ledger.AgencyRegister{Key: k.Public(), Name: name})
	if len(types) > 0 {
		w.submit(t, w.root, &ledger.Accredit{Agency: k.DID(), Role: ledger.RoleIssuer, Types: types})
	}
	return k
}

// issuer returns a credential issuer for key with schemas registered and
// a first root published.
func (w *testWorld) issuer(t testing.TB, key *identity.PrivateKey, schemas ...*credential.Schema) *credential.Issuer {
	t.Helper()
	is, err := credential.NewIssuer(key, w.l, credential.NewRegistry(), credential.IssuerOptions{Now: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range schemas {
		if err := is.RegisterSchema(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := is.PublishRevocations(context.Background()); err != nil {
		t.Fatal(err)
	}
	return is
}

// newWallet makes a wallet file and its holder on the world's clock.
func newWallet(t testing.TB, w *testWorld) (*wallet.Store, *Holder) {
	t.Helper()
	st, err := wallet.Create(filepath.Join(t.TempDir(), "wallet"), []byte("pass"), wallet.Options{KDF: fastKDF})
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(st.MasterSecret(), st, WithClock(w.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	return st, h
}

// issueTo has is issue a credential of s with claims to h, the way an
// issuer's back end does: h's credential request, issuance, sealing to
// the subject DID's key (resolved from the did:key) and h.Receive. It
// returns the request the issuer received and the credential.
func issueTo(t testing.TB, w *testWorld, is *credential.Issuer, issuerDID identity.DID, s *credential.Schema, h *Holder, claims credential.Claims) (*credential.Request, *credential.Credential) {
	t.Helper()
	req, err := h.CredentialRequest(issuerDID, claims, w.clock.Now().AddDate(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	c, err := is.Issue(context.Background(), s, req)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := identity.KeyResolver{}.Resolve(context.Background(), req.Holder)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := doc.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := credential.Seal(c, pub)
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.Receive(issuerDID, sealed)
	if err != nil {
		t.Fatal(err)
	}
	return req, got
}

// request is a request by agency, signed, valid from now for 5 minutes.
func (w *testWorld) request(t testing.TB, agency *identity.PrivateKey, scope string, nonce byte) *consent.Request {
	t.Helper()
	r := &consent.Request{
		Purpose: consent.PurposeIdentityVerification, LegalBasis: consent.BasisPublicTask, NoticeVersion: "n/1",
		Types: []string{"PersonalID/1"}, Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: 1 << 63}},
		Scope: scope, Nonce: consent.Digest{nonce}, IssuedAt: w.clock.Now(), Expires: w.clock.Now().Add(5 * time.Minute),
	}
	if err := r.Sign(agency); err != nil {
		t.Fatal(err)
	}
	return r
}

var (
	keysOnce sync.Once
	keysPK   *zkp.ProvingKey
	keysVK   *zkp.VerifyingKey
	keysErr  error
)

// realKeys makes one Groth16 key pair of the one-credential version 2
// presentation circuit (issuer hidden by default) per test binary.
func realKeys(t testing.TB) (*zkp.ProvingKey, *zkp.VerifyingKey) {
	t.Helper()
	keysOnce.Do(func() {
		keysPK, keysVK, keysErr = zkp.SetupShapeUnsafe(context.Background(), zkp.ShapeV2(zkp.Groth16, 1))
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return keysPK, keysVK
}
