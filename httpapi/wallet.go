package httpapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// What a wallet checks itself, before showing anything to the citizen.

// ParseRequestObject verifies a request object fetched from request_uri:
// the JWS header (EdDSA, typ oauth-authz-req+jwt, kid = client_id), the
// signature by client_id's Ed25519 key, response_type vp_token and
// response_mode direct_post with an absolute http(s) response_uri, and the
// consent request inside: signed by the same agency, the same nonce,
// issued and expiring when the object says, and not expired at now.
// Errors wrap ErrBadRequestObject, and the consent package's sentinel
// (ErrBadSignature, ErrExpired, ErrMalformed) where one applies.
func ParseRequestObject(jws []byte, now time.Time) (*RequestObject, error) {
	hdr, payload, err := openJWS(string(jws))
	if err != nil {
		return nil, err
	}
	var raw struct {
		RequestObject
		Request json.RawMessage `json:"civicproof_request"`
	}
	if err := decodeStrict(payload, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequestObject, err)
	}
	ro := raw.RequestObject
	pub, err := ro.ClientID.Ed25519()
	if err != nil || hdr.Kid != string(ro.ClientID) {
		return nil, fmt.Errorf("%w: client_id is not the signing key's did:key", ErrBadRequestObject)
	}
	if err := verifyJWS(string(jws), pub); err != nil {
		return nil, err
	}
	if ro.ResponseType != "vp_token" || ro.ResponseMode != "direct_post" {
		return nil, fmt.Errorf("%w: response_type %q mode %q", ErrBadRequestObject, ro.ResponseType, ro.ResponseMode)
	}
	if u, err := url.Parse(ro.ResponseURI); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: response_uri", ErrBadRequestObject)
	}
	if ro.State == "" || len(ro.State) > 128 {
		return nil, fmt.Errorf("%w: state", ErrBadRequestObject)
	}
	req, err := consent.ParseRequestJSON(raw.Request)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequestObject, err)
	}
	if req.Agency != ro.ClientID || req.Nonce.String() != ro.Nonce ||
		req.IssuedAt.Unix() != ro.IssuedAt || req.Expires.Unix() != ro.Expires {
		return nil, fmt.Errorf("%w: client_id, nonce or times differ from the consent request's", ErrBadRequestObject)
	}
	if err := req.Verify(now); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequestObject, err)
	}
	ro.Request = req
	return &ro, nil
}

// checkEntry verifies e's inclusion under cp and decodes its record.
func checkEntry(cp *ledger.Checkpoint, e LedgerEntry) (*ledger.SignedRecord, error) {
	if err := ledger.VerifyInclusion(cp, e.Index, e.Record, e.Proof); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadLedgerProof, err)
	}
	sr, err := ledger.DecodeSignedRecord(e.Record)
	if err != nil {
		return nil, fmt.Errorf("%w: record %d: %w", ErrBadLedgerProof, e.Index, err)
	}
	return sr, nil
}

// VerifiedAgency is what a wallet learned about an agency from records it
// verified against a checkpoint.
type VerifiedAgency struct {
	DID        identity.DID
	Name       string // as registered on the ledger
	Governance string // the root authority's name
}

// VerifyAgency checks f against a checkpoint signed by the ledger (v is the
// wallet's pinned ledger verifier): each record's inclusion proof and
// signature, that index 0 founds the ledger, that agency registered itself
// under its name, and that the root authority accredited it in role for
// typ. It returns ErrNotAccredited when the accreditation is missing or
// is not for role and typ, ErrBadLedgerProof when a record does not verify.
//
// It cannot prove that no later record suspended the accreditation: that
// needs a verifiable map of the state, which the ledger does not publish.
func VerifyAgency(f *AgencyFacts, v *ledger.Verifier, agency identity.DID, role ledger.Role, typ string) (*VerifiedAgency, error) {
	cp, err := v.ParseCheckpoint(f.Checkpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadLedgerProof, err)
	}
	gov, err := checkEntry(cp, f.Governance)
	if err != nil {
		return nil, err
	}
	gi, ok := gov.Record.Payload.(*ledger.GovernanceInit)
	if f.Governance.Index != 0 || !ok {
		return nil, fmt.Errorf("%w: record 0 is not the governance init", ErrBadLedgerProof)
	}
	reg, err := checkEntry(cp, f.Registration)
	if err != nil {
		return nil, err
	}
	ar, ok := reg.Record.Payload.(*ledger.AgencyRegister)
	if !ok || reg.Record.Author != agency {
		return nil, fmt.Errorf("%w: no registration of %s", ErrNotAccredited, agency)
	}
	if f.Accreditation == nil {
		return nil, fmt.Errorf("%w: %s is not accredited as %s for %s", ErrNotAccredited, ar.Name, role, typ)
	}
	acc, err := checkEntry(cp, *f.Accreditation)
	if err != nil {
		return nil, err
	}
	var (
		accAgency identity.DID
		accRole   ledger.Role
		accTypes  []string
	)
	switch p := acc.Record.Payload.(type) {
	case *ledger.Accredit:
		accAgency, accRole, accTypes = p.Agency, p.Role, p.Types
	case *ledger.Reinstate:
		accAgency, accRole, accTypes = p.Agency, p.Role, p.Types
	}
	if acc.Record.Author != gov.Record.Author || accAgency != agency || accRole != role || !slices.Contains(accTypes, typ) ||
		f.Accreditation.Index < f.Registration.Index {
		return nil, fmt.Errorf("%w: %s is not accredited as %s for %s", ErrNotAccredited, ar.Name, role, typ)
	}
	return &VerifiedAgency{DID: agency, Name: ar.Name, Governance: gi.Name}, nil
}

