package consent

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// TestVectors decodes every committed vector (made by gen_vectors.go) and
// checks that it re-encodes to the same bytes and keeps its id, so that the
// wire formats and the signed bytes never change unnoticed.
func TestVectors(t *testing.T) { testVectors(t, "testdata/vectors.json", true) }

// TestVectorsFormat2 checks that the vectors of requests and grants of
// format version 2 and presentations of version 1 (written before
// version 3 added several credentials and the issuer choice) still decode,
// keep their bytes, ids and signatures, and that their JSON forms (without
// "revealIssuer") decode to the same values.
func TestVectorsFormat2(t *testing.T) { testVectors(t, "testdata/vectors-format2.json", false) }

func testVectors(t *testing.T, file string, current bool) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var vs []struct {
		Desc, Kind, Compact, ID, WantErr string
		JSON                             json.RawMessage
	}
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 5 {
		t.Fatalf("only %d vectors", len(vs))
	}
	for _, v := range vs {
		t.Run(v.Desc, func(t *testing.T) {
			b, err := hex.DecodeString(v.Compact)
			if err != nil {
				t.Fatal(err)
			}
			if v.WantErr != "" {
				want := map[string]error{"malformed": ErrMalformed, "bad-signature": ErrBadSignature}[v.WantErr]
				if want == nil {
					t.Fatalf("unknown wantErr %q", v.WantErr)
				}
				var err error
				switch v.Kind {
				case "request":
					_, err = ParseRequest(b)
				case "grant":
					_, err = ParseGrant(b)
				default:
					t.Fatalf("no attack vectors for %q", v.Kind)
				}
				if !errors.Is(err, want) {
					t.Fatalf("got %v, want %v", err, want)
				}
				return
			}
			var again, js []byte
			var id Digest
			switch v.Kind {
			case "request":
				r, err := ParseRequest(b)
				if err != nil {
					t.Fatal(err)
				}
				if rj, err := ParseRequestJSON(v.JSON); err != nil || rj.ID() != r.ID() {
					t.Fatalf("JSON form: %v", err)
				}
				again, _ = r.MarshalBinary()
				js, _ = json.Marshal(r)
				id = r.ID()
			case "grant":
				g, err := ParseGrant(b)
				if err != nil {
					t.Fatal(err)
				}
				if gj, err := ParseGrantJSON(v.JSON); err != nil || gj.ID() != g.ID() {
					t.Fatalf("JSON form: %v", err)
				}
				again, _ = g.MarshalBinary()
				js, _ = json.Marshal(g)
				id = g.ID()
			case "presentation":
				var p Presentation
				if err := p.UnmarshalBinary(b); err != nil {
					t.Fatal(err)
				}
				if err := p.verifySignatureOf(directKeys{}, p.Grant.ID()); err != nil {
					t.Fatal(err)
				}
				if pj, err := ParsePresentationJSON(v.JSON); err != nil || !bytes.Equal(pj.SignedBytes(), p.SignedBytes()) {
					t.Fatalf("JSON form: %v", err)
				}
				again, _ = p.MarshalBinary()
				js, _ = json.Marshal(&p)
			default:
				t.Fatalf("unknown kind %q", v.Kind)
			}
			if !bytes.Equal(again, b) {
				t.Fatal("compact encoding changed")
			}
			var want bytes.Buffer
			if err := json.Compact(&want, v.JSON); err != nil {
				t.Fatal(err)
			}
			if current && !bytes.Equal(js, want.Bytes()) {
				t.Fatalf("JSON encoding changed:\n%s\n%s", js, want.Bytes())
			}
			if v.ID != "" && id.String() != v.ID {
				t.Fatalf("id %s, want %s", id, v.ID)
			}
		})
	}
}
