package ledger

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// The ledger file (format 1) is an append-only log of checksummed frames
// after a fixed header. It is the source of truth: everything else (record
// offsets, tree nodes, state) is derived from it.
//
//	header  (80 bytes)
//	  magic  "civicproof-log\x00\x01"                          16 bytes
//	  slot 0, slot 1: gen u64 | end u64 | count u64 | 0 u32 | crc32c u32
//	frames  magic 0xC5 0x4C | type u8 | 0 u8 | length u32 | crc32c u32 | payload
//
// Integers are big endian; a frame's CRC-32C covers its type, flag byte,
// length and payload; a slot's covers its first 28 bytes. The first frame
// is the genesis ('G': origin, newline, 32-byte Ed25519 checkpoint key).
// Then come commits: record frames ('R', canonical signed record bytes),
// an optional application metadata frame ('M'), and the checkpoint frame
// ('C', the signed note) that ends the commit. A commit is written in one
// write and synced; then the header slot after the newest one is
// overwritten with (gen+1, end of the commit, record count) and synced.
// The slots let an open detect a file cut short, even at a commit
// boundary: the newest slot names the length that was acknowledged.
const (
	headerSize      = 80
	slotSize        = 32
	frameHeaderSize = 12
	// maxFramePayload bounds a frame: records are at most MaxRecordSize,
	// checkpoint notes and metadata far less.
	maxFramePayload = 1 << 20
	// MaxAppMeta bounds the application metadata stored with a commit.
	MaxAppMeta = 64 << 10
)

const (
	frameGenesis    = 'G'
	frameRecord     = 'R'
	frameMeta       = 'M'
	frameCheckpoint = 'C'
)

var (
	fileMagic  = []byte("civicproof-log\x00\x01")
	frameMagic = [2]byte{0xC5, 0x4C}
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

// CorruptError reports damage in a ledger file: where it is, and how many
// records before it are intact. It unwraps to ErrCorrupt.
type CorruptError struct {
	// Path is the file (empty when not known).
	Path string
	// Offset is the byte offset of the damage, -1 if the damage cannot be
	// placed (e.g. a root that does not match the signed checkpoint).
	Offset int64
	// Record is the log index of the first record the damage affects: the
	// records before it were read intact. -1 if not known.
	Record int64
	// Reason says what is wrong.
	Reason string
	// Err is an underlying cause, if any.
	Err error
}

func (e *CorruptError) Error() string {
	var b bytes.Buffer
	b.WriteString(ErrCorrupt.Error())
	if e.Path != "" {
		fmt.Fprintf(&b, ": %s", e.Path)
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " at byte %d", e.Offset)
	}
	if e.Record >= 0 {
		fmt.Fprintf(&b, " (record %d)", e.Record)
	}
	fmt.Fprintf(&b, ": %s", e.Reason)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns ErrCorrupt and the cause.
func (e *CorruptError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrCorrupt, e.Err}
	}
	return []error{ErrCorrupt}
}

func corruptAt(off, record int64, format string, args ...any) *CorruptError {
	return &CorruptError{Offset: off, Record: record, Reason: fmt.Sprintf(format, args...)}
}

// slot is one header slot: the file was acknowledged up to end, holding
// count records, at generation gen.
type slot struct {
	gen, end, count uint64
}

func (s slot) encode() []byte {
	b := make([]byte, slotSize)
	binary.BigEndian.PutUint64(b[0:], s.gen)
	binary.BigEndian.PutUint64(b[8:], s.end)
	binary.BigEndian.PutUint64(b[16:], s.count)
	binary.BigEndian.PutUint32(b[28:], crc32.Checksum(b[:28], castagnoli))
	return b
}

func decodeSlot(b []byte) (slot, bool) {
	if crc32.Checksum(b[:28], castagnoli) != binary.BigEndian.Uint32(b[28:]) || binary.BigEndian.Uint32(b[24:]) != 0 {
		return slot{}, false
	}
	return slot{binary.BigEndian.Uint64(b[0:]), binary.BigEndian.Uint64(b[8:]), binary.BigEndian.Uint64(b[16:])}, true
}

func slotOffset(i int) int64 { return int64(len(fileMagic) + i*slotSize) }

