package zkp

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/kzg"
)

// Bounds on the lengths a proving key file states. gnark's decoder
// allocates whatever a length says before reading what it counts (a few
// damaged bytes could ask for hundreds of GiB and abort the process), so
// ReadProvingKey checks every length against these bounds before gnark
// sees it.
const (
	// maxKeyVectorLen bounds every vector length in a proving key (points
	// of a section, wires, the evaluation domain). The largest shape's key
	// (PLONK, three credentials: 129,729 constraints, a 2^17 domain) has
	// no section longer than 2^17 + 3 points; 2^19 leaves room for that
	// circuit to grow past the next domain size. A damaged length thus
	// makes gnark allocate at most 2^19 points (32 MiB of G1 points,
	// 64 MiB of G2 points) before the missing bytes end the read.
	maxKeyVectorLen = 1 << 19
	// maxKeyCommitments bounds the Pedersen commitment keys of a Groth16
	// proving key (one per commitment of the circuit; ours have one).
	maxKeyCommitments = 16
	// maxVerifyingKeySize bounds the verifying key inside a proving key
	// file: a PLONK verifying key is 34 KiB (mostly its 264 fixed pairing
	// lines), a Groth16 one a few hundred bytes (370 for version 1); the
	// verifying key is read only as far as the bytes go.
	maxVerifyingKeySize = 128 << 10
)

// Fields of gnark's raw proving key encodings, as keyGuard checks them.
type pkField uint8

const (
	pkDomain   pkField = iota // uint64, a power of two in [1, maxKeyVectorLen]
	pkFr                      // scalar, 32 bytes (gnark checks it is canonical)
	pkFlag                    // 1 byte
	pkCount                   // uint64 ≤ maxKeyVectorLen
	pkZero64                  // uint64, 0 (PLONK's key-version marker)
	pkOne64                   // uint64, 1 (PLONK's key version)
	pkG1                      // G1 point, compressed or not (its first byte says)
	pkG2                      // G2 point, compressed or not
	pkG1s                     // uint32 n ≤ maxKeyVectorLen, n G1 points
	pkG2s                     // uint32 n ≤ maxKeyVectorLen, n G2 points
	pkU64s                    // uint32 n ≤ maxKeyVectorLen, n uint64
	pkLines                   // KZG pairing lines, fixed size
	pkWires                   // uint64 nbWires ≤ maxKeyVectorLen
	pkInfinity                // uint64 ≤ nbWires
	pkBools                   // nbWires bytes
	pkCommits                 // uint32 n ≤ maxKeyCommitments, n Pedersen keys (two G1 vectors each)
)

// Layouts of gnark's raw (WriteRawTo) proving key encodings, v0.16.1.
var (
	groth16PKLayout = []pkField{
		pkDomain, pkFr, pkFr, pkFr, pkFr, pkFr, pkFlag, // fft.Domain
		pkG1, pkG1, pkG1, // α, β, δ
		pkG1s, pkG1s, pkG1s, pkG1s, // A, B, Z, K
		pkG2, pkG2, pkG2s, // β, δ, B
		pkWires, pkInfinity, pkInfinity, pkBools, pkBools, // nbWires, NbInfinityA/B, InfinityA/B
		pkCommits,
	}
	plonkPKLayout = []pkField{
		pkZero64, pkOne64, pkDomain, pkFr, pkFr, pkCount, pkFr, // marker, version, size, size⁻¹, generator, public variables, coset shift
		pkG1, pkG1, pkG1, pkG1, pkG1, pkG1, pkG1, pkG1, // S₁…S₃, Ql, Qr, Qm, Qo, Qk
		pkG1s, pkG1, pkG2, pkG2, pkLines, pkU64s, // Qcp, KZG key, commitment indexes
		pkG1s, pkG1s, // KZG proving key, its Lagrange form
	}
)

// keyGuard passes a raw proving key from r to gnark's decoder, checking
// each length field against the bounds above before the bytes holding it
// are handed over. It reads exactly what gnark asks for (gnark reads each
// field with exact sizes), filling each Read completely unless the stream
// ends, so that decoders using plain Read see no short reads.
type keyGuard struct {
	r      io.Reader
	layout []pkField
	hdr    [8]byte
	nhdr   int   // bytes of the current length or value field in hdr
	skip   int64 // bytes to pass before the next field
	points int64 // points left in the current vector
	g2     bool  // they are G2 points
	wires  uint64
	read   int64 // bytes passed
	err    error
}

