package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicproof/civicproof/identity"
)

func TestSignVerifyDataIntegrity(t *testing.T) {
	k := testKey(t, 4)
	doc := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"` +
		string(k.DID()) + `","credentialSubject":{"id":"did:example:1"}}`)
	p, err := SignDataIntegrity(doc, k.Ed25519(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(doc, &m)
	pm := map[string]any{}
	b, _ := json.Marshal(p)
	_ = json.Unmarshal(b, &pm)
	secure := func(edit func(m, p map[string]any)) []byte {
		mm, pp := map[string]any{}, map[string]any{}
		_ = json.Unmarshal(doc, &mm)
		_ = json.Unmarshal(b, &pp)
		if edit != nil {
			edit(mm, pp)
		}
		if _, ok := mm["proof"]; !ok {
			mm["proof"] = pp
		}
		out, _ := json.Marshal(mm)
		return out
	}
	trusted := DataIntegrityOptions{Trusted: []identity.DID{k.DID()}}
	if _, err := VerifyDataIntegrity(secure(nil), trusted); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc    string
		edit    func(m, p map[string]any)
		opts    DataIntegrityOptions
		wantErr error
	}{
		{"claim added", func(m, p map[string]any) { m["credentialSubject"].(map[string]any)["x"] = 1 }, trusted, ErrBadSignature},
		{"created changed", func(m, p map[string]any) { p["created"] = "2030-01-01T00:00:00Z" }, trusted, ErrBadSignature},
		{"purpose changed", func(m, p map[string]any) { p["proofPurpose"] = "authentication" }, trusted, ErrMalformed},
		{"context not a prefix", func(m, p map[string]any) { p["@context"] = []any{"https://example.org/"} }, trusted, ErrBadSignature},
		{"verification method not a did:key id", func(m, p map[string]any) { p["verificationMethod"] = string(k.DID()) + "#key-1" }, trusted, ErrMalformed},
		{"short signature", func(m, p map[string]any) { p["proofValue"] = "z3yMtsJ" }, trusted, ErrMalformed},
		{"untrusted", nil, DataIntegrityOptions{}, ErrUnknownIssuer},
		{"issuer not the signer", func(m, p map[string]any) {
			// Re-sign a document naming another issuer: valid, but by k.
			m["issuer"] = string(testKey(t, 5).DID())
			delete(m, "proof")
			raw, _ := json.Marshal(m)
			q, _ := SignDataIntegrity(raw, k.Ed25519(), testNow)
			m["proof"] = q
		}, trusted, ErrProofMismatch},
		{"no eddsa-jcs-2022 proof", func(m, p map[string]any) { m["proof"] = map[string]any{"type": "Ed25519Signature2020"} }, trusted, ErrMalformed},
		{"proof set with one bad proof", func(m, p map[string]any) {
			bad := map[string]any{}
			for k, v := range p {
				bad[k] = v
			}
			bad["created"] = "2031-01-01T00:00:00Z"
			m["proof"] = []any{p, bad}
		}, trusted, ErrBadSignature},
		{"not an object", func(m, p map[string]any) { m["proof"] = "x" }, trusted, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := VerifyDataIntegrity(secure(tc.edit), tc.opts); !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
		})
	}
	if _, err := SignDataIntegrity(secure(nil), k.Ed25519(), testNow); !errors.Is(err, ErrMalformed) {
		t.Fatalf("signing a secured document: %v", err)
	}
}

func TestLoadContext(t *testing.T) {
	for _, url := range ContextURLs() {
		b, err := LoadContext(url)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil || m["@context"] == nil {
			t.Fatalf("%s is not a JSON-LD context: %v", url, err)
		}
	}
	if _, err := LoadContext("https://example.org/context"); !errors.Is(err, ErrUnknownContext) {
		t.Fatalf("unknown URL: %v", err)
	}
	// The context defines every type civicproof writes.
	b, _ := LoadContext(ContextCivicproofV1)
	for _, term := range []string{SchemaType, StatusType, ProofType, "revocationIndex", "statusRegistry", "typeId", "holderBinding", "claimSalts", "@vocab"} {
		if !bytes.Contains(b, []byte(`"`+term+`"`)) {
			t.Errorf("context lacks %q", term)
		}
	}
}

func FuzzVerifyDataIntegrity(f *testing.F) {
	c, _ := testCredential(f)
	doc, _ := json.Marshal(c)
	f.Add(doc)
	if files, _ := filepath.Glob(filepath.Join(interopDir, "node", "credentials", "*.json")); len(files) > 0 {
		for _, file := range files {
			b, _ := os.ReadFile(file)
			var tc struct {
				Document json.RawMessage `json:"document"`
			}
			if json.Unmarshal(b, &tc) == nil {
				f.Add([]byte(tc.Document))
			}
		}
	}
	f.Add([]byte(`{"proof":[]}`))
	opts := DataIntegrityOptions{Trusted: []identity.DID{c.Issuer}}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := VerifyDataIntegrity(data, opts)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrUnknownIssuer) && !errors.Is(err, ErrProofMismatch) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if v.Issuer != c.Issuer {
			t.Fatalf("verified a document of untrusted %s", v.Issuer)
		}
	})
}

func BenchmarkVerifyDataIntegrity(b *testing.B) {
	c, _ := testCredential(b)
	doc, _ := json.Marshal(c)
	opts := DataIntegrityOptions{Trusted: []identity.DID{c.Issuer}}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyDataIntegrity(doc, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// A credential from another implementation, secured with eddsa-jcs-2022,
// verifies when its issuer's did:key is trusted.
func ExampleVerifyDataIntegrity() {
	issuer, _ := identity.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	doc := `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],` +
		`"issuer":"` + string(issuer.DID()) + `","credentialSubject":{"id":"did:example:holder"}}`
	p, _ := SignDataIntegrity([]byte(doc), issuer.Ed25519(), testNow)
	proof, _ := json.Marshal(p)
	secured := strings.TrimSuffix(doc, "}") + `,"proof":` + string(proof) + `}`

	v, err := VerifyDataIntegrity([]byte(secured), DataIntegrityOptions{Trusted: []identity.DID{issuer.DID()}})
	fmt.Println(err == nil && v.Issuer == issuer.DID())
	tampered := strings.Replace(secured, "did:example:holder", "did:example:other", 1)
	_, err = VerifyDataIntegrity([]byte(tampered), DataIntegrityOptions{Trusted: []identity.DID{issuer.DID()}})
	fmt.Println(errors.Is(err, ErrBadSignature))
	// Output:
	// true
	// true
}
