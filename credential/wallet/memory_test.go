package wallet

import (
	"errors"
	"testing"
)

func TestInMemory(t *testing.T) {
	opts := Options{KDF: KDFParams{Time: 1, MemoryKiB: 1024, Threads: 1}}
	s, err := New([]byte("pass"), opts)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Sealed()
	if len(sealed) == 0 {
		t.Fatal("no sealed bytes")
	}
	o, err := OpenSealed(sealed, []byte("pass"))
	if err != nil {
		t.Fatal(err)
	}
	if o.HolderSecret() != s.HolderSecret() || string(o.MasterSecret()) != string(s.MasterSecret()) {
		t.Fatal("secrets differ after reopening")
	}
	if _, err := OpenSealed(sealed, []byte("wrong")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	sealed[len(sealed)/2] ^= 1
	if _, err := OpenSealed(sealed, []byte("pass")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged: %v", err)
	}
	if err := s.SetWitness("nope", nil, 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SetWitness of unknown id: %v", err)
	}
}
