package zkp

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/consensys/gnark-crypto/ecc"
	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/groth16/bn254/mpcsetup"
	"github.com/consensys/gnark/constraint"
	cs "github.com/consensys/gnark/constraint/bn254"
)

// Ceremony errors.
var (
	// ErrBadTranscript: a ceremony transcript or one of its contributions
	// does not decode, does not verify, was made for another circuit, or
	// names other beacons than the ones given; or a beacon is empty or
	// longer than 1024 bytes.
	ErrBadTranscript = errors.New("zkp: bad ceremony transcript")
	// ErrCeremonyOrder: a ceremony step called out of order (a phase-1
	// contribution after phase 1 was sealed, sealing a phase without
	// contributions, …).
	ErrCeremonyOrder = errors.New("zkp: ceremony step out of order")
)

// Ceremony is a multi-party Groth16 setup of the presentation circuit
// (gnark's mpcsetup, after Bowe, Gabizon and Miers, eprint 2017/1050).
// Its keys are safe as long as one contributor of each phase discarded
// the randomness of their contribution, which Contribute* does by never
// storing it.
//
// SetupUnsafe is for tests and demos; production keys come from a
// ceremony:
//
//  1. The coordinator calls NewCeremony and publishes the transcript
//     (WriteTo).
//  2. Each phase-1 contributor reads the latest transcript (ReadCeremony),
//     calls ContributePhase1, publishes the receipt it returns and passes
//     the transcript on.
//  3. After the last phase-1 contribution, the coordinator takes a public
//     random beacon that nobody could predict before (a drand round, say)
//     and calls SealPhase1 with it, which verifies every contribution.
//  4. Phase-2 contributors do the same with ContributePhase2.
//  5. The coordinator calls Finish with a second, later beacon, which
//     verifies phase 2 and returns the keys, and publishes the final
//     transcript and the verifying key's fingerprint.
//
// Anyone can then run VerifyTranscript with the two published beacons and
// obtain the same verifying key (same Fingerprint); a contributor also
// checks that its receipt is among Receipts.
//
// The transcript holds every contribution; for a domain of N points a
// phase-1 contribution is about 192·N bytes and a phase-2 contribution
// about 32·(N + wires) bytes (package doc for measured sizes and times).
// A Ceremony is not safe for concurrent use.
type Ceremony struct {
	shape  Shape    // the circuit shape whose keys it makes
	name   string   // circuit name, bound into the transcript
	digest [32]byte // circuit digest, bound into the transcript
	r1cs   *cs.R1CS // circuit
	n      uint64   // domain size
	nPKK   int      // points of the phase-2 proving-key vector

	phase1, phase2   [][]byte // contributions as they appear in the transcript
	beacon1, beacon2 []byte   // nil until SealPhase1 / Finish

	// Working state, rebuilt from the transcript when missing.
	p1      *mpcsetup.Phase1 // latest phase-1 state
	commons *mpcsetup.SrsCommons
	p2init  []byte // phase-2 state before any contribution
	evals   *mpcsetup.Phase2Evaluations
	p2      *mpcsetup.Phase2 // latest phase-2 state
}

var ceremonyMagic = [4]byte{'C', 'P', 'M', 'C'}

const (
	ceremonyVersion = 1
	maxBeacon       = 1024
	challengeSize   = sha256.Size
	updateProofSize = curve.SizeOfG1AffineCompressed + curve.SizeOfG2AffineCompressed
)

// NewCeremony starts a ceremony for the presentation circuit's Groth16
// keys. The domain is the smallest power of two holding the circuit's
// constraints and public inputs. The transcript names the circuit by its
// shape and CircuitDigest.
func NewCeremony() (*Ceremony, error) { return NewCeremonyShape(ShapeV1(Groth16)) }

