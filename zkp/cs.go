package zkp

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/plonk"
	"github.com/consensys/gnark/constraint"
)

// ErrCircuitMismatch is returned by LoadConstraintSystem when the
// constraint system read is not the one the caller's circuit digest names.
var ErrCircuitMismatch = errors.New("zkp: constraint system does not match the circuit digest")

var csMagic = [4]byte{'C', 'P', 'C', 'S'}

const (
	csVersion      = 1
	csVersionShape = 2
	csHeader       = 4 + 1 + 1 + 32
	// maxCSSize bounds what LoadConstraintSystem reads: the presentation
	// circuit's R1CS is a few MB.
	maxCSSize = 256 << 20
)

// WriteConstraintSystem writes the compiled circuit of backend b (compiling
// it first if this process has not): "CPCS", version 1, the backend, the
// circuit digest (CircuitDigest), then gnark's encoding of the constraint
// system. A wallet that cannot afford to compile the circuit (about 1 s in
// WebAssembly) loads this file with LoadConstraintSystem instead.
func WriteConstraintSystem(w io.Writer, b Backend) (int64, error) {
	if !b.valid() {
		return 0, fmt.Errorf("%w: unknown backend %d", ErrInvalidStatement, b)
	}
	return WriteConstraintSystemShape(w, ShapeV1(b))
}

// WriteConstraintSystemShape is WriteConstraintSystem for any circuit
// shape. A v2 shape's file has version 2 and names the shape:
// "CPCS", 2, the backend, the circuit version, the number of credentials,
// the circuit digest, then gnark's encoding.
func WriteConstraintSystemShape(w io.Writer, s Shape) (int64, error) {
	d, err := s.CircuitDigest()
	if err != nil {
		return 0, err
	}
	ccs, err := s.ConstraintSystem()
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	hdr := append([]byte(nil), csMagic[:]...)
	if s.Version == 1 {
		hdr = append(hdr, csVersion, byte(s.Backend))
	} else {
		hdr = append(hdr, csVersionShape, byte(s.Backend), s.Version, s.N)
	}
	hdr = append(hdr, d[:]...)
	n, err := bw.Write(hdr)
	total := int64(n)
	if err != nil {
		return total, err
	}
	m, err := ccs.WriteTo(bw)
	total += m
	if err != nil {
		return total, fmt.Errorf("zkp: writing the constraint system: %w", err)
	}
	return total, bw.Flush()
}

// LoadConstraintSystem reads WriteConstraintSystem's encoding and makes it
// the compiled circuit of its backend for this process, so that Prove,
// SetupUnsafe and CircuitDigest no longer compile it. want is the circuit
// digest the caller trusts (built into the wallet, or published beside the
// official verifying key): the bytes read are hashed as CircuitDigest
// hashes them, and anything else is refused with ErrCircuitMismatch before
// it is decoded. A damaged file returns ErrMalformed. If the process has
// already compiled or loaded the circuit, the one it has is kept.
func LoadConstraintSystem(r io.Reader, want [32]byte) (Backend, error) {
	s, err := LoadConstraintSystemShape(r, want)
	return s.Backend, err
}

// LoadConstraintSystemShape is LoadConstraintSystem for files of any
// circuit shape (WriteConstraintSystemShape); it returns the shape loaded.
func LoadConstraintSystemShape(r io.Reader, want [32]byte) (Shape, error) {
	var head [6]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return Shape{}, fmt.Errorf("%w: constraint system header: %v", ErrMalformed, err)
	}
	if [4]byte(head[:4]) != csMagic || (head[4] != csVersion && head[4] != csVersionShape) {
		return Shape{}, fmt.Errorf("%w: not a civicproof constraint system", ErrMalformed)
	}
	b := Backend(head[5])
	if !b.valid() {
		return Shape{}, fmt.Errorf("%w: unknown backend %d", ErrMalformed, head[5])
	}
	s := ShapeV1(b)
	if head[4] == csVersionShape {
		var vn [2]byte
		if _, err := io.ReadFull(r, vn[:]); err != nil {
			return Shape{}, fmt.Errorf("%w: constraint system header: %v", ErrMalformed, err)
		}
		s = Shape{Backend: b, Version: vn[0], N: vn[1]}
		if s.Version == 1 || !s.valid() {
			return Shape{}, fmt.Errorf("%w: unknown circuit shape %d/%d", ErrMalformed, vn[0], vn[1])
		}
	}
	var named [32]byte
	if _, err := io.ReadFull(r, named[:]); err != nil {
		return Shape{}, fmt.Errorf("%w: constraint system header: %v", ErrMalformed, err)
	}
	if named != want {
		return Shape{}, fmt.Errorf("%w: file names digest %x…, want %x…", ErrCircuitMismatch, named[:8], want[:8])
	}
	body, err := io.ReadAll(io.LimitReader(r, maxCSSize+1))
	if err != nil {
		return Shape{}, fmt.Errorf("zkp: reading the constraint system: %w", err)
	}
	if len(body) > maxCSSize {
		return Shape{}, fmt.Errorf("%w: constraint system over %d bytes", ErrMalformed, maxCSSize)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", s)
	h.Write(body)
	if [32]byte(h.Sum(nil)) != want {
		return Shape{}, fmt.Errorf("%w: content hashes to another digest", ErrCircuitMismatch)
	}
	var ccs constraint.ConstraintSystem
	if s.Backend == PLONK {
		ccs = plonk.NewCS(ecc.BN254)
	} else {
		ccs = groth16.NewCS(ecc.BN254)
	}
	if err := decodeCS(ccs, body); err != nil {
		return Shape{}, err
	}
	e := compiledEntry(s)
	e.once.Do(func() { e.ccs = ccs })
	circuitDigests.LoadOrStore(s, want)
	return s, nil
}

// decodeCS decodes gnark's encoding; gnark may panic on a malformed
// encoding, which reaches here only after the digest matched.
func decodeCS(ccs constraint.ConstraintSystem, body []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: constraint system: %v", ErrMalformed, r)
		}
	}()
	if _, err := ccs.ReadFrom(bytes.NewReader(body)); err != nil {
		return fmt.Errorf("%w: constraint system: %v", ErrMalformed, err)
	}
	return nil
}
