package zkp

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/consensys/gnark/logger"
	"github.com/rs/zerolog"
)

func TestKeyCache(t *testing.T) {
	pk, vk := testKeys(t, Groth16)
	c := KeyCache{Dir: filepath.Join(t.TempDir(), "keys")}
	if _, err := c.Load(Groth16); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load from an empty cache: %v, want fs.ErrNotExist", err)
	}
	if err := c.Store(pk); err != nil {
		t.Fatal(err)
	}
	got, err := c.Load(Groth16)
	if err != nil {
		t.Fatal(err)
	}
	if got.VerifyingKey().Fingerprint() != vk.Fingerprint() {
		t.Error("loaded key pairs with another verifying key")
	}
	again, made, err := c.LoadOrSetupUnsafe(context.Background(), Groth16)
	if err != nil || made || again.VerifyingKey().Fingerprint() != vk.Fingerprint() {
		t.Errorf("LoadOrSetupUnsafe with a cached key: made %v, err %v", made, err)
	}
	p, err := c.Path(Groth16)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := CircuitDigest(Groth16)
	if base := filepath.Base(p); !strings.HasPrefix(base, "groth16-") || !strings.Contains(base, hex.EncodeToString(d[:])) {
		t.Errorf("cache file %s is not named by backend and circuit digest", base)
	}
	if fi, err := os.Stat(c.Dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("cache directory mode %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	// A damaged file is reported, not loaded.
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"truncated": raw[:len(raw)/2], "header": append([]byte("XXXX"), raw[4:]...)} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Load(Groth16); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Load = %v, want ErrMalformed", name, err)
		}
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	user, _ := UserKeyCache()
	if p, err := (KeyCache{}).Path(Groth16); err != nil || user.Dir == "" || !strings.HasPrefix(p, user.Dir) {
		t.Errorf("the zero KeyCache's file is %q (%v), want one in the user's cache", p, err)
	}
	if testing.Short() {
		return
	}
	// A damaged key is replaced by a new setup.
	fresh, made, err := c.LoadOrSetupUnsafe(context.Background(), Groth16)
	if err != nil || !made {
		t.Fatalf("LoadOrSetupUnsafe over a damaged file: made %v, err %v", made, err)
	}
	if back, err := c.Load(Groth16); err != nil || back.VerifyingKey().Fingerprint() != fresh.VerifyingKey().Fingerprint() {
		t.Errorf("the new key was not stored: %v", err)
	}
}

// TestQuietGnark checks that zkp's calls into gnark write nothing to
// gnark's logger unless LogGnark(true), and that zkp puts the logger back.
func TestQuietGnark(t *testing.T) {
	var buf bytes.Buffer
	before := logger.Logger()
	t.Cleanup(func() { logger.Set(before); LogGnark(false) })
	logger.Set(zerolog.New(&buf))

	f := newFixture(t)
	pk, vk := testKeys(t, Groth16)
	proveVerify := func() {
		t.Helper()
		p, err := Prove(context.Background(), pk, &f.st, &f.hold)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(vk, &f.st, p); err != nil {
			t.Fatal(err)
		}
	}
	proveVerify()
	if buf.Len() != 0 {
		t.Errorf("gnark logged while zkp proved and verified: %q", buf.String())
	}
	l := logger.Logger()
	l.Info().Msg("after")
	if !strings.Contains(buf.String(), "after") {
		t.Error("gnark's logger was not restored after zkp's calls")
	}
	if testing.Short() {
		return // one more proof, for the opt-in; the full pass runs it
	}
	buf.Reset()
	LogGnark(true)
	proveVerify()
	if !strings.Contains(buf.String(), "prover done") {
		t.Errorf("LogGnark(true): gnark's log is %q, want its prover line", buf.String())
	}
}

// TestQuietConcurrent: concurrent zkp calls nest their silencing of
// gnark's logger, and the last one to finish restores it.
func TestQuietConcurrent(t *testing.T) {
	var buf bytes.Buffer
	before := logger.Logger()
	t.Cleanup(func() { logger.Set(before) })
	logger.Set(zerolog.New(&buf))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				restore := quiet()
				l := logger.Logger()
				l.Info().Msg("inside")
				restore()
			}
		})
	}
	wg.Wait()
	if buf.Len() != 0 {
		t.Errorf("gnark's logger wrote while silenced: %q", buf.String())
	}
	l := logger.Logger()
	l.Info().Msg("after")
	if !strings.Contains(buf.String(), "after") {
		t.Error("gnark's logger was not restored")
	}
}
