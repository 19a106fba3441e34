package credential

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// IssuerOptions configures an Issuer. The zero value uses crypto/rand and
// time.Now.
type IssuerOptions struct {
	Rand io.Reader        // salts and revocation indices; nil means crypto/rand
	Now  func() time.Time // issuance and record times; nil means time.Now
}

// Issuer is an accredited agency issuing credentials: it signs with its ZK
// key, anchors each credential on the ledger as a commitment only, and
// keeps its revocation registry. Safe for concurrent use.
type Issuer struct {
	key      *identity.PrivateKey
	ledger   ledger.Ledger
	registry *Registry
	rand     io.Reader
	now      func() time.Time
	publish  sync.Mutex // serializes root publications
}

// NewIssuer returns an issuer writing to l with registry reg.
func NewIssuer(key *identity.PrivateKey, l ledger.Ledger, reg *Registry, opts IssuerOptions) (*Issuer, error) {
	if key == nil || l == nil || reg == nil {
		return nil, errors.New("credential: NewIssuer needs a key, a ledger and a registry")
	}
	is := &Issuer{key: key, ledger: l, registry: reg, rand: opts.Rand, now: opts.Now}
	if is.now == nil {
		is.now = time.Now
	}
	return is, nil
}

// Registry returns the issuer's revocation registry.
func (is *Issuer) Registry() *Registry { return is.registry }

func (is *Issuer) record(p ledger.Payload) (*ledger.SignedRecord, error) {
	sr, err := ledger.NewRecord(is.key.DID(), is.now(), p).Sign(is.key)
	if err != nil {
		return nil, fmt.Errorf("credential: signing %s record: %w", p.Kind(), err)
	}
	return sr, nil
}

// VersionString is the schema version as the ledger's schema-register
// record spells it (decimal).
func (s *Schema) VersionString() string { return strconv.FormatUint(uint64(s.Version), 10) }

// RegisterSchema records the schema's hash on the ledger (schema-register;
// the issuer must be accredited for the schema's name).
func (is *Issuer) RegisterSchema(ctx context.Context, s *Schema) error {
	h, err := s.Hash()
	if err != nil {
		return err
	}
	sr, err := is.record(&ledger.SchemaRegister{Type: s.Name, Version: s.VersionString(), Hash: h})
	if err != nil {
		return err
	}
	if _, err := is.ledger.Submit(ctx, sr); err != nil {
		return fmt.Errorf("credential: registering schema %s v%d: %w", s.Name, s.Version, err)
	}
	return nil
}

func checkRegistered(st *ledger.State, s *Schema) error {
	h, err := s.Hash()
	if err != nil {
		return err
	}
	reg, err := st.Schema(s.Name, s.VersionString())
	if err != nil {
		return fmt.Errorf("%w: %s v%d: %w", ErrSchemaNotRegistered, s.Name, s.Version, err)
	}
	if reg.Hash != h {
		return fmt.Errorf("%w: %s v%d is registered with another hash", ErrSchemaNotRegistered, s.Name, s.Version)
	}
	return nil
}

// Issue issues a credential of schema s for req: it checks the claims
// (ErrInvalidClaim ...) and that s is registered on the ledger
// (ErrSchemaNotRegistered), allocates a random revocation index, signs, and
// anchors the credential with a credential-issued record holding only
// Credential.Anchor. The ledger refuses the record unless the issuer is
// accredited for the type (the error wraps ledger.ErrUnauthorized). Deliver
// the result to the holder with Seal.
func (is *Issuer) Issue(ctx context.Context, s *Schema, req *Request) (*Credential, error) {
	if _, err := s.Normalize(req.Claims); err != nil {
		return nil, err
	}
	if err := checkRegistered(is.ledger.State(), s); err != nil {
		return nil, err
	}
	idx, err := is.registry.Allocate(is.rand)
	if err != nil {
		return nil, err
	}
	c, err := Sign(is.rand, is.key, s, req, idx, is.now())
	if err != nil {
		return nil, err
	}
	sr, err := is.record(&ledger.CredentialIssued{Commitment: c.Anchor(), Type: s.Name})
	if err != nil {
		return nil, err
	}
	if _, err := is.ledger.Submit(ctx, sr); err != nil {
		return nil, fmt.Errorf("credential: anchoring issuance: %w", err)
	}
	return c, nil
}

