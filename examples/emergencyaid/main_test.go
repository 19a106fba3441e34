package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicproof/civicproof/examples/narrate"
)

// TestRun runs the whole demo for real (short mode too): an accepted
// claim, a second claim refused by its nullifier, an unaffected resident
// unable to prove, and the audit of the total.
func TestRun(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", filepath.Join(os.TempDir(), "civicproof-test-cache"))
	var out bytes.Buffer
	if err := run(context.Background(), t.TempDir(), narrate.New(&out, nil)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"Ana: proved in",
		"Ana again: refused (consent: nullifier already used in this scope",
		"Cleo's wallet: zkp: credential does not satisfy the statement",
		"Auditor: 1 accepted claims in the log = the ledger's total",
		"emergencyaid: all steps passed.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