// NewCeremonyShape starts a ceremony for the Groth16 keys of circuit shape
// s (ShapeV2(Groth16, n) for presentation proofs v2); the transcript names
// the shape. ReadCeremonyShape and VerifyTranscriptShape read its
// transcripts.
func NewCeremonyShape(s Shape) (*Ceremony, error) {
	if s.Backend != Groth16 {
		return nil, fmt.Errorf("%w: a ceremony makes Groth16 keys, not %s", ErrInvalidStatement, s)
	}
	ccs, err := s.ConstraintSystem()
	if err != nil {
		return nil, err
	}
	r, ok := ccs.(*cs.R1CS)
	if !ok {
		return nil, fmt.Errorf("zkp: ceremony: constraint system is %T, want a BN254 R1CS", ccs)
	}
	d, err := s.CircuitDigest()
	if err != nil {
		return nil, err
	}
	c, err := newCeremony(s.String(), d, r)
	if err != nil {
		return nil, err
	}
	c.shape = s
	return c, nil
}

func newCeremony(name string, digest [32]byte, r *cs.R1CS) (*Ceremony, error) {
	if len(name) == 0 || len(name) > 255 {
		return nil, fmt.Errorf("zkp: ceremony: circuit name of %d bytes", len(name))
	}
	if c, ok := r.CommitmentInfo.(constraint.Groth16Commitments); !ok || len(c) != 0 {
		return nil, errors.New("zkp: ceremony: circuits with commitments are not supported")
	}
	nbInternal, nbSecret, nbPublic := r.GetNbVariables()
	return &Ceremony{
		name:   name,
		digest: digest,
		r1cs:   r,
		n:      ecc.NextPowerOfTwo(uint64(r.GetNbConstraints() + nbPublic)),
		nPKK:   nbInternal + nbSecret,
	}, nil
}

// DomainSize returns the ceremony's FFT domain size N.
func (c *Ceremony) DomainSize() uint64 { return c.n }

// Contributions returns the number of contributions of each phase.
func (c *Ceremony) Contributions() (phase1, phase2 int) { return len(c.phase1), len(c.phase2) }

// Receipts returns the SHA-256 of every contribution, in order, as
// ContributePhase1 and ContributePhase2 returned them.
func (c *Ceremony) Receipts() (phase1, phase2 [][32]byte) {
	for _, b := range c.phase1 {
		phase1 = append(phase1, sha256.Sum256(b))
	}
	for _, b := range c.phase2 {
		phase2 = append(phase2, sha256.Sum256(b))
	}
	return phase1, phase2
}

// ContributePhase1 adds a phase-1 (powers of τ) contribution with fresh
// randomness and returns its receipt, the SHA-256 of the contribution.
func (c *Ceremony) ContributePhase1() ([32]byte, error) {
	if c.beacon1 != nil {
		return [32]byte{}, fmt.Errorf("%w: phase 1 is sealed", ErrCeremonyOrder)
	}
	if c.p1 == nil {
		if len(c.phase1) == 0 {
			c.p1 = mpcsetup.NewPhase1(c.n)
		} else {
			p, err := c.decodePhase1(c.phase1[len(c.phase1)-1])
			if err != nil {
				return [32]byte{}, err
			}
			c.p1 = p
		}
	}
	c.p1.Contribute()
	var buf bytes.Buffer
	if _, err := c.p1.WriteTo(&buf); err != nil {
		c.p1 = nil
		return [32]byte{}, fmt.Errorf("zkp: ceremony: encoding contribution: %w", err)
	}
	c.phase1 = append(c.phase1, buf.Bytes())
	return sha256.Sum256(buf.Bytes()), nil
}

// SealPhase1 verifies every phase-1 contribution, applies the beacon (a
// public random value fixed after the last contribution) and prepares
// phase 2, which for this circuit takes most of a minute (package doc).
func (c *Ceremony) SealPhase1(beacon []byte) error {
	if c.beacon1 != nil {
		return fmt.Errorf("%w: phase 1 is already sealed", ErrCeremonyOrder)
	}
	if len(c.phase1) == 0 {
		return fmt.Errorf("%w: no phase-1 contribution", ErrCeremonyOrder)
	}
	if err := checkBeacon(beacon); err != nil {
		return err
	}
	if err := c.sealPhase1(bytes.Clone(beacon)); err != nil {
		return err
	}
	c.p1 = nil
	return nil
}

