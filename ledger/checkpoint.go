package ledger

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"
)

// DefaultOrigin is the checkpoint origin used when none is configured.
// Deployments should name their own (e.g. "ledger.example.gov/civicproof").
const DefaultOrigin = "civicproof.ledger"

// Checkpoint is a signed statement of the log's size and root hash, in the
// C2SP tlog-checkpoint format: the note body is
//
//	<origin>\n<size>\n<base64 root>\n
//
// signed as a C2SP signed note (golang.org/x/mod/sumdb/note) by the
// ledger's Ed25519 key, with the origin as the key name.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   Hash
	// Note is the signed note: body, blank line, signature lines.
	Note []byte
}

func checkOrigin(origin string) error {
	if origin == "" || !utf8.ValidString(origin) || strings.ContainsRune(origin, '+') ||
		strings.IndexFunc(origin, unicode.IsSpace) >= 0 {
		return fmt.Errorf("ledger: origin %q must be non-empty UTF-8 without spaces or '+'", origin)
	}
	return nil
}

// noteSigner signs checkpoints with an Ed25519 key as a note.Signer.
type noteSigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
}

func (s *noteSigner) Name() string                    { return s.name }
func (s *noteSigner) KeyHash() uint32                 { return s.hash }
func (s *noteSigner) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.key, msg), nil }

func newNoteSigner(origin string, key ed25519.PrivateKey) (*noteSigner, *Verifier, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, nil, errors.New("ledger: checkpoint key is not an Ed25519 private key")
	}
	v, err := NewVerifier(origin, key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, nil, err
	}
	return &noteSigner{name: origin, hash: v.nv.KeyHash(), key: key}, v, nil
}

func signCheckpoint(s *noteSigner, size uint64, root Hash) (*Checkpoint, error) {
	body := log.Checkpoint{Origin: s.name, Size: size, Hash: root[:]}.Marshal()
	signed, err := note.Sign(&note.Note{Text: string(body)}, s)
	if err != nil {
		return nil, fmt.Errorf("ledger: sign checkpoint: %w", err)
	}
	return &Checkpoint{Origin: s.name, Size: size, Root: root, Note: signed}, nil
}

// Verifier checks a ledger's checkpoints: it holds the ledger's origin and
// public key, obtained out of band. It trusts nothing the ledger sends.
type Verifier struct {
	origin string
	key    ed25519.PublicKey
	nv     note.Verifier
	vkey   string
}

// NewVerifier returns a verifier for checkpoints of the log origin signed
// by key.
func NewVerifier(origin string, key ed25519.PublicKey) (*Verifier, error) {
	if err := checkOrigin(origin); err != nil {
		return nil, err
	}
	vkey, err := note.NewEd25519VerifierKey(origin, key)
	if err != nil {
		return nil, fmt.Errorf("ledger: verifier key: %w", err)
	}
	nv, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("ledger: verifier key: %w", err)
	}
	return &Verifier{origin: origin, key: key, nv: nv, vkey: vkey}, nil
}

// Origin returns the log origin.
func (v *Verifier) Origin() string { return v.origin }

// VerifierKey returns the signed-note verifier key
// ("<origin>+<hash>+<base64 key>") to publish for clients and witnesses.
func (v *Verifier) VerifierKey() string { return v.vkey }

// MaxCheckpointSize is the largest signed checkpoint note ParseCheckpoint
// reads; larger notes are refused before parsing. A checkpoint is a few
// hundred bytes; the cap leaves room for thousands of cosignatures.
const MaxCheckpointSize = 1 << 20

// ParseCheckpoint verifies a signed checkpoint note and returns its
// contents. Errors wrap ErrBadCheckpoint (a note over MaxCheckpointSize
// is refused before parsing).
func (v *Verifier) ParseCheckpoint(signed []byte) (*Checkpoint, error) {
	if len(signed) > MaxCheckpointSize {
		return nil, fmt.Errorf("%w: note is %d bytes, at most %d", ErrBadCheckpoint, len(signed), MaxCheckpointSize)
	}
	cp, _, _, err := log.ParseCheckpoint(signed, v.origin, v.nv)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadCheckpoint, err)
	}
	if len(cp.Hash) != len(Hash{}) {
		return nil, fmt.Errorf("%w: root is %d bytes, want 32", ErrBadCheckpoint, len(cp.Hash))
	}
	return &Checkpoint{Origin: cp.Origin, Size: cp.Size, Root: Hash(cp.Hash), Note: append([]byte(nil), signed...)}, nil
}

// VerifyInclusion checks that entry (the canonical bytes of a signed
// record) is the leaf at index of the tree cp commits to. cp must come from
// Verifier.ParseCheckpoint. Errors wrap ErrBadProof.
func VerifyInclusion(cp *Checkpoint, index uint64, entry []byte, auditPath [][]byte) error {
	if cp == nil {
		return fmt.Errorf("%w: nil checkpoint", ErrBadProof)
	}
	lh := hasher.HashLeaf(entry)
	if err := proof.VerifyInclusion(hasher, index, cp.Size, lh, auditPath, cp.Root[:]); err != nil {
		return fmt.Errorf("%w: inclusion of %d in %d: %w", ErrBadProof, index, cp.Size, err)
	}
	return nil
}

// VerifyConsistency checks that the tree of newer extends the tree of
// older (append-only: no entry of older changed). Both must come from
// Verifier.ParseCheckpoint of the same origin. Errors wrap ErrBadProof.
func VerifyConsistency(older, newer *Checkpoint, consistency [][]byte) error {
	if older == nil || newer == nil {
		return fmt.Errorf("%w: nil checkpoint", ErrBadProof)
	}
	if older.Origin != newer.Origin {
		return fmt.Errorf("%w: origins %q and %q differ", ErrBadProof, older.Origin, newer.Origin)
	}
	if older.Size == 0 {
		// Every tree extends the empty one; RFC 9162 defines no proof.
		if len(consistency) != 0 {
			return fmt.Errorf("%w: consistency from the empty tree takes an empty proof", ErrBadProof)
		}
		return nil
	}
	if err := proof.VerifyConsistency(hasher, older.Size, newer.Size, consistency, older.Root[:], newer.Root[:]); err != nil {
		return fmt.Errorf("%w: consistency %d -> %d: %w", ErrBadProof, older.Size, newer.Size, err)
	}
	return nil
}
