package vectors

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// File is one vector file: its case name (the file name without .json)
// and its bytes.
type File struct {
	Name string
	Data []byte
}

// Write writes each built case to dir/<name>.json, indented, with a final
// newline, creating dir if needed.
func Write[V any](dir string, built map[string]V) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, v := range built {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("vectors: %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".json"), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Load reads every dir/*.json, sorted by name. It is an error for dir to
// hold none.
func Load(dir string) ([]File, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("vectors: no vectors in %s (run the test with -update)", dir)
	}
	slices.Sort(paths)
	files := make([]File, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Name: strings.TrimSuffix(filepath.Base(p), ".json"), Data: b})
	}
	return files, nil
}

// Missing returns, sorted, the names of built cases that have no file.
func Missing[V any](built map[string]V, files []File) []string {
	var out []string
	for name := range built {
		if !slices.ContainsFunc(files, func(f File) bool { return f.Name == name }) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
