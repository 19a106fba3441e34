package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/civicproof/civicproof/identity"
)

// Kind names a record type. The string values are part of the wire
// format and of the signature domain; they never change.
type Kind string

// Record kinds. The payload type of each is named after it; the rules for
// who may write it are in the payload type's comment.
const (
	KindGovernanceInit       Kind = "governance-init"
	KindAgencyRegister       Kind = "agency-register"
	KindKeyRotate            Kind = "key-rotate"
	KindAccredit             Kind = "accredit"
	KindSuspend              Kind = "suspend"
	KindReinstate            Kind = "reinstate"
	KindSchemaRegister       Kind = "schema-register"
	KindCredentialIssued     Kind = "credential-issued"
	KindRevocationRoot       Kind = "revocation-root"
	KindCredentialSuperseded Kind = "credential-superseded"
	KindVerifyingKey         Kind = "verifying-key"
	KindConsentReceipt       Kind = "consent-receipt"
	KindGuardianship         Kind = "guardianship"
	KindConsentWithdrawal    Kind = "consent-withdrawal"
	KindAccessRecord         Kind = "access-record"
	KindAgencyEvent          Kind = "agency-event"
)

// GuardianshipType is the credential type an agency must be accredited
// for (as issuer) to write guardianship records.
const GuardianshipType = "Guardianship"

// Payload is the kind-specific content of a record. It is implemented only
// by the payload types of this package.
type Payload interface {
	Kind() Kind
	check() error
}

type kindDesc struct{ new func() Payload }

var kindInfo = map[Kind]kindDesc{
	KindGovernanceInit:       {func() Payload { return new(GovernanceInit) }},
	KindAgencyRegister:       {func() Payload { return new(AgencyRegister) }},
	KindKeyRotate:            {func() Payload { return new(KeyRotate) }},
	KindAccredit:             {func() Payload { return new(Accredit) }},
	KindSuspend:              {func() Payload { return new(Suspend) }},
	KindReinstate:            {func() Payload { return new(Reinstate) }},
	KindSchemaRegister:       {func() Payload { return new(SchemaRegister) }},
	KindCredentialIssued:     {func() Payload { return new(CredentialIssued) }},
	KindRevocationRoot:       {func() Payload { return new(RevocationRoot) }},
	KindCredentialSuperseded: {func() Payload { return new(CredentialSuperseded) }},
	KindVerifyingKey:         {func() Payload { return new(VerifyingKey) }},
	KindConsentReceipt:       {func() Payload { return new(ConsentReceipt) }},
	KindGuardianship:         {func() Payload { return new(Guardianship) }},
	KindConsentWithdrawal:    {func() Payload { return new(ConsentWithdrawal) }},
	KindAccessRecord:         {func() Payload { return new(AccessRecord) }},
	KindAgencyEvent:          {func() Payload { return new(AgencyEvent) }},
}

