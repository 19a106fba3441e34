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
	Grant              Digest // id of the closest grant; zero if there was none
	NoGrant            bool
	AgencyMismatch     bool
	PurposeMismatch    bool // purpose or legal basis differ
	ScopeMismatch      bool // the grant names another nullifier scope
	Withdrawn          bool // the whole grant was withdrawn
	Revoked            bool // the agency revoked the grant
	Expired            bool // outside the grant's validity window
	UsesExhausted      bool
	MissingTypes       []string
	MissingDisclosures []uint8
	MissingPredicates  []Predicate
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
	var missing []string
	if len(e.MissingTypes) > 0 {
		missing = append(missing, "credential types not allowed: "+strings.Join(e.MissingTypes, ", "))
	}
	if len(e.MissingDisclosures) > 0 {
		missing = append(missing, fmt.Sprintf("disclosures not allowed: slots %v", e.MissingDisclosures))
	}
	for _, p := range e.MissingPredicates {
		missing = append(missing, "predicate not allowed: "+p.Part())
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
	add(len(e.MissingTypes)+len(e.MissingDisclosures)+len(e.MissingPredicates) > 0, ErrNotCovered)
	return out
}

func (e *CoverageError) problems() int {
	n := len(e.MissingTypes) + len(e.MissingDisclosures) + len(e.MissingPredicates)
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
// consent to "age >= 21", which reveals a different fact.
func Covers(now time.Time, req *Request, grants ...*Status) (*Status, error) {
	var best *CoverageError
	for _, st := range grants {
		if st == nil || st.Grant == nil {
			continue
		}
		e := coverage(now, req, "", st)
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

// coverage checks one grant. With usedType set, that credential type must
// be allowed (the gate knows which type was proven); otherwise any one of
// the request's types.
func coverage(now time.Time, req *Request, usedType string, st *Status) *CoverageError {
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
	gone := func(part string) bool { return slices.Contains(st.WithdrawnParts, part) }
	typeOK := func(t string) bool { return slices.Contains(g.Types, t) && !gone(TypePart(t)) }
	if usedType != "" {
		if !typeOK(usedType) || !slices.Contains(req.Types, usedType) {
			e.MissingTypes = []string{usedType}
		}
	} else if !slices.ContainsFunc(req.Types, typeOK) {
		e.MissingTypes = slices.Clone(req.Types)
	}
	for _, s := range req.Disclose {
		if !slices.Contains(g.Disclose, s) || gone(DisclosurePart(s)) {
			e.MissingDisclosures = append(e.MissingDisclosures, s)
		}
	}
	for _, p := range req.Predicates {
		if !slices.ContainsFunc(g.Predicates, p.Equal) || gone(p.Part()) {
			e.MissingPredicates = append(e.MissingPredicates, p)
		}
	}
	return e
}

// requestedType refuses a credential type the request does not list.
func requestedType(req *Request, typ string) error {
	if !slices.Contains(req.Types, typ) {
		return fmt.Errorf("%w: %q (the request asks for %s)", ErrTypeNotRequested, typ, strings.Join(req.Types, ", "))
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
