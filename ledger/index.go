//go:build !js && !wasip1

package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/bits"
	"os"
	"path/filepath"
	"time"

	"github.com/transparency-dev/merkle/compact"
	bolt "go.etcd.io/bbolt"
)

// The index of a ledger file is what opening would otherwise derive by
// replaying the log, kept beside it in three files, all derived data:
//
//	<file>.tree  every tree node hash, 32 bytes each, node (level l,
//	             index i) at slot 2j - popcount(j) + l where j =
//	             (i+1)·2^l - 1 is the leaf that completes it (the order
//	             in which appending leaves completes nodes)
//	<file>.offs  the frame offset of each record, 8 bytes big endian
//	<file>.idx   a bbolt database: the large state collections (one
//	             bucket each, every value followed by a CRC-32C of its
//	             bucket, key and value) and the head
//
// The head names the commit the index reflects — its end, record count,
// checkpoint frame offset and signed note — with the compact range of the
// tree at that size and the rest of the state (the small collections,
// JSON), under a SHA-256. The flat files are written at every commit after
// the log; the state collections are flushed from memory and the head
// advanced in one bbolt transaction every flushEvery records and on Close,
// after syncing the flat files. The log stays the only source of truth:
// after a crash the index is behind and the log's tail after its head is
// replayed. Open trusts the index only when the head checks out against
// the log: its checkpoint is the frame the log holds at that offset, the
// signed checkpoint's root is the root of its compact range, the range's
// nodes are those of the tree file, and the state decodes with its
// invariants; otherwise it is discarded (LoadReport says why) and rebuilt
// by replaying the log. Values read later are checked against their
// CRC-32C and a record read through the offsets against its leaf hash, so
// damage found after open is reported as ErrCorrupt, never served.
var idxMagic = []byte("civicproof-idx\x00\x01")

func treePath(path string) string { return path + ".tree" }
func offsPath(path string) string { return path + ".offs" }
func idxPath(path string) string  { return path + ".idx" }

// removeIndex removes the index files of the ledger at path.
func removeIndex(path string) {
	for _, p := range []string{treePath(path), offsPath(path), idxPath(path)} {
		os.Remove(p)
	}
}

// treeSlot is the slot of node id in the tree file.
func treeSlot(id compact.NodeID) uint64 {
	j := (id.Index+1)<<id.Level - 1
	return 2*j - uint64(bits.OnesCount64(j)) + uint64(id.Level)
}

// treeSlots is the number of nodes of a tree of n leaves.
func treeSlots(n uint64) uint64 { return 2*n - uint64(bits.OnesCount64(n)) }

var headKey = []byte("head")

const bucketMeta = 'm'

type indexHead struct {
	end, count, cpOff uint64
	cpNote            []byte
	hashes            [][]byte
	state             []byte
	meta              []byte // the latest application metadata, nil if none
}

func (h *indexHead) encode() []byte {
	var b []byte
	b = append(b, idxMagic...)
	b = binary.BigEndian.AppendUint64(b, h.end)
	b = binary.BigEndian.AppendUint64(b, h.count)
	b = binary.BigEndian.AppendUint64(b, h.cpOff)
	b = binary.BigEndian.AppendUint64(b, uint64(len(h.cpNote)))
	b = append(b, h.cpNote...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(h.hashes)))
	for _, x := range h.hashes {
		b = append(b, x...)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(len(h.state)))
	b = append(b, h.state...)
	if h.meta != nil {
		b = binary.BigEndian.AppendUint64(b, uint64(len(h.meta)))
		b = append(b, h.meta...)
	}
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

var errIndexFormat = errors.New("malformed index head")