// Revoke revokes a credential this issuer issued. It takes effect for
// verifiers at the next PublishRevocations.
func (is *Issuer) Revoke(c *Credential) error {
	if err := is.checkOwn(c); err != nil {
		return err
	}
	return is.registry.Revoke(c.Core.RevocationIndex)
}

// checkOwn reports whether c was issued by this issuer's agency under any
// of its keys (a rotated key keeps revoking what the old one issued).
func (is *Issuer) checkOwn(c *Credential) error {
	if c.Issuer == is.key.DID() {
		return nil
	}
	st := is.ledger.State()
	a, err1 := st.Agency(c.Issuer)
	b, err2 := st.Agency(is.key.DID())
	if err1 != nil || err2 != nil || a.ID != b.ID {
		return fmt.Errorf("%w: credential issued by %s, not by %s's agency", ErrUnknownIssuer, c.Issuer, is.key.DID())
	}
	return nil
}

// rootHash is the ledger form of a revocation root: the field element's
// 32-byte big-endian encoding.
func rootHash(root fr.Element) ledger.Hash { return ledger.Hash(root.Bytes()) }

func (is *Issuer) rootRecord() (*ledger.SignedRecord, fr.Element, []uint32, uint64, error) {
	var ledgerEpoch uint64
	if e, err := is.ledger.State().LatestRevocationRoot(is.key.DID()); err == nil {
		ledgerEpoch = e.Epoch
	}
	root, pending, epoch := is.registry.prepare(ledgerEpoch)
	sr, err := is.record(&ledger.RevocationRoot{Root: rootHash(root), Epoch: epoch})
	return sr, root, pending, epoch, err
}

// PublishRevocations publishes the registry's current root (every
// revocation so far) as a revocation-root record and returns its epoch.
func (is *Issuer) PublishRevocations(ctx context.Context) (uint64, error) {
	is.publish.Lock()
	defer is.publish.Unlock()
	sr, root, pending, epoch, err := is.rootRecord()
	if err != nil {
		return 0, err
	}
	if _, err := is.ledger.Submit(ctx, sr); err != nil {
		return 0, fmt.Errorf("credential: publishing revocation root: %w", err)
	}
	return epoch, is.registry.published(epoch, root, pending)
}

// Supersede corrects a credential: it issues a credential with newClaims
// (same schema, holder binding, holder and validUntil) under a fresh
// revocation index, revokes the old one, and writes in one all-or-nothing
// ledger batch the new credential-issued record, the new revocation root
// and a credential-superseded record linking old to new. Afterwards the old
// credential fails Verify with ErrRevoked (and ErrSuperseded). If the
// batch fails, the old index stays revoked in the registry and is published
// with the next root.
func (is *Issuer) Supersede(ctx context.Context, old *Credential, newClaims Claims) (*Credential, error) {
	if err := is.checkOwn(old); err != nil {
		return nil, err
	}
	s := old.Schema
	req := &Request{Holder: old.Holder, HolderBinding: old.Core.HolderBinding, Claims: newClaims, ValidUntil: DayDate(old.Core.ValidUntil)}
	if _, err := s.Normalize(newClaims); err != nil {
		return nil, err
	}
	if err := checkRegistered(is.ledger.State(), s); err != nil {
		return nil, err
	}
	if _, err := is.ledger.State().Credential(old.Anchor()); err != nil {
		return nil, fmt.Errorf("%w: superseding: %w", ErrNotAnchored, err)
	}
	idx, err := is.registry.Allocate(is.rand)
	if err != nil {
		return nil, err
	}
	c, err := Sign(is.rand, is.key, s, req, idx, is.now())
	if err != nil {
		return nil, err
	}
	is.publish.Lock()
	defer is.publish.Unlock()
	if err := is.registry.Revoke(old.Core.RevocationIndex); err != nil {
		return nil, err
	}
	issued, err := is.record(&ledger.CredentialIssued{Commitment: c.Anchor(), Type: s.Name})
	if err != nil {
		return nil, err
	}
	rootRec, root, pending, epoch, err := is.rootRecord()
	if err != nil {
		return nil, err
	}
	link, err := is.record(&ledger.CredentialSuperseded{Old: old.Anchor(), New: c.Anchor()})
	if err != nil {
		return nil, err
	}
	if _, err := is.ledger.SubmitBatch(ctx, []*ledger.SignedRecord{issued, rootRec, link}); err != nil {
		return nil, fmt.Errorf("credential: recording correction: %w", err)
	}
	if err := is.registry.published(epoch, root, pending); err != nil {
		return nil, err
	}
	return c, nil
}
