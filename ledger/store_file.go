//go:build !js && !wasip1

package ledger

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/transparency-dev/merkle/compact"

	"github.com/civicproof/civicproof/identity"
)

// Create creates a new embedded ledger in a file at path, which must not
// exist (ErrExist otherwise), and opens it. key signs the checkpoints. The
// file appears whole or not at all: it is written and synced under a
// temporary name, then linked into place.
func Create(path string, key *identity.PrivateKey, opts ...Option) (*Embedded, error) {
	cfg, err := buildConfig(key, opts)
	if err != nil {
		return nil, err
	}
	signer, verifier, err := newNoteSigner(cfg.origin, key.Ed25519())
	if err != nil {
		return nil, err
	}
	cp, err := signCheckpoint(signer, 0, EmptyRoot())
	if err != nil {
		return nil, err
	}
	var body []byte
	body = appendFrame(body, frameGenesis, genesisPayload(cfg.origin, verifier.key))
	body = appendFrame(body, frameCheckpoint, cp.Note)
	content := append(encodeHeader(slot{gen: 1, end: uint64(headerSize + len(body))}), body...)
	if err := writeNewFile(path, content); err != nil {
		return nil, err
	}
	removeIndex(path) // the index of an earlier file
	return Open(path, key, opts...)
}

// writeNewFile writes content to a new file at path atomically: it fails
// with ErrExist if path exists, and leaves no partial file.
func writeNewFile(path string, content []byte) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("ledger: create %s: %w", path, ErrExist)
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := path + ".new-" + hex.EncodeToString(rnd[:])
	if err := writeSynced(tmp, content); err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("ledger: create %s: %w", path, ErrExist)
		}
		return fmt.Errorf("ledger: create %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

func writeSynced(path string, content []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("ledger: create %s: %w", path, err)
	}
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("ledger: write %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("ledger: sync directory %s: %w", dir, err)
	}
	return nil
}

// Open opens the embedded ledger in the file at path, which Create made
// (ErrNotExist if there is none: opening never creates). key signs the
// checkpoints and must be the key the file was created with.
//
// Opening uses the ledger's index (<file>.idx, .tree, .offs: see
// index.go) when it checks out against the log: it reads the header, the
// genesis frame, the index head and the checkpoint frame it names, checks
// the index's tree against that signed checkpoint, then reads, checks and
// replays only the log's tail after the index head, and checks the root
// against the last signed checkpoint. Its cost does not grow with the log.
// Without a usable index (LoadReport says why), it reads every frame,
// checking its CRC-32C, decodes every record, recomputes the RFC 6962 tree
// and the state, checks the root, and rebuilds the index. Any damage found
// is reported as a *CorruptError (errors.Is(err, ErrCorrupt)) naming the
// byte offset and record; nothing in the file or the index can make Open
// panic. Damage to a record before the index head is found when the record
// is read (Record reports ErrCorrupt) and by VerifyFile, which checks the
// whole file; use Repair to mend it. A tail left by a commit that was
// interrupted before being acknowledged is discarded.
//
// Each commit is appended in one write and synced (fdatasync) before the
// header's acknowledged length is updated and synced again; only then are
// the submitters acknowledged.
func Open(path string, key *identity.PrivateKey, opts ...Option) (*Embedded, error) {
	cfg, err := buildConfig(key, opts)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("ledger: open %s: %w", path, ErrNotExist)
		}
		return nil, fmt.Errorf("ledger: open %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	st := &fileStore{path: path, f: f}
	e, err := start(cfg, key, st)
	if err != nil {
		var ce *CorruptError
		if errors.As(err, &ce) && ce.Path == "" {
			ce.Path = path
		}
		return nil, err
	}
	return e, nil
}