// Kinds returns every record kind, sorted.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kindInfo))
	for k := range kindInfo {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Role is what an agency is accredited as.
type Role string

// Roles an agency can be accredited for.
const (
	RoleIssuer   Role = "issuer"
	RoleVerifier Role = "verifier"
)

// Size limits of payload strings, in bytes.
const (
	maxName  = 200
	maxCode  = 100
	maxParts = 64
	maxTypes = 64
)

// GovernanceInit founds the ledger. It must be the first record (index 0)
// and only there; its author becomes the root authority, which accredits,
// suspends and reinstates agencies.
type GovernanceInit struct {
	// Name of the governance body, e.g. "Ministry of Digital Affairs".
	Name string `json:"name"`
}

// AgencyRegister registers an agency with its full key set (Ed25519,
// X25519, BN254 EdDSA) and a display name. The author must be Key's DID,
// which must be neither the root authority nor held by another agency.
// The author's DID is the agency's stable identifier (AgencyID) for its
// whole life, even after key rotation. Citizens need no registration.
type AgencyRegister struct {
	Key  *identity.PublicKey `json:"key"`
	Name string              `json:"name"`
}

// KeyRotate replaces an agency's key set. It must be signed by the
// agency's current key; Proof is the new key's signature, under domain
// KeyRotateProofDomain, over the author's DID, so that nobody rotates to a
// key they do not hold. After it, the agency writes with the new key's DID
// and records by any earlier DID are refused with ErrRotatedKey; every DID
// the agency ever held still resolves to it in queries.
//
// Compromised says the key being rotated out is (or may be) in other
// hands: its leaves are removed from every issuer set (see IssuerSet) at
// once, instead of staying with a closed window for what it signed while
// current. It is omitted when false, so rotations written before the field
// existed keep their encoding.
type KeyRotate struct {
	NewKey      *identity.PublicKey `json:"newKey"`
	Proof       []byte              `json:"proof"`
	Compromised bool                `json:"compromised,omitempty"`
}

// KeyRotateProofDomain is the identity signature domain of KeyRotate.Proof.
const KeyRotateProofDomain = "ledger.key-rotate/proof"

// Accredit is written by the root authority: the agency becomes accredited
// in Role for each credential type in Types (issuer: may issue, and the
// first agency accredited as issuer of a type owns its schemas; verifier:
// may be named as a verifier).
// A type already accredited (active or suspended) is refused.
type Accredit struct {
	Agency identity.DID `json:"agency"`
	Role   Role         `json:"role"`
	Types  []string     `json:"types"`
}

// Suspend is written by the root authority: active accreditations of the
// agency in Role for Types are suspended. Reason is a short code.
type Suspend struct {
	Agency identity.DID `json:"agency"`
	Role   Role         `json:"role"`
	Types  []string     `json:"types"`
	Reason string       `json:"reason,omitempty"`
}

// Reinstate is written by the root authority: suspended accreditations of
// the agency in Role for Types become active again.
type Reinstate struct {
	Agency identity.DID `json:"agency"`
	Role   Role         `json:"role"`
	Types  []string     `json:"types"`
}

// SchemaRegister is written by the owner of credential type Type: it
// fixes the schema of (Type, Version) by its hash. A (Type, Version) pair
// is registered once.
//
// A type's owner is the agency governance accredited first as issuer of
// the type (the lowest log index of an issuer accreditation for it), and
// only while that accreditation is active. Other agencies accredited for
// the type issue under the owner's schemas but cannot register versions,
// so a co-accredited issuer cannot squat a version the owner has not yet
// published. Governance decides the owner by the order of its accredit
// records.
type SchemaRegister struct {
	Type    string `json:"type"`
	Version string `json:"version"`
	Hash    Hash   `json:"hash"`
}

// CredentialIssued is written by an agency accredited (active) as issuer
// of Type: it anchors a credential commitment (a hash; never claims).
// A commitment is anchored once.
type CredentialIssued struct {
	Commitment Hash   `json:"commitment"`
	Type       string `json:"type"`
}

// RevocationRoot is written by an agency that has been accredited as an
// issuer (suspension does not stop it revoking): the root of its own
// revocation tree at Epoch, which must exceed its previous epoch. The
// root's time is the record's Time, which must not go backwards.
type RevocationRoot struct {
	Root  Hash   `json:"root"`
	Epoch uint64 `json:"epoch"`
}

// CredentialSuperseded is written by the issuer of both credentials: Old
// is replaced by New (a correction trail). Old can be superseded once.
type CredentialSuperseded struct {
	Old Hash `json:"old"`
	New Hash `json:"new"`
}

// VerifyingKey is written by the root authority only: Fingerprint is an
// official verifying key for the circuit shape Shape. Which proving
// system verifiers trust is a governance decision (typically the outcome
// of a setup ceremony several agencies took part in), so no agency,
// accredited or not, can make a key official.
type VerifyingKey struct {
	Shape       string `json:"shape"`
	Fingerprint Hash   `json:"fingerprint"`
}

// ConsentReceipt is written by a citizen: it anchors the receipt of consent
// grant Grant (a 32-byte grant id) to the registered agency Agency. When a
// guardian acts, the guardian is the author and Citizen names the ward; it
// is accepted only under an active guardianship. Grant ids are unique.
// Neither the author nor Citizen may be an agency or the root authority.
//
// Grant must equal GrantID(citizen, Content), where citizen is the grant's
// citizen (the author, or Citizen when a guardian acts) and Content is
// the digest of the grant's signed content. A grant id thus commits to its
// citizen: someone who learns another citizen's grant id cannot anchor it
// first under their own DID and block the owner's receipt (they would
// need a Content that hashes to the id with their DID, a preimage).
// Content is a hash; no grant content goes on the ledger.
type ConsentReceipt struct {
	Grant   Hash         `json:"grant"`
	Content Hash         `json:"content"`
	Agency  identity.DID `json:"agency"`
	Receipt Hash         `json:"receipt"`
	Citizen identity.DID `json:"citizen,omitempty"`
}

// GrantIDDomain separates grant ids from every other hash.
const GrantIDDomain = "civicproof/ledger/grant-id/v1"

// GrantID returns the ledger id of a consent grant with the given citizen
// DID and content digest: SHA-256 over GrantIDDomain, the citizen DID and
// the content digest, each length-prefixed (4 bytes, big-endian). Package
// consent computes its grant ids with it.
func GrantID(citizen identity.DID, content Hash) Hash {
	b := make([]byte, 0, 12+len(GrantIDDomain)+len(citizen)+len(content))
	for _, part := range [][]byte{[]byte(GrantIDDomain), []byte(citizen), content[:]} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(part)))
		b = append(b, part...)
	}
	return sha256.Sum256(b)
}

