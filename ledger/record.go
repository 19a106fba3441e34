package ledger

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gowebpki/jcs"

	"github.com/civicproof/civicproof/identity"
)

// MaxSafeInteger is the largest integer a record may carry in a JSON
// number (2^53-1): RFC 8785 serializes numbers as IEEE 754 doubles, so a
// larger integer would not survive canonicalization exactly.
const MaxSafeInteger = 1<<53 - 1

// MaxRecordSize bounds the canonical size of a signed record.
const MaxRecordSize = 16 << 10

// Valid record times: 1970-01-01T00:00:01Z up to 9999-12-31T23:59:59Z.
const (
	minTime = 1
	maxTime = 253402300799
)

// SignatureDomainPrefix begins the signature domain of every record: a
// record of kind k is signed under the identity domain
// "ledger.record/" + k, so a signature for one kind never verifies as
// another.
const SignatureDomainPrefix = "ledger.record/"

// Hash is a 32-byte digest or commitment. Its JSON form is 64 lowercase
// hexadecimal digits.
type Hash [32]byte

// HashBytes returns SHA-256(b) as a Hash, a convenience for building
// payloads from off-ledger documents.
func HashBytes(b []byte) Hash { return Hash(sha256.Sum256(b)) }

// IsZero reports whether h is all zeros (an unset field).
func (h Hash) IsZero() bool { return h == Hash{} }

// String returns the lowercase hexadecimal form.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText implements encoding.TextMarshaler.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText accepts exactly 64 lowercase hexadecimal digits.
func (h *Hash) UnmarshalText(b []byte) error {
	if len(b) != 64 {
		return fmt.Errorf("ledger: hash is %d hex digits, want 64", len(b))
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return errors.New("ledger: hash must be lowercase hexadecimal")
		}
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// Record is one entry of the ledger before signing: what (Kind and
// Payload), who (Author, a did:key) and when (Time, unix seconds UTC, as
// claimed by the author and checked against the ledger's clock on
// submission).
type Record struct {
	Kind    Kind         `json:"kind"`
	Author  identity.DID `json:"author"`
	Time    int64        `json:"time"`
	Payload Payload      `json:"payload"`
}

// SignedRecord is a Record with its author's signature. Its canonical
// bytes (Bytes) are the leaf of the ledger's Merkle tree.
type SignedRecord struct {
	Record    Record `json:"record"`
	Signature []byte `json:"signature"`
}

// NewRecord returns a Record of payload's kind by author at t.
func NewRecord(author identity.DID, t time.Time, payload Payload) Record {
	r := Record{Author: author, Time: t.Unix(), Payload: payload}
	if payload != nil {
		r.Kind = payload.Kind()
	}
	return r
}

// check validates everything about a record that does not depend on the
// ledger's state, and returns the author's Ed25519 key.
func (r *Record) check() (ed25519.PublicKey, error) {
	if r.Payload == nil {
		return nil, fmt.Errorf("%w: missing payload", ErrInvalidRecord)
	}
	if _, ok := kindInfo[r.Kind]; !ok {
		return nil, fmt.Errorf("%w: %w %q", ErrInvalidRecord, ErrUnknownKind, r.Kind)
	}
	if r.Payload.Kind() != r.Kind {
		return nil, fmt.Errorf("%w: kind %q carries a %q payload", ErrInvalidRecord, r.Kind, r.Payload.Kind())
	}
	pub, err := didKey(r.Author)
	if err != nil {
		return nil, fmt.Errorf("%w: author: %w", ErrInvalidRecord, err)
	}
	if r.Time < minTime || r.Time > maxTime {
		return nil, fmt.Errorf("%w: time %d out of range", ErrInvalidRecord, r.Time)
	}
	if err := r.Payload.check(); err != nil {
		return nil, fmt.Errorf("%w: %s payload: %w", ErrInvalidRecord, r.Kind, err)
	}
	return pub, nil
}

// CanonicalBytes returns the RFC 8785 (JCS) canonical JSON of the record:
// the message its author signs.
func (r *Record) CanonicalBytes() ([]byte, error) {
	if _, err := r.check(); err != nil {
		return nil, err
	}
	return canonicalJSON(r)
}

// Domain returns the identity signature domain of the record's kind.
func (r *Record) Domain() string { return SignatureDomainPrefix + string(r.Kind) }

// Sign validates r and signs it with key. If r.Author is empty it becomes
// key's DID; otherwise it must be key's DID. If r.Kind is empty it is taken
// from the payload.
func (r Record) Sign(key *identity.PrivateKey) (*SignedRecord, error) {
	if key == nil {
		return nil, errors.New("ledger: sign: nil key")
	}
	if r.Author == "" {
		r.Author = key.DID()
	}
	if r.Kind == "" && r.Payload != nil {
		r.Kind = r.Payload.Kind()
	}
	if r.Author != key.DID() {
		return nil, fmt.Errorf("%w: author %s is not the signing key's DID", ErrInvalidRecord, r.Author)
	}
	msg, err := r.CanonicalBytes()
	if err != nil {
		return nil, fmt.Errorf("ledger: sign: %w", err)
	}
	sr := &SignedRecord{Record: r, Signature: key.Sign(r.Domain(), msg)}
	if b := sr.envelope(msg); len(b) > MaxRecordSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrInvalidRecord, len(b), MaxRecordSize)
	}
	return sr, nil
}

