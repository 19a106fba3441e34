package consent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// Gate is the verifier agency's single entry point: it issues signed
// requests (with nonces it remembers) and verifies presentations against
// them completely — request, nonce, consent, issuer accreditation,
// official verifying key, revocation root freshness, the zero-knowledge
// proof and the nullifier policy — and records every accepted access on
// the ledger. It is safe for concurrent use.
//
// Gate state (issued and used nonces, use counts, nullifiers) changes only
// when a presentation passes every check and its access record is durable
// on the ledger. Use counts, nullifiers and revocations are rebuilt from
// the ledger when the gate starts; outstanding nonces are not
// (requests issued before a restart are refused with ErrUnknownNonce).
type Gate struct {
	agency   *identity.PrivateKey
	agencyID identity.DID // ledger ID of the agency
	l        ledger.Ledger
	zk       ProofSystem
	cfg      gateConfig
	keys     keyCache

	mu         sync.Mutex
	nonces     map[Digest]*issued
	uses       map[Digest]uint32 // grant id -> accepted uses (incl. in flight)
	nullifiers map[Digest]bool   // access-record nullifier hashes (incl. in flight)
	revoked    map[Digest]bool
	known      map[Digest]bool   // grants whose signature and anchored receipt were checked
	tracked    map[Digest]*Grant // grants accepted so far, for expiry events
}

type issued struct {
	request Digest
	expires time.Time
	used    bool
}

// GateOption configures a Gate.
type GateOption func(*gateConfig) error

type gateConfig struct {
	clock         func() time.Time
	rand          io.Reader
	maxRootAge    time.Duration
	maxSetRootAge time.Duration
	requestTTL    time.Duration
	expiryTick    time.Duration
	repeats       bool // NullifierRepeatAllowed
}

// NullifierPolicy says what a gate does when a holder presents again in a
// scope where its nullifier has been seen.
type NullifierPolicy uint8

const (
	// OneClaimPerScope (the default) refuses a second presentation by the
	// same credential holder in the same scope with ErrNullifierUsed:
	// benefits, relief and votes claimed once.
	OneClaimPerScope NullifierPolicy = iota
	// NullifierRepeatAllowed accepts repeated presentations in a scope
	// (checks that are not one-time claims, such as a venue's age check).
	// Nullifiers are still recorded, so the agency sees repeats without
	// learning who.
	NullifierRepeatAllowed
)

// WithNullifierPolicy sets the gate's nullifier policy (default
// OneClaimPerScope).
func WithNullifierPolicy(p NullifierPolicy) GateOption {
	return func(c *gateConfig) error {
		if p > NullifierRepeatAllowed {
			return fmt.Errorf("consent: unknown nullifier policy %d", p)
		}
		c.repeats = p == NullifierRepeatAllowed
		return nil
	}
}

// WithGateClock sets the clock deciding expiry of requests, grants and
// roots (default time.Now).
func WithGateClock(now func() time.Time) GateOption {
	return func(c *gateConfig) error {
		if now == nil {
			return errors.New("consent: nil clock")
		}
		c.clock = now
		return nil
	}
}

// WithRand sets the source of nonces (default crypto/rand).
func WithRand(r io.Reader) GateOption {
	return func(c *gateConfig) error {
		if r == nil {
			return errors.New("consent: nil random source")
		}
		c.rand = r
		return nil
	}
}

// WithMaxRootAge sets how old the issuer's latest revocation root may be
// (default 24 hours). A presentation must be proven against the issuer's
// latest root, published no longer ago than this.
func WithMaxRootAge(d time.Duration) GateOption {
	return func(c *gateConfig) error {
		if d <= 0 {
			return fmt.Errorf("consent: max root age %v must be positive", d)
		}
		c.maxRootAge = d
		return nil
	}
}

