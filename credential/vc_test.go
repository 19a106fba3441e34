package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/civicproof/civicproof/identity"
)

func TestCredentialJSONRoundTrip(t *testing.T) {
	c, secret := testCredential(t)
	doc, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseCredential(doc)
	if err != nil {
		t.Fatalf("ParseCredential: %v\n%s", err, doc)
	}
	if !reflect.DeepEqual(got.Claims, c.Claims) {
		t.Errorf("claims differ:\n got %#v\nwant %#v", got.Claims, c.Claims)
	}
	if got.Core != c.Core {
		t.Error("core differs after round trip")
	}
	if !bytes.Equal(got.Signature, c.Signature) || got.Issuer != c.Issuer || got.Holder != c.Holder ||
		!got.ValidFrom.Equal(c.ValidFrom) || !got.IssuerKey.Equal(c.IssuerKey) {
		t.Error("credential fields differ after round trip")
	}
	doc2, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc, doc2) {
		t.Errorf("re-encoding differs:\n%s\n%s", doc, doc2)
	}
	if err := got.CheckHolder(secret); err != nil {
		t.Fatal(err)
	}
	var other = secret
	other.SetUint64(7)
	if err := got.CheckHolder(other); !errors.Is(err, ErrHolderMismatch) {
		t.Fatalf("CheckHolder(wrong) = %v, want ErrHolderMismatch", err)
	}
	// The document has the VC 2.0 shape.
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"@context", "type", "issuer", "validFrom", "validUntil", "credentialSubject", "credentialStatus", "proof"} {
		if _, ok := m[k]; !ok {
			t.Errorf("document lacks %q", k)
		}
	}
	if m["validUntil"] != "2031-11-23T23:59:59Z" || m["validFrom"] != "2026-11-24T08:00:00Z" {
		t.Errorf("validity = %v .. %v", m["validFrom"], m["validUntil"])
	}
	// The proof set: a Data Integrity proof any W3C verifier checks, by the
	// issuer's did:key, beside the BN254 proof.
	di := diProof(m)
	if di["cryptosuite"] != CryptosuiteEdDSAJCS || di["proofPurpose"] != "assertionMethod" ||
		di["verificationMethod"] != string(c.Issuer)+"#"+strings.TrimPrefix(string(c.Issuer), "did:key:") {
		t.Errorf("Data Integrity proof = %v", di)
	}
	if got.DataIntegrity == nil || len(got.DataIntegrity.Context) == 0 {
		t.Error("parsed credential lost its Data Integrity proof")
	}
}

// The proof set may come in either order; a single-proof document in the
// earlier form (VC 2.0 context alone, BN254 proof object) still parses and
// re-encodes identically.
func TestParseCredentialForms(t *testing.T) {
	c, _ := testCredential(t)
	doc, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	swapped := mutate(t, doc, func(m map[string]any) {
		l := m["proof"].([]any)
		l[0], l[1] = l[1], l[0]
	})
	if _, err := ParseCredential(swapped); err != nil {
		t.Fatalf("swapped proof set: %v", err)
	}
	old := *c
	old.DataIntegrity = nil
	legacy, err := json.Marshal(&old)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(legacy, []byte(ContextCivicproofV1)) || !bytes.Contains(legacy, []byte(`"proof":{"type":"`+ProofType)) {
		t.Fatalf("earlier form = %s", legacy)
	}
	got, err := ParseCredential(legacy)
	if err != nil {
		t.Fatalf("earlier form: %v", err)
	}
	if got.DataIntegrity != nil {
		t.Error("earlier form grew a Data Integrity proof")
	}
	again, _ := json.Marshal(got)
	if !bytes.Equal(again, legacy) {
		t.Error("earlier form does not re-encode identically")
	}
	// The earlier form with the new context is neither form.
	mixed := mutate(t, legacy, func(m map[string]any) { m["@context"] = []any{ContextV2, ContextCivicproofV1} })
	if _, err := ParseCredential(mixed); !errors.Is(err, ErrMalformed) {
		t.Fatalf("mixed form: %v", err)
	}
}

