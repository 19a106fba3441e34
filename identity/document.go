package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// Contexts of a DID document (DID Core 1.0 and the Multikey vocabulary of
// the W3C Controlled Identifiers / Data Integrity specifications), and the
// 2020 suite contexts that older did:key implementations write.
const (
	ContextDIDv1    = "https://www.w3.org/ns/did/v1"
	ContextMultikey = "https://w3id.org/security/multikey/v1"
	// TypeMultikey is the verification method type of every key listed.
	TypeMultikey = "Multikey"

	// Context and type names of the 2020 did:key form, accepted by
	// ParseDocument (Ed25519VerificationKey2020, X25519KeyAgreementKey2020:
	// the same multibase keys under suite-specific types).
	ContextEd25519_2020            = "https://w3id.org/security/suites/ed25519-2020/v1"
	ContextX25519_2020             = "https://w3id.org/security/suites/x25519-2020/v1"
	TypeEd25519VerificationKey2020 = "Ed25519VerificationKey2020"
	TypeX25519KeyAgreementKey2020  = "X25519KeyAgreementKey2020"
)

// VerificationMethod is one key of a DID document, in Multikey form: the
// key is multibase base58btc over its multicodec-prefixed bytes.
type VerificationMethod struct {
	ID                 string `json:"id"`
	Type               string `json:"type"`
	Controller         DID    `json:"controller"`
	PublicKeyMultibase string `json:"publicKeyMultibase"`
}

// MethodRef is one entry of a verification relationship (authentication,
// assertionMethod, keyAgreement, ...): the id of a method listed in the
// document's verificationMethod, or, as DID Core allows and the 2020
// did:key form writes keyAgreement, the method itself embedded. Its JSON
// form is the id string, or the embedded method object.
type MethodRef struct {
	ID       string
	Embedded *VerificationMethod // nil for a reference
}

// Ref returns a reference to the method with this id.
func Ref(id string) MethodRef { return MethodRef{ID: id} }

// MarshalJSON writes the id string, or the embedded method.
func (r MethodRef) MarshalJSON() ([]byte, error) {
	if r.Embedded != nil {
		return json.Marshal(r.Embedded)
	}
	return json.Marshal(r.ID)
}

// UnmarshalJSON reads an id string or an embedded method object (unknown
// fields refused).
func (r *MethodRef) UnmarshalJSON(b []byte) error {
	var id string
	if err := json.Unmarshal(b, &id); err == nil {
		*r = MethodRef{ID: id}
		return nil
	}
	var vm VerificationMethod
	if err := strictUnmarshal(b, &vm); err != nil {
		return fmt.Errorf("verification relationship entry is neither an id nor a method: %w", err)
	}
	*r = MethodRef{ID: vm.ID, Embedded: &vm}
	return nil
}

// Document is a DID document (W3C DID Core 1.0) listing every key of a
// party: the Ed25519 key (authentication, assertion, capability
// invocation and delegation), the X25519 key (key agreement, for HPKE) and,
// when known, the ZK-friendly EdDSA-BN254 key (assertion: it signs
// credentials). The ZK key uses the private-use multicodec
// CodecZKEdDSABN254Pub, since no code is registered for it.
//
// For a did:key it matches, field by field, what other did:key
// implementations resolve (@digitalbazaar/did-method-key, checked in
// interop/): the Ed25519 Multikey and the four relationships as in its
// Multikey form, and the X25519 key agreement key (derived from the Ed25519
// key, as the did:key specification does by default) with the id its 2020
// form gives it, listed as a Multikey and referenced from keyAgreement.
type Document struct {
	Context              []string             `json:"@context"`
	ID                   DID                  `json:"id"`
	VerificationMethod   []VerificationMethod `json:"verificationMethod"`
	Authentication       []MethodRef          `json:"authentication"`
	AssertionMethod      []MethodRef          `json:"assertionMethod"`
	CapabilityDelegation []MethodRef          `json:"capabilityDelegation"`
	CapabilityInvocation []MethodRef          `json:"capabilityInvocation"`
	KeyAgreement         []MethodRef          `json:"keyAgreement"`
}