// WithMaxSetRootAge sets how long after an issuer-set root was superseded
// on the ledger the gate still accepts version 2 proofs made against it
// (default 24 hours; a root superseded exactly that long ago is refused,
// as ledger.IssuerSetRootInfo.Fresh decides). The current root of a type
// is always accepted: it
// changes whenever an issuer of the type is accredited, rotates its key,
// is suspended or publishes a revocation root, so its freshness follows
// the issuers'. A wallet proves against the root its issuer-set path leads
// to and refreshes the path when the root changes.
func WithMaxSetRootAge(d time.Duration) GateOption {
	return func(c *gateConfig) error {
		if d <= 0 {
			return fmt.Errorf("consent: max issuer-set root age %v must be positive", d)
		}
		c.maxSetRootAge = d
		return nil
	}
}

// WithRequestTTL sets how long a request the gate issues stays valid
// (default 5 minutes).
func WithRequestTTL(d time.Duration) GateOption {
	return func(c *gateConfig) error {
		if d < time.Second {
			return fmt.Errorf("consent: request lifetime %v under a second", d)
		}
		c.requestTTL = d
		return nil
	}
}

// WithExpiryCheck sets how often Watch looks for grants that expired
// (default one minute).
func WithExpiryCheck(d time.Duration) GateOption {
	return func(c *gateConfig) error {
		if d <= 0 {
			return fmt.Errorf("consent: expiry check interval %v must be positive", d)
		}
		c.expiryTick = d
		return nil
	}
}

// ProofSystem checks the zero-knowledge proofs of presentations for a
// Gate. ZKSystem implements it for civicproof's presentation circuit (package
// zkp); another circuit family or backend plugs in here.
//
// Two generations of proofs go through it. A version 1 proof covers one
// credential, names its issuer's key and is made against that issuer's
// revocation root (ProofInfo.Root; Statement.Type, IssuerKey and Root). A
// version 2 proof covers up to MaxCredentials credentials of one holder,
// each made against the issuer-set root of its type and, when the request
// reveals issuers, naming the issuer's key (ProofInfo.Credentials;
// Statement.Credentials).
type ProofSystem interface {
	// Inspect reads, without verifying it, what a proof says about
	// itself: the circuit shape and verifying-key fingerprint it was made
	// for and the roots it was proven against (the revocation root of a
	// version 1 proof; one issuer-set root per credential, and the issuer
	// keys when revealed, of a version 2 proof). Errors wrap ErrMalformed.
	Inspect(proof []byte) (ProofInfo, error)
	// Verify checks the proof against the statement the gate derived from
	// its own trusted inputs (never from values the prover supplied) and
	// returns what it proves. Errors wrap ErrBadProof, or
	// ErrUnofficialKey when the system has no verifying key for the proof.
	Verify(st *Statement, proof []byte) (*Proven, error)
}

// ProofInfo is what a proof says about itself before it is verified.
type ProofInfo struct {
	Shape       string // circuit shape, as named in verifying-key records
	Fingerprint Digest // verifying-key fingerprint
	Root        Digest // version 1: the revocation root the proof was made against
	// Version 2: one entry per credential, in the request's order (nil
	// for a version 1 proof).
	Credentials []CredentialInfo
}

// CredentialInfo is what a version 2 proof says about one of its
// credentials before it is verified.
type CredentialInfo struct {
	SetRoot   Digest // the issuer-set root of the credential's type it was proven under
	IssuerKey []byte // the issuer's ZK key (compressed) when the proof reveals it; nil when hidden
}

// Statement is what a presentation's proof must establish, as the gate
// derives it from its own trusted inputs: the request (its predicates and
// disclosures per credential, nonce, scope and issuer choice), today's
// date from the gate's clock, and per credential what the ledger vouches
// for. A version 1 statement has Type, IssuerKey and Root (the issuer's
// current key and latest revocation root); a version 2 statement has
// Credentials instead, one per credential of the request.
type Statement struct {
	Request   *Request
	Type      string
	IssuerKey *identity.PublicKey
	Root      Digest
	Today     time.Time
	// Version 2: per credential, in the request's order.
	Credentials []CredentialStatement
}

