package credential

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestVectors recomputes every vector in testdata/vectors from its inputs
// (written by gen_vectors.go) and compares field element by field element.
func TestVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "vectors", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("found %d vectors, want at least 20", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var want Vector
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			if want.WantErr != "" {
				s, err := ParseSchema(want.Schema)
				if err != nil {
					t.Fatal(err)
				}
				_, err = decodeVectorClaims(s, want.Claims)
				if sentinel := vectorErrors[want.WantErr]; sentinel == nil || !errors.Is(err, sentinel) || !errors.Is(err, ErrInvalidClaim) {
					t.Fatalf("%s: error %v, want %s", want.Desc, err, want.WantErr)
				}
				return
			}
			got := want
			got.Slots, got.TypeID, got.SchemaHash, got.ClaimsCommit, got.DisclosureRoot, got.Message, got.MessageV2, got.Anchor = nil, "", "", "", "", "", "", ""
			if err := FillVector(&got); err != nil {
				t.Fatalf("%s: %v", want.Desc, err)
			}
			if !reflect.DeepEqual(got, want) {
				gj, _ := json.MarshalIndent(got, "", "  ")
				t.Fatalf("%s: recomputed vector differs:\n%s", want.Desc, gj)
			}
		})
	}
}