// Guardianship is written by an agency accredited (active) as issuer of
// GuardianshipType: Guardian acts for Ward from now on, or, with End,
// no longer does. Both are pseudonymous citizen DIDs, never agencies.
type Guardianship struct {
	Guardian identity.DID `json:"guardian"`
	Ward     identity.DID `json:"ward"`
	End      bool         `json:"end,omitempty"`
}

// ConsentWithdrawal is written by the grant's citizen or a current guardian
// of that citizen: it withdraws the whole grant (Parts empty) or the named
// parts. Withdrawing what is already withdrawn is refused.
type ConsentWithdrawal struct {
	Grant Hash     `json:"grant"`
	Parts []string `json:"parts,omitempty"`
}

// AccessRecord is written by the agency a grant was given to: it used the
// grant for Purpose (a code such as a W3C DPV purpose), proven by a
// statement with hash Statement and scoped nullifier hash Nullifier. Not
// accepted once the grant is wholly withdrawn.
type AccessRecord struct {
	Grant     Hash   `json:"grant"`
	Purpose   string `json:"purpose"`
	Statement Hash   `json:"statement"`
	Nullifier Hash   `json:"nullifier"`
}

// AgencyEvent is written by a registered agency: an auditable event on
// Topic (e.g. "relief/rice-kg") with a digest of its off-ledger document
// and an Amount added to the agency's running total for the topic.
//
// Topic GrantRevokeTopic is reserved: such an event revokes the consent
// grant whose id is Digest, and only the agency the grant was anchored to
// may write it (with Amount 0); any other author is refused with
// ErrUnauthorized, and an unknown grant with ErrNotFound.
type AgencyEvent struct {
	Topic  string `json:"topic"`
	Digest Hash   `json:"digest"`
	Amount uint64 `json:"amount"`
}

// GrantRevokeTopic is the agency-event topic by which an agency revokes a
// consent grant anchored to it (see AgencyEvent).
const GrantRevokeTopic = "consent/revoke"

// Kind methods.
func (*GovernanceInit) Kind() Kind       { return KindGovernanceInit }
func (*AgencyRegister) Kind() Kind       { return KindAgencyRegister }
func (*KeyRotate) Kind() Kind            { return KindKeyRotate }
func (*Accredit) Kind() Kind             { return KindAccredit }
func (*Suspend) Kind() Kind              { return KindSuspend }
func (*Reinstate) Kind() Kind            { return KindReinstate }
func (*SchemaRegister) Kind() Kind       { return KindSchemaRegister }
func (*CredentialIssued) Kind() Kind     { return KindCredentialIssued }
func (*RevocationRoot) Kind() Kind       { return KindRevocationRoot }
func (*CredentialSuperseded) Kind() Kind { return KindCredentialSuperseded }
func (*VerifyingKey) Kind() Kind         { return KindVerifyingKey }
func (*ConsentReceipt) Kind() Kind       { return KindConsentReceipt }
func (*Guardianship) Kind() Kind         { return KindGuardianship }
func (*ConsentWithdrawal) Kind() Kind    { return KindConsentWithdrawal }
func (*AccessRecord) Kind() Kind         { return KindAccessRecord }
func (*AgencyEvent) Kind() Kind          { return KindAgencyEvent }

func (p *GovernanceInit) check() error { return checkText("name", p.Name, maxName) }

func (p *AgencyRegister) check() error {
	if p.Key == nil {
		return errors.New("missing key")
	}
	if p.Key.ZK() == nil {
		return errors.New("key set lacks the ZK key")
	}
	return checkText("name", p.Name, maxName)
}

func (p *KeyRotate) check() error {
	if p.NewKey == nil {
		return errors.New("missing newKey")
	}
	if p.NewKey.ZK() == nil {
		return errors.New("key set lacks the ZK key")
	}
	if len(p.Proof) == 0 {
		return errors.New("missing proof")
	}
	return nil
}

