package zkp

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"
)

// ProofV2 is a v2 presentation proof with the public values a verifier
// cannot derive itself: the nullifier and, per credential, the disclosed
// slot values and the revealed issuer key. It names the issuer-set roots
// it was proven against, so that a verifier can accept a recent root
// (InspectV2) before building its statement.
type ProofV2 struct {
	Backend     Backend
	Fingerprint [32]byte // verifying key the proof was made for
	Nullifier   fr.Element
	Credentials []ProvenCredential
	raw         []byte // backend proof
}

// ProvenCredential is what a v2 proof carries for one credential.
type ProvenCredential struct {
	IssuerSet    fr.Element           // issuer-set root proven against
	RevealIssuer bool                 // the request's issuer form
	IssuerX      fr.Element           // the revealed signing key (X, Y); zero when hiding
	IssuerY      fr.Element           // (see IssuerX)
	Disclose     uint16               // disclosure mask of the request
	Disclosed    [NumSlots]fr.Element // values of the disclosed slots, zero elsewhere
}

// ResultV2 is what a verified v2 proof establishes beyond its predicates.
type ResultV2 struct {
	Nullifier   fr.Element
	Credentials []CredentialResult // in the request's order
}

// CredentialResult is what a verified v2 proof shows of one credential.
type CredentialResult struct {
	Disclosed map[uint8]fr.Element // slot -> value, for the disclosed slots
	// IssuerKey is the key that signed, for a credential requested in the
	// issuer-revealing form (a key of the issuer set, valid on the
	// issuance day); nil in the issuer-hiding form.
	IssuerKey *eddsa.PublicKey
}

// CheckV2 reports whether h satisfies st, as ProveV2 would find before
// proving (ErrUnsatisfied wrapping ErrNotAccredited, ErrOutsideWindow,
// credential's ErrExpired, ErrRevoked, ErrHolderMismatch,
// ErrBadSignature … where one applies, or ErrInvalidStatement), without
// proving.
func CheckV2(st *StatementV2, h *HoldingV2) error {
	if st == nil {
		return fmt.Errorf("%w: nil statement", ErrInvalidStatement)
	}
	_, _, _, err := assignmentV2(st, h)
	return err
}

// ProveV2 makes a v2 proof that h satisfies st, with a proving key of
// st's shape (st.Shape(backend)); a key of another shape gives
// ErrWrongKey. It checks h first as CheckV2 does. A Groth16 proof's
// points are written uncompressed (256 bytes), which verifiers decode
// without square roots. Proving is not interruptible inside gnark: when
// ctx ends first ProveV2 returns ctx.Err() at once and the abandoned work
// finishes in the background.
func ProveV2(ctx context.Context, pk *ProvingKey, st *StatementV2, h *HoldingV2) (*ProofV2, error) {
	if pk == nil || st == nil {
		return nil, fmt.Errorf("%w: nil key or statement", ErrInvalidStatement)
	}
	a, nf, creds, err := assignmentV2(st, h)
	if err != nil {
		return nil, err
	}
	if want := st.Shape(pk.backend); pk.shape != want {
		return nil, fmt.Errorf("%w: the statement needs a key of %s, this one is of %s", ErrWrongKey, want, pk.shape)
	}
	ccs, err := pk.shape.ConstraintSystem()
	if err != nil {
		return nil, err
	}
	raw, err := proveCtx(ctx, ccs, pk, a, uncompressedPoints)
	if err != nil {
		return nil, err
	}
	p := &ProofV2{Backend: pk.backend, Fingerprint: pk.vk.fp, Nullifier: nf, raw: raw,
		Credentials: make([]ProvenCredential, len(creds))}
	for i := range creds {
		p.Credentials[i] = ProvenCredential{
			IssuerSet: st.IssuerSets[i], RevealIssuer: st.Credentials[i].RevealIssuer,
			IssuerX: creds[i].issuerX, IssuerY: creds[i].issuerY,
			Disclose: st.Credentials[i].Disclose, Disclosed: creds[i].disclosed,
		}
	}
	return p, nil
}

