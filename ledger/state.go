package ledger

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/civicproof/civicproof/identity"
)

// State is the deterministic state machine of the ledger: the state
// derived from the log by applying its records in order. It is pure — no
// I/O, no clock; record times come from the records — so every engine (the
// embedded one here, a replicated one elsewhere) derives the same state
// from the same log, byte for byte (see MarshalBinary and Digest).
//
// State is safe for concurrent use: queries may run while records are
// applied. An engine's State reflects only durable records. A file
// ledger's State keeps its large collections (records seen, credentials,
// grants, access records) in the ledger's index on disk behind a bounded
// cache; a query that meets a damaged entry there returns an error
// wrapping ErrCorrupt.
type State struct {
	mu       sync.RWMutex
	d        stateData
	big      bigStore // the large collections' flushed entries; nil: all in d
	cache    *lru     // decoded values read from big
	journal  []func()
	held     bool           // an engine's Stage is open: keep the journal until it ends
	leafMemo issuerLeafMemo // issuerset.go: a cache of issuer-set leaf hashes
}

// stateData is the whole state. encoding/json writes struct fields in
// declaration order and map keys sorted, so its JSON is a deterministic
// serialization. Composite map keys join parts with a space, which no
// part may contain.
type stateData struct {
	Size           uint64
	Root           identity.DID
	GovernanceName string
	LastRootTime   int64
	Agencies       map[identity.DID]Agency
	DIDs           map[identity.DID]identity.DID
	Accreditations map[string]Accreditation
	Schemas        map[string]Schema
	Credentials    map[Hash]Credential
	Revocations    map[identity.DID][]RevocationEntry
	VerifyingKeys  map[string][]VerifyingKeyEntry
	Guardianships  map[string]GuardianshipInfo
	Grants         map[Hash]Grant
	CitizenGrants  map[identity.DID][]Hash
	Access         map[Hash][]AccessEntry
	Totals         map[string]uint64
	Seen           map[Hash]uint64
	// IssuerSets is the issuer-set state by credential type (issuerset.go);
	// omitted while empty.
	IssuerSets map[string]*issuerSetData `json:",omitempty"`
}

// Agency is a registered agency. ID is the DID it registered with, its
// stable identifier; Keys lists its key sets in order, the last current.
type Agency struct {
	ID         identity.DID
	Name       string
	Keys       []AgencyKey
	Registered uint64
	EverIssuer bool
}

// Current returns the agency's current key set.
func (a Agency) Current() AgencyKey { return a.Keys[len(a.Keys)-1] }

// AgencyKey is one key set of an agency, in force from log index Index.
type AgencyKey struct {
	DID   identity.DID
	Key   *identity.PublicKey
	Index uint64
	Time  int64
}

// Accreditation is the history of one (agency, role, credential type).
type Accreditation struct {
	Agency identity.DID
	Role   Role
	Type   string
	Events []AccreditationEvent
}

// AccreditationEvent is a change of accreditation status at a log index.
type AccreditationEvent struct {
	Index  uint64
	Time   int64
	Active bool
}

// Schema is a registered credential schema.
type Schema struct {
	Type    string
	Version string
	Hash    Hash
	Issuer  identity.DID
	Index   uint64
	Time    int64
}

// Credential is an anchored credential commitment. Issuer is the agency
// ID; SignedBy the DID that wrote the record. SupersededBy is zero unless
// a correction replaced it.
type Credential struct {
	Commitment   Hash
	Type         string
	Issuer       identity.DID
	SignedBy     identity.DID
	Index        uint64
	Time         int64
	SupersededBy Hash
}

// RevocationEntry is a published revocation root. Issuer is the agency ID.
type RevocationEntry struct {
	Issuer identity.DID
	Root   Hash
	Epoch  uint64
	Time   int64
	Index  uint64
}

// VerifyingKeyEntry is an official verifying-key fingerprint for a shape.
type VerifyingKeyEntry struct {
	Shape       string
	Fingerprint Hash
	Author      identity.DID
	Index       uint64
	Time        int64
}