// CredentialStatement is what a version 2 proof must establish about one
// credential: its type, the issuer-set root of that type (a root the
// ledger has for the type, current or superseded within the gate's
// window), and, when the request reveals issuers, the named issuer's key
// from the ledger (nil when hidden: the root alone proves that an issuer
// accredited for the type signed it while its key was valid, and that it
// is not revoked).
type CredentialStatement struct {
	Type      string
	SetRoot   Digest
	IssuerKey *identity.PublicKey
}

// Proven is what a verified proof establishes beyond its predicates.
type Proven struct {
	Disclosed     map[uint8]FieldValue   // disclosed slot -> value (the first credential)
	AlsoDisclosed []map[uint8]FieldValue // the same for each further credential (version 2)
	Nullifier     FieldValue             // scoped nullifier (one per proof)
}

// NewGate returns the gate of the agency whose current key is agency, on
// ledger l, verifying proofs with zk. It rebuilds its nullifier set from
// the agency's access records on the ledger.
func NewGate(ctx context.Context, agency *identity.PrivateKey, l ledger.Ledger, zk ProofSystem, opts ...GateOption) (*Gate, error) {
	if zk == nil {
		return nil, errors.New("consent: gate needs a proof system")
	}
	return newGate(ctx, agency, l, zk, opts)
}

func newGate(ctx context.Context, agency *identity.PrivateKey, l ledger.Ledger, zk ProofSystem, opts []GateOption) (*Gate, error) {
	cfg := gateConfig{clock: time.Now, rand: cryptoRand{}, maxRootAge: 24 * time.Hour, maxSetRootAge: 24 * time.Hour,
		requestTTL: 5 * time.Minute, expiryTick: time.Minute}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if agency == nil || l == nil {
		return nil, errors.New("consent: gate needs the agency key and a ledger")
	}
	ag, err := l.State().Agency(agency.DID())
	if err != nil {
		return nil, fmt.Errorf("consent: gate: agency not registered: %w", err)
	}
	if ag.Current().DID != agency.DID() {
		return nil, fmt.Errorf("consent: gate: %s is not the agency's current key", agency.DID())
	}
	g := &Gate{
		agency: agency, agencyID: ag.ID, l: l, zk: zk, cfg: cfg,
		nonces: map[Digest]*issued{}, uses: map[Digest]uint32{}, nullifiers: map[Digest]bool{},
		revoked: map[Digest]bool{}, known: map[Digest]bool{}, tracked: map[Digest]*Grant{},
	}
	if err := g.load(ctx); err != nil {
		return nil, err
	}
	return g, nil
}

// load rebuilds nullifiers and revocations from the agency's records on
// the ledger.
func (g *Gate) load(ctx context.Context) error {
	cp, err := g.l.Checkpoint(ctx)
	if err != nil {
		return fmt.Errorf("consent: gate: %w", err)
	}
	if cp.Size == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := g.l.Subscribe(ctx, 0)
	if err != nil {
		return fmt.Errorf("consent: gate: %w", err)
	}
	for e := range ch {
		if id, ok := g.revocationOf(e.Record); ok {
			g.revoked[id] = true
		}
		if p, ok := e.Record.Record.Payload.(*ledger.AccessRecord); ok {
			if ag, err := g.l.State().Agency(e.Record.Record.Author); err == nil && ag.ID == g.agencyID {
				g.nullifiers[Digest(p.Nullifier)] = true
			}
		}
		if e.Index+1 >= cp.Size {
			return nil
		}
	}
	return fmt.Errorf("consent: gate: ledger subscription ended early: %w", ctx.Err())
}

// Agency returns the gate's agency DID.
func (g *Gate) Agency() identity.DID { return g.agency.DID() }

