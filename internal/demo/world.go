package demo

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/logger"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

// Origin is the checkpoint origin of the demos' ledgers.
const Origin = "ledger.demo.civicproof"

// World is a demo's ledger with its root authority, and the presentation
// circuit's keys once Keys has run.
type World struct {
	Ledger    *ledger.Embedded
	LedgerKey *identity.PrivateKey
	Root      *identity.PrivateKey // the ministry: governance root authority
	PK        *zkp.ProvingKey
	VK        *zkp.VerifyingKey
	Now       func() time.Time
}

// NewWorld opens a new ledger file in dir and records the governance root.
// It silences gnark's own progress log, which the narration replaces.
func NewWorld(ctx context.Context, dir, ministry string) (*World, error) {
	logger.Disable()
	w := &World{Now: time.Now}
	var err error
	if w.LedgerKey, err = identity.GenerateKey(nil); err != nil {
		return nil, err
	}
	if w.Root, err = identity.GenerateKey(nil); err != nil {
		return nil, err
	}
	if w.Ledger, err = ledger.Create(filepath.Join(dir, "ledger.db"), w.LedgerKey, ledger.WithOrigin(Origin)); err != nil {
		return nil, err
	}
	if _, err := w.Submit(ctx, w.Root, &ledger.GovernanceInit{Name: ministry}); err != nil {
		w.Ledger.Close()
		return nil, err
	}
	return w, nil
}

// Start begins a demo: it prints the banner line on out, opens the world
// (NewWorld) in dir with ministry as the governance root, and returns it
// with a Narrator on out and errw. The caller closes the world.
func Start(ctx context.Context, dir string, out, errw io.Writer, ministry, banner string) (*World, *Narrator, error) {
	n := New(out, errw)
	fmt.Fprintln(out, banner)
	w, err := NewWorld(ctx, dir, ministry)
	if err != nil {
		return nil, nil, err
	}
	return w, n, nil
}

// Close closes the ledger.
func (w *World) Close() error { return w.Ledger.Close() }

// Submit signs p with key and appends it to the ledger.
func (w *World) Submit(ctx context.Context, key *identity.PrivateKey, p ledger.Payload) (ledger.Receipt, error) {
	sr, err := ledger.NewRecord(key.DID(), w.Now(), p).Sign(key)
	if err != nil {
		return ledger.Receipt{}, err
	}
	return w.Ledger.Submit(ctx, sr)
}

// Agency creates an agency key, registers the agency and, if issues is
// not empty, has the root authority accredit it to issue those types.
func (w *World) Agency(ctx context.Context, name string, issues ...string) (*identity.PrivateKey, error) {
	k, err := identity.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	if _, err := w.Submit(ctx, k, &ledger.AgencyRegister{Key: k.Public(), Name: name}); err != nil {
		return nil, fmt.Errorf("registering %s: %w", name, err)
	}
	if len(issues) > 0 {
		if _, err := w.Submit(ctx, w.Root, &ledger.Accredit{Agency: k.DID(), Role: ledger.RoleIssuer, Types: issues}); err != nil {
			return nil, fmt.Errorf("accrediting %s: %w", name, err)
		}
	}
	return k, nil
}

// Issuer returns a credential issuer for an accredited agency, with its
// schemas registered and a first (empty) revocation root published.
func (w *World) Issuer(ctx context.Context, key *identity.PrivateKey, schemas ...*credential.Schema) (*credential.Issuer, error) {
	is, err := credential.NewIssuer(key, w.Ledger, credential.NewRegistry(), credential.IssuerOptions{Now: w.Now})
	if err != nil {
		return nil, err
	}
	for _, s := range schemas {
		if err := is.RegisterSchema(ctx, s); err != nil {
			return nil, err
		}
	}
	if _, err := is.PublishRevocations(ctx); err != nil {
		return nil, err
	}
	return is, nil
}

