package cometbft

import (
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/civicproof/civicproof/ledger"
)

// FuzzVerifyCheckpoint: any bytes are either refused with one of the
// sentinels or a checkpoint cosigned by more than 2/3 of the power; no
// panic.
func FuzzVerifyCheckpoint(f *testing.F) {
	keys := validatorKeys(4)
	var vals []Validator
	for _, k := range keys {
		vals = append(vals, Validator{Key: k.Public().(ed25519.PublicKey), Power: 10})
	}
	vs, err := NewValidatorSet("", vals)
	if err != nil {
		f.Fatal(err)
	}
	var notes [][]byte
	for _, k := range keys {
		n, err := CosignCheckpoint("", k, 7, ledger.Hash{1})
		if err != nil {
			f.Fatal(err)
		}
		notes = append(notes, n)
	}
	three, _ := vs.MergeCheckpoints(notes[:3]...)
	f.Add(three)
	f.Add(notes[0])
	f.Add([]byte("civicproof.ledger\n7\nAQ==\n\n— x AAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cp, power, err := vs.VerifyCheckpoint(b)
		if err != nil {
			if !errors.Is(err, ErrBadCosignature) && !errors.Is(err, ErrInsufficientPower) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if 3*power <= 2*vs.TotalPower() || cp == nil {
			t.Fatalf("accepted with power %d", power)
		}
	})
}

// FuzzGenesisAppState: the app_state decoder refuses or returns verified
// records, never panics.
func FuzzGenesisAppState(f *testing.F) {
	w := newWorld(f)
	st, err := GenesisAppState(w.sign(f, w.root, 0, &ledger.GovernanceInit{Name: "x"}))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(st))
	f.Add([]byte(`{"records":[]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		srs, bs, err := parseGenesisAppState(b)
		if err != nil {
			if !errors.Is(err, ledger.ErrInvalidRecord) && !errors.Is(err, ledger.ErrNonCanonical) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if len(srs) != len(bs) {
			t.Fatal("records and bytes differ in number")
		}
	})
}
