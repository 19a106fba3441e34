package credential

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gowebpki/jcs"
	"github.com/multiformats/go-multibase"

	"github.com/civicproof/civicproof/identity"
)

// Names of the W3C Data Integrity proof civicproof writes (VC Data
// Integrity 1.0, VC Data Integrity EdDSA Cryptosuites 1.0).
const (
	DataIntegrityType    = "DataIntegrityProof"
	CryptosuiteEdDSAJCS  = "eddsa-jcs-2022"
	ed25519SignatureSize = ed25519.SignatureSize
)

// DataIntegrityProof is an eddsa-jcs-2022 Data Integrity proof as it
// appears in a document. Context is the proof's "@context" (the
// cryptosuite copies the document's @context into it); Created is an XML
// Schema dateTime.
type DataIntegrityProof struct {
	Context            json.RawMessage `json:"@context,omitempty"`
	Type               string          `json:"type"`
	Cryptosuite        string          `json:"cryptosuite"`
	Created            string          `json:"created,omitempty"`
	VerificationMethod string          `json:"verificationMethod"`
	ProofPurpose       string          `json:"proofPurpose"`
	ProofValue         string          `json:"proofValue"`
}

// didKeyMethod returns the verification method id of a did:key's Ed25519
// key: "did:key:z6Mk…#z6Mk…".
func didKeyMethod(did identity.DID) string {
	return string(did) + "#" + strings.TrimPrefix(string(did), "did:key:")
}

// SignDataIntegrity returns an eddsa-jcs-2022 proof over unsecured (a JSON
// object without "proof") made with key, whose verification method is the
// key's did:key Multikey id, proofPurpose assertionMethod and created the
// given time (UTC, whole seconds). The algorithm is the cryptosuite's:
//
//	proofConfig = the proof without proofValue, @context = the document's
//	proofValue  = multibase-base58btc(Ed25519(key,
//	                SHA-256(JCS(proofConfig)) || SHA-256(JCS(unsecured))))
//
// with JCS the JSON Canonicalization Scheme (RFC 8785).
func SignDataIntegrity(unsecured []byte, key ed25519.PrivateKey, created time.Time) (*DataIntegrityProof, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: Ed25519 private key of %d bytes", ErrInvalidRequest, len(key))
	}
	doc, err := jsonObject(unsecured)
	if err != nil {
		return nil, err
	}
	if _, ok := doc["proof"]; ok {
		return nil, fmt.Errorf("%w: document to sign already has a proof", ErrMalformed)
	}
	did := identity.DIDFromEd25519(key.Public().(ed25519.PublicKey))
	p := &DataIntegrityProof{
		Context:            doc["@context"],
		Type:               DataIntegrityType,
		Cryptosuite:        CryptosuiteEdDSAJCS,
		Created:            created.UTC().Truncate(time.Second).Format(timestampLayout),
		VerificationMethod: didKeyMethod(did),
		ProofPurpose:       ProofPurpose,
	}
	cfg, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("credential: encoding proof configuration: %w", err)
	}
	cfgObj, err := jsonObject(cfg)
	if err != nil {
		return nil, err
	}
	delete(cfgObj, "proofValue")
	data, err := jcsHashData(cfgObj, doc)
	if err != nil {
		return nil, err
	}
	p.ProofValue = encodeMultibase(ed25519.Sign(key, data))
	return p, nil
}

// jcsHashData is SHA-256(JCS(proofConfig)) || SHA-256(JCS(document)).
func jcsHashData(proofConfig, doc map[string]json.RawMessage) ([]byte, error) {
	out := make([]byte, 0, 64)
	for _, v := range []map[string]json.RawMessage{proofConfig, doc} {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		c, err := jcs.Transform(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: JCS canonicalization: %v", ErrMalformed, err)
		}
		h := sha256.Sum256(c)
		out = append(out, h[:]...)
	}
	return out, nil
}

// jsonObject decodes a JSON object into its members, refusing anything
// else and trailing data.
func jsonObject(b []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrMalformed)
	}
	return m, nil
}

