package cometbft

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// FuzzDecodeTx: any bytes either decode to records whose encoding is the
// transaction again, or are refused with ledger.ErrInvalidRecord; never a
// panic.
func FuzzDecodeTx(f *testing.F) {
	w := newWorld(f)
	setup := w.setupRecords(f)
	f.Add(mustTx(f, setup[0]))
	f.Add(mustTx(f, setup[1], setup[2]))
	f.Add([]byte("[]"))
	f.Add([]byte("[1,2]"))
	f.Fuzz(func(t *testing.T, tx []byte) {
		srs, err := DecodeTx(tx)
		if err != nil {
			if !errors.Is(err, ledger.ErrInvalidRecord) {
				t.Fatalf("refusal without ErrInvalidRecord: %v", err)
			}
			return
		}
		again, err := EncodeTx(srs...)
		if err != nil || !bytes.Equal(again, tx) {
			t.Fatalf("decoded transaction does not encode back: %v", err)
		}
	})
}

// chunkOf frames records as a snapshot chunk.
func chunkOf(t testing.TB, srs ...*ledger.SignedRecord) []byte {
	t.Helper()
	var chunk []byte
	for _, sr := range srs {
		b, err := sr.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		chunk = binary.AppendUvarint(chunk, uint64(len(b)))
		chunk = append(chunk, b...)
	}
	return chunk
}

// TestSnapshotChunkFramedFirst: a chunk cut short, with trailing bytes, or
// with more or fewer records than asked for is refused from its framing
// alone, before any record is decoded or its signature verified (each
// verification costs a peer nothing and the node about 0.1 ms). The first
// record's signature is broken, so a refusal that names a bad signature
// shows the records were verified before the framing was checked.
func TestSnapshotChunkFramedFirst(t *testing.T) {
	w := newWorld(t)
	setup := w.setupRecords(t)
	bad := *setup[0]
	bad.Signature = bytes.Clone(bad.Signature)
	bad.Signature[0] ^= 1
	chunk := chunkOf(t, &bad, setup[1], setup[2])
	if _, err := decodeChunk(chunk, 3); !errors.Is(err, identity.ErrBadSignature) {
		t.Fatalf("chunk with a badly signed record: %v, want a bad signature", err)
	}
	for name, c := range map[string]struct {
		chunk []byte
		want  uint64
	}{
		"fewer records":   {chunk, 4},
		"more records":    {chunk, 2},
		"no records":      {chunk, 0},
		"cut short":       {chunk[:len(chunk)-1], 3},
		"trailing byte":   {append(bytes.Clone(chunk), 0), 3},
		"trailing length": {binary.AppendUvarint(bytes.Clone(chunk), 1), 3},
		"huge length":     {binary.AppendUvarint(bytes.Clone(chunk), 1<<63), 3},
		"huge count":      {chunk, 1 << 62},
	} {
		_, err := decodeChunk(c.chunk, c.want)
		if !errors.Is(err, ledger.ErrInvalidRecord) || errors.Is(err, identity.ErrBadSignature) {
			t.Errorf("%s: %v, want a refusal from the framing", name, err)
		}
	}
	if vrs, err := decodeChunk(chunkOf(t, setup[:3]...), 3); err != nil || len(vrs) != 3 {
		t.Fatalf("valid chunk: %d records, %v", len(vrs), err)
	}
	if vrs, err := decodeChunk(nil, 0); err != nil || len(vrs) != 0 {
		t.Fatalf("empty chunk of no records: %d records, %v", len(vrs), err)
	}
}

// maxFuzzChunk bounds the chunks FuzzSnapshotChunk decodes. Go's
// minimizer tries every removal of a run of bytes from each new
// interesting input, a number of runs quadratic in its length, and each
// run in this package's instrumented test binary costs 65 to 200 µs (most
// of it resetting and comparing coverage counters) even when the chunk is
// refused at once. An interesting input that held three setup records
// (1,100 to 1,232 bytes) took the whole -fuzzminimizetime (60 s) to
// minimize, and one of 500 bytes 28 s, with the worker reporting no
// executions meanwhile: a 30 s -fuzztime run executed nothing after its
// first seconds. One small record fits under this bound; chunks of
// several verified records are decoded by TestSnapshotChunkFramedFirst
// and the state sync tests.
const maxFuzzChunk = 256

// FuzzSnapshotChunk: a snapshot chunk from a peer either decodes to the
// records asked for or is refused with ledger.ErrInvalidRecord.
func FuzzSnapshotChunk(f *testing.F) {
	w := newWorld(f)
	one := chunkOf(f, w.sign(f, w.root, 0, &ledger.GovernanceInit{Name: "M"}))
	if len(one) > maxFuzzChunk-2 {
		f.Fatalf("seed chunk of %d bytes leaves no room under %d", len(one), maxFuzzChunk)
	}
	f.Add(one, uint8(1))
	f.Add(one[:len(one)-1], uint8(1))
	f.Add(one, uint8(0))
	f.Add(one, uint8(2))
	f.Add(append(bytes.Clone(one), 0), uint8(1))
	f.Add(append(bytes.Clone(one), 1, '{'), uint8(2))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, uint8(1))
	f.Fuzz(func(t *testing.T, chunk []byte, want uint8) {
		if len(chunk) > maxFuzzChunk {
			return
		}
		vrs, err := decodeChunk(chunk, uint64(want))
		if err != nil {
			if !errors.Is(err, ledger.ErrInvalidRecord) {
				t.Fatalf("refusal without ErrInvalidRecord: %v", err)
			}
			return
		}
		if len(vrs) != int(want) {
			t.Fatalf("%d records, asked for %d", len(vrs), want)
		}
	})
}
