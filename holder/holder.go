package holder

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/wallet"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

// Errors.
var (
	// ErrBadMaster: the master secret is not MasterSize bytes, or is all
	// zeros.
	ErrBadMaster = errors.New("holder: master secret must be 32 bytes, not all zero")
	// ErrNotMine: a grant or credential is not addressed to, or signed by,
	// this holder's pairwise identity for its counterparty.
	ErrNotMine = errors.New("holder: not this holder's pairwise identity")
	// ErrNoCredential: no stored credential with a current revocation
	// witness answers the request.
	ErrNoCredential = errors.New("holder: no stored credential answers the request")
)

// MasterSize is the size of the master secret (wallet.MasterSecretSize).
const MasterSize = wallet.MasterSecretSize

// Store is where the holder keeps its credentials and the holder secret
// they are bound to. *wallet.Store implements it; a browser wallet plugs
// in its own storage.
type Store interface {
	// HolderSecret is the one secret every credential is bound to; it
	// enters proofs only as a private input.
	HolderSecret() fr.Element
	// Add keeps a credential bound to HolderSecret.
	Add(c *credential.Credential) error
	// List returns the stored credentials of a schema name and issuer
	// ("" matches all).
	List(typ string, issuer identity.DID) []wallet.Entry
}

var _ Store = (*wallet.Store)(nil)

// Role says what a pairwise identity is used for.
type Role uint8

// Roles of pairwise identities. Each (role, counterparty) pair has its own
// identity, so the DID an issuer delivered a credential to never signs
// consent, even at the same agency.
const (
	// RoleAgency: consent grants, receipts, withdrawals and presentations
	// to a verifier agency, and that agency's access records.
	RoleAgency Role = iota + 1
	// RoleIssuer: the subject and delivery key of credentials an issuer
	// issues to the holder.
	RoleIssuer
)

var roleNames = [...]string{RoleAgency: "agency", RoleIssuer: "issuer"}

// String returns "agency" or "issuer".
func (r Role) String() string {
	if r == RoleAgency || r == RoleIssuer {
		return roleNames[r]
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// Pair is one pairwise identity in use: the DID the holder shows
// Counterparty in Role.
type Pair struct {
	Counterparty identity.DID
	Role         Role
	DID          identity.DID
}

// Option configures a Holder.
type Option func(*config) error

type config struct {
	now  func() time.Time
	rand io.Reader
}

// WithClock sets the clock deciding request expiry, grant validity and
// record times (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("holder: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithRand sets the source of grant salts (default crypto/rand).
func WithRand(r io.Reader) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("holder: nil random source")
		}
		c.rand = r
		return nil
	}
}

type pairKey struct {
	role         Role
	counterparty identity.DID
}

// Holder is the citizen's agent: it derives a pairwise identity per
// counterparty from one master secret, asks issuers for credentials under
// the pairwise identity for that issuer, gives and withdraws consent and
// presents proofs under the pairwise identity for the requesting agency,
// and lists the citizen's access log. The holder secret inside proofs
// (holder binding, nullifier) is the store's one secret. Safe for
// concurrent use.
type Holder struct {
	master []byte
	store  Store
	cfg    config

	mu     sync.Mutex
	ids    map[pairKey]*identity.PrivateKey
	used   map[pairKey]bool
	grants []*consent.Grant
}

// New returns the holder with master secret master (MasterSize bytes, for
// example wallet.Store.MasterSecret) over store. Credentials already in
// the store that were delivered to one of its pairwise identities are
// listed by Pairwise at once.
func New(master []byte, store Store, opts ...Option) (*Holder, error) {
	if len(master) != MasterSize || !slices.ContainsFunc(master, func(b byte) bool { return b != 0 }) {
		return nil, ErrBadMaster
	}
	if store == nil {
		return nil, errors.New("holder: nil store")
	}
	h := &Holder{master: slices.Clone(master), store: store, cfg: config{now: time.Now, rand: rand.Reader},
		ids: map[pairKey]*identity.PrivateKey{}, used: map[pairKey]bool{}}
	for _, o := range opts {
		if err := o(&h.cfg); err != nil {
			return nil, err
		}
	}
	for _, e := range store.List("", "") {
		c := e.Credential
		if c.Holder == "" {
			continue
		}
		if k, err := h.DeliveryIdentity(c.Issuer); err == nil && k.DID() == c.Holder {
			h.markUsed(RoleIssuer, c.Issuer)
		}
	}
	return h, nil
}

