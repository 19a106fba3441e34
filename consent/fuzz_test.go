package consent

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecodeRequest: decoding never panics, and whatever decodes
// re-encodes to the same bytes (binary) or the same request (JSON).
func FuzzDecodeRequest(f *testing.F) {
	r := sampleRequest(f, testKey(f, 1))
	bin, _ := r.MarshalBinary()
	js, _ := json.Marshal(r)
	f.Add(bin)
	f.Add(js)
	f.Add([]byte{})
	r3 := sampleMultiRequest(f, testKey(f, 1))
	bin, _ = r3.MarshalBinary()
	js, _ = json.Marshal(r3)
	f.Add(bin)
	f.Add(js)
	f.Fuzz(func(t *testing.T, b []byte) {
		var q Request
		if err := q.UnmarshalBinary(b); err == nil {
			again, err := q.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("binary round trip: %v", err)
			}
		}
		if q, err := ParseRequestJSON(b); err == nil {
			js, err := json.Marshal(q)
			if err != nil {
				t.Fatal(err)
			}
			q2, err := ParseRequestJSON(js)
			if err != nil || q2.ID() != q.ID() || !bytes.Equal(q2.Signature, q.Signature) {
				t.Fatalf("JSON round trip: %v", err)
			}
		}
	})
}

// FuzzDecodeGrant: as FuzzDecodeRequest, for grants.
func FuzzDecodeGrant(f *testing.F) {
	g := sampleGrant(f, testKey(f, 3), sampleRequest(f, testKey(f, 1)))
	bin, _ := g.MarshalBinary()
	js, _ := json.Marshal(g)
	f.Add(bin)
	f.Add(js)
	f.Add([]byte{'c', 'G', 1})
	g3 := sampleGrant(f, testKey(f, 3), sampleMultiRequest(f, testKey(f, 1)))
	bin, _ = g3.MarshalBinary()
	js, _ = json.Marshal(g3)
	f.Add(bin)
	f.Add(js)
	f.Fuzz(func(t *testing.T, b []byte) {
		var q Grant
		if err := q.UnmarshalBinary(b); err == nil {
			again, err := q.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("binary round trip: %v", err)
			}
		}
		if q, err := ParseGrantJSON(b); err == nil {
			js, err := json.Marshal(q)
			if err != nil {
				t.Fatal(err)
			}
			q2, err := ParseGrantJSON(js)
			if err != nil || q2.ID() != q.ID() {
				t.Fatalf("JSON round trip: %v", err)
			}
		}
	})
}

// FuzzDecodePresentation: decoding never panics, and whatever decodes
// re-encodes to the same bytes.
func FuzzDecodePresentation(f *testing.F) {
	citizen := testKey(f, 3)
	req := sampleRequest(f, testKey(f, 1))
	p := &Presentation{Request: req.ID(), Grant: sampleGrant(f, citizen, req), Type: "PersonalID/1", Issuer: testKey(f, 2).DID(), Proof: []byte{1, 2, 3}}
	if err := p.Sign(citizen); err != nil {
		f.Fatal(err)
	}
	bin, _ := p.MarshalBinary()
	f.Add(bin)
	req3 := sampleMultiRequest(f, testKey(f, 1))
	p3 := &Presentation{Request: req3.ID(), Grant: sampleGrant(f, citizen, req3), Type: "PersonalID/1",
		Also: []Presented{{Type: "Residence/2"}, {Type: "Diploma/1"}}, Proof: []byte{1, 2, 3}}
	if err := p3.Sign(citizen); err != nil {
		f.Fatal(err)
	}
	bin, _ = p3.MarshalBinary()
	js, _ := json.Marshal(p3)
	f.Add(bin)
	f.Add(js)
	f.Fuzz(func(t *testing.T, b []byte) {
		var q Presentation
		if err := q.UnmarshalBinary(b); err == nil {
			again, err := q.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("binary round trip: %v", err)
			}
		}
		if q, err := ParsePresentationJSON(b); err == nil {
			if _, err := q.MarshalBinary(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
