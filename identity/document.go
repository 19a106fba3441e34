package identity

import (
	"context"
	"encoding/json"
	"fmt"
)

// Contexts of a DID document (DID Core 1.0 and the Multikey vocabulary of
// the W3C Controlled Identifiers / Data Integrity specifications).
const (
	ContextDIDv1    = "https://www.w3.org/ns/did/v1"
	ContextMultikey = "https://w3id.org/security/multikey/v1"
	// TypeMultikey is the verification method type of every key listed.
	TypeMultikey = "Multikey"
)

// VerificationMethod is one key of a DID document, in Multikey form: the
// key is multibase base58btc over its multicodec-prefixed bytes.
type VerificationMethod struct {
	ID                 string `json:"id"`
	Type               string `json:"type"`
	Controller         DID    `json:"controller"`
	PublicKeyMultibase string `json:"publicKeyMultibase"`
}

// Document is a DID document (W3C DID Core 1.0) listing every key of a
// party: the Ed25519 key (authentication, assertion, capability
// invocation), the X25519 key (key agreement, for HPKE) and, when known, the
// ZK-friendly EdDSA-BN254 key (assertion: it signs credentials). The ZK key
// uses the private-use multicodec CodecZKEdDSABN254Pub, since no code is
// registered for it.
type Document struct {
	Context              []string             `json:"@context"`
	ID                   DID                  `json:"id"`
	VerificationMethod   []VerificationMethod `json:"verificationMethod"`
	Authentication       []string             `json:"authentication"`
	AssertionMethod      []string             `json:"assertionMethod"`
	CapabilityInvocation []string             `json:"capabilityInvocation"`
	KeyAgreement         []string             `json:"keyAgreement"`
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
		Authentication:       []string{edID},
		AssertionMethod:      []string{edID},
		CapabilityInvocation: []string{edID},
		KeyAgreement:         []string{xID},
	}
	if pub.zk != nil {
		zkMB := encodeMultikey(CodecZKEdDSABN254Pub, pub.zk.Bytes())
		zkID := string(did) + "#" + zkMB
		doc.VerificationMethod = append(doc.VerificationMethod,
			VerificationMethod{ID: zkID, Type: TypeMultikey, Controller: did, PublicKeyMultibase: zkMB})
		doc.AssertionMethod = append(doc.AssertionMethod, zkID)
	}
	return doc
}

// PublicKey extracts and validates the key set a document lists. The
// Ed25519 key must be the one its did:key names, the X25519 key (if listed)
// must derive from it, and every key must be controlled by the document's
// subject. The ZK key is optional; PublicKey.ZK returns nil without it.
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
	for i, vm := range d.VerificationMethod {
		if vm.Controller != d.ID {
			return nil, fmt.Errorf("%w: verification method %d is controlled by %q, not the subject", ErrInvalidDocument, i, vm.Controller)
		}
		if vm.Type != TypeMultikey {
			return nil, fmt.Errorf("%w: verification method %d has type %q, want %q", ErrInvalidDocument, i, vm.Type, TypeMultikey)
		}
		codec, key, err := splitMultikey(vm.PublicKeyMultibase)
		if err != nil {
			return nil, fmt.Errorf("%w: verification method %d: %w", ErrInvalidDocument, i, err)
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
	}
	if !sawEd {
		return nil, fmt.Errorf("%w: no Ed25519 verification method", ErrInvalidDocument)
	}
	pub, err := newPublicKey(ed, zk)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDocument, err)
	}
	return pub, nil
}

// ParseDocument decodes a DID document from JSON, rejecting unknown fields,
// and validates it with Document.PublicKey. Documents larger than
// MaxDocumentSize are refused before decoding (ErrInvalidDocument and
// ErrTooLong).
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
	if dec.More() {
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