// mutate applies a JSON-level edit to a document.
func mutate(t *testing.T, doc []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func obj(m map[string]any, k string) map[string]any { return m[k].(map[string]any) }

// proofOfType returns the proof of the set whose type is typ.
func proofOfType(m map[string]any, typ string) map[string]any {
	for _, p := range m["proof"].([]any) {
		if p.(map[string]any)["type"] == typ {
			return p.(map[string]any)
		}
	}
	panic("no proof of type " + typ)
}

func bnProof(m map[string]any) map[string]any { return proofOfType(m, ProofType) }
func diProof(m map[string]any) map[string]any { return proofOfType(m, DataIntegrityType) }

// resign replaces the document's Data Integrity proof with one made by key
// at created.
func resign(t *testing.T, m map[string]any, key *identity.PrivateKey, created time.Time) {
	t.Helper()
	proofs := m["proof"]
	delete(m, "proof")
	unsecured, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	p, err := SignDataIntegrity(unsecured, key.Ed25519(), created)
	if err != nil {
		t.Fatal(err)
	}
	var pm map[string]any
	b, _ := json.Marshal(p)
	if err := json.Unmarshal(b, &pm); err != nil {
		t.Fatal(err)
	}
	m["proof"] = proofs
	list := m["proof"].([]any)
	for i, q := range list {
		if q.(map[string]any)["type"] == DataIntegrityType {
			list[i] = pm
		}
	}
}

func TestParseCredentialRejects(t *testing.T) {
	c, _ := testCredential(t)
	doc, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	other := testKey(t, 3)
	tests := []struct {
		desc    string
		edit    func(m map[string]any)
		wantErr error
	}{
		{"altered claim", func(m map[string]any) { obj(m, "credentialSubject")["monthsPaid"] = 31 }, ErrBadSignature},
		{"altered string claim", func(m map[string]any) { obj(m, "credentialSubject")["district"] = "Ward 8" }, ErrBadSignature},
		{"dropped optional claim", func(m map[string]any) { delete(obj(m, "credentialSubject"), "balance") }, ErrBadSignature},
		{"extended validity", func(m map[string]any) { m["validUntil"] = "2041-11-23T23:59:59Z" }, ErrBadSignature},
		{"changed revocation index", func(m map[string]any) { obj(m, "credentialStatus")["revocationIndex"] = 4243 }, ErrBadSignature},
		{"changed holder binding", func(m map[string]any) {
			bnProof(m)["holderBinding"] = "0x0000000000000000000000000000000000000000000000000000000000000001"
		}, ErrBadSignature},
		{"changed salt", func(m map[string]any) {
			bnProof(m)["claimSalts"].([]any)[3] = "0x0000000000000000000000000000000000000000000000000000000000000001"
		}, ErrBadSignature},
		{"other issuer key", func(m map[string]any) {
			m["issuer"] = string(other.DID())
			obj(m, "credentialStatus")["statusRegistry"] = string(other.DID())
			bnProof(m)["verificationMethod"] = verificationMethod(other.DID(), other.Public().ZK())
		}, ErrBadSignature},
		{"claim not in schema", func(m map[string]any) { obj(m, "credentialSubject")["nickname"] = "x" }, ErrUnknownClaim},
		{"missing required claim", func(m map[string]any) { delete(obj(m, "credentialSubject"), "district") }, ErrMissingClaim},
		{"claim of wrong type", func(m map[string]any) { obj(m, "credentialSubject")["resident"] = "yes" }, ErrClaimType},
		{"claim out of range", func(m map[string]any) { obj(m, "credentialSubject")["monthsPaid"] = 601 }, ErrClaimRange},
		{"fractional integer", func(m map[string]any) { obj(m, "credentialSubject")["monthsPaid"] = 30.5 }, ErrClaimType},
		{"unknown field", func(m map[string]any) { m["evidence"] = "x" }, ErrMalformed},
		{"no context", func(m map[string]any) { delete(m, "@context") }, ErrMalformed},
		{"v1 context", func(m map[string]any) { m["@context"] = []string{"https://www.w3.org/2018/credentials/v1"} }, ErrMalformed},
		{"wrong type list", func(m map[string]any) { m["type"] = []string{"VerifiableCredential"} }, ErrMalformed},
		{"type not schema", func(m map[string]any) { m["type"] = []string{"VerifiableCredential", "Other"} }, ErrMalformed},
		{"bad issuer", func(m map[string]any) { m["issuer"] = "did:web:example.org" }, ErrMalformed},
		{"validFrom not UTC", func(m map[string]any) { m["validFrom"] = "2026-11-24T09:00:00+01:00" }, ErrMalformed},
		{"validUntil mid-day", func(m map[string]any) { m["validUntil"] = "2031-11-23T12:00:00Z" }, ErrMalformed},
		{"schema id mismatch", func(m map[string]any) {
			obj(m, "credentialSchema")["id"] = schemaIDPrefix + strings.Repeat("0", 64)
		}, ErrMalformed},
		{"schema altered", func(m map[string]any) {
			obj(obj(m, "credentialSchema"), "schema")["version"] = 2
		}, ErrMalformed},
		{"id mismatch", func(m map[string]any) { m["id"] = credentialIDPrefix + strings.Repeat("0", 64) }, ErrMalformed},
		{"status registry not issuer", func(m map[string]any) {
			obj(m, "credentialStatus")["statusRegistry"] = string(other.DID())
		}, ErrMalformed},
		{"revocation index out of range", func(m map[string]any) { obj(m, "credentialStatus")["revocationIndex"] = 1 << 32 }, ErrMalformed},
		{"non-canonical field element", func(m map[string]any) {
			bnProof(m)["salt"] = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
		}, ErrMalformed},
		{"uppercase hex", func(m map[string]any) {
			p := bnProof(m)
			p["salt"] = strings.ToUpper(p["salt"].(string)[2:])
		}, ErrMalformed},
		{"15 claim salts", func(m map[string]any) {
			p := bnProof(m)
			p["claimSalts"] = p["claimSalts"].([]any)[:15]
		}, ErrMalformed},
		{"typeId mismatch", func(m map[string]any) { bnProof(m)["typeId"] = feHex(TypeID("Other", 1)) }, ErrMalformed},
		{"truncated signature", func(m map[string]any) {
			p := bnProof(m)
			p["proofValue"] = p["proofValue"].(string)[:40]
		}, ErrMalformed},
		{"signature not multibase", func(m map[string]any) { bnProof(m)["proofValue"] = "AAAA" }, ErrMalformed},
		{"verification method of another DID", func(m map[string]any) {
			bnProof(m)["verificationMethod"] = verificationMethod(other.DID(), other.Public().ZK())
		}, ErrMalformed},
		{"wrong proof type", func(m map[string]any) { bnProof(m)["type"] = "DataIntegrityProof" }, ErrMalformed},
		{"subject not object", func(m map[string]any) { m["credentialSubject"] = []any{} }, ErrMalformed},
		// Fields only the Data Integrity proof covers.
		{"altered validFrom", func(m map[string]any) { m["validFrom"] = "2026-11-25T08:00:00Z" }, ErrBadSignature},
		{"altered holder", func(m map[string]any) { obj(m, "credentialSubject")["id"] = string(other.DID()) }, ErrBadSignature},
		{"altered Data Integrity signature", func(m map[string]any) {
			p := diProof(m)
			v := []byte(p["proofValue"].(string))
			v[10] ^= 1
			p["proofValue"] = string(v)
		}, ErrBadSignature},
		{"Data Integrity proof without its @context", func(m map[string]any) { delete(diProof(m), "@context") }, ErrBadSignature},
		{"Data Integrity proof by another key", func(m map[string]any) { resign(t, m, other, testNow) }, ErrProofMismatch},
		{"Data Integrity proof created later", func(m map[string]any) { resign(t, m, testKey(t, 1), testNow.Add(time.Hour)) }, ErrProofMismatch},
		{"Data Integrity proof dropped", func(m map[string]any) { m["proof"] = bnProof(m) }, ErrMalformed},
		{"BN254 proof dropped", func(m map[string]any) { m["proof"] = diProof(m) }, ErrMalformed},
		{"third proof", func(m map[string]any) { m["proof"] = append(m["proof"].([]any), diProof(m)) }, ErrMalformed},
		{"empty proof set", func(m map[string]any) { m["proof"] = []any{} }, ErrMalformed},
		{"extra context", func(m map[string]any) {
			m["@context"] = append(m["@context"].([]any), map[string]any{"@vocab": "https://example.org/#"})
		}, ErrMalformed},
		{"contexts swapped", func(m map[string]any) {
			m["@context"] = []any{ContextCivicproofV1, ContextV2}
		}, ErrMalformed},
		{"bad holder DID", func(m map[string]any) { obj(m, "credentialSubject")["id"] = "did:key:zzz" }, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := ParseCredential(mutate(t, doc, tc.edit))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
		})
	}
	// Cut-and-pad: every truncation and trailing garbage is refused.
	for n := 0; n < len(doc); n += 7 {
		if _, err := ParseCredential(doc[:n]); err == nil {
			t.Fatalf("truncated document (%d bytes) accepted", n)
		}
	}
	if _, err := ParseCredential(append(append([]byte{}, doc...), " {}"...)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("trailing data: %v", err)
	}
}

