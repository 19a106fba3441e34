package zkp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"strconv"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/kzg"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/plonk"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/frontend/cs/scs"
	"github.com/consensys/gnark/test/unsafekzg"
)

// committedCube is x³ + x + 5 == y with a commitment to x, so that its
// keys have every section gnark writes (a Groth16 Pedersen key, PLONK's
// commitment indexes).
type committedCube struct {
	X frontend.Variable
	Y frontend.Variable `gnark:",public"`
}

func (c *committedCube) Define(api frontend.API) error {
	api.AssertIsEqual(api.Add(api.Mul(c.X, c.X, c.X), c.X, 5), c.Y)
	cm, err := api.(frontend.Committer).Commit(c.X)
	if err != nil {
		return err
	}
	api.AssertIsDifferent(cm, 0)
	return nil
}

var smallKeys struct {
	sync.Mutex
	enc map[Backend][]byte
}

// smallKey returns WriteTo's encoding of a proving key of backend b for
// committedCube (a few KiB): ReadProvingKey does not check which circuit
// a key is for, so it reads it as it reads a presentation key.
func smallKey(t testing.TB, b Backend) []byte {
	t.Helper()
	smallKeys.Lock()
	defer smallKeys.Unlock()
	if enc, ok := smallKeys.enc[b]; ok {
		return enc
	}
	restore := quiet()
	defer restore()
	pk := &ProvingKey{backend: b}
	vk := &VerifyingKey{backend: b}
	switch b {
	case Groth16:
		ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &committedCube{})
		if err != nil {
			t.Fatal(err)
		}
		if pk.g16, vk.g16, err = groth16.Setup(ccs); err != nil {
			t.Fatal(err)
		}
	case PLONK:
		ccs, err := frontend.Compile(ecc.BN254.ScalarField(), scs.NewBuilder, &committedCube{})
		if err != nil {
			t.Fatal(err)
		}
		srs, lag, err := unsafekzg.NewSRS(ccs)
		if err != nil {
			t.Fatal(err)
		}
		if pk.plonk, vk.plonk, err = plonk.Setup(ccs, srs, lag); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := pairKeys(pk, vk); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := pk.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if smallKeys.enc == nil {
		smallKeys.enc = map[Backend][]byte{}
	}
	smallKeys.enc[b] = buf.Bytes()
	return buf.Bytes()
}

// syntheticKey returns a proving key encoding of backend b whose
// verifying key is valid (the small key's) and whose gnark part follows
// the layout with every vector empty, the domain of one element and no
// wires, except that the field at index set (in the layout, -1 for none)
// holds v.
func syntheticKey(t testing.TB, b Backend, set int, v uint64) []byte {
	t.Helper()
	small := smallKey(t, b)
	vkLen := binary.BigEndian.Uint32(small[6:])
	out := bytes.Clone(small[:10+vkLen])
	layout := groth16PKLayout
	if b == PLONK {
		layout = plonkPKLayout
	}
	for i, f := range layout {
		var u uint64
		switch f {
		case pkDomain:
			u = 1
		case pkOne64:
			u = 1
		}
		if i == set {
			u = v
		}
		switch f {
		case pkDomain, pkCount, pkZero64, pkOne64, pkWires, pkInfinity:
			out = binary.BigEndian.AppendUint64(out, u)
		case pkG1s, pkG2s, pkU64s, pkCommits:
			out = binary.BigEndian.AppendUint32(out, uint32(u))
		case pkFr:
			var one fr.Element
			one.SetOne()
			bs := one.Bytes() // a canonical element (the domain's are checked)
			out = append(out, bs[:]...)
		case pkFlag:
			out = append(out, 0)
		case pkG1:
			out = append(out, make([]byte, 64)...) // uncompressed infinity
		case pkG2:
			out = append(out, make([]byte, 128)...)
		case pkLines:
			out = append(out, make([]byte, binary.Size(kzg.VerifyingKey{}.Lines))...)
		case pkBools:
			// no wires
		}
	}
	return out
}

func readKey(b []byte) error {
	_, err := ReadProvingKey(bytes.NewReader(b))
	return err
}

