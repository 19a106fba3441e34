package consent

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/zkp"
)

// prove is zkp.Prove; a test counts the proofs Present makes through it.
var prove = zkp.Prove

// readyToPresent is Present's check before proving: the request verifies,
// key signs for the grant, and the grant is live and covers the request
// answered with credentials of types types, one per position (as the
// gate will check it).
func readyToPresent(key *identity.PrivateKey, req *Request, st *Status, types []string, now time.Time) error {
	if key.DID() != st.Grant.Signer() {
		return fmt.Errorf("%w: the presentation must be signed by the grant's signer %s, not %s", ErrMalformed, st.Grant.Signer(), key.DID())
	}
	if err := req.Verify(now); err != nil {
		return err
	}
	if err := requestedTypes(req, types); err != nil {
		return err
	}
	if e := coverage(now, req, types, st); !e.ok() {
		return e
	}
	return nil
}

// MaxProofSize bounds the zero-knowledge proof carried by a presentation.
const MaxProofSize = 8 << 10

// maxGrantSize bounds the compact grant inside a presentation (the
// largest valid grant, three positions of MaxTypes types and MaxPredicates
// sets, is under 5 KiB).
const maxGrantSize = 8 << 10

// Presentation is a wallet's answer to a request: the zero-knowledge proof
// about a credential of type Type (and, for a request of several
// credentials, one per further position in Also), the grant that
// authorizes it, and the signature of the grant's signer (citizen or
// guardian) binding request, grant and proof together, so that nobody but
// the grant's holder can present under it. Issuer names the credential's
// issuer when the proof reveals it (requests with RevealIssuer, and every
// proof of the one-credential circuit of version 1) and is empty when the
// proof hides it.
type Presentation struct {
	Request   Digest       `json:"request"` // Request.ID of the request answered
	Grant     *Grant       `json:"grant"`
	Type      string       `json:"type"`
	Issuer    identity.DID `json:"issuer,omitempty"`
	Also      []Presented  `json:"also,omitempty"` // the second and third credentials, if any
	Proof     []byte       `json:"proof"`          // the zkp proof, compact encoding
	Signature []byte       `json:"signature"`
}

// Presented names one further credential of a presentation: its type, and
// its issuer when the proof reveals it.
type Presented struct {
	Type   string       `json:"type"`
	Issuer identity.DID `json:"issuer,omitempty"`
}

// Credentials returns the type and issuer of every credential the
// presentation proves, in the request's order.
func (p *Presentation) Credentials() []Presented {
	return append([]Presented{{Type: p.Type, Issuer: p.Issuer}}, p.Also...)
}

// Types returns the types of the credentials presented, in order.
func (p *Presentation) Types() []string {
	out := make([]string, 0, 1+len(p.Also))
	for _, c := range p.Credentials() {
		out = append(out, c.Type)
	}
	return out
}

// version1 reports whether the presentation has the shape of version 1:
// one credential, its issuer named.
func (p *Presentation) version1() bool { return len(p.Also) == 0 && p.Issuer != "" }

func (p *Presentation) check() error { return p.checkWith(directKeys{}) }

func (p *Presentation) checkWith(k didKeys) error {
	if p.Grant == nil {
		return fmt.Errorf("%w: presentation without grant", ErrMalformed)
	}
	if err := p.Grant.checkWith(k); err != nil {
		return err
	}
	if len(p.Also) > MaxCredentials-1 {
		return fmt.Errorf("%w: %d credentials, at most %d", ErrMalformed, 1+len(p.Also), MaxCredentials)
	}
	for _, c := range p.Credentials() {
		if err := checkName("credential type", c.Type); err != nil {
			return err
		}
		if (c.Issuer == "") != (p.Issuer == "") {
			return fmt.Errorf("%w: issuers named for some credentials only", ErrMalformed)
		}
		if c.Issuer != "" {
			if err := checkDID(k, "issuer", c.Issuer); err != nil {
				return err
			}
		}
	}
	if len(p.Proof) == 0 || len(p.Proof) > MaxProofSize {
		return fmt.Errorf("%w: proof of %d bytes, want 1..%d", ErrMalformed, len(p.Proof), MaxProofSize)
	}
	return nil
}

// SignedBytes returns what the grant's signer signs: the request id, the
// grant id, the credential types and issuers, and the proof.
func (p *Presentation) SignedBytes() []byte { return p.signedBytes(p.Grant.ID()) }

// signedBytes is SignedBytes with the grant's id already computed.
func (p *Presentation) signedBytes(gid Digest) []byte {
	e := encoder{}
	p.encodeHead(&e)
	e.raw(gid[:])
	p.encodeCredentials(&e)
	e.bytes(p.Proof)
	return e.b
}

func (p *Presentation) encodeHead(e *encoder) {
	if p.version1() {
		e.raw(magicPresentation)
	} else {
		e.raw(magicPresentation2)
	}
	e.raw(p.Request[:])
}

// encodeCredentials writes the type and issuer of version 1, or the list
// of version 2.
func (p *Presentation) encodeCredentials(e *encoder) {
	if p.version1() {
		e.string(p.Type)
		e.string(string(p.Issuer))
		return
	}
	cs := p.Credentials()
	e.uvarint(uint64(len(cs)))
	for _, c := range cs {
		e.string(c.Type)
		e.string(string(c.Issuer))
	}
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

// verifySignatureOf checks the grant signer's signature; gid is the
// grant's id, which the caller has computed already.
func (p *Presentation) verifySignatureOf(k didKeys, gid Digest) error {
	return verifySig(k, p.Grant.Signer(), DomainPresentation, p.signedBytes(gid), p.Signature, "presentation")
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
	p.encodeHead(&e)
	e.bytes(gb)
	p.encodeCredentials(&e)
	e.bytes(p.Proof)
	e.bytes(p.Signature)
	return e.b, nil
}

// UnmarshalBinary decodes the compact encoding strictly, without
// verifying signatures (the gate does).
func (p *Presentation) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	var q Presentation
	m := d.raw(len(magicPresentation))
	v2 := bytes.Equal(m, magicPresentation2)
	if d.err == nil && !v2 && !bytes.Equal(m, magicPresentation) {
		return fmt.Errorf("%w: not a presentation of format version 1 or 2", ErrMalformed)
	}
	d.fixed(q.Request[:])
	gb := d.bytes(maxGrantSize)
	if v2 {
		if n := d.count(MaxCredentials); n == 0 {
			d.fail(errors.New("no credentials"))
		} else {
			q.Type = d.string()
			q.Issuer = identity.DID(d.string())
			for range n - 1 {
				q.Also = append(q.Also, Presented{Type: d.string(), Issuer: identity.DID(d.string())})
			}
		}
	} else {
		q.Type = d.string()
		q.Issuer = identity.DID(d.string())
	}
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
