package consent

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// world is a ledger with a root authority, an issuer accredited for
// testType and Guardianship, a verifier agency, another agency, a citizen,
// a guardian of a ward, and a stranger.
type world struct {
	clock                                    *clock
	l                                        *ledger.Embedded
	ledgerKey, root, issuer, verifier, other *identity.PrivateKey
	citizen, guardian, ward, stranger        *identity.PrivateKey
}

const (
	testType     = "PersonalID/1"
	testTypeName = "PersonalID"
)

func newWorld(t testing.TB) *world { return newWorldOn(t, false) }

// newWorldOn builds the world on the in-memory ledger, or with bolt on the
// durable embedded engine in a temporary file.
func newWorldOn(t testing.TB, bolt bool) *world {
	t.Helper()
	w := &world{
		clock:     &clock{t: t0},
		ledgerKey: testKey(t, 10), root: testKey(t, 11), issuer: testKey(t, 12), verifier: testKey(t, 1),
		other: testKey(t, 2), citizen: testKey(t, 3), guardian: testKey(t, 4), ward: testKey(t, 5), stranger: testKey(t, 6),
	}
	opts := []ledger.Option{ledger.WithClock(w.clock.Now), ledger.WithMaxSkew(0)}
	var l *ledger.Embedded
	var err error
	if bolt {
		l, err = ledger.Create(filepath.Join(t.TempDir(), "ledger.db"), w.ledgerKey, opts...)
	} else {
		l, err = ledger.NewInMemory(w.ledgerKey, opts...)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	w.l = l
	w.submit(t, w.root, &ledger.GovernanceInit{Name: "Ministry"})
	w.submit(t, w.issuer, &ledger.AgencyRegister{Key: w.issuer.Public(), Name: "Civil Registry"})
	w.submit(t, w.verifier, &ledger.AgencyRegister{Key: w.verifier.Public(), Name: "Benefits Office"})
	w.submit(t, w.other, &ledger.AgencyRegister{Key: w.other.Public(), Name: "Tax Office"})
	w.submit(t, w.root, &ledger.Accredit{Agency: w.issuer.DID(), Role: ledger.RoleIssuer, Types: []string{ledger.GuardianshipType, testTypeName}})
	w.submit(t, w.issuer, &ledger.Guardianship{Guardian: w.guardian.DID(), Ward: w.ward.DID()})
	return w
}

func (w *world) submit(t testing.TB, key *identity.PrivateKey, p ledger.Payload) ledger.Receipt {
	t.Helper()
	rc, err := submit(context.Background(), w.l, key, w.clock.Now(), p, "test")
	if err != nil {
		t.Fatalf("submit %s: %v", p.Kind(), err)
	}
	return rc
}

// anchoredGrant signs and anchors a grant from citizen covering req.
func (w *world) anchoredGrant(t testing.TB, citizen *identity.PrivateKey, req *Request, edit func(*Grant)) *Grant {
	t.Helper()
	g, err := NewGrant(nil, citizen.DID(), req, w.clock.Now().Add(-time.Minute), 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(g)
	}
	signer := citizen
	if g.Guardian == w.guardian.DID() {
		signer = w.guardian
	}
	if err := g.Sign(signer); err != nil {
		t.Fatal(err)
	}
	if _, err := Anchor(context.Background(), w.l, signer, g, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return g
}