func decodeIndexHead(b []byte) (*indexHead, error) {
	if len(b) < len(idxMagic)+sha256.Size || !bytes.Equal(b[:len(idxMagic)], idxMagic) {
		return nil, errIndexFormat
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if s := sha256.Sum256(body); !bytes.Equal(s[:], sum) {
		return nil, errors.New("index head checksum mismatch")
	}
	r := &byteReader{b: body[len(idxMagic):]}
	h := &indexHead{end: r.u64(), count: r.u64(), cpOff: r.u64()}
	h.cpNote = bytes.Clone(r.bytes(r.u64()))
	n := r.u64()
	if n > 64 {
		return nil, errIndexFormat
	}
	for range n {
		h.hashes = append(h.hashes, bytes.Clone(r.bytes(32)))
	}
	h.state = bytes.Clone(r.bytes(r.u64()))
	if len(r.b) > 0 {
		if n := r.u64(); n > MaxAppMeta {
			return nil, errIndexFormat
		} else {
			h.meta = bytes.Clone(r.bytes(n))
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return nil, errIndexFormat
	}
	return h, nil
}

type byteReader struct {
	b   []byte
	err error
}

func (r *byteReader) u64() uint64 {
	if r.err != nil || len(r.b) < 8 {
		r.err = errIndexFormat
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *byteReader) bytes(n uint64) []byte {
	if r.err != nil || uint64(len(r.b)) < n {
		r.err = errIndexFormat
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// index is the open index of a ledger file.
type index struct {
	db         *bolt.DB
	tree, offs *os.File
}

// openIndex opens (create: creates anew, truncating) the index files.
func openIndex(path string, create bool) (ix *index, err error) {
	if create {
		removeIndex(path)
	} else {
		for _, p := range []string{treePath(path), offsPath(path), idxPath(path)} {
			if _, err := os.Stat(p); err != nil {
				return nil, errors.New("no index")
			}
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("index database: %v", r)
		}
		if err != nil && ix != nil {
			ix.close()
			ix = nil
		}
	}()
	ix = &index{}
	flag := os.O_RDWR
	if create {
		flag |= os.O_CREATE | os.O_EXCL
	}
	if ix.tree, err = os.OpenFile(treePath(path), flag, 0o600); err != nil {
		return ix, err
	}
	if ix.offs, err = os.OpenFile(offsPath(path), flag, 0o600); err != nil {
		return ix, err
	}
	ix.db, err = bolt.Open(idxPath(path), 0o600, &bolt.Options{
		Timeout: time.Second, FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		return ix, fmt.Errorf("index database: %w", err)
	}
	if create {
		if err := syncDir(filepath.Dir(path)); err != nil {
			return ix, err
		}
	}
	return ix, nil
}

func (ix *index) close() error {
	var errs []error
	if ix.db != nil {
		errs = append(errs, ix.db.Close())
	}
	for _, f := range []*os.File{ix.tree, ix.offs} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	return errors.Join(errs...)
}

// head reads the index head.
func (ix *index) head() (h *indexHead, err error) {
	err = ix.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte{bucketMeta})
		if b == nil {
			return errors.New("index has no head")
		}
		v := b.Get(headKey)
		if v == nil {
			return errors.New("index has no head")
		}
		h, err = decodeIndexHead(v)
		return err
	})
	return h, err
}

// view runs fn in a read transaction; a panic of the database on damaged
// pages is reported as ErrCorrupt.
func (ix *index) view(fn func(tx *bolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: index database: %v", ErrCorrupt, r)
		}
	}()
	return ix.db.View(fn)
}

func seal(bucket byte, k, v []byte) []byte {
	c := crc32.Update(crc32.Update(crc32.Update(0, castagnoli, []byte{bucket}), castagnoli, k), castagnoli, v)
	return binary.BigEndian.AppendUint32(append(make([]byte, 0, len(v)+4), v...), c)
}

func unseal(bucket byte, k, raw []byte) ([]byte, error) {
	if len(raw) < 4 {
		return nil, fmt.Errorf("%w: index entry of %d bytes", ErrCorrupt, len(raw))
	}
	v := raw[:len(raw)-4]
	c := crc32.Update(crc32.Update(crc32.Update(0, castagnoli, []byte{bucket}), castagnoli, k), castagnoli, v)
	if c != binary.BigEndian.Uint32(raw[len(raw)-4:]) {
		return nil, fmt.Errorf("%w: index entry %c/%x: checksum mismatch", ErrCorrupt, bucket, k)
	}
	return bytes.Clone(v), nil
}

// get implements bigStore.
func (ix *index) get(bucket byte, k []byte) (v []byte, ok bool, err error) {
	err = ix.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte{bucket})
		if b == nil {
			return nil
		}
		raw := b.Get(k)
		if raw == nil {
			return nil
		}
		v, err = unseal(bucket, k, raw)
		ok = err == nil
		return err
	})
	return v, ok, err
}

// scan implements bigStore.
func (ix *index) scan(bucket byte, prefix []byte, fn func(k, v []byte) error) error {
	return ix.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte{bucket})
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, raw := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, raw = c.Next() {
			v, err := unseal(bucket, k, raw)
			if err != nil {
				return err
			}
			if err := fn(k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

type boltWriter struct{ tx *bolt.Tx }

func (w boltWriter) put(bucket byte, k, v []byte) error {
	b, err := w.tx.CreateBucketIfNotExists([]byte{bucket})
	if err != nil {
		return err
	}
	return b.Put(k, seal(bucket, k, v))
}

// persist syncs the flat files, then writes the state entries and the
// head in one durable transaction.
func (ix *index) persist(h *indexHead, write func(bigWriter) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: index database: %v", ErrCorrupt, r)
		}
	}()
	if err := syncData(ix.tree); err != nil {
		return fmt.Errorf("ledger: sync tree index: %w", err)
	}
	if err := syncData(ix.offs); err != nil {
		return fmt.Errorf("ledger: sync offset index: %w", err)
	}
	return ix.db.Update(func(tx *bolt.Tx) error {
		w := boltWriter{tx}
		if err := write(w); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists([]byte{bucketMeta})
		if err != nil {
			return err
		}
		return b.Put(headKey, h.encode())
	})
}

// compact rewrites the database densely: the flushes of a rebuild leave
// it with many free pages, whose list every open would load. The copy
// replaces the database atomically (rename) and holds the same head.
func (ix *index) compact(path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: index database: %v", ErrCorrupt, r)
		}
	}()
	tmp := idxPath(path) + ".compact"
	os.Remove(tmp)
	opts := &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType}
	dst, err := bolt.Open(tmp, 0o600, opts)
	if err != nil {
		return err
	}
	if err := bolt.Compact(dst, ix.db, 64<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return err
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := ix.db.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, idxPath(path)); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	ix.db, err = bolt.Open(idxPath(path), 0o600, opts)
	return err
}

// readFull reads exactly len(p) bytes at off.
func readFull(f *os.File, p []byte, off int64) error {
	n, err := f.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil {
		err = errors.New("short read")
	}
	return err
}
