package credential

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/zkhash"
)

// DisclosureType is the "type" of a Disclosure document.
const DisclosureType = "CivicproofDisclosure"

// Disclosure reveals chosen claims of a credential, without a
// zero-knowledge proof, so that a verifier with no ZK verifier can check them
// against the issuer's signature. It carries each revealed claim's value
// and salt, the disclosure leaves of the other slots, ClaimsCommitment and
// the signed fields; the verifier recomputes the revealed leaves, the
// disclosure root and Core.Message(), and checks the signature.
//
// Hidden claims stay hidden: each leaf is a hash of (slot, value, 254-bit
// random salt). What a disclosure does reveal besides the chosen claims:
// the holder binding, the revocation index and the signature, which are the
// same in every disclosure of the credential and so link them; and it does
// not prove that the presenter holds the holder secret. When either
// matters, present a zero-knowledge proof instead.
type Disclosure struct {
	Schema           *Schema
	Issuer           identity.DID
	IssuerKey        *eddsa.PublicKey
	Revealed         Claims                // revealed claims (normalized); a nil value reveals an absent optional claim
	Salts            map[string]fr.Element // per revealed claim: its ClaimSalts entry
	Leaves           [NumSlots]fr.Element  // disclosure leaves of hidden slots (zero at revealed slots)
	ClaimsCommitment fr.Element
	HolderBinding    fr.Element
	ValidUntil       uint64 // DayValue of the last valid day
	RevocationIndex  uint32
	Signature        []byte
}

// Disclose returns a disclosure of the named claims. Naming a claim the
// schema does not define returns an error wrapping ErrInvalidClaim and
// ErrUnknownClaim; an optional claim the credential lacks is revealed as
// absent.
func (c *Credential) Disclose(names ...string) (*Disclosure, error) {
	d := &Disclosure{
		Schema:           c.Schema,
		Issuer:           c.Issuer,
		IssuerKey:        c.IssuerKey,
		Revealed:         make(Claims, len(names)),
		Salts:            make(map[string]fr.Element, len(names)),
		ClaimsCommitment: c.Core.ClaimsCommitment(),
		HolderBinding:    c.Core.HolderBinding,
		ValidUntil:       c.Core.ValidUntil,
		RevocationIndex:  c.Core.RevocationIndex,
		Signature:        append([]byte(nil), c.Signature...),
	}
	var revealed [NumSlots]bool
	for _, n := range names {
		def, ok := c.Schema.Claim(n)
		if !ok {
			return nil, claimErr(ErrUnknownClaim, n, "not in schema %s v%d", c.Schema.Name, c.Schema.Version)
		}
		d.Revealed[n] = c.Claims[n]
		d.Salts[n] = c.Core.ClaimSalts[def.Slot]
		revealed[def.Slot] = true
	}
	for i := range d.Leaves {
		if !revealed[i] {
			d.Leaves[i] = c.Core.DisclosureLeaf(i)
		}
	}
	return d, nil
}

// ValidUntilTime returns 23:59:59 UTC of the last valid day.
func (d *Disclosure) ValidUntilTime() time.Time {
	return DayDate(d.ValidUntil).Add(24*time.Hour - time.Second)
}

// Message recomputes Core.Message() from the disclosure: the revealed
// leaves from their values and salts, the disclosure root from all leaves.
func (d *Disclosure) Message() (fr.Element, error) {
	if d.Schema == nil {
		return fr.Element{}, fmt.Errorf("%w: disclosure without schema", ErrMalformed)
	}
	leaves := d.Leaves
	for name, v := range d.Revealed {
		def, ok := d.Schema.Claim(name)
		if !ok {
			return fr.Element{}, fmt.Errorf("%w: %w", ErrMalformed, claimErr(ErrUnknownClaim, name, "not in schema %s v%d", d.Schema.Name, d.Schema.Version))
		}
		salt, ok := d.Salts[name]
		if !ok {
			return fr.Element{}, fmt.Errorf("%w: no salt for revealed claim %q", ErrMalformed, name)
		}
		slot := AbsentValue()
		if v != nil {
			n, err := def.Normalize(v)
			if err != nil {
				return fr.Element{}, err
			}
			slot = def.encodeNormalized(n)
		}
		leaves[def.Slot] = disclosureLeaf(def.Slot, slot, salt)
	}
	root := zkhash.Hash(zkhash.TagDisclosureRoot, leaves[:]...)
	return credentialMessage(d.Schema.TypeID(), d.ClaimsCommitment, root, d.HolderBinding, d.ValidUntil, d.RevocationIndex), nil
}

