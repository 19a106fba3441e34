package main

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// buildBinary builds civicproofd into a temporary directory, so that tests
// run the program as an operator would.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "civicproofd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