// fileStore keeps the log in a file of checksummed frames (logformat.go)
// and the data derived from it in an index beside it (index.go): nothing
// in memory grows with the number of records.
type fileStore struct {
	path string
	f    *os.File
	ix   *index

	mu     sync.RWMutex
	count  uint64 // records in the committed log
	end    int64  // end of the last commit
	cpOff  int64  // offset of its checkpoint frame
	cpNote []byte // its checkpoint
	meta   []byte // the latest application metadata
	hdr    slot   // newest header slot
	failed error  // a write or sync failed: refuse further commits

	// While loading: offsets and tree nodes of the records read since
	// the last commit, written to the index at each commit.
	loadOffs  []byte
	loadNodes []byte
}

func (s *fileStore) load(v loadVisitor) (cpNote, meta []byte, err error) {
	fi, err := s.f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: stat %s: %w", s.path, err)
	}
	size := fi.Size()
	origin, gkey, genesisOK := peekGenesis(s.f, size)
	if genesisOK && v.genesis != nil {
		if err := v.genesis(origin, gkey); err != nil {
			return nil, nil, err
		}
	}
	start, count, note := int64(headerSize), uint64(0), []byte(nil)
	if v.restore != nil {
		// Open from the index: only the log's tail after it is read.
		h, err := s.useIndex(size, genesisOK, v.restore)
		if err != nil {
			if s.ix != nil {
				s.ix.close()
				s.ix = nil
			}
			return nil, nil, errSnapshot{err}
		}
		start, count, note = int64(h.end), h.count, h.cpNote
		s.count, s.end, s.cpOff, s.cpNote, s.meta = h.count, int64(h.end), int64(h.cpOff), h.cpNote, h.meta
	} else {
		if s.ix, err = openIndex(s.path, true); err != nil {
			return nil, nil, fmt.Errorf("ledger: create the index of %s: %w", s.path, err)
		}
	}
	s.loadOffs, s.loadNodes = s.loadOffs[:0], s.loadNodes[:0]
	var pendMeta []byte
	res, cerr := scanLogFrom(s.f, size, start, count, note, logVisitor{
		meta: func(p []byte) error {
			pendMeta = bytes.Clone(p)
			return nil
		},
		record: func(index uint64, off int64, leaf []byte) error {
			s.loadOffs = binary.BigEndian.AppendUint64(s.loadOffs, uint64(off))
			return v.record(index, off, leaf)
		},
		checkpoint: func(n uint64, off int64, note []byte) error {
			if err := v.commit(); err != nil {
				return err
			}
			if err := s.writeDerived(s.count, n, s.loadOffs, s.loadNodes); err != nil {
				return err
			}
			s.loadOffs, s.loadNodes = s.loadOffs[:0], s.loadNodes[:0]
			s.count, s.cpOff, s.cpNote = n, off, bytes.Clone(note)
			s.end = off + frameHeaderSize + int64(len(note))
			if pendMeta != nil {
				s.meta, pendMeta = pendMeta, nil
			}
			v.committed()
			return nil
		},
	})
	s.loadOffs, s.loadNodes = nil, nil
	if cerr != nil {
		cerr.Path = s.path
		if start > headerSize {
			return nil, nil, errSnapshot{cerr}
		}
		return nil, nil, cerr
	}
	s.cpOff, s.count = res.cpOff, res.count
	s.end, s.hdr = res.end, res.newest
	if res.meta != nil {
		s.meta = res.meta
	}
	if res.tornBytes > 0 {
		// An interrupted, never acknowledged commit: drop it before
		// appending.
		if err := s.f.Truncate(res.end); err != nil {
			return nil, nil, fmt.Errorf("ledger: discard an interrupted commit: %w", err)
		}
		if err := syncData(s.f); err != nil {
			return nil, nil, fmt.Errorf("ledger: discard an interrupted commit: %w", err)
		}
	}
	if uint64(res.end) != s.hdr.end {
		// A commit was synced but the header update was lost: record it.
		if err := s.writeSlot(slot{gen: s.hdr.gen + 1, end: uint64(res.end), count: res.count}); err != nil {
			return nil, nil, err
		}
	}
	return res.cpNote, s.meta, nil
}

