package zkp

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/bits"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/backend/plonk"
	"github.com/consensys/gnark/backend/witness"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
)

// Proof is a presentation proof with the public values a verifier cannot
// derive itself: the nullifier and the disclosed slot values. Everything
// else in the statement comes from the verifier.
type Proof struct {
	Backend     Backend
	Fingerprint [32]byte   // verifying key the proof was made for
	Root        fr.Element // revocation root proven against
	Nullifier   fr.Element
	Disclose    uint16               // disclosure mask of the request
	Disclosed   [NumSlots]fr.Element // values of the disclosed slots, zero elsewhere
	raw         []byte               // backend proof: Groth16 A||B||C (128 bytes compressed, 256 uncompressed), or gnark's PLONK encoding
}

// Result is what a verified proof establishes beyond its predicates.
type Result struct {
	Disclosed map[uint8]fr.Element // slot -> value, for the disclosed slots
	Nullifier fr.Element
}

// Check reports whether h satisfies st, as Prove would find before
// proving (ErrUnsatisfied, wrapping credential's ErrExpired, ErrRevoked,
// ErrHolderMismatch … where one applies, or ErrInvalidStatement), without
// proving: a wallet can tell its user a request cannot be answered
// before asking for consent.
func Check(st *Statement, h *Holding) error {
	if st == nil {
		return fmt.Errorf("%w: nil statement", ErrInvalidStatement)
	}
	_, _, _, err := assignment(st, h)
	return err
}

// Prove makes a proof that h satisfies st. It checks h first and returns
// ErrUnsatisfied (wrapping credential's ErrExpired, ErrRevoked,
// ErrHolderMismatch … where one applies) when it cannot. Proving is not
// interruptible inside gnark: when ctx ends first Prove returns ctx.Err()
// at once and the abandoned work finishes in the background.
func Prove(ctx context.Context, pk *ProvingKey, st *Statement, h *Holding) (*Proof, error) {
	if pk == nil || st == nil {
		return nil, fmt.Errorf("%w: nil key or statement", ErrInvalidStatement)
	}
	a, nf, disclosed, err := assignment(st, h)
	if err != nil {
		return nil, err
	}
	if pk.shape.Version != 1 {
		return nil, fmt.Errorf("%w: a key of %s cannot prove a v1 statement", ErrWrongKey, pk.shape)
	}
	ccs, err := ConstraintSystem(pk.backend)
	if err != nil {
		return nil, err
	}
	// Version 1 proofs keep compressed points: their encoding, and the
	// fixtures made from it, predate the uncompressed form.
	raw, err := proveCtx(ctx, ccs, pk, a, compressedPoints)
	if err != nil {
		return nil, err
	}
	return &Proof{Backend: pk.backend, Fingerprint: pk.vk.fp, Root: st.Root, Nullifier: nf,
		Disclose: st.Disclose, Disclosed: disclosed, raw: raw}, nil
}

// proveCtx proves a with pk, writing a Groth16 proof's points as enc
// says, and returns ctx.Err() as soon as ctx ends: gnark's prover cannot
// be interrupted, so abandoned work finishes in the background.
func proveCtx(ctx context.Context, cs constraint.ConstraintSystem, pk *ProvingKey, a frontend.Circuit, enc pointEncoding) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type out struct {
		raw []byte
		err error
	}
	done := make(chan out, 1)
	go func() {
		raw, err := prove(cs, pk, a, enc)
		done <- out{raw, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case o := <-done:
		return o.raw, o.err
	}
}

