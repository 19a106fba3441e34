package credential

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"
	"github.com/multiformats/go-multibase"

	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/zkhash"
)

// Constants of the credential document (W3C Verifiable Credentials Data
// Model 2.0). The VC 2.0 context has no @vocab (undefined terms moved to a
// separate context), so every other term civicproof writes is defined by
// ContextCivicproofV1 (claim names through its @vocab).
const (
	ContextV2           = "https://www.w3.org/ns/credentials/v2"
	TypeVC              = "VerifiableCredential"
	SchemaType          = "CivicproofClaimSchema"
	StatusType          = "CivicproofRevocationTree"
	ProofType           = "CivicproofEdDSABN254Poseidon2"
	ProofPurpose        = "assertionMethod"
	credentialIDPrefix  = "urn:civicproof:credential:"
	schemaIDPrefix      = "urn:civicproof:schema:sha256:"
	anchorDomain        = "civicproof/v1/credential-anchor\x00"
	validUntilTimeOfDay = "T23:59:59Z"
	timestampLayout     = "2006-01-02T15:04:05Z"
	signatureSize       = 64
	maxCredentialJSON   = 1 << 20
)

// Credential is an issued credential: the signed Core plus everything the
// W3C document carries around it. Its JSON form (MarshalJSON) is the
// verifiable credential document; ParseCredential reads it back.
//
// The issuer's EdDSA signature covers Core.Message(), which commits to the
// type id, the claims (salted), the per-claim disclosure leaves, the holder
// binding, the validUntil day and the revocation index. ValidFrom and
// Holder are not covered by it; the issuance time that verification trusts
// is the time of the credential-issued record on the ledger.
type Credential struct {
	Schema    *Schema
	Issuer    identity.DID     // the issuing agency's DID
	IssuerKey *eddsa.PublicKey // the issuer's ZK key that signed (Verify checks it against the ledger)
	Holder    identity.DID     // optional subject DID; "" when absent
	ValidFrom time.Time        // issuance time, UTC, whole seconds
	Claims    Claims           // normalized claims (see Claims)
	Core      Core
	Signature []byte // EdDSA-BN254 over Core.Message()
	// SignatureV2 is the EdDSA-BN254 signature over Core.MessageV2()
	// (presentation proofs v2), whose IssuanceDay is DayValue(ValidFrom).
	// Sign sets it; it is nil for a credential issued before v2, which
	// only v1 presentations can use.
	SignatureV2 []byte
	// DataIntegrity is the issuer's W3C Data Integrity eddsa-jcs-2022 proof
	// over the document, by the Ed25519 key its did:key names: what any W3C
	// verifier checks. Sign sets it; it is nil only for a document in the
	// earlier form (BN254 proof alone), which ParseCredential still reads.
	DataIntegrity *DataIntegrityProof
}

// ValidUntil returns the last instant of the credential's validity: 23:59:59
// UTC of its validUntil day.
func (c *Credential) ValidUntil() time.Time {
	return DayDate(c.Core.ValidUntil).Add(24*time.Hour - time.Second)
}

// Anchor returns the commitment the issuer records on the ledger:
//
//	SHA-256("civicproof/v1/credential-anchor\x00" || Core.Message() as 32 bytes big-endian)
//
// Message is itself a salted hash, so the anchor reveals no claim.
func (c *Credential) Anchor() [32]byte { return anchorOf(c.Core.Message()) }