// useIndex opens the index and checks its head against the log: the
// checkpoint it names is the log's frame at that place, restore (the
// engine) checks its tree against that signed checkpoint and installs its
// state, and the tree file holds the head's compact range.
func (s *fileStore) useIndex(size int64, genesisOK bool, restore func(uint64, []byte, [][]byte, []byte) error) (*indexHead, error) {
	if !genesisOK {
		return nil, errors.New("the log's genesis frame does not read")
	}
	ix, err := openIndex(s.path, false)
	if err != nil {
		return nil, err
	}
	s.ix = ix
	h, err := ix.head()
	if err != nil {
		return nil, err
	}
	if h.end > uint64(size) || h.cpOff >= h.end || h.end-h.cpOff != uint64(frameHeaderSize+len(h.cpNote)) {
		return nil, errors.New("the index does not match the log (stale)")
	}
	note, err := readFrame(s.f, int64(h.cpOff), frameCheckpoint, s.path, -1)
	if err != nil || !bytes.Equal(note, h.cpNote) {
		return nil, errors.New("the index's checkpoint is not in the log (stale)")
	}
	if err := restore(h.count, h.cpNote, h.hashes, h.state); err != nil {
		return nil, err
	}
	if fi, err := ix.offs.Stat(); err != nil || uint64(fi.Size()) < 8*h.count {
		return nil, errors.New("the offset index is shorter than the index head")
	}
	if fi, err := ix.tree.Stat(); err != nil || uint64(fi.Size()) < 32*treeSlots(h.count) {
		return nil, errors.New("the tree index is shorter than the index head")
	}
	ids := compact.RangeNodes(0, h.count, nil)
	if len(ids) != len(h.hashes) {
		return nil, errors.New("the index head's compact range does not match its size")
	}
	for i, id := range ids {
		var got [32]byte
		if err := readFull(ix.tree, got[:], int64(32*treeSlot(id))); err != nil || !bytes.Equal(got[:], h.hashes[i]) {
			return nil, fmt.Errorf("tree index node (%d,%d) does not match the index head", id.Level, id.Index)
		}
	}
	if h.count > 0 {
		// The last record's offset and leaf hash agree with the log.
		if _, err := s.readRecord(h.count-1, h.count); err != nil {
			return nil, fmt.Errorf("the index does not locate the last record: %w", err)
		}
	}
	return h, nil
}

// writeDerived writes the offsets of records first... and the tree nodes
// that complete with them (slots from treeSlots(first)) to the index.
func (s *fileStore) writeDerived(first, end uint64, offs, nodes []byte) error {
	if uint64(len(offs)) != 8*(end-first) || uint64(len(nodes)) != 32*(treeSlots(end)-treeSlots(first)) {
		return fmt.Errorf("ledger: index: %d offsets and %d nodes for records %d..%d", len(offs)/8, len(nodes)/32, first, end)
	}
	if _, err := s.ix.offs.WriteAt(offs, int64(8*first)); err != nil {
		return fmt.Errorf("ledger: write offset index: %w", err)
	}
	if _, err := s.ix.tree.WriteAt(nodes, int64(32*treeSlots(first))); err != nil {
		return fmt.Errorf("ledger: write tree index: %w", err)
	}
	return nil
}

// peekGenesis reads the genesis frame, if the file has a readable one.
func peekGenesis(f *os.File, size int64) (string, []byte, bool) {
	fr := &frameReader{r: f, size: size, off: headerSize}
	typ, p, err := fr.next()
	if err != nil || typ != frameGenesis {
		return "", nil, false
	}
	origin, key, err := parseGenesis(p)
	return origin, key, err == nil
}

func (s *fileStore) writeSlot(n slot) error {
	if _, err := s.f.WriteAt(n.encode(), slotOffset(int(n.gen%2))); err != nil {
		return fmt.Errorf("ledger: write header: %w", err)
	}
	if err := syncData(s.f); err != nil {
		return fmt.Errorf("ledger: sync header: %w", err)
	}
	s.hdr = n
	return nil
}

