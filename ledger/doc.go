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
// # Issuer sets
//
// For each credential type the state keeps an issuer set: a 4-ary
// Poseidon2 Merkle tree (package internal/issuerset; IssuerSetCapacity =
// 256 leaves) over the keys accredited to issue the type, which a
// presentation proof opens privately to show "signed by a key accredited
// for this type, valid when issued, not revoked" without naming the
// agency. A leaf holds
//
//   - the key set's BN254 EdDSA key (identity.PublicKey.ZK);
//   - its window [From, Until] of issuance days (IssuerSetDay, the day
//     encoding of credential.DayValue), inclusive: From is the day the key
//     became current for the type — the later of the issuer accreditation
//     record and the key-rotate record that introduced the key (or the
//     agency's registration) — and Until is IssuerSetOpen while the key is
//     current. A rotation closes the old key's window on the day of the
//     key-rotate record (never before its From) and opens the new key's on
//     the same day (never before the accreditation), so the
//     windows overlap by that one day: credentials the old key signed
//     earlier that day stay valid (the ledger refuses anchors by the old
//     key once the rotation is in the log);
//   - the agency's latest published revocation root (RevocationRoot
//     records are per agency, not per key: an agency keeps one revocation
//     registry across rotations and keeps revoking what its old keys
//     signed, so every leaf of the agency, old keys' included, carries the
//     same root). Before the first root, or when the latest is not a
//     canonical BN254 field element (32 bytes big-endian), the leaf holds
//     zero, under which no credential shows that it is not revoked.
//
// Leaves are ordered by the log index of the record that created them (an
// accreditation, or a rotation of an accredited agency; one record creates
// at most one leaf per type). A suspension of the agency's issuer
// accreditation for the type removes all of its leaves from the set,
// reinstatement brings them back unchanged; a key-rotate record with
// Compromised set removes the rotated-out key's leaves from every set for
// good (what that key signed is no longer accepted by proofs against new
// roots). The rest of the tree is zero. A record that would put more than
// IssuerSetCapacity keys into a set is refused (ErrIssuerSetFull): a
// rotation adds a leaf per type, so a full set first needs a suspension or
// a compromised-key rotation.
//
// Roots are recomputed only when an accreditation, suspension,
// reinstatement (issuer role), key rotation or revocation root of an
// agency in the set is applied, and a root that differs from the current
// one supersedes it. The history — every root with the log index and time
// at which it became current and was superseded — is state like the rest
// (MarshalBinary, Digest, the index head), so replay and index give the same
// roots. IssuerSet returns a type's current set with its leaves and their
// paths; IssuerSetRoots the history; IssuerSetRoot the entry of one root
// (ErrNotFound for a root the type never had). A verifier given a proof
// against a root accepts it while IssuerSetRootInfo.Fresh(now, maxAge)
// holds: the root is current, or was superseded less than maxAge ago, a
// window of its choosing that lets a wallet prove against the set it
// fetched a little earlier; a removed key stops being accepted once the
// root that still held it is older than the window.
//
// Cost: leaf hashes are cached by content, so a record that changes one
// leaf rehashes that leaf and the tree above the leaves. For a 256-key set
// on the shared 2-core machine under load average 13 (go test ./ledger
// -run '^$' -bench IssuerSet -benchtime 100x): a rebuild 28 ms cold (every
// leaf hashed) and 3.3 ms warm; applying a revocation root of an agency in
// the set 4.2 ms, signature check included.
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