// NewRequest completes a request template — purpose, legal basis, notice,
// credential types, disclosures, predicates and scope — with this agency,
// a fresh nonce, the issue time and expiry, signs it and remembers its
// nonce. The template is not modified.
func (g *Gate) NewRequest(tmpl Request) (*Request, error) {
	nonce, err := NewNonce(g.cfg.rand)
	if err != nil {
		return nil, err
	}
	now := g.cfg.clock().UTC().Truncate(time.Second)
	r := tmpl
	r.Types = append([]string(nil), tmpl.Types...)
	r.Disclose = append(SlotSet(nil), tmpl.Disclose...)
	r.Predicates = clonePredicates(tmpl.Predicates)
	r.Also = cloneQueries(tmpl.Also)
	r.Agency, r.Nonce, r.IssuedAt, r.Expires = g.agency.DID(), nonce, now, now.Add(g.cfg.requestTTL)
	if err := r.Sign(g.agency); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for n, is := range g.nonces { // drop nonces whose requests can no longer verify
		if !now.Before(is.expires) {
			delete(g.nonces, n)
		}
	}
	if _, dup := g.nonces[nonce]; dup {
		return nil, errors.New("consent: random source repeated a nonce")
	}
	g.nonces[nonce] = &issued{request: r.ID(), expires: r.Expires}
	return &r, nil
}

// Result is what an accepted presentation yields: the disclosed claim
// values (slot -> field value, decoded by the credential schema; those of
// the second and third credentials in AlsoDisclosed), the scoped
// nullifier, the grant used, the credentials' types (and issuers, when
// revealed) and the access record written.
type Result struct {
	Disclosed     map[uint8]FieldValue
	AlsoDisclosed []map[uint8]FieldValue // per further credential (Request.Also)
	Nullifier     FieldValue
	Grant         Digest
	Type          string
	Issuer        identity.DID // empty when the proof hides the issuer
	Also          []Presented  // the second and third credentials
	Access        ledger.Receipt
}

// StatementHash is the hash an access record carries for what was proven:
// SHA-256 over the request id (which fixes purpose, types, disclosures and
// predicates), the credential types, the issuers (when named) and the
// proof. It holds no claim value.
func StatementHash(req *Request, p *Presentation) Digest { return statementHash(req.ID(), p) }

// statementHash is StatementHash with the request's id already computed.
func statementHash(id Digest, p *Presentation) Digest {
	e := encoder{}
	if p.version1() {
		e.string("civicproof/consent/statement/v1")
	} else {
		e.string("civicproof/consent/statement/v2")
	}
	e.raw(id[:])
	p.encodeCredentials(&e)
	ph := sha256.Sum256(p.Proof)
	e.raw(ph[:])
	return sha256.Sum256(e.b)
}

// NullifierHash is the value an access record carries for a nullifier:
// SHA-256 over the scope and the nullifier.
func NullifierHash(scope string, nullifier FieldValue) Digest {
	e := encoder{}
	e.string("civicproof/consent/nullifier/v1")
	e.string(scope)
	e.raw(nullifier[:])
	return sha256.Sum256(e.b)
}

// Verify checks a presentation against a request this gate issued and, if
// everything holds, records the access on the ledger and returns the
// disclosed values. Each refusal wraps its own sentinel:
//
//   - the request: ErrMalformed, ErrBadSignature, ErrExpired,
//     ErrForeignRequest; its nonce: ErrUnknownNonce, ErrReplay;
//   - the presentation: ErrMalformed (also: an issuer named where the
//     request hides issuers — so any version 1 proof for such a request
//     —, or none where it reveals them; a proof of another number of
//     credentials), ErrBadSignature, and
//     ErrTypeNotRequested for a credential type the request does not
//     list at that position, or another number of credentials (whatever
//     the grant allows);
//   - consent: ErrNoConsent, ErrNoGuardianship, ErrConsentWithdrawn,
//     ErrConsentRevoked, ErrConsentExpired, ErrUseLimit,
//     ErrPurposeMismatch, ErrAgencyMismatch, ErrScopeMismatch, ErrNotCovered;
//   - the issuer and keys: ErrNotAccredited (a named issuer), ErrUnofficialKey,
//     ErrStaleRoot (a version 1 proof's revocation root, or a version 2
//     proof's issuer-set root unknown for the type or superseded beyond
//     WithMaxSetRootAge);
//   - the proof: ErrBadProof; the nullifier policy: ErrNullifierUsed.
//
// A proof is dated by the wallet's clock. The gate accepts the UTC date
// of any instant in [req.IssuedAt - ClockSkew, now + ClockSkew]: its own
// date, or the neighbouring one when the request's life or the tolerance
// crosses midnight (at most one more verification, and only then).
//
// Cheap checks run before the proof is verified. Nothing changes in the
// gate or on the ledger unless every check passes.
func (g *Gate) Verify(ctx context.Context, req *Request, p *Presentation) (*Result, error) {
	now := g.cfg.clock()
	pre, err := g.prepare(req, p, now)
	if err != nil {
		return nil, err
	}
	out, err := g.zk.Verify(pre.stmt, p.Proof)
	out, err = g.otherDays(req, pre.stmt, p.Proof, now, out, err)
	if err != nil {
		return nil, err
	}
	return g.commit(ctx, req, p, pre, out, now)
}