// sealPhase1 verifies phase 1 with beacon and sets the phase-2 state.
func (c *Ceremony) sealPhase1(beacon []byte) error {
	last, err := c.phase1Chain(sliceSource(c.phase1), len(c.phase1))
	if err != nil {
		return err
	}
	commons, p2, evals, err := c.sealPhase1Chain(last, beacon)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := p2.WriteTo(&buf); err != nil {
		return fmt.Errorf("zkp: ceremony: encoding phase 2: %w", err)
	}
	c.beacon1, c.commons, c.evals, c.p2init, c.p2 = beacon, &commons, &evals, buf.Bytes(), p2
	if len(c.phase2) > 0 {
		c.p2 = nil // continue from the last contribution instead
	}
	return nil
}

// ContributePhase2 adds a phase-2 (circuit-specific δ) contribution with
// fresh randomness and returns its receipt.
func (c *Ceremony) ContributePhase2() ([32]byte, error) {
	if c.beacon1 == nil {
		return [32]byte{}, fmt.Errorf("%w: phase 1 is not sealed", ErrCeremonyOrder)
	}
	if c.beacon2 != nil {
		return [32]byte{}, fmt.Errorf("%w: the ceremony is finished", ErrCeremonyOrder)
	}
	if c.p2 == nil {
		if len(c.phase2) == 0 {
			if err := c.sealPhase1(c.beacon1); err != nil {
				return [32]byte{}, err
			}
		} else {
			p, err := c.decodePhase2(c.phase2[len(c.phase2)-1])
			if err != nil {
				return [32]byte{}, err
			}
			c.p2 = p
		}
	}
	c.p2.Contribute()
	var buf bytes.Buffer
	if _, err := c.p2.WriteTo(&buf); err != nil {
		c.p2 = nil
		return [32]byte{}, fmt.Errorf("zkp: ceremony: encoding contribution: %w", err)
	}
	c.phase2 = append(c.phase2, buf.Bytes())
	return sha256.Sum256(buf.Bytes()), nil
}

// Finish verifies every phase-2 contribution, applies the beacon (a public
// random value fixed after the last contribution, other than phase 1's)
// and returns the keys. After Finish the transcript is complete; Finish
// may be called again with the same beacon.
func (c *Ceremony) Finish(beacon []byte) (*ProvingKey, *VerifyingKey, error) {
	if c.beacon1 == nil {
		return nil, nil, fmt.Errorf("%w: phase 1 is not sealed", ErrCeremonyOrder)
	}
	if len(c.phase2) == 0 {
		return nil, nil, fmt.Errorf("%w: no phase-2 contribution", ErrCeremonyOrder)
	}
	if err := checkBeacon(beacon); err != nil {
		return nil, nil, err
	}
	if c.beacon2 != nil && !bytes.Equal(c.beacon2, beacon) {
		return nil, nil, fmt.Errorf("%w: the ceremony was finished with another beacon", ErrCeremonyOrder)
	}
	if c.evals == nil { // read from a transcript: redo phase 1
		if err := c.sealPhase1(c.beacon1); err != nil {
			return nil, nil, err
		}
	}
	prev := new(mpcsetup.Phase2)
	if _, err := prev.ReadFrom(bytes.NewReader(c.p2init)); err != nil {
		return nil, nil, fmt.Errorf("zkp: ceremony: phase-2 state: %w", err)
	}
	last, err := c.phase2Chain(prev, sliceSource(c.phase2), len(c.phase2))
	if err != nil {
		return nil, nil, err
	}
	pk, vk, err := sealPhase2Chain(last, c.commons, c.evals, beacon)
	if err != nil {
		return nil, nil, err
	}
	c.beacon2 = bytes.Clone(beacon)
	return c.wrapGroth16(pk, vk)
}

func (c *Ceremony) wrapGroth16(pk groth16.ProvingKey, vk groth16.VerifyingKey) (*ProvingKey, *VerifyingKey, error) {
	s := c.shape
	if s == (Shape{}) {
		s = ShapeV1(Groth16)
	}
	return pairKeys(&ProvingKey{backend: Groth16, shape: s, g16: pk}, &VerifyingKey{backend: Groth16, shape: s, g16: vk})
}

