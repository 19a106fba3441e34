package zkp

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestRequestV2Encoding(t *testing.T) {
	for n := 1; n <= MaxCredentials; n++ {
		fx := newFixtureV2(t, n, n == 2)
		b, err := fx.st.RequestV2.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var r RequestV2
		if err := r.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r, fx.st.RequestV2) {
			t.Fatalf("n=%d: round trip differs:\n%+v\n%+v", n, r, fx.st.RequestV2)
		}
		j, err := json.Marshal(&fx.st.RequestV2)
		if err != nil {
			t.Fatal(err)
		}
		var rj RequestV2
		if err := json.Unmarshal(j, &rj); err != nil || !reflect.DeepEqual(rj, fx.st.RequestV2) {
			t.Fatalf("n=%d: JSON round trip: %v\n%s", n, err, j)
		}
		// A v1 decoder refuses it, and the v2 decoder refuses v1.
		var v1 Request
		if err := v1.UnmarshalBinary(b); !errors.Is(err, ErrMalformed) {
			t.Fatalf("v1 decoder: %v", err)
		}
	}
	v1, _ := newFixture(t).st.Request.MarshalBinary()
	var r RequestV2
	if err := r.UnmarshalBinary(v1); !errors.Is(err, ErrMalformed) {
		t.Fatalf("v2 decoder of a v1 request: %v", err)
	}
	fx := newFixtureV2(t, 2, false)
	good, _ := fx.st.RequestV2.MarshalBinary()
	bad := map[string]func(b []byte) []byte{
		"zero credentials":   func(b []byte) []byte { b[5] = 0; return b },
		"four credentials":   func(b []byte) []byte { b[5] = 4; return b },
		"issuer form 2":      func(b []byte) []byte { b[6+34] = 2; return b },
		"trailing byte":      func(b []byte) []byte { return append(b, 0) },
		"truncated":          func(b []byte) []byte { return b[:len(b)-1] },
		"non-canonical type": func(b []byte) []byte { copy(b[6:38], bytesFF(32)); return b },
		"predicate on credential 2": func(b []byte) []byte {
			b[6+2*credReqSize+64+1] = 2 // first predicate's credential
			return b
		},
	}
	for name, mutate := range bad {
		b := mutate(append([]byte(nil), good...))
		var r RequestV2
		if err := r.UnmarshalBinary(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	// Marshal refuses what the circuit cannot express.
	r = fx.st.RequestV2
	r.Predicates = append(r.Predicates, r.Predicates[0])
	if _, err := r.MarshalBinary(); !errors.Is(err, ErrInvalidStatement) {
		t.Fatalf("five predicates: %v", err)
	}
}

func bytesFF(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 0xff
	}
	return b
}

func TestProofV2EncodingErrors(t *testing.T) {
	p := &ProofV2{Backend: Groth16, Credentials: []ProvenCredential{{Disclose: 1, RevealIssuer: true}}, raw: make([]byte, groth16UncompressedSize)}
	k := newKey(t, 3).Public().ZK()
	p.Credentials[0].IssuerX, p.Credentials[0].IssuerY = k.A.X, k.A.Y
	good, _ := p.MarshalBinary()
	var q ProofV2
	if err := q.UnmarshalBinary(good); err != nil || !reflect.DeepEqual(&q, p) {
		t.Fatalf("round trip: %v", err)
	}
	form := proofV2Header + 32
	bad := map[string]func(b []byte) []byte{
		"magic":          func(b []byte) []byte { b[3] = '1'; return b },
		"backend":        func(b []byte) []byte { b[4] = 9; return b },
		"no credentials": func(b []byte) []byte { b[5] = 0; return b },
		"form 2":         func(b []byte) []byte { b[form] = 2; return b },
		"key off curve":  func(b []byte) []byte { b[form+3+31] ^= 1; return b },
		"short groth16":  func(b []byte) []byte { return b[:len(b)-1] },
		"long groth16":   func(b []byte) []byte { return append(b, 0) },
		"mixed flags":    func(b []byte) []byte { b[len(b)-64] |= 0x80; return b },
		"non-canonical":  func(b []byte) []byte { copy(b[38:70], bytesFF(32)); return b },
		"over the limit": func(b []byte) []byte { return append(b, make([]byte, MaxProofV2Size)...) },
	}
	for name, mutate := range bad {
		var q ProofV2
		if err := q.UnmarshalBinary(mutate(append([]byte(nil), good...))); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}