func prove(cs constraint.ConstraintSystem, pk *ProvingKey, a frontend.Circuit, enc pointEncoding) ([]byte, error) {
	defer quiet()()
	w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
	if err != nil {
		return nil, fmt.Errorf("zkp: witness: %w", err)
	}
	switch pk.backend {
	case Groth16:
		p, err := groth16.Prove(cs, pk.g16, w)
		if err != nil {
			return nil, fmt.Errorf("zkp: proving: %w", err)
		}
		return encodeGroth16(p.(*groth16bn254.Proof), enc), nil
	case PLONK:
		p, err := plonk.Prove(cs, pk.plonk, w)
		if err != nil {
			return nil, fmt.Errorf("zkp: proving: %w", err)
		}
		var b bytes.Buffer
		if _, err := p.WriteTo(&b); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	return nil, fmt.Errorf("%w: unknown backend", ErrInvalidStatement)
}

// Verify checks p against st with vk. The statement must come from the
// verifier's own trusted inputs. Errors: ErrWrongKey (made for another
// key), ErrBadProof (does not verify, or was made for another root or
// disclosure mask), ErrInvalidStatement.
func Verify(vk *VerifyingKey, st *Statement, p *Proof) (*Result, error) {
	digest, err := precheck(vk, st, p)
	if err != nil {
		return nil, err
	}
	if err := verifyDigest(vk, p.raw, digest); err != nil {
		return nil, err
	}
	return resultOf(st, p), nil
}

func verifyRaw(vk *VerifyingKey, raw []byte, pw witness.Witness) error {
	defer quiet()()
	switch vk.backend {
	case Groth16:
		gp, err := groth16Proof(raw)
		if err != nil {
			return err
		}
		if err := groth16.Verify(gp, vk.g16, pw); err != nil {
			return fmt.Errorf("%w: %v", ErrBadProof, err)
		}
	case PLONK:
		if err := checkLayout(raw, plonkProofLayout); err != nil {
			return err
		}
		pp := plonk.NewProof(ecc.BN254)
		r := bytes.NewReader(raw)
		if _, err := pp.ReadFrom(r); err != nil || r.Len() != 0 {
			return fmt.Errorf("%w: PLONK proof does not decode", ErrMalformed)
		}
		if err := plonk.Verify(pp, vk.plonk, pw); err != nil {
			return fmt.Errorf("%w: %v", ErrBadProof, err)
		}
	default:
		return fmt.Errorf("%w: unknown backend", ErrMalformed)
	}
	return nil
}

// pointEncoding is how a Groth16 proof's points are written.
type pointEncoding uint8

const (
	// compressedPoints writes each point's x and a sign bit (gnark-crypto's
	// Bytes): A||B||C in 128 bytes, but decoding takes a square root per
	// point.
	compressedPoints pointEncoding = iota
	// uncompressedPoints writes x and y (gnark-crypto's RawBytes): A||B||C
	// in 256 bytes, decoded without square roots.
	uncompressedPoints
)

// Lengths of a Groth16 backend proof A||B||C.
const (
	groth16Size             = 128 // compressed points: A 32 | B 64 | C 32
	groth16UncompressedSize = 256 // uncompressed points: A 64 | B 128 | C 64
)

// encodeGroth16 writes A||B||C with enc's point encoding.
func encodeGroth16(gp *groth16bn254.Proof, enc pointEncoding) []byte {
	if enc == uncompressedPoints {
		b := make([]byte, 0, groth16UncompressedSize)
		ar, bs, krs := gp.Ar.RawBytes(), gp.Bs.RawBytes(), gp.Krs.RawBytes()
		b = append(b, ar[:]...)
		b = append(b, bs[:]...)
		return append(b, krs[:]...)
	}
	b := make([]byte, 0, groth16Size)
	ar, bs, krs := gp.Ar.Bytes(), gp.Bs.Bytes(), gp.Krs.Bytes()
	b = append(b, ar[:]...)
	b = append(b, bs[:]...)
	return append(b, krs[:]...)
}

// groth16Slots splits a Groth16 backend proof into the encodings of A, B
// and C: 128 bytes hold three compressed points, 256 bytes three
// uncompressed ones. Each point's first byte must carry the flag of its
// slot's form (gnark-crypto's top two bits: 00 uncompressed, anything
// else compressed or the compressed point at infinity), so a proof never
// mixes the two forms. It reads the flags only; the points are decoded
// by groth16Proof.
func groth16Slots(raw []byte) (a, b, c []byte, err error) {
	var compressed bool
	switch len(raw) {
	case groth16Size:
		a, b, c, compressed = raw[:32], raw[32:96], raw[96:], true
	case groth16UncompressedSize:
		a, b, c = raw[:64], raw[64:192], raw[192:]
	default:
		return nil, nil, nil, fmt.Errorf("%w: Groth16 proof of %d bytes, want %d (compressed) or %d (uncompressed)",
			ErrMalformed, len(raw), groth16Size, groth16UncompressedSize)
	}
	form := "uncompressed"
	if compressed {
		form = "compressed"
	}
	for i, slot := range [3][]byte{a, b, c} {
		if (slot[0]&0xc0 != 0) != compressed {
			return nil, nil, nil, fmt.Errorf("%w: proof point %c is not %s like the proof's length says", ErrMalformed, "ABC"[i], form)
		}
	}
	return a, b, c, nil
}

// setPoint decodes the point p from its slot with gnark-crypto's SetBytes
// (which reads the compression flag, checks the point is on the curve and
// in its subgroup) and refuses an encoding shorter than the slot.
func setPoint(p interface{ SetBytes([]byte) (int, error) }, slot []byte, name byte) error {
	n, err := p.SetBytes(slot)
	if err != nil {
		return fmt.Errorf("%w: proof point %c: %v", ErrMalformed, name, err)
	}
	if n != len(slot) {
		return fmt.Errorf("%w: proof point %c fills %d of its %d bytes", ErrMalformed, name, n, len(slot))
	}
	return nil
}

// groth16Proof decodes A||B||C, compressed or uncompressed (see
// groth16Slots), checking that each point is on the curve and in the
// right subgroup.
func groth16Proof(raw []byte) (*groth16bn254.Proof, error) {
	a, b, c, err := groth16Slots(raw)
	if err != nil {
		return nil, err
	}
	var p groth16bn254.Proof
	if err := setPoint(&p.Ar, a, 'A'); err != nil {
		return nil, err
	}
	if err := setPoint(&p.Bs, b, 'B'); err != nil {
		return nil, err
	}
	if err := setPoint(&p.Krs, c, 'C'); err != nil {
		return nil, err
	}
	return &p, nil
}

// Encoding of a proof:
//
//	"CPZ1" | backend (1) | key fingerprint (32) | root (32) | nullifier (32)
//	| disclosure mask (2, big-endian) | one 32-byte value per disclosed slot,
//	in slot order | backend proof (Groth16: A||B||C, 128 bytes compressed
//	or 256 uncompressed)
//
// Field elements are 32 bytes big-endian and must be canonical. Prove
// writes Groth16 points compressed; both forms are read.
var proofMagic = [4]byte{'C', 'P', 'Z', '1'}

const proofHeader = 4 + 1 + 32 + 32 + 32 + 2

// MaxProofSize is the longest proof encoding UnmarshalBinary reads: the
// header, every slot disclosed and a backend proof of at most 64 KiB.
// Longer input is refused with ErrMalformed before decoding, and so is
// JSON longer than twice this (hex) plus its readable fields.
const MaxProofSize = proofHeader + NumSlots*32 + 1<<16

const maxProofJSON = 2*MaxProofSize + 1<<10

// MarshalBinary returns the compact encoding (231 bytes for a Groth16
// proof with compressed points, as Prove makes, that discloses nothing,
// plus 32 per disclosed slot; 128 more with uncompressed points).
func (p *Proof) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, proofHeader+32*bits.OnesCount16(p.Disclose)+len(p.raw))
	b = append(b, proofMagic[:]...)
	b = append(b, byte(p.Backend))
	b = append(b, p.Fingerprint[:]...)
	r, n := p.Root.Bytes(), p.Nullifier.Bytes()
	b = append(b, r[:]...)
	b = append(b, n[:]...)
	b = binary.BigEndian.AppendUint16(b, p.Disclose)
	for i := range NumSlots {
		if p.Disclose&(1<<i) != 0 {
			v := p.Disclosed[i].Bytes()
			b = append(b, v[:]...)
		}
	}
	return append(b, p.raw...), nil
}

