package main

import (
	"context"
	"errors"
	"io"
	"testing"
)

// The ledger part runs for real; the proof step reports that it was not
// performed rather than succeeding.
func TestRun(t *testing.T) {
	err := run(context.Background(), t.TempDir(), io.Discard, nil)
	if !errors.Is(err, errProofUnavailable) {
		t.Fatalf("run = %v, want errProofUnavailable", err)
	}
}
