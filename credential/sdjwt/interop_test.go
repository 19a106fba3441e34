package sdjwt_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicproof/civicproof/credential/sdjwt"
	"github.com/civicproof/civicproof/identity"
)

var updateInterop = flag.Bool("update-interop", false, "rewrite the Go-made fixtures under testdata/interop/go (interop/regenerate runs it)")

var interopDir = filepath.Join("..", "..", "testdata", "interop")

type presentationFixture struct {
	Desc         string            `json:"desc"`
	Issuer       identity.DID      `json:"issuer"`
	Audience     string            `json:"audience"`
	Nonce        string            `json:"nonce"`
	Now          int64             `json:"now"`
	Disclosed    map[string]string `json:"disclosed"`
	Undisclosed  []string          `json:"undisclosed"`
	Issued       string            `json:"issued,omitempty"`
	Presentation string            `json:"presentation"`
}

// TestInteropNodePresentation verifies an SD-JWT VC presentation made by
// @sd-jwt/sd-jwt-vc (testdata/interop/node/sdjwt, interop/regenerate).
func TestInteropNodePresentation(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(interopDir, "node", "sdjwt", "presentation.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx presentationFixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	opts := sdjwt.VerifyOptions{Audience: fx.Audience, Nonce: fx.Nonce, Trusted: []identity.DID{fx.Issuer},
		Now: func() time.Time { return time.Unix(fx.Now, 0) }}
	p, err := sdjwt.VerifyPresentation(fx.Presentation, opts)
	if err != nil {
		t.Fatalf("%s: %v", fx.Desc, err)
	}
	if len(p.Disclosed) != len(fx.Disclosed) {
		t.Fatalf("disclosed %d claims, want %d", len(p.Disclosed), len(fx.Disclosed))
	}
	for name, want := range fx.Disclosed {
		var got string
		if err := json.Unmarshal(p.Disclosed[name], &got); err != nil || got != want {
			t.Errorf("%s = %s, want %q", name, p.Disclosed[name], want)
		}
	}
	for _, name := range fx.Undisclosed {
		if _, ok := p.Disclosed[name]; ok {
			t.Errorf("%s disclosed", name)
		}
	}
	// Refusals on the foreign presentation.
	wrongNonce := opts
	wrongNonce.Nonce = "other"
	if _, err := sdjwt.VerifyPresentation(fx.Presentation, wrongNonce); !errors.Is(err, sdjwt.ErrKeyBinding) {
		t.Errorf("wrong nonce: %v", err)
	}
	cut := fx.Presentation[:strings.Index(fx.Presentation, "~")+1] + fx.Presentation[strings.LastIndex(fx.Presentation, "~")+1:]
	if _, err := sdjwt.VerifyPresentation(cut, opts); !errors.Is(err, sdjwt.ErrKeyBinding) {
		t.Errorf("disclosures removed after binding: %v", err)
	}
	other := opts
	other.Trusted = []identity.DID{"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}
	if _, err := sdjwt.VerifyPresentation(fx.Presentation, other); !errors.Is(err, sdjwt.ErrUntrusted) {
		t.Errorf("untrusted issuer: %v", err)
	}
}

// TestInteropGoPresentation writes (with -update-interop) the civicproof
// SD-JWT VC presentation that @sd-jwt/sd-jwt-vc verifies in
// interop/test/sdjwt.test.js, and checks the committed one.
func TestInteropGoPresentation(t *testing.T) {
	path := filepath.Join(interopDir, "go", "sdjwt-presentation.json")
	if *updateInterop {
		w := newWorld(t)
		pres, err := w.sd.Present(w.holder, []string{"district", "birthDate"}, "https://verifier.example/agency", "nonce-go-1", w.clock)
		if err != nil {
			t.Fatal(err)
		}
		fx := presentationFixture{
			Desc:   "civicproof SD-JWT VC (credential/sdjwt): district and birthDate disclosed, monthsPaid not, key bound",
			Issuer: w.agency.DID(), Audience: "https://verifier.example/agency", Nonce: "nonce-go-1", Now: w.clock.Unix(),
			Disclosed: map[string]string{"district": "Ward 3", "birthDate": "2000-02-29"}, Undisclosed: []string{"monthsPaid"},
			Issued: w.sd.String(), Presentation: pres,
		}
		b, err := json.MarshalIndent(fx, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fx presentationFixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if _, err := sdjwt.VerifyPresentation(fx.Presentation, sdjwt.VerifyOptions{Audience: fx.Audience, Nonce: fx.Nonce,
		Trusted: []identity.DID{fx.Issuer}, Now: func() time.Time { return time.Unix(fx.Now, 0) }}); err != nil {
		t.Fatalf("committed fixture: %v", err)
	}
}
