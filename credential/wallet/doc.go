// Package wallet is the holder's store: the holder secret and the
// credentials bound to it, kept in one file encrypted at rest under a
// passphrase, with their revocation witnesses, and the master secret from
// which package holder derives the citizen's pairwise identities (so they
// are restored with every backup).
//
// # Format and choices
//
// The file is
//
//	"CPWALLET" | version 1 | argon2 time (u32) | argon2 memory KiB (u32) |
//	argon2 threads (u8) | salt (16) | nonce (24) | ciphertext | SHA-256 of all before
//
// (integers big-endian). The key is argon2id (RFC 9106) of the passphrase
// and salt with the parameters in the header; the default is RFC 9106's
// second recommended option, t=3, m=64 MiB, p=4 (DefaultKDF). The
// plaintext, a JSON document, is sealed with XChaCha20-Poly1305 under that
// key with the header as associated data and a fresh random nonce on every
// write. The trailing SHA-256 is not a secret check: it tells a damaged
// file (ErrCorrupt) apart from a wrong passphrase (ErrWrongPassphrase).
// Export writes the same format under a backup passphrase.
//
// # Threats
//
// A stolen device or backup: without the passphrase the file reveals
// nothing but its length; argon2id makes guessing costly. Crashes and bad
// input: every write goes to a temporary file in the same directory, is
// fsynced and renamed over the old file (then the directory is fsynced),
// so the file is always the old or the new version, and a wrong passphrase
// or a damaged file never causes a write. A file names its own argon2id
// parameters, so a crafted file could ask for any cost: parameters beyond
// MaxKDFTime, MaxKDFMemoryKiB or MaxKDFWorkKiB (at most 256 MiB and four
// times the default work) are refused with ErrBadKDF before any key is
// derived; the attack backups are kept under testdata/import.
//
// # Cost
//
// Opening or creating costs one argon2id derivation (about 0.1–0.3 s and
// 64 MiB with the default on a 2-core machine); each later write costs one
// XChaCha20-Poly1305 seal of the whole store and an fsync.
package wallet
