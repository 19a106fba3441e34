package credential

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// world is a ledger with a root authority and one accredited issuer.
type world struct {
	t      testing.TB
	clock  time.Time
	ledger *ledger.Embedded
	root   *identity.PrivateKey
	agency *identity.PrivateKey
	issuer *Issuer
	schema *Schema
}

func (w *world) now() time.Time { return w.clock }

func (w *world) submit(key *identity.PrivateKey, p ledger.Payload) {
	w.t.Helper()
	sr, err := ledger.NewRecord(key.DID(), w.clock, p).Sign(key)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.ledger.Submit(context.Background(), sr); err != nil {
		w.t.Fatal(err)
	}
}

func newWorld(t testing.TB, reg *Registry) *world {
	t.Helper()
	w := &world{t: t, clock: testNow, root: testKey(t, 10), agency: testKey(t, 1), schema: testSchema(t)}
	l, err := ledger.NewInMemory(testKey(t, 11), ledger.WithClock(w.now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	w.ledger = l
	w.submit(w.root, &ledger.GovernanceInit{Name: "Ministry"})
	w.submit(w.agency, &ledger.AgencyRegister{Key: w.agency.Public(), Name: "Civil Registry"})
	w.submit(w.root, &ledger.Accredit{Agency: w.agency.DID(), Role: ledger.RoleIssuer, Types: []string{w.schema.Name}})
	if reg == nil {
		reg = NewRegistry()
	}
	w.issuer, err = NewIssuer(w.agency, l, reg, IssuerOptions{Rand: detRand(3), Now: w.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.issuer.RegisterSchema(context.Background(), w.schema); err != nil {
		t.Fatal(err)
	}
	if _, err := w.issuer.PublishRevocations(context.Background()); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) issue(claims Claims) *Credential {
	w.t.Helper()
	secret, err := NewHolderSecret(detRand(9))
	if err != nil {
		w.t.Fatal(err)
	}
	c, err := w.issuer.Issue(context.Background(), w.schema, &Request{
		HolderBinding: HolderBinding(secret), Claims: claims, ValidUntil: w.clock.AddDate(1, 0, -1),
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *world) verifier(opts VerifierOptions) *Verifier {
	if opts.Now == nil {
		opts.Now = w.now
	}
	v, err := NewVerifier(w.ledger.State(), opts)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

func (w *world) witness(c *Credential) *revocation.Witness {
	w.t.Helper()
	wit, err := w.issuer.Registry().Witness(c.Core.RevocationIndex)
	if err != nil {
		w.t.Fatal(err)
	}
	return wit
}

func TestIssueVerify(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	c := w.issue(testClaims())
	v := w.verifier(VerifierOptions{})
	wit := w.witness(c)
	if err := v.Verify(ctx, c, wit); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	// The ledger holds only the anchor.
	e, err := w.ledger.State().Credential(c.Anchor())
	if err != nil || e.Type != w.schema.Name || e.Issuer != w.agency.DID() {
		t.Fatalf("anchor on ledger: %+v, %v", e, err)
	}

	t.Run("expired", func(t *testing.T) {
		v := w.verifier(VerifierOptions{Now: func() time.Time { return c.ValidUntil().Add(time.Second) }})
		if err := v.Verify(ctx, c, wit); !errors.Is(err, ErrExpired) {
			t.Fatalf("Verify = %v, want ErrExpired", err)
		}
		v = w.verifier(VerifierOptions{Now: func() time.Time { return c.ValidUntil() }})
		if err := v.Verify(ctx, c, wit); err != nil {
			t.Fatalf("Verify on the last valid second: %v", err)
		}
	})
	t.Run("before anchor time", func(t *testing.T) {
		v := w.verifier(VerifierOptions{Now: func() time.Time { return w.clock.Add(-time.Hour) }})
		if err := v.Verify(ctx, c, wit); !errors.Is(err, ErrNotYetValid) {
			t.Fatalf("Verify = %v, want ErrNotYetValid", err)
		}
	})
	t.Run("stale root", func(t *testing.T) {
		v := w.verifier(VerifierOptions{MaxRootAge: time.Hour, Now: func() time.Time { return w.clock.Add(61 * time.Minute) }})
		if err := v.Verify(ctx, c, wit); !errors.Is(err, ErrStaleRoot) {
			t.Fatalf("Verify = %v, want ErrStaleRoot", err)
		}
		v = w.verifier(VerifierOptions{MaxRootAge: time.Hour, Now: func() time.Time { return w.clock.Add(59 * time.Minute) }})
		if err := v.Verify(ctx, c, wit); err != nil {
			t.Fatalf("Verify with a fresh root: %v", err)
		}
	})
	t.Run("altered", func(t *testing.T) {
		bad := *c
		bad.Core.Slots[2].SetUint64(31)
		if err := v.Verify(ctx, &bad, wit); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("Verify = %v, want ErrBadSignature", err)
		}
	})
	t.Run("not anchored", func(t *testing.T) {
		// Same issuer key, valid signature, never recorded on the ledger.
		secret, _ := NewHolderSecret(detRand(4))
		c2, err := Sign(detRand(5), w.agency, w.schema, &Request{HolderBinding: HolderBinding(secret), Claims: testClaims(), ValidUntil: w.clock}, 77, w.clock)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(ctx, c2, wit); !errors.Is(err, ErrNotAnchored) {
			t.Fatalf("Verify = %v, want ErrNotAnchored", err)
		}
	})
	t.Run("unaccredited issuer cannot anchor", func(t *testing.T) {
		other := testKey(t, 5)
		w.submit(other, &ledger.AgencyRegister{Key: other.Public(), Name: "Other"})
		is, err := NewIssuer(other, w.ledger, NewRegistry(), IssuerOptions{Now: w.now})
		if err != nil {
			t.Fatal(err)
		}
		secret, _ := NewHolderSecret(nil)
		_, err = is.Issue(ctx, w.schema, &Request{HolderBinding: HolderBinding(secret), Claims: testClaims(), ValidUntil: w.clock})
		if !errors.Is(err, ledger.ErrUnauthorized) {
			t.Fatalf("Issue by an unaccredited agency = %v, want ledger.ErrUnauthorized", err)
		}
	})
	t.Run("suspension after issuance", func(t *testing.T) {
		// Accreditation counts at issuance: a later suspension does not
		// invalidate the credential, but stops new issuance.
		w.submit(w.root, &ledger.Suspend{Agency: w.agency.DID(), Role: ledger.RoleIssuer, Types: []string{w.schema.Name}})
		defer w.submit(w.root, &ledger.Reinstate{Agency: w.agency.DID(), Role: ledger.RoleIssuer, Types: []string{w.schema.Name}})
		if err := v.Verify(ctx, c, wit); err != nil {
			t.Fatalf("Verify after suspension: %v", err)
		}
		secret, _ := NewHolderSecret(nil)
		_, err := w.issuer.Issue(ctx, w.schema, &Request{HolderBinding: HolderBinding(secret), Claims: testClaims(), ValidUntil: w.clock})
		if !errors.Is(err, ledger.ErrUnauthorized) {
			t.Fatalf("Issue while suspended = %v, want ledger.ErrUnauthorized", err)
		}
	})
	t.Run("unregistered schema", func(t *testing.T) {
		s2 := MustSchema(w.schema.Name, 2, w.schema.Claims...)
		secret, _ := NewHolderSecret(nil)
		_, err := w.issuer.Issue(ctx, s2, &Request{HolderBinding: HolderBinding(secret), Claims: testClaims(), ValidUntil: w.clock})
		if !errors.Is(err, ErrSchemaNotRegistered) {
			t.Fatalf("Issue = %v, want ErrSchemaNotRegistered", err)
		}
	})
	t.Run("bad claims refused before signing", func(t *testing.T) {
		before := w.issuer.Registry().Issued()
		_, err := w.issuer.Issue(ctx, w.schema, &Request{Claims: Claims{"birthDate": "1990-01-01"}})
		if !errors.Is(err, ErrMissingClaim) {
			t.Fatalf("Issue = %v, want ErrMissingClaim", err)
		}
		if w.issuer.Registry().Issued() != before {
			t.Fatal("a refused issuance allocated a revocation index")
		}
	})
}

func TestRevocation(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	c := w.issue(testClaims())
	keep := w.issue(testClaims())
	v := w.verifier(VerifierOptions{})
	oldWit, oldKeepWit := w.witness(c), w.witness(keep)
	if err := w.issuer.Revoke(c); err != nil {
		t.Fatal(err)
	}
	// Not yet published: still valid for verifiers.
	if err := v.Verify(ctx, c, oldWit); err != nil {
		t.Fatalf("before publication: %v", err)
	}
	w.clock = w.clock.Add(time.Minute)
	epoch, err := w.issuer.PublishRevocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(ctx, c, w.witness(c)); !errors.Is(err, ErrRevoked) {
		t.Fatalf("after publication = %v, want ErrRevoked", err)
	}
	// A witness holds only siblings: the revoked credential's old witness
	// proves it revoked under the new root too.
	if err := v.Verify(ctx, c, oldWit); !errors.Is(err, ErrRevoked) {
		t.Fatalf("old witness of the revoked credential = %v, want ErrRevoked", err)
	}
	if err := v.Verify(ctx, keep, oldKeepWit); !errors.Is(err, ErrBadWitness) {
		t.Fatalf("stale witness = %v, want ErrBadWitness", err)
	}
	// The other credential needs a refreshed witness; the public status
	// list gives it.
	if err := v.Verify(ctx, keep, w.witness(keep)); err != nil {
		t.Fatalf("unrevoked credential: %v", err)
	}
	list := w.issuer.StatusList()
	if list.Epoch != epoch || len(list.Revoked) != 1 || list.Revoked[0] != c.Core.RevocationIndex {
		t.Fatalf("status list %+v", list)
	}
	tree, err := list.Tree(w.ledger.State())
	if err != nil {
		t.Fatal(err)
	}
	wit, _ := tree.Witness(keep.Core.RevocationIndex)
	if err := v.Verify(ctx, keep, wit); err != nil {
		t.Fatalf("witness from status list: %v", err)
	}
	forged := &StatusList{Issuer: list.Issuer, Epoch: list.Epoch}
	if _, err := forged.Tree(w.ledger.State()); !errors.Is(err, ErrBadWitness) {
		t.Fatalf("status list hiding a revocation: %v, want ErrBadWitness", err)
	}
	if err := w.issuer.Registry().Revoke(12345678); !errors.Is(err, ErrUnknownIndex) {
		t.Fatalf("revoking an unissued index: %v", err)
	}
}

func TestSupersede(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	old := w.issue(testClaims())
	fixed := testClaims()
	fixed["district"] = "Ward 8"
	w.clock = w.clock.Add(time.Minute)
	c, err := w.issuer.Supersede(ctx, old, fixed)
	if err != nil {
		t.Fatal(err)
	}
	v := w.verifier(VerifierOptions{})
	if err := v.Verify(ctx, c, w.witness(c)); err != nil {
		t.Fatalf("corrected credential: %v", err)
	}
	err = v.Verify(ctx, old, w.witness(old))
	if !errors.Is(err, ErrRevoked) || !errors.Is(err, ErrSuperseded) {
		t.Fatalf("old credential = %v, want ErrRevoked and ErrSuperseded", err)
	}
	// The history is traceable on the ledger.
	e, err := w.ledger.State().Credential(old.Anchor())
	if err != nil || e.SupersededBy != c.Anchor() {
		t.Fatalf("ledger link old -> new: %+v, %v", e, err)
	}
	if c.Claims["district"] != "Ward 8" || c.Core.HolderBinding != old.Core.HolderBinding || c.Core.RevocationIndex == old.Core.RevocationIndex {
		t.Fatal("corrected credential does not carry the correction and the same holder")
	}
	// Bad new claims change nothing.
	if _, err := w.issuer.Supersede(ctx, c, Claims{"district": 5}); !errors.Is(err, ErrInvalidClaim) {
		t.Fatalf("Supersede with bad claims = %v", err)
	}
	if w.issuer.Registry().Revoked(c.Core.RevocationIndex) {
		t.Fatal("refused correction revoked the credential")
	}
}

func TestRegistryPersists(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registry.db")
	reg, err := OpenRegistry(path)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, reg)
	a, b := w.issue(testClaims()), w.issue(testClaims())
	if err := w.issuer.Revoke(a); err != nil {
		t.Fatal(err)
	}
	w.clock = w.clock.Add(time.Minute)
	epoch, err := w.issuer.PublishRevocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.issuer.Revoke(b); err != nil { // pending at close
		t.Fatal(err)
	}
	root := reg.Root()
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}
	reg2, err := OpenRegistry(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reg2.Close()
	r2 := reg2.Root()
	if e, _ := reg2.Published(); e != epoch || !r2.Equal(&root) || reg2.Issued() != 2 {
		t.Fatalf("reopened registry: epoch %d (want %d), root equal %v, issued %d", e, epoch, r2.Equal(&root), reg2.Issued())
	}
	if l := reg2.StatusList(); len(l) != 1 || l[0] != a.Core.RevocationIndex {
		t.Fatalf("published list after reopen: %v", l)
	}
	if !reg2.Revoked(b.Core.RevocationIndex) {
		t.Fatal("pending revocation lost")
	}
}

func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	old := w.issue(testClaims())
	newKey := testKey(t, 6)
	w.submit(w.agency, &ledger.KeyRotate{NewKey: newKey.Public(), Proof: newKey.Sign(ledger.KeyRotateProofDomain, []byte(w.agency.DID()))})
	// Credentials signed before the rotation still verify: the key is
	// looked up as of the anchor's index.
	v := w.verifier(VerifierOptions{})
	if err := v.Verify(ctx, old, w.witness(old)); err != nil {
		t.Fatalf("credential from before the rotation: %v", err)
	}
	// The agency carries on with the new key and the same registry.
	is, err := NewIssuer(newKey, w.ledger, w.issuer.Registry(), IssuerOptions{Rand: detRand(8), Now: w.now})
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := NewHolderSecret(detRand(9))
	c, err := is.Issue(ctx, w.schema, &Request{HolderBinding: HolderBinding(secret), Claims: testClaims(), ValidUntil: w.clock.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := is.Revoke(old); err != nil {
		t.Fatalf("revoking a credential signed with the old key: %v", err)
	}
	w.clock = w.clock.Add(time.Minute)
	if _, err := is.PublishRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(ctx, c, w.witness(c)); err != nil {
		t.Fatalf("credential from the new key: %v", err)
	}
	if err := v.Verify(ctx, old, w.witness(old)); !errors.Is(err, ErrRevoked) {
		t.Fatalf("revoked old credential = %v, want ErrRevoked", err)
	}
	// An old-key credential relabelled as the new DID is refused.
	forged := *old
	forged.Issuer = newKey.DID()
	if err := v.Verify(ctx, &forged, w.witness(old)); !errors.Is(err, ErrNotAnchored) {
		t.Fatalf("relabelled credential = %v, want ErrNotAnchored", err)
	}
	// Another agency cannot revoke it.
	other := testKey(t, 7)
	w.submit(other, &ledger.AgencyRegister{Key: other.Public(), Name: "Other"})
	is2, _ := NewIssuer(other, w.ledger, NewRegistry(), IssuerOptions{Now: w.now})
	if err := is2.Revoke(c); !errors.Is(err, ErrUnknownIssuer) {
		t.Fatalf("revocation by another agency = %v, want ErrUnknownIssuer", err)
	}
}

// TestRegistryFullRange draws indices across the whole 2^32 range, refuses
// a duplicate draw and keeps indices above 2^24 across a reopen.
func TestRegistryFullRange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registry.db")
	reg, err := OpenRegistry(path)
	if err != nil {
		t.Fatal(err)
	}
	draws := []byte{
		0xff, 0xff, 0xff, 0xff, // revocation.MaxIndex
		0x80, 0x00, 0x00, 0x01, // 2^31 + 1
		0xff, 0xff, 0xff, 0xff, // a duplicate: drawn again
		0x01, 0x00, 0x00, 0x00, // 2^24, out of range before Depth 32
	}
	rnd := bytes.NewReader(draws)
	var got []uint32
	for range 3 {
		idx, err := reg.Allocate(rnd)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, idx)
	}
	if want := []uint32{revocation.MaxIndex, 1<<31 + 1, 1 << 24}; !slices.Equal(got, want) {
		t.Fatalf("allocated %v, want %v", got, want)
	}
	// Only duplicates left to draw: refused, nothing allocated.
	if _, err := reg.Allocate(bytes.NewReader(bytes.Repeat(draws[:4], 128))); !errors.Is(err, ErrIndexExhausted) {
		t.Fatalf("Allocate with only duplicate draws = %v, want ErrIndexExhausted", err)
	}
	if err := reg.Revoke(revocation.MaxIndex); err != nil {
		t.Fatal(err)
	}
	root := reg.Root()
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}
	reg2, err := OpenRegistry(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reg2.Close()
	r2 := reg2.Root()
	if reg2.Issued() != 3 || !reg2.Revoked(revocation.MaxIndex) || reg2.Revoked(1<<24) || !r2.Equal(&root) {
		t.Fatalf("reopened: issued %d, revoked top %v, root equal %v", reg2.Issued(), reg2.Revoked(revocation.MaxIndex), r2.Equal(&root))
	}
	w, err := reg2.Witness(1<<31 + 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Verify(r2, 1<<31+1); err != nil {
		t.Fatalf("witness of a live index above 2^24: %v", err)
	}
}
