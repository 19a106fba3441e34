package consent

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// The compact binary encodings are a magic, a format version, then fields
// in a fixed order: unsigned integers as uvarint, times as varint Unix
// seconds, strings and byte strings as uvarint length + bytes, lists as
// uvarint count + items. Decoders accept only the canonical encoding (each
// decoded value is re-encoded and compared), so every value has exactly one
// encoding and signatures and identifiers are well defined.

const maxString = 256 // bound on any string field, in bytes

// MaxJSONSize is the largest JSON form of a request, grant or presentation
// the Parse*JSON functions read (a presentation with the largest proof is
// under 16 KiB); larger input is refused with ErrMalformed before decoding.
const MaxJSONSize = 64 << 10

type encoder struct{ b []byte }

func (e *encoder) raw(p []byte)     { e.b = append(e.b, p...) }
func (e *encoder) byte(c byte)      { e.b = append(e.b, c) }
func (e *encoder) uvarint(x uint64) { e.b = binary.AppendUvarint(e.b, x) }
func (e *encoder) time(t time.Time) { e.b = binary.AppendVarint(e.b, t.Unix()) }
func (e *encoder) bytes(p []byte)   { e.uvarint(uint64(len(p))); e.raw(p) }
func (e *encoder) string(s string)  { e.bytes([]byte(s)) }

type decoder struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated")

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) raw(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b) < n {
		d.fail(errShort)
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) byte() byte {
	p := d.raw(1)
	if p == nil {
		return 0
	}
	return p[0]
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errors.New("bad uvarint"))
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) time() time.Time {
	if d.err != nil {
		return time.Time{}
	}
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errors.New("bad varint"))
		return time.Time{}
	}
	d.b = d.b[n:]
	return time.Unix(x, 0).UTC()
}

// count reads a list length and checks it against max.
func (d *decoder) count(max int) int {
	n := d.uvarint()
	if n > uint64(max) {
		d.fail(fmt.Errorf("list of %d items, at most %d", n, max))
		return 0
	}
	return int(n)
}

func (d *decoder) bytes(max int) []byte {
	n := d.uvarint()
	if n > uint64(max) {
		d.fail(fmt.Errorf("field of %d bytes, at most %d", n, max))
		return nil
	}
	return d.raw(int(n))
}

func (d *decoder) string() string { return string(d.bytes(maxString)) }

func (d *decoder) fixed(dst []byte) { copy(dst, d.raw(len(dst))) }

func (d *decoder) finish() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	return d.err
}
