//go:build !js && !wasip1

package ledger

import (
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
	os.Remove(snapPath(path)) // a stale snapshot of an earlier file
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
// Opening reads every frame of the file, checking its CRC-32C, decodes
// every record, recomputes the RFC 6962 tree and the state, and checks the
// root against the last signed checkpoint. Any damage is reported as a
// *CorruptError (errors.Is(err, ErrCorrupt)) naming the byte offset and
// record; nothing in the file can make Open panic. Use VerifyFile and
// Repair to examine and mend a damaged file. A tail left by a commit that
// was interrupted before being acknowledged is discarded.
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

// fileStore keeps the log in a file of checksummed frames (logformat.go).
// Record offsets and tree nodes are derived on open and kept in memory.
type fileStore struct {
	path string
	f    *os.File

	mu      sync.RWMutex
	offsets []int64  // frame offset of each record
	levels  [][]byte // levels[l]: hashes of the tree nodes (l, 0), (l, 1), ...
	end     int64    // end of the last commit
	cpOff   int64    // offset of its checkpoint frame
	hdr     slot     // newest header slot
	failed  error    // a write or sync failed: refuse further commits
}

func (s *fileStore) load(v loadVisitor) (cpNote, meta []byte, err error) {
	fi, err := s.f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: stat %s: %w", s.path, err)
	}
	size := fi.Size()
	if origin, key, ok := peekGenesis(s.f, size); ok && v.genesis != nil {
		if err := v.genesis(origin, key); err != nil {
			return nil, nil, err
		}
	}
	// With a usable snapshot, the records it covers are read (every
	// frame's checksum is still checked) but not replayed.
	var snap *snapshot
	if v.restore != nil {
		var err error
		snap, err = s.readSnapshot(size)
		if err == nil {
			err = v.restore(snap.count, snap.cpNote, snap.hashes, snap.state)
		}
		if err != nil {
			return nil, nil, errSnapshot{err}
		}
		s.levels = snap.levels
	}
	boundary := snap == nil
	res, cerr := scanLog(s.f, size, logVisitor{
		record: func(index uint64, off int64, leaf []byte) error {
			s.offsets = append(s.offsets, off)
			if snap != nil && index < snap.count {
				return nil
			}
			return v.record(index, leaf)
		},
		checkpoint: func(count uint64, off int64, _ []byte) error {
			if snap != nil && count == snap.count && uint64(off) == snap.cpOff {
				boundary = true
			}
			if snap == nil || count >= snap.count && boundary {
				v.commit()
			}
			return nil
		},
	})
	if cerr != nil {
		cerr.Path = s.path
		if snap != nil {
			return nil, nil, errSnapshot{cerr}
		}
		return nil, nil, cerr
	}
	if !boundary {
		return nil, nil, errSnapshot{errors.New("the snapshot's commit is not in the log (stale)")}
	}
	s.cpOff = res.cpOff
	s.offsets = s.offsets[:res.count]
	s.end, s.hdr = res.end, res.newest
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
	return res.cpNote, res.meta, nil
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

func (s *fileStore) putNode(n treeNode) {
	for len(s.levels) <= int(n.id.Level) {
		s.levels = append(s.levels, nil)
	}
	l := s.levels[n.id.Level]
	at := int(n.id.Index) * 32
	if at+32 > len(l) {
		l = append(l, make([]byte, at+32-len(l))...)
	}
	copy(l[at:], n.hash)
	s.levels[n.id.Level] = l
}

func (s *fileStore) commit(first uint64, leaves [][]byte, nodes []treeNode, cpNote, meta []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed != nil {
		return fmt.Errorf("ledger: an earlier write failed, reopen the ledger: %w", s.failed)
	}
	if first != uint64(len(s.offsets)) {
		return fmt.Errorf("ledger: commit at %d, store has %d records", first, len(s.offsets))
	}
	n := 0
	for _, l := range leaves {
		n += frameHeaderSize + len(l)
	}
	buf := make([]byte, 0, n+2*frameHeaderSize+len(cpNote)+len(meta))
	offs := make([]int64, len(leaves))
	for i, l := range leaves {
		offs[i] = s.end + int64(len(buf))
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
	if err := s.writeSlot(slot{gen: s.hdr.gen + 1, end: uint64(end), count: first + uint64(len(leaves))}); err != nil {
		s.failed = err
		return err
	}
	s.end, s.cpOff = end, cpOff
	s.offsets = append(s.offsets, offs...)
	for _, nd := range nodes {
		s.putNode(nd)
	}
	return nil
}

func (s *fileStore) record(index uint64) ([]byte, error) {
	s.mu.RLock()
	if index >= uint64(len(s.offsets)) {
		s.mu.RUnlock()
		return nil, fmt.Errorf("%w: record %d", ErrNotFound, index)
	}
	off := s.offsets[index]
	s.mu.RUnlock()
	return readFrame(s.f, off, frameRecord, s.path, int64(index))
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
	defer s.mu.RUnlock()
	out := make([][]byte, len(ids))
	for i, id := range ids {
		at := int(id.Index) * 32
		if int(id.Level) >= len(s.levels) || at+32 > len(s.levels[id.Level]) {
			return nil, fmt.Errorf("%w: tree node (%d,%d)", ErrNotFound, id.Level, id.Index)
		}
		out[i] = append([]byte(nil), s.levels[id.Level][at:at+32]...)
	}
	return out, nil
}

func (s *fileStore) close() error { return s.f.Close() }

// resetDerived forgets derived data before a full replay.
func (s *fileStore) resetDerived() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offsets, s.levels = nil, nil
}