// GuardianshipInfo is the history of one guardian-ward link.
type GuardianshipInfo struct {
	Guardian identity.DID
	Ward     identity.DID
	Active   bool
	Events   []AccreditationEvent
}

// Grant is an anchored consent receipt and its withdrawal status. Agency
// is the grantee's agency ID; Guardian is set when a guardian granted it.
type Grant struct {
	ID             Hash
	Citizen        identity.DID
	Guardian       identity.DID
	Agency         identity.DID
	Receipt        Hash
	Index          uint64
	Time           int64
	Withdrawn      bool
	WithdrawnParts []string
	WithdrawnIndex uint64
}

// AccessEntry is an access record. Agency is the agency ID.
type AccessEntry struct {
	Grant     Hash
	Agency    identity.DID
	Purpose   string
	Statement Hash
	Nullifier Hash
	Index     uint64
	Time      int64
}

// NewState returns the empty state, before governance-init.
func NewState() *State {
	return &State{d: stateData{
		Agencies:       map[identity.DID]Agency{},
		DIDs:           map[identity.DID]identity.DID{},
		Accreditations: map[string]Accreditation{},
		Schemas:        map[string]Schema{},
		Credentials:    map[Hash]Credential{},
		Revocations:    map[identity.DID][]RevocationEntry{},
		VerifyingKeys:  map[string][]VerifyingKeyEntry{},
		Guardianships:  map[string]GuardianshipInfo{},
		Grants:         map[Hash]Grant{},
		CitizenGrants:  map[identity.DID][]Hash{},
		Access:         map[Hash][]AccessEntry{},
		Totals:         map[string]uint64{},
		Seen:           map[Hash]uint64{},
		IssuerSets:     map[string]*issuerSetData{},
	}}
}

// Replay derives the state of a log from its records in order, verifying
// every signature.
func Replay(records []*SignedRecord) (*State, error) {
	s := NewState()
	if err := s.ApplyBatch(0, records); err != nil {
		return nil, err
	}
	return s, nil
}

// Apply verifies sr and applies it as the record at log index index, which
// must equal Size(). A refused record changes nothing; the error wraps
// ErrInvalidRecord or ErrUnauthorized with the reason.
func (s *State) Apply(index uint64, sr *SignedRecord) error {
	return s.ApplyBatch(index, []*SignedRecord{sr})
}

// ApplyBatch applies records at indices first, first+1, ...; all or
// nothing. The error names the failing record's position.
func (s *State) ApplyBatch(first uint64, records []*SignedRecord) error {
	return s.applyBatch(&first, records)
}

// CheckBatch reports whether ApplyBatch(Size(), records) would accept
// records, without changing the state: it returns the error ApplyBatch
// would return, or nil. A replicated engine uses it to admit records to
// its mempool against the current state.
func (s *State) CheckBatch(records []*SignedRecord) error {
	return s.applyBatch(nil, records)
}

// applyBatch applies records at first, or, when first is nil, checks them
// at the current size and rolls back.
func (s *State) applyBatch(first *uint64, records []*SignedRecord) error {
	ps := make([]preparedRecord, len(records))
	for i, sr := range records {
		if sr == nil {
			return fmt.Errorf("%w: record %d is nil", ErrInvalidRecord, i)
		}
		b, err := sr.verifiedBytes()
		if err != nil {
			return fmt.Errorf("ledger: record %d: %w", i, err)
		}
		ps[i] = preparedRecord{&sr.Record, leafHash(b)}
	}
	return s.applyPrepared(first, ps)
}

// preparedRecord is a verified record and its leaf hash.
type preparedRecord struct {
	rec  *Record
	leaf Hash
}

func (s *State) applyPrepared(first *uint64, ps []preparedRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.d.Size
	if first != nil {
		at = *first
	}
	mark := s.mark()
	for i, p := range ps {
		if err := s.applyLocked(at+uint64(i), p.rec, p.leaf); err != nil {
			s.rollbackTo(mark)
			return fmt.Errorf("ledger: record %d: %w", i, err)
		}
	}
	if first == nil {
		s.rollbackTo(mark)
	}
	s.commitJournal()
	return nil
}

// journal helpers: every mutation records its undo so a failed record or
// a failed storage commit leaves the state as it was.

