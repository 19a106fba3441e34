package credential

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/civicproof/civicproof/internal/issuerset"
)

func TestDayValue(t *testing.T) {
	tests := []struct {
		at   string
		days int64
	}{
		{"1970-01-01T00:00:00Z", 0},
		{"1970-01-01T23:59:59Z", 0},
		{"1969-12-31T23:59:59Z", -1}, // floor, not truncation toward zero
		{"1969-12-31T00:00:00Z", -1},
		{"1900-03-01T12:00:00Z", -25508},
		{"2024-02-29T08:00:00Z", 19782},      // leap day
		{"2024-03-01T00:00:00+05:00", 19782}, // still 29 February in UTC
	}
	for _, tc := range tests {
		at, err := time.Parse(time.RFC3339, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := DayValue(at), uint64(tc.days)^(1<<63); got != want {
			t.Errorf("DayValue(%s) = %d days, want %d", tc.at, int64(got^(1<<63)), tc.days)
		}
	}
}

func TestCoreSignature(t *testing.T) {
	key := testKey(t, 77)
	c := Core{RevocationIndex: 5, ValidUntil: DayValue(time.Unix(0, 0))}
	c.Slots[3].SetUint64(7)
	sig, err := c.Sign(key.ZK())
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public().ZK()
	if err := c.VerifySignature(pub, sig); err != nil {
		t.Fatal(err)
	}
	tamper := []func(*Core){
		func(c *Core) { c.Slots[3].SetUint64(8) },
		func(c *Core) { c.Salt.SetUint64(1) },
		func(c *Core) { c.ClaimSalts[15].SetUint64(1) },
		func(c *Core) { c.HolderBinding.SetUint64(1) },
		func(c *Core) { c.ValidUntil++ },
		func(c *Core) { c.RevocationIndex++ },
		func(c *Core) { c.Type.SetUint64(1) },
	}
	for i, f := range tamper {
		bad := c
		f(&bad)
		if err := bad.VerifySignature(pub, sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("tamper %d: %v, want ErrBadSignature", i, err)
		}
	}
	if err := c.VerifySignature(nil, sig); !errors.Is(err, ErrBadSignature) {
		t.Errorf("nil key: %v", err)
	}
	if _, err := c.Sign(nil); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("Sign(nil) = %v", err)
	}
}

// TestDayValueIsIssuerSetDay: the issuer set's windows and the signed
// issuance day use one encoding, so the circuit compares them directly.
func TestDayValueIsIssuerSetDay(t *testing.T) {
	for _, at := range []time.Time{
		time.Unix(0, 0), time.Unix(86399, 0), time.Unix(86400, 0), time.Unix(-1, 0),
		time.Unix(-86400, 0), time.Unix(-86401, 0),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 12, 2, 8, 30, 0, 0, time.UTC), time.Date(2026, 12, 2, 1, 0, 0, 0, time.FixedZone("UTC+9", 9*3600)),
	} {
		if got, want := issuerset.Day(at), DayValue(at); got != want {
			t.Errorf("%s: issuerset.Day = %d, credential.DayValue = %d", at, got, want)
		}
	}
}

// TestMessageV2 checks what MessageV2 commits to: the issuance day and
// every field of Message, and that SignV2 verifies only over it.
func TestMessageV2(t *testing.T) {
	c, _ := testCredential(t)
	core := c.Core
	if core.IssuanceDay != DayValue(c.ValidFrom) {
		t.Fatalf("issuance day %d, want DayValue(ValidFrom) %d", core.IssuanceDay, DayValue(c.ValidFrom))
	}
	if err := core.VerifySignatureV2(c.IssuerKey, c.SignatureV2); err != nil {
		t.Fatalf("v2 signature: %v", err)
	}
	if err := core.VerifySignature(c.IssuerKey, c.SignatureV2); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("v2 signature over the v1 message: %v, want ErrBadSignature", err)
	}
	base := core.MessageV2()
	for name, mutate := range map[string]func(*Core){
		"issuance day":     func(c *Core) { c.IssuanceDay++ },
		"type":             func(c *Core) { c.Type.SetUint64(5) },
		"salt":             func(c *Core) { c.Salt.SetUint64(5) },
		"slot 15":          func(c *Core) { c.Slots[15].SetUint64(5) },
		"claim salt":       func(c *Core) { c.ClaimSalts[3].SetUint64(5) },
		"holder binding":   func(c *Core) { c.HolderBinding.SetUint64(5) },
		"valid until":      func(c *Core) { c.ValidUntil++ },
		"revocation index": func(c *Core) { c.RevocationIndex++ },
	} {
		m := core
		mutate(&m)
		if m.MessageV2() == base {
			t.Errorf("MessageV2 does not commit to the %s", name)
		}
		if err := m.VerifySignatureV2(c.IssuerKey, c.SignatureV2); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s altered: %v, want ErrBadSignature", name, err)
		}
	}
	// The document carries the v2 signature and the parser checks it.
	doc, err := c.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseCredential(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.SignatureV2, c.SignatureV2) || back.Core.IssuanceDay != core.IssuanceDay {
		t.Fatal("document does not round-trip the v2 signature and issuance day")
	}
	other, _ := testCredential(t)
	other.ValidFrom = other.ValidFrom.AddDate(0, 0, -1) // another issuance day
	if err := other.Core.VerifySignatureV2(other.IssuerKey, other.SignatureV2); err != nil {
		t.Fatal(err)
	}
	other.DataIntegrity = nil // the earlier form: no Ed25519 proof over validFrom
	doc, err = other.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCredential(doc); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("validFrom on another day than the signed issuance day: %v, want ErrBadSignature", err)
	}
}
