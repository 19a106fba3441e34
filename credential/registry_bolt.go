//go:build !js && !wasip1

// The file-backed registry uses bbolt, which does not build for js/wasm
// or wasip1; wallets built for the browser need only the in-memory form.

package credential

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	bolt "go.etcd.io/bbolt"
)

var (
	bucketAllocated = []byte("allocated")
	bucketRevoked   = []byte("revoked")
	bucketMeta      = []byte("meta")
	keyPublished    = []byte("published") // epoch (8 bytes) || root (32 bytes)
)

func u32(i uint32) []byte { return binary.BigEndian.AppendUint32(nil, i) }
func u64(i uint64) []byte { return binary.BigEndian.AppendUint64(nil, i) }

// boltRegistry writes each registry change in one fsynced bbolt transaction.
type boltRegistry struct{ db *bolt.DB }

var _ registryFile = boltRegistry{}

func (b boltRegistry) putAllocated(idx uint32) error {
	return b.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketAllocated).Put(u32(idx), nil) })
}

func (b boltRegistry) putRevoked(idx uint32, epoch uint64) error {
	return b.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketRevoked).Put(u32(idx), u64(epoch)) })
}

func (b boltRegistry) putPublished(epoch uint64, root fr.Element, pending []uint32) error {
	rb := root.Bytes()
	return b.db.Update(func(tx *bolt.Tx) error {
		for _, idx := range pending {
			if err := tx.Bucket(bucketRevoked).Put(u32(idx), u64(epoch)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keyPublished, append(u64(epoch), rb[:]...))
	})
}

func (b boltRegistry) close() error { return b.db.Close() }

// OpenRegistry opens or creates the registry file at path and rebuilds the
// tree from the revoked indices it lists. Close it when done. (Not built
// for js/wasm or wasip1.)
func OpenRegistry(path string) (*Registry, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("credential: opening registry %s: %w", path, err)
	}
	r := NewRegistry()
	r.file = boltRegistry{db}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketAllocated, bucketRevoked, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketAllocated).ForEach(func(k, _ []byte) error {
			if len(k) != 4 {
				return fmt.Errorf("%w: bad allocated key", ErrCorruptRegistry)
			}
			r.allocated[binary.BigEndian.Uint32(k)] = struct{}{}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bucketRevoked).ForEach(func(k, v []byte) error {
			if len(k) != 4 || len(v) != 8 {
				return fmt.Errorf("%w: bad revoked entry", ErrCorruptRegistry)
			}
			idx := binary.BigEndian.Uint32(k)
			r.revoked[idx] = binary.BigEndian.Uint64(v)
			return r.tree.Revoke(idx)
		}); err != nil {
			return err
		}
		if v := tx.Bucket(bucketMeta).Get(keyPublished); v != nil {
			if len(v) != 40 {
				return fmt.Errorf("%w: bad published entry", ErrCorruptRegistry)
			}
			r.epoch = binary.BigEndian.Uint64(v[:8])
			if err := r.root.SetBytesCanonical(v[8:]); err != nil {
				return fmt.Errorf("%w: published root: %v", ErrCorruptRegistry, err)
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("credential: loading registry %s: %w", path, err)
	}
	return r, nil
}
