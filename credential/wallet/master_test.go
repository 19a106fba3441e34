package wallet

import (
	"bytes"
	"path/filepath"
	"testing"
)

// TestMasterSecret: a wallet's master secret is random per wallet, kept
// across Open, and restored by Import from a backup; a wallet file written
// before master secrets existed derives one from its holder secret,
// reproducibly.
func TestMasterSecret(t *testing.T) {
	dir := t.TempDir()
	a, err := Create(filepath.Join(dir, "a"), []byte("pa"), Options{KDF: fastKDF})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Create(filepath.Join(dir, "b"), []byte("pb"), Options{KDF: fastKDF})
	if err != nil {
		t.Fatal(err)
	}
	m := a.MasterSecret()
	if len(m) != MasterSecretSize || bytes.Equal(m, make([]byte, MasterSecretSize)) || bytes.Equal(m, b.MasterSecret()) {
		t.Fatalf("master secrets %x and %x", m, b.MasterSecret())
	}
	again, err := Open(filepath.Join(dir, "a"), []byte("pa"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.MasterSecret(), m) {
		t.Fatal("master secret changed on Open")
	}
	backup, err := a.Export([]byte("backup"), fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	restored, err := Import(filepath.Join(dir, "c"), backup, []byte("backup"), []byte("pc"), Options{KDF: fastKDF})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(restored.MasterSecret(), m) {
		t.Fatal("master secret not restored from the backup")
	}
	// An older wallet's contents: no masterSecret field.
	secret := a.HolderSecret()
	h := secret.Bytes()
	old := []byte(`{"holderSecret":"` + hexString(h[:]) + `","credentials":[]}`)
	var s1, s2 Store
	if err := s1.load(old); err != nil {
		t.Fatal(err)
	}
	if err := s2.load(old); err != nil {
		t.Fatal(err)
	}
	if s1.master != s2.master || s1.master == [MasterSecretSize]byte{} || bytes.Equal(s1.master[:], m) {
		t.Fatal("legacy master secret not derived reproducibly from the holder secret")
	}
	if err := s1.load([]byte(`{"holderSecret":"` + hexString(h[:]) + `","masterSecret":"zz","credentials":[]}`)); err == nil {
		t.Fatal("bad master secret accepted")
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