// disclosureLeaf is Core.DisclosureLeaf for one slot value and salt.
func disclosureLeaf(slot int, value, salt fr.Element) fr.Element {
	var c Core
	c.Slots[slot] = value
	c.ClaimSalts[slot] = salt
	return c.DisclosureLeaf(slot)
}

// credentialMessage is Core.Message() from its parts (tested against it).
func credentialMessage(typ, claimsCommitment, disclosureRoot, holderBinding fr.Element, validUntil uint64, revocationIndex uint32) fr.Element {
	var vu, ri fr.Element
	vu.SetUint64(validUntil)
	ri.SetUint64(uint64(revocationIndex))
	return zkhash.Hash(zkhash.TagCredential, typ, claimsCommitment, disclosureRoot, holderBinding, vu, ri)
}

// Check verifies the disclosure against its own issuer key: every revealed
// value fits the schema and, with the hidden leaves, reproduces the signed
// message. A revealed value that was altered gives ErrBadSignature. It does
// not consult the ledger (Verifier.VerifyDisclosure does).
func (d *Disclosure) Check() error {
	_, err := d.check()
	return err
}

// check is Check, returning the verified message.
func (d *Disclosure) check() (fr.Element, error) {
	if d.IssuerKey == nil {
		return fr.Element{}, fmt.Errorf("%w: disclosure without issuer key", ErrMalformed)
	}
	msg, err := d.Message()
	if err != nil {
		return fr.Element{}, err
	}
	return msg, verifyMessage(d.IssuerKey, msg, d.Signature)
}

// Anchor returns the ledger commitment of the disclosed credential (see
// Credential.Anchor).
func (d *Disclosure) Anchor() ([32]byte, error) {
	msg, err := d.Message()
	if err != nil {
		return [32]byte{}, err
	}
	return anchorOf(msg), nil
}

// Wire form.
type disclosureJSON struct {
	Context            []string                `json:"@context"`
	Type               string                  `json:"type"`
	Issuer             identity.DID            `json:"issuer"`
	VerificationMethod string                  `json:"verificationMethod"`
	CredentialSchema   vcSchemaJSON            `json:"credentialSchema"`
	Revealed           map[string]revealedJSON `json:"revealed"`
	Leaves             []*string               `json:"leaves"`
	ClaimsCommitment   string                  `json:"claimsCommitment"`
	HolderBinding      string                  `json:"holderBinding"`
	ValidUntil         string                  `json:"validUntil"`
	RevocationIndex    uint32                  `json:"revocationIndex"`
	ProofValue         string                  `json:"proofValue"`
}

type revealedJSON struct {
	Value json.RawMessage `json:"value"`
	Salt  string          `json:"salt"`
}

// MarshalJSON encodes the disclosure. Leaves has NumSlots entries, null at
// revealed slots; a revealed absent claim has value null.
func (d *Disclosure) MarshalJSON() ([]byte, error) {
	if d.Schema == nil || d.IssuerKey == nil {
		return nil, fmt.Errorf("%w: incomplete disclosure", ErrMalformed)
	}
	sj, err := d.Schema.MarshalJSON()
	if err != nil {
		return nil, err
	}
	h, err := d.Schema.Hash()
	if err != nil {
		return nil, err
	}
	w := disclosureJSON{
		Context:            []string{ContextV2},
		Type:               DisclosureType,
		Issuer:             d.Issuer,
		VerificationMethod: verificationMethod(d.Issuer, d.IssuerKey),
		CredentialSchema:   vcSchemaJSON{ID: schemaID(h), Type: SchemaType, Schema: sj},
		Revealed:           make(map[string]revealedJSON, len(d.Revealed)),
		Leaves:             make([]*string, NumSlots),
		ClaimsCommitment:   feHex(d.ClaimsCommitment),
		HolderBinding:      feHex(d.HolderBinding),
		ValidUntil:         d.ValidUntilTime().Format(timestampLayout),
		RevocationIndex:    d.RevocationIndex,
		ProofValue:         encodeSignature(d.Signature),
	}
	var revealed [NumSlots]bool
	for name, v := range d.Revealed {
		def, ok := d.Schema.Claim(name)
		if !ok {
			return nil, claimErr(ErrUnknownClaim, name, "not in schema")
		}
		revealed[def.Slot] = true
		val := json.RawMessage("null")
		if v != nil {
			n, err := def.Normalize(v)
			if err != nil {
				return nil, err
			}
			if val, err = json.Marshal(def.claimToJSON(n)); err != nil {
				return nil, fmt.Errorf("credential: encoding claim %q: %w", name, err)
			}
		}
		w.Revealed[name] = revealedJSON{Value: val, Salt: feHex(d.Salts[name])}
	}
	for i := range w.Leaves {
		if !revealed[i] {
			s := feHex(d.Leaves[i])
			w.Leaves[i] = &s
		}
	}
	return json.Marshal(w)
}