// infoPrefix separates the holder's HKDF outputs from every other use of
// the master secret.
const infoPrefix = "civicproof/holder/v1/pairwise"

// derive returns the pairwise identity for (role, counterparty): the
// identity.PrivateKey whose seed is HKDF-SHA-256 (RFC 5869) with the
// master secret as input key material, no salt, and info
// infoPrefix || 0x00 || role name || 0x00 || counterparty DID.
func (h *Holder) derive(role Role, counterparty identity.DID) (*identity.PrivateKey, error) {
	if _, err := identity.ParseDID(string(counterparty)); err != nil {
		return nil, fmt.Errorf("holder: counterparty: %w", err)
	}
	k := pairKey{role, counterparty}
	h.mu.Lock()
	id := h.ids[k]
	h.mu.Unlock()
	if id != nil {
		return id, nil
	}
	info := strings.Join([]string{infoPrefix, role.String(), string(counterparty)}, "\x00")
	seed, err := hkdf.Key(sha256.New, h.master, nil, info, identity.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("holder: deriving a pairwise seed: %w", err)
	}
	if id, err = identity.NewKeyFromSeed(seed); err != nil {
		return nil, fmt.Errorf("holder: deriving a pairwise key: %w", err)
	}
	h.mu.Lock()
	h.ids[k] = id
	h.mu.Unlock()
	return id, nil
}

func (h *Holder) markUsed(role Role, counterparty identity.DID) {
	h.mu.Lock()
	h.used[pairKey{role, counterparty}] = true
	h.mu.Unlock()
}

// IdentityFor returns the holder's pairwise identity for a verifier
// agency (its Ed25519 signing key, X25519 key and DID): the DID that signs
// the holder's grants, receipts, withdrawals and presentations to that
// agency and nothing else. It is a pure function of the master secret and
// the agency DID, so a wallet restored from its backup finds the same
// identity. Errors: an invalid DID.
func (h *Holder) IdentityFor(agency identity.DID) (*identity.PrivateKey, error) {
	return h.derive(RoleAgency, agency)
}

// DeliveryIdentity returns the holder's pairwise identity for an issuer:
// the subject DID of the credentials it issues to the holder and the HPKE
// key they are sealed to. It differs from IdentityFor of the same DID.
func (h *Holder) DeliveryIdentity(issuer identity.DID) (*identity.PrivateKey, error) {
	return h.derive(RoleIssuer, issuer)
}

// CredentialRequest returns what to send issuer to be issued a credential
// with claims: the pairwise delivery DID as subject and the binding of the
// holder secret (never the secret).
func (h *Holder) CredentialRequest(issuer identity.DID, claims credential.Claims, validUntil time.Time) (*credential.Request, error) {
	k, err := h.DeliveryIdentity(issuer)
	if err != nil {
		return nil, err
	}
	h.markUsed(RoleIssuer, issuer)
	return &credential.Request{Holder: k.DID(), HolderBinding: credential.HolderBinding(h.store.HolderSecret()), Claims: claims, ValidUntil: validUntil}, nil
}

