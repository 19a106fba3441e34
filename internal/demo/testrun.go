package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun is the body of a demo's test: it runs the whole flow for real
// (real proofs of the full circuit, in short mode too) in a temporary
// directory, fails the test with the narration if run fails, and checks
// that the narration contains each of wants. It returns the narration.
//
// The key cache is TestKeyCache, shared by the demos' tests and never the
// user's: the first test binary to need keys makes them, the others load
// them (a damaged or missing entry only means a new setup).
func TestRun(t *testing.T, run RunFunc, wants ...string) string {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", TestKeyCache())
	var out bytes.Buffer
	if err := run(context.Background(), t.TempDir(), &out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range missing(out.String(), wants) {
		t.Errorf("output lacks %q", want)
	}
	return out.String()
}

// missing returns the wants that out does not contain, in order.
func missing(out string, wants []string) []string {
	var lack []string
	for _, want := range wants {
		if !strings.Contains(out, want) {
			lack = append(lack, want)
		}
	}
	return lack
}

// TestKeyCache is the cache directory of the demos' tests:
// $TMPDIR/civicproof-test-cache.
func TestKeyCache() string { return filepath.Join(os.TempDir(), "civicproof-test-cache") }