// putNode buffers a node recomputed while loading: nodes come in the
// order of their tree slots.
func (s *fileStore) putNode(n treeNode) {
	s.loadNodes = append(s.loadNodes, n.hash...)
}

func (s *fileStore) commit(first uint64, leaves [][]byte, nodes []treeNode, cpNote, meta []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed != nil {
		return fmt.Errorf("ledger: an earlier write failed, reopen the ledger: %w", s.failed)
	}
	if first != s.count {
		return fmt.Errorf("ledger: commit at %d, store has %d records", first, s.count)
	}
	n := 0
	for _, l := range leaves {
		n += frameHeaderSize + len(l)
	}
	buf := make([]byte, 0, n+2*frameHeaderSize+len(cpNote)+len(meta))
	offs := make([]byte, 0, 8*len(leaves))
	for _, l := range leaves {
		offs = binary.BigEndian.AppendUint64(offs, uint64(s.end+int64(len(buf))))
		buf = appendFrame(buf, frameRecord, l)
	}
	if meta != nil {
		buf = appendFrame(buf, frameMeta, meta)
	}
	cpOff := s.end + int64(len(buf))
	buf = appendFrame(buf, frameCheckpoint, cpNote)
	if _, err := s.f.WriteAt(buf, s.end); err != nil {
		s.failed = err
		return fmt.Errorf("ledger: append: %w", err)
	}
	if err := syncData(s.f); err != nil {
		s.failed = err
		return fmt.Errorf("ledger: sync: %w", err)
	}
	end := s.end + int64(len(buf))
	count := first + uint64(len(leaves))
	if err := s.writeSlot(slot{gen: s.hdr.gen + 1, end: uint64(end), count: count}); err != nil {
		s.failed = err
		return err
	}
	// The commit is durable; the index follows (synced when its head
	// advances, rebuilt from the log after a crash).
	tree := make([]byte, 0, 32*len(nodes))
	for i, nd := range nodes {
		if treeSlot(nd.id) != treeSlots(first)+uint64(i) {
			s.failed = errors.New("tree nodes out of order")
			return fmt.Errorf("ledger: index: %w", s.failed)
		}
		tree = append(tree, nd.hash...)
	}
	if err := s.writeDerived(first, count, offs, tree); err != nil {
		s.failed = err
		return err
	}
	s.end, s.cpOff, s.cpNote, s.count = end, cpOff, cpNote, count
	if meta != nil {
		s.meta = meta
	}
	return nil
}

func (s *fileStore) record(index uint64) ([]byte, error) {
	s.mu.RLock()
	count := s.count
	s.mu.RUnlock()
	return s.readRecord(index, count)
}

// readRecord reads record index of a log of count records through the
// offset index and checks it against its leaf hash in the tree index.
func (s *fileStore) readRecord(index, count uint64) ([]byte, error) {
	if index >= count {
		return nil, fmt.Errorf("%w: record %d", ErrNotFound, index)
	}
	var ob [8]byte
	var leaf [32]byte
	if err := readFull(s.ix.offs, ob[:], int64(8*index)); err != nil {
		return nil, &CorruptError{Path: s.path, Offset: -1, Record: int64(index), Reason: "read offset index", Err: err}
	}
	if err := readFull(s.ix.tree, leaf[:], int64(32*treeSlot(compact.NewNodeID(0, index)))); err != nil {
		return nil, &CorruptError{Path: s.path, Offset: -1, Record: int64(index), Reason: "read tree index", Err: err}
	}
	off := binary.BigEndian.Uint64(ob[:])
	if off < headerSize || off > 1<<62 {
		return nil, &CorruptError{Path: s.path, Offset: -1, Record: int64(index), Reason: fmt.Sprintf("offset index names byte %d", off)}
	}
	b, err := readFrame(s.f, int64(off), frameRecord, s.path, int64(index))
	if err != nil {
		return nil, err
	}
	if lh := leafHash(b); !bytes.Equal(lh[:], leaf[:]) {
		return nil, &CorruptError{Path: s.path, Offset: int64(off), Record: int64(index), Reason: "record does not match its leaf hash in the tree index"}
	}
	return b, nil
}