// VerifyV2 checks p against st with vk. The statement must come from the
// verifier's own trusted inputs (its request, the issuer-set roots it
// accepts for each type, its today). Errors: ErrWrongKey (made for another
// key or shape), ErrBadProof (does not verify, or was made for other
// roots, masks or issuer forms), ErrInvalidStatement.
func VerifyV2(vk *VerifyingKey, st *StatementV2, p *ProofV2) (*ResultV2, error) {
	digest, err := precheckV2(vk, st, p)
	if err != nil {
		return nil, err
	}
	if err := verifyDigest(vk, p.raw, digest); err != nil {
		return nil, err
	}
	return resultOfV2(p), nil
}

// BatchItemV2 is one v2 proof of a batch and the statement it must satisfy.
type BatchItemV2 struct {
	Statement *StatementV2
	Proof     *ProofV2
}

// VerifyBatchV2 is VerifyBatch for v2 proofs under one key: each result
// or error is what VerifyV2 would return, and Groth16 proofs are checked
// together with one multi-pairing over a random linear combination (see
// VerifyBatch for the equation, the argument and the fallback). rnd
// supplies the coefficients (crypto/rand when nil).
func VerifyBatchV2(vk *VerifyingKey, items []BatchItemV2, rnd io.Reader) ([]*ResultV2, []error) {
	res := make([]*ResultV2, len(items))
	ok, errs := verifyBatch(vk, len(items), func(i int) (digestInput, []byte, error) {
		in, err := precheckInputV2(vk, items[i].Statement, items[i].Proof)
		if err != nil {
			return in, nil, err
		}
		return in, items[i].Proof.raw, nil
	}, rnd)
	for i := range items {
		if ok[i] {
			res[i] = resultOfV2(items[i].Proof)
		}
	}
	return res, errs
}

// precheckV2 runs VerifyV2's checks before the pairing and returns the
// statement digest.
func precheckV2(vk *VerifyingKey, st *StatementV2, p *ProofV2) (fr.Element, error) {
	in, err := precheckInputV2(vk, st, p)
	if err != nil {
		return fr.Element{}, err
	}
	return in.sum(), nil
}

// precheckInputV2 is precheckV2 with the digest left to finish.
func precheckInputV2(vk *VerifyingKey, st *StatementV2, p *ProofV2) (digestInput, error) {
	if vk == nil || st == nil || p == nil {
		return digestInput{}, fmt.Errorf("%w: nil key, statement or proof", ErrInvalidStatement)
	}
	if p.Backend != vk.backend || p.Fingerprint != vk.fp {
		return digestInput{}, fmt.Errorf("%w: proof names key %x (%s), this is %x (%s)", ErrWrongKey, p.Fingerprint[:8], p.Backend, vk.fp[:8], vk.shape)
	}
	if _, err := st.check(); err != nil {
		return digestInput{}, err
	}
	if want := st.Shape(vk.backend); vk.shape != want {
		return digestInput{}, fmt.Errorf("%w: the statement needs a key of %s, this one is of %s", ErrWrongKey, want, vk.shape)
	}
	creds, err := provenOf(st, p)
	if err != nil {
		return digestInput{}, err
	}
	return st.digestInput(p.Nullifier, creds)
}

