package zkp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/plonk"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/frontend/cs/scs"
	"github.com/consensys/gnark/test/unsafekzg"
)

// Backend is a proof system.
type Backend uint8

// Backends. Groth16 is the default: the smallest proofs and the fastest
// verification; its setup is circuit-specific (see Ceremony). PLONK uses a
// universal KZG setup.
const (
	Groth16 Backend = 1
	PLONK   Backend = 2
)

// String returns "groth16" or "plonk".
func (b Backend) String() string {
	switch b {
	case Groth16:
		return "groth16"
	case PLONK:
		return "plonk"
	}
	return fmt.Sprintf("backend(%d)", uint8(b))
}

func (b Backend) valid() bool { return b == Groth16 || b == PLONK }

// Circuit is the name of the circuit shape: slots, predicates, set size
// and tree depth are fixed by it.
const Circuit = "civicproof/presentation/v1"

// Shape returns the name under which verifying keys of this backend are
// registered on the ledger ("civicproof/presentation/v1/groth16").
func (b Backend) Shape() string { return Circuit + "/" + b.String() }

type compiled struct {
	ccs constraint.ConstraintSystem
	err error
}

var compiledOnce [3]sync.Once
var compiledCS [3]compiled

// ConstraintSystem returns the compiled circuit for a backend (R1CS for
// Groth16, SCS for PLONK), compiled once per process.
func ConstraintSystem(b Backend) (constraint.ConstraintSystem, error) {
	if !b.valid() {
		return nil, fmt.Errorf("%w: unknown backend %d", ErrInvalidStatement, b)
	}
	compiledOnce[b].Do(func() {
		var ccs constraint.ConstraintSystem
		var err error
		if b == PLONK {
			ccs, err = frontend.Compile(ecc.BN254.ScalarField(), scs.NewBuilder, &presentationCircuit{})
		} else {
			ccs, err = frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &presentationCircuit{})
		}
		compiledCS[b] = compiled{ccs, err}
	})
	c := compiledCS[b]
	if c.err != nil {
		return nil, fmt.Errorf("zkp: compiling the circuit: %w", c.err)
	}
	return c.ccs, nil
}

// ProvingKey is a wallet's key for making proofs.
type ProvingKey struct {
	backend Backend
	g16     groth16.ProvingKey
	plonk   plonk.ProvingKey
	vk      *VerifyingKey
}

// VerifyingKey is an agency's key for checking proofs.
type VerifyingKey struct {
	backend Backend
	g16     groth16.VerifyingKey
	plonk   plonk.VerifyingKey
	bytes   []byte // MarshalBinary, computed once
	fp      [32]byte
}

// Backend returns the key's proof system.
func (k *ProvingKey) Backend() Backend { return k.backend }

// VerifyingKey returns the verifying key made with k.
func (k *ProvingKey) VerifyingKey() *VerifyingKey { return k.vk }

// Backend returns the key's proof system.
func (vk *VerifyingKey) Backend() Backend { return vk.backend }

// Shape returns the ledger name of the key's circuit and backend.
func (vk *VerifyingKey) Shape() string { return vk.backend.Shape() }

// Fingerprint is the key's stable identifier, registered on the ledger:
// SHA-256("civicproof/zkp/verifying-key/v1\x00" || MarshalBinary()).
func (vk *VerifyingKey) Fingerprint() [32]byte { return vk.fp }

// SetupUnsafe makes a key pair in one process. Whoever runs it could forge
// proofs if they kept the setup's randomness (Groth16's toxic waste, or
// the KZG secret for PLONK, which gnark's unsafekzg derives insecurely):
// use it for tests and demos only, and Ceremony for production.
func SetupUnsafe(ctx context.Context, b Backend) (*ProvingKey, *VerifyingKey, error) {
	ccs, err := ConstraintSystem(b)
	if err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	pk := &ProvingKey{backend: b}
	vk := &VerifyingKey{backend: b}
	switch b {
	case Groth16:
		pk.g16, vk.g16, err = groth16.Setup(ccs)
	case PLONK:
		srs, lag, e := unsafekzg.NewSRS(ccs)
		if e != nil {
			return nil, nil, fmt.Errorf("zkp: KZG SRS: %w", e)
		}
		pk.plonk, vk.plonk, err = plonk.Setup(ccs, srs, lag)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("zkp: %s setup: %w", b, err)
	}
	if err := vk.seal(); err != nil {
		return nil, nil, err
	}
	pk.vk = vk
	return pk, vk, nil
}

var (
	vkMagic = [4]byte{'C', 'P', 'V', 'K'}
	pkMagic = [4]byte{'C', 'P', 'P', 'K'}
)

const keyVersion = 1

// seal computes the canonical bytes and the fingerprint.
func (vk *VerifyingKey) seal() error {
	var buf bytes.Buffer
	buf.Write(vkMagic[:])
	buf.WriteByte(keyVersion)
	buf.WriteByte(byte(vk.backend))
	var err error
	switch vk.backend {
	case Groth16:
		_, err = vk.g16.WriteTo(&buf)
	case PLONK:
		_, err = vk.plonk.WriteTo(&buf)
	}
	if err != nil {
		return fmt.Errorf("zkp: encoding verifying key: %w", err)
	}
	vk.bytes = buf.Bytes()
	h := sha256.New()
	h.Write([]byte("civicproof/zkp/verifying-key/v1\x00"))
	h.Write(vk.bytes)
	copy(vk.fp[:], h.Sum(nil))
	return nil
}

