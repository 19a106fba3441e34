package consent

import (
	"testing"
	"time"
)

var sinkErr error

func BenchmarkParseRequest(b *testing.B) {
	bin, _ := sampleRequest(b, testKey(b, 1)).MarshalBinary()
	b.SetBytes(int64(len(bin)))
	for b.Loop() {
		_, sinkErr = ParseRequest(bin)
	}
}

func BenchmarkParseGrant(b *testing.B) {
	bin, _ := sampleGrant(b, testKey(b, 3), sampleRequest(b, testKey(b, 1))).MarshalBinary()
	b.SetBytes(int64(len(bin)))
	for b.Loop() {
		_, sinkErr = ParseGrant(bin)
	}
}

func BenchmarkCovers(b *testing.B) {
	req := sampleRequest(b, testKey(b, 1))
	st := &Status{Grant: sampleGrant(b, testKey(b, 3), req), State: StateGiven}
	now := t0.Add(time.Minute)
	for b.Loop() {
		_, sinkErr = Covers(now, req, st)
	}
}
