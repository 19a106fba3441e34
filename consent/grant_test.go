package consent

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/civicproof/civicproof/identity"
)

func TestGrantRoundTrip(t *testing.T) {
	agency, citizen := testKey(t, 1), testKey(t, 3)
	g := sampleGrant(t, citizen, sampleRequest(t, agency))
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	bin, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	g2, err := ParseGrant(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, g2) {
		t.Fatalf("binary round trip:\n%+v\n%+v", g, g2)
	}
	js, _ := json.Marshal(g)
	g3, err := ParseGrantJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	if g3.ID() != g.ID() {
		t.Fatal("JSON round trip changed the grant id")
	}
	want := []string{"type:PersonalID/1", "disclose:1", "predicate:2:le:20000", g.Predicates[1].Part()}
	if got := g.Parts(); !slices.Equal(got, want) {
		t.Fatalf("parts %v, want %v", got, want)
	}
	t.Logf("compact grant: %d bytes, JSON: %d bytes", len(bin), len(js))
}

func TestGrantIDDependsOnEverything(t *testing.T) {
	agency, citizen := testKey(t, 1), testKey(t, 3)
	base := sampleGrant(t, citizen, sampleRequest(t, agency))
	edits := []func(g *Grant){
		func(g *Grant) { g.UseLimit = 1 },
		func(g *Grant) { g.NotAfter = g.NotAfter.Add(time.Second) },
		func(g *Grant) { g.Salt[0] ^= 1 },
		func(g *Grant) { g.NoticeHash[0] ^= 1 },
		func(g *Grant) { g.Purpose = PurposeServiceProvision },
		func(g *Grant) { g.Disclose = nil },
	}
	seen := map[Digest]bool{base.ID(): true}
	for i, edit := range edits {
		g := *base
		edit(&g)
		if seen[g.ID()] {
			t.Fatalf("edit %d did not change the grant id", i)
		}
		seen[g.ID()] = true
		if err := g.Verify(); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("edit %d: got %v, want ErrBadSignature", i, err)
		}
	}
}

func TestGrantGuardianSigns(t *testing.T) {
	agency, ward, guardian := testKey(t, 1), testKey(t, 3), testKey(t, 4)
	g, err := NewGrant(nil, ward.DID(), sampleRequest(t, agency), t0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	g.Guardian = guardian.DID()
	if err := g.Sign(ward); !errors.Is(err, ErrMalformed) {
		t.Fatalf("ward signing a guardian grant: got %v", err)
	}
	if err := g.Sign(guardian); err != nil {
		t.Fatal(err)
	}
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	g.Guardian = ""
	if err := g.Verify(); !errors.Is(err, ErrBadSignature) || !errors.Is(err, identity.ErrBadSignature) {
		t.Fatalf("guardian removed: got %v", err)
	}
}

func TestGrantBadLengths(t *testing.T) {
	g := sampleGrant(t, testKey(t, 3), sampleRequest(t, testKey(t, 1)))
	bin, _ := g.MarshalBinary()
	for i := 0; i < len(bin); i++ {
		if _, err := ParseGrant(bin[:i]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("cut at %d: got %v", i, err)
		}
	}
	if _, err := ParseGrant(append(bytes.Clone(bin), 0)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("trailing byte: got %v", err)
	}
	for i := 0; i < len(bin); i++ {
		b := bytes.Clone(bin)
		b[i] ^= 0x80
		if _, err := ParseGrant(b); err == nil {
			t.Fatalf("flip at %d accepted", i)
		}
	}
}

func TestReceiptHash(t *testing.T) {
	g := sampleGrant(t, testKey(t, 3), sampleRequest(t, testKey(t, 1)))
	r := g.Receipt()
	if r.ReceiptID != g.ID() || r.Controller != g.Agency || r.Principal != g.Citizen || r.State != "dpv:ConsentGiven" {
		t.Fatalf("receipt fields: %+v", r)
	}
	h1, err := r.Hash()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := r.CanonicalJSON()
	// Canonical JSON: keys sorted, no insignificant whitespace.
	if !bytes.HasPrefix(c, []byte(`{"collectionMethod":`)) || bytes.Contains(c, []byte(": ")) {
		t.Fatalf("not canonical: %s", c)
	}
	r.UseLimit = 5
	if h2, _ := r.Hash(); h2 == h1 {
		t.Fatal("receipt hash ignores the use limit")
	}
}

// TestReceiptVersions: a grant of one credential position that allows
// revealing the issuer (every grant before format 3) keeps its version 2
// receipt, so receipts already anchored still match; a grant of several
// positions or hiding issuers gets a version 3 receipt naming the further
// positions' parts and the issuer choice.
func TestReceiptVersions(t *testing.T) {
	agency, citizen := testKey(t, 1), testKey(t, 3)
	revealing := sampleRequest(t, agency)
	revealing.RevealIssuer = true
	if err := revealing.Sign(agency); err != nil {
		t.Fatal(err)
	}
	r2 := sampleGrant(t, citizen, revealing).Receipt()
	if r2.Version != ReceiptVersion2 || r2.IssuerHidden {
		t.Fatalf("one-position revealing grant: receipt %s, hidden %v", r2.Version, r2.IssuerHidden)
	}
	js, err := r2.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(js, []byte("issuerHidden")) {
		t.Fatalf("version 2 receipt has a version 3 member: %s", js)
	}
	multi := sampleMultiRequest(t, agency)
	r3 := sampleGrant(t, citizen, multi).Receipt()
	if r3.Version != ReceiptVersion || !r3.IssuerHidden {
		t.Fatalf("three-position hiding grant: receipt %s, hidden %v", r3.Version, r3.IssuerHidden)
	}
	want := PartAt(3, TypePart("Insurance/1"))
	if !slices.Contains(r3.Parts, want) {
		t.Fatalf("parts %v lack %q", r3.Parts, want)
	}
	if h := sampleGrant(t, citizen, sampleRequest(t, agency)).Receipt(); h.Version != ReceiptVersion || !h.IssuerHidden {
		t.Fatalf("one-position hiding grant: receipt %s, hidden %v", h.Version, h.IssuerHidden)
	}
}