// proofList returns the document's proofs: "proof" as one object or an
// array of objects (a proof set).
func proofList(raw json.RawMessage) ([]map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: no proof", ErrMalformed)
	}
	if raw[0] == '{' {
		p, err := jsonObject(raw)
		if err != nil {
			return nil, err
		}
		return []map[string]json.RawMessage{p}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || len(items) == 0 {
		return nil, fmt.Errorf("%w: proof must be an object or a non-empty array of objects", ErrMalformed)
	}
	if len(items) > maxProofs {
		return nil, fmt.Errorf("%w: %d proofs, at most %d", ErrMalformed, len(items), maxProofs)
	}
	out := make([]map[string]json.RawMessage, len(items))
	for i, it := range items {
		p, err := jsonObject(it)
		if err != nil {
			return nil, fmt.Errorf("proof %d: %w", i, err)
		}
		out[i] = p
	}
	return out, nil
}

const maxProofs = 8

// stringMember returns a string member of a JSON object, "" when absent.
func stringMember(m map[string]json.RawMessage, k string) (string, error) {
	raw, ok := m[k]
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%w: %q is not a string", ErrMalformed, k)
	}
	return s, nil
}

// isJCSProof reports whether a proof is an eddsa-jcs-2022 Data Integrity
// proof.
func isJCSProof(p map[string]json.RawMessage) bool {
	t, _ := stringMember(p, "type")
	cs, _ := stringMember(p, "cryptosuite")
	return t == DataIntegrityType && cs == CryptosuiteEdDSAJCS
}

// verifyJCSProof checks one eddsa-jcs-2022 proof over doc (the document
// without "proof") and returns the DID whose Ed25519 key made it: the
// verification method must be a did:key method id "did:key:X#X" and the
// proof purpose assertionMethod. A proof @context must be a prefix of the
// document's and replaces it for hashing, as the cryptosuite specifies.
// Errors: ErrMalformed, ErrBadSignature.
func verifyJCSProof(doc, proof map[string]json.RawMessage) (identity.DID, error) {
	if !isJCSProof(proof) {
		return "", fmt.Errorf("%w: not a %s %s proof", ErrMalformed, DataIntegrityType, CryptosuiteEdDSAJCS)
	}
	vm, err := stringMember(proof, "verificationMethod")
	if err != nil {
		return "", err
	}
	did, frag, ok := strings.Cut(vm, "#")
	if !ok || "did:key:"+frag != did {
		return "", fmt.Errorf("%w: verificationMethod %q is not a did:key key id", ErrMalformed, truncate(vm))
	}
	parsed, err := identity.ParseDID(did)
	if err != nil {
		return "", fmt.Errorf("%w: verificationMethod: %w", ErrMalformed, err)
	}
	pub, err := parsed.Ed25519()
	if err != nil {
		return "", fmt.Errorf("%w: verificationMethod: %w", ErrMalformed, err)
	}
	if purpose, err := stringMember(proof, "proofPurpose"); err != nil || purpose != ProofPurpose {
		return "", fmt.Errorf("%w: proofPurpose must be %q", ErrMalformed, ProofPurpose)
	}
	pv, err := stringMember(proof, "proofValue")
	if err != nil {
		return "", err
	}
	sig, err := decodeMultibase(pv)
	if err != nil || len(sig) != ed25519SignatureSize {
		return "", fmt.Errorf("%w: proofValue is not a base58btc Ed25519 signature", ErrMalformed)
	}
	unsecured := make(map[string]json.RawMessage, len(doc))
	for k, v := range doc {
		if k != "proof" {
			unsecured[k] = v
		}
	}
	if pctx, ok := proof["@context"]; ok {
		if err := contextPrefix(pctx, doc["@context"]); err != nil {
			return "", err
		}
		unsecured["@context"] = pctx
	}
	cfg := make(map[string]json.RawMessage, len(proof))
	for k, v := range proof {
		if k != "proofValue" {
			cfg[k] = v
		}
	}
	data, err := jcsHashData(cfg, unsecured)
	if err != nil {
		return "", err
	}
	if !ed25519.Verify(pub, data, sig) {
		return "", fmt.Errorf("%w: %s proof by %s", ErrBadSignature, CryptosuiteEdDSAJCS, truncate(string(parsed)))
	}
	return parsed, nil
}

