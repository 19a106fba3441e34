package cometbft

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/civicproof/civicproof/ledger"
)

// MaxBatchRecords bounds the records of one transaction. A larger batch
// is refused with ErrBatchTooLarge before any of its records is decoded.
const MaxBatchRecords = 1024

// ErrBatchTooLarge: a transaction holds more than MaxBatchRecords records.
// It wraps ledger.ErrInvalidRecord.
var ErrBatchTooLarge = fmt.Errorf("%w: batch of more than %d records", ledger.ErrInvalidRecord, MaxBatchRecords)

// EncodeTx returns the transaction that submits records: the canonical
// bytes of the signed record for one record, or for several (accepted all
// together or not at all) a JSON array of their canonical bytes with no
// whitespace. It verifies every record's signature.
func EncodeTx(srs ...*ledger.SignedRecord) ([]byte, error) {
	tx, _, err := encodeTx(srs, true)
	return tx, err
}

// encodeTx is EncodeTx that also returns each record's canonical bytes
// and, when verify is false, leaves the signatures to the node's CheckTx.
func encodeTx(srs []*ledger.SignedRecord, verify bool) ([]byte, [][]byte, error) {
	if len(srs) == 0 {
		return nil, nil, fmt.Errorf("%w: empty batch", ledger.ErrInvalidRecord)
	}
	if len(srs) > MaxBatchRecords {
		return nil, nil, fmt.Errorf("%w: %d records", ErrBatchTooLarge, len(srs))
	}
	var buf bytes.Buffer
	bs := make([][]byte, len(srs))
	if len(srs) > 1 {
		buf.WriteByte('[')
	}
	for i, sr := range srs {
		if sr == nil {
			return nil, nil, fmt.Errorf("ledger: record %d: %w: nil", i, ledger.ErrInvalidRecord)
		}
		var b []byte
		var err error
		if verify {
			b, err = sr.VerifiedBytes()
		} else {
			b, err = sr.Bytes()
		}
		if err != nil {
			return nil, nil, fmt.Errorf("ledger: record %d: %w", i, err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(b)
		bs[i] = b
	}
	if len(srs) > 1 {
		buf.WriteByte(']')
	}
	return buf.Bytes(), bs, nil
}

// DecodeTx parses a transaction made by EncodeTx, verifying every record
// (ledger.DecodeSignedRecord) and that the transaction is exactly the
// canonical encoding. Errors wrap ledger.ErrInvalidRecord; a batch of
// more than MaxBatchRecords records is refused with ErrBatchTooLarge.
func DecodeTx(tx []byte) ([]*ledger.SignedRecord, error) {
	vrs, err := decodeTx(tx)
	if err != nil {
		return nil, err
	}
	srs := make([]*ledger.SignedRecord, len(vrs))
	for i, v := range vrs {
		srs[i] = v.SignedRecord()
	}
	return srs, nil
}

// decodeTx is DecodeTx keeping each record verified with its canonical
// bytes (not aliasing tx).
func decodeTx(tx []byte) ([]*ledger.VerifiedRecord, error) {
	if len(tx) == 0 {
		return nil, fmt.Errorf("%w: empty transaction", ledger.ErrInvalidRecord)
	}
	if tx[0] != '[' {
		v, err := ledger.DecodeVerified(tx)
		if err != nil {
			return nil, err
		}
		return []*ledger.VerifiedRecord{v}, nil
	}
	var raws []json.RawMessage // json.Unmarshal copies each element
	if err := json.Unmarshal(tx, &raws); err != nil {
		return nil, fmt.Errorf("%w: batch: %w", ledger.ErrInvalidRecord, err)
	}
	if len(raws) < 2 {
		return nil, fmt.Errorf("%w: a batch holds at least two records", ledger.ErrInvalidRecord)
	}
	if len(raws) > MaxBatchRecords {
		return nil, fmt.Errorf("%w: %d records", ErrBatchTooLarge, len(raws))
	}
	n := 1
	for _, raw := range raws {
		n += len(raw) + 1
	}
	if n != len(tx) {
		// json.Unmarshal accepts whitespace between elements.
		return nil, fmt.Errorf("%w: %w: batch", ledger.ErrInvalidRecord, ledger.ErrNonCanonical)
	}
	vrs := make([]*ledger.VerifiedRecord, len(raws))
	for i, raw := range raws {
		v, err := ledger.DecodeVerified(raw)
		if err != nil {
			return nil, fmt.Errorf("ledger: record %d: %w", i, err)
		}
		vrs[i] = v
	}
	return vrs, nil
}

// Result codes of CheckTx and FinalizeBlock. Zero is success. Each code
// stands for the ledger errors listed in codes, most specific first.
const (
	CodeOK           uint32 = 0
	CodeInvalid      uint32 = 1 // ledger.ErrInvalidRecord
	CodeUnauthorized uint32 = 2 // ledger.ErrUnauthorized
	CodeDuplicate    uint32 = 3 // ledger.ErrInvalidRecord, ledger.ErrDuplicate
	CodeRotatedKey   uint32 = 4 // ledger.ErrUnauthorized, ledger.ErrRotatedKey
	CodeClock        uint32 = 5 // ledger.ErrInvalidRecord, ledger.ErrClock
	CodeInternal     uint32 = 6 // not a property of the record
)

// Codespace names this application's result codes.
const Codespace = "civicproof.ledger"

// codes lists each refusal code with the ledger errors it stands for, in
// the order codeOf tries them: a code whose last error is more specific
// comes before the codes of its more general errors.
var codes = []struct {
	code uint32
	errs []error
}{
	{CodeRotatedKey, []error{ledger.ErrUnauthorized, ledger.ErrRotatedKey}},
	{CodeUnauthorized, []error{ledger.ErrUnauthorized}},
	{CodeDuplicate, []error{ledger.ErrInvalidRecord, ledger.ErrDuplicate}},
	{CodeClock, []error{ledger.ErrInvalidRecord, ledger.ErrClock}},
	{CodeInvalid, []error{ledger.ErrInvalidRecord}},
}

// codeOf maps a refusal to its result code: the first code whose most
// specific error it wraps.
func codeOf(err error) uint32 {
	if err == nil {
		return CodeOK
	}
	for _, c := range codes {
		if errors.Is(err, c.errs[len(c.errs)-1]) {
			return c.code
		}
	}
	return CodeInternal
}

// codeError turns a result code and its log back into an error that wraps
// the ledger errors the code stands for.
func codeError(code uint32, codespace, log string) error {
	if code == CodeOK {
		return nil
	}
	if codespace != Codespace {
		return fmt.Errorf("ledger/cometbft: refused (%s code %d): %s", codespace, code, log)
	}
	for _, c := range codes {
		if c.code != code {
			continue
		}
		switch len(c.errs) {
		case 1:
			return fmt.Errorf("%w: %s", c.errs[0], log)
		case 2:
			return fmt.Errorf("%w: %w: %s", c.errs[0], c.errs[1], log)
		}
	}
	return fmt.Errorf("ledger/cometbft: code %d: %s", code, log)
}
