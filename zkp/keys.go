package zkp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/consensys/gnark-crypto/ecc"
	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/kzg"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/plonk"
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

// ProvingKey is a wallet's key for making proofs.
type ProvingKey struct {
	backend Backend
	shape   Shape
	g16     groth16.ProvingKey
	plonk   plonk.ProvingKey
	vk      *VerifyingKey
}

// VerifyingKey is an agency's key for checking proofs.
type VerifyingKey struct {
	backend Backend
	shape   Shape
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

// Shape returns the ledger name of the key's circuit shape and backend
// (CircuitShape().String()).
func (vk *VerifyingKey) Shape() string { return vk.shape.String() }

// CircuitShape returns the circuit shape the key is for.
func (vk *VerifyingKey) CircuitShape() Shape { return vk.shape }

// CircuitShape returns the circuit shape the key is for.
func (k *ProvingKey) CircuitShape() Shape { return k.shape }

// Fingerprint is the key's stable identifier, registered on the ledger:
// SHA-256("civicproof/zkp/verifying-key/v1\x00" || MarshalBinary()).
func (vk *VerifyingKey) Fingerprint() [32]byte { return vk.fp }

// SetupUnsafe makes a key pair in one process. Whoever runs it could forge
// proofs if they kept the setup's randomness (Groth16's toxic waste, or
// the KZG secret for PLONK, which gnark's unsafekzg derives insecurely):
// use it for tests and demos only, and Ceremony for production.
func SetupUnsafe(ctx context.Context, b Backend) (*ProvingKey, *VerifyingKey, error) {
	if !b.valid() {
		return nil, nil, fmt.Errorf("%w: unknown backend %d", ErrInvalidStatement, b)
	}
	return SetupShapeUnsafe(ctx, ShapeV1(b))
}

// SetupShapeUnsafe is SetupUnsafe for any circuit shape (ShapeV2 for
// presentation proofs v2); the same warning applies.
func SetupShapeUnsafe(ctx context.Context, s Shape) (*ProvingKey, *VerifyingKey, error) {
	ccs, err := s.ConstraintSystem()
	if err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	b := s.Backend
	pk := &ProvingKey{backend: b, shape: s}
	vk := &VerifyingKey{backend: b, shape: s}
	restore := quiet()
	defer restore()
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
	return pairKeys(pk, vk)
}

// pairKeys seals a new verifying key (encoding and fingerprint) and links
// it to its proving key.
func pairKeys(pk *ProvingKey, vk *VerifyingKey) (*ProvingKey, *VerifyingKey, error) {
	if err := vk.seal(); err != nil {
		return nil, nil, err
	}
	pk.shape = vk.shape
	pk.vk = vk
	return pk, vk, nil
}

var (
	vkMagic = [4]byte{'C', 'P', 'V', 'K'}
	pkMagic = [4]byte{'C', 'P', 'P', 'K'}
)

// Key encoding versions: 1 for keys of the v1 circuit, 2 for keys that
// name their circuit shape (version and number of credentials).
const (
	keyVersion      = 1
	keyVersionShape = 2
)

// seal computes the canonical bytes and the fingerprint.
func (vk *VerifyingKey) seal() error {
	if vk.shape == (Shape{}) {
		vk.shape = ShapeV1(vk.backend)
	}
	var buf bytes.Buffer
	buf.Write(vkMagic[:])
	if vk.shape.Version == 1 {
		buf.WriteByte(keyVersion)
		buf.WriteByte(byte(vk.backend))
	} else {
		buf.WriteByte(keyVersionShape)
		buf.WriteByte(byte(vk.backend))
		buf.WriteByte(vk.shape.Version)
		buf.WriteByte(vk.shape.N)
	}
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
// gnark's compressed encoding of the key; a key of a v2 shape is "CPVK",
// version 2, the backend, the circuit version (2) and the number of
// credentials, then gnark's encoding.
func (vk *VerifyingKey) MarshalBinary() ([]byte, error) { return bytes.Clone(vk.bytes), nil }

// ParseVerifyingKey decodes MarshalBinary's encoding, checking every curve
// point, and refuses trailing bytes.
func ParseVerifyingKey(b []byte) (*VerifyingKey, error) {
	if len(b) < 6 || [4]byte(b[:4]) != vkMagic || (b[4] != keyVersion && b[4] != keyVersionShape) {
		return nil, fmt.Errorf("%w: not a civicproof verifying key", ErrMalformed)
	}
	vk := &VerifyingKey{backend: Backend(b[5]), shape: ShapeV1(Backend(b[5]))}
	body := b[6:]
	if b[4] == keyVersionShape {
		if len(b) < 8 {
			return nil, fmt.Errorf("%w: truncated verifying key header", ErrMalformed)
		}
		vk.shape = Shape{Backend: vk.backend, Version: b[6], N: b[7]}
		if vk.shape.Version == 1 || !vk.shape.valid() {
			return nil, fmt.Errorf("%w: verifying key for unknown circuit shape %d/%d", ErrMalformed, b[6], b[7])
		}
		body = b[8:]
	}
	r := bytes.NewReader(body)
	var err error
	switch vk.backend {
	case Groth16:
		if err := checkLayout(body, groth16VKLayout); err != nil {
			return nil, err
		}
		vk.g16 = groth16.NewVerifyingKey(ecc.BN254)
		_, err = vk.g16.ReadFrom(r)
	case PLONK:
		if err := checkLayout(body, plonkVKLayout); err != nil {
			return nil, err
		}
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

// Layouts of gnark's compressed encodings, up to their last length field.
// gnark-crypto's decoder allocates whatever a slice length says before
// reading the slice (a 370-byte verifying key could ask for 256 GiB and
// abort the process), so checkLayout first checks that every length fits
// in the bytes that remain, and that every point before it is compressed
// (a point in another form would move the fields that follow).
type field uint8

const (
	fG1     field = iota // compressed G1 point
	fG2                  // compressed G2 point
	fFr                  // scalar, 32 bytes
	fU64                 // 8 bytes
	fZero64              // 8 zero bytes (PLONK's key-version marker)
	fG1s                 // uint32 n, n G1 points
	fFrs                 // uint32 n, n scalars
	fU64s                // uint32 n, n uint64
	fU64ss               // uint32 n, n times fU64s, each value below 2^31 (gnark panics on one of 2^63 or more)
	fLines               // KZG pairing lines, fixed size
)

var (
	groth16VKLayout = []field{fG1, fG1, fG2, fG2, fG1, fG2, fG1s, fU64ss}
	plonkVKLayout   = []field{fZero64, fU64, fU64, fFr, fFr, fU64, fFr, fG1, fG1, fG1, // marker, version, size … S
		fG1, fG1, fG1, fG1, fG1, fG1s, fG1, fG2, fG2, fLines, fU64s} // Ql … Qk, Qcp, KZG, commitment indexes
	plonkProofLayout = []field{fG1, fG1, fG1, fG1, fG1, fG1, fG1, fG1, fFrs, fG1, fFr, fG1s}
)

func checkLayout(b []byte, layout []field) error {
	bad := func(what string) error {
		return fmt.Errorf("%w: %s at byte %d", ErrMalformed, what, len(b))
	}
	fixed := func(n int) error {
		if len(b) < n {
			return bad("truncated field")
		}
		b = b[n:]
		return nil
	}
	point := func(size int) error {
		if len(b) < size {
			return bad("truncated point")
		}
		if b[0]&0xc0 == 0 { // gnark-crypto's flag of an uncompressed point
			return bad("uncompressed point")
		}
		b = b[size:]
		return nil
	}
	length := func(elem uint64) (uint64, error) {
		if len(b) < 4 {
			return 0, bad("truncated length")
		}
		n := uint64(binary.BigEndian.Uint32(b))
		b = b[4:]
		if n*elem > uint64(len(b)) {
			return 0, bad(fmt.Sprintf("length %d beyond the data", n))
		}
		return n, nil
	}
	slice := func(elem uint64) error { // length, then elements of elem bytes
		n, err := length(elem)
		if err == nil {
			b = b[n*elem:]
		}
		return err
	}
	for _, f := range layout {
		var err error
		switch f {
		case fG1:
			err = point(curve.SizeOfG1AffineCompressed)
		case fG2:
			err = point(curve.SizeOfG2AffineCompressed)
		case fFr:
			err = fixed(fr.Bytes)
		case fU64:
			err = fixed(8)
		case fLines:
			err = fixed(binary.Size(kzg.VerifyingKey{}.Lines))
		case fZero64:
			if len(b) < 8 || binary.BigEndian.Uint64(b) != 0 {
				return bad("not the versioned encoding")
			}
			b = b[8:]
		case fG1s:
			var n uint64
			if n, err = length(curve.SizeOfG1AffineCompressed); err == nil {
				for range n {
					if err = point(curve.SizeOfG1AffineCompressed); err != nil {
						break
					}
				}
			}
		case fFrs:
			err = slice(fr.Bytes)
		case fU64s:
			err = slice(8)
		case fU64ss:
			var n uint64
			if n, err = length(4); err == nil {
				for range n {
					var m uint64
					if m, err = length(8); err != nil {
						break
					}
					for i := range m { // wire indexes
						if binary.BigEndian.Uint64(b[8*i:]) >= 1<<31 {
							return bad("index out of range")
						}
					}
					b = b[8*m:]
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
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

// ReadProvingKey reads WriteTo's encoding. A proving key is trusted input:
// its points are not subgroup-checked (a damaged key only makes proofs
// that do not verify), so load keys only from a trusted store. Its length
// fields are bounded all the same, so that a damaged or truncated file is
// refused with ErrMalformed rather than making gnark allocate what a
// length says: the verifying key inside (checked as ParseVerifyingKey
// does) is at most 128 KiB, is read only as far as the bytes go, and every
// vector, count and domain size of gnark's encoding is at most 2^19,
// checked before gnark reads it (32 MiB of G1 or 64 MiB of G2 points at
// most, for a length whose bytes are missing).
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
	if n > maxVerifyingKeySize {
		return nil, fmt.Errorf("%w: verifying key of %d bytes (at most %d)", ErrMalformed, n, maxVerifyingKeySize)
	}
	vb, err := io.ReadAll(io.LimitReader(br, int64(n))) // grows with the bytes there are
	if err != nil {
		return nil, fmt.Errorf("%w: verifying key: %v", ErrMalformed, err)
	}
	if len(vb) != int(n) {
		return nil, fmt.Errorf("%w: verifying key: %d of %d bytes", ErrMalformed, len(vb), n)
	}
	vk, err := ParseVerifyingKey(vb)
	if err != nil {
		return nil, err
	}
	k := &ProvingKey{backend: Backend(hdr[5]), shape: vk.shape, vk: vk}
	if k.backend != vk.backend {
		return nil, fmt.Errorf("%w: proving key for %s holds a %s verifying key", ErrMalformed, k.backend, vk.backend)
	}
	g := newKeyGuard(br, k.backend)
	if err := readGnarkKey(k, g); err != nil {
		return nil, fmt.Errorf("%w: proving key: %w", ErrMalformed, err)
	}
	if !g.done() {
		return nil, fmt.Errorf("%w: proving key ends before its last field", ErrMalformed)
	}
	return k, nil
}

// errGnarkPanicked marks a proving key on which gnark's decoder panicked.
// gnark panics on some damaged keys (a domain size of 2^62 makes it
// allocate out of range); keyGuard refuses every such key known before
// gnark reads it, and the recover in readGnarkKey turns any other into
// an error.
var errGnarkPanicked = errors.New("gnark's decoder panicked")

// readGnarkKey decodes gnark's part of k from g.
func readGnarkKey(k *ProvingKey, g *keyGuard) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errGnarkPanicked, r)
		}
	}()
	switch k.backend {
	case Groth16:
		k.g16 = groth16.NewProvingKey(ecc.BN254)
		_, err = k.g16.UnsafeReadFrom(g)
	case PLONK:
		k.plonk = plonk.NewProvingKey(ecc.BN254)
		_, err = k.plonk.UnsafeReadFrom(g)
	}
	return err
}

// ExportSolidity writes a Solidity contract verifying proofs of this key
// (gnark's exporter). On chain, the contract checks the proof against the
// statement digest; computing that digest (the Poseidon2 hash of the statement, see the package documentation) is
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