func anchorOf(msg fr.Element) [32]byte {
	b := msg.Bytes()
	h := sha256.New()
	h.Write([]byte(anchorDomain))
	h.Write(b[:])
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// ID returns the credential's id: "urn:civicproof:credential:" + hex(Anchor).
func (c *Credential) ID() string { return idOf(c.Core.Message()) }

// idOf is the credential id of a message.
func idOf(msg fr.Element) string {
	a := anchorOf(msg)
	return credentialIDPrefix + hex.EncodeToString(a[:])
}

// Type returns the ledger type name (the schema name).
func (c *Credential) Type() string { return c.Schema.Name }

// CheckHolder reports whether secret is the holder secret this credential
// is bound to; it returns an error wrapping ErrHolderMismatch if not.
func (c *Credential) CheckHolder(secret fr.Element) error {
	hb := HolderBinding(secret)
	if !hb.Equal(&c.Core.HolderBinding) {
		return fmt.Errorf("%w: credential %s", ErrHolderMismatch, c.ID())
	}
	return nil
}

// Wire form of the document.
type vcJSON struct {
	Context           []any           `json:"@context"`
	ID                string          `json:"id"`
	Type              []string        `json:"type"`
	Issuer            identity.DID    `json:"issuer"`
	ValidFrom         string          `json:"validFrom"`
	ValidUntil        string          `json:"validUntil"`
	CredentialSchema  vcSchemaJSON    `json:"credentialSchema"`
	CredentialSubject json.RawMessage `json:"credentialSubject"`
	CredentialStatus  vcStatusJSON    `json:"credentialStatus"`
	Proof             json.RawMessage `json:"proof,omitempty"`
}

type vcSchemaJSON struct {
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	Schema json.RawMessage `json:"schema"`
}

type vcStatusJSON struct {
	Type            string       `json:"type"`
	RevocationIndex uint32       `json:"revocationIndex"`
	StatusRegistry  identity.DID `json:"statusRegistry"`
}

type vcProofJSON struct {
	Type               string   `json:"type"`
	ProofPurpose       string   `json:"proofPurpose"`
	VerificationMethod string   `json:"verificationMethod"`
	TypeID             string   `json:"typeId"`
	HolderBinding      string   `json:"holderBinding"`
	Salt               string   `json:"salt"`
	ClaimSalts         []string `json:"claimSalts"`
	ProofValue         string   `json:"proofValue"`
	ProofValueV2       string   `json:"proofValueV2,omitempty"`
}

// MarshalJSON returns the credential as a W3C VC 2.0 JSON document:
//
//	{"@context":["https://www.w3.org/ns/credentials/v2","https://w3id.org/civicproof/v1"],
//	 "id":"urn:civicproof:credential:<hex anchor>",
//	 "type":["VerifiableCredential","<schema name>"],
//	 "issuer":"did:key:...","validFrom":"<RFC 3339 UTC>","validUntil":"YYYY-MM-DDT23:59:59Z",
//	 "credentialSchema":{"id":"urn:civicproof:schema:sha256:<hex>","type":"CivicproofClaimSchema","schema":{...}},
//	 "credentialSubject":{"id":"<holder DID, optional>","<claim>":<value>,...},
//	 "credentialStatus":{"type":"CivicproofRevocationTree","revocationIndex":n,"statusRegistry":"<issuer DID>"},
//	 "proof":[
//	   {"@context":<the document's>,"type":"DataIntegrityProof","cryptosuite":"eddsa-jcs-2022",
//	    "created":"<validFrom>","verificationMethod":"did:key:z6Mk…#z6Mk…",
//	    "proofPurpose":"assertionMethod","proofValue":"z<base58btc Ed25519 signature>"},
//	   {"type":"CivicproofEdDSABN254Poseidon2","proofPurpose":"assertionMethod",
//	    "verificationMethod":"<issuer DID>#<multikey of the ZK key>","typeId":"0x..",
//	    "holderBinding":"0x..","salt":"0x..","claimSalts":["0x..",...16],"proofValue":"z<base58btc signature>",
//	    "proofValueV2":"z<base58btc signature over Core.MessageV2>"}]}
//
// The two proofs form a proof set: each covers the document without
// "proof". Field elements are "0x" and 64 lowercase hex digits
// (big-endian); claim values are as in Claims (dates "YYYY-MM-DD",
// integers as JSON numbers, bytes as unpadded base64url). The document
// holds the claim salts and the holder binding: it is the holder's private
// material, not something to show a verifier (use a Disclosure, an SD-JWT
// VC or a zero-knowledge presentation). A credential without
// DataIntegrity is written in the earlier form: @context the VC 2.0
// context alone, "proof" the BN254 proof object.
func (c *Credential) MarshalJSON() ([]byte, error) {
	w, err := c.unsecured()
	if err != nil {
		return nil, err
	}
	bn, err := json.Marshal(c.bn254Proof())
	if err != nil {
		return nil, err
	}
	if c.DataIntegrity == nil {
		w.Proof = bn
	} else {
		di, err := json.Marshal(c.DataIntegrity)
		if err != nil {
			return nil, err
		}
		w.Proof = json.RawMessage("[" + string(di) + "," + string(bn) + "]")
	}
	return json.Marshal(w)
}

// documentContext is the @context of a credential in the current form.
func documentContext() []any { return []any{ContextV2, ContextCivicproofV1} }

// unsecured returns the document without its proof, in the current form
// when the credential has (or is about to get) a Data Integrity proof.
func (c *Credential) unsecured() (*vcJSON, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	schemaJSON, err := c.Schema.MarshalJSON()
	if err != nil {
		return nil, err
	}
	h, err := c.Schema.Hash()
	if err != nil {
		return nil, err
	}
	subject := make(map[string]any, len(c.Claims)+1)
	if c.Holder != "" {
		subject["id"] = c.Holder
	}
	for _, d := range c.Schema.Claims {
		if v, ok := c.Claims[d.Name]; ok {
			subject[d.Name] = d.claimToJSON(v)
		}
	}
	subj, err := json.Marshal(subject)
	if err != nil {
		return nil, fmt.Errorf("credential: encoding credentialSubject: %w", err)
	}
	ctx := []any{ContextV2}
	if c.DataIntegrity != nil {
		ctx = documentContext()
	}
	return &vcJSON{
		Context:           ctx,
		ID:                c.ID(),
		Type:              []string{TypeVC, c.Schema.Name},
		Issuer:            c.Issuer,
		ValidFrom:         c.ValidFrom.UTC().Format(timestampLayout),
		ValidUntil:        c.ValidUntil().Format(timestampLayout),
		CredentialSchema:  vcSchemaJSON{ID: schemaID(h), Type: SchemaType, Schema: schemaJSON},
		CredentialSubject: subj,
		CredentialStatus:  vcStatusJSON{Type: StatusType, RevocationIndex: c.Core.RevocationIndex, StatusRegistry: c.Issuer},
	}, nil
}

func (c *Credential) bn254Proof() vcProofJSON {
	p := vcProofJSON{
		Type:               ProofType,
		ProofPurpose:       ProofPurpose,
		VerificationMethod: verificationMethod(c.Issuer, c.IssuerKey),
		TypeID:             feHex(c.Core.Type),
		HolderBinding:      feHex(c.Core.HolderBinding),
		Salt:               feHex(c.Core.Salt),
		ClaimSalts:         make([]string, NumSlots),
		ProofValue:         encodeSignature(c.Signature),
	}
	if c.SignatureV2 != nil {
		p.ProofValueV2 = encodeSignature(c.SignatureV2)
	}
	for i := range c.Core.ClaimSalts {
		p.ClaimSalts[i] = feHex(c.Core.ClaimSalts[i])
	}
	return p
}

// signDataIntegrity adds the issuer's eddsa-jcs-2022 proof, made at
// ValidFrom with key (the Ed25519 key of c.Issuer).
func (c *Credential) signDataIntegrity(key ed25519.PrivateKey) error {
	c.DataIntegrity = &DataIntegrityProof{} // selects the current form
	w, err := c.unsecured()
	if err != nil {
		c.DataIntegrity = nil
		return err
	}
	doc, err := json.Marshal(w)
	if err != nil {
		c.DataIntegrity = nil
		return fmt.Errorf("credential: encoding the document: %w", err)
	}
	p, err := SignDataIntegrity(doc, key, c.ValidFrom)
	if err != nil {
		c.DataIntegrity = nil
		return err
	}
	c.DataIntegrity = p
	return nil
}

// check verifies the internal consistency of a credential built in memory.
func (c *Credential) check() error {
	if c == nil || c.Schema == nil || c.IssuerKey == nil {
		return fmt.Errorf("%w: incomplete credential", ErrMalformed)
	}
	if _, err := identity.ParseDID(string(c.Issuer)); err != nil {
		return fmt.Errorf("%w: issuer: %w", ErrMalformed, err)
	}
	if c.Holder != "" {
		if _, err := identity.ParseDID(string(c.Holder)); err != nil {
			return fmt.Errorf("%w: holder: %w", ErrMalformed, err)
		}
	}
	if len(c.Signature) != signatureSize {
		return fmt.Errorf("%w: signature is %d bytes, want %d", ErrMalformed, len(c.Signature), signatureSize)
	}
	if c.SignatureV2 != nil && len(c.SignatureV2) != signatureSize {
		return fmt.Errorf("%w: v2 signature is %d bytes, want %d", ErrMalformed, len(c.SignatureV2), signatureSize)
	}
	return nil
}

// UnmarshalJSON parses a credential document; see ParseCredential.
func (c *Credential) UnmarshalJSON(data []byte) error {
	p, err := ParseCredential(data)
	if err != nil {
		return err
	}
	*c = *p
	return nil
}

// ParseCredential parses and checks a credential document produced by
// MarshalJSON. "proof" may be an object or an array (a proof set). A
// document in the current form must carry both proofs: the eddsa-jcs-2022
// Data Integrity proof must verify (ErrBadSignature) and must agree with
// the BN254 proof: made by the issuer's own did:key Ed25519 key, for
// assertionMethod, created at validFrom (ErrProofMismatch otherwise). A
// document in the earlier form (@context the VC 2.0 context alone, one
// BN254 proof object) is still read. It rejects unknown fields, a schema that does not match its
// id, claims that do not fit the schema, a type id, id, validUntil or status
// that contradicts the rest, non-canonical field elements, and a signature
// that is malformed (ErrMalformed) or does not verify under the
// document's own issuer key (ErrBadSignature). It does not consult the
// ledger: Verifier.Verify checks that the key is the issuer's, and
// accreditation, expiry and revocation.
func ParseCredential(data []byte) (*Credential, error) {
	if len(data) > maxCredentialJSON {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrMalformed, maxCredentialJSON)
	}
	var w vcJSON
	if err := strictUnmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	if len(w.Context) == 0 || w.Context[0] != ContextV2 {
		return nil, bad("@context must start with %s", ContextV2)
	}
	proofs, err := proofList(w.Proof)
	if err != nil {
		return nil, err
	}
	var (
		bnRaw map[string]json.RawMessage
		diRaw map[string]json.RawMessage
	)
	for _, p := range proofs {
		t, _ := stringMember(p, "type")
		switch {
		case t == ProofType && bnRaw == nil:
			bnRaw = p
		case isJCSProof(p) && diRaw == nil:
			diRaw = p
		default:
			return nil, bad("unexpected proof of type %q", truncate(t))
		}
	}
	if bnRaw == nil {
		return nil, bad("no %s proof", ProofType)
	}
	legacy := diRaw == nil
	if legacy && (len(w.Context) != 1 || len(proofs) != 1) {
		return nil, bad("no %s %s proof", DataIntegrityType, CryptosuiteEdDSAJCS)
	}
	if len(w.Type) != 2 || w.Type[0] != TypeVC {
		return nil, bad("type must be [%q, <schema name>]", TypeVC)
	}
	issuer, err := identity.ParseDID(string(w.Issuer))
	if err != nil {
		return nil, bad("issuer: %v", err)
	}
	c := &Credential{Issuer: issuer}
	if c.ValidFrom, err = time.Parse(timestampLayout, w.ValidFrom); err != nil || c.ValidFrom.Format(timestampLayout) != w.ValidFrom {
		return nil, bad("validFrom %q is not YYYY-MM-DDThh:mm:ssZ", truncate(w.ValidFrom))
	}
	untilDate, ok := strings.CutSuffix(w.ValidUntil, validUntilTimeOfDay)
	if !ok {
		return nil, bad("validUntil %q must end at %s", truncate(w.ValidUntil), validUntilTimeOfDay)
	}
	until, err := parseDate(untilDate)
	if err != nil {
		return nil, bad("validUntil: %v", err)
	}

	// Schema.
	if c.Schema, err = parseEmbeddedSchema(w.CredentialSchema); err != nil {
		return nil, err
	}
	if w.Type[1] != c.Schema.Name {
		return nil, bad("type %q does not match schema %q", truncate(w.Type[1]), c.Schema.Name)
	}

	// Subject and claims.
	var subject map[string]json.RawMessage
	if err := strictUnmarshal(w.CredentialSubject, &subject); err != nil || subject == nil {
		return nil, bad("credentialSubject must be a JSON object")
	}
	c.Claims = make(Claims, len(subject))
	for name, raw := range subject {
		if name == "id" {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, bad("credentialSubject id must be a string")
			}
			if c.Holder, err = identity.ParseDID(s); err != nil {
				return nil, bad("credentialSubject id: %v", err)
			}
			continue
		}
		d, ok := c.Schema.Claim(name)
		if !ok {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, claimErr(ErrUnknownClaim, name, "not in schema %s v%d", c.Schema.Name, c.Schema.Version))
		}
		v, err := d.claimFromJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		c.Claims[name] = v
	}
	for _, d := range c.Schema.Claims {
		if _, ok := c.Claims[d.Name]; d.Required && !ok {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, claimErr(ErrMissingClaim, d.Name, "required by schema %s v%d", c.Schema.Name, c.Schema.Version))
		}
	}

	// Status.
	st := w.CredentialStatus
	if st.Type != StatusType {
		return nil, bad("credentialStatus type %q, want %q", truncate(st.Type), StatusType)
	}
	if st.RevocationIndex > revocation.MaxIndex {
		return nil, bad("revocationIndex %d out of range", st.RevocationIndex)
	}
	if st.StatusRegistry != c.Issuer {
		return nil, bad("statusRegistry must be the issuer")
	}

	// Proofs.
	if !legacy {
		want, _ := json.Marshal(documentContext())
		got, _ := json.Marshal(w.Context)
		if !bytes.Equal(want, got) {
			return nil, bad("@context must be [%s, %s]", ContextV2, ContextCivicproofV1)
		}
	}
	var p vcProofJSON
	rawBN, _ := json.Marshal(bnRaw)
	if err := strictUnmarshal(rawBN, &p); err != nil {
		return nil, bad("%s proof: %v", ProofType, err)
	}
	if p.Type != ProofType || p.ProofPurpose != ProofPurpose {
		return nil, bad("proof type/purpose must be %q/%q", ProofType, ProofPurpose)
	}
	if c.IssuerKey, err = parseVerificationMethod(c.Issuer, p.VerificationMethod); err != nil {
		return nil, fmt.Errorf("%w: proof verificationMethod: %w", ErrMalformed, err)
	}
	core := Core{
		Slots:           c.Schema.encodeNormalized(c.Claims),
		ValidUntil:      DayValue(until),
		RevocationIndex: st.RevocationIndex,
		IssuanceDay:     DayValue(c.ValidFrom),
	}
	if core.Type, err = parseFE(p.TypeID); err != nil {
		return nil, bad("proof typeId: %v", err)
	}
	if want := c.Schema.TypeID(); !core.Type.Equal(&want) {
		return nil, bad("proof typeId does not match schema %s v%d", c.Schema.Name, c.Schema.Version)
	}
	if core.HolderBinding, err = parseFE(p.HolderBinding); err != nil {
		return nil, bad("proof holderBinding: %v", err)
	}
	if core.Salt, err = parseFE(p.Salt); err != nil {
		return nil, bad("proof salt: %v", err)
	}
	if len(p.ClaimSalts) != NumSlots {
		return nil, bad("proof claimSalts has %d entries, want %d", len(p.ClaimSalts), NumSlots)
	}
	for i, s := range p.ClaimSalts {
		if core.ClaimSalts[i], err = parseFE(s); err != nil {
			return nil, bad("proof claimSalts[%d]: %v", i, err)
		}
	}
	c.Core = core
	if c.Signature, err = decodeSignature(p.ProofValue); err != nil {
		return nil, fmt.Errorf("%w: proof proofValue: %w", ErrMalformed, err)
	}
	msg := c.Core.Message()
	if err := VerifyMessage(c.IssuerKey, msg, c.Signature); err != nil {
		return nil, fmt.Errorf("credential: proof does not verify under its verificationMethod: %w", err)
	}
	if p.ProofValueV2 != "" {
		if c.SignatureV2, err = decodeSignature(p.ProofValueV2); err != nil {
			return nil, fmt.Errorf("%w: proof proofValueV2: %w", ErrMalformed, err)
		}
		if err := VerifyMessage(c.IssuerKey, c.Core.MessageV2(), c.SignatureV2); err != nil {
			return nil, fmt.Errorf("credential: proofValueV2 does not verify under its verificationMethod: %w", err)
		}
	}
	if w.ID != idOf(msg) {
		return nil, bad("id does not match the credential's anchor")
	}
	if legacy {
		return c, nil
	}
	doc, err := jsonObject(data)
	if err != nil {
		return nil, err
	}
	signer, err := verifyJCSProof(doc, diRaw)
	if err != nil {
		return nil, fmt.Errorf("credential: %s proof: %w", CryptosuiteEdDSAJCS, err)
	}
	var di DataIntegrityProof
	rawDI, _ := json.Marshal(diRaw)
	if err := strictUnmarshal(rawDI, &di); err != nil {
		return nil, bad("%s proof: %v", CryptosuiteEdDSAJCS, err)
	}
	if signer != c.Issuer {
		return nil, fmt.Errorf("%w: Data Integrity proof by %s, BN254 proof and issuer %s", ErrProofMismatch, signer, c.Issuer)
	}
	if di.Created != w.ValidFrom {
		return nil, fmt.Errorf("%w: Data Integrity proof created %q, credential valid from %s", ErrProofMismatch, truncate(di.Created), w.ValidFrom)
	}
	if !bytes.Equal(di.Context, mustCompact(w.Context)) {
		return nil, fmt.Errorf("%w: Data Integrity proof @context differs from the document's", ErrProofMismatch)
	}
	c.DataIntegrity = &di
	return c, nil
}

