package demo

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRun is the body of a demo's test: it runs the whole flow for real
// in a temporary directory, with the key cache in another one so that the
// user's cache is left alone, fails the test with the narration if run
// fails, and checks that the narration contains each of wants. It returns
// the narration. Under testing.Short it skips the test: demos prove with
// the full circuit.
func TestRun(t *testing.T, run RunFunc, wants ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("proves with the full circuit; run without -short")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // do not touch the user's key cache
	var out bytes.Buffer
	if err := run(context.Background(), t.TempDir(), &out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range wants {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	return out.String()
}