func checkBeacon(b []byte) error {
	if len(b) == 0 || len(b) > maxBeacon {
		return fmt.Errorf("%w: beacon of %d bytes, want 1 to %d", ErrBadTranscript, len(b), maxBeacon)
	}
	return nil
}

// Sizes of contributions, fixed by the domain and the circuit. A
// contribution of another size, or whose length fields differ from the
// circuit's, is refused before gnark decodes it (its decoder allocates
// whatever a length field says).
func phase1Size(n uint64) int {
	g1, g2 := curve.SizeOfG1AffineCompressed, curve.SizeOfG2AffineCompressed
	return 3*updateProofSize + 8 + g2 + // proofs, N, [β]₂
		int(2*n-2)*g1 + int(n-1)*g2 + 2*int(n)*g1 + // [τⁱ]₁, [τⁱ]₂, [ατⁱ]₁, [βτⁱ]₁
		1 + challengeSize
}

func (c *Ceremony) phase2Size() int {
	g1, g2 := curve.SizeOfG1AffineCompressed, curve.SizeOfG2AffineCompressed
	return 2 + g1 + 4 + c.nPKK*g1 + 4 + int(c.n-1)*g1 + g2 + updateProofSize + 1 + challengeSize
}

func (c *Ceremony) decodePhase1(b []byte) (*mpcsetup.Phase1, error) {
	if len(b) != phase1Size(c.n) {
		return nil, fmt.Errorf("%w: phase-1 contribution of %d bytes, want %d", ErrBadTranscript, len(b), phase1Size(c.n))
	}
	if n := binary.BigEndian.Uint64(b[3*updateProofSize:]); n != c.n {
		return nil, fmt.Errorf("%w: phase-1 contribution for domain %d, want %d", ErrBadTranscript, n, c.n)
	}
	p := new(mpcsetup.Phase1)
	if n, err := p.ReadFrom(bytes.NewReader(b)); err != nil || n != int64(len(b)) || len(p.Challenge) != challengeSize {
		return nil, fmt.Errorf("%w: phase-1 contribution does not decode: %v", ErrBadTranscript, err)
	}
	return p, nil
}

func (c *Ceremony) decodePhase2(b []byte) (*mpcsetup.Phase2, error) {
	g1 := curve.SizeOfG1AffineCompressed
	if len(b) != c.phase2Size() {
		return nil, fmt.Errorf("%w: phase-2 contribution of %d bytes, want %d", ErrBadTranscript, len(b), c.phase2Size())
	}
	zAt := 2 + g1 + 4 + c.nPKK*g1
	if binary.BigEndian.Uint16(b) != 0 ||
		binary.BigEndian.Uint32(b[2+g1:]) != uint32(c.nPKK) ||
		binary.BigEndian.Uint32(b[zAt:]) != uint32(c.n-1) {
		return nil, fmt.Errorf("%w: phase-2 contribution of another circuit shape", ErrBadTranscript)
	}
	p := new(mpcsetup.Phase2)
	if n, err := p.ReadFrom(bytes.NewReader(b)); err != nil || n != int64(len(b)) || len(p.Challenge) != challengeSize {
		return nil, fmt.Errorf("%w: phase-2 contribution does not decode: %v", ErrBadTranscript, err)
	}
	return p, nil
}

// source yields contributions one at a time (from memory or a stream).
type source func() ([]byte, error)

func sliceSource(bs [][]byte) source {
	i := 0
	return func() ([]byte, error) { i++; return bs[i-1], nil }
}