// otherDays retries a proof refused as bad with the neighbouring UTC
// dates the request's life allows (see Verify); out and err are the
// first verification's result.
func (g *Gate) otherDays(req *Request, stmt *Statement, proof []byte, now time.Time, out *Proven, err error) (*Proven, error) {
	for _, day := range otherProofDays(req.IssuedAt, now) {
		if !errors.Is(err, ErrBadProof) {
			break
		}
		alt := *stmt
		alt.Today = day
		if o, e := g.zk.Verify(&alt, proof); e == nil {
			out, err = o, nil
		}
	}
	return out, err
}

// prepared is what the checks before the proof yield: the statement the
// proof must establish, the grant's status, and the ids of the request
// and grant (computed once).
type prepared struct {
	stmt   *Statement
	status *Status
	req    Digest
	grant  Digest
}

// prepare runs every check of Verify that comes before the proof (see
// Verify for the errors) and derives the statement the proof must
// establish. It changes nothing.
func (g *Gate) prepare(req *Request, p *Presentation, now time.Time) (*prepared, error) {
	if req == nil || p == nil {
		return nil, fmt.Errorf("%w: nil request or presentation", ErrMalformed)
	}
	// The request.
	if req.Agency != g.agency.DID() {
		return nil, fmt.Errorf("%w: made by %s", ErrForeignRequest, req.Agency)
	}
	// A request whose id is one this gate issued is authentic: the gate
	// signed exactly those bytes, so only its shape and expiry need
	// checking. Any other request has its signature checked, so that
	// tampering is reported as such rather than as an unknown nonce.
	reqID := req.ID()
	g.mu.Lock()
	is := g.nonces[req.Nonce]
	ours := is != nil && is.request == reqID
	used := ours && is.used
	g.mu.Unlock()
	if ours {
		if err := req.checkWith(&g.keys); err != nil {
			return nil, err
		}
		if err := req.checkTime(now); err != nil {
			return nil, err
		}
	} else {
		if err := req.verifyWith(&g.keys, now); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: nonce %x", ErrUnknownNonce, req.Nonce[:8])
	}
	if used {
		return nil, fmt.Errorf("%w: nonce %x", ErrReplay, req.Nonce[:8])
	}
	// The presentation.
	if err := p.checkWith(&g.keys); err != nil {
		return nil, err
	}
	if p.Request != reqID {
		return nil, fmt.Errorf("%w: presentation answers another request", ErrMalformed)
	}
	// The request says which credential types answer it, position by
	// position; the grant only narrows what the citizen allows and can
	// never widen the request.
	types := p.Types()
	if err := requestedTypes(req, types); err != nil {
		return nil, err
	}
	grant := p.Grant
	gid := grant.ID()
	g.mu.Lock()
	known := g.known[gid]
	g.mu.Unlock()
	if !known {
		if err := grant.verifySignature(&g.keys); err != nil {
			return nil, err
		}
	}
	if err := p.verifySignatureOf(&g.keys, gid); err != nil {
		return nil, err
	}
	// Consent.
	st, err := statusOf(g.l, grant, now, known)
	if err != nil {
		return nil, err
	}
	if !known {
		g.mu.Lock()
		if len(g.known) >= keyCacheSize {
			clear(g.known)
		}
		g.known[gid] = true
		g.mu.Unlock()
	}
	if grant.Guardian != "" && !g.l.State().IsGuardian(grant.Guardian, grant.Citizen) {
		return nil, fmt.Errorf("%w: %s no longer acts for %s", ErrNoGuardianship, grant.Guardian, grant.Citizen)
	}
	g.mu.Lock()
	if g.revoked[gid] {
		st.State = StateRevoked
	}
	if u, ok := g.uses[gid]; ok {
		st.Uses = max(st.Uses, u)
	}
	g.mu.Unlock()
	if ce := coverage(now, req, types, st); !ce.ok() {
		return nil, ce
	}
	// Issuers, keys, roots.
	state := g.l.State()
	var issuer ledger.Agency
	if p.version1() { // the named issuer, before the proof is read
		if !req.RevealIssuer {
			// A version 1 proof always carries its issuer's key: it
			// answers only a request that reveals the issuer.
			return nil, fmt.Errorf("%w: the request hides issuers, the presentation names %s (a version 1 proof always does)", ErrMalformed, p.Issuer)
		}
		if issuer, err = accredited(state, p.Issuer, p.Type); err != nil {
			return nil, err
		}
	}
	info, err := g.zk.Inspect(p.Proof)
	if err != nil {
		return nil, err
	}
	if !state.IsOfficialVerifyingKey(info.Shape, ledger.Hash(info.Fingerprint)) {
		return nil, fmt.Errorf("%w: %s for shape %q is not on the ledger", ErrUnofficialKey, info.Fingerprint, info.Shape)
	}
	if len(info.Credentials) > 0 {
		stmt, err := g.statementV2(state, req, p, info, now)
		if err != nil {
			return nil, err
		}
		return &prepared{stmt: stmt, status: st, req: reqID, grant: gid}, nil
	}
	// A version 1 proof: one credential, its issuer named, proven against
	// the issuer's latest revocation root. It answers only a request of
	// one credential that reveals the issuer (checked above).
	if !p.version1() {
		return nil, fmt.Errorf("%w: a version 1 proof covers one credential and names its issuer", ErrMalformed)
	}
	root, err := state.LatestRevocationRoot(issuer.ID)
	if err != nil {
		return nil, fmt.Errorf("%w: %s has published no root", ErrStaleRoot, issuer.ID)
	}
	if Digest(root.Root) != info.Root {
		if _, err := state.RevocationRootEntry(issuer.ID, ledger.Hash(info.Root)); err == nil {
			return nil, fmt.Errorf("%w: proven against a superseded root of %s", ErrStaleRoot, issuer.ID)
		}
		return nil, fmt.Errorf("%w: proven against root %s, which %s never published", ErrStaleRoot, info.Root, issuer.ID)
	}
	if age := now.Sub(time.Unix(root.Time, 0)); age > g.cfg.maxRootAge {
		return nil, fmt.Errorf("%w: latest root of %s is %v old", ErrStaleRoot, issuer.ID, age.Round(time.Second))
	}
	// The proof.
	stmt := &Statement{Request: req, Type: p.Type, IssuerKey: issuer.Current().Key, Root: Digest(root.Root), Today: now}
	return &prepared{stmt: stmt, status: st, req: reqID, grant: gid}, nil
}

