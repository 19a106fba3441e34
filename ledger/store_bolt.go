//go:build !js && !wasip1

// The bbolt file store does not build for js/wasm or wasip1: a wallet in
// the browser uses the ledger package for records, proofs and checkpoints,
// not for storage (NewInMemory stays available).

package ledger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/transparency-dev/merkle/compact"
	bolt "go.etcd.io/bbolt"

	"github.com/civicproof/civicproof/identity"
)

// Layout of the bbolt file. Records are keyed by 8-byte big-endian index;
// tree nodes by level (1 byte) || index (8 bytes big-endian).
var (
	bucketMeta    = []byte("meta")
	bucketRecords = []byte("records")
	bucketNodes   = []byte("nodes")
	keyOrigin     = []byte("origin")
	keyCheckpoint = []byte("checkpoint")
	keyFormat     = []byte("format")
	formatV1      = []byte("civicproof-ledger-v1")
)

// Open opens or creates the embedded ledger in the bbolt file at path. key
// signs the checkpoints. Opening verifies every stored record and tree
// node against the last signed checkpoint and rebuilds the state; any
// mismatch returns an error wrapping ErrCorrupt. Each commit is one bbolt
// transaction synced to disk before any submitter is acknowledged.
func Open(path string, key *identity.PrivateKey, opts ...Option) (*Embedded, error) {
	cfg, err := buildConfig(key, opts)
	if err != nil {
		return nil, err
	}
	st, err := openBolt(path)
	if err != nil {
		return nil, err
	}
	return start(cfg, key, st)
}

type boltStore struct{ db *bolt.DB }

func openBolt(path string) (*boltStore, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoFreelistSync: true})
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil, fmt.Errorf("ledger: open %s: %w", path, err)
		}
		return nil, fmt.Errorf("%w: open %s: %w", ErrCorrupt, path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketRecords, bucketNodes} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		m := tx.Bucket(bucketMeta)
		if f := m.Get(keyFormat); f == nil {
			return m.Put(keyFormat, formatV1)
		} else if string(f) != string(formatV1) {
			return fmt.Errorf("%w: unknown file format %q", ErrCorrupt, f)
		}
		return nil
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("ledger: open %s: %w", path, err), db.Close())
	}
	return &boltStore{db: db}, nil
}

func u64(i uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), i) }

func nodeKey(id compact.NodeID) []byte {
	k := make([]byte, 9)
	k[0] = byte(id.Level)
	binary.BigEndian.PutUint64(k[1:], id.Index)
	return k
}

func (b *boltStore) head() (origin string, cp []byte, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		origin = string(m.Get(keyOrigin))
		if c := m.Get(keyCheckpoint); c != nil {
			cp = append([]byte(nil), c...)
		}
		return nil
	})
	return origin, cp, err
}

func (b *boltStore) commit(first uint64, leaves [][]byte, nodes []treeNode, origin string, cpNote []byte) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		recs, nb, m := tx.Bucket(bucketRecords), tx.Bucket(bucketNodes), tx.Bucket(bucketMeta)
		recs.FillPercent = 1.0 // keys only ever grow
		if k, _ := recs.Cursor().Last(); (k == nil && first != 0) || (k != nil && binary.BigEndian.Uint64(k)+1 != first) {
			return fmt.Errorf("%w: commit at %d does not follow the stored records", ErrCorrupt, first)
		}
		for i, leaf := range leaves {
			if err := recs.Put(u64(first+uint64(i)), leaf); err != nil {
				return err
			}
		}
		for _, n := range nodes {
			if err := nb.Put(nodeKey(n.id), n.hash); err != nil {
				return err
			}
		}
		if err := m.Put(keyOrigin, []byte(origin)); err != nil {
			return err
		}
		return m.Put(keyCheckpoint, cpNote)
	})
}

func (b *boltStore) record(index uint64) (out []byte, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRecords).Get(u64(index))
		if v == nil {
			return fmt.Errorf("%w: record %d", ErrNotFound, index)
		}
		out = append([]byte(nil), v...)
		return nil
	})
	return out, err
}

func (b *boltStore) nodes(ids []compact.NodeID) (out [][]byte, err error) {
	out = make([][]byte, len(ids))
	err = b.db.View(func(tx *bolt.Tx) error {
		nb := tx.Bucket(bucketNodes)
		for i, id := range ids {
			v := nb.Get(nodeKey(id))
			if len(v) != 32 {
				return fmt.Errorf("%w: tree node (%d,%d) missing or malformed", ErrCorrupt, id.Level, id.Index)
			}
			out[i] = append([]byte(nil), v...)
		}
		return nil
	})
	return out, err
}

func (b *boltStore) scan(fn func(uint64, []byte, func(compact.NodeID) []byte) error) error {
	return b.db.View(func(tx *bolt.Tx) error {
		nb := tx.Bucket(bucketNodes)
		lookup := func(id compact.NodeID) []byte { return nb.Get(nodeKey(id)) }
		c := tx.Bucket(bucketRecords).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != 8 {
				return fmt.Errorf("%w: malformed record key", ErrCorrupt)
			}
			if err := fn(binary.BigEndian.Uint64(k), v, lookup); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *boltStore) close() error { return b.db.Close() }