func mustCompact(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("credential: encoding a decoded @context: " + err.Error())
	}
	return b
}

// feHex encodes a field element as "0x" + 64 lowercase hex digits.
func feHex(e fr.Element) string {
	b := e.Bytes()
	return "0x" + hex.EncodeToString(b[:])
}

// parseFE parses feHex's format strictly (canonical, below the modulus).
func parseFE(s string) (fr.Element, error) {
	var e fr.Element
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || len(h) != 64 || strings.ToLower(h) != h {
		return e, fmt.Errorf("field element %q is not 0x and 64 lowercase hex digits", truncate(s))
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return e, fmt.Errorf("field element %q: %v", truncate(s), err)
	}
	if err := e.SetBytesCanonical(b); err != nil {
		return e, fmt.Errorf("field element %q is not below the BN254 scalar modulus", truncate(s))
	}
	return e, nil
}

// zkMultikey returns the Multikey form of a ZK public key, as DID documents
// list it (identity.CodecZKEdDSABN254Pub, base58btc).
func zkMultikey(pk *eddsa.PublicKey) string {
	buf := binary.AppendUvarint(nil, identity.CodecZKEdDSABN254Pub)
	buf = append(buf, pk.Bytes()...)
	s, err := multibase.Encode(multibase.Base58BTC, buf)
	if err != nil {
		panic("credential: multibase base58btc unavailable: " + err.Error())
	}
	return s
}

