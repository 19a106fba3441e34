package cometbft

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/civicproof/civicproof/ledger"
)

// EncodeTx returns the transaction that submits records: the canonical
// bytes of the signed record for one record, or for several (accepted all
// together or not at all) a JSON array of their canonical bytes with no
// whitespace.
func EncodeTx(srs ...*ledger.SignedRecord) ([]byte, error) {
	if len(srs) == 0 {
		return nil, fmt.Errorf("%w: empty batch", ledger.ErrInvalidRecord)
	}
	var buf bytes.Buffer
	if len(srs) > 1 {
		buf.WriteByte('[')
	}
	for i, sr := range srs {
		if sr == nil {
			return nil, fmt.Errorf("ledger: record %d: %w: nil", i, ledger.ErrInvalidRecord)
		}
		b, err := sr.VerifiedBytes()
		if err != nil {
			return nil, fmt.Errorf("ledger: record %d: %w", i, err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(b)
	}
	if len(srs) > 1 {
		buf.WriteByte(']')
	}
	return buf.Bytes(), nil
}

// DecodeTx parses a transaction made by EncodeTx, verifying every record
// (ledger.DecodeSignedRecord) and that the transaction is exactly the
// canonical encoding. Errors wrap ledger.ErrInvalidRecord.
func DecodeTx(tx []byte) ([]*ledger.SignedRecord, error) {
	srs, _, err := decodeTx(tx)
	return srs, err
}

// decodeTx is DecodeTx that also returns each record's canonical bytes
// (which DecodeSignedRecord checked), not aliasing tx.
func decodeTx(tx []byte) ([]*ledger.SignedRecord, [][]byte, error) {
	if len(tx) == 0 {
		return nil, nil, fmt.Errorf("%w: empty transaction", ledger.ErrInvalidRecord)
	}
	if tx[0] != '[' {
		sr, err := ledger.DecodeSignedRecord(tx)
		if err != nil {
			return nil, nil, err
		}
		return []*ledger.SignedRecord{sr}, [][]byte{bytes.Clone(tx)}, nil
	}
	var raws []json.RawMessage // json.Unmarshal copies each element
	if err := json.Unmarshal(tx, &raws); err != nil {
		return nil, nil, fmt.Errorf("%w: batch: %w", ledger.ErrInvalidRecord, err)
	}
	if len(raws) < 2 {
		return nil, nil, fmt.Errorf("%w: a batch holds at least two records", ledger.ErrInvalidRecord)
	}
	srs := make([]*ledger.SignedRecord, len(raws))
	bs := make([][]byte, len(raws))
	n := 1
	for i, raw := range raws {
		sr, err := ledger.DecodeSignedRecord(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("ledger: record %d: %w", i, err)
		}
		srs[i], bs[i] = sr, raw
		n += len(raw) + 1
	}
	if n != len(tx) {
		// json.Unmarshal accepts whitespace between elements.
		return nil, nil, fmt.Errorf("%w: %w: batch", ledger.ErrInvalidRecord, ledger.ErrNonCanonical)
	}
	return srs, bs, nil
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
