package demo

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
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
	if w.Ledger, err = ledger.Open(filepath.Join(dir, "ledger.db"), w.LedgerKey, ledger.WithOrigin(Origin)); err != nil {
		return nil, err
	}
	if _, err := w.Submit(ctx, w.Root, &ledger.GovernanceInit{Name: ministry}); err != nil {
		w.Ledger.Close()
		return nil, err
	}
	return w, nil
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
	wit, err := issuer.Registry().Witness(held.Core.RevocationIndex)
	if err != nil {
		return nil, 0, err
	}
	return &zkp.Holding{Credential: held, Secret: secret, Witness: wit}, sealed, nil
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

// Keys loads the presentation circuit's Groth16 keys from the user cache
// (keyed by the circuit digest) or, on a first run, makes them with the
// single-party demo setup and caches them; then the root authority
// registers the verifying key's fingerprint on the ledger. It reports
// whether the keys came from the cache.
func (w *World) Keys(ctx context.Context, n *Narrator) (cached bool, err error) {
	d, err := zkp.CircuitDigest(zkp.Groth16)
	if err != nil {
		return false, err
	}
	fp := hex.EncodeToString(d[:16])
	c, cerr := UserCache()
	if cerr == nil {
		if b, err := c.Load(fp, "groth16-pk"); err == nil {
			if pk, err := zkp.ReadProvingKey(bytes.NewReader(b)); err == nil {
				w.PK, w.VK, cached = pk, pk.VerifyingKey(), true
			} else {
				n.Say("cached proving key unreadable (%v); making a new one", err)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			n.Say("key cache unavailable (%v)", err)
		}
	}
	if !cached {
		n.Say("DEMO SETUP: first run on this machine, making proving keys in this process.")
		n.Say("A single-party setup is for demos only; production keys come from a multi-party ceremony.")
		if w.PK, w.VK, err = zkp.SetupUnsafe(ctx, zkp.Groth16); err != nil {
			return false, err
		}
		if cerr == nil {
			var buf bytes.Buffer
			if _, err := w.PK.WriteTo(&buf); err == nil {
				if err := c.Store(fp, "groth16-pk", buf.Bytes()); err != nil {
					n.Say("could not cache the keys (%v); the next run will set up again", err)
				}
			}
		}
	} else {
		n.Say("Proving key loaded from %s (cached by circuit digest %s).", c.Dir, fp)
	}
	f := w.VK.Fingerprint()
	if _, err := w.Submit(ctx, w.Root, &ledger.VerifyingKey{Shape: w.VK.Shape(), Fingerprint: ledger.Hash(f)}); err != nil {
		return cached, fmt.Errorf("registering the verifying key: %w", err)
	}
	n.Say("Verifying key %x… registered on the ledger as the official key for %s.", f[:8], w.VK.Shape())
	return cached, nil
}
