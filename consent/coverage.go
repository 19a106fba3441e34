package consent

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Status is a grant with what is known of it beyond its signed content:
// its lifecycle state, the parts withdrawn since, and how often it was
// used. The ledger is the source of withdrawals; use counts come from the
// access records (or the gate's own count).
type Status struct {
	Grant          *Grant
	State          State
	WithdrawnParts []string
	Uses           uint32
}

// CoverageError says exactly why no grant covers a request, for the grant
// that came closest (same agency first, then same purpose, then fewest
// problems). An app can show it to the citizen and ask for what is missing.
// errors.Is matches every sentinel that applies (ErrNoConsent,
// ErrAgencyMismatch, ErrScopeMismatch, ErrPurposeMismatch, ErrConsentWithdrawn,
// ErrConsentRevoked, ErrConsentExpired, ErrUseLimit, ErrNotCovered).
type CoverageError struct {
	Grant           Digest // id of the closest grant; zero if there was none
	NoGrant         bool
	AgencyMismatch  bool
	PurposeMismatch bool // purpose or legal basis differ
	ScopeMismatch   bool // the grant names another nullifier scope
	Withdrawn       bool // the whole grant was withdrawn
	Revoked         bool // the agency revoked the grant
	Expired         bool // outside the grant's validity window
	UsesExhausted   bool
	// What the grant lacks for the request's first credential.
	MissingTypes       []string
	MissingDisclosures []uint8
	MissingPredicates  []Predicate
	// What it lacks for the second and third (Request.Also), one entry
	// per position that lacks something.
	MissingAlso []Missing
	// The request asks to reveal issuers and the grant does not allow it.
	IssuerNotAllowed bool
}

// Missing is what a grant lacks at one further credential position of a
// request (2 or 3: the request's Also[Position-2]).
type Missing struct {
	Position    int
	Types       []string
	Disclosures []uint8
	Predicates  []Predicate
}

func (m *Missing) count() int { return len(m.Types) + len(m.Disclosures) + len(m.Predicates) }

func (m *Missing) describe(prefix string) []string {
	var out []string
	if len(m.Types) > 0 {
		out = append(out, prefix+"credential types not allowed: "+strings.Join(m.Types, ", "))
	}
	if len(m.Disclosures) > 0 {
		out = append(out, fmt.Sprintf("%sdisclosures not allowed: slots %v", prefix, m.Disclosures))
	}
	for _, p := range m.Predicates {
		out = append(out, prefix+"predicate not allowed: "+p.Part())
	}
	return out
}

// missing returns the number of things the grant lacks for the request's
// credentials.
func (e *CoverageError) missing() int {
	n := len(e.MissingTypes) + len(e.MissingDisclosures) + len(e.MissingPredicates)
	for i := range e.MissingAlso {
		n += e.MissingAlso[i].count()
	}
	if e.IssuerNotAllowed {
		n++
	}
	return n
}

func (e *CoverageError) Error() string {
	if e.NoGrant {
		return "consent: no consent grant for this request"
	}
	// The grant's own state first (it names the real cause: a withdrawn
	// grant is withdrawn, whatever it would cover), then what it lacks.
	var why []string
	if e.Withdrawn {
		why = append(why, "grant withdrawn")
	}
	if e.Revoked {
		why = append(why, "grant revoked by the agency")
	}
	if e.Expired {
		why = append(why, "grant expired (outside its validity window)")
	}
	if e.UsesExhausted {
		why = append(why, "grant use limit reached")
	}
	if e.AgencyMismatch {
		why = append(why, "grant is for another agency")
	}
	if e.PurposeMismatch {
		why = append(why, "grant is for another purpose or legal basis")
	}
	if e.ScopeMismatch {
		why = append(why, "grant is for another scope")
	}
	first := Missing{Position: 1, Types: e.MissingTypes, Disclosures: e.MissingDisclosures, Predicates: e.MissingPredicates}
	prefix := ""
	if len(e.MissingAlso) > 0 {
		prefix = "credential 1: "
	}
	missing := first.describe(prefix)
	for i := range e.MissingAlso {
		missing = append(missing, e.MissingAlso[i].describe(fmt.Sprintf("credential %d: ", e.MissingAlso[i].Position))...)
	}
	if e.IssuerNotAllowed {
		missing = append(missing, "revealing the issuer not allowed")
	}
	if len(missing) > 0 {
		why = append(why, "request not covered by the grant ("+strings.Join(missing, "; ")+")")
	}
	return fmt.Sprintf("consent: %s [grant %x]", strings.Join(why, "; "), e.Grant[:8])
}

