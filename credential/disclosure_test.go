package credential

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

func TestCredentialMessageMatchesCore(t *testing.T) {
	for seed := range byte(8) {
		c, _ := testCredential(t)
		r := detRand(seed + 20)
		for i := range c.Core.Slots {
			c.Core.Slots[i], _ = randomElement(r)
			c.Core.ClaimSalts[i], _ = randomElement(r)
		}
		c.Core.ValidUntil = uint64(seed) << 60
		c.Core.RevocationIndex = uint32(seed) * 99991
		var leaves [NumSlots]fr.Element
		for i := range leaves {
			leaves[i] = disclosureLeaf(i, c.Core.Slots[i], c.Core.ClaimSalts[i])
			if l := c.Core.DisclosureLeaf(i); !l.Equal(&leaves[i]) {
				t.Fatalf("disclosureLeaf(%d) differs from Core.DisclosureLeaf", i)
			}
		}
		got := credentialMessage(c.Core.Type, c.Core.ClaimsCommitment(), c.Core.DisclosureRoot(), c.Core.HolderBinding, c.Core.ValidUntil, c.Core.RevocationIndex)
		if want := c.Core.Message(); !got.Equal(&want) {
			t.Fatal("credentialMessage differs from Core.Message")
		}
	}
}

func TestDisclosure(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	c := w.issue(testClaims())
	d, err := c.Disclose("district", "licenceClass", "balance")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseDisclosure(doc)
	if err != nil {
		t.Fatalf("ParseDisclosure: %v\n%s", err, doc)
	}
	want := Claims{"district": c.Claims["district"], "licenceClass": "B", "balance": int64(-12)}
	if !reflect.DeepEqual(got.Revealed, want) {
		t.Fatalf("revealed %v, want %v", got.Revealed, want)
	}
	v := w.verifier(VerifierOptions{})
	if err := v.VerifyDisclosure(ctx, got, w.witness(c)); err != nil {
		t.Fatalf("VerifyDisclosure: %v", err)
	}
	// Hidden claims are not in the document.
	var m map[string]any
	_ = json.Unmarshal(doc, &m)
	if _, ok := m["revealed"].(map[string]any)["birthDate"]; ok {
		t.Fatal("hidden claim in the disclosure")
	}

	alter := []struct {
		desc string
		edit func(m map[string]any)
	}{
		{"altered string", func(m map[string]any) { obj(obj(m, "revealed"), "district")["value"] = "Ward 8" }},
		{"altered enum", func(m map[string]any) { obj(obj(m, "revealed"), "licenceClass")["value"] = "C" }},
		{"altered integer", func(m map[string]any) { obj(obj(m, "revealed"), "balance")["value"] = -11 }},
		{"absent instead of value", func(m map[string]any) { obj(obj(m, "revealed"), "balance")["value"] = nil }},
		{"altered salt", func(m map[string]any) {
			obj(obj(m, "revealed"), "balance")["salt"] = feHex(AbsentValue())
		}},
		{"altered hidden leaf", func(m map[string]any) { m["leaves"].([]any)[0] = feHex(AbsentValue()) }},
		{"extended validity", func(m map[string]any) { m["validUntil"] = "2099-01-01T23:59:59Z" }},
	}
	for _, tc := range alter {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := ParseDisclosure(mutate(t, doc, tc.edit))
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("ParseDisclosure = %v, want ErrBadSignature", err)
			}
		})
	}
	// In memory too.
	bad := *got
	bad.Revealed = Claims{"district": "Ward 8", "licenceClass": "B", "balance": int64(-12)}
	if err := v.VerifyDisclosure(ctx, &bad, w.witness(c)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("VerifyDisclosure(altered) = %v, want ErrBadSignature", err)
	}
	malformed := []struct {
		desc    string
		edit    func(m map[string]any)
		wantErr error
	}{
		{"leaf given for revealed slot", func(m map[string]any) { m["leaves"].([]any)[5] = feHex(AbsentValue()) }, ErrMalformed},
		{"leaf missing", func(m map[string]any) { m["leaves"].([]any)[0] = nil }, ErrMalformed},
		{"unknown claim", func(m map[string]any) {
			obj(m, "revealed")["nickname"] = map[string]any{"value": "x", "salt": feHex(AbsentValue())}
		}, ErrUnknownClaim},
		{"wrong claim type", func(m map[string]any) { obj(obj(m, "revealed"), "balance")["value"] = "x" }, ErrClaimType},
		{"unknown field", func(m map[string]any) { m["extra"] = 1 }, ErrMalformed},
	}
	for _, tc := range malformed {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := ParseDisclosure(mutate(t, doc, tc.edit)); !errors.Is(err, tc.wantErr) {
				t.Fatalf("ParseDisclosure = %v, want %v", err, tc.wantErr)
			}
		})
	}
	if _, err := c.Disclose("nickname"); !errors.Is(err, ErrUnknownClaim) {
		t.Fatalf("Disclose(unknown) = %v", err)
	}
}
