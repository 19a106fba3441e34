package ledger

import (
	"bytes"
	"testing"
)

// rawFrame is one frame of a ledger file, for tests that rewrite files.
type rawFrame struct {
	typ     byte
	payload []byte
}

// decodeFrames splits an intact ledger file into its frames.
func decodeFrames(t testing.TB, raw []byte) []rawFrame {
	t.Helper()
	fr := &frameReader{r: bytes.NewReader(raw), size: int64(len(raw)), off: headerSize}
	var out []rawFrame
	for fr.off < fr.size {
		typ, p, err := fr.next()
		if err != nil {
			t.Fatalf("frame at %d: %v", fr.off, err)
		}
		out = append(out, rawFrame{typ, append([]byte(nil), p...)})
	}
	return out
}

// encodeFrames writes frames as a ledger file with valid checksums and a
// header acknowledging all of them.
func encodeFrames(frames []rawFrame) []byte {
	var body []byte
	var count uint64
	for _, f := range frames {
		body = appendFrame(body, f.typ, f.payload)
		if f.typ == frameRecord {
			count++
		}
	}
	return append(encodeHeader(slot{gen: 7, end: uint64(headerSize + len(body)), count: count}), body...)
}