// Verify checks that the record is valid and that its signature is its
// author's under the record kind's domain. Errors wrap ErrInvalidRecord
// (and identity.ErrBadSignature for a bad signature).
func (sr *SignedRecord) Verify() error {
	_, err := sr.verifiedBytes()
	return err
}

// verifiedBytes validates and verifies the record once and returns its
// canonical bytes.
func (sr *SignedRecord) verifiedBytes() ([]byte, error) {
	pub, msg, err := sr.encode()
	if err != nil {
		return nil, err
	}
	if err := identity.Verify(pub, sr.Record.Domain(), msg, sr.Signature); err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrInvalidRecord, err)
	}
	return sr.envelope(msg), nil
}

// encode validates the record and returns its author's key and the
// canonical record (the signed message).
func (sr *SignedRecord) encode() (ed25519.PublicKey, []byte, error) {
	pub, err := sr.Record.check()
	if err != nil {
		return nil, nil, err
	}
	msg, err := canonicalJSON(&sr.Record)
	if err != nil {
		return nil, nil, err
	}
	return pub, msg, nil
}

// envelope returns the canonical signed record around the canonical record
// msg. Writing it directly equals the JCS of the whole object: "record"
// sorts before "signature", and standard base64 needs no JSON escaping.
func (sr *SignedRecord) envelope(msg []byte) []byte {
	sig := base64.StdEncoding.EncodeToString(sr.Signature)
	b := make([]byte, 0, len(msg)+len(sig)+28)
	b = append(b, `{"record":`...)
	b = append(b, msg...)
	b = append(b, `,"signature":"`...)
	b = append(b, sig...)
	return append(b, `"}`...)
}

// Bytes returns the canonical encoding of the signed record, the form
// stored in the log and hashed into its Merkle tree. It validates the
// record but does not verify the signature (see Verify).
func (sr *SignedRecord) Bytes() ([]byte, error) {
	_, msg, err := sr.encode()
	if err != nil {
		return nil, err
	}
	return sr.envelope(msg), nil
}

// LeafHash returns the RFC 6962 leaf hash of the record's canonical bytes,
// its identity in the log.
func (sr *SignedRecord) LeafHash() (Hash, error) {
	b, err := sr.Bytes()
	if err != nil {
		return Hash{}, err
	}
	return leafHash(b), nil
}

// wire forms used for strict decoding
type wireSigned struct {
	Record    json.RawMessage `json:"record"`
	Signature []byte          `json:"signature"`
}

type wireRecord struct {
	Kind    Kind            `json:"kind"`
	Author  identity.DID    `json:"author"`
	Time    int64           `json:"time"`
	Payload json.RawMessage `json:"payload"`
}

// DecodeSignedRecord parses the canonical bytes of a signed record and
// verifies it. It rejects unknown kinds (ErrUnknownKind), unknown or
// missing fields, any encoding that is not exactly the RFC 8785 canonical
// form (ErrNonCanonical), values out of range, and bad signatures
// (identity.ErrBadSignature); every error wraps ErrInvalidRecord.
func DecodeSignedRecord(b []byte) (*SignedRecord, error) {
	sr, err := decodeStructure(b)
	if err != nil {
		return nil, err
	}
	again, err := sr.verifiedBytes()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, b) {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRecord, ErrNonCanonical)
	}
	return sr, nil
}

