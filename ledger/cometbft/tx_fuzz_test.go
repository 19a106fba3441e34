package cometbft

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

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

// FuzzSnapshotChunk: a snapshot chunk from a peer either decodes to the
// records asked for or is refused with ledger.ErrInvalidRecord.
func FuzzSnapshotChunk(f *testing.F) {
	w := newWorld(f)
	var good []byte
	for _, sr := range w.setupRecords(f)[:3] {
		b, _ := sr.Bytes()
		good = binary.AppendUvarint(good, uint64(len(b)))
		good = append(good, b...)
	}
	f.Add(good, uint8(3))
	f.Add(good[:len(good)-1], uint8(3))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, uint8(1))
	f.Fuzz(func(t *testing.T, chunk []byte, want uint8) {
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
