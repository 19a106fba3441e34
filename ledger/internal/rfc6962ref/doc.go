// Package rfc6962ref is a direct, deliberately naive transcription of the
// Merkle Tree Hash, audit paths and consistency proofs of RFC 6962 section
// 2.1 (the same definitions as RFC 9162 section 2.1). It is the reference
// the ledger's tree code and its test vectors are checked against; it is
// recursive and slow, and not for production use.
package rfc6962ref
