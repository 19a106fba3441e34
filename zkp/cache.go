package zkp

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// KeyCache keeps proving keys in a directory, one file per backend and
// circuit: Dir/<backend>-<CircuitDigest in hex>.pk, written atomically
// (temporary file, then rename). A key made for an older circuit is
// never loaded for a newer one, since the digest names the file.
//
// A proving key is trusted input (ReadProvingKey): keep the directory
// private to the user, as UserKeyCache does. The zero KeyCache is the
// user's cache (UserKeyCache).
type KeyCache struct {
	Dir string // "": the directory of UserKeyCache
}

// UserKeyCache is the cache in the user's cache directory:
// os.UserCacheDir()/civicproof/keys ($XDG_CACHE_HOME or ~/.cache on
// Linux, ~/Library/Caches on macOS, %LocalAppData% on Windows).
func UserKeyCache() (KeyCache, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return KeyCache{}, fmt.Errorf("zkp: key cache: %w", err)
	}
	return KeyCache{Dir: filepath.Join(d, "civicproof", "keys")}, nil
}

// Path returns the file that holds backend b's proving key (v1 circuit).
func (c KeyCache) Path(b Backend) (string, error) {
	if !b.valid() {
		return "", fmt.Errorf("%w: unknown backend %d", ErrInvalidStatement, b)
	}
	return c.PathShape(ShapeV1(b))
}

// PathShape returns the file that holds shape s's proving key:
// Dir/<backend>-<digest>.pk for v1, Dir/<backend>-v2n<N>-<digest>.pk for v2.
func (c KeyCache) PathShape(s Shape) (string, error) {
	c, err := c.resolve()
	if err != nil {
		return "", err
	}
	d, err := s.CircuitDigest()
	if err != nil {
		return "", err
	}
	return filepath.Join(c.Dir, s.fileTag()+"-"+hex.EncodeToString(d[:])+".pk"), nil
}

// resolve returns c with its directory set.
func (c KeyCache) resolve() (KeyCache, error) {
	if c.Dir != "" {
		return c, nil
	}
	return UserKeyCache()
}

// Load reads backend b's proving key for the current circuit. A key not
// in the cache returns an error wrapping fs.ErrNotExist; a damaged file
// one wrapping ErrMalformed.
func (c KeyCache) Load(b Backend) (*ProvingKey, error) {
	if !b.valid() {
		return nil, fmt.Errorf("%w: unknown backend %d", ErrInvalidStatement, b)
	}
	return c.LoadShape(ShapeV1(b))
}

// LoadShape is Load for any circuit shape.
func (c KeyCache) LoadShape(s Shape) (*ProvingKey, error) {
	p, err := c.PathShape(s)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("zkp: key cache: %w", err)
	}
	pk, err := ReadProvingKey(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("zkp: key cache %s: %w", filepath.Base(p), err)
	}
	if pk.shape != s {
		return nil, fmt.Errorf("%w: key cache %s holds a key of %s", ErrMalformed, filepath.Base(p), pk.shape)
	}
	return pk, nil
}

// Store writes pk to the cache (the directory is made with mode 0700 if
// missing), replacing any earlier key of its backend for this circuit.
func (c KeyCache) Store(pk *ProvingKey) error {
	if pk == nil || pk.vk == nil {
		return errors.New("zkp: key cache: nil proving key")
	}
	p, err := c.PathShape(pk.shape)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("zkp: key cache: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), filepath.Base(p)+".tmp*")
	if err != nil {
		return fmt.Errorf("zkp: key cache: %w", err)
	}
	_, err = pk.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("zkp: key cache: writing %s: %w", filepath.Base(p), err)
	}
	return nil
}

// LoadOrSetupUnsafe loads backend b's proving key from the cache or, when
// there is none (or it is damaged), makes one with SetupUnsafe and stores
// it (a key that cannot be stored is returned as an error, not used). made
// reports whether a new key was made. Like SetupUnsafe it is for
// tests and demos: production keys come from a Ceremony (store them with
// Store and load them with Load).
//
// A first Groth16 setup takes a few seconds (SetupUnsafe, see the package
// documentation), a load about 10 ms plus the circuit's compilation (about
// 1 s) on first use in a process.
func (c KeyCache) LoadOrSetupUnsafe(ctx context.Context, b Backend) (pk *ProvingKey, made bool, err error) {
	if !b.valid() {
		return nil, false, fmt.Errorf("%w: unknown backend %d", ErrInvalidStatement, b)
	}
	return c.LoadOrSetupShapeUnsafe(ctx, ShapeV1(b))
}

// LoadOrSetupShapeUnsafe is LoadOrSetupUnsafe for any circuit shape
// (ShapeV2 for presentation proofs v2), with the same warning.
func (c KeyCache) LoadOrSetupShapeUnsafe(ctx context.Context, s Shape) (pk *ProvingKey, made bool, err error) {
	pk, err = c.LoadShape(s)
	if err == nil {
		return pk, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrMalformed) {
		return nil, false, err
	}
	if pk, _, err = SetupShapeUnsafe(ctx, s); err != nil {
		return nil, false, err
	}
	if err := c.Store(pk); err != nil {
		return nil, false, err
	}
	return pk, true, nil
}