// Receive opens a credential that issuer sealed (credential.Seal) to the
// holder's delivery identity for it, checks that it names that identity
// as its subject (ErrNotMine otherwise) and keeps it in the store (which
// refuses credentials bound to another secret with
// credential.ErrHolderMismatch).
func (h *Holder) Receive(issuer identity.DID, sealed []byte) (*credential.Credential, error) {
	k, err := h.DeliveryIdentity(issuer)
	if err != nil {
		return nil, err
	}
	c, err := credential.Open(k, sealed)
	if err != nil {
		return nil, fmt.Errorf("holder: opening a credential from %s: %w", issuer, err)
	}
	if c.Holder != k.DID() {
		return nil, fmt.Errorf("%w: credential subject %q is not the delivery identity for %s", ErrNotMine, c.Holder, issuer)
	}
	if err := h.store.Add(c); err != nil {
		return nil, fmt.Errorf("holder: storing the credential: %w", err)
	}
	h.markUsed(RoleIssuer, issuer)
	return c, nil
}

// ConsentOptions shape a grant. The zero value grants exactly what the
// request asks, for DefaultValidity, without use limit.
type ConsentOptions struct {
	Validity time.Duration // 0: DefaultValidity
	UseLimit uint32        // 0: no limit
	// Ward, when set, makes the holder a guardian consenting for the ward:
	// Ward is the ward's pairwise DID for the request's agency (the ward's
	// IdentityFor), the guardian signs with its own pairwise identity for
	// that agency, and the guardianship of that pair must be on the ledger
	// (consent.ErrNoGuardianship otherwise).
	Ward identity.DID
}

// DefaultValidity is how long a grant lasts unless ConsentOptions says.
const DefaultValidity = 30 * 24 * time.Hour

// Consent gives the requesting agency what req asks: it verifies the
// request (consent.ErrBadSignature, consent.ErrExpired, ...), makes the
// grant for the holder's pairwise DID for req.Agency (and the request's
// scope), signs it with that identity and anchors its receipt on l. The
// holder keeps the grant for Present, Withdraw and AccessLog.
func (h *Holder) Consent(ctx context.Context, l ledger.Ledger, req *consent.Request, opts ConsentOptions) (*consent.Grant, error) {
	now := h.cfg.now()
	if req == nil {
		return nil, fmt.Errorf("%w: nil request", consent.ErrMalformed)
	}
	if err := req.Verify(now); err != nil {
		return nil, err
	}
	key, err := h.IdentityFor(req.Agency)
	if err != nil {
		return nil, err
	}
	citizen := key.DID()
	if opts.Ward != "" {
		citizen = opts.Ward
	}
	validity := opts.Validity
	if validity == 0 {
		validity = DefaultValidity
	}
	g, err := consent.NewGrant(h.cfg.rand, citizen, req, now, validity)
	if err != nil {
		return nil, err
	}
	g.UseLimit = opts.UseLimit
	if opts.Ward != "" {
		g.Guardian = key.DID()
	}
	if err := g.Sign(key); err != nil {
		return nil, err
	}
	if _, err := consent.Anchor(ctx, l, key, g, now); err != nil {
		return nil, err
	}
	h.markUsed(RoleAgency, req.Agency)
	h.mu.Lock()
	h.grants = append(h.grants, g)
	h.mu.Unlock()
	return g, nil
}

// Keep adds a grant this holder gave earlier (for example restored from
// the app's storage) to those Present and AccessLog use. It must be signed
// by the holder's pairwise identity for its agency (ErrNotMine).
func (h *Holder) Keep(g *consent.Grant) error {
	if err := g.Verify(); err != nil {
		return err
	}
	if err := h.mine(g); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.ContainsFunc(h.grants, func(x *consent.Grant) bool { return x.ID() == g.ID() }) {
		h.grants = append(h.grants, g)
	}
	h.used[pairKey{RoleAgency, g.Agency}] = true
	return nil
}

// Grants returns the grants the holder gave (and kept), oldest first.
func (h *Holder) Grants() []*consent.Grant {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.grants)
}