// ParseDisclosure parses a disclosure document and runs Check on it, so a
// successful parse means the revealed claims are the ones the issuer
// signed (under the document's own key; Verifier.VerifyDisclosure checks
// the key against the ledger). An altered claim returns ErrBadSignature;
// malformed documents ErrMalformed.
func ParseDisclosure(data []byte) (*Disclosure, error) {
	if len(data) > maxCredentialJSON {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrMalformed, maxCredentialJSON)
	}
	var w disclosureJSON
	if err := strictUnmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: disclosure: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	if len(w.Context) == 0 || w.Context[0] != ContextV2 || w.Type != DisclosureType {
		return nil, bad("@context/type must be %s / %s", ContextV2, DisclosureType)
	}
	var err error
	d := &Disclosure{RevocationIndex: w.RevocationIndex}
	if d.Issuer, err = identity.ParseDID(string(w.Issuer)); err != nil {
		return nil, bad("issuer: %v", err)
	}
	if d.IssuerKey, err = parseVerificationMethod(d.Issuer, w.VerificationMethod); err != nil {
		return nil, bad("verificationMethod: %v", err)
	}
	if d.Schema, err = parseEmbeddedSchema(w.CredentialSchema); err != nil {
		return nil, err
	}
	if len(w.Leaves) != NumSlots {
		return nil, bad("leaves has %d entries, want %d", len(w.Leaves), NumSlots)
	}
	d.Revealed = make(Claims, len(w.Revealed))
	d.Salts = make(map[string]fr.Element, len(w.Revealed))
	var revealed [NumSlots]bool
	names := make([]string, 0, len(w.Revealed))
	for name := range w.Revealed {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		r := w.Revealed[name]
		def, ok := d.Schema.Claim(name)
		if !ok {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, claimErr(ErrUnknownClaim, name, "not in schema"))
		}
		revealed[def.Slot] = true
		if strings.TrimSpace(string(r.Value)) == "null" {
			if def.Required {
				return nil, fmt.Errorf("%w: %w", ErrMalformed, claimErr(ErrMissingClaim, name, "revealed as absent but required"))
			}
			d.Revealed[name] = nil
		} else {
			v, err := def.claimFromJSON(r.Value)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
			}
			d.Revealed[name] = v
		}
		if d.Salts[name], err = parseFE(r.Salt); err != nil {
			return nil, bad("salt of %q: %v", name, err)
		}
	}
	for i, l := range w.Leaves {
		switch {
		case revealed[i] && l != nil:
			return nil, bad("leaf %d given for a revealed slot", i)
		case !revealed[i] && l == nil:
			return nil, bad("leaf %d missing", i)
		case l != nil:
			if d.Leaves[i], err = parseFE(*l); err != nil {
				return nil, bad("leaf %d: %v", i, err)
			}
		}
	}
	if d.ClaimsCommitment, err = parseFE(w.ClaimsCommitment); err != nil {
		return nil, bad("claimsCommitment: %v", err)
	}
	if d.HolderBinding, err = parseFE(w.HolderBinding); err != nil {
		return nil, bad("holderBinding: %v", err)
	}
	untilDate, ok := strings.CutSuffix(w.ValidUntil, validUntilTimeOfDay)
	if !ok {
		return nil, bad("validUntil %q must end at %s", truncate(w.ValidUntil), validUntilTimeOfDay)
	}
	until, err := parseDate(untilDate)
	if err != nil {
		return nil, bad("validUntil: %v", err)
	}
	d.ValidUntil = DayValue(until)
	if d.RevocationIndex > revocation.MaxIndex {
		return nil, bad("revocationIndex %d out of range", d.RevocationIndex)
	}
	if d.Signature, err = decodeSignature(w.ProofValue); err != nil {
		return nil, bad("proofValue: %v", err)
	}
	if err := d.Check(); err != nil {
		return nil, err
	}
	return d, nil
}