// readFrame reads and checks the frame of type typ at off.
func readFrame(f *os.File, off int64, typ byte, path string, index int64) ([]byte, error) {
	var h [frameHeaderSize]byte
	if _, err := f.ReadAt(h[:], off); err != nil {
		return nil, &CorruptError{Path: path, Offset: off, Record: index, Reason: "read frame", Err: err}
	}
	n := binary.BigEndian.Uint32(h[4:])
	if h[0] != frameMagic[0] || h[1] != frameMagic[1] || h[2] != typ || h[3] != 0 || n > maxFramePayload {
		return nil, &CorruptError{Path: path, Offset: off, Record: index, Reason: "bad frame header"}
	}
	p := make([]byte, n)
	if _, err := f.ReadAt(p, off+frameHeaderSize); err != nil {
		return nil, &CorruptError{Path: path, Offset: off, Record: index, Reason: "read frame", Err: err}
	}
	c := crc32.Update(crc32.Update(0, castagnoli, h[2:8]), castagnoli, p)
	if c != binary.BigEndian.Uint32(h[8:]) {
		return nil, &CorruptError{Path: path, Offset: off, Record: index, Reason: "frame checksum mismatch"}
	}
	return p, nil
}

func (s *fileStore) nodes(ids []compact.NodeID) ([][]byte, error) {
	s.mu.RLock()
	count := s.count
	s.mu.RUnlock()
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if id.Level >= 64 || (id.Index+1)<<id.Level > count || (id.Index+1)<<id.Level>>id.Level != id.Index+1 {
			return nil, fmt.Errorf("%w: tree node (%d,%d)", ErrNotFound, id.Level, id.Index)
		}
		h := make([]byte, 32)
		if err := readFull(s.ix.tree, h, int64(32*treeSlot(id))); err != nil {
			return nil, &CorruptError{Path: s.path, Offset: -1, Record: -1, Reason: "read tree index", Err: err}
		}
		out[i] = h
	}
	return out, nil
}

func (s *fileStore) close() error {
	var err error
	if s.ix != nil {
		err = s.ix.close()
	}
	return errors.Join(err, s.f.Close())
}

// resetDerived forgets the index before a full replay, which rebuilds it.
func (s *fileStore) resetDerived() {
	if s.ix != nil {
		s.ix.close()
		s.ix = nil
	}
	s.count, s.end, s.cpOff, s.cpNote, s.meta = 0, 0, 0, nil, nil
}

// compactIndex rewrites the index database densely.
func (s *fileStore) compactIndex() error {
	if err := s.ix.compact(s.path); err != nil {
		return fmt.Errorf("ledger: compact the index: %w", err)
	}
	return nil
}

// big returns the store of the state's large collections: the index
// that the store has open at the time of each call.
func (s *fileStore) big() bigStore { return ixRef{s} }

type ixRef struct{ s *fileStore }

func (r ixRef) get(bucket byte, k []byte) ([]byte, bool, error) {
	if r.s.ix == nil {
		return nil, false, ErrClosed
	}
	return r.s.ix.get(bucket, k)
}

func (r ixRef) scan(bucket byte, prefix []byte, fn func(k, v []byte) error) error {
	if r.s.ix == nil {
		return ErrClosed
	}
	return r.s.ix.scan(bucket, prefix, fn)
}

// persist flushes the state's large collections with write and advances
// the index head to the current commit, whose record count is count and
// compact range hashes.
func (s *fileStore) persist(count uint64, hashes [][]byte, small []byte, write func(bigWriter) error) error {
	s.mu.RLock()
	h := &indexHead{end: uint64(s.end), count: s.count, cpOff: uint64(s.cpOff), cpNote: s.cpNote, hashes: hashes, state: small, meta: s.meta}
	s.mu.RUnlock()
	if h.count != count {
		return fmt.Errorf("ledger: index head at %d records, log at %d", count, h.count)
	}
	return s.ix.persist(h, write)
}
