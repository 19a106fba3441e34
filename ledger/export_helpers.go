package ledger

// VerifiedBytes is Verify and Bytes in one: it checks that the record is
// valid and its signature its author's, and returns its canonical bytes,
// encoding the record once.
func (sr *SignedRecord) VerifiedBytes() ([]byte, error) { return sr.verifiedBytes() }