// phase1Chain checks count phase-1 contributions in order from the
// initial state and returns the last (gnark's VerifyPhase1 without the
// seal, one contribution in memory at a time).
func (c *Ceremony) phase1Chain(next source, count int) (last *mpcsetup.Phase1, err error) {
	defer recoverBad(&err)
	prev := mpcsetup.NewPhase1(c.n)
	for i := range count {
		b, err := next()
		if err != nil {
			return nil, err
		}
		p, err := c.decodePhase1(b)
		if err != nil {
			return nil, fmt.Errorf("phase-1 contribution %d: %w", i, err)
		}
		if err := prev.Verify(p); err != nil {
			return nil, fmt.Errorf("%w: phase-1 contribution %d: %v", ErrBadTranscript, i, err)
		}
		prev = p
	}
	return prev, nil
}

// sealPhase1Chain seals the last phase-1 contribution with beacon and
// initialises phase 2, returning its initial state and evaluations.
func (c *Ceremony) sealPhase1Chain(last *mpcsetup.Phase1, beacon []byte) (commons mpcsetup.SrsCommons, p2 *mpcsetup.Phase2, evals mpcsetup.Phase2Evaluations, err error) {
	defer recoverBad(&err)
	commons = last.Seal(beacon)
	p2 = new(mpcsetup.Phase2)
	evals = p2.Initialize(c.r1cs, &commons) // panics if the domain is too small
	return commons, p2, evals, nil
}

// phase2Chain checks count phase-2 contributions from prev, the initial
// state, and returns the last (gnark's VerifyPhase2 without the seal).
func (c *Ceremony) phase2Chain(prev *mpcsetup.Phase2, next source, count int) (last *mpcsetup.Phase2, err error) {
	defer recoverBad(&err)
	for i := range count {
		b, err := next()
		if err != nil {
			return nil, err
		}
		p, err := c.decodePhase2(b)
		if err != nil {
			return nil, fmt.Errorf("phase-2 contribution %d: %w", i, err)
		}
		if err := prev.Verify(p); err != nil {
			return nil, fmt.Errorf("%w: phase-2 contribution %d: %v", ErrBadTranscript, i, err)
		}
		prev = p
	}
	return prev, nil
}

// sealPhase2Chain seals the last phase-2 contribution with beacon into the
// Groth16 keys.
func sealPhase2Chain(last *mpcsetup.Phase2, commons *mpcsetup.SrsCommons, evals *mpcsetup.Phase2Evaluations, beacon []byte) (pk groth16.ProvingKey, vk groth16.VerifyingKey, err error) {
	defer recoverBad(&err)
	pk, vk = last.Seal(commons, evals, beacon)
	return pk, vk, nil
}

// recoverBad turns a panic inside gnark's verification of untrusted
// contributions into ErrBadTranscript.
func recoverBad(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: verification failed: %v", ErrBadTranscript, r)
	}
}

// Transcript encoding:
//
//	"CPMC" | version (1) | circuit name length (1) | circuit name
//	| circuit digest (32) | domain size N (8)
//	| phase-1 count (4) | per contribution: length (4) | gnark Phase1 encoding
//	| phase-1 beacon length (2) | beacon (absent until sealed)
//	| phase-2 count (4) | per contribution: length (4) | gnark Phase2 encoding
//	| phase-2 beacon length (2) | beacon (absent until finished)
//
// Integers are big-endian. Every contribution of a phase has the same
// length, fixed by N and the circuit.

// WriteTo writes the transcript.
func (c *Ceremony) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	var total int64
	put := func(b []byte) error {
		n, err := bw.Write(b)
		total += int64(n)
		return err
	}
	hdr := append(ceremonyMagic[:], ceremonyVersion, byte(len(c.name)))
	hdr = append(hdr, c.name...)
	hdr = append(hdr, c.digest[:]...)
	hdr = binary.BigEndian.AppendUint64(hdr, c.n)
	if err := put(hdr); err != nil {
		return total, err
	}
	for _, ph := range []struct {
		contribs [][]byte
		beacon   []byte
	}{{c.phase1, c.beacon1}, {c.phase2, c.beacon2}} {
		if err := put(binary.BigEndian.AppendUint32(nil, uint32(len(ph.contribs)))); err != nil {
			return total, err
		}
		for _, b := range ph.contribs {
			if err := put(binary.BigEndian.AppendUint32(nil, uint32(len(b)))); err != nil {
				return total, err
			}
			if err := put(b); err != nil {
				return total, err
			}
		}
		if err := put(append(binary.BigEndian.AppendUint16(nil, uint16(len(ph.beacon))), ph.beacon...)); err != nil {
			return total, err
		}
	}
	return total, bw.Flush()
}