func encodeHeader(newest slot) []byte {
	older := slot{gen: newest.gen - 1, end: newest.end, count: newest.count}
	b := append([]byte(nil), fileMagic...)
	if newest.gen%2 == 0 {
		return append(append(b, newest.encode()...), older.encode()...)
	}
	return append(append(b, older.encode()...), newest.encode()...)
}

func appendFrame(dst []byte, typ byte, payload []byte) []byte {
	var h [frameHeaderSize]byte
	h[0], h[1], h[2] = frameMagic[0], frameMagic[1], typ
	binary.BigEndian.PutUint32(h[4:], uint32(len(payload)))
	c := crc32.Update(0, castagnoli, h[2:8])
	c = crc32.Update(c, castagnoli, payload)
	binary.BigEndian.PutUint32(h[8:], c)
	return append(append(dst, h[:]...), payload...)
}

func genesisPayload(origin string, key []byte) []byte {
	return append([]byte(origin+"\n"), key...)
}

func parseGenesis(p []byte) (origin string, key []byte, err error) {
	i := bytes.IndexByte(p, '\n')
	if i < 0 || len(p)-i-1 != 32 {
		return "", nil, errors.New("malformed genesis frame")
	}
	origin = string(p[:i])
	if err := checkOrigin(origin); err != nil {
		return "", nil, err
	}
	return origin, p[i+1:], nil
}

// logVisitor receives the frames of a log as scanLog reads them. A
// non-nil error from a callback marks the frame as damaged.
type logVisitor struct {
	genesis    func(origin string, key []byte) error
	record     func(index uint64, off int64, payload []byte) error
	meta       func(payload []byte) error
	checkpoint func(count uint64, off int64, note []byte) error
}

// scanResult describes the intact part of a log.
type scanResult struct {
	header    bool   // both header slots read
	newest    slot   // newest header slot (if header)
	end       int64  // end of the last intact commit
	count     uint64 // records in the intact commits
	cpNote    []byte // checkpoint of the last intact commit
	meta      []byte // metadata of the last intact commit that has one
	cpOff     int64  // offset of that checkpoint frame
	tornBytes int64  // bytes after end that an interrupted commit left
	complete  bool   // every frame was read intact (damage, if any, is in the header)
	origin    string
	key       []byte
}

// scanLog reads a log file of the given size. It returns the intact prefix
// and, when the file is damaged, a *CorruptError naming the first damage.
// A tail left by an interrupted commit (after the acknowledged length:
// complete frames without their checkpoint, a cut frame, or zeros) is not
// damage: it was never acknowledged and is reported in tornBytes.
func scanLog(r io.ReaderAt, size int64, v logVisitor) (scanResult, *CorruptError) {
	return scanLogFrom(r, size, headerSize, 0, nil, v)
}

