package identity

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestMethodRefJSON(t *testing.T) {
	for _, in := range []string{`"did:key:z#z"`, `{"id":"a","type":"Multikey","controller":"did:key:z","publicKeyMultibase":"z"}`} {
		var r MethodRef
		if err := json.Unmarshal([]byte(in), &r); err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != in {
			t.Errorf("round trip %s -> %s", in, out)
		}
	}
	for _, in := range []string{`1`, `[]`, `{"id":"a","extra":1}`} {
		var r MethodRef
		if err := json.Unmarshal([]byte(in), &r); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

// TestParseDocumentForms edits a resolved did:key document into the forms
// other implementations write, and into invalid ones.
func TestParseDocumentForms(t *testing.T) {
	k := deterministicKey(t, 9)
	doc, err := KeyResolver{}.Resolve(context.Background(), k.DID())
	if err != nil {
		t.Fatal(err)
	}
	ed, x := doc.VerificationMethod[0], doc.VerificationMethod[1]
	tests := []struct {
		desc    string
		edit    func(d *Document)
		wantErr bool
	}{
		{"as resolved", func(d *Document) {}, false},
		{"2020 form: suite types, key agreement embedded", func(d *Document) {
			d.Context = []string{ContextDIDv1, ContextEd25519_2020, ContextX25519_2020}
			d.VerificationMethod[0].Type = TypeEd25519VerificationKey2020
			d.VerificationMethod = d.VerificationMethod[:1]
			emb := x
			emb.Type = TypeX25519KeyAgreementKey2020
			d.KeyAgreement = []MethodRef{{ID: emb.ID, Embedded: &emb}}
		}, false},
		{"Multikey form without key agreement", func(d *Document) {
			d.VerificationMethod = d.VerificationMethod[:1]
			d.KeyAgreement = nil
		}, false},
		{"relationship names a method the document lacks", func(d *Document) {
			d.Authentication = []MethodRef{Ref(string(d.ID) + "#other")}
		}, true},
		{"key agreement referenced but not listed", func(d *Document) { d.VerificationMethod = d.VerificationMethod[:1] }, true},
		{"suite type for the wrong key", func(d *Document) { d.VerificationMethod[1].Type = TypeEd25519VerificationKey2020 }, true},
		{"method id not the key's", func(d *Document) { d.VerificationMethod[0].ID = string(d.ID) + "#key-1" }, true},
		{"embedded method of another controller", func(d *Document) {
			emb := ed
			emb.Controller = deterministicKey(t, 8).DID()
			d.CapabilityDelegation = []MethodRef{{ID: emb.ID, Embedded: &emb}}
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			d, _ := KeyResolver{}.Resolve(context.Background(), k.DID())
			tc.edit(d)
			b, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseDocument(b)
			if tc.wantErr != (err != nil) {
				t.Fatalf("error = %v, want error %v\n%s", err, tc.wantErr, b)
			}
			if err != nil && !errors.Is(err, ErrInvalidDocument) {
				t.Fatalf("error %v does not wrap ErrInvalidDocument", err)
			}
		})
	}
	// A string where an object or id is expected.
	b, _ := json.Marshal(doc)
	bad := strings.Replace(string(b), `"keyAgreement":["`, `"keyAgreement":[7,"`, 1)
	if _, err := ParseDocument([]byte(bad)); !errors.Is(err, ErrInvalidDocument) {
		t.Fatalf("number in keyAgreement: %v", err)
	}
}