func (s *State) mark() int { return len(s.journal) }

func (s *State) rollbackTo(mark int) {
	for i := len(s.journal) - 1; i >= mark; i-- {
		s.journal[i]()
	}
	s.journal = s.journal[:mark]
}

func (s *State) commitJournal() {
	if s.held {
		return
	}
	clear(s.journal)
	s.journal = s.journal[:0]
}

func put[K comparable, V any](s *State, m map[K]V, k K, v V) {
	old, ok := m[k]
	s.journal = append(s.journal, func() {
		if ok {
			m[k] = old
		} else {
			delete(m, k)
		}
	})
	m[k] = v
}

func setField[T any](s *State, p *T, v T) {
	old := *p
	s.journal = append(s.journal, func() { *p = old })
	*p = v
}

// appendTo appends in place (amortized O(1)): the undo restores the
// previous slice header, and no reader keeps a list of the maps without
// copying it.
func appendTo[K comparable, V any](s *State, m map[K][]V, k K, v V) {
	put(s, m, k, append(m[k], v))
}

func key(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, p...)
	}
	return string(b)
}

func refuse(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}

// applyLocked applies one record whose encoding and signature have been
// checked. The caller holds s.mu and rolls back the journal on error.
func (s *State) applyLocked(index uint64, r *Record, leaf Hash) error {
	d := &s.d
	if index != d.Size {
		return refuse(ErrInvalidRecord, "index %d, want %d", index, d.Size)
	}
	if prev, ok, err := s.seen(leaf); err != nil {
		return err
	} else if ok {
		return refuse(ErrInvalidRecord, "%w: record already at index %d", ErrDuplicate, prev)
	}
	if id, ok := d.DIDs[r.Author]; ok {
		if cur := d.Agencies[id].Current().DID; cur != r.Author {
			return refuse(ErrUnauthorized, "%w: author %s was replaced by %s", ErrRotatedKey, r.Author, cur)
		}
	}
	if d.Root == "" && r.Kind != KindGovernanceInit {
		return refuse(ErrUnauthorized, "the ledger has no governance-init record")
	}
	var err error
	switch p := r.Payload.(type) {
	case *GovernanceInit:
		err = s.governanceInit(index, r, p)
	case *AgencyRegister:
		err = s.agencyRegister(index, r, p)
	case *KeyRotate:
		err = s.keyRotate(index, r, p)
	case *Accredit:
		err = s.accreditation(index, r, p.Agency, p.Role, p.Types, KindAccredit)
	case *Suspend:
		err = s.accreditation(index, r, p.Agency, p.Role, p.Types, KindSuspend)
	case *Reinstate:
		err = s.accreditation(index, r, p.Agency, p.Role, p.Types, KindReinstate)
	case *SchemaRegister:
		err = s.schemaRegister(index, r, p)
	case *CredentialIssued:
		err = s.credentialIssued(index, r, p)
	case *RevocationRoot:
		err = s.revocationRoot(index, r, p)
	case *CredentialSuperseded:
		err = s.credentialSuperseded(r, p)
	case *VerifyingKey:
		err = s.verifyingKey(index, r, p)
	case *ConsentReceipt:
		err = s.consentReceipt(index, r, p)
	case *Guardianship:
		err = s.guardianship(index, r, p)
	case *ConsentWithdrawal:
		err = s.consentWithdrawal(index, r, p)
	case *AccessRecord:
		err = s.accessRecord(index, r, p)
	case *AgencyEvent:
		err = s.agencyEvent(r, p)
	default:
		err = refuse(ErrInvalidRecord, "%w %q", ErrUnknownKind, r.Kind)
	}
	if err == nil {
		err = s.updateIssuerSets(index, r)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", r.Kind, err)
	}
	put(s, d.Seen, leaf, index)
	setField(s, &d.Size, index+1)
	return nil
}

// currentAgency returns the agency whose current DID is the author.
func (s *State) currentAgency(author identity.DID) (Agency, error) {
	id, ok := s.d.DIDs[author]
	if !ok {
		return Agency{}, refuse(ErrUnauthorized, "author %s is not a registered agency", author)
	}
	return s.d.Agencies[id], nil // rotated-out authors were refused earlier
}