func newKeyGuard(r io.Reader, b Backend) *keyGuard {
	g := &keyGuard{r: r}
	switch b {
	case Groth16:
		g.layout = append(g.layout, groth16PKLayout...)
	case PLONK:
		g.layout = append(g.layout, plonkPKLayout...)
	}
	return g
}

func (g *keyGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := io.ReadFull(g.r, p)
	if ferr := g.feed(p[:n]); ferr != nil {
		g.err = ferr
		return 0, ferr
	}
	if err == io.ErrUnexpectedEOF {
		err = nil // n > 0: the next Read reports io.EOF
	}
	return n, err
}

// done reports whether the whole layout went through.
func (g *keyGuard) done() bool {
	return len(g.layout) == 0 && g.skip == 0 && g.points == 0 && g.nhdr == 0 && g.err == nil
}

// feed checks the next bytes of the stream.
func (g *keyGuard) feed(b []byte) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: proving key byte %d: %s", ErrMalformed, g.read, fmt.Sprintf(format, a...))
	}
	for len(b) > 0 {
		if g.skip > 0 {
			k := min(g.skip, int64(len(b)))
			g.skip -= k
			g.read += k
			b = b[k:]
			continue
		}
		if g.points > 0 { // a point's first byte says whether it is compressed
			g.points--
			g.skip = pointSize(b[0], g.g2)
			continue
		}
		if len(g.layout) == 0 {
			return bad("data beyond the key's last field")
		}
		f := g.layout[0]
		switch f {
		case pkFr:
			g.skip, g.layout = fr.Bytes, g.layout[1:]
			continue
		case pkFlag:
			g.skip, g.layout = 1, g.layout[1:]
			continue
		case pkLines:
			g.skip, g.layout = int64(binary.Size(kzg.VerifyingKey{}.Lines)), g.layout[1:]
			continue
		case pkBools:
			g.skip, g.layout = int64(g.wires), g.layout[1:]
			continue
		case pkG1, pkG2:
			g.points, g.g2, g.layout = 1, f == pkG2, g.layout[1:]
			continue
		}
		size := 8
		if f == pkG1s || f == pkG2s || f == pkU64s || f == pkCommits {
			size = 4
		}
		k := copy(g.hdr[g.nhdr:size], b)
		g.nhdr += k
		b = b[k:]
		if g.nhdr < size {
			continue
		}
		var v uint64
		if size == 4 {
			v = uint64(binary.BigEndian.Uint32(g.hdr[:4]))
		} else {
			v = binary.BigEndian.Uint64(g.hdr[:8])
		}
		g.nhdr = 0
		g.layout = g.layout[1:]
		switch f {
		case pkDomain:
			if v == 0 || v > maxKeyVectorLen || bits.OnesCount64(v) != 1 {
				return bad("domain of %d elements (a power of two up to %d)", v, maxKeyVectorLen)
			}
		case pkZero64, pkOne64:
			if want := uint64(f - pkZero64); v != want {
				return bad("key version field %d, want %d", v, want)
			}
		case pkG1s, pkG2s, pkU64s:
			if v > maxKeyVectorLen {
				return bad("vector of %d elements (at most %d)", v, maxKeyVectorLen)
			}
			if f == pkU64s {
				g.skip = int64(v) * 8
			} else {
				g.points, g.g2 = int64(v), f == pkG2s
			}
		case pkWires, pkCount:
			if v > maxKeyVectorLen {
				return bad("count of %d (at most %d)", v, maxKeyVectorLen)
			}
			if f == pkWires {
				g.wires = v
			}
		case pkInfinity:
			if v > g.wires {
				return bad("%d points at infinity among %d wires", v, g.wires)
			}
		case pkCommits:
			if v > maxKeyCommitments {
				return bad("%d commitment keys (at most %d)", v, maxKeyCommitments)
			}
			more := make([]pkField, 0, 2*v+uint64(len(g.layout)))
			for range 2 * v {
				more = append(more, pkG1s)
			}
			g.layout = append(more, g.layout...)
		}
		g.read += int64(size)
	}
	return nil
}

// pointSize is the size of a G1 or G2 point whose encoding starts with
// first: gnark-crypto's flag bits 00 mean uncompressed.
func pointSize(first byte, g2 bool) int64 {
	size := int64(curve.SizeOfG1AffineCompressed)
	if g2 {
		size = curve.SizeOfG2AffineCompressed
	}
	if first&0xc0 == 0 {
		size *= 2
	}
	return size
}