// scanLogFrom is scanLog starting after a commit already known (from a
// file's index): at offset start, with count records before it and cpNote its
// checkpoint. start == headerSize scans the whole log.
func scanLogFrom(r io.ReaderAt, size, start int64, startCount uint64, startNote []byte, v logVisitor) (scanResult, *CorruptError) {
	var res scanResult
	if size < headerSize {
		return res, corruptAt(size, -1, "file of %d bytes is shorter than the %d-byte header (not a ledger file, or cut short)", size, headerSize)
	}
	h := make([]byte, headerSize)
	if _, err := r.ReadAt(h, 0); err != nil {
		return res, &CorruptError{Offset: 0, Record: -1, Reason: "read header", Err: err}
	}
	var damage *CorruptError
	if !bytes.Equal(h[:len(fileMagic)], fileMagic) {
		damage = corruptAt(0, -1, "not a civicproof ledger file (bad magic)")
	}
	s0, ok0 := decodeSlot(h[slotOffset(0):])
	s1, ok1 := decodeSlot(h[slotOffset(1):])
	newest, older := s0, s1
	if s1.gen > s0.gen {
		newest, older = s1, s0
	}
	var slotErr *CorruptError
	switch {
	case !ok0:
		slotErr = corruptAt(slotOffset(0), -1, "header slot 0 checksum mismatch")
	case !ok1:
		slotErr = corruptAt(slotOffset(1), -1, "header slot 1 checksum mismatch")
	case newest.gen != older.gen+1 || older.end > newest.end || older.count > newest.count || newest.gen%2 != 0 && newest == s0 || newest.gen%2 != 1 && newest == s1 || newest.end < headerSize:
		slotErr = corruptAt(slotOffset(0), -1, "header slots disagree")
	}
	if damage == nil {
		damage = slotErr
	}
	res.header = slotErr == nil
	if res.header {
		res.newest = newest
	}
	// ackEnd is where acknowledged data ends; past it lies at most an
	// interrupted commit. Without a readable header, or in a file cut
	// short, every byte counts.
	ackEnd := size
	truncated := false
	if res.header {
		if newest.end > uint64(size) {
			truncated = true
			if damage == nil {
				damage = corruptAt(size, -1, "file ends at byte %d but %d bytes (%d records) were acknowledged: cut short", size, newest.end, newest.count)
			}
		} else {
			ackEnd = int64(newest.end)
		}
	}

	br := &frameReader{r: r, size: size, off: start}
	var (
		count     = startCount
		seenOlder = !res.header || truncated || older.end == newest.end || int64(older.end) <= start
		seenNew   = !res.header || truncated || int64(newest.end) == start
		inCommit  bool
		pendMeta  []byte
		first     = start == headerSize
	)
	if !first {
		res.end, res.count, res.cpNote = start, startCount, startNote
		if res.header && int64(newest.end) < start {
			return res, corruptAt(start, int64(startCount), "header names length %d, before the index's %d", newest.end, start)
		}
	}
	fail := func(c *CorruptError) (scanResult, *CorruptError) {
		if damage == nil {
			damage = c
		}
		return res, damage
	}
	for br.off < size {
		off := br.off
		typ, payload, ferr := br.next()
		if ferr != nil {
			if off >= ackEnd && br.tornTail(off) {
				res.tornBytes = size - off
				break
			}
			return fail(corruptAt(off, int64(count), "%v", ferr))
		}
		bad := func(format string, args ...any) (scanResult, *CorruptError) {
			return fail(corruptAt(off, int64(count), format, args...))
		}
		if res.header && !truncated && br.off > ackEnd && off < ackEnd {
			return bad("frame crosses the acknowledged length %d", ackEnd)
		}
		if first {
			if typ != frameGenesis {
				return bad("first frame is %q, want the genesis frame", typ)
			}
			origin, key, err := parseGenesis(payload)
			if err != nil {
				return bad("%v", err)
			}
			if v.genesis != nil {
				if err := v.genesis(origin, key); err != nil {
					return fail(&CorruptError{Offset: off, Record: 0, Reason: "genesis", Err: err})
				}
			}
			res.origin, res.key = origin, bytes.Clone(key)
			first = false
			continue
		}
		switch typ {
		case frameRecord:
			if pendMeta != nil {
				return bad("record frame after the metadata frame of its commit")
			}
			if len(payload) > MaxRecordSize {
				return bad("record of %d bytes exceeds %d", len(payload), MaxRecordSize)
			}
			if v.record != nil {
				if err := v.record(count, off, payload); err != nil {
					return fail(&CorruptError{Offset: off, Record: int64(count), Reason: "record", Err: err})
				}
			}
			count++
			inCommit = true
		case frameMeta:
			if pendMeta != nil || len(payload) > MaxAppMeta {
				return bad("unexpected metadata frame")
			}
			pendMeta = bytes.Clone(payload)
			if v.meta != nil {
				if err := v.meta(pendMeta); err != nil {
					return fail(&CorruptError{Offset: off, Record: int64(count), Reason: "metadata", Err: err})
				}
			}
			inCommit = true
		case frameCheckpoint:
			if res.header && !truncated && uint64(br.off) == newest.end && count != newest.count {
				return bad("commit ends with %d records, header says %d", count, newest.count)
			}
			if v.checkpoint != nil {
				if err := v.checkpoint(count, off, payload); err != nil {
					var ce *CorruptError
					if errors.As(err, &ce) {
						return fail(ce) // placed by the callback (a record of the commit)
					}
					return fail(&CorruptError{Offset: off, Record: int64(res.count), Reason: "checkpoint", Err: err})
				}
			}
			res.end, res.count, res.cpNote, res.cpOff = br.off, count, bytes.Clone(payload), off
			if pendMeta != nil {
				res.meta = pendMeta
			}
			pendMeta, inCommit = nil, false
			if res.header && !truncated {
				if uint64(res.end) == older.end {
					seenOlder = seenOlder || res.count == older.count
				}
				if uint64(res.end) == newest.end {
					seenNew = true
				}
			}
		default:
			return bad("unknown frame type %#x", typ)
		}
	}
	if first {
		return fail(corruptAt(headerSize, 0, "no genesis frame"))
	}
	if res.header && (!seenNew || !seenOlder) {
		return fail(corruptAt(int64(newest.end), int64(res.count), "acknowledged length %d is not a commit boundary", newest.end))
	}
	if inCommit {
		// Whole frames of an interrupted commit: never acknowledged.
		if res.header && !truncated && res.end < ackEnd {
			return fail(corruptAt(res.end, int64(res.count), "acknowledged commit without its checkpoint"))
		}
		res.tornBytes = size - res.end
	}
	if res.cpNote == nil {
		return fail(corruptAt(headerSize, 0, "no checkpoint"))
	}
	res.complete = !truncated
	return res, damage
}