// decodeUnverified is DecodeSignedRecord without the signature check, for
// replaying a log whose bytes a signed checkpoint already authenticates.
func decodeUnverified(b []byte) (*SignedRecord, error) {
	sr, err := decodeStructure(b)
	if err != nil {
		return nil, err
	}
	again, err := sr.Bytes()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, b) {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRecord, ErrNonCanonical)
	}
	return sr, nil
}

// decodeStructure parses the JSON strictly, without the canonical check.
func decodeStructure(b []byte) (*SignedRecord, error) {
	if len(b) > MaxRecordSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrInvalidRecord, len(b), MaxRecordSize)
	}
	var ws wireSigned
	if err := strictUnmarshal(b, &ws); err != nil {
		return nil, fmt.Errorf("%w: signed record: %w", ErrInvalidRecord, err)
	}
	if ws.Record == nil || ws.Signature == nil {
		return nil, fmt.Errorf("%w: signed record: missing field", ErrInvalidRecord)
	}
	var wr wireRecord
	if err := strictUnmarshal(ws.Record, &wr); err != nil {
		return nil, fmt.Errorf("%w: record: %w", ErrInvalidRecord, err)
	}
	info, ok := kindInfo[wr.Kind]
	if !ok {
		return nil, fmt.Errorf("%w: %w %q", ErrInvalidRecord, ErrUnknownKind, wr.Kind)
	}
	if wr.Payload == nil {
		return nil, fmt.Errorf("%w: record: missing payload", ErrInvalidRecord)
	}
	p := info.new()
	if err := strictUnmarshal(wr.Payload, p); err != nil {
		return nil, fmt.Errorf("%w: %s payload: %w", ErrInvalidRecord, wr.Kind, err)
	}
	return &SignedRecord{
		Record:    Record{Kind: wr.Kind, Author: wr.Author, Time: wr.Time, Payload: p},
		Signature: ws.Signature,
	}, nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

func canonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: encode: %w", ErrInvalidRecord, err)
	}
	out, err := jcs.Transform(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: canonicalize: %w", ErrInvalidRecord, err)
	}
	return out, nil
}

// checkText validates a short human-readable or code string.
func checkText(field, s string, max int) error {
	if s == "" {
		return fmt.Errorf("%s is empty", field)
	}
	if len(s) > max {
		return fmt.Errorf("%s is %d bytes, at most %d", field, len(s), max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return fmt.Errorf("%s contains a control character", field)
		}
	}
	return nil
}

// checkCode validates an identifier-like string: printable ASCII without
// spaces (credential types, circuit shapes, topics, purpose codes).
func checkCode(field, s string, max int) error {
	if s == "" {
		return fmt.Errorf("%s is empty", field)
	}
	if len(s) > max {
		return fmt.Errorf("%s is %d bytes, at most %d", field, len(s), max)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%s must be printable ASCII without spaces", field)
		}
	}
	return nil
}

func checkDID(field string, d identity.DID) error {
	if _, err := didKey(d); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}

// didMemo remembers DIDs that validated, with their keys: full did:key
// validation costs tens of microseconds and the same few agency DIDs sign
// most records. Validity is a pure function of the string, so the memo
// cannot change an outcome. It is bounded and simply emptied when full.
type didMemo struct {
	mu sync.Mutex
	m  map[identity.DID]ed25519.PublicKey
}

const didMemoSize = 1 << 16

var validDIDs = &didMemo{m: make(map[identity.DID]ed25519.PublicKey)}

// didKey validates a did:key and returns its Ed25519 key.
func didKey(d identity.DID) (ed25519.PublicKey, error) {
	validDIDs.mu.Lock()
	pub, ok := validDIDs.m[d]
	validDIDs.mu.Unlock()
	if ok {
		return pub, nil
	}
	pub, err := d.Ed25519()
	if err != nil {
		return nil, err
	}
	validDIDs.mu.Lock()
	if len(validDIDs.m) >= didMemoSize {
		clear(validDIDs.m)
	}
	validDIDs.m[d] = pub
	validDIDs.mu.Unlock()
	return pub, nil
}