// mine returns the holder's identity for g's agency if it signed g.
func (h *Holder) mine(g *consent.Grant) error {
	key, err := h.IdentityFor(g.Agency)
	if err != nil {
		return err
	}
	if g.Signer() != key.DID() {
		return fmt.Errorf("%w: grant %s is signed by %s", ErrNotMine, g.ID().String()[:16], g.Signer())
	}
	return nil
}

// Withdraw withdraws the grant (or only the named parts, see
// consent.Grant.Parts) on l, signed by the pairwise identity that gave it
// (ErrNotMine if the holder did not).
func (h *Holder) Withdraw(ctx context.Context, l ledger.Ledger, g *consent.Grant, parts ...string) (ledger.Receipt, error) {
	if g == nil {
		return ledger.Receipt{}, fmt.Errorf("%w: nil grant", consent.ErrMalformed)
	}
	if err := h.mine(g); err != nil {
		return ledger.Receipt{}, err
	}
	key, _ := h.IdentityFor(g.Agency)
	return consent.Withdraw(ctx, l, key, g, h.cfg.now(), parts...)
}

// Present answers req: it verifies the request and finds a live grant of
// this holder that covers it (consent.CheckRequest over the grants'
// statuses on l: a *consent.CoverageError says what is missing), picks a
// stored credential of an accepted type whose revocation witness is
// current and which satisfies the request (ErrNoCredential wrapping the
// last reason otherwise; refresh witnesses with wallet.Store.Refresh
// first), proves with pk and signs the presentation with the pairwise
// identity for req.Agency.
//
// The proving key's shape decides the proof. With a version 2 key (one
// of the shape zkp.ShapeV2 for the request's number of credentials) it
// picks one credential per position of the request (distinct ones when
// it holds enough, else one at several positions), of a type the request
// and the grant accept there, and proves them together
// against their types' current issuer-set roots on l (consent.HeldV2),
// hiding each issuer unless the request reveals them. With a version 1
// key it proves one credential, naming its issuer, so it answers only a
// one-credential request that reveals the issuer (RevealIssuer), the
// only kind the gate accepts such a proof for: a request of several
// credentials, or one that hides the issuer, is refused with
// consent.ErrMalformed once consent is checked and before a credential
// is picked or anything is proven (present it with a version 2 key).
func (h *Holder) Present(ctx context.Context, l ledger.Ledger, pk *zkp.ProvingKey, req *consent.Request) (*consent.Presentation, error) {
	now := h.cfg.now()
	if req == nil || pk == nil || l == nil {
		return nil, fmt.Errorf("%w: Present needs a ledger, a proving key and a request", consent.ErrMalformed)
	}
	key, err := h.IdentityFor(req.Agency)
	if err != nil {
		return nil, err
	}
	var statuses []*consent.Status
	for _, g := range h.Grants() {
		if g.Agency != req.Agency || g.Signer() != key.DID() {
			continue
		}
		st, err := consent.StatusOf(l, g, now)
		if err != nil {
			continue // not anchored: cannot cover anything
		}
		statuses = append(statuses, st)
	}
	st, err := consent.CheckRequest(now, req, statuses...)
	if err != nil {
		return nil, err
	}
	if pk.CircuitShape().Version == 2 {
		hold, err := h.holdingV2(l.State(), req, st, now)
		if err != nil {
			return nil, err
		}
		return consent.PresentV2(ctx, key, pk, req, st, hold, now)
	}
	if err := answersV1(req); err != nil {
		return nil, err
	}
	hold, err := h.holding(req, st, now)
	if err != nil {
		return nil, err
	}
	return consent.Present(ctx, key, pk, req, st, hold, now)
}

