package readme_test

import (
	"os"
	"strings"
	"testing"
)

// between returns the lines strictly between the lines containing start
// and end, with one leading tab removed from each when unindent is set.
func between(t *testing.T, text, start, end string, unindent bool) string {
	t.Helper()
	var out []string
	in := false
	for _, l := range strings.Split(text, "\n") {
		switch {
		case strings.Contains(l, start):
			in = true
		case strings.Contains(l, end):
			return strings.Join(out, "\n")
		case in && unindent:
			out = append(out, strings.TrimPrefix(l, "\t"))
		case in:
			out = append(out, l)
		}
	}
	t.Fatalf("markers %q/%q not found", start, end)
	return ""
}

func TestReadmeShowsTheExample(t *testing.T) {
	ex, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	rd, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := between(t, string(ex), "// README START", "// README END", true)
	got := between(t, string(rd), "<!-- README START -->", "<!-- README END -->", false)
	got = strings.TrimSuffix(strings.TrimPrefix(got, "```go\n"), "\n```")
	if got != want {
		t.Errorf("README.md's sample differs from internal/readme/example_test.go:\n--- README\n%s\n--- example\n%s", got, want)
	}
}