// accredited returns the issuer if it is accredited for the credential
// type typ ("<schema>/<version>").
func accredited(state *ledger.State, issuer identity.DID, typ string) (ledger.Agency, error) {
	typeName, _, err := SplitType(typ)
	if err != nil {
		return ledger.Agency{}, err
	}
	if !state.IsAccredited(issuer, ledger.RoleIssuer, typeName) {
		return ledger.Agency{}, fmt.Errorf("%w: %s for %q", ErrNotAccredited, issuer, typ)
	}
	a, err := state.Agency(issuer)
	if err != nil {
		return ledger.Agency{}, fmt.Errorf("%w: %s: %v", ErrNotAccredited, issuer, err)
	}
	return a, nil
}

// statementV2 checks what a version 2 proof says about its credentials
// against the ledger and the request and derives its statement: per
// credential, the issuer-set root must be one the ledger has for the type,
// current or superseded at most maxSetRootAge ago (ErrStaleRoot); when the
// request reveals issuers, the named issuer must be accredited for the
// type (ErrNotAccredited) and the proven key one of its keys (ErrBadProof);
// when it hides them, neither the presentation nor the proof may name one
// (ErrMalformed).
func (g *Gate) statementV2(state *ledger.State, req *Request, p *Presentation, info ProofInfo, now time.Time) (*Statement, error) {
	cs := p.Credentials()
	if len(info.Credentials) != len(cs) {
		return nil, fmt.Errorf("%w: the proof covers %d credentials, the presentation names %d", ErrMalformed, len(info.Credentials), len(cs))
	}
	stmt := &Statement{Request: req, Today: now}
	for i, c := range cs {
		ci := info.Credentials[i]
		typeName, _, err := SplitType(c.Type)
		if err != nil {
			return nil, err
		}
		root, err := state.IssuerSetRoot(typeName, ledger.Hash(ci.SetRoot))
		if err != nil {
			return nil, fmt.Errorf("%w: credential %d: %s is not an issuer-set root the ledger has had for %q", ErrStaleRoot, i+1, ci.SetRoot, typeName)
		}
		if !root.Fresh(now, g.cfg.maxSetRootAge) {
			age := now.Sub(time.Unix(root.SupersededTime, 0))
			return nil, fmt.Errorf("%w: credential %d: issuer-set root of %q superseded %v ago (window %v)", ErrStaleRoot, i+1, typeName, age.Round(time.Second), g.cfg.maxSetRootAge)
		}
		cst := CredentialStatement{Type: c.Type, SetRoot: ci.SetRoot}
		switch {
		case req.RevealIssuer:
			if c.Issuer == "" || len(ci.IssuerKey) == 0 {
				return nil, fmt.Errorf("%w: the request reveals issuers, credential %d names none", ErrMalformed, i+1)
			}
			issuer, err := accredited(state, c.Issuer, c.Type)
			if err != nil {
				return nil, err
			}
			if cst.IssuerKey = keyOf(issuer, ci.IssuerKey); cst.IssuerKey == nil {
				return nil, fmt.Errorf("%w: credential %d: the proven issuer key is none of %s's keys", ErrBadProof, i+1, c.Issuer)
			}
		case c.Issuer != "" || len(ci.IssuerKey) != 0:
			return nil, fmt.Errorf("%w: the request hides issuers, credential %d names one", ErrMalformed, i+1)
		}
		stmt.Credentials = append(stmt.Credentials, cst)
	}
	return stmt, nil
}

