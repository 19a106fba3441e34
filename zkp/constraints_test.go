package zkp

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/constraints.csv with the current constraint counts")

const constraintsGolden = "testdata/constraints.csv"

// TestConstraintCounts compiles the circuit for both backends and compares
// the constraint counts with testdata/constraints.csv, so that a change of
// the circuit's size (here or in credential, revocation or zkhash) is a
// deliberate one. After such a change:
//
//	go test ./zkp -run TestConstraintCounts -update
func TestConstraintCounts(t *testing.T) {
	got := map[string]int{}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"backend", "constraints"})
	for _, b := range []Backend{Groth16, PLONK} {
		ccs, err := ConstraintSystem(b)
		if err != nil {
			t.Fatal(err)
		}
		got[b.String()] = ccs.GetNbConstraints()
		_ = w.Write([]string{b.String(), strconv.Itoa(ccs.GetNbConstraints())})
	}
	w.Flush()
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(constraintsGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(constraintsGolden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s:\n%s", constraintsGolden, buf.Bytes())
		return
	}
	want, err := readConstraints(constraintsGolden)
	if err != nil {
		t.Fatal(err)
	}
	for name, n := range got {
		if w, ok := want[name]; !ok || w != n {
			t.Errorf("%s: %d constraints, %s says %d; if the change is deliberate, run go test ./zkp -run TestConstraintCounts -update (and update the package doc)", name, n, constraintsGolden, w)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s lists unknown backend %q", constraintsGolden, name)
		}
	}
}

func readConstraints(path string) (map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 || len(rows[0]) != 2 || rows[0][0] != "backend" || rows[0][1] != "constraints" {
		return nil, fmt.Errorf("%s: want header backend,constraints", path)
	}
	out := map[string]int{}
	for _, r := range rows[1:] {
		n, err := strconv.Atoi(r[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, r[0], err)
		}
		out[r[0]] = n
	}
	return out, nil
}
