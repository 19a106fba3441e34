//go:build !js && !wasip1

package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/civicproof/civicproof/ledger"
)

// A ledger file is created explicitly, damaged (cut short), found damaged
// by VerifyFile, and repaired: Repair refuses to drop the acknowledged
// record the cut destroyed until truncation is allowed, and says how many
// records that drops.
func ExampleRepair() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "ledger-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ledger.db")
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	ledgerKey, root, registry := seededKey(1), seededKey(2), seededKey(3)

	if _, err := ledger.Open(path, ledgerKey); errors.Is(err, ledger.ErrNotExist) {
		fmt.Println("no ledger yet: Open does not create one")
	}
	l, err := ledger.Create(path, ledgerKey, ledger.WithClock(func() time.Time { return now }))
	if err != nil {
		panic(err)
	}
	gov, _ := ledger.NewRecord(root.DID(), now, &ledger.GovernanceInit{Name: "Ministry"}).Sign(root)
	reg, _ := ledger.NewRecord(registry.DID(), now, &ledger.AgencyRegister{Key: registry.Public(), Name: "Civil Registry"}).Sign(registry)
	for _, sr := range []*ledger.SignedRecord{gov, reg} {
		if _, err := l.Submit(ctx, sr); err != nil {
			panic(err)
		}
	}
	l.Close()

	// The last 50 bytes are lost.
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, raw[:len(raw)-50], 0o600)

	_, err = ledger.Open(path, ledgerKey)
	var ce *ledger.CorruptError
	fmt.Println("open:", errors.Is(err, ledger.ErrCorrupt), errors.As(err, &ce) && ce.Offset > 0)
	rep, err := ledger.VerifyFile(ctx, path)
	fmt.Println("verify:", errors.Is(err, ledger.ErrCorrupt), "intact records:", rep.Records, "acknowledged:", rep.Acknowledged)

	fix, err := ledger.Repair(ctx, path, ledger.RepairOptions{})
	fmt.Println("repair:", errors.Is(err, ledger.ErrRepairRefused), "would drop:", fix.Dropped)
	fix, err = ledger.Repair(ctx, path, ledger.RepairOptions{Truncate: true})
	fmt.Println("repair -truncate:", err, "kept:", fix.Records, "dropped:", fix.Dropped)

	l, err = ledger.Open(path, ledgerKey)
	if err != nil {
		panic(err)
	}
	defer l.Close()
	fmt.Println("reopened with", l.State().Size(), "record")
	// Output:
	// no ledger yet: Open does not create one
	// open: true true
	// verify: true intact records: 1 acknowledged: 2
	// repair: true would drop: 1
	// repair -truncate: <nil> kept: 1 dropped: 1
	// reopened with 1 record
}
