package ledger

import (
	"encoding/binary"
	"testing"
)

// events returns n distinct signed agency-event records by w.other.
func events(b testing.TB, w *world, n int, tag byte) []*SignedRecord {
	out := make([]*SignedRecord, n)
	for i := range out {
		var d Hash
		d[0] = tag
		binary.BigEndian.PutUint64(d[8:], uint64(i)+1)
		sr, err := NewRecord(w.other.DID(), t0, &AgencyEvent{Topic: "relief/rice-kg", Digest: d, Amount: 1}).Sign(w.other)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = sr
	}
	return out
}

var sinkBool bool

// BenchmarkStateQuery: typical verifier look-ups (accreditation at an
// index, latest revocation root, grant status).
func BenchmarkStateQuery(b *testing.B) {
	w := newWorld(b)
	s, err := Replay(fullLog(b, w))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ok := s.AccreditedAtIndex(w.issuer.DID(), RoleIssuer, "Age", 9)
		_, err1 := s.LatestRevocationRoot(w.issuer.DID())
		g, err2 := s.Grant(w.grant())
		sinkBool = ok && err1 == nil && err2 == nil && g.Withdrawn
	}
}

// BenchmarkDecodeSignedRecord: strict decoding with signature check.
func BenchmarkDecodeSignedRecord(b *testing.B) {
	w := newWorld(b)
	raw := mustBytes(b, events(b, w, 1, 5)[0])
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := DecodeSignedRecord(raw); err != nil {
			b.Fatal(err)
		}
	}
}