// TestReadProvingKeyLayout: the small keys of both backends read back
// and go through the whole layout, and so do the synthetic keys with
// every vector empty, which shows that keyGuard's layouts follow gnark's
// encodings field by field.
func TestReadProvingKeyLayout(t *testing.T) {
	for _, b := range []Backend{Groth16, PLONK} {
		if err := readKey(smallKey(t, b)); err != nil {
			t.Errorf("%s small key: %v", b, err)
		}
		if err := readKey(syntheticKey(t, b, -1, 0)); err != nil {
			t.Errorf("%s key with empty vectors: %v", b, err)
		}
	}
	// Every real key's verifying key fits the bound with room to spare.
	for _, b := range []Backend{Groth16, PLONK} {
		if n := binary.BigEndian.Uint32(smallKey(t, b)[6:]); n > maxVerifyingKeySize/2 {
			t.Errorf("%s verifying key of %d bytes, bound %d", b, n, maxVerifyingKeySize)
		}
	}
	_, vk := testKeys(t, Groth16)
	vb, _ := vk.MarshalBinary()
	if len(vb) > maxVerifyingKeySize/8 {
		t.Errorf("presentation verifying key of %d bytes, bound %d", len(vb), maxVerifyingKeySize)
	}
	t.Logf("verifying keys: Groth16 presentation (v1) %d bytes, PLONK small circuit %d bytes", len(vb), binary.BigEndian.Uint32(smallKey(t, PLONK)[6:]))
}

// TestMaxKeyVectorLen: every shape's domain (the longest vectors of a
// key are about as long: PLONK's KZG key is the domain and 3 points) is
// at most a quarter of maxKeyVectorLen, so the bound holds after the
// domain doubles. TestConstraintCounts keeps testdata/constraints.csv the
// circuits' counts.
func TestMaxKeyVectorLen(t *testing.T) {
	counts, err := readConstraints(constraintsGolden)
	if err != nil {
		t.Fatal(err)
	}
	for shape, n := range counts {
		if domain := uint64(1) << bits.Len64(uint64(n)-1); domain > maxKeyVectorLen/4 {
			t.Errorf("%s: %d constraints, a domain of %d, bound %d", shape, n, domain, maxKeyVectorLen)
		}
	}
}

// TestReadProvingKeyDamaged: damaged, truncated and oversized key files
// are refused with ErrMalformed, without panicking or allocating what a
// length says.
func TestReadProvingKeyDamaged(t *testing.T) {
	g16, pl := smallKey(t, Groth16), smallKey(t, PLONK)
	with := func(b []byte, at int, v ...byte) []byte {
		b = bytes.Clone(b)
		copy(b[at:], v)
		return b
	}
	be32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	vkEnd := 10 + int(binary.BigEndian.Uint32(g16[6:]))
	cases := []struct {
		desc string
		key  []byte
	}{
		{"empty", nil},
		{"wrong magic", with(g16, 0, 'C', 'P', 'V', 'K')},
		{"wrong version", with(g16, 4, 2)},
		{"unknown backend", with(g16, 5, 3)},
		{"backend differs from the verifying key's", with(g16, 5, byte(PLONK))},
		{"verifying key length 2^32-1", with(g16, 6, be32(0xffffffff)...)},
		{"verifying key length beyond the bound", with(g16, 6, be32(maxVerifyingKeySize+1)...)},
		{"verifying key length beyond the data", append(bytes.Clone(g16[:6]), be32(maxVerifyingKeySize)...)},
		{"verifying key one byte short", with(g16, 6, be32(uint32(vkEnd-10-1))...)},
		{"verifying key one byte long", with(g16, 6, be32(uint32(vkEnd-10+1))...)},
		{"domain of 2^62", with(g16, vkEnd, binary.BigEndian.AppendUint64(nil, 1<<62)...)},
		{"gnark part missing", g16[:vkEnd]},
	}
	for _, n := range []int{1, 4, 9, 10, 11, vkEnd - 1, vkEnd + 1, vkEnd + 8, vkEnd + 100, len(g16) / 2, len(g16) - 64, len(g16) - 1} {
		cases = append(cases, struct {
			desc string
			key  []byte
		}{"Groth16 key cut to " + strconv.Itoa(n) + " bytes", g16[:n]})
	}
	for _, n := range []int{vkEnd + 4, len(pl) / 3, len(pl) - 1} {
		cases = append(cases, struct {
			desc string
			key  []byte
		}{"PLONK key cut to " + strconv.Itoa(n) + " bytes", pl[:n]})
	}
	// Every length and checked value of gnark's encodings, out of bounds.
	for _, b := range []Backend{Groth16, PLONK} {
		layout := groth16PKLayout
		if b == PLONK {
			layout = plonkPKLayout
		}
		for i, f := range layout {
			var bad []uint64
			switch f {
			case pkDomain:
				bad = []uint64{0, 3, maxKeyVectorLen * 2, 1 << 63}
			case pkZero64:
				bad = []uint64{1}
			case pkOne64:
				bad = []uint64{0, 2}
			case pkG1s, pkG2s, pkU64s:
				bad = []uint64{maxKeyVectorLen + 1, 0xfffffff0}
			case pkWires, pkCount:
				bad = []uint64{maxKeyVectorLen + 1, 1 << 62}
			case pkInfinity:
				bad = []uint64{1} // more than the wires (none)
			case pkCommits:
				bad = []uint64{maxKeyCommitments + 1, 0xfffffff0}
			}
			for _, v := range bad {
				cases = append(cases, struct {
					desc string
					key  []byte
				}{b.String() + " field " + strconv.Itoa(i) + " = " + strconv.FormatUint(v, 10), syntheticKey(t, b, i, v)})
			}
		}
	}
	for _, tc := range cases {
		if err := readKey(tc.key); !errors.Is(err, ErrMalformed) || errors.Is(err, errGnarkPanicked) {
			t.Errorf("%s: %v, want ErrMalformed before gnark reads the field", tc.desc, err)
		}
	}
}