// NewDocument returns the DID document of a key set. If the key set has no
// ZK key (a did:key resolved offline), the document lists only the Ed25519
// and X25519 keys.
func NewDocument(pub *PublicKey) *Document {
	did := pub.DID()
	edID := string(did) + "#" + did.fragment()
	xMB := encodeMultikey(CodecX25519Pub, pub.x.Bytes())
	xID := string(did) + "#" + xMB
	doc := &Document{
		Context: []string{ContextDIDv1, ContextMultikey},
		ID:      did,
		VerificationMethod: []VerificationMethod{
			{ID: edID, Type: TypeMultikey, Controller: did, PublicKeyMultibase: did.fragment()},
			{ID: xID, Type: TypeMultikey, Controller: did, PublicKeyMultibase: xMB},
		},
		Authentication:       []MethodRef{Ref(edID)},
		AssertionMethod:      []MethodRef{Ref(edID)},
		CapabilityDelegation: []MethodRef{Ref(edID)},
		CapabilityInvocation: []MethodRef{Ref(edID)},
		KeyAgreement:         []MethodRef{Ref(xID)},
	}
	if pub.zk != nil {
		zkMB := encodeMultikey(CodecZKEdDSABN254Pub, pub.zk.Bytes())
		zkID := string(did) + "#" + zkMB
		doc.VerificationMethod = append(doc.VerificationMethod,
			VerificationMethod{ID: zkID, Type: TypeMultikey, Controller: did, PublicKeyMultibase: zkMB})
		doc.AssertionMethod = append(doc.AssertionMethod, Ref(zkID))
	}
	return doc
}

// methods returns every method the document carries: those listed in
// verificationMethod and those embedded in a relationship.
func (d *Document) methods() []VerificationMethod {
	out := append([]VerificationMethod(nil), d.VerificationMethod...)
	for _, rel := range [][]MethodRef{d.Authentication, d.AssertionMethod, d.CapabilityDelegation, d.CapabilityInvocation, d.KeyAgreement} {
		for _, r := range rel {
			if r.Embedded != nil {
				out = append(out, *r.Embedded)
			}
		}
	}
	return out
}

// typeAllowed reports whether a method type may carry a key of this codec.
func typeAllowed(typ string, codec uint64) bool {
	switch typ {
	case TypeMultikey:
		return true
	case TypeEd25519VerificationKey2020:
		return codec == CodecEd25519Pub
	case TypeX25519KeyAgreementKey2020:
		return codec == CodecX25519Pub
	}
	return false
}

