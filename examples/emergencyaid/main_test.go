package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRun runs the whole demo: real issuance, two accepted claims, a
// double claim refused by its nullifier, an unaffected resident unable to
// prove, and the audit of the supplies total.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("proves with the full circuit; run without -short")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // do not touch the user's key cache
	var out bytes.Buffer
	if err := run(context.Background(), t.TempDir(), &out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"Accepted. The agency saw a wallet pseudonym and nullifier hash",
		"Refused: consent: nullifier already used in this scope",
		"Wallet: zkp: credential does not satisfy the statement",
		"Sum of the 2 events = 21 = state.AgencyTotal",
		"all steps passed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