// answersV1 refuses, before a credential is picked or anything is proven,
// a request that a version 1 proof cannot answer: one of several
// credentials, or one that hides the issuer (a version 1 proof always
// names its issuer, so proving would cost the citizen seconds, show the
// issuer against the request's terms, and be refused by the gate).
func answersV1(req *consent.Request) error {
	if n := 1 + len(req.Also); n > 1 {
		return fmt.Errorf("%w: the request asks for %d credentials and a version 1 proving key proves one: present with a version 2 proving key (zkp.ShapeV2 for %d credentials)", consent.ErrMalformed, n, n)
	}
	if !req.RevealIssuer {
		return fmt.Errorf("%w: the request hides the issuer and a version 1 proof always names it: present with a version 2 proving key (zkp.ShapeV2)", consent.ErrMalformed)
	}
	return nil
}

// CanAnswer reports whether a stored credential answers req, before the
// citizen is asked to consent: it verifies the request
// (consent.ErrBadSignature, consent.ErrExpired, ...) and returns
// ErrNoCredential wrapping the last reason (zkp.ErrUnsatisfied for a
// credential whose claims do not satisfy the predicates) if no credential
// of a requested type with a current revocation witness answers it.
// Nothing is signed, proven or written.
func (h *Holder) CanAnswer(req *consent.Request) error {
	now := h.cfg.now()
	if req == nil {
		return fmt.Errorf("%w: nil request", consent.ErrMalformed)
	}
	if err := req.Verify(now); err != nil {
		return err
	}
	_, err := h.holding(req, nil, now)
	return err
}

// CanAnswerV2 is CanAnswer for a version 2 proof: it reports whether
// stored credentials, one per position of req, answer it against their
// types' current issuer-set roots on l (ErrNoCredential wrapping the last
// reason otherwise). Nothing is signed, proven or written.
func (h *Holder) CanAnswerV2(l ledger.Ledger, req *consent.Request) error {
	now := h.cfg.now()
	if req == nil || l == nil {
		return fmt.Errorf("%w: nil request or ledger", consent.ErrMalformed)
	}
	if err := req.Verify(now); err != nil {
		return err
	}
	_, err := h.holdingV2(l.State(), req, nil, now)
	return err
}

// holdingV2 picks, for each position of req, a stored credential (distinct
// ones if it can) of a type the request (and the grant, when st is set) accepts there,
// with a current revocation witness and a leaf in its type's issuer set,
// such that together they answer req.
func (h *Holder) holdingV2(state *ledger.State, req *consent.Request, st *consent.Status, now time.Time) (*zkp.HoldingV2, error) {
	secret := h.store.HolderSecret()
	why := errors.New("no credential of an accepted type")
	qs := req.Queries()
	var allowed []consent.Query
	if st != nil {
		allowed = st.Grant.Queries()
	}
	cands := make([][]zkp.HeldCredential, len(qs))
	for i, q := range qs {
		for _, e := range h.store.List("", "") {
			t := consent.TypeOf(e.Credential)
			if !slices.Contains(q.Types, t) {
				continue
			}
			if st != nil && (i >= len(allowed) || !slices.Contains(allowed[i].Types, t) ||
				slices.Contains(st.WithdrawnParts, consent.PartAt(i+1, consent.TypePart(t)))) {
				continue
			}
			if e.Witness == nil || e.Revoked {
				why = fmt.Errorf("credential %s has no current revocation witness", e.Credential.ID())
				continue
			}
			held, err := consent.HeldV2(state, e.Credential, e.Witness)
			if err != nil {
				why = err
				continue
			}
			cands[i] = append(cands[i], held)
		}
		if len(cands[i]) == 0 {
			return nil, fmt.Errorf("%w: credential %d: %w", ErrNoCredential, i+1, why)
		}
	}
	// Try the combinations (at most MaxCredentials positions, a few
	// credentials each) until one answers the request: distinct
	// credentials first, then with one credential at several positions
	// (a proof may cover the same credential twice).
	pick := make([]zkp.HeldCredential, len(qs))
	distinct := true
	var try func(i int) *zkp.HoldingV2
	try = func(i int) *zkp.HoldingV2 {
		if i == len(qs) {
			hold := &zkp.HoldingV2{Secret: secret, Credentials: slices.Clone(pick)}
			if err := consent.CanAnswerV2(req, hold, now); err != nil {
				why = err
				return nil
			}
			return hold
		}
		for _, c := range cands[i] {
			if distinct && slices.ContainsFunc(pick[:i], func(p zkp.HeldCredential) bool { return p.Credential == c.Credential }) {
				continue
			}
			pick[i] = c
			if hold := try(i + 1); hold != nil {
				return hold
			}
		}
		return nil
	}
	if hold := try(0); hold != nil {
		return hold, nil
	}
	if distinct = false; len(qs) > 1 {
		if hold := try(0); hold != nil {
			return hold, nil
		}
	}
	return nil, fmt.Errorf("%w: %w", ErrNoCredential, why)
}