// TestKeyGuardFullReads: the guard fills each read even from a reader
// that returns one byte at a time (gnark's domain decoder uses plain
// Read), so such a reader still loads the key.
func TestKeyGuardFullReads(t *testing.T) {
	for _, b := range []Backend{Groth16, PLONK} {
		if _, err := ReadProvingKey(oneByteReader{bytes.NewReader(smallKey(t, b))}); err != nil {
			t.Errorf("%s key read a byte at a time: %v", b, err)
		}
	}
}

type oneByteReader struct{ r *bytes.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func FuzzReadProvingKey(f *testing.F) {
	for _, b := range []Backend{Groth16, PLONK} {
		k := smallKey(f, b)
		vkEnd := 10 + int(binary.BigEndian.Uint32(k[6:]))
		f.Add(k)
		f.Add(k[:vkEnd])
		f.Add(k[:vkEnd+40])
		f.Add(k[:len(k)/2])
		f.Add(syntheticKey(f, b, -1, 0))
		f.Add(syntheticKey(f, b, 0, 1<<62))
	}
	f.Add([]byte("CPPK\x01\x01\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ReadProvingKey(bytes.NewReader(b))
		if err != nil {
			mustMalformed(t, err)
			if errors.Is(err, errGnarkPanicked) { // recovered, but keyGuard should have refused it
				t.Fatal(err)
			}
			return
		}
		if k.vk == nil || k.CircuitShape() != k.vk.CircuitShape() {
			t.Fatal("a key without its verifying key")
		}
	})
}

// TestReadGnarkKeyRecovers: gnark's decoder panics on a domain of 2^62
// elements whose tables it precomputes (as a real key's); past a guard
// that checks nothing, readGnarkKey returns the panic as an error
// instead.
func TestReadGnarkKeyRecovers(t *testing.T) {
	key := smallKey(t, Groth16)
	body := bytes.Clone(key[10+binary.BigEndian.Uint32(key[6:]):])
	binary.BigEndian.PutUint64(body, 1<<62)
	open := &keyGuard{r: bytes.NewReader(body), skip: 1 << 62} // passes every byte unchecked
	if err := readGnarkKey(&ProvingKey{backend: Groth16}, open); !errors.Is(err, errGnarkPanicked) {
		t.Fatalf("unchecked domain of 2^62: %v, want a recovered panic", err)
	}
}

// TestParseVerifyingKeyHugeIndex: a Groth16 verifying key whose
// commitment names a public wire index of 2^63 is refused (gnark's
// decoder panics on it: FuzzReadProvingKey found it through the
// verifying key inside a proving key).
func TestParseVerifyingKeyHugeIndex(t *testing.T) {
	k := smallKey(t, Groth16)
	vb := k[10 : 10+binary.BigEndian.Uint32(k[6:])]
	if _, err := ParseVerifyingKey(vb); err != nil {
		t.Fatal(err)
	}
	at := 6 + 288                                      // K's length
	at += 4 + 32*int(binary.BigEndian.Uint32(vb[at:])) // the commitments' public wires
	if n, m := binary.BigEndian.Uint32(vb[at:]), binary.BigEndian.Uint32(vb[at+4:]); n != 1 || m != 0 {
		t.Fatalf("committedCube's key lists %d commitments, the first of %d public wires", n, m)
	}
	for _, idx := range []uint64{1 << 63, 1<<64 - 1, 1 << 31} {
		bad := bytes.Clone(vb[:at+4])
		bad = binary.BigEndian.AppendUint32(bad, 1)
		bad = binary.BigEndian.AppendUint64(bad, idx)
		bad = append(bad, vb[at+8:]...)
		if _, err := ParseVerifyingKey(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("index %d: %v, want ErrMalformed", idx, err)
		}
		key := bytes.Clone(k[:6])
		key = binary.BigEndian.AppendUint32(key, uint32(len(bad)))
		key = append(append(key, bad...), k[10+len(vb):]...)
		if err := readKey(key); !errors.Is(err, ErrMalformed) {
			t.Errorf("proving key, index %d: %v, want ErrMalformed", idx, err)
		}
	}
}
