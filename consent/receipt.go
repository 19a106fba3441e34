package consent

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/gowebpki/jcs"

	"github.com/civicproof/civicproof/identity"
)

// Receipt format identifiers. Version 2 added Scope, the agency's
// nullifier scope the grant covers. Version 3 is the receipt of a grant
// with several credential positions or one that hides issuers: its Parts
// name the further positions (PartAt), and IssuerHidden says the grant
// does not allow revealing issuers. A grant of one credential position
// that allows revealing the issuer (every grant before version 3) keeps
// its version 2 receipt, byte for byte, so receipts already anchored on
// the ledger still match.
const (
	ReceiptVersion  = "civicproof-consent-receipt/3"
	ReceiptVersion2 = "civicproof-consent-receipt/2"
)

// Receipt is the consent receipt of a grant, with fields after ISO/IEC TS
// 27560 and the Kantara Consent Receipt Specification where they fit:
// receipt id, version, timestamp, controller (the agency), principal (the
// citizen's pseudonymous DID), purposes, legal basis, notice version and
// hash, what was consented to (and in which of the agency's nullifier
// scopes), validity and state. It carries no personal
// data in clear: the principal is a pairwise DID and the facts appear only
// as credential types, slot numbers and predicate part names.
//
// Only its hash (ReceiptHash) goes on the ledger, in a consent-receipt
// record; the citizen keeps the receipt itself and can show it to anyone
// to prove what was agreed.
type Receipt struct {
	Version          string       `json:"version"`
	ReceiptID        Digest       `json:"receiptId"` // = grant id
	Timestamp        int64        `json:"timestamp"` // Unix seconds the grant was given
	Controller       identity.DID `json:"controller"`
	Principal        identity.DID `json:"principal"`
	Guardian         identity.DID `json:"guardian,omitempty"`
	Purposes         []Purpose    `json:"purposes"`
	LegalBasis       LegalBasis   `json:"legalBasis"`
	NoticeVersion    string       `json:"noticeVersion"`
	NoticeHash       Digest       `json:"noticeHash"`
	CollectionMethod string       `json:"collectionMethod"`
	CredentialTypes  []string     `json:"credentialTypes"`
	Parts            []string     `json:"parts"`
	Scope            string       `json:"scope"`
	ValidFrom        int64        `json:"validFrom"`
	ValidUntil       int64        `json:"validUntil"`
	UseLimit         uint32       `json:"useLimit,omitempty"`
	IssuerHidden     bool         `json:"issuerHidden,omitempty"` // version 3: issuers may not be revealed
	State            string       `json:"state"`
}

// Receipt returns the grant's consent receipt (state dpv:ConsentGiven).
func (g *Grant) Receipt() *Receipt {
	version := ReceiptVersion
	if fitsFormat2(g.Also, g.RevealIssuer) {
		version = ReceiptVersion2
	}
	return &Receipt{
		Version:          version,
		ReceiptID:        g.ID(),
		Timestamp:        g.IssuedAt.Unix(),
		Controller:       g.Agency,
		Principal:        g.Citizen,
		Guardian:         g.Guardian,
		Purposes:         []Purpose{g.Purpose},
		LegalBasis:       g.LegalBasis,
		NoticeVersion:    g.NoticeVersion,
		NoticeHash:       g.NoticeHash,
		CollectionMethod: "civicproof wallet, signed grant",
		CredentialTypes:  append([]string(nil), g.Types...),
		Parts:            g.Parts(),
		Scope:            g.Scope,
		ValidFrom:        g.NotBefore.Unix(),
		ValidUntil:       g.NotAfter.Unix(),
		UseLimit:         g.UseLimit,
		IssuerHidden:     !g.RevealIssuer,
		State:            StateGiven.String(),
	}
}

// CanonicalJSON returns the RFC 8785 (JCS) canonical JSON of the receipt.
func (r *Receipt) CanonicalJSON() ([]byte, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("consent: receipt: %w", err)
	}
	out, err := jcs.Transform(raw)
	if err != nil {
		return nil, fmt.Errorf("consent: receipt: canonicalize: %w", err)
	}
	return out, nil
}

// Hash returns SHA-256 of the receipt's canonical JSON: the value anchored
// on the ledger.
func (r *Receipt) Hash() (Digest, error) {
	b, err := r.CanonicalJSON()
	if err != nil {
		return Digest{}, err
	}
	return sha256.Sum256(b), nil
}
