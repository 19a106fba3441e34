package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

func seededKey(t *testing.T, b byte) *identity.PrivateKey {
	k, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// makeLedger writes a ledger of four records in four commits.
func makeLedger(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	ledgerKey, root, registry := seededKey(t, 1), seededKey(t, 2), seededKey(t, 3)
	l, err := ledger.Create(path, ledgerKey, ledger.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, s := range []struct {
		key *identity.PrivateKey
		p   ledger.Payload
	}{
		{root, &ledger.GovernanceInit{Name: "Ministry"}},
		{registry, &ledger.AgencyRegister{Key: registry.Public(), Name: "Civil Registry"}},
		{root, &ledger.Accredit{Agency: registry.DID(), Role: ledger.RoleIssuer, Types: []string{"Age"}}},
		{root, &ledger.Accredit{Agency: registry.DID(), Role: ledger.RoleIssuer, Types: []string{"Residence"}}},
	} {
		sr, err := ledger.NewRecord(s.key.DID(), now, s.p).Sign(s.key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Submit(ctx, sr); err != nil {
			t.Fatal(err)
		}
	}
}

// civicproofd runs the binary and returns its output and exit status.
func civicproofd(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &ee):
		return out.String(), ee.ExitCode()
	}
	t.Fatal(err)
	return "", -1
}

func TestVerifyRepairCommands(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	backup := filepath.Join(dir, "backup.db")
	makeLedger(t, path)
	clean, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(backup, clean, 0o600)

	if out, code := civicproofd(t, bin, "verify", "-ledger", path); code != 0 || !strings.Contains(out, "4 records in 5 commits") || !strings.HasSuffix(out, "OK\n") {
		t.Fatalf("verify clean: %d\n%s", code, out)
	}
	if out, code := civicproofd(t, bin, "verify"); code != 2 {
		t.Fatalf("verify without -ledger: %d\n%s", code, out)
	}
	if out, code := civicproofd(t, bin, "verify", "-ledger", filepath.Join(dir, "missing.db")); code != 1 || !strings.Contains(out, "no such ledger") {
		t.Fatalf("verify missing: %d\n%s", code, out)
	}
	if out, code := civicproofd(t, bin, "frobnicate"); code != 2 || !strings.Contains(out, "unknown command") {
		t.Fatalf("unknown command: %d\n%s", code, out)
	}

	cases := []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"byte flipped in the last record", func(b []byte) []byte { b[len(b)-300] ^= 0x20; return b }},
		{"cut short", func(b []byte) []byte { return b[:len(b)-100] }},
		{"empty", func([]byte) []byte { return nil }},
		{"garbage appended", func(b []byte) []byte { return append(b, "garbage"...) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			damaged := c.damage(bytes.Clone(clean))
			if err := os.WriteFile(path, damaged, 0o600); err != nil {
				t.Fatal(err)
			}
			out, code := civicproofd(t, bin, "verify", "-ledger", path)
			if code != 1 || !strings.Contains(out, "DAMAGED: ledger: storage corrupt") {
				t.Fatalf("verify: %d\n%s", code, out)
			}
			if c.name != "garbage appended" {
				// Without a backup or -truncate an acknowledged record
				// would be lost: refused, file untouched.
				out, code = civicproofd(t, bin, "repair", "-ledger", path)
				if code != 1 || !strings.Contains(out, "repair would drop acknowledged records") {
					t.Fatalf("repair without backup: %d\n%s", code, out)
				}
				if got, _ := os.ReadFile(path); !bytes.Equal(got, damaged) {
					t.Fatal("refused repair changed the file")
				}
			}
			out, code = civicproofd(t, bin, "repair", "-ledger", path, "-from", backup)
			if code != 0 || !strings.Contains(out, "repaired:      4 records") {
				t.Fatalf("repair from backup: %d\n%s", code, out)
			}
			if out, code := civicproofd(t, bin, "verify", "-ledger", path); code != 0 {
				t.Fatalf("verify after repair: %d\n%s", code, out)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got[80:], clean[80:]) {
				t.Fatal("repaired log differs from the backup")
			}
		})
	}

	t.Run("truncate", func(t *testing.T) {
		os.WriteFile(path, clean[:len(clean)-100], 0o600)
		out, code := civicproofd(t, bin, "repair", "-ledger", path, "-truncate")
		if code != 0 || !strings.Contains(out, "repaired:      3 records") || !strings.Contains(out, "DROPPED 1 acknowledged records") {
			t.Fatalf("repair -truncate: %d\n%s", code, out)
		}
		if out, code := civicproofd(t, bin, "verify", "-ledger", path); code != 0 || !strings.Contains(out, "3 records") {
			t.Fatalf("verify after truncation: %d\n%s", code, out)
		}
	})
}