// MarshalBinary encodes the key: "CPVK", version 1, the backend byte, then
// gnark's compressed encoding of the key.
func (vk *VerifyingKey) MarshalBinary() ([]byte, error) { return bytes.Clone(vk.bytes), nil }

// ParseVerifyingKey decodes MarshalBinary's encoding, checking every curve
// point, and refuses trailing bytes.
func ParseVerifyingKey(b []byte) (*VerifyingKey, error) {
	if len(b) < 6 || [4]byte(b[:4]) != vkMagic || b[4] != keyVersion {
		return nil, fmt.Errorf("%w: not a civicproof verifying key", ErrMalformed)
	}
	vk := &VerifyingKey{backend: Backend(b[5])}
	r := bytes.NewReader(b[6:])
	var err error
	switch vk.backend {
	case Groth16:
		vk.g16 = groth16.NewVerifyingKey(ecc.BN254)
		_, err = vk.g16.ReadFrom(r)
	case PLONK:
		vk.plonk = plonk.NewVerifyingKey(ecc.BN254)
		_, err = vk.plonk.ReadFrom(r)
	default:
		return nil, fmt.Errorf("%w: unknown backend %d", ErrMalformed, b[5])
	}
	if err != nil {
		return nil, fmt.Errorf("%w: verifying key: %v", ErrMalformed, err)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes after the verifying key", ErrMalformed, r.Len())
	}
	if err := vk.seal(); err != nil {
		return nil, err
	}
	if !bytes.Equal(vk.bytes, b) {
		return nil, fmt.Errorf("%w: verifying key not in canonical encoding", ErrMalformed)
	}
	return vk, nil
}

// WriteTo writes the proving key: "CPPK", version 1, the backend, the
// verifying key (length-prefixed), then gnark's raw (uncompressed)
// encoding of the proving key, which loads fastest.
func (k *ProvingKey) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	var hdr [10]byte
	copy(hdr[:], pkMagic[:])
	hdr[4], hdr[5] = keyVersion, byte(k.backend)
	binary.BigEndian.PutUint32(hdr[6:], uint32(len(k.vk.bytes)))
	n, err := bw.Write(hdr[:])
	total := int64(n)
	if err != nil {
		return total, err
	}
	n, err = bw.Write(k.vk.bytes)
	total += int64(n)
	if err != nil {
		return total, err
	}
	var m int64
	switch k.backend {
	case Groth16:
		m, err = k.g16.WriteRawTo(bw)
	case PLONK:
		m, err = k.plonk.WriteRawTo(bw)
	}
	total += m
	if err != nil {
		return total, err
	}
	return total, bw.Flush()
}

// ReadProvingKey reads WriteTo's encoding. The proving key's points are not
// subgroup-checked (a damaged key only makes proofs that do not verify);
// the verifying key inside is checked as ParseVerifyingKey does.
func ReadProvingKey(r io.Reader) (*ProvingKey, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var hdr [10]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: proving key header: %v", ErrMalformed, err)
	}
	if [4]byte(hdr[:4]) != pkMagic || hdr[4] != keyVersion {
		return nil, fmt.Errorf("%w: not a civicproof proving key", ErrMalformed)
	}
	n := binary.BigEndian.Uint32(hdr[6:])
	if n > 1<<20 {
		return nil, fmt.Errorf("%w: verifying key of %d bytes", ErrMalformed, n)
	}
	vb := make([]byte, n)
	if _, err := io.ReadFull(br, vb); err != nil {
		return nil, fmt.Errorf("%w: verifying key: %v", ErrMalformed, err)
	}
	vk, err := ParseVerifyingKey(vb)
	if err != nil {
		return nil, err
	}
	k := &ProvingKey{backend: Backend(hdr[5]), vk: vk}
	if k.backend != vk.backend {
		return nil, fmt.Errorf("%w: proving key for %s holds a %s verifying key", ErrMalformed, k.backend, vk.backend)
	}
	switch k.backend {
	case Groth16:
		k.g16 = groth16.NewProvingKey(ecc.BN254)
		_, err = k.g16.UnsafeReadFrom(br)
	case PLONK:
		k.plonk = plonk.NewProvingKey(ecc.BN254)
		_, err = k.plonk.UnsafeReadFrom(br)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: proving key: %v", ErrMalformed, err)
	}
	return k, nil
}

// ExportSolidity writes a Solidity contract verifying proofs of this key
// (gnark's exporter). On chain, the contract checks the proof against the
// statement digest; computing that digest (zkhash over the statement) is
// the calling contract's job.
func (vk *VerifyingKey) ExportSolidity(w io.Writer) error {
	switch vk.backend {
	case Groth16:
		return vk.g16.ExportSolidity(w)
	case PLONK:
		return vk.plonk.ExportSolidity(w)
	}
	return fmt.Errorf("%w: unknown backend", ErrMalformed)
}
