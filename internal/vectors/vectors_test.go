package vectors

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadRefusesAnEmptyFolder(t *testing.T) {
	if _, err := Load(t.TempDir()); err == nil {
		t.Fatal("Load of a folder without vectors succeeded")
	}
}

func TestWriteIsStable(t *testing.T) {
	dir := t.TempDir()
	built := map[string]map[string]int{"b": {"y": 2, "x": 1}, "a": {}}
	if err := Write(dir, built); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "b.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"x\": 1,\n  \"y\": 2\n}\n"; string(got) != want {
		t.Fatalf("b.json = %q, want %q", got, want)
	}
	files, err := Load(dir)
	if err != nil || len(files) != 2 || files[0].Name != "a" || files[1].Name != "b" {
		t.Fatalf("Load = %v, %v", files, err)
	}
	if m := Missing(built, files); len(m) != 0 {
		t.Fatalf("Missing = %v", m)
	}
}