// holding picks the stored credential that answers req under the grant
// (under any grant when st is nil).
func (h *Holder) holding(req *consent.Request, st *consent.Status, now time.Time) (*zkp.Holding, error) {
	secret := h.store.HolderSecret()
	why := errors.New("no credential of an accepted type")
	for _, e := range h.store.List("", "") {
		t := consent.TypeOf(e.Credential)
		if !slices.Contains(req.Types, t) || st != nil && (!slices.Contains(st.Grant.Types, t) || slices.Contains(st.WithdrawnParts, consent.TypePart(t))) {
			continue
		}
		if e.Witness == nil || e.Revoked {
			why = fmt.Errorf("credential %s has no current revocation witness", e.Credential.ID())
			continue
		}
		hold := &zkp.Holding{Credential: e.Credential, Secret: secret, Witness: e.Witness}
		if err := consent.CanAnswer(req, hold, now); err != nil {
			why = err
			continue
		}
		return hold, nil
	}
	return nil, fmt.Errorf("%w: %w", ErrNoCredential, why)
}

// AccessLog lists, from l, every grant the holder gave (as citizen or as
// guardian) with the access records made under it: which agency used
// which grant, when and why. Grants are found under each pairwise DID the
// holder uses with an agency, oldest first.
func (h *Holder) AccessLog(l ledger.Ledger) []consent.GrantView {
	now := h.cfg.now()
	held := h.Grants()
	subjects := map[identity.DID]bool{}
	for _, p := range h.Pairwise() {
		if p.Role == RoleAgency {
			subjects[p.DID] = true
		}
	}
	for _, g := range held {
		subjects[g.Citizen] = true // a ward's grants signed by this guardian
	}
	var out []consent.GrantView
	seen := map[consent.Digest]bool{}
	for d := range subjects {
		for _, v := range consent.CitizenView(l, d, now, held...) {
			if !seen[v.ID] && (v.Grant != nil || h.isPairwise(d)) {
				seen[v.ID] = true
				out = append(out, v)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b consent.GrantView) int {
		if c := a.Anchored.Compare(b.Anchored); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	return out
}

func (h *Holder) isPairwise(d identity.DID) bool {
	return slices.ContainsFunc(h.Pairwise(), func(p Pair) bool { return p.DID == d })
}

// Pairwise lists the pairwise identities the holder has used — with each
// issuer that delivered a credential to it and each agency it consented
// to — sorted by role, then counterparty.
func (h *Holder) Pairwise() []Pair {
	h.mu.Lock()
	keys := make([]pairKey, 0, len(h.used))
	for k := range h.used {
		keys = append(keys, k)
	}
	h.mu.Unlock()
	out := make([]Pair, 0, len(keys))
	for _, k := range keys {
		id, err := h.derive(k.role, k.counterparty)
		if err != nil { // used pairs were derived once already
			continue
		}
		out = append(out, Pair{Counterparty: k.counterparty, Role: k.role, DID: id.DID()})
	}
	slices.SortFunc(out, func(a, b Pair) int {
		if a.Role != b.Role {
			return int(a.Role) - int(b.Role)
		}
		return strings.Compare(string(a.Counterparty), string(b.Counterparty))
	})
	return out
}