// transcriptReader reads a transcript's fields in order.
type transcriptReader struct {
	r *bufio.Reader
}

func (t *transcriptReader) read(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(t.r, b); err != nil {
		return nil, fmt.Errorf("%w: truncated: %v", ErrBadTranscript, err)
	}
	return b, nil
}

func (t *transcriptReader) uint(size int) (uint64, error) {
	b, err := t.read(size)
	if err != nil {
		return 0, err
	}
	var x uint64
	for _, v := range b {
		x = x<<8 | uint64(v)
	}
	return x, nil
}

// header reads the header and checks it names the circuit of want.
func (t *transcriptReader) header(want *Ceremony) error {
	b, err := t.read(6)
	if err != nil {
		return err
	}
	if [4]byte(b[:4]) != ceremonyMagic || b[4] != ceremonyVersion {
		return fmt.Errorf("%w: not a civicproof ceremony transcript", ErrBadTranscript)
	}
	name, err := t.read(int(b[5]))
	if err != nil {
		return err
	}
	if string(name) != want.name {
		return fmt.Errorf("%w: transcript of circuit %q, want %q", ErrBadTranscript, name, want.name)
	}
	d, err := t.read(32)
	if err != nil {
		return err
	}
	if [32]byte(d) != want.digest {
		return fmt.Errorf("%w: transcript of circuit digest %x, want %x (the circuit changed)", ErrBadTranscript, d[:8], want.digest[:8])
	}
	n, err := t.uint(8)
	if err != nil {
		return err
	}
	if n != want.n {
		return fmt.Errorf("%w: transcript for domain %d, want %d", ErrBadTranscript, n, want.n)
	}
	return nil
}

// contributions returns the count of a phase and a source of its
// contributions, each of the given size.
func (t *transcriptReader) contributions(size int) (int, source, error) {
	n, err := t.uint(4)
	if err != nil {
		return 0, nil, err
	}
	return int(n), func() ([]byte, error) {
		l, err := t.uint(4)
		if err != nil {
			return nil, err
		}
		if l != uint64(size) {
			return nil, fmt.Errorf("%w: contribution of %d bytes, want %d", ErrBadTranscript, l, size)
		}
		return t.read(size)
	}, nil
}

func (t *transcriptReader) beacon() ([]byte, error) {
	l, err := t.uint(2)
	if err != nil || l == 0 {
		return nil, err
	}
	if l > maxBeacon {
		return nil, fmt.Errorf("%w: beacon of %d bytes", ErrBadTranscript, l)
	}
	return t.read(int(l))
}

// expectBeacon reads a phase's beacon and checks it is want.
func (t *transcriptReader) expectBeacon(phase int, want []byte) error {
	b, err := t.beacon()
	switch {
	case err != nil:
		return err
	case b == nil:
		return fmt.Errorf("%w: phase %d is not sealed", ErrBadTranscript, phase)
	case !bytes.Equal(b, want):
		return fmt.Errorf("%w: phase %d sealed with beacon %x, want %x", ErrBadTranscript, phase, b, want)
	}
	return nil
}

func (t *transcriptReader) end() error {
	if _, err := t.r.ReadByte(); err != io.EOF {
		return fmt.Errorf("%w: trailing bytes", ErrBadTranscript)
	}
	return nil
}

// ReadCeremony reads a transcript to continue a ceremony (contribute,
// seal or finish). It checks the transcript's shape, not its
// contributions: SealPhase1, Finish and VerifyTranscript do.
func ReadCeremony(r io.Reader) (*Ceremony, error) { return ReadCeremonyShape(r, ShapeV1(Groth16)) }