// provenOf checks that p answers st's request with st's roots and returns
// its per-credential public values.
func provenOf(st *StatementV2, p *ProofV2) ([]proven, error) {
	if len(p.Credentials) != len(st.Credentials) {
		return nil, fmt.Errorf("%w: proof of %d credentials, request asks %d", ErrBadProof, len(p.Credentials), len(st.Credentials))
	}
	if len(st.IssuerSets) != len(st.Credentials) {
		return nil, fmt.Errorf("%w: %d issuer-set roots for %d credentials", ErrInvalidStatement, len(st.IssuerSets), len(st.Credentials))
	}
	out := make([]proven, len(p.Credentials))
	for i := range p.Credentials {
		pc, req := &p.Credentials[i], &st.Credentials[i]
		switch {
		case pc.IssuerSet != st.IssuerSets[i]:
			return nil, fmt.Errorf("%w: credential %d proven against another issuer-set root", ErrBadProof, i)
		case pc.Disclose != req.Disclose:
			return nil, fmt.Errorf("%w: credential %d discloses mask %#04x, request asks %#04x", ErrBadProof, i, pc.Disclose, req.Disclose)
		case pc.RevealIssuer != req.RevealIssuer:
			return nil, fmt.Errorf("%w: credential %d in the other issuer form than requested", ErrBadProof, i)
		}
		if req.RevealIssuer {
			out[i].issuerX, out[i].issuerY = pc.IssuerX, pc.IssuerY
		}
		for j := range NumSlots {
			if req.Disclose&(1<<j) != 0 {
				out[i].disclosed[j] = pc.Disclosed[j]
			}
		}
	}
	return out, nil
}

// resultOfV2 is what a verified proof establishes.
func resultOfV2(p *ProofV2) *ResultV2 {
	res := &ResultV2{Nullifier: p.Nullifier, Credentials: make([]CredentialResult, len(p.Credentials))}
	for i := range p.Credentials {
		pc := &p.Credentials[i]
		cr := CredentialResult{Disclosed: map[uint8]fr.Element{}}
		for j := range NumSlots {
			if pc.Disclose&(1<<j) != 0 {
				cr.Disclosed[uint8(j)] = pc.Disclosed[j]
			}
		}
		if pc.RevealIssuer {
			cr.IssuerKey = &eddsa.PublicKey{}
			cr.IssuerKey.A.X, cr.IssuerKey.A.Y = pc.IssuerX, pc.IssuerY
		}
		res.Credentials[i] = cr
	}
	return res
}

// StatementInputV2 is StatementInput for v2: the circuit's single public
// input for proof p of statement st, 32 bytes big-endian, beside
// MarshalSolidity's bytes for an EVM caller. It fails like VerifyV2's
// checks before the pairing; it does not verify the proof.
func StatementInputV2(st *StatementV2, p *ProofV2) ([32]byte, error) {
	if st == nil || p == nil {
		return [32]byte{}, fmt.Errorf("%w: nil statement or proof", ErrInvalidStatement)
	}
	creds, err := provenOf(st, p)
	if err != nil {
		return [32]byte{}, err
	}
	d, err := st.digest(p.Nullifier, creds)
	if err != nil {
		return [32]byte{}, err
	}
	return d.Bytes(), nil
}

// MarshalSolidity is Proof.MarshalSolidity for a v2 Groth16 proof.
func (p *ProofV2) MarshalSolidity() ([]byte, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: nil proof", ErrMalformed)
	}
	return (&Proof{Backend: p.Backend, raw: p.raw}).MarshalSolidity()
}

// Encoding of a v2 proof:
//
//	"CPZ2" | backend (1) | credentials n (1) | key fingerprint (32)
//	| nullifier (32)
//	| per credential: issuer-set root (32) | form (1: 0 hiding, 1 revealing)
//	  | disclosure mask (2, big-endian) | if revealing: key X (32), key Y (32)
//	  | one 32-byte value per disclosed slot, in slot order
//	| backend proof (Groth16: A||B||C, 256 bytes uncompressed as ProveV2
//	  writes it, or 128 bytes compressed)
//
// Field elements are 32 bytes big-endian and must be canonical; a revealed
// key must be a point of the curve; a Groth16 proof's points are all
// compressed or all uncompressed.
var proofV2Magic = [4]byte{'C', 'P', 'Z', '2'}

const proofV2Header = 4 + 1 + 1 + 32 + 32

// MaxProofV2Size is the longest v2 proof encoding UnmarshalBinary reads:
// MaxCredentials credentials revealing their key and every slot, and a
// backend proof of at most 64 KiB.
const MaxProofV2Size = proofV2Header + MaxCredentials*(32+1+2+64+NumSlots*32) + 1<<16