// Hold has issuer issue a credential of schema with claims to holder,
// bound to the holder secret (the issuer sees only its hash), delivers it
// sealed to the holder's HPKE key, opens it in the wallet and fetches its
// revocation witness from the issuer's registry. It returns what the
// wallet then holds, and the size in bytes of the sealed delivery.
//
// The witness is for the registry's current tree: publish pending
// revocations first (Issuer publishes the first root).
func (w *World) Hold(ctx context.Context, issuer *credential.Issuer, schema *credential.Schema, holder *identity.PrivateKey,
	secret fr.Element, claims credential.Claims, validUntil time.Time) (hold *zkp.Holding, sealed int, err error) {
	c, err := issuer.Issue(ctx, schema, &credential.Request{
		Holder:        holder.DID(),
		HolderBinding: credential.HolderBinding(secret),
		Claims:        claims,
		ValidUntil:    validUntil,
	})
	if err != nil {
		return nil, 0, fmt.Errorf("issuing %s: %w", schema.Name, err)
	}
	held, sealed, err := Deliver(c, holder)
	if err != nil {
		return nil, 0, err
	}
	if hold, err = HoldingOf(issuer, held, secret); err != nil {
		return nil, 0, err
	}
	return hold, sealed, nil
}

// HoldingOf is what the wallet holds for c: the credential, the holder
// secret and a revocation witness fetched from the issuer's registry for
// its current tree.
func HoldingOf(issuer *credential.Issuer, c *credential.Credential, secret fr.Element) (*zkp.Holding, error) {
	wit, err := issuer.Registry().Witness(c.Core.RevocationIndex)
	if err != nil {
		return nil, fmt.Errorf("revocation witness: %w", err)
	}
	return &zkp.Holding{Credential: c, Secret: secret, Witness: wit}, nil
}

// Deliver seals c to the holder's HPKE key and opens it with the holder's
// private key, as the wallet does on receipt. It returns the wallet's copy
// and the size in bytes of the sealed delivery.
func Deliver(c *credential.Credential, holder *identity.PrivateKey) (*credential.Credential, int, error) {
	sealed, err := credential.Seal(c, holder.Public())
	if err != nil {
		return nil, 0, fmt.Errorf("sealing the credential: %w", err)
	}
	held, err := credential.Open(holder, sealed)
	if err != nil {
		return nil, 0, fmt.Errorf("opening the credential in the wallet: %w", err)
	}
	return held, len(sealed), nil
}

// Consent has the citizen grant exactly what req asks, valid from now for
// validity: it makes the grant, applies edits (for example a use limit)
// before the citizen signs it, and anchors its receipt on the ledger.
func (w *World) Consent(ctx context.Context, citizen *identity.PrivateKey, req *consent.Request, validity time.Duration,
	edits ...func(*consent.Grant)) (*consent.Grant, error) {
	// The wallet checks the agency's signature, the request's shape and
	// its expiry before showing it to the citizen.
	if err := req.Verify(w.Now()); err != nil {
		return nil, err
	}
	g, err := consent.NewGrant(nil, citizen.DID(), req, w.Now(), validity)
	if err != nil {
		return nil, err
	}
	for _, f := range edits {
		f(g)
	}
	if err := g.Sign(citizen); err != nil {
		return nil, err
	}
	if _, err := consent.Anchor(ctx, w.Ledger, citizen, g, w.Now()); err != nil {
		return nil, fmt.Errorf("anchoring the consent receipt: %w", err)
	}
	return g, nil
}

// Gate returns the verifier gate of an agency over the world's verifying key.
func (w *World) Gate(ctx context.Context, key *identity.PrivateKey) (*consent.Gate, error) {
	if w.VK == nil {
		return nil, errors.New("demo: Keys has not run")
	}
	return consent.NewGate(ctx, key, w.Ledger, consent.NewZKSystem(w.VK), consent.WithGateClock(w.Now))
}

// Shape is the presentation circuit the demos prove with: version 2 for
// one credential (the issuer stays hidden), Groth16.
var Shape = zkp.ShapeV2(zkp.Groth16, 1)