// ReadCeremonyShape is ReadCeremony for the ceremony of shape s.
func ReadCeremonyShape(r io.Reader, s Shape) (*Ceremony, error) {
	c, err := NewCeremonyShape(s)
	if err != nil {
		return nil, err
	}
	if err := c.readFrom(r); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Ceremony) readFrom(r io.Reader) error {
	t := &transcriptReader{r: bufio.NewReaderSize(r, 1<<20)}
	if err := t.header(c); err != nil {
		return err
	}
	var phases [2][][]byte
	var beacons [2][]byte
	for i, size := range []int{phase1Size(c.n), c.phase2Size()} {
		count, next, err := t.contributions(size)
		if err != nil {
			return err
		}
		for range count {
			b, err := next()
			if err != nil {
				return err
			}
			phases[i] = append(phases[i], b)
		}
		if beacons[i], err = t.beacon(); err != nil {
			return err
		}
	}
	if err := t.end(); err != nil {
		return err
	}
	switch {
	case beacons[0] == nil && (len(phases[1]) > 0 || beacons[1] != nil):
		return fmt.Errorf("%w: phase 2 before phase 1 was sealed", ErrBadTranscript)
	case beacons[0] != nil && len(phases[0]) == 0, beacons[1] != nil && len(phases[1]) == 0:
		return fmt.Errorf("%w: phase sealed without contributions", ErrBadTranscript)
	}
	c.phase1, c.phase2 = phases[0], phases[1]
	c.beacon1, c.beacon2 = beacons[0], beacons[1]
	return nil
}

// VerifyTranscript checks a complete transcript of the presentation
// circuit's ceremony against the two public beacons it must have been
// sealed with, and returns the verifying key it yields: the same key, with
// the same Fingerprint, as the coordinator's Finish. It reads one
// contribution at a time; most of its time goes to gnark's phase-2
// initialisation (package doc).
func VerifyTranscript(r io.Reader, beacon1, beacon2 []byte) (*VerifyingKey, error) {
	return VerifyTranscriptShape(r, ShapeV1(Groth16), beacon1, beacon2)
}

// VerifyTranscriptShape is VerifyTranscript for the ceremony of shape s.
func VerifyTranscriptShape(r io.Reader, s Shape, beacon1, beacon2 []byte) (*VerifyingKey, error) {
	c, err := NewCeremonyShape(s)
	if err != nil {
		return nil, err
	}
	_, vk, err := c.verifyTranscript(r, beacon1, beacon2)
	return vk, err
}

func (c *Ceremony) verifyTranscript(r io.Reader, beacon1, beacon2 []byte) (*ProvingKey, *VerifyingKey, error) {
	for _, b := range [][]byte{beacon1, beacon2} {
		if err := checkBeacon(b); err != nil {
			return nil, nil, err
		}
	}
	t := &transcriptReader{r: bufio.NewReaderSize(r, 1<<20)}
	if err := t.header(c); err != nil {
		return nil, nil, err
	}
	count, next, err := t.contributions(phase1Size(c.n))
	if err != nil {
		return nil, nil, err
	}
	if count == 0 {
		return nil, nil, fmt.Errorf("%w: no phase-1 contribution", ErrBadTranscript)
	}
	last1, err := c.phase1Chain(next, count)
	if err != nil {
		return nil, nil, err
	}
	if err := t.expectBeacon(1, beacon1); err != nil {
		return nil, nil, err
	}
	commons, prev, evals, err := c.sealPhase1Chain(last1, beacon1)
	if err != nil {
		return nil, nil, err
	}
	last1 = nil
	if count, next, err = t.contributions(c.phase2Size()); err != nil {
		return nil, nil, err
	}
	if count == 0 {
		return nil, nil, fmt.Errorf("%w: no phase-2 contribution", ErrBadTranscript)
	}
	last2, err := c.phase2Chain(prev, next, count)
	if err != nil {
		return nil, nil, err
	}
	if err := t.expectBeacon(2, beacon2); err != nil {
		return nil, nil, err
	}
	if err := t.end(); err != nil {
		return nil, nil, err
	}
	pk, vk, err := sealPhase2Chain(last2, &commons, &evals, beacon2)
	if err != nil {
		return nil, nil, err
	}
	return c.wrapGroth16(pk, vk)
}
