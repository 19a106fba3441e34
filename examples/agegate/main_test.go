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
// consent, a real proof verified, the replay and withdrawal refusals. The
// proving key is cached for the demos' tests outside the user's cache.
func TestRun(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", filepath.Join(os.TempDir(), "civicproof-test-cache"))
	var out bytes.Buffer
	if err := run(context.Background(), t.TempDir(), narrate.New(&out, nil)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"Accepted: 18 or older; disclosed: 0 claims",
		"Refused: consent: nonce already used",
		"Wallet: consent: grant withdrawn [grant ",
		"agegate: all steps passed.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