// Keys loads the proving key of the presentation circuit (Shape) from the
// user cache (keyed by the circuit digest) or, on a first run, makes it
// with the single-party demo setup and caches it; then the root authority
// registers the verifying key's fingerprint on the ledger under the
// shape's name.
func (w *World) Keys(ctx context.Context, n *Narrator) error {
	d, err := Shape.CircuitDigest()
	if err != nil {
		return err
	}
	fp := hex.EncodeToString(d[:16])
	c, cerr := UserCache()
	if cerr == nil {
		w.PK = loadCachedPK(c, fp, n)
	}
	if w.PK != nil {
		n.Say("Proving key loaded from %s (cached by circuit digest %s).", c.Dir, fp)
	} else {
		n.Say("DEMO SETUP: first run on this machine, making proving keys in this process.")
		n.Say("A single-party setup is for demos only; production keys come from a multi-party ceremony.")
		if w.PK, _, err = zkp.SetupShapeUnsafe(ctx, Shape); err != nil {
			return err
		}
		if cerr == nil {
			storePK(c, fp, w.PK, n)
		}
	}
	w.VK = w.PK.VerifyingKey()
	f := w.VK.Fingerprint()
	if _, err := w.Submit(ctx, w.Root, &ledger.VerifyingKey{Shape: w.VK.Shape(), Fingerprint: ledger.Hash(f)}); err != nil {
		return fmt.Errorf("registering the verifying key: %w", err)
	}
	n.Say("Verifying key %x… registered on the ledger as the official key for %s.", f[:8], w.VK.Shape())
	return nil
}

// KeysStep is the step every demo runs second: Keys, narrated.
func (w *World) KeysStep(ctx context.Context, n *Narrator) Step {
	return Step{Title: "Proving keys for the presentation circuit", Fn: func() error { return w.Keys(ctx, n) }}
}

// pkName is the cache entry of the proving key of Shape.
const pkName = "groth16-v2n1-pk"

// loadCachedPK returns the proving key cached under fp, or nil (saying
// why when the entry exists but cannot be used).
func loadCachedPK(c Cache, fp string, n *Narrator) *zkp.ProvingKey {
	b, err := c.Load(fp, pkName)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			n.Say("key cache unavailable (%v)", err)
		}
		return nil
	}
	pk, err := zkp.ReadProvingKey(bytes.NewReader(b))
	if err != nil {
		n.Say("cached proving key unreadable (%v); making a new one", err)
		return nil
	}
	return pk
}

// storePK caches pk under fp; a failure only means the next run sets up
// again.
func storePK(c Cache, fp string, pk *zkp.ProvingKey, n *Narrator) {
	var buf bytes.Buffer
	if _, err := pk.WriteTo(&buf); err != nil {
		n.Say("could not encode the keys for the cache (%v); the next run will set up again", err)
		return
	}
	if err := c.Store(fp, pkName, buf.Bytes()); err != nil {
		n.Say("could not cache the keys (%v); the next run will set up again", err)
	}
}

// Prove is the wallet's answer to req under grant: it reads the grant's
// status from the ledger, checks that it covers req (CheckRequest: the
// request's signature, shape and expiry too), then proves with hold
// against its type's issuer set on the ledger (a version 2 proof, the
// issuer hidden unless req reveals it) and signs with key (PresentV2). It
// returns the presentation and how long proving took.
func (w *World) Prove(ctx context.Context, key *identity.PrivateKey, req *consent.Request, grant *consent.Grant,
	hold *zkp.Holding) (*consent.Presentation, time.Duration, error) {
	st, err := consent.StatusOf(w.Ledger, grant, w.Now())
	if err != nil {
		return nil, 0, err
	}
	if _, err := consent.CheckRequest(w.Now(), req, st); err != nil {
		return nil, 0, err
	}
	h2, err := HoldingV2Of(w.Ledger.State(), hold)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	p, err := consent.PresentV2(ctx, key, w.PK, req, st, h2, w.Now())
	if err != nil {
		return nil, 0, err
	}
	return p, time.Since(start), nil
}

// HoldingV2Of is hold for a version 2 proof: its credential with its
// issuer-set leaf and path from state (consent.HeldV2), under the same
// holder secret.
func HoldingV2Of(state *ledger.State, hold *zkp.Holding) (*zkp.HoldingV2, error) {
	if hold == nil {
		return nil, fmt.Errorf("%w: no holding", consent.ErrMalformed)
	}
	hc, err := consent.HeldV2(state, hold.Credential, hold.Witness)
	if err != nil {
		return nil, err
	}
	return &zkp.HoldingV2{Secret: hold.Secret, Credentials: []zkp.HeldCredential{hc}}, nil
}