// isParty reports whether did is the root authority or any agency DID.
func (s *State) isParty(did identity.DID) bool {
	_, ok := s.d.DIDs[did]
	return ok || did == s.d.Root
}

func (s *State) activeAccreditation(id identity.DID, role Role, typ string) bool {
	a, ok := s.d.Accreditations[key(string(id), string(role), typ)]
	return ok && a.Events[len(a.Events)-1].Active
}

// typeOwner returns the agency that owns the schemas of credential type
// typ: the one whose issuer accreditation for typ came first in the log.
// Accreditations are few and schema records rare, so a scan is cheap.
func (s *State) typeOwner(typ string) identity.DID {
	var owner identity.DID
	first := uint64(0)
	for _, a := range s.d.Accreditations {
		if a.Role != RoleIssuer || a.Type != typ {
			continue
		}
		if at := a.Events[0].Index; owner == "" || at < first {
			owner, first = a.Agency, at
		}
	}
	return owner
}

func (s *State) governanceInit(index uint64, r *Record, p *GovernanceInit) error {
	if index != 0 || s.d.Root != "" {
		return refuse(ErrUnauthorized, "governance already initialized by %s", s.d.Root)
	}
	setField(s, &s.d.Root, r.Author)
	setField(s, &s.d.GovernanceName, p.Name)
	setField(s, &s.d.LastRootTime, r.Time)
	return nil
}

func (s *State) agencyRegister(index uint64, r *Record, p *AgencyRegister) error {
	if p.Key.DID() != r.Author {
		return refuse(ErrUnauthorized, "author %s is not the DID of the registered key set", r.Author)
	}
	if r.Author == s.d.Root {
		return refuse(ErrUnauthorized, "the root authority cannot register as an agency")
	}
	if _, ok := s.d.DIDs[r.Author]; ok {
		return refuse(ErrInvalidRecord, "%w: %s is already an agency DID", ErrDuplicate, r.Author)
	}
	a := Agency{
		ID:         r.Author,
		Name:       p.Name,
		Keys:       []AgencyKey{{DID: r.Author, Key: p.Key, Index: index, Time: r.Time}},
		Registered: index,
	}
	put(s, s.d.Agencies, a.ID, a)
	put(s, s.d.DIDs, r.Author, a.ID)
	return nil
}

func (s *State) keyRotate(index uint64, r *Record, p *KeyRotate) error {
	a, err := s.currentAgency(r.Author)
	if err != nil {
		return err
	}
	nd := p.NewKey.DID()
	if nd == r.Author || s.isParty(nd) {
		return refuse(ErrInvalidRecord, "%w: new key %s is already in use", ErrDuplicate, nd)
	}
	if err := identity.Verify(p.NewKey.Ed25519(), KeyRotateProofDomain, []byte(r.Author), p.Proof); err != nil {
		return refuse(ErrInvalidRecord, "proof of the new key: %w", err)
	}
	a.Keys = append(slices.Clip(a.Keys), AgencyKey{DID: nd, Key: p.NewKey, Index: index, Time: r.Time})
	put(s, s.d.Agencies, a.ID, a)
	put(s, s.d.DIDs, nd, a.ID)
	return nil
}

