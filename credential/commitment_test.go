package credential

import (
	"errors"
	"testing"
	"time"
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
