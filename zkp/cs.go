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
	csVersion = 1
	csHeader  = 4 + 1 + 1 + 32
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
	d, err := CircuitDigest(b)
	if err != nil {
		return 0, err
	}
	ccs, err := ConstraintSystem(b)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var hdr [csHeader]byte
	copy(hdr[:], csMagic[:])
	hdr[4], hdr[5] = csVersion, byte(b)
	copy(hdr[6:], d[:])
	n, err := bw.Write(hdr[:])
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
	var hdr [csHeader]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, fmt.Errorf("%w: constraint system header: %v", ErrMalformed, err)
	}
	if [4]byte(hdr[:4]) != csMagic || hdr[4] != csVersion {
		return 0, fmt.Errorf("%w: not a civicproof constraint system", ErrMalformed)
	}
	b := Backend(hdr[5])
	if !b.valid() {
		return 0, fmt.Errorf("%w: unknown backend %d", ErrMalformed, hdr[5])
	}
	if [32]byte(hdr[6:]) != want {
		return 0, fmt.Errorf("%w: file names digest %x…, want %x…", ErrCircuitMismatch, hdr[6:14], want[:8])
	}
	body, err := io.ReadAll(io.LimitReader(r, maxCSSize+1))
	if err != nil {
		return 0, fmt.Errorf("zkp: reading the constraint system: %w", err)
	}
	if len(body) > maxCSSize {
		return 0, fmt.Errorf("%w: constraint system over %d bytes", ErrMalformed, maxCSSize)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", b.Shape())
	h.Write(body)
	if [32]byte(h.Sum(nil)) != want {
		return 0, fmt.Errorf("%w: content hashes to another digest", ErrCircuitMismatch)
	}
	var ccs constraint.ConstraintSystem
	if b == PLONK {
		ccs = plonk.NewCS(ecc.BN254)
	} else {
		ccs = groth16.NewCS(ecc.BN254)
	}
	if err := decodeCS(ccs, body); err != nil {
		return 0, err
	}
	compiledOnce[b].Do(func() { compiledCS[b] = compiled{ccs: ccs} })
	circuitDigests.LoadOrStore(b, want)
	return b, nil
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