// MarshalBinary returns the compact encoding (a Groth16 proof of one
// hidden-issuer credential disclosing nothing is 70 + 35 + 256 = 361
// bytes as ProveV2 writes it, 233 with compressed points).
func (p *ProofV2) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, proofV2Header+len(p.Credentials)*(35+64+NumSlots*32)+len(p.raw))
	b = append(b, proofV2Magic[:]...)
	b = append(b, byte(p.Backend), byte(len(p.Credentials)))
	b = append(b, p.Fingerprint[:]...)
	nf := p.Nullifier.Bytes()
	b = append(b, nf[:]...)
	for i := range p.Credentials {
		pc := &p.Credentials[i]
		r := pc.IssuerSet.Bytes()
		b = append(b, r[:]...)
		if pc.RevealIssuer {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = binary.BigEndian.AppendUint16(b, pc.Disclose)
		if pc.RevealIssuer {
			x, y := pc.IssuerX.Bytes(), pc.IssuerY.Bytes()
			b = append(b, x[:]...)
			b = append(b, y[:]...)
		}
		for j := range NumSlots {
			if pc.Disclose&(1<<j) != 0 {
				v := pc.Disclosed[j].Bytes()
				b = append(b, v[:]...)
			}
		}
	}
	return append(b, p.raw...), nil
}

// UnmarshalBinary decodes MarshalBinary's encoding strictly: known
// backend, 1 to MaxCredentials credentials, canonical field elements,
// form byte 0 or 1, a revealed key on the curve, a Groth16 proof of
// exactly 128 bytes with compressed points or 256 with uncompressed ones
// (the flags are read here, the points when it is verified). Errors wrap
// ErrMalformed; on error p is unchanged.
func (p *ProofV2) UnmarshalBinary(b []byte) error {
	if len(b) > MaxProofV2Size {
		return fmt.Errorf("%w: proof of %d bytes, at most %d", ErrMalformed, len(b), MaxProofV2Size)
	}
	if len(b) < proofV2Header || [4]byte(b[:4]) != proofV2Magic {
		return fmt.Errorf("%w: not a civicproof v2 proof", ErrMalformed)
	}
	var out ProofV2
	out.Backend = Backend(b[4])
	if !out.Backend.valid() {
		return fmt.Errorf("%w: unknown backend %d", ErrMalformed, b[4])
	}
	n := int(b[5])
	if n < 1 || n > MaxCredentials {
		return fmt.Errorf("%w: %d credentials, want 1 to %d", ErrMalformed, n, MaxCredentials)
	}
	copy(out.Fingerprint[:], b[6:38])
	if err := out.Nullifier.SetBytesCanonical(b[38:70]); err != nil {
		return fmt.Errorf("%w: nullifier is not a canonical field element", ErrMalformed)
	}
	rest := b[proofV2Header:]
	elem := func(e *fr.Element, what string) error {
		if len(rest) < 32 {
			return fmt.Errorf("%w: truncated %s", ErrMalformed, what)
		}
		if err := e.SetBytesCanonical(rest[:32]); err != nil {
			return fmt.Errorf("%w: %s is not a canonical field element", ErrMalformed, what)
		}
		rest = rest[32:]
		return nil
	}
	out.Credentials = make([]ProvenCredential, n)
	for i := range out.Credentials {
		pc := &out.Credentials[i]
		if err := elem(&pc.IssuerSet, fmt.Sprintf("credential %d issuer-set root", i)); err != nil {
			return err
		}
		if len(rest) < 3 {
			return fmt.Errorf("%w: truncated credential %d", ErrMalformed, i)
		}
		switch rest[0] {
		case 0:
		case 1:
			pc.RevealIssuer = true
		default:
			return fmt.Errorf("%w: credential %d issuer form %d", ErrMalformed, i, rest[0])
		}
		pc.Disclose = binary.BigEndian.Uint16(rest[1:3])
		rest = rest[3:]
		if pc.RevealIssuer {
			if err := elem(&pc.IssuerX, fmt.Sprintf("credential %d issuer key", i)); err != nil {
				return err
			}
			if err := elem(&pc.IssuerY, fmt.Sprintf("credential %d issuer key", i)); err != nil {
				return err
			}
			var k eddsa.PublicKey
			k.A.X, k.A.Y = pc.IssuerX, pc.IssuerY
			if !k.A.IsOnCurve() {
				return fmt.Errorf("%w: credential %d issuer key is not a curve point", ErrMalformed, i)
			}
		}
		for j := range NumSlots {
			if pc.Disclose&(1<<j) != 0 {
				if err := elem(&pc.Disclosed[j], fmt.Sprintf("credential %d disclosed slot %d", i, j)); err != nil {
					return err
				}
			}
		}
	}
	switch {
	case out.Backend == Groth16:
		if _, _, _, err := groth16Slots(rest); err != nil {
			return err
		}
	case len(rest) == 0 || len(rest) > 1<<16:
		return fmt.Errorf("%w: backend proof of %d bytes", ErrMalformed, len(rest))
	}
	out.raw = bytes.Clone(rest)
	*p = out
	return nil
}