// VerifiedGrant is one of the citizen's grants as verified records show it.
type VerifiedGrant struct {
	ID         consent.Digest
	Agency     identity.DID
	AgencyName string // "" if the agency's registration was not served
	Anchored   time.Time
	Withdrawn  bool
	Accesses   []VerifiedAccess
}

// VerifiedAccess is one verified access record.
type VerifiedAccess struct {
	Index   uint64
	Time    time.Time
	Purpose consent.Purpose
}

// VerifyAccessLog checks log against a checkpoint signed by the ledger:
// every record's inclusion proof and signature; that each receipt was
// written by citizen for its grant; that each withdrawal and access
// record is for that grant, by the citizen and by the grant's agency
// respectively. Errors wrap ErrBadLedgerProof.
//
// The server could still leave records out: completeness is not proven.
func VerifyAccessLog(log *AccessLog, v *ledger.Verifier, citizen identity.DID) ([]VerifiedGrant, error) {
	cp, err := v.ParseCheckpoint(log.Checkpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadLedgerProof, err)
	}
	names := map[identity.DID]string{}
	for _, e := range log.Agencies {
		sr, err := checkEntry(cp, e)
		if err != nil {
			return nil, err
		}
		ar, ok := sr.Record.Payload.(*ledger.AgencyRegister)
		if !ok {
			return nil, fmt.Errorf("%w: record %d is not an agency registration", ErrBadLedgerProof, e.Index)
		}
		names[sr.Record.Author] = ar.Name
	}
	var out []VerifiedGrant
	for _, g := range log.Grants {
		sr, err := checkEntry(cp, g.Receipt)
		if err != nil {
			return nil, err
		}
		cr, ok := sr.Record.Payload.(*ledger.ConsentReceipt)
		if !ok || (sr.Record.Author != citizen && cr.Citizen != citizen) {
			return nil, fmt.Errorf("%w: record %d is not a receipt of %s", ErrBadLedgerProof, g.Receipt.Index, citizen)
		}
		vg := VerifiedGrant{ID: consent.Digest(cr.Grant), Agency: cr.Agency, AgencyName: names[cr.Agency],
			Anchored: time.Unix(sr.Record.Time, 0).UTC()}
		if g.Withdrawal != nil {
			wr, err := checkEntry(cp, *g.Withdrawal)
			if err != nil {
				return nil, err
			}
			cw, ok := wr.Record.Payload.(*ledger.ConsentWithdrawal)
			if !ok || cw.Grant != cr.Grant || g.Withdrawal.Index < g.Receipt.Index {
				return nil, fmt.Errorf("%w: record %d is not a withdrawal of the grant", ErrBadLedgerProof, g.Withdrawal.Index)
			}
			vg.Withdrawn = len(cw.Parts) == 0
		}
		for _, e := range g.Accesses {
			ar, err := checkEntry(cp, e)
			if err != nil {
				return nil, err
			}
			a, ok := ar.Record.Payload.(*ledger.AccessRecord)
			if !ok || a.Grant != cr.Grant || ar.Record.Author != cr.Agency || e.Index < g.Receipt.Index {
				return nil, fmt.Errorf("%w: record %d is not an access by the grant's agency", ErrBadLedgerProof, e.Index)
			}
			vg.Accesses = append(vg.Accesses, VerifiedAccess{Index: e.Index, Time: time.Unix(ar.Record.Time, 0).UTC(),
				Purpose: consent.Purpose(a.Purpose)})
		}
		out = append(out, vg)
	}
	return out, nil
}

// VerifyOfficialKey checks f against a checkpoint signed by the ledger:
// the records' proofs and signatures, and that the root authority made
// fingerprint fp official for shape. A wallet runs it on the verifying
// key inside a proving key it fetched before proving with it. Errors wrap
// ErrBadLedgerProof.
func VerifyOfficialKey(f *KeyFacts, v *ledger.Verifier, shape string, fp [32]byte) error {
	cp, err := v.ParseCheckpoint(f.Checkpoint)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadLedgerProof, err)
	}
	gov, err := checkEntry(cp, f.Governance)
	if err != nil {
		return err
	}
	if _, ok := gov.Record.Payload.(*ledger.GovernanceInit); !ok || f.Governance.Index != 0 {
		return fmt.Errorf("%w: record 0 is not the governance init", ErrBadLedgerProof)
	}
	kr, err := checkEntry(cp, f.Key)
	if err != nil {
		return err
	}
	k, ok := kr.Record.Payload.(*ledger.VerifyingKey)
	if !ok || kr.Record.Author != gov.Record.Author || k.Shape != shape || k.Fingerprint != ledger.Hash(fp) {
		return fmt.Errorf("%w: no official %s key %x…", ErrBadLedgerProof, shape, fp[:8])
	}
	return nil
}
