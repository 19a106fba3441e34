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
// delay records (censorship), which the log does not prevent. VerifyFile
// recomputes each record and tree node of the stored file and compares
// them with the signed checkpoints; tampering is reported as ErrCorrupt.
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
// frame carrying its length and CRC-32C. A commit is appended in one write
// and synced (fdatasync), then the header slot is updated and synced; only
// then are its submitters acknowledged, so an acknowledged record survives
// a crash and an interrupted commit is a tail that the next open drops.
// Concurrent submissions are coalesced into one commit (group commit).
//
// Beside the log, derived data that the log alone determines (the index):
//
//	<file>.tree  every tree node hash, 32 bytes, at a slot computed from
//	             the node's level and index (so proofs read O(log n)
//	             nodes from disk)
//	<file>.offs  each record's frame offset, 8 bytes
//	<file>.idx   a bbolt database: the state's large collections — record
//	             hashes seen, credential commitments, grants, each
//	             citizen's grants, access records — one bucket each, every
//	             value with a CRC-32C; and the index head
//
// The head names the commit the index reflects (offset, record count,
// signed checkpoint), the tree's compact range at that size, the small part
// of the state (agencies, accreditations, schemas, revocation roots,
// verifying keys, guardianships, agency totals, as JSON) and the latest
// application metadata, under a SHA-256. The flat files are written after
// each commit; the state's large collections are held in memory only until
// they are flushed, with the head, in one bbolt transaction, after syncing
// the flat files — every 8192 records, and on Close — and are then read
// through a bounded cache (32768 decoded values). A node's memory does not
// grow with the number of records. The in-memory engine (NewInMemory, and
// js/wasm) keeps everything in Go maps.
//
// Threat: a damaged or hostile file — a flipped bit, a cut, garbage, a
// file that is not a ledger, records rewritten with valid checksums. Open
// reads the file as untrusted bytes: nothing in it can make it panic or
// crash the process. It trusts the index only when it checks out against
// the log: the head's checksum, its checkpoint being the log's frame at
// the offset it names, the signed root being the root of its compact
// range, the range's nodes being those of the tree file, the last record
// being where the offsets say with the leaf hash the tree says, and the
// state decoding with its invariants. A missing, damaged, stale (behind or
// ahead of the log) or foreign index is set aside — LoadReport says why —
// and rebuilt by replaying the whole log (author signatures are not
// re-verified then: the signed checkpoint authenticates every stored
// byte). With a usable index, Open checks the header, the genesis frame,
// and every frame of the tail after the index head, decodes and replays
// the tail's records, and checks the root against the last signed
// checkpoint; a crash between a commit and the index's update leaves such
// a tail. Damage is a *CorruptError (errors.Is(err, ErrCorrupt)) with the
// byte offset and the first affected record; a file cut short, even at a
// commit boundary, is caught by the header's acknowledged length. Damage
// the open does not read — a record before the index head, a state entry
// in the database — is found when it is read: a record is checked against
// its frame's CRC-32C and its leaf hash in the tree file, a state entry
// against its CRC-32C, and the query or submission that needs it fails
// with ErrCorrupt (list queries such as GrantsOf return nil); nothing
// damaged is served. What a file cannot show by itself is a consistent
// rollback (whole commits removed and the header rewritten): a client that
// kept a later checkpoint detects it with a consistency proof.
//
// VerifyFile checks a file read-only, including every record, every
// intermediate checkpoint's signature and root; Repair keeps the intact
// commits, rewrites a damaged header, drops an unacknowledged tail, and
// takes missing records from a backup copy that agrees with them, and
// removes the index, rebuilt on the next open. It never drops an
// acknowledged record silently: it refuses (ErrRepairRefused) unless told
// to truncate, and reports how many records that drops; the damaged file
// is kept beside the repaired one. The civicproofd command exposes both:
// civicproofd verify -ledger FILE, civicproofd repair -ledger FILE
// [-from BACKUP] [-truncate].
//
// State.Digest and MarshalBinary serialize the whole state, reading the
// large collections back from the store: for comparing states (tests,
// audits), not for every commit; checkpoints commit to the log's root,
// not to a state digest.
//
// Costs (2-core machine shared with other builds, real fsync): a single
// synchronous writer is bound by two syncs per commit; group commit and
// SubmitBatch amortize them (BenchmarkSubmit*); flushing the state to the
// index adds one bbolt transaction every 8192 records. Opening from the
// index costs the same at any size: 5.1 ms at 10^5 records, 5.4 ms at
// 10^6 and 5.8 ms at 10^7 (4.4 GB log; index 4.3 GB database, 640 MB
// tree, 80 MB offsets), with a peak RSS of 9.6 MB during Open at every
// size and 41 MB at 10^7 after a thousand queries (BenchmarkOpenScale
// -open-sizes 100000,1000000,10000000 -benchtime 10x, load average 2 on 2
// cores); before the index, 10^6 records took 15 s from a snapshot and
// 116 s by replay. After a crash, Open also replays the log's tail after
// the index head: at most 8192 records and the commits since. Rebuilding
// the index (a full replay, then compacting the database) took 8 min 37 s
// at 10^6 and 34 min at 10^7 on a machine at load 10 to 14: record
// decoding and random inserts into the database dominate; it is paid once,
// after damage or loss of the index.
//
// The file store builds for every platform with an OS file system (not
// js/wasm or wasip1, where only NewInMemory is available).
package ledger
