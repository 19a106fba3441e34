// Package ledger is civicproof's verifiable append-only log of signed
// records and the state derived from it: the issuer registry with
// accreditations and key rotation, schemas, credential anchors and
// revocation roots, verifying-key fingerprints, consent receipts and
// withdrawals, guardianships, access records and agency event totals.
//
// # Records
//
// A Record (kind, author DID, time, payload) is encoded as RFC 8785 (JCS)
// canonical JSON and signed by its author's Ed25519 key with the identity
// package's domain separation under the domain "ledger.record/<kind>", so a
// signature for one kind never verifies as another. DecodeSignedRecord
// accepts only the exact canonical bytes, known kinds and known fields.
// Payloads carry hashes, commitments and codes, never personal data in
// clear: the payload types have no field that could hold a name or a claim
// about a citizen. Integers stay below 2^53 because JCS numbers are IEEE
// 754 doubles.
//
// # State machine
//
// State applies records in log order and enforces who may write what (see
// each payload type). It is pure — no I/O, no clock — so the embedded engine
// here and the replicated engine (package ledger/cometbft) derive
// the same state from the same log; MarshalBinary and Digest give a
// deterministic serialization to compare. A refused record changes nothing
// and returns an error wrapping ErrUnauthorized or ErrInvalidRecord.
//
// Permissions that decide ownership (each enforced by State, each attack
// kept as a vector under testdata/permissions):
//   - governance (the root authority) alone makes a verifying key official;
//   - the schemas of a credential type are registered by its owner, the
//     agency governance accredited first as issuer of it, so a
//     co-accredited issuer cannot squat a version;
//   - a consent receipt's grant id is GrantID(citizen, content): it
//     commits to the grant's citizen, so nobody anchors another citizen's
//     grant id first and blocks the owner's receipt;
//   - a consent/revoke agency event (GrantRevokeTopic) is accepted only
//     from the agency the grant was anchored to.
//
// Key rotation: an agency's stable identifier is the DID it registered with
// (Agency.ID). After a key-rotate record it writes with its new key's DID;
// records by an earlier DID are refused with ErrRotatedKey. Queries accept
// any DID the agency has held, and Resolver returns the agency's current DID
// document (identity.Resolver); AgencyKeyAt gives the key in force at a
// past log index.
//
// # Log, proofs and checkpoints
//
// The log is an RFC 6962 / RFC 9162 Merkle tree (SHA-256; leaf hash
// H(0x00 || canonical signed record), node hash H(0x01 || left || right))
// built with github.com/transparency-dev/merkle. After every commit the
// ledger signs a checkpoint in the C2SP tlog-checkpoint format
// (github.com/transparency-dev/formats/log) as a C2SP signed note
// (golang.org/x/mod/sumdb/note) with its Ed25519 key. A client that knows
// only the ledger's origin and public key (Verifier) checks a checkpoint's
// signature, the inclusion of a record (VerifyInclusion) and that a newer
// checkpoint extends an older one (VerifyConsistency), trusting nothing
// else the ledger says.
//
// Threat model: the ledger operator holds the checkpoint key but cannot
// rewrite or drop history unnoticed — a client that kept any earlier
// checkpoint detects it with a consistency proof, and two clients that
// compare checkpoints detect a split view. Authors cannot be impersonated:
// every record carries its author's signature. The operator can refuse or
// delay records (censorship), which the log does not prevent. The stored
// file is checked on every open: each record and tree node is recomputed
// and compared with the last signed checkpoint, and tampering is reported
// as ErrCorrupt.
//
// # Engines
//
// Ledger is the interface every engine implements. The default is the
// embedded engine: one file, no server. Create makes a new ledger file
// (ErrExist if the path exists); Open opens one and never creates it
// (ErrNotExist), so a lost or emptied file is never mistaken for a new,
// empty ledger. NewInMemory runs the same engine without a file. Package
// ledger/cometbft is the distributed engine: the same state machine as a
// CometBFT application, one validator per agency, each node serving the
// Ledger interface from its own embedded ledger, which it feeds block by
// block through a Stage (Apply, Commit with the block's metadata, or
// Abort), so that each record is applied once to one state.
//
// # The ledger file
//
// The file is the log itself, append-only, in checksummed frames: an
// 80-byte header (magic and two CRC-32C-protected slots naming the
// acknowledged length and record count), then a genesis frame (origin and
// checkpoint key) and commits — record frames, an optional application
// metadata frame and the signed checkpoint that ends the commit — each
// frame carrying its length and CRC-32C. Record offsets, tree nodes and the
// state are derived from it on open. A commit is appended in one write and
// synced (fdatasync), then the header slot is updated and synced; only
// then are its submitters acknowledged, so an acknowledged record survives
// a crash and an interrupted commit is a tail that the next open drops.
// Concurrent submissions are coalesced into one commit (group commit).
//
// Threat: a damaged or hostile file — a flipped bit, a cut, garbage, a
// file that is not a ledger, records rewritten with valid checksums. Open
// reads the file as untrusted bytes: nothing in it can make it panic or
// crash the process; it checks every frame's checksum, decodes every
// record, recomputes the tree and state, and checks the root against the
// last signed checkpoint. Damage is a *CorruptError (errors.Is(err,
// ErrCorrupt)) with the byte offset and the first affected record; a file
// cut short, even at a commit boundary, is caught by the header's
// acknowledged length. What a file cannot show by itself is a consistent
// rollback (whole commits removed and the header rewritten): a client that
// kept a later checkpoint detects it with a consistency proof.
//
// VerifyFile checks a file read-only, including every intermediate
// checkpoint's signature and root; Repair keeps the intact commits,
// rewrites a damaged header, drops an unacknowledged tail, and takes
// missing records from a backup copy that agrees with them. It never drops
// an acknowledged record silently: it refuses (ErrRepairRefused) unless
// told to truncate, and reports how many records that drops; the damaged
// file is kept beside the repaired one. The civicproofd command exposes
// both: civicproofd verify -ledger FILE, civicproofd repair -ledger FILE
// [-from BACKUP] [-truncate].
//
// Snapshots: Close writes the derived data (state, tree nodes) to
// <file>.snap with a SHA-256; Open installs it after checking it against
// the log's signed checkpoint at the commit it names, still reads every
// frame of the log and checks its CRC-32C, and decodes and replays only
// the records after the snapshot. A damaged, stale or foreign snapshot is
// set aside — LoadReport says why — and the log is replayed in full
// (author signatures are not re-verified then: the signed checkpoint
// authenticates every stored byte). A record rewritten before the snapshot
// with a recomputed checksum is found by VerifyFile, which replays all.
//
// Costs (2-core machine shared with other builds, real fsync): a single
// synchronous writer is bound by two syncs per commit; group commit and
// SubmitBatch amortize them (BenchmarkSubmit*). Opening 10^6 records
// (342 MB file, 132 MB snapshot) took 116 s by replay and 15 s from the
// snapshot on a heavily shared 2-core machine (BenchmarkOpenLarge
// -open-records 1000000; RSS 185 and 252 MB): replay costs are record
// decoding, snapshot costs are reading every frame and decoding the state.
// The derived state is held in memory (Go maps).
// The file store builds for every platform with an OS file system (not
// js/wasm or wasip1, where only NewInMemory is available).
package ledger
