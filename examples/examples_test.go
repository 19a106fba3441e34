package examples_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/civicproof/civicproof"

var demos = []string{"agegate", "socialinsurance", "onewindow", "emergencyaid", "webwallet"}

// goCmd runs the go command in dir and returns its standard output.
func goCmd(t *testing.T, dir string, env []string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// TestDemosImportNoInternalPackage lists what each demo and its test import
// directly: nothing under the module's internal/ folder, which another
// module could not import.
func TestDemosImportNoInternalPackage(t *testing.T) {
	out := goCmd(t, ".", nil, "list", "-json=ImportPath,Imports,TestImports", "./...")
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p struct {
			ImportPath           string
			Imports, TestImports []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen++
		for _, imp := range append(p.Imports, p.TestImports...) {
			if strings.HasPrefix(imp, module+"/") && strings.Contains(imp+"/", "/internal/") {
				t.Errorf("%s imports %s", p.ImportPath, imp)
			}
		}
	}
	if seen < len(demos)+1 {
		t.Errorf("go list saw %d packages under examples/, want at least %d", seen, len(demos)+1)
	}
}

// TestDemosBuildFromACopy copies each demo's main.go into a new module
// outside this one, which requires civicproof (replaced by this checkout)
// and builds it, as a user who copies a demo would.
func TestDemosBuildFromACopy(t *testing.T) {
	if testing.Short() {
		t.Skip("links four programs; the full pass runs it")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/mydemos\n\ngo 1.26.0\n\nrequire " + module + " v0.0.0\n\nreplace " + module + " => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o600); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, d := range demos {
		src, err := os.ReadFile(filepath.Join(d, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, d, "main.go"), src, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Only the module cache: the copy needs nothing this checkout lacks.
	// tidy -e: the tests of dependencies' dependencies (gnark-crypto's
	// property tests, say) are never built here and need not be cached.
	offline := []string{"GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off"}
	goCmd(t, dir, offline, "mod", "tidy", "-e")
	bin := t.TempDir()
	goCmd(t, dir, offline, "build", "-o", bin, "./...")
	for _, d := range demos {
		if fi, err := os.Stat(filepath.Join(bin, d)); err != nil || fi.Size() == 0 {
			t.Errorf("no program built from the copy of %s: %v", d, err)
		}
	}
}