func (s *State) accreditation(index uint64, r *Record, agency identity.DID, role Role, types []string, kind Kind) error {
	if r.Author != s.d.Root {
		return refuse(ErrUnauthorized, "only the root authority may write %s", kind)
	}
	if r.Time < s.d.LastRootTime {
		return refuse(ErrInvalidRecord, "time %d precedes the previous governance record (%d)", r.Time, s.d.LastRootTime)
	}
	id, ok := s.d.DIDs[agency]
	if !ok {
		return refuse(ErrInvalidRecord, "%w: agency %s is not registered", ErrNotFound, agency)
	}
	for _, t := range types {
		k := key(string(id), string(role), t)
		a, exists := s.d.Accreditations[k]
		active := exists && a.Events[len(a.Events)-1].Active
		switch {
		case kind == KindAccredit && exists:
			return refuse(ErrInvalidRecord, "%w: %s is already accredited as %s for %q", ErrDuplicate, id, role, t)
		case kind == KindSuspend && !active:
			return refuse(ErrInvalidRecord, "%s has no active %s accreditation for %q", id, role, t)
		case kind == KindReinstate && (!exists || active):
			return refuse(ErrInvalidRecord, "%s has no suspended %s accreditation for %q", id, role, t)
		}
		if !exists {
			a = Accreditation{Agency: id, Role: role, Type: t}
		}
		a.Events = append(slices.Clip(a.Events), AccreditationEvent{Index: index, Time: r.Time, Active: kind != KindSuspend})
		put(s, s.d.Accreditations, k, a)
	}
	if kind == KindAccredit && role == RoleIssuer {
		ag := s.d.Agencies[id]
		if !ag.EverIssuer {
			ag.EverIssuer = true
			put(s, s.d.Agencies, id, ag)
		}
	}
	setField(s, &s.d.LastRootTime, r.Time)
	return nil
}

func (s *State) schemaRegister(index uint64, r *Record, p *SchemaRegister) error {
	a, err := s.currentAgency(r.Author)
	if err != nil {
		return err
	}
	if !s.activeAccreditation(a.ID, RoleIssuer, p.Type) {
		return refuse(ErrUnauthorized, "%s is not an accredited issuer of %q", a.ID, p.Type)
	}
	if owner := s.typeOwner(p.Type); owner != a.ID {
		return refuse(ErrUnauthorized, "schemas of %q are registered by their owner %s, the first agency accredited to issue it", p.Type, owner)
	}
	k := key(p.Type, p.Version)
	if _, ok := s.d.Schemas[k]; ok {
		return refuse(ErrInvalidRecord, "%w: schema %s %s already registered", ErrDuplicate, p.Type, p.Version)
	}
	put(s, s.d.Schemas, k, Schema{Type: p.Type, Version: p.Version, Hash: p.Hash, Issuer: a.ID, Index: index, Time: r.Time})
	return nil
}

func (s *State) credentialIssued(index uint64, r *Record, p *CredentialIssued) error {
	a, err := s.currentAgency(r.Author)
	if err != nil {
		return err
	}
	if !s.activeAccreditation(a.ID, RoleIssuer, p.Type) {
		return refuse(ErrUnauthorized, "%s is not an accredited issuer of %q", a.ID, p.Type)
	}
	if _, ok, err := s.credential(p.Commitment); err != nil {
		return err
	} else if ok {
		return refuse(ErrInvalidRecord, "%w: commitment %s already anchored", ErrDuplicate, p.Commitment)
	}
	put(s, s.d.Credentials, p.Commitment, Credential{
		Commitment: p.Commitment, Type: p.Type, Issuer: a.ID, SignedBy: r.Author, Index: index, Time: r.Time,
	})
	return nil
}

func (s *State) revocationRoot(index uint64, r *Record, p *RevocationRoot) error {
	a, err := s.currentAgency(r.Author)
	if err != nil {
		return err
	}
	if !a.EverIssuer {
		return refuse(ErrUnauthorized, "%s has never been accredited as an issuer", a.ID)
	}
	list := s.d.Revocations[a.ID]
	if n := len(list); n > 0 {
		last := list[n-1]
		if p.Epoch <= last.Epoch {
			return refuse(ErrInvalidRecord, "epoch %d does not exceed the previous epoch %d", p.Epoch, last.Epoch)
		}
		if r.Time < last.Time {
			return refuse(ErrInvalidRecord, "time %d precedes the previous root's time %d", r.Time, last.Time)
		}
	}
	appendTo(s, s.d.Revocations, a.ID, RevocationEntry{Issuer: a.ID, Root: p.Root, Epoch: p.Epoch, Time: r.Time, Index: index})
	return nil
}

