package zkp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func writeCS(t testing.TB) ([]byte, [32]byte) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := WriteConstraintSystem(&buf, Groth16); err != nil {
		t.Fatal(err)
	}
	d, err := CircuitDigest(Groth16)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), d
}

// TestLoadConstraintSystemFresh loads the written circuit in a fresh
// process (this test binary, re-run) that never compiles it, and compares
// what it loaded with what this process compiled.
func TestLoadConstraintSystemFresh(t *testing.T) {
	if f := os.Getenv("CIVICPROOF_CS_FILE"); f != "" {
		loadChild(t, f)
		return
	}
	b, d := writeCS(t)
	f := filepath.Join(t.TempDir(), "cs.bin")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadConstraintSystemFresh$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CIVICPROOF_CS_FILE="+f, "CIVICPROOF_CS_DIGEST="+hex.EncodeToString(d[:]))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	ccs, err := ConstraintSystem(Groth16)
	if err != nil {
		t.Fatal(err)
	}
	want := "constraints=" + strconv.Itoa(ccs.GetNbConstraints())
	if !bytes.Contains(out, []byte(want)) {
		t.Fatalf("child loaded another circuit: want %s in\n%s", want, out)
	}
}

func loadChild(t *testing.T, f string) {
	d, err := hex.DecodeString(os.Getenv("CIVICPROOF_CS_DIGEST"))
	if err != nil || len(d) != 32 {
		t.Fatal("bad digest in the environment")
	}
	r, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	be, err := LoadConstraintSystem(r, [32]byte(d))
	if err != nil || be != Groth16 {
		t.Fatalf("LoadConstraintSystem = %v, %v", be, err)
	}
	got, err := CircuitDigest(Groth16)
	if err != nil || got != [32]byte(d) {
		t.Fatalf("CircuitDigest after load = %x, %v", got, err)
	}
	ccs, err := ConstraintSystem(Groth16)
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("constraints=" + strconv.Itoa(ccs.GetNbConstraints()) + "\n")
}

func TestLoadConstraintSystemRefusals(t *testing.T) {
	good, d := writeCS(t)
	other := d
	other[0] ^= 1
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	for _, tc := range []struct {
		desc    string
		in      []byte
		want    [32]byte
		wantErr error
	}{
		{"valid", good, d, nil},
		{"other-digest", good, other, ErrCircuitMismatch},
		{"modified-body", mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), d, ErrCircuitMismatch},
		{"truncated-body", good[:len(good)-100], d, ErrCircuitMismatch},
		{"trailing-garbage", append(bytes.Clone(good), 0), d, ErrCircuitMismatch},
		{"header-names-other-digest", mod(func(b []byte) []byte { b[6] ^= 1; return b }), d, ErrCircuitMismatch},
		{"bad-magic", mod(func(b []byte) []byte { b[0] = 'X'; return b }), d, ErrMalformed},
		{"bad-version", mod(func(b []byte) []byte { b[4] = 9; return b }), d, ErrMalformed},
		{"unknown-backend", mod(func(b []byte) []byte { b[5] = 7; return b }), d, ErrMalformed},
		{"truncated-header", good[:20], d, ErrMalformed},
		{"empty", nil, d, ErrMalformed},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := LoadConstraintSystem(bytes.NewReader(tc.in), tc.want)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// FuzzLoadConstraintSystem: no input panics, and nothing but the written
// file loads under the circuit's digest.
func FuzzLoadConstraintSystem(f *testing.F) {
	good, d := writeCS(f)
	f.Add(good[:csHeader])
	f.Add(append(bytes.Clone(good[:csHeader]), 1, 2, 3))
	f.Add([]byte("CPCS"))
	f.Fuzz(func(t *testing.T, in []byte) {
		_, err := LoadConstraintSystem(bytes.NewReader(in), d)
		if err == nil && !bytes.Equal(in, good) {
			t.Fatal("a file other than the circuit's loaded")
		}
	})
}

func BenchmarkLoadConstraintSystem(b *testing.B) {
	good, d := writeCS(b)
	b.SetBytes(int64(len(good)))
	for b.Loop() {
		if _, err := LoadConstraintSystem(bytes.NewReader(good), d); err != nil {
			b.Fatal(err)
		}
	}
}