func verificationMethod(issuer identity.DID, pk *eddsa.PublicKey) string {
	return string(issuer) + "#" + zkMultikey(pk)
}

func parseVerificationMethod(issuer identity.DID, vm string) (*eddsa.PublicKey, error) {
	frag, ok := strings.CutPrefix(vm, string(issuer)+"#")
	if !ok {
		return nil, fmt.Errorf("must be the issuer's DID followed by '#'")
	}
	enc, data, err := multibase.Decode(frag)
	if err != nil || enc != multibase.Base58BTC {
		return nil, fmt.Errorf("fragment is not multibase base58btc")
	}
	codec, n := binary.Uvarint(data)
	if n <= 0 || codec != identity.CodecZKEdDSABN254Pub {
		return nil, fmt.Errorf("fragment is not a ZK EdDSA-BN254 Multikey")
	}
	pk, err := identity.ParseZKPublicKey(data[n:])
	if err != nil {
		return nil, err
	}
	if zkMultikey(pk) != frag {
		return nil, fmt.Errorf("fragment is not canonically encoded")
	}
	return pk, nil
}

func encodeSignature(sig []byte) string {
	s, err := multibase.Encode(multibase.Base58BTC, sig)
	if err != nil {
		panic("credential: multibase base58btc unavailable: " + err.Error())
	}
	return s
}