// contextPrefix checks that the document's @context starts with the
// proof's @context, item by item (compared canonically).
func contextPrefix(proofCtx, docCtx json.RawMessage) error {
	items := func(raw json.RawMessage) ([]string, error) {
		raw = bytes.TrimSpace(raw)
		var list []json.RawMessage
		if len(raw) > 0 && raw[0] == '[' {
			if err := json.Unmarshal(raw, &list); err != nil {
				return nil, err
			}
		} else if len(raw) > 0 {
			list = []json.RawMessage{raw}
		}
		out := make([]string, len(list))
		for i, it := range list {
			c, err := jcs.Transform(it)
			if err != nil {
				return nil, err
			}
			out[i] = string(c)
		}
		return out, nil
	}
	p, err1 := items(proofCtx)
	d, err2 := items(docCtx)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("%w: @context does not decode", ErrMalformed)
	}
	if len(p) > len(d) {
		return fmt.Errorf("%w: document @context does not start with the proof's @context", ErrBadSignature)
	}
	for i := range p {
		if p[i] != d[i] {
			return fmt.Errorf("%w: document @context does not start with the proof's @context", ErrBadSignature)
		}
	}
	return nil
}

// DataIntegrityOptions configures VerifyDataIntegrity.
type DataIntegrityOptions struct {
	// Trusted lists the issuers whose did:key proofs are accepted. A
	// document proven only by others gives ErrUnknownIssuer.
	Trusted []identity.DID
}

// VerifiedDocument is what VerifyDataIntegrity established about a
// document.
type VerifiedDocument struct {
	Issuer   identity.DID               // the trusted issuer whose proof verified
	Document map[string]json.RawMessage // the document's members, proof included
}

// VerifyDataIntegrity verifies a JSON-LD document secured with W3C Data
// Integrity eddsa-jcs-2022 proofs, as any implementation of the
// cryptosuite writes them (a credential from another issuer, made with
// @digitalbazaar/vc for example). It needs no ledger: the issuer's did:key
// is its key. "proof" may be one object or a proof set; every
// eddsa-jcs-2022 proof in it must verify (ErrBadSignature) and at least
// one must be by a trusted issuer (ErrUnknownIssuer). When the document
// names an "issuer" (a string, or an object with an id), a trusted proof
// must be that issuer's (ErrProofMismatch otherwise). Proofs of other
// types are ignored. A document with no eddsa-jcs-2022 proof gives
// ErrMalformed. It does not interpret the document's claims or dates:
// that is the caller's policy.
func VerifyDataIntegrity(doc []byte, opts DataIntegrityOptions) (*VerifiedDocument, error) {
	if len(doc) > maxCredentialJSON {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrMalformed, maxCredentialJSON)
	}
	m, err := jsonObject(doc)
	if err != nil {
		return nil, err
	}
	proofs, err := proofList(m["proof"])
	if err != nil {
		return nil, err
	}
	issuer, err := documentIssuer(m)
	if err != nil {
		return nil, err
	}
	trusted := make(map[identity.DID]bool, len(opts.Trusted))
	for _, d := range opts.Trusted {
		trusted[d] = true
	}
	var (
		found  bool
		signer identity.DID
	)
	for i, p := range proofs {
		if !isJCSProof(p) {
			continue
		}
		found = true
		did, err := verifyJCSProof(m, p)
		if err != nil {
			return nil, fmt.Errorf("proof %d: %w", i, err)
		}
		if trusted[did] && signer == "" {
			signer = did
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: no %s proof", ErrMalformed, CryptosuiteEdDSAJCS)
	}
	if signer == "" {
		return nil, fmt.Errorf("%w: no proof by a trusted issuer", ErrUnknownIssuer)
	}
	if issuer != "" && issuer != string(signer) {
		return nil, fmt.Errorf("%w: proven by %s, issuer is %s", ErrProofMismatch, signer, truncate(issuer))
	}
	return &VerifiedDocument{Issuer: signer, Document: m}, nil
}

// documentIssuer returns the document's issuer id ("" when it has none).
func documentIssuer(m map[string]json.RawMessage) (string, error) {
	raw, ok := m["issuer"]
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var o struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return "", fmt.Errorf("%w: issuer is neither a string nor an object with an id", ErrMalformed)
	}
	return o.ID, nil
}

func encodeMultibase(b []byte) string {
	s, err := multibase.Encode(multibase.Base58BTC, b)
	if err != nil {
		panic("credential: multibase base58btc unavailable: " + err.Error())
	}
	return s
}

func decodeMultibase(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "z") {
		return nil, fmt.Errorf("not multibase base58btc")
	}
	enc, data, err := multibase.Decode(s)
	if err != nil || enc != multibase.Base58BTC {
		return nil, fmt.Errorf("not multibase base58btc")
	}
	return data, nil
}
