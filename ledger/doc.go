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
// embedded engine (Open): one bbolt file, no server. A record is
// acknowledged only after the bbolt transaction holding it, its tree nodes
// and the new signed checkpoint is synced to disk, so an acknowledged
// record survives a crash and a record being written is whole or absent.
// Concurrent submissions are coalesced into one transaction (group
// commit); on a 2-core machine this sustains several thousand durable
// appends per second, while a single synchronous writer is bound by the
// disk's sync latency. The state is rebuilt by replaying the file on open
// (author signatures are not re-verified then: the signed checkpoint
// authenticates every byte). NewInMemory runs the same engine without a
// file. Package ledger/cometbft is the distributed engine: the same state
// machine as a CometBFT application, one validator per agency, each node
// serving the Ledger interface from its own copy of the log.
package ledger