// decodeSignature parses a multibase base58btc EdDSA-BN254 signature and
// checks its length and that its point and scalar decode.
func decodeSignature(s string) (sig []byte, err error) {
	enc, data, err := multibase.Decode(s)
	if err != nil || enc != multibase.Base58BTC {
		return nil, fmt.Errorf("signature is not multibase base58btc")
	}
	if len(data) != signatureSize {
		return nil, fmt.Errorf("signature is %d bytes, want %d", len(data), signatureSize)
	}
	if encodeSignature(data) != s {
		return nil, fmt.Errorf("signature is not canonically encoded")
	}
	defer func() {
		if r := recover(); r != nil {
			sig, err = nil, fmt.Errorf("signature does not decode: %v", r)
		}
	}()
	var es eddsa.Signature
	if _, err := es.SetBytes(data); err != nil {
		return nil, fmt.Errorf("signature does not decode: %v", err)
	}
	if !bytes.Equal(es.Bytes(), data) {
		return nil, fmt.Errorf("signature is not canonically encoded")
	}
	return data, nil
}

func schemaID(h [32]byte) string { return schemaIDPrefix + hex.EncodeToString(h[:]) }

// parseEmbeddedSchema parses a credentialSchema object and checks that its
// id is the embedded schema's hash.
func parseEmbeddedSchema(w vcSchemaJSON) (*Schema, error) {
	if w.Type != SchemaType {
		return nil, fmt.Errorf("%w: credentialSchema type %q, want %q", ErrMalformed, truncate(w.Type), SchemaType)
	}
	s, err := ParseSchema(w.Schema)
	if err != nil {
		return nil, fmt.Errorf("%w: credentialSchema: %w", ErrMalformed, err)
	}
	h, err := s.Hash()
	if err != nil {
		return nil, fmt.Errorf("%w: credentialSchema: %w", ErrMalformed, err)
	}
	if w.ID != schemaID(h) {
		return nil, fmt.Errorf("%w: credentialSchema id does not match the schema's hash", ErrMalformed)
	}
	return s, nil
}

// verifyMessage checks an issuer signature over a credential message given
// directly (the disclosure path, where no full Core is available).
func verifyMessage(pub *eddsa.PublicKey, msg fr.Element, sig []byte) error {
	b := msg.Bytes()
	ok, err := pub.Verify(sig, b[:], zkhash.NewHasher())
	if err != nil || !ok {
		return ErrBadSignature
	}
	return nil
}
