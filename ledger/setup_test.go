package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/civicproof/civicproof/ledger"
)

// The set-up of a deployment: governance, an agency, its accreditation.
func ExampleAccreditAgency() {
	ctx := context.Background()
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	ministry, registry := seededKey(2), seededKey(3)
	l, err := ledger.NewInMemory(seededKey(1), ledger.WithClock(func() time.Time { return now }))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	if _, err := ledger.InitGovernance(ctx, l, ministry, "Ministry of Digital Affairs", now); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := ledger.RegisterAgency(ctx, l, registry, "Civil Registry", now); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := ledger.AccreditAgency(ctx, l, ministry, registry.DID(), ledger.RoleIssuer, []string{"Identity"}, now); err != nil {
		fmt.Println(err)
		return
	}
	a, err := l.State().Agency(registry.DID())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Name, "accredited:", l.State().IsAccredited(registry.DID(), ledger.RoleIssuer, "Identity"))
	// Output: Civil Registry accredited: true
}

func TestSetupHelpersRefuse(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	ministry, registry, other := seededKey(2), seededKey(3), seededKey(4)
	l, err := ledger.NewInMemory(seededKey(1), ledger.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := ledger.InitGovernance(ctx, l, ministry, "Ministry", now); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.RegisterAgency(ctx, l, registry, "Civil Registry", now); err != nil {
		t.Fatal(err)
	}
	size := l.State().Size()
	for _, tc := range []struct {
		desc string
		err  error
		want error
	}{
		{"an agency accredits itself", pick(ledger.AccreditAgency(ctx, l, registry, registry.DID(), ledger.RoleIssuer, []string{"Identity"}, now)), ledger.ErrUnauthorized},
		{"accrediting an unregistered agency", pick(ledger.AccreditAgency(ctx, l, ministry, other.DID(), ledger.RoleIssuer, []string{"Identity"}, now)), ledger.ErrInvalidRecord},
		{"a second registration", pick(ledger.RegisterAgency(ctx, l, registry, "Civil Registry", now)), ledger.ErrDuplicate},
		{"a record far from the ledger's clock", pick(ledger.RegisterAgency(ctx, l, other, "Other", now.Add(24*time.Hour))), ledger.ErrClock},
		{"no key", pick(ledger.RegisterAgency(ctx, l, nil, "Nobody", now)), ledger.ErrInvalidRecord},
		{"no payload", pick(ledger.SignAndSubmit(ctx, l, other, now, nil)), ledger.ErrInvalidRecord},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.desc, tc.err, tc.want)
		}
	}
	if l.State().Size() != size {
		t.Errorf("refused set-up records changed the ledger: %d records, want %d", l.State().Size(), size)
	}
}

func pick(_ ledger.Receipt, err error) error { return err }