func TestSealOpen(t *testing.T) {
	c, _ := testCredential(t)
	holder := testKey(t, 2)
	ct, err := Seal(c, holder.Public())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(holder, ct)
	if err != nil {
		t.Fatal(err)
	}
	if got.Anchor() != c.Anchor() {
		t.Fatal("opened credential differs")
	}
	if _, err := Open(testKey(t, 3), ct); !errors.Is(err, identity.ErrDecrypt) {
		t.Fatalf("Open with another key = %v, want identity.ErrDecrypt", err)
	}
	ct[len(ct)-1] ^= 1
	if _, err := Open(holder, ct); !errors.Is(err, identity.ErrDecrypt) {
		t.Fatalf("Open of altered ciphertext = %v, want identity.ErrDecrypt", err)
	}
}

func TestSignRejects(t *testing.T) {
	s := testSchema(t)
	key := testKey(t, 1)
	secret, _ := NewHolderSecret(detRand(9))
	good := Request{HolderBinding: HolderBinding(secret), Claims: testClaims(), ValidUntil: testNow.AddDate(1, 0, 0)}
	tests := []struct {
		desc    string
		edit    func(r *Request)
		index   uint32
		wantErr error
	}{
		{"bad claims", func(r *Request) { r.Claims = Claims{"birthDate": "x"} }, 1, ErrInvalidClaim},
		{"zero binding", func(r *Request) { r.HolderBinding.SetZero() }, 1, ErrInvalidRequest},
		{"expired at issuance", func(r *Request) { r.ValidUntil = testNow.AddDate(0, 0, -1) }, 1, ErrInvalidRequest},
		{"bad holder", func(r *Request) { r.Holder = "did:key:nope" }, 1, ErrInvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			r := good
			r.Claims = testClaims()
			tc.edit(&r)
			if _, err := Sign(detRand(1), key, s, &r, tc.index, testNow); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Sign error = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func FuzzDecodeCredential(f *testing.F) {
	c, _ := testCredential(f)
	doc, err := json.Marshal(c)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCredential(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("re-encoding a parsed credential: %v", err)
		}
		c2, err := ParseCredential(out)
		if err != nil {
			t.Fatalf("re-parsing: %v", err)
		}
		out2, _ := json.Marshal(c2)
		if !bytes.Equal(out, out2) {
			t.Fatal("encoding is not stable")
		}
		if c2.Anchor() != c.Anchor() {
			t.Fatal("anchor changed across a round trip")
		}
	})
}
