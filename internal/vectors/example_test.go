package vectors_test

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/civicproof/civicproof/internal/vectors"
)

type vector struct {
	Desc    string `json:"desc"`
	Input   string `json:"input"`
	WantErr string `json:"wantErr,omitempty"`
}

func Example() {
	dir, err := os.MkdirTemp("", "vectors")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	built := map[string]vector{
		"valid":            {Desc: "a well-formed input", Input: "z6Mk"},
		"trailing-garbage": {Desc: "bytes after the value", Input: "z6Mk]", WantErr: "ErrMalformed"},
	}
	if err := vectors.Write(dir, built); err != nil { // what -update does
		fmt.Println(err)
		return
	}
	built["truncated"] = vector{Desc: "cut short", Input: "z6", WantErr: "ErrMalformed"}
	files, err := vectors.Load(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		var v vector
		if err := json.Unmarshal(f.Data, &v); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s (same as built: %v)\n", f.Name, v.Desc, v == built[f.Name])
	}
	fmt.Println("missing:", vectors.Missing(built, files))
	// Output:
	// trailing-garbage: bytes after the value (same as built: true)
	// valid: a well-formed input (same as built: true)
	// missing: [truncated]
}