// frameReader reads frames sequentially through a buffer.
type frameReader struct {
	r    io.ReaderAt
	size int64
	off  int64
	buf  []byte
	bOff int64 // file offset of buf[0]
}

// read returns n bytes at off (valid until the next call).
func (f *frameReader) read(off int64, n int) ([]byte, error) {
	if off+int64(n) > f.size {
		return nil, io.ErrUnexpectedEOF
	}
	if off >= f.bOff && off+int64(n) <= f.bOff+int64(len(f.buf)) {
		return f.buf[off-f.bOff : off-f.bOff+int64(n)], nil
	}
	want := max(n, 1<<20)
	want = int(min(int64(want), f.size-off))
	if cap(f.buf) < want {
		f.buf = make([]byte, want)
	}
	f.buf = f.buf[:want]
	if k, err := f.r.ReadAt(f.buf, off); k < want {
		f.buf = f.buf[:0]
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	f.bOff = off
	return f.buf[:n], nil
}

func (f *frameReader) next() (byte, []byte, error) {
	h, err := f.read(f.off, frameHeaderSize)
	if err != nil {
		return 0, nil, fmt.Errorf("frame header cut short (%d bytes left)", f.size-f.off)
	}
	if h[0] != frameMagic[0] || h[1] != frameMagic[1] {
		return 0, nil, errors.New("bad frame magic")
	}
	if h[3] != 0 {
		return 0, nil, errors.New("bad frame flags")
	}
	typ, n, sum := h[2], binary.BigEndian.Uint32(h[4:]), binary.BigEndian.Uint32(h[8:])
	if n > maxFramePayload {
		return 0, nil, fmt.Errorf("frame length %d exceeds %d", n, maxFramePayload)
	}
	c := crc32.Update(0, castagnoli, h[2:8])
	all, err := f.read(f.off, frameHeaderSize+int(n))
	if err != nil {
		return 0, nil, fmt.Errorf("frame of %d bytes cut short (%d bytes left)", n, f.size-f.off-frameHeaderSize)
	}
	payload := all[frameHeaderSize:]
	if crc32.Update(c, castagnoli, payload) != sum {
		return 0, nil, errors.New("frame checksum mismatch")
	}
	f.off += frameHeaderSize + int64(n)
	return typ, payload, nil
}

// tornTail reports whether the bytes from off to the end look like a cut
// write of our own: a cut frame whose present bytes are well formed, or
// zeros (a file system may extend a file with zeros after a crash).
func (f *frameReader) tornTail(off int64) bool {
	rest := f.size - off
	if rest > maxFramePayload+frameHeaderSize {
		return false
	}
	b, err := f.read(off, int(rest))
	if err != nil {
		return false
	}
	if len(bytes.Trim(b, "\x00")) == 0 {
		return true
	}
	if len(b) >= 2 && (b[0] != frameMagic[0] || b[1] != frameMagic[1]) || len(b) == 1 && b[0] != frameMagic[0] {
		return false
	}
	if len(b) < frameHeaderSize {
		return len(b) < 4 || b[3] == 0
	}
	if b[3] != 0 {
		return false
	}
	n := binary.BigEndian.Uint32(b[4:])
	switch b[2] {
	case frameRecord, frameMeta, frameCheckpoint:
	default:
		return false
	}
	return n <= maxFramePayload && int64(frameHeaderSize)+int64(n) > rest
}