// keyOf returns the key of the agency (current or earlier) whose ZK key
// has the compressed form zk, or nil.
func keyOf(a ledger.Agency, zk []byte) *identity.PublicKey {
	for i := len(a.Keys) - 1; i >= 0; i-- {
		if k := a.Keys[i].Key; k != nil && k.ZK() != nil && bytes.Equal(k.ZK().Bytes(), zk) {
			return k
		}
	}
	return nil
}

// commit reserves the nonce, a use of the grant and the nullifier, writes
// the access record, and releases the reservations if the write fails.
func (g *Gate) commit(ctx context.Context, req *Request, p *Presentation, pre *prepared, out *Proven, now time.Time) (*Result, error) {
	gid, st := pre.grant, pre.status
	nh := NullifierHash(req.Scope, out.Nullifier)
	g.mu.Lock()
	is := g.nonces[req.Nonce]
	switch {
	case is == nil:
		g.mu.Unlock()
		return nil, fmt.Errorf("%w: nonce %x", ErrUnknownNonce, req.Nonce[:8])
	case is.used:
		g.mu.Unlock()
		return nil, fmt.Errorf("%w: nonce %x", ErrReplay, req.Nonce[:8])
	case g.nullifiers[nh] && !g.cfg.repeats:
		g.mu.Unlock()
		return nil, fmt.Errorf("%w: scope %q", ErrNullifierUsed, req.Scope)
	case g.revoked[gid]:
		g.mu.Unlock()
		return nil, fmt.Errorf("%w: grant %x", ErrConsentRevoked, gid[:8])
	}
	uses := max(g.uses[gid], st.Uses)
	if lim := p.Grant.UseLimit; lim > 0 && uses >= lim {
		g.mu.Unlock()
		return nil, &CoverageError{Grant: gid, UsesExhausted: true}
	}
	seen := g.nullifiers[nh]
	is.used, g.nullifiers[nh], g.uses[gid] = true, true, uses+1
	g.mu.Unlock()

	rec := &ledger.AccessRecord{Grant: ledger.Hash(gid), Purpose: string(req.Purpose), Statement: ledger.Hash(statementHash(pre.req, p)), Nullifier: ledger.Hash(nh)}
	rc, err := submit(ctx, g.l, g.agency, now, rec, "access record")
	if err != nil {
		g.mu.Lock()
		is.used, g.uses[gid] = false, g.uses[gid]-1
		if !seen {
			delete(g.nullifiers, nh)
		}
		g.mu.Unlock()
		if lg, lerr := g.l.State().Grant(ledger.Hash(gid)); lerr == nil && lg.Withdrawn {
			return nil, fmt.Errorf("%w: withdrawn while verifying: %w", ErrConsentWithdrawn, err)
		}
		return nil, err
	}
	g.mu.Lock()
	g.tracked[gid] = p.Grant
	g.mu.Unlock()
	return &Result{Disclosed: out.Disclosed, AlsoDisclosed: out.AlsoDisclosed, Nullifier: out.Nullifier, Grant: gid,
		Type: p.Type, Issuer: p.Issuer, Also: slices.Clone(p.Also), Access: rc}, nil
}

