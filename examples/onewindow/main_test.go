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

// TestRun runs the whole demo for real (short mode too): three issuers,
// three requests, three grants, three real proofs verified, the citizen's
// access log and its inclusion in a signed checkpoint.
func TestRun(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", filepath.Join(os.TempDir(), "civicproof-test-cache"))
	var out bytes.Buffer
	if err := run(context.Background(), t.TempDir(), narrate.New(&out, nil)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if got := strings.Count(out.String(), " yes ("); got != 3 {
		t.Errorf("%d answers accepted, want 3:\n%s", got, out.String())
	}
	for _, want := range []string{
		"Application accepted: three yes/no facts",
		"All 3 records are included in the checkpoint",
		"onewindow: all steps passed.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
