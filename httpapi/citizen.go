package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// LedgerEntry is one ledger record with what a wallet needs to check it
// without trusting the server: its canonical bytes and its RFC 6962
// inclusion proof in the tree of the accompanying checkpoint.
type LedgerEntry struct {
	Index  uint64   `json:"index"`
	Record []byte   `json:"record"`
	Proof  [][]byte `json:"proof"`
}

// AccessLog is a citizen's (pairwise) DID's consent history as the ledger
// has it: for each grant, the receipt, the withdrawal if any and every
// access record; the registrations of the agencies named; and the signed
// checkpoint all proofs are for. Check it with VerifyAccessLog.
type AccessLog struct {
	Checkpoint []byte         `json:"checkpoint"`
	Grants     []GrantEntries `json:"grants"`
	Agencies   []LedgerEntry  `json:"agencies"`
}

// GrantEntries are the records of one grant.
type GrantEntries struct {
	Receipt    LedgerEntry   `json:"receipt"`
	Withdrawal *LedgerEntry  `json:"withdrawal,omitempty"`
	Accesses   []LedgerEntry `json:"accesses"`
}

// AgencyFacts are the records that show who an agency is and what it is
// accredited for: the governance-init record (index 0: who the root
// authority is), the agency's registration, and the root authority's
// latest accreditation record for the role and type asked, with the
// checkpoint their proofs are for. Check them with VerifyAgency.
type AgencyFacts struct {
	Checkpoint    []byte       `json:"checkpoint"`
	Governance    LedgerEntry  `json:"governance"`
	Registration  LedgerEntry  `json:"registration"`
	Accreditation *LedgerEntry `json:"accreditation,omitempty"`
}

// Citizen serves the ledger to wallets: a citizen's access log with
// proofs, an agency's registration and accreditation with proofs, and the
// submission of the records a citizen writes (consent receipts and
// withdrawals). Safe for concurrent use.
type Citizen struct {
	opts options
	l    ledger.Ledger
	base *url.URL
}

// NewCitizen returns the citizen endpoints over l under baseURL (e.g.
// "https://ledger.example/citizen").
func NewCitizen(l ledger.Ledger, baseURL string, opts Options) (*Citizen, error) {
	if l == nil {
		return nil, errors.New("httpapi: nil ledger")
	}
	u, err := parseBase(baseURL)
	if err != nil {
		return nil, err
	}
	return &Citizen{opts: options{opts}, l: l, base: u}, nil
}

// Handler returns the endpoints under the base URL's path:
//
//	GET  {base}/log?did=D                      AccessLog of citizen DID D
//	GET  {base}/agency?did=D&role=R&type=T     AgencyFacts
//	GET  {base}/key?fingerprint=F&shape=S      KeyFacts
//	GET  {base}/issuer-set?type=T              consent.IssuerSetFile of type T
//	POST {base}/records                        a signed consent-receipt or
//	                                           consent-withdrawal record -> {"index": n}
//
// The log of a pairwise DID is public on the ledger already (it holds no
// personal datum); the DID is not logged.
func (c *Citizen) Handler() http.Handler {
	p := c.base.Path
	mux := http.NewServeMux()
	mux.Handle("GET "+p+"/log", c.opts.handle(c.serveLog))
	mux.Handle("GET "+p+"/agency", c.opts.handle(c.serveAgency))
	mux.Handle("POST "+p+"/records", c.opts.handle(c.serveRecord))
	mux.Handle("GET "+p+"/key", c.opts.handle(c.serveKey))
	mux.Handle("GET "+p+"/issuer-set", c.opts.handle(c.serveIssuerSet))
	return mux
}

// serveIssuerSet answers the current issuer set of a credential type
// (the schema name): public, and the whole set, so that a wallet fetching
// it says which type it proves, never which issuer.
func (c *Citizen) serveIssuerSet(w http.ResponseWriter, r *http.Request) error {
	typ := r.URL.Query().Get("type")
	if typ == "" || len(typ) > 200 {
		return fmt.Errorf("%w: type is required", ErrBadBody)
	}
	f, err := consent.IssuerSetOf(c.l.State(), typ)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, f)
	return nil
}

func queryDID(r *http.Request) (identity.DID, error) {
	d := identity.DID(r.URL.Query().Get("did"))
	if _, err := d.Ed25519(); err != nil {
		return "", fmt.Errorf("%w: did: %v", ErrBadBody, err)
	}
	return d, nil
}

func (c *Citizen) entry(ctx context.Context, idx, size uint64) (LedgerEntry, error) {
	sr, err := c.l.Record(ctx, idx)
	if err != nil {
		return LedgerEntry{}, fmt.Errorf("%w: record %d: %w", ErrServer, idx, err)
	}
	b, err := sr.Bytes()
	if err != nil {
		return LedgerEntry{}, fmt.Errorf("%w: record %d: %w", ErrServer, idx, err)
	}
	p, err := c.l.InclusionProof(ctx, idx, size)
	if err != nil {
		return LedgerEntry{}, fmt.Errorf("%w: proof of %d: %w", ErrServer, idx, err)
	}
	return LedgerEntry{Index: idx, Record: b, Proof: p}, nil
}

