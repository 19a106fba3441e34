package credential

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Vector is one encoding test vector (testdata/vectors/*.json): a schema,
// claims in their JSON form, and either the expected error or every
// derived value, so that another implementation can check its encoding
// and commitments field element by field element.
type Vector struct {
	Desc            string                     `json:"desc"`
	Schema          json.RawMessage            `json:"schema"`
	Claims          map[string]json.RawMessage `json:"claims"`
	WantErr         string                     `json:"wantErr,omitempty"`
	Slots           []string                   `json:"slots,omitempty"`
	Salt            string                     `json:"salt,omitempty"`
	ClaimSalts      []string                   `json:"claimSalts,omitempty"`
	HolderBinding   string                     `json:"holderBinding,omitempty"`
	ValidUntil      string                     `json:"validUntil,omitempty"`
	RevocationIndex uint32                     `json:"revocationIndex,omitempty"`
	IssuanceDay     string                     `json:"issuanceDay,omitempty"`
	TypeID          string                     `json:"typeId,omitempty"`
	SchemaHash      string                     `json:"schemaHash,omitempty"`
	ClaimsCommit    string                     `json:"claimsCommitment,omitempty"`
	DisclosureRoot  string                     `json:"disclosureRoot,omitempty"`
	Message         string                     `json:"message,omitempty"`
	MessageV2       string                     `json:"messageV2,omitempty"`
	Anchor          string                     `json:"anchor,omitempty"`
}

// vectorErrors names the sentinels a vector may expect.
var vectorErrors = map[string]error{
	"ErrUnknownClaim": ErrUnknownClaim,
	"ErrMissingClaim": ErrMissingClaim,
	"ErrClaimType":    ErrClaimType,
	"ErrClaimRange":   ErrClaimRange,
}

// decodeVectorClaims parses the JSON claims of a vector with the schema,
// as a verifier reading a credential document would.
func decodeVectorClaims(s *Schema, raw map[string]json.RawMessage) (Claims, error) {
	out := make(Claims, len(raw))
	for name, v := range raw {
		d, ok := s.Claim(name)
		if !ok {
			return nil, claimErr(ErrUnknownClaim, name, "not in schema")
		}
		n, err := d.claimFromJSON(v)
		if err != nil {
			return nil, err
		}
		out[name] = n
	}
	return s.Normalize(out)
}

// FillVector computes every derived field of v from its schema, claims,
// salts, holder binding, validUntil, revocation index and, when given,
// issuance day (MessageV2; the generator
// uses it; the test recomputes and compares).
func FillVector(v *Vector) error {
	s, err := ParseSchema(v.Schema)
	if err != nil {
		return err
	}
	claims, err := decodeVectorClaims(s, v.Claims)
	if err != nil {
		for name, sentinel := range vectorErrors {
			if errors.Is(err, sentinel) {
				v.WantErr = name
				return nil
			}
		}
		return err
	}
	core := Core{Type: s.TypeID(), Slots: s.encodeNormalized(claims), RevocationIndex: v.RevocationIndex}
	if core.Salt, err = parseFE(v.Salt); err != nil {
		return err
	}
	if len(v.ClaimSalts) != NumSlots {
		return fmt.Errorf("vector: %d claim salts", len(v.ClaimSalts))
	}
	for i := range core.ClaimSalts {
		if core.ClaimSalts[i], err = parseFE(v.ClaimSalts[i]); err != nil {
			return err
		}
	}
	if core.HolderBinding, err = parseFE(v.HolderBinding); err != nil {
		return err
	}
	until, err := parseDate(v.ValidUntil)
	if err != nil {
		return err
	}
	core.ValidUntil = DayValue(until)
	if v.IssuanceDay != "" {
		day, err := parseDate(v.IssuanceDay)
		if err != nil {
			return err
		}
		core.IssuanceDay = DayValue(day)
	}
	h, err := s.Hash()
	if err != nil {
		return err
	}
	v.Slots = make([]string, NumSlots)
	for i := range core.Slots {
		v.Slots[i] = feHex(core.Slots[i])
	}
	v.TypeID = feHex(core.Type)
	v.SchemaHash = hex.EncodeToString(h[:])
	v.ClaimsCommit = feHex(core.ClaimsCommitment())
	v.DisclosureRoot = feHex(core.DisclosureRoot())
	msg := core.Message()
	v.Message = feHex(msg)
	if v.IssuanceDay != "" {
		v.MessageV2 = feHex(core.MessageV2())
	}
	a := anchorOf(msg)
	v.Anchor = hex.EncodeToString(a[:])
	return nil
}
