package cometbft

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/civicproof/civicproof/ledger"
)

// validatorKeys returns n deterministic validator keys.
func validatorKeys(n int) []ed25519.PrivateKey {
	keys := make([]ed25519.PrivateKey, n)
	for i := range keys {
		keys[i] = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(0x70 + i)}, 32))
	}
	return keys
}

func cosigned(t *testing.T, vs *ValidatorSet, keys []ed25519.PrivateKey, size uint64, root ledger.Hash) []byte {
	t.Helper()
	var notes [][]byte
	for _, k := range keys {
		n, err := CosignCheckpoint(vs.Origin(), k, size, root)
		if err != nil {
			t.Fatal(err)
		}
		notes = append(notes, n)
	}
	m, err := vs.MergeCheckpoints(notes...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// forgeLast flips a bit in the signature bytes of the note's last
// signature line, keeping its key name and hash.
func forgeLast(t *testing.T, n []byte) []byte {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(n), "\n"), "\n")
	last := lines[len(lines)-1]
	i := strings.LastIndexByte(last, ' ')
	raw, err := base64.StdEncoding.DecodeString(last[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 1
	lines[len(lines)-1] = last[:i+1] + base64.StdEncoding.EncodeToString(raw)
	return []byte(strings.Join(lines, "\n") + "\n")
}

func TestValidatorSetVerifyCheckpoint(t *testing.T) {
	keys := validatorKeys(5)
	val := func(i int, power int64) Validator {
		return Validator{Key: keys[i].Public().(ed25519.PublicKey), Power: power}
	}
	equal, err := NewValidatorSet("test.gov/log", []Validator{val(0, 10), val(1, 10), val(2, 10), val(3, 10)})
	if err != nil {
		t.Fatal(err)
	}
	thirds, err := NewValidatorSet("test.gov/log", []Validator{val(0, 10), val(1, 10), val(2, 10)})
	if err != nil {
		t.Fatal(err)
	}
	weighted, err := NewValidatorSet("test.gov/log", []Validator{val(0, 70), val(1, 10), val(2, 10), val(3, 10)})
	if err != nil {
		t.Fatal(err)
	}
	outsider := keys[4]
	root := h(0x42)
	tests := []struct {
		desc    string
		vs      *ValidatorSet
		note    func(t *testing.T, vs *ValidatorSet) []byte
		power   int64
		wantErr error
	}{
		{"three of four equal validators", equal, func(t *testing.T, vs *ValidatorSet) []byte { return cosigned(t, vs, keys[:3], 9, root) }, 30, nil},
		{"all four", equal, func(t *testing.T, vs *ValidatorSet) []byte { return cosigned(t, vs, keys[:4], 9, root) }, 40, nil},
		{"two of four: half the power", equal, func(t *testing.T, vs *ValidatorSet) []byte { return cosigned(t, vs, keys[:2], 9, root) }, 20, ErrInsufficientPower},
		{"two of three: exactly 2/3", thirds, func(t *testing.T, vs *ValidatorSet) []byte { return cosigned(t, vs, keys[:2], 9, root) }, 20, ErrInsufficientPower},
		{"one heavy validator: 70 of 100", weighted, func(t *testing.T, vs *ValidatorSet) []byte { return cosigned(t, vs, keys[:1], 9, root) }, 70, nil},
		{"three light validators: 30 of 100", weighted, func(t *testing.T, vs *ValidatorSet) []byte { return cosigned(t, vs, keys[1:4], 9, root) }, 30, ErrInsufficientPower},
		{"outsider does not count", equal, func(t *testing.T, vs *ValidatorSet) []byte {
			n := cosigned(t, vs, keys[:2], 9, root)
			o, err := CosignCheckpoint(vs.Origin(), outsider, 9, root)
			if err != nil {
				t.Fatal(err)
			}
			// Append the outsider's line by hand: MergeCheckpoints drops it.
			return append(n, o[bytes.LastIndex(o, []byte("\n\n"))+2:]...)
		}, 0, ErrInsufficientPower},
		{"forged cosignature", equal, func(t *testing.T, vs *ValidatorSet) []byte { return forgeLast(t, cosigned(t, vs, keys[:4], 9, root)) }, 0, ErrBadCosignature},
		{"other origin", equal, func(t *testing.T, _ *ValidatorSet) []byte {
			other, _ := NewValidatorSet("other.gov/log", []Validator{val(0, 10), val(1, 10), val(2, 10), val(3, 10)})
			return cosigned(t, other, keys[:4], 9, root)
		}, 0, ErrInsufficientPower},
		{"no signature", equal, func(t *testing.T, _ *ValidatorSet) []byte { return []byte("test.gov/log\n9\nAAAA\n\n") }, 0, ErrBadCosignature},
		{"garbage", equal, func(t *testing.T, _ *ValidatorSet) []byte { return []byte("not a note") }, 0, ErrBadCosignature},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			cp, power, err := tc.vs.VerifyCheckpoint(tc.note(t, tc.vs))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("VerifyCheckpoint = %v, want %v", err, tc.wantErr)
				}
				if cp != nil {
					t.Fatal("refused checkpoint returned")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if power != tc.power || cp.Size != 9 || cp.Root != root || cp.Origin != "test.gov/log" {
				t.Fatalf("checkpoint %+v power %d", cp, power)
			}
		})
	}
}

func TestMergeCheckpoints(t *testing.T) {
	keys := validatorKeys(4)
	var vals []Validator
	for _, k := range keys {
		vals = append(vals, Validator{Key: k.Public().(ed25519.PublicKey), Power: 1})
	}
	vs, err := NewValidatorSet("", vals)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := CosignCheckpoint("", keys[0], 5, h(1))
	b, _ := CosignCheckpoint("", keys[1], 5, h(2))
	if _, err := vs.MergeCheckpoints(a, b); !errors.Is(err, ErrBadCosignature) {
		t.Fatalf("merging different roots: %v", err)
	}
	if _, err := vs.MergeCheckpoints(a, forgeLast(t, a)); !errors.Is(err, ErrBadCosignature) {
		t.Fatalf("merging a forged note: %v", err)
	}
	// The same signature twice counts once.
	m, err := vs.MergeCheckpoints(a, a, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, power, err := vs.VerifyCheckpoint(m); !errors.Is(err, ErrInsufficientPower) || power != 1 {
		t.Fatalf("one signature repeated: power %d, %v", power, err)
	}
	if _, err := NewValidatorSet("", append(vals, vals[0])); err == nil {
		t.Fatal("validator listed twice accepted")
	}
	if _, err := NewValidatorSet("", []Validator{{Key: vals[0].Key, Power: 0}}); err == nil {
		t.Fatal("zero power accepted")
	}
}