func (s *State) credentialSuperseded(r *Record, p *CredentialSuperseded) error {
	a, err := s.currentAgency(r.Author)
	if err != nil {
		return err
	}
	oldC, ok1, err1 := s.credential(p.Old)
	newC, ok2, err2 := s.credential(p.New)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	if !ok1 || !ok2 {
		return refuse(ErrInvalidRecord, "%w: both commitments must be anchored", ErrNotFound)
	}
	if oldC.Issuer != a.ID || newC.Issuer != a.ID {
		return refuse(ErrUnauthorized, "%s did not issue both credentials", a.ID)
	}
	if !oldC.SupersededBy.IsZero() {
		return refuse(ErrInvalidRecord, "%w: %s is already superseded", ErrDuplicate, p.Old)
	}
	if !newC.SupersededBy.IsZero() {
		return refuse(ErrInvalidRecord, "replacement %s is itself superseded", p.New)
	}
	oldC.SupersededBy = p.New
	put(s, s.d.Credentials, p.Old, oldC)
	return nil
}

func (s *State) verifyingKey(index uint64, r *Record, p *VerifyingKey) error {
	if r.Author != s.d.Root {
		return refuse(ErrUnauthorized, "only the root authority makes a verifying key official, not %s", r.Author)
	}
	for _, e := range s.d.VerifyingKeys[p.Shape] {
		if e.Fingerprint == p.Fingerprint {
			return refuse(ErrInvalidRecord, "%w: fingerprint already official for %q", ErrDuplicate, p.Shape)
		}
	}
	appendTo(s, s.d.VerifyingKeys, p.Shape, VerifyingKeyEntry{Shape: p.Shape, Fingerprint: p.Fingerprint, Author: r.Author, Index: index, Time: r.Time})
	return nil
}

func (s *State) guardianActive(guardian, ward identity.DID) bool {
	g, ok := s.d.Guardianships[key(string(guardian), string(ward))]
	return ok && g.Active
}

func (s *State) consentReceipt(index uint64, r *Record, p *ConsentReceipt) error {
	if s.isParty(r.Author) {
		return refuse(ErrUnauthorized, "author %s is an agency or the root authority, not a citizen", r.Author)
	}
	citizen, guardian := r.Author, identity.DID("")
	if p.Citizen != "" {
		if s.isParty(p.Citizen) {
			return refuse(ErrInvalidRecord, "citizen %s is an agency or the root authority", p.Citizen)
		}
		if !s.guardianActive(r.Author, p.Citizen) {
			return refuse(ErrUnauthorized, "%s is not a guardian of %s", r.Author, p.Citizen)
		}
		citizen, guardian = p.Citizen, r.Author
	}
	if GrantID(citizen, p.Content) != p.Grant {
		return refuse(ErrUnauthorized, "grant id %s is not bound to citizen %s", p.Grant, citizen)
	}
	id, ok := s.d.DIDs[p.Agency]
	if !ok {
		return refuse(ErrInvalidRecord, "%w: agency %s is not registered", ErrNotFound, p.Agency)
	}
	if _, ok, err := s.grant(p.Grant); err != nil {
		return err
	} else if ok {
		return refuse(ErrInvalidRecord, "%w: grant %s already anchored", ErrDuplicate, p.Grant)
	}
	put(s, s.d.Grants, p.Grant, Grant{
		ID: p.Grant, Citizen: citizen, Guardian: guardian, Agency: id, Receipt: p.Receipt, Index: index, Time: r.Time,
	})
	appendTo(s, s.d.CitizenGrants, citizen, p.Grant)
	return nil
}

func (s *State) guardianship(index uint64, r *Record, p *Guardianship) error {
	a, err := s.currentAgency(r.Author)
	if err != nil {
		return err
	}
	if !s.activeAccreditation(a.ID, RoleIssuer, GuardianshipType) {
		return refuse(ErrUnauthorized, "%s is not accredited for %q", a.ID, GuardianshipType)
	}
	if s.isParty(p.Guardian) || s.isParty(p.Ward) {
		return refuse(ErrInvalidRecord, "guardian and ward must be citizens, not agencies")
	}
	k := key(string(p.Guardian), string(p.Ward))
	g, ok := s.d.Guardianships[k]
	switch {
	case !p.End && ok && g.Active:
		return refuse(ErrInvalidRecord, "%w: guardianship already active", ErrDuplicate)
	case p.End && !(ok && g.Active):
		return refuse(ErrInvalidRecord, "no active guardianship to end")
	}
	if !ok {
		g = GuardianshipInfo{Guardian: p.Guardian, Ward: p.Ward}
	}
	g.Active = !p.End
	g.Events = append(slices.Clip(g.Events), AccreditationEvent{Index: index, Time: r.Time, Active: g.Active})
	put(s, s.d.Guardianships, k, g)
	return nil
}