// Unwrap returns the sentinels that apply.
func (e *CoverageError) Unwrap() []error {
	var out []error
	add := func(c bool, err error) {
		if c {
			out = append(out, err)
		}
	}
	add(e.NoGrant, ErrNoConsent)
	add(e.AgencyMismatch, ErrAgencyMismatch)
	add(e.PurposeMismatch, ErrPurposeMismatch)
	add(e.ScopeMismatch, ErrScopeMismatch)
	add(e.Withdrawn, ErrConsentWithdrawn)
	add(e.Revoked, ErrConsentRevoked)
	add(e.Expired, ErrConsentExpired)
	add(e.UsesExhausted, ErrUseLimit)
	add(e.missing() > 0, ErrNotCovered)
	return out
}

func (e *CoverageError) problems() int {
	n := e.missing()
	for _, c := range []bool{e.Withdrawn, e.Revoked, e.Expired, e.UsesExhausted} {
		if c {
			n++
		}
	}
	// Weight: another agency is the worst fit, then another purpose.
	if e.AgencyMismatch {
		n += 1000
	}
	if e.PurposeMismatch {
		n += 100
	}
	if e.ScopeMismatch {
		n += 100
	}
	return n
}

func (e *CoverageError) ok() bool { return len(e.Unwrap()) == 0 }

// Covers is the wallet's check before proving: it returns the first of the
// grants that covers req at time now, or a *CoverageError describing what
// the closest grant lacks (ErrNoConsent if there are no grants).
//
// A grant covers a request when: it is for the request's agency, purpose,
// legal basis and scope (Request.Scope == Grant.Scope: a grant never
// covers another scope, so an agency cannot reuse consent given for one
// scope to collect nullifiers in another); it is live (state given, not withdrawn or revoked,
// now in [NotBefore, NotAfter), uses below UseLimit); at least one of the
// request's credential types is allowed and not withdrawn; and every
// disclosed slot and every predicate of the request is allowed and not
// withdrawn. Predicates must match exactly: consent to "age >= 18" is not
// consent to "age >= 21", which reveals a different fact. A request for
// several credentials is covered position by position: what it asks of
// its n-th credential must be allowed at the grant's n-th position. A
// request that reveals issuers needs a grant that allows it
// (Grant.RevealIssuer).
func Covers(now time.Time, req *Request, grants ...*Status) (*Status, error) {
	var best *CoverageError
	for _, st := range grants {
		if st == nil || st.Grant == nil {
			continue
		}
		e := coverage(now, req, nil, st)
		if e.ok() {
			return st, nil
		}
		if best == nil || e.problems() < best.problems() {
			best = e
		}
	}
	if best == nil {
		return nil, &CoverageError{NoGrant: true}
	}
	return nil, best
}