// AccessLog returns the access log of citizen with proofs against the
// current checkpoint.
func (c *Citizen) AccessLog(ctx context.Context, citizen identity.DID) (*AccessLog, error) {
	cp, err := c.l.Checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: checkpoint: %w", ErrServer, err)
	}
	st := c.l.State()
	out := &AccessLog{Checkpoint: cp.Note, Grants: []GrantEntries{}}
	var agencies []uint64
	for _, g := range st.GrantsOf(citizen) {
		if g.Index >= cp.Size {
			continue
		}
		var ge GrantEntries
		if ge.Receipt, err = c.entry(ctx, g.Index, cp.Size); err != nil {
			return nil, err
		}
		if g.Withdrawn && g.WithdrawnIndex < cp.Size {
			e, err := c.entry(ctx, g.WithdrawnIndex, cp.Size)
			if err != nil {
				return nil, err
			}
			ge.Withdrawal = &e
		}
		for _, a := range st.AccessRecords(g.ID) {
			if a.Index >= cp.Size {
				continue
			}
			e, err := c.entry(ctx, a.Index, cp.Size)
			if err != nil {
				return nil, err
			}
			ge.Accesses = append(ge.Accesses, e)
		}
		if ag, err := st.Agency(g.Agency); err == nil && ag.Registered < cp.Size && !slices.Contains(agencies, ag.Registered) {
			agencies = append(agencies, ag.Registered)
		}
		out.Grants = append(out.Grants, ge)
	}
	for _, idx := range agencies {
		e, err := c.entry(ctx, idx, cp.Size)
		if err != nil {
			return nil, err
		}
		out.Agencies = append(out.Agencies, e)
	}
	return out, nil
}

func (c *Citizen) serveLog(w http.ResponseWriter, r *http.Request) error {
	d, err := queryDID(r)
	if err != nil {
		return err
	}
	log, err := c.AccessLog(r.Context(), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, log)
	return nil
}

// Agency returns the facts of agency for role and credential type typ;
// an agency not registered is ledger.ErrNotFound.
func (c *Citizen) Agency(ctx context.Context, agency identity.DID, role ledger.Role, typ string) (*AgencyFacts, error) {
	cp, err := c.l.Checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: checkpoint: %w", ErrServer, err)
	}
	st := c.l.State()
	ag, err := st.Agency(agency)
	if err != nil || ag.Registered >= cp.Size {
		return nil, fmt.Errorf("%w: agency", ledger.ErrNotFound)
	}
	out := &AgencyFacts{Checkpoint: cp.Note}
	if out.Governance, err = c.entry(ctx, 0, cp.Size); err != nil {
		return nil, err
	}
	if out.Registration, err = c.entry(ctx, ag.Registered, cp.Size); err != nil {
		return nil, err
	}
	if acc, err := st.Accreditation(agency, role, typ); err == nil && len(acc.Events) > 0 {
		if last := acc.Events[len(acc.Events)-1]; last.Active && last.Index < cp.Size {
			e, err := c.entry(ctx, last.Index, cp.Size)
			if err != nil {
				return nil, err
			}
			out.Accreditation = &e
		}
	}
	return out, nil
}

func (c *Citizen) serveAgency(w http.ResponseWriter, r *http.Request) error {
	d, err := queryDID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	role := ledger.Role(q.Get("role"))
	if role != ledger.RoleIssuer && role != ledger.RoleVerifier || q.Get("type") == "" || len(q.Get("type")) > 200 {
		return fmt.Errorf("%w: role (issuer or verifier) and type are required", ErrBadBody)
	}
	f, err := c.Agency(r.Context(), d, role, q.Get("type"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

type recordResult struct {
	Index uint64 `json:"index"`
}

func (c *Citizen) serveRecord(w http.ResponseWriter, r *http.Request) error {
	b, err := readBody(w, r, "application/json", MaxRecordBody)
	if err != nil {
		return err
	}
	sr, err := ledger.DecodeSignedRecord(b)
	if err != nil {
		return err
	}
	switch sr.Record.Payload.(type) {
	case *ledger.ConsentReceipt, *ledger.ConsentWithdrawal:
	default:
		return fmt.Errorf("%w: %s", ErrUnsupportedRecord, sr.Record.Kind)
	}
	rc, err := c.l.Submit(r.Context(), sr)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, recordResult{Index: rc.Index})
	return nil
}

// KeyFacts show that a verifying key fingerprint is official for a
// circuit shape: the governance-init record and the root authority's
// verifying-key record, with proofs. Check them with VerifyOfficialKey.
type KeyFacts struct {
	Checkpoint []byte      `json:"checkpoint"`
	Governance LedgerEntry `json:"governance"`
	Key        LedgerEntry `json:"key"`
}

// Key returns the facts of the verifying key with fingerprint fp for
// shape (ledger.ErrNotFound if it was never made official).
func (c *Citizen) Key(ctx context.Context, shape string, fp ledger.Hash) (*KeyFacts, error) {
	cp, err := c.l.Checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: checkpoint: %w", ErrServer, err)
	}
	for _, k := range c.l.State().VerifyingKeys(shape) {
		if k.Fingerprint != fp || k.Index >= cp.Size {
			continue
		}
		out := &KeyFacts{Checkpoint: cp.Note}
		if out.Governance, err = c.entry(ctx, 0, cp.Size); err != nil {
			return nil, err
		}
		if out.Key, err = c.entry(ctx, k.Index, cp.Size); err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: verifying key", ledger.ErrNotFound)
}

func (c *Citizen) serveKey(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var fp ledger.Hash
	if err := fp.UnmarshalText([]byte(q.Get("fingerprint"))); err != nil || q.Get("shape") == "" || len(q.Get("shape")) > 200 {
		return fmt.Errorf("%w: shape and a hex fingerprint are required", ErrBadBody)
	}
	f, err := c.Key(r.Context(), q.Get("shape"), fp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}