func checkRoleTypes(agency identity.DID, role Role, types []string) error {
	if err := checkDID("agency", agency); err != nil {
		return err
	}
	if role != RoleIssuer && role != RoleVerifier {
		return fmt.Errorf("unknown role %q", role)
	}
	return checkCodeSet("types", types, maxTypes, true)
}

// checkCodeSet requires a non-empty (if required), strictly increasing list
// of codes, so each set has exactly one encoding.
func checkCodeSet(field string, list []string, max int, required bool) error {
	if required && len(list) == 0 {
		return fmt.Errorf("%s is empty", field)
	}
	if len(list) > max {
		return fmt.Errorf("%s has %d entries, at most %d", field, len(list), max)
	}
	for i, s := range list {
		if err := checkCode(field, s, maxCode); err != nil {
			return err
		}
		if i > 0 && list[i-1] >= s {
			return fmt.Errorf("%s must be sorted and without duplicates", field)
		}
	}
	return nil
}

func (p *Accredit) check() error { return checkRoleTypes(p.Agency, p.Role, p.Types) }
func (p *Suspend) check() error {
	if p.Reason != "" {
		if err := checkCode("reason", p.Reason, maxCode); err != nil {
			return err
		}
	}
	return checkRoleTypes(p.Agency, p.Role, p.Types)
}
func (p *Reinstate) check() error { return checkRoleTypes(p.Agency, p.Role, p.Types) }

func (p *SchemaRegister) check() error {
	if err := checkCode("type", p.Type, maxCode); err != nil {
		return err
	}
	if err := checkCode("version", p.Version, maxCode); err != nil {
		return err
	}
	if p.Hash.IsZero() {
		return errors.New("zero hash")
	}
	return nil
}

func (p *CredentialIssued) check() error {
	if p.Commitment.IsZero() {
		return errors.New("zero commitment")
	}
	return checkCode("type", p.Type, maxCode)
}

func (p *RevocationRoot) check() error {
	if p.Epoch > MaxSafeInteger {
		return fmt.Errorf("epoch %d exceeds 2^53-1", p.Epoch)
	}
	if p.Root.IsZero() {
		return errors.New("zero root")
	}
	return nil
}

func (p *CredentialSuperseded) check() error {
	if p.Old.IsZero() || p.New.IsZero() {
		return errors.New("zero commitment")
	}
	if p.Old == p.New {
		return errors.New("a credential cannot supersede itself")
	}
	return nil
}

func (p *VerifyingKey) check() error {
	if p.Fingerprint.IsZero() {
		return errors.New("zero fingerprint")
	}
	return checkCode("shape", p.Shape, maxCode)
}

func (p *ConsentReceipt) check() error {
	if p.Grant.IsZero() || p.Content.IsZero() || p.Receipt.IsZero() {
		return errors.New("zero grant, content or receipt")
	}
	if err := checkDID("agency", p.Agency); err != nil {
		return err
	}
	if p.Citizen != "" {
		return checkDID("citizen", p.Citizen)
	}
	return nil
}

func (p *Guardianship) check() error {
	if err := checkDID("guardian", p.Guardian); err != nil {
		return err
	}
	if err := checkDID("ward", p.Ward); err != nil {
		return err
	}
	if p.Guardian == p.Ward {
		return errors.New("guardian and ward are the same")
	}
	return nil
}

func (p *ConsentWithdrawal) check() error {
	if p.Grant.IsZero() {
		return errors.New("zero grant")
	}
	if p.Parts != nil && len(p.Parts) == 0 {
		return errors.New("parts is empty; omit it to withdraw the whole grant")
	}
	return checkCodeSet("parts", p.Parts, maxParts, false)
}

func (p *AccessRecord) check() error {
	if p.Grant.IsZero() || p.Statement.IsZero() || p.Nullifier.IsZero() {
		return errors.New("zero grant, statement or nullifier")
	}
	return checkCode("purpose", p.Purpose, maxCode)
}

func (p *AgencyEvent) check() error {
	if p.Amount > MaxSafeInteger {
		return fmt.Errorf("amount %d exceeds 2^53-1", p.Amount)
	}
	if p.Digest.IsZero() {
		return errors.New("zero digest")
	}
	if p.Topic == GrantRevokeTopic && p.Amount != 0 {
		return fmt.Errorf("a %s event carries no amount", GrantRevokeTopic)
	}
	return checkCode("topic", p.Topic, maxCode)
}
