package readme_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain keeps the sample's proving key in the tests' cache, never the
// user's (the sample uses the user's cache, as a program would).
func TestMain(m *testing.M) {
	if err := os.Setenv("XDG_CACHE_HOME", filepath.Join(os.TempDir(), "civicproof-test-cache")); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// between returns the lines strictly between the lines containing start
// and end.
func between(t *testing.T, text, start, end string) string {
	t.Helper()
	var out []string
	in := false
	for _, l := range strings.Split(text, "\n") {
		switch {
		case strings.Contains(l, start):
			in = true
		case strings.Contains(l, end):
			return strings.Join(out, "\n")
		case in:
			out = append(out, l)
		}
	}
	t.Fatalf("markers %q/%q not found", start, end)
	return ""
}

// TestReadmeShowsTheExample: the README's program is "package main" and
// exactly the marked part of example_test.go, which Example runs.
func TestReadmeShowsTheExample(t *testing.T) {
	ex, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	rd, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := "package main\n\n" + strings.TrimSuffix(between(t, string(ex), "// README START", "// README END"), "\n")
	got := between(t, string(rd), "<!-- README START -->", "<!-- README END -->")
	got = strings.TrimSuffix(strings.TrimPrefix(got, "```go\n"), "\n```")
	if got != want {
		t.Errorf("README.md's program differs from internal/readme/example_test.go:\n--- README\n%s\n--- example\n%s", got, want)
	}
}
