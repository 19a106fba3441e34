package ledger

import (
	"context"
	"testing"
)

// FuzzParseCheckpoint: a checkpoint note that parses is signed by the
// ledger's key, and parsing never panics.
func FuzzParseCheckpoint(f *testing.F) {
	w := newWorld(f)
	l := newMemLedger(f, w)
	mustSubmitAll(f, l, w.setupRecords(f))
	cp, err := l.Checkpoint(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	v, err := NewVerifier(DefaultOrigin, w.ledgerKey.Public().Ed25519())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cp.Note)
	f.Add([]byte{})
	f.Add([]byte(DefaultOrigin + "\n1\nAAAA\n\n— x y\n"))
	f.Fuzz(func(t *testing.T, note []byte) {
		got, err := v.ParseCheckpoint(note)
		if err != nil {
			return
		}
		if got.Size > cp.Size && string(note) != string(cp.Note) {
			t.Fatalf("accepted a checkpoint of size %d the ledger never signed", got.Size)
		}
	})
}