// RevocationTopic is the topic of the agency-event ledger records by
// which an agency revokes a grant it holds (digest = grant id, amount 0):
// ledger.GrantRevokeTopic, which the ledger accepts only from the agency
// the grant was anchored to, so no other agency can revoke it, even in
// appearance. An agency-event makes the revocation durable, public and
// auditable.
const RevocationTopic = ledger.GrantRevokeTopic

// Revoke ends a grant from the agency's side (state dpv:ConsentRevoked):
// it writes an agency-event record (RevocationTopic) to the ledger, after
// which every presentation under the grant fails with ErrConsentRevoked,
// in this gate and in any gate of the agency started later, and watchers
// receive an EventRevoked. Only grants anchored to this agency can be
// revoked (ErrNoConsent otherwise).
func (g *Gate) Revoke(ctx context.Context, grant Digest) error {
	lg, err := g.l.State().Grant(ledger.Hash(grant))
	if err != nil || lg.Agency != g.agencyID {
		return fmt.Errorf("%w: grant %s is not anchored to this agency", ErrNoConsent, grant.String()[:16])
	}
	g.mu.Lock()
	already := g.revoked[grant]
	g.mu.Unlock()
	if already {
		return nil
	}
	if _, err := submit(ctx, g.l, g.agency, g.cfg.clock(), &ledger.AgencyEvent{Topic: RevocationTopic, Digest: ledger.Hash(grant)}, "revoke"); err != nil {
		return err
	}
	g.mu.Lock()
	g.revoked[grant] = true
	g.mu.Unlock()
	return nil
}

// revocationOf returns the grant an agency-event record of this agency
// revokes, if it is one.
func (g *Gate) revocationOf(sr *ledger.SignedRecord) (Digest, bool) {
	p, ok := sr.Record.Payload.(*ledger.AgencyEvent)
	if !ok || p.Topic != RevocationTopic {
		return Digest{}, false
	}
	if ag, err := g.l.State().Agency(sr.Record.Author); err != nil || ag.ID != g.agencyID {
		return Digest{}, false
	}
	return Digest(p.Digest), true
}