// HeaderV2 is what a v2 proof says about itself, readable without
// verifying: enough to pick the verifying key (Shape, Fingerprint) and to
// decide whether the issuer-set roots it was proven against are ones the
// verifier accepts.
type HeaderV2 struct {
	Shape       Shape
	Fingerprint [32]byte
	IssuerSets  []fr.Element
	Nullifier   fr.Element // as the prover claims it; bound only once verified
}

// InspectV2 decodes a v2 proof's header (it decodes the whole proof, which
// is cheap, without verifying it).
func InspectV2(b []byte) (HeaderV2, error) {
	var p ProofV2
	if err := p.UnmarshalBinary(b); err != nil {
		return HeaderV2{}, err
	}
	h := HeaderV2{Shape: ShapeV2(p.Backend, len(p.Credentials)), Fingerprint: p.Fingerprint, Nullifier: p.Nullifier}
	for i := range p.Credentials {
		h.IssuerSets = append(h.IssuerSets, p.Credentials[i].IssuerSet)
	}
	return h, nil
}

const maxProofV2JSON = 2*MaxProofV2Size + 1<<10

type proofV2JSON struct {
	Shape       string `json:"shape"`
	Fingerprint string `json:"fingerprint"`
	Proof       string `json:"proof"`
}

// MarshalJSON encodes the proof as {"proof": "<hex of MarshalBinary>"}
// with its shape's name and the key fingerprint beside it.
func (p *ProofV2) MarshalJSON() ([]byte, error) {
	b, _ := p.MarshalBinary()
	return json.Marshal(proofV2JSON{Shape: ShapeV2(p.Backend, len(p.Credentials)).String(),
		Fingerprint: hex.EncodeToString(p.Fingerprint[:]), Proof: hex.EncodeToString(b)})
}

// UnmarshalJSON decodes MarshalJSON's form strictly (no unknown fields, no
// trailing data); the readable fields must agree with the encoded proof.
func (p *ProofV2) UnmarshalJSON(b []byte) error {
	var w proofV2JSON
	if err := decodeStrictJSON(b, maxProofV2JSON, "proof", &w); err != nil {
		return err
	}
	raw, err := hex.DecodeString(w.Proof)
	if err != nil {
		return fmt.Errorf("%w: proof hex: %v", ErrMalformed, err)
	}
	var out ProofV2
	if err := out.UnmarshalBinary(raw); err != nil {
		return err
	}
	if w.Shape != ShapeV2(out.Backend, len(out.Credentials)).String() || w.Fingerprint != hex.EncodeToString(out.Fingerprint[:]) {
		return fmt.Errorf("%w: proof JSON header disagrees with the proof", ErrMalformed)
	}
	*p = out
	return nil
}