// coverage checks one grant. With used set (one type per credential of
// the request), those credential types must be allowed (the gate knows
// which types were proven); otherwise any one of the request's types at
// each position.
func coverage(now time.Time, req *Request, used []string, st *Status) *CoverageError {
	g := st.Grant
	e := &CoverageError{Grant: g.ID()}
	e.AgencyMismatch = g.Agency != req.Agency
	e.PurposeMismatch = g.Purpose != req.Purpose || g.LegalBasis != req.LegalBasis
	e.ScopeMismatch = g.Scope != req.Scope
	switch st.State {
	case StateGiven:
	case StateWithdrawn:
		e.Withdrawn = true
	case StateRevoked:
		e.Revoked = true
	case StateExpired:
		e.Expired = true
	default: // requested or refused: never given
		e.NoGrant = true
	}
	if now.Before(g.NotBefore) || !now.Before(g.NotAfter) {
		e.Expired = true
	}
	if g.UseLimit > 0 && st.Uses >= g.UseLimit {
		e.UsesExhausted = true
	}
	e.IssuerNotAllowed = req.RevealIssuer && !g.RevealIssuer
	allowed := g.Queries()
	for i, q := range req.Queries() {
		var a Query // a position the grant does not have allows nothing
		if i < len(allowed) {
			a = allowed[i]
		}
		u := ""
		if used != nil {
			u = "?" // a credential the presentation does not have
			if i < len(used) {
				u = used[i]
			}
		}
		m := coverQuery(q, a, i+1, u, st.WithdrawnParts)
		if i == 0 {
			e.MissingTypes, e.MissingDisclosures, e.MissingPredicates = m.Types, m.Disclosures, m.Predicates
		} else if m.count() > 0 {
			e.MissingAlso = append(e.MissingAlso, m)
		}
	}
	return e
}

// coverQuery returns what grant position a (position pos) lacks for
// request query q. With usedType set, that type must be allowed.
func coverQuery(q, a Query, pos int, usedType string, withdrawn []string) Missing {
	m := Missing{Position: pos}
	gone := func(part string) bool { return slices.Contains(withdrawn, PartAt(pos, part)) }
	typeOK := func(t string) bool { return slices.Contains(a.Types, t) && !gone(TypePart(t)) }
	if usedType != "" {
		if !typeOK(usedType) || !slices.Contains(q.Types, usedType) {
			m.Types = []string{usedType}
		}
	} else if !slices.ContainsFunc(q.Types, typeOK) {
		m.Types = slices.Clone(q.Types)
	}
	for _, s := range q.Disclose {
		if !slices.Contains(a.Disclose, s) || gone(DisclosurePart(s)) {
			m.Disclosures = append(m.Disclosures, s)
		}
	}
	for _, p := range q.Predicates {
		if !slices.ContainsFunc(a.Predicates, p.Equal) || gone(p.Part()) {
			m.Predicates = append(m.Predicates, p)
		}
	}
	return m
}

// requestedType refuses a credential type the request does not list for
// its first credential.
func requestedType(req *Request, typ string) error {
	return requestedTypes(req, []string{typ})
}

// requestedTypes refuses credential types the request does not list at
// their positions, and a number of credentials other than the request's.
func requestedTypes(req *Request, types []string) error {
	qs := req.Queries()
	if len(types) != len(qs) {
		return fmt.Errorf("%w: %d credentials presented, the request asks for %d", ErrTypeNotRequested, len(types), len(qs))
	}
	for i, q := range qs {
		if !slices.Contains(q.Types, types[i]) {
			at := ""
			if len(qs) > 1 {
				at = fmt.Sprintf(" as credential %d", i+1)
			}
			return fmt.Errorf("%w: %q%s (the request asks for %s)", ErrTypeNotRequested, types[i], at, strings.Join(q.Types, ", "))
		}
	}
	return nil
}

// CheckRequest is what a wallet does with a request before asking the
// citizen or proving: Verify (signature, shape, expiry) and then Covers
// (which requires the grant's scope to be the request's).
// It returns the covering grant, or an error wrapping ErrMalformed,
// ErrBadSignature or ErrExpired for a bad request, or a *CoverageError
// saying what the grants lack.
func CheckRequest(now time.Time, req *Request, grants ...*Status) (*Status, error) {
	if err := req.Verify(now); err != nil {
		return nil, err
	}
	return Covers(now, req, grants...)
}