// PublicKey extracts and validates the key set a document lists. The
// Ed25519 key must be the one its did:key names, the X25519 key (if listed)
// must derive from it, every key must be controlled by the document's
// subject, and every relationship must name a method the document carries.
// Methods may be Multikey or of the 2020 suite types
// (Ed25519VerificationKey2020, X25519KeyAgreementKey2020), listed or
// embedded. The ZK key is optional; PublicKey.ZK returns nil without it.
// Errors wrap ErrInvalidDocument.
func (d *Document) PublicKey() (*PublicKey, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil document", ErrInvalidDocument)
	}
	ed, err := d.ID.Ed25519()
	if err != nil {
		return nil, fmt.Errorf("%w: id: %w", ErrInvalidDocument, err)
	}
	var (
		zk           []byte
		sawEd        bool
		x25519FromEd []byte
	)
	if x25519FromEd, err = ed25519ToX25519(ed); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDocument, err)
	}
	ids := make(map[string]bool)
	for i, vm := range d.methods() {
		if vm.Controller != d.ID {
			return nil, fmt.Errorf("%w: verification method %d is controlled by %q, not the subject", ErrInvalidDocument, i, truncate(string(vm.Controller)))
		}
		codec, key, err := splitMultikey(vm.PublicKeyMultibase)
		if err != nil {
			return nil, fmt.Errorf("%w: verification method %d: %w", ErrInvalidDocument, i, err)
		}
		if !typeAllowed(vm.Type, codec) {
			return nil, fmt.Errorf("%w: verification method %d has type %q, want %q", ErrInvalidDocument, i, truncate(vm.Type), TypeMultikey)
		}
		if vm.ID != string(d.ID)+"#"+vm.PublicKeyMultibase {
			return nil, fmt.Errorf("%w: verification method %d id is not the DID and its key's multibase", ErrInvalidDocument, i)
		}
		switch codec {
		case CodecEd25519Pub:
			if string(key) != string(ed) {
				return nil, fmt.Errorf("%w: Ed25519 key differs from the one the DID names", ErrInvalidDocument)
			}
			sawEd = true
		case CodecX25519Pub:
			if string(key) != string(x25519FromEd) {
				return nil, fmt.Errorf("%w: X25519 key does not derive from the Ed25519 key", ErrInvalidDocument)
			}
		case CodecZKEdDSABN254Pub:
			if zk != nil {
				return nil, fmt.Errorf("%w: more than one ZK key", ErrInvalidDocument)
			}
			zk = key
		default:
			return nil, fmt.Errorf("%w: verification method %d has unknown multicodec 0x%x", ErrInvalidDocument, i, codec)
		}
		ids[vm.ID] = true
	}
	if !sawEd {
		return nil, fmt.Errorf("%w: no Ed25519 verification method", ErrInvalidDocument)
	}
	for _, rel := range [][]MethodRef{d.Authentication, d.AssertionMethod, d.CapabilityDelegation, d.CapabilityInvocation, d.KeyAgreement} {
		for _, r := range rel {
			if !ids[r.ID] {
				return nil, fmt.Errorf("%w: relationship names %q, which the document does not carry", ErrInvalidDocument, truncate(r.ID))
			}
		}
	}
	pub, err := newPublicKey(ed, zk)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDocument, err)
	}
	return pub, nil
}

// ParseDocument decodes a DID document from JSON, rejecting unknown fields,
// and validates it with Document.PublicKey. It accepts civicproof's
// documents and the did:key documents other implementations write: the
// Multikey form (with or without keyAgreement) and the 2020 form whose
// keyAgreement embeds an X25519KeyAgreementKey2020 object. Documents
// larger than MaxDocumentSize are refused before decoding
// (ErrInvalidDocument and ErrTooLong).
func ParseDocument(data []byte) (*Document, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("%w: %w: %d bytes, at most %d", ErrInvalidDocument, ErrTooLong, len(data), MaxDocumentSize)
	}
	var d Document
	if err := strictUnmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	if len(d.Context) == 0 || d.Context[0] != ContextDIDv1 {
		return nil, fmt.Errorf("%w: @context must start with %q", ErrInvalidDocument, ContextDIDv1)
	}
	if _, err := d.PublicKey(); err != nil {
		return nil, err
	}
	return &d, nil
}

func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytesReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	// Only whitespace may follow (Token returns io.EOF); More alone does
	// not report a stray ']' or '}'.
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after JSON value")
	}
	return nil
}

// Resolver finds the DID document of a DID. Implementations: KeyResolver
// (offline, did:key) and the ledger's resolver for registered agencies,
// whose documents carry their current keys after rotation.
type Resolver interface {
	// Resolve returns the document of did, or an error wrapping ErrNotFound
	// or ErrInvalidDID.
	Resolve(ctx context.Context, did DID) (*Document, error)
}

// KeyResolver resolves did:key identifiers offline, from the identifier
// alone. The documents it returns list the Ed25519 key and its X25519 key;
// they cannot list a ZK key, which a did:key does not encode.
type KeyResolver struct{}

var _ Resolver = KeyResolver{}

// Resolve implements Resolver.
func (KeyResolver) Resolve(_ context.Context, did DID) (*Document, error) {
	ed, err := did.Ed25519()
	if err != nil {
		return nil, err
	}
	pub, err := newPublicKey(ed, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDID, err)
	}
	return NewDocument(pub), nil
}
