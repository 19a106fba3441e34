package ledger

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/civicproof/civicproof/identity"
)

// Queries on the derived state. Each takes a read lock and returns copies;
// agency arguments accept any DID the agency has held.

// Size returns the number of records applied.
func (s *State) Size() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.d.Size
}

// RootAuthority returns the DID of the root authority, or "" before
// governance-init.
func (s *State) RootAuthority() identity.DID {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.d.Root
}

func (s *State) agencyID(did identity.DID) (identity.DID, error) {
	id, ok := s.d.DIDs[did]
	if !ok {
		return "", fmt.Errorf("%w: agency %s", ErrNotFound, did)
	}
	return id, nil
}

func cloneAgency(a Agency) Agency {
	a.Keys = slices.Clone(a.Keys)
	return a
}

// Agency returns the agency that holds or held did. Errors wrap ErrNotFound.
func (s *State) Agency(did identity.DID) (Agency, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, err := s.agencyID(did)
	if err != nil {
		return Agency{}, err
	}
	return cloneAgency(s.d.Agencies[id]), nil
}

// Agencies returns every registered agency, ordered by registration.
func (s *State) Agencies() []Agency {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Agency, 0, len(s.d.Agencies))
	for _, a := range s.d.Agencies {
		out = append(out, cloneAgency(a))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Registered < out[j].Registered })
	return out
}

// AgencyKeyAt returns the key set the agency (any of its DIDs) had in force
// after the record at log index index: for verifying a signature made
// before a rotation. Errors wrap ErrNotFound.
func (s *State) AgencyKeyAt(did identity.DID, index uint64) (AgencyKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, err := s.agencyID(did)
	if err != nil {
		return AgencyKey{}, err
	}
	keys := s.d.Agencies[id].Keys
	for i := len(keys) - 1; i >= 0; i-- {
		if keys[i].Index <= index {
			return keys[i], nil
		}
	}
	return AgencyKey{}, fmt.Errorf("%w: agency %s was not registered at index %d", ErrNotFound, did, index)
}

// Accreditation returns the history of the agency's accreditation in role
// for credential type typ. Errors wrap ErrNotFound.
func (s *State) Accreditation(agency identity.DID, role Role, typ string) (Accreditation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, err := s.agencyID(agency)
	if err != nil {
		return Accreditation{}, err
	}
	a, ok := s.d.Accreditations[key(string(id), string(role), typ)]
	if !ok {
		return Accreditation{}, fmt.Errorf("%w: no %s accreditation of %s for %q", ErrNotFound, role, agency, typ)
	}
	a.Events = slices.Clone(a.Events)
	return a, nil
}

// IsAccredited reports whether the agency is accredited (and not
// suspended) now in role for credential type typ.
func (s *State) IsAccredited(agency identity.DID, role Role, typ string) bool {
	a, err := s.Accreditation(agency, role, typ)
	return err == nil && a.Events[len(a.Events)-1].Active
}

// AccreditedAtIndex reports whether the agency was accredited in role for
// typ once the record at log index index had been applied (for a
// credential anchored at that index: at its issuance).
func (s *State) AccreditedAtIndex(agency identity.DID, role Role, typ string, index uint64) bool {
	a, err := s.Accreditation(agency, role, typ)
	if err != nil {
		return false
	}
	active := false
	for _, e := range a.Events {
		if e.Index > index {
			break
		}
		active = e.Active
	}
	return active
}

// AccreditedAtTime reports whether the agency was accredited in role for
// typ at time t, by the record times of the root authority's accredit,
// suspend and reinstate records (which the state machine keeps in
// non-decreasing order). A change at exactly t counts.
func (s *State) AccreditedAtTime(agency identity.DID, role Role, typ string, t time.Time) bool {
	a, err := s.Accreditation(agency, role, typ)
	if err != nil {
		return false
	}
	active, u := false, unixOf(t)
	for _, e := range a.Events {
		if e.Time > u {
			break
		}
		active = e.Active
	}
	return active
}

// Schema returns the registered schema of (typ, version). Errors wrap
// ErrNotFound.
func (s *State) Schema(typ, version string) (Schema, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, ok := s.d.Schemas[key(typ, version)]
	if !ok {
		return Schema{}, fmt.Errorf("%w: schema %s %s", ErrNotFound, typ, version)
	}
	return sc, nil
}

// Credential returns an anchored credential commitment. Errors wrap
// ErrNotFound.
func (s *State) Credential(commitment Hash) (Credential, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok, err := s.credential(commitment)
	if err != nil {
		return Credential{}, err
	}
	if !ok {
		return Credential{}, fmt.Errorf("%w: credential %s", ErrNotFound, commitment)
	}
	return c, nil
}