func (s *State) consentWithdrawal(index uint64, r *Record, p *ConsentWithdrawal) error {
	g, ok, err := s.grant(p.Grant)
	if err != nil {
		return err
	}
	if !ok {
		return refuse(ErrInvalidRecord, "%w: grant %s", ErrNotFound, p.Grant)
	}
	if r.Author != g.Citizen && !s.guardianActive(r.Author, g.Citizen) {
		return refuse(ErrUnauthorized, "%s is neither the grant's citizen nor their guardian", r.Author)
	}
	if g.Withdrawn {
		return refuse(ErrInvalidRecord, "%w: grant already withdrawn", ErrDuplicate)
	}
	if p.Parts == nil {
		g.Withdrawn = true
	} else {
		merged := slices.Clone(g.WithdrawnParts)
		added := 0
		for _, part := range p.Parts {
			if i, found := slices.BinarySearch(merged, part); !found {
				merged = slices.Insert(merged, i, part)
				added++
			}
		}
		if added == 0 {
			return refuse(ErrInvalidRecord, "%w: parts already withdrawn", ErrDuplicate)
		}
		g.WithdrawnParts = merged
	}
	g.WithdrawnIndex = index
	put(s, s.d.Grants, p.Grant, g)
	return nil
}

func (s *State) accessRecord(index uint64, r *Record, p *AccessRecord) error {
	a, err := s.currentAgency(r.Author)
	if err != nil {
		return err
	}
	g, ok, err := s.grant(p.Grant)
	if err != nil {
		return err
	}
	if !ok {
		return refuse(ErrInvalidRecord, "%w: grant %s", ErrNotFound, p.Grant)
	}
	if g.Agency != a.ID {
		return refuse(ErrUnauthorized, "grant %s was not given to %s", p.Grant, a.ID)
	}
	if g.Withdrawn {
		return refuse(ErrUnauthorized, "grant %s is withdrawn", p.Grant)
	}
	appendTo(s, s.d.Access, p.Grant, AccessEntry{
		Grant: p.Grant, Agency: a.ID, Purpose: p.Purpose, Statement: p.Statement, Nullifier: p.Nullifier, Index: index, Time: r.Time,
	})
	return nil
}

func (s *State) agencyEvent(r *Record, p *AgencyEvent) error {
	a, err := s.currentAgency(r.Author)
	if err != nil {
		return err
	}
	if p.Topic == GrantRevokeTopic {
		g, ok, err := s.grant(p.Digest)
		if err != nil {
			return err
		}
		if !ok {
			return refuse(ErrInvalidRecord, "%w: grant %s", ErrNotFound, p.Digest)
		}
		if g.Agency != a.ID {
			return refuse(ErrUnauthorized, "grant %s was not given to %s; only its agency may revoke it", p.Digest, a.ID)
		}
	}
	k := key(string(a.ID), p.Topic)
	total := s.d.Totals[k] + p.Amount
	if total > MaxSafeInteger {
		return refuse(ErrInvalidRecord, "total for %q would exceed 2^53-1", p.Topic)
	}
	put(s, s.d.Totals, k, total)
	return nil
}

// MarshalBinary returns the deterministic serialization of the whole
// state (JSON with fields in a fixed order and map keys sorted). Two
// states derived from the same log serialize identically.
func (s *State) MarshalBinary() ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, err := s.fullData()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("ledger: serialize state: %w", err)
	}
	return b, nil
}

// Digest returns SHA-256 of MarshalBinary.
func (s *State) Digest() (Hash, error) {
	b, err := s.MarshalBinary()
	if err != nil {
		return Hash{}, err
	}
	return sha256.Sum256(b), nil
}

// unixOf converts a time to record seconds.
func unixOf(t time.Time) int64 { return t.Unix() }
