package consent

import (
	"bytes"
	"fmt"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/zkp"
)

// prove is zkp.Prove; a test counts the proofs Present makes through it.
var prove = zkp.Prove

// readyToPresent is Present's check before proving: the request verifies,
// key signs for the grant, and the grant is live and covers the request
// answered with a credential of type typ (as the gate will check it).
func readyToPresent(key *identity.PrivateKey, req *Request, st *Status, typ string, now time.Time) error {
	if key.DID() != st.Grant.Signer() {
		return fmt.Errorf("%w: the presentation must be signed by the grant's signer %s, not %s", ErrMalformed, st.Grant.Signer(), key.DID())
	}
	if err := req.Verify(now); err != nil {
		return err
	}
	if err := requestedType(req, typ); err != nil {
		return err
	}
	if e := coverage(now, req, typ, st); !e.ok() {
		return e
	}
	return nil
}

// MaxProofSize bounds the zero-knowledge proof carried by a presentation.
const MaxProofSize = 8 << 10

// Presentation is a wallet's answer to a request: the zero-knowledge proof
// about one credential of type Type issued by Issuer, the grant that
// authorizes it, and the signature of the grant's signer (citizen or
// guardian) binding request, grant and proof together, so that nobody but
// the grant's holder can present under it.
type Presentation struct {
	Request   Digest       `json:"request"` // Request.ID of the request answered
	Grant     *Grant       `json:"grant"`
	Type      string       `json:"type"`
	Issuer    identity.DID `json:"issuer"`
	Proof     []byte       `json:"proof"` // the zkp proof, compact encoding
	Signature []byte       `json:"signature"`
}

func (p *Presentation) check() error { return p.checkWith(directKeys{}) }

func (p *Presentation) checkWith(k didKeys) error {
	if p.Grant == nil {
		return fmt.Errorf("%w: presentation without grant", ErrMalformed)
	}
	if err := p.Grant.checkWith(k); err != nil {
		return err
	}
	if err := checkName("credential type", p.Type); err != nil {
		return err
	}
	if err := checkDID(k, "issuer", p.Issuer); err != nil {
		return err
	}
	if len(p.Proof) == 0 || len(p.Proof) > MaxProofSize {
		return fmt.Errorf("%w: proof of %d bytes, want 1..%d", ErrMalformed, len(p.Proof), MaxProofSize)
	}
	return nil
}

// SignedBytes returns what the grant's signer signs: the request id, the
// grant id, the credential type, the issuer and the proof.
func (p *Presentation) SignedBytes() []byte {
	e := encoder{}
	e.raw(magicPresentation)
	e.raw(p.Request[:])
	gid := p.Grant.ID()
	e.raw(gid[:])
	e.string(p.Type)
	e.string(string(p.Issuer))
	e.bytes(p.Proof)
	return e.b
}

// Sign signs the presentation with the grant signer's key.
func (p *Presentation) Sign(key *identity.PrivateKey) error {
	if err := p.check(); err != nil {
		return err
	}
	if key.DID() != p.Grant.Signer() {
		return fmt.Errorf("%w: presentation must be signed by %s", ErrMalformed, p.Grant.Signer())
	}
	p.Signature = key.Sign(DomainPresentation, p.SignedBytes())
	return nil
}

// verifySignature checks the grant signer's signature.
func (p *Presentation) verifySignature(k didKeys) error {
	return verifySig(k, p.Grant.Signer(), DomainPresentation, p.SignedBytes(), p.Signature, "presentation")
}

// MarshalBinary returns the compact encoding: magic, request id, the
// grant's compact encoding, type, issuer, proof, signature.
func (p *Presentation) MarshalBinary() ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	gb, err := p.Grant.MarshalBinary()
	if err != nil {
		return nil, err
	}
	e := encoder{}
	e.raw(magicPresentation)
	e.raw(p.Request[:])
	e.bytes(gb)
	e.string(p.Type)
	e.string(string(p.Issuer))
	e.bytes(p.Proof)
	e.bytes(p.Signature)
	return e.b, nil
}

// UnmarshalBinary decodes the compact encoding strictly, without
// verifying signatures (the gate does).
func (p *Presentation) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	var q Presentation
	if m := d.raw(len(magicPresentation)); d.err == nil && !bytes.Equal(m, magicPresentation) {
		return fmt.Errorf("%w: not a version 1 presentation", ErrMalformed)
	}
	d.fixed(q.Request[:])
	gb := d.bytes(4096)
	q.Type = d.string()
	q.Issuer = identity.DID(d.string())
	q.Proof = bytes.Clone(d.bytes(MaxProofSize))
	q.Signature = bytes.Clone(d.bytes(64))
	if err := d.finish(); err != nil {
		return fmt.Errorf("%w: presentation: %v", ErrMalformed, err)
	}
	q.Grant = new(Grant)
	if err := q.Grant.UnmarshalBinary(gb); err != nil {
		return err
	}
	if err := q.check(); err != nil {
		return err
	}
	if again, _ := q.MarshalBinary(); !bytes.Equal(again, b) {
		return fmt.Errorf("%w: presentation: non-canonical encoding", ErrMalformed)
	}
	*p = q
	return nil
}

// ParsePresentationJSON decodes the JSON form strictly (no signature
// checks: the gate does them).
func ParsePresentationJSON(b []byte) (*Presentation, error) {
	var p Presentation
	if err := strictJSON(b, &p); err != nil {
		return nil, fmt.Errorf("%w: presentation: %v", ErrMalformed, err)
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return &p, nil
}