// LatestRevocationRoot returns the issuer's newest revocation root.
// Errors wrap ErrNotFound.
func (s *State) LatestRevocationRoot(issuer identity.DID) (RevocationEntry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, err := s.agencyID(issuer)
	if err != nil {
		return RevocationEntry{}, err
	}
	list := s.d.Revocations[id]
	if len(list) == 0 {
		return RevocationEntry{}, fmt.Errorf("%w: no revocation root from %s", ErrNotFound, issuer)
	}
	return list[len(list)-1], nil
}

// RevocationRootEntry finds a past (or the latest) revocation root of the
// issuer by value; a verifier uses its Time and Epoch to judge freshness.
// If the same root was published twice, the latest entry is returned.
// Errors wrap ErrNotFound.
func (s *State) RevocationRootEntry(issuer identity.DID, root Hash) (RevocationEntry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, err := s.agencyID(issuer)
	if err != nil {
		return RevocationEntry{}, err
	}
	list := s.d.Revocations[id]
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Root == root {
			return list[i], nil
		}
	}
	return RevocationEntry{}, fmt.Errorf("%w: revocation root %s of %s", ErrNotFound, root, issuer)
}

// VerifyingKeys returns the official verifying-key fingerprints for a
// circuit shape, oldest first.
func (s *State) VerifyingKeys(shape string) []VerifyingKeyEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.d.VerifyingKeys[shape])
}

// IsOfficialVerifyingKey reports whether fingerprint is official for shape.
func (s *State) IsOfficialVerifyingKey(shape string, fingerprint Hash) bool {
	for _, e := range s.VerifyingKeys(shape) {
		if e.Fingerprint == fingerprint {
			return true
		}
	}
	return false
}

// IsGuardian reports whether guardian currently acts for ward.
func (s *State) IsGuardian(guardian, ward identity.DID) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.guardianActive(guardian, ward)
}

// Grant returns an anchored consent grant and its withdrawal status.
// Errors wrap ErrNotFound.
func (s *State) Grant(id Hash) (Grant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok, err := s.grant(id)
	if err != nil {
		return Grant{}, err
	}
	if !ok {
		return Grant{}, fmt.Errorf("%w: grant %s", ErrNotFound, id)
	}
	g.WithdrawnParts = slices.Clone(g.WithdrawnParts)
	return g, nil
}

// GrantsOf returns the grants anchored for a citizen, oldest first (nil if
// the store of a file ledger's state cannot be read: a damaged index).
func (s *State) GrantsOf(citizen identity.DID) []Grant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids, err := s.citizenGrants(citizen)
	if err != nil {
		return nil
	}
	out := make([]Grant, 0, len(ids))
	for _, id := range ids {
		g, ok, err := s.grant(id)
		if err != nil || !ok {
			return nil
		}
		g.WithdrawnParts = slices.Clone(g.WithdrawnParts)
		out = append(out, g)
	}
	return out
}

// AccessRecords returns the access records under a grant, oldest first
// (nil if the store of a file ledger's state cannot be read).
func (s *State) AccessRecords(grant Hash) []AccessEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	es, err := s.accessOf(grant)
	if err != nil {
		return nil
	}
	return slices.Clone(es)
}

// AccessLog returns every access record under the citizen's grants, in
// log order: who used what, when and why (nil if the store of a file
// ledger's state cannot be read).
func (s *State) AccessLog(citizen identity.DID) []AccessEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []AccessEntry
	ids, err := s.citizenGrants(citizen)
	if err != nil {
		return nil
	}
	for _, id := range ids {
		es, err := s.accessOf(id)
		if err != nil {
			return nil
		}
		out = append(out, es...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// AgencyTotal returns the running total of the agency's events on topic.
func (s *State) AgencyTotal(agency identity.DID, topic string) uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, err := s.agencyID(agency)
	if err != nil {
		return 0
	}
	return s.d.Totals[key(string(id), topic)]
}

// Resolver resolves agency DIDs from a ledger's state: the document it
// returns for any DID an agency has held lists the agency's current key
// set (so its ID is the current DID). It implements identity.Resolver.
type Resolver struct{ state *State }

var _ identity.Resolver = (*Resolver)(nil)

// Resolver returns a resolver backed by s.
func (s *State) Resolver() *Resolver { return &Resolver{state: s} }

// Resolve implements identity.Resolver. Errors wrap identity.ErrNotFound
// (and ErrNotFound) for a DID no agency has held.
func (r *Resolver) Resolve(ctx context.Context, did identity.DID) (*identity.Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a, err := r.state.Agency(did)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", identity.ErrNotFound, err)
	}
	return identity.NewDocument(a.Current().Key), nil
}
