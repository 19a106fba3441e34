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

// TestRun runs the whole demo for real (short mode too): issuance,
// consent, real proofs, the correction, the refusal of the superseded
// credential and the acceptance of the corrected one.
func TestRun(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", filepath.Join(os.TempDir(), "civicproof-test-cache"))
	var out bytes.Buffer
	if err := run(context.Background(), t.TempDir(), narrate.New(&out, nil)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if got := strings.Count(out.String(), "Accepted: ≥ 24 of the last 36 months paid"); got != 2 {
		t.Errorf("%d presentations accepted, want 2 (before and after the correction):\n%s", got, out.String())
	}
	for _, want := range []string{
		"Old record refused by the agency: consent: revocation root missing or stale",
		"One ledger batch: new credential, new revocation root, link",
		"socialinsurance: all steps passed.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
