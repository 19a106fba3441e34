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

// countedShapes are the shapes whose constraint counts
// testdata/constraints.csv pins: both backends of the v1 circuit and of
// every v2 shape.
var countedShapes = []Shape{
	ShapeV1(Groth16), ShapeV1(PLONK),
	ShapeV2(Groth16, 1), ShapeV2(Groth16, 2), ShapeV2(Groth16, 3),
	ShapeV2(PLONK, 1), ShapeV2(PLONK, 2), ShapeV2(PLONK, 3),
}

// TestConstraintCounts compiles every shape and the alternative design's
// core (alternativeCircuit) and compares the constraint counts with
// testdata/constraints.csv, so that a change of a circuit's size (here or
// in credential, revocation, issuerset or zkhash) is a deliberate one.
// After such a change:
//
//	go test ./zkp -run TestConstraintCounts -update
func TestConstraintCounts(t *testing.T) {
	got := map[string]int{}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"shape", "constraints"})
	for _, s := range countedShapes {
		ccs, err := s.ConstraintSystem()
		if err != nil {
			t.Fatal(err)
		}
		got[s.fileTag()] = ccs.GetNbConstraints()
		_ = w.Write([]string{s.fileTag(), strconv.Itoa(ccs.GetNbConstraints())})
	}
	alt, err := alternativeConstraints()
	if err != nil {
		t.Fatal(err)
	}
	got["groth16-alternative-core"] = alt
	_ = w.Write([]string{"groth16-alternative-core", strconv.Itoa(alt)})
	core, err := v2CoreConstraints()
	if err != nil {
		t.Fatal(err)
	}
	got["groth16-v2-core"] = core
	_ = w.Write([]string{"groth16-v2-core", strconv.Itoa(core)})
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
			t.Errorf("%s lists unknown shape %q", constraintsGolden, name)
		}
	}
	// The budgets of presentation proofs v2.
	if n := got["groth16-v2n1"]; n > 20000 {
		t.Errorf("v2, one credential: %d R1CS constraints, budget 20,000", n)
	}
	if n := got["groth16-v2n3"]; n > 45000 {
		t.Errorf("v2, three credentials: %d R1CS constraints, budget 45,000", n)
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
	if len(rows) == 0 || len(rows[0]) != 2 || rows[0][0] != "shape" || rows[0][1] != "constraints" {
		return nil, fmt.Errorf("%s: want header shape,constraints", path)
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