// Header is what a proof says about itself, readable without verifying.
type Header struct {
	Backend     Backend
	Fingerprint [32]byte
	Root        fr.Element
	Nullifier   fr.Element // as the prover claims it; bound only once verified
}

// Shape returns the ledger name of the proof's circuit and backend.
func (h Header) Shape() string { return h.Backend.Shape() }

// Inspect decodes a proof's header only (cheap).
func Inspect(b []byte) (Header, error) {
	var p Proof
	if err := p.UnmarshalBinary(b); err != nil {
		return Header{}, err
	}
	return Header{Backend: p.Backend, Fingerprint: p.Fingerprint, Root: p.Root, Nullifier: p.Nullifier}, nil
}

// UnmarshalBinary decodes MarshalBinary's encoding strictly. A Groth16
// proof must be 128 bytes with every point compressed or 256 with every
// point uncompressed (the flags are read here); its points are checked
// when it is verified.
func (p *Proof) UnmarshalBinary(b []byte) error {
	if len(b) > MaxProofSize {
		return fmt.Errorf("%w: proof of %d bytes, at most %d", ErrMalformed, len(b), MaxProofSize)
	}
	if len(b) < proofHeader || [4]byte(b[:4]) != proofMagic {
		return fmt.Errorf("%w: not a civicproof proof", ErrMalformed)
	}
	var out Proof
	out.Backend = Backend(b[4])
	if !out.Backend.valid() {
		return fmt.Errorf("%w: unknown backend %d", ErrMalformed, b[4])
	}
	copy(out.Fingerprint[:], b[5:37])
	if err := out.Root.SetBytesCanonical(b[37:69]); err != nil {
		return fmt.Errorf("%w: root is not a canonical field element", ErrMalformed)
	}
	if err := out.Nullifier.SetBytesCanonical(b[69:101]); err != nil {
		return fmt.Errorf("%w: nullifier is not a canonical field element", ErrMalformed)
	}
	out.Disclose = binary.BigEndian.Uint16(b[101:103])
	rest := b[proofHeader:]
	for i := range NumSlots {
		if out.Disclose&(1<<i) == 0 {
			continue
		}
		if len(rest) < 32 {
			return fmt.Errorf("%w: truncated disclosed values", ErrMalformed)
		}
		if err := out.Disclosed[i].SetBytesCanonical(rest[:32]); err != nil {
			return fmt.Errorf("%w: disclosed slot %d is not a canonical field element", ErrMalformed, i)
		}
		rest = rest[32:]
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

// MarshalJSON encodes the proof as {"proof": "<hex of MarshalBinary>"}
// with the readable header fields beside it.
func (p *Proof) MarshalJSON() ([]byte, error) {
	b, _ := p.MarshalBinary()
	return json.Marshal(proofJSON{Backend: p.Backend.String(), Fingerprint: hex.EncodeToString(p.Fingerprint[:]), Proof: hex.EncodeToString(b)})
}

type proofJSON struct {
	Backend     string `json:"backend"`
	Fingerprint string `json:"fingerprint"`
	Proof       string `json:"proof"`
}

// UnmarshalJSON decodes MarshalJSON's form strictly (no unknown fields, no
// trailing data); the readable fields must agree with the encoded proof.
func (p *Proof) UnmarshalJSON(b []byte) error {
	var w proofJSON
	if err := decodeStrictJSON(b, maxProofJSON, "proof", &w); err != nil {
		return err
	}
	raw, err := hex.DecodeString(w.Proof)
	if err != nil {
		return fmt.Errorf("%w: proof hex: %v", ErrMalformed, err)
	}
	var out Proof
	if err := out.UnmarshalBinary(raw); err != nil {
		return err
	}
	if w.Backend != out.Backend.String() || w.Fingerprint != hex.EncodeToString(out.Fingerprint[:]) {
		return fmt.Errorf("%w: proof JSON header disagrees with the proof", ErrMalformed)
	}
	*p = out
	return nil
}
