package cometbft

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/types"
	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"

	"github.com/civicproof/civicproof/ledger"
)

// Errors of cosigned checkpoints.
var (
	// ErrInsufficientPower: the checkpoint's valid cosignatures come from
	// validators holding at most 2/3 of the voting power.
	ErrInsufficientPower = errors.New("ledger/cometbft: checkpoint cosigned by at most 2/3 of the voting power")
	// ErrBadCosignature: a cosignature by a key of the validator set does
	// not verify, or the note is not a checkpoint of the set's origin.
	ErrBadCosignature = errors.New("ledger/cometbft: bad checkpoint cosignature")
)

// Validator is a member of a ValidatorSet: its CometBFT Ed25519 public key
// and its voting power.
type Validator struct {
	Key   ed25519.PublicKey
	Power int64
}

// ValidatorSet verifies checkpoints cosigned by a consortium's validators:
// a checkpoint counts only when validators holding more than 2/3 of the
// total voting power signed it. A client obtains the set out of band (the
// genesis file, or a later set it tracks) and then trusts no single node.
//
// Each validator cosigns with its CometBFT validator key, as a C2SP signed
// note (golang.org/x/mod/sumdb/note, Ed25519) over the tlog-checkpoint
// body "<origin>\n<size>\n<base64 root>\n", under the key name
// "<origin>/validator/<address>" where address is the validator's CometBFT
// address in lower-case hex. Every validator signs the same body, so the
// signatures of different validators go on one note (MergeCheckpoints).
type ValidatorSet struct {
	origin    string
	vals      []Validator
	total     int64
	verifiers note.Verifiers
	power     map[string]int64 // key name -> power
}

// NewValidatorSet returns the set verifying checkpoints of origin
// (ledger.DefaultOrigin when empty) cosigned by vals. Keys must be
// distinct Ed25519 keys with positive power.
func NewValidatorSet(origin string, vals []Validator) (*ValidatorSet, error) {
	if origin == "" {
		origin = ledger.DefaultOrigin
	}
	if len(vals) == 0 {
		return nil, errors.New("ledger/cometbft: empty validator set")
	}
	vs := &ValidatorSet{origin: origin, power: map[string]int64{}}
	var list []note.Verifier
	for i, v := range vals {
		if len(v.Key) != ed25519.PublicKeySize || v.Power <= 0 {
			return nil, fmt.Errorf("ledger/cometbft: validator %d: need an Ed25519 key and positive power", i)
		}
		name := cosignerName(origin, v.Key)
		if _, dup := vs.power[name]; dup {
			return nil, fmt.Errorf("ledger/cometbft: validator %d listed twice", i)
		}
		vkey, err := note.NewEd25519VerifierKey(name, v.Key)
		if err != nil {
			return nil, fmt.Errorf("ledger/cometbft: validator %d: %w", i, err)
		}
		nv, err := note.NewVerifier(vkey)
		if err != nil {
			return nil, fmt.Errorf("ledger/cometbft: validator %d: %w", i, err)
		}
		list = append(list, nv)
		vs.power[name] = v.Power
		vs.total += v.Power
		vs.vals = append(vs.vals, Validator{Key: append(ed25519.PublicKey(nil), v.Key...), Power: v.Power})
	}
	vs.verifiers = note.VerifierList(list...)
	return vs, nil
}

// ValidatorSetFromGenesis returns the set of a CometBFT genesis file's
// validators (Ed25519 keys only).
func ValidatorSetFromGenesis(origin string, gen *types.GenesisDoc) (*ValidatorSet, error) {
	var vals []Validator
	for _, v := range gen.Validators {
		pk, ok := v.PubKey.(cmted25519.PubKey)
		if !ok {
			return nil, fmt.Errorf("ledger/cometbft: validator %s: key type %s, want ed25519", v.Name, v.PubKey.Type())
		}
		vals = append(vals, Validator{Key: ed25519.PublicKey(pk), Power: v.Power})
	}
	return NewValidatorSet(origin, vals)
}

// Origin returns the checkpoint origin.
func (vs *ValidatorSet) Origin() string { return vs.origin }

// TotalPower returns the set's total voting power.
func (vs *ValidatorSet) TotalPower() int64 { return vs.total }

// cosignerName is a validator's note key name.
func cosignerName(origin string, key ed25519.PublicKey) string {
	addr := cmted25519.PubKey(key).Address()
	return origin + "/validator/" + strings.ToLower(hex.EncodeToString(addr))
}

// VerifyCheckpoint checks a cosigned checkpoint note and returns the
// checkpoint with the voting power that signed it. Signatures by keys
// outside the set are ignored. Errors: ErrBadCosignature (a signature by a
// validator's key does not verify, or the body is not a checkpoint of the
// set's origin), ErrInsufficientPower (the valid signatures hold at most
// 2/3 of the power).
func (vs *ValidatorSet) VerifyCheckpoint(signed []byte) (*ledger.Checkpoint, int64, error) {
	n, err := note.Open(signed, vs.verifiers)
	var unverified *note.UnverifiedNoteError
	switch {
	case errors.As(err, &unverified):
		return nil, 0, fmt.Errorf("%w: no signature by a validator", ErrInsufficientPower)
	case err != nil:
		return nil, 0, fmt.Errorf("%w: %w", ErrBadCosignature, err)
	}
	var cp log.Checkpoint
	rest, err := cp.Unmarshal([]byte(n.Text))
	if err != nil || len(rest) != 0 || cp.Origin != vs.origin || len(cp.Hash) != len(ledger.Hash{}) {
		return nil, 0, fmt.Errorf("%w: not a checkpoint of %q", ErrBadCosignature, vs.origin)
	}
	var power int64
	seen := map[string]bool{}
	for _, s := range n.Sigs {
		if !seen[s.Name] {
			seen[s.Name] = true
			power += vs.power[s.Name]
		}
	}
	if 3*power <= 2*vs.total {
		return nil, power, fmt.Errorf("%w: %d of %d", ErrInsufficientPower, power, vs.total)
	}
	return &ledger.Checkpoint{Origin: cp.Origin, Size: cp.Size, Root: ledger.Hash(cp.Hash), Note: append([]byte(nil), signed...)}, power, nil
}

// MergeCheckpoints merges the signatures of notes with the same checkpoint
// body into one note, keeping only signatures by the set's validators that
// verify (the others are dropped). Notes with another body are refused
// with ErrBadCosignature. The result may still lack enough power: check it
// with VerifyCheckpoint.
func (vs *ValidatorSet) MergeCheckpoints(notes ...[]byte) ([]byte, error) {
	var text string
	var sigs []note.Signature
	seen := map[string]bool{}
	for i, b := range notes {
		n, err := note.Open(b, vs.verifiers)
		var unverified *note.UnverifiedNoteError
		switch {
		case errors.As(err, &unverified):
			continue
		case err != nil:
			return nil, fmt.Errorf("%w: note %d: %w", ErrBadCosignature, i, err)
		}
		if text == "" {
			text = n.Text
		} else if n.Text != text {
			return nil, fmt.Errorf("%w: note %d signs another checkpoint", ErrBadCosignature, i)
		}
		for _, s := range n.Sigs {
			if !seen[s.Name] {
				seen[s.Name] = true
				sigs = append(sigs, s)
			}
		}
	}
	if text == "" {
		return nil, fmt.Errorf("%w: no signature by a validator", ErrInsufficientPower)
	}
	return note.Sign(&note.Note{Text: text, Sigs: sigs})
}

// cosigner signs checkpoints with a validator key.
type cosigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
}

func (s *cosigner) Name() string                    { return s.name }
func (s *cosigner) KeyHash() uint32                 { return s.hash }
func (s *cosigner) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.key, msg), nil }

// newCosigner returns the note signer of a validator key for origin.
func newCosigner(origin string, key ed25519.PrivateKey) (*cosigner, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("ledger/cometbft: validator key is not an Ed25519 private key")
	}
	pub := key.Public().(ed25519.PublicKey)
	name := cosignerName(origin, pub)
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	return &cosigner{name: name, hash: v.KeyHash(), key: key}, nil
}

// cosign returns the note of checkpoint (size, root) signed by s alone.
func (s *cosigner) cosign(origin string, size uint64, root ledger.Hash) ([]byte, error) {
	body := log.Checkpoint{Origin: origin, Size: size, Hash: root[:]}.Marshal()
	return note.Sign(&note.Note{Text: string(body)}, s)
}

// CosignCheckpoint returns the checkpoint (origin, size, root) signed by
// one validator key, as a node cosigns it; a test or a tool uses it to
// make cosignatures. key is the validator's CometBFT Ed25519 private key.
func CosignCheckpoint(origin string, key ed25519.PrivateKey, size uint64, root ledger.Hash) ([]byte, error) {
	if origin == "" {
		origin = ledger.DefaultOrigin
	}
	s, err := newCosigner(origin, key)
	if err != nil {
		return nil, err
	}
	return s.cosign(origin, size, root)
}

// keptCosignatures is how many of its latest checkpoints a node keeps
// cosigned (one per block that changed the log).
const keptCosignatures = 4096

// cosignatures are a validator's cosigned checkpoints by size, the latest
// keptCosignatures of them.
type cosignatures struct {
	mu    sync.Mutex
	notes map[uint64][]byte
	order []uint64
}

func (c *cosignatures) put(size uint64, n []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.notes == nil {
		c.notes = map[uint64][]byte{}
	}
	if _, ok := c.notes[size]; ok {
		return
	}
	c.notes[size] = n
	c.order = append(c.order, size)
	if len(c.order) > keptCosignatures {
		delete(c.notes, c.order[0])
		c.order = c.order[1:]
	}
}

func (c *cosignatures) get(size uint64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.notes[size]
	return n, ok
}

func (c *cosignatures) latest() (uint64, []byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.order) == 0 {
		return 0, nil, false
	}
	s := c.order[len(c.order)-1]
	return s, c.notes[s], true
}

// cosign signs checkpoint (size, root) with the validator key, if any.
func (a *App) cosign(size uint64, root ledger.Hash) error {
	if a.cosigner == nil {
		return nil
	}
	n, err := a.cosigner.cosign(a.origin, size, root)
	if err != nil {
		return fmt.Errorf("cosign checkpoint %d: %w", size, err)
	}
	a.cosigs.put(size, n)
	return nil
}

// ErrNoCosignature: the node holds no cosignature of the checkpoint asked
// for (it is not a validator, never committed a block ending at that
// size, or the size is older than the cosignatures it keeps).
var ErrNoCosignature = errors.New("ledger/cometbft: no cosignature of that checkpoint on this node")

// Cosignature returns this node's validator cosignature of the checkpoint
// of the log at size (a note signed by the validator key alone), for a
// size at which a block ended. Clients gather the cosignatures of several
// validators and merge them (ValidatorSet.MergeCheckpoints). Errors:
// ErrNoCosignature.
func (a *App) Cosignature(size uint64) ([]byte, error) {
	if n, ok := a.cosigs.get(size); ok {
		return bytes.Clone(n), nil
	}
	return nil, fmt.Errorf("%w: size %d", ErrNoCosignature, size)
}

// LatestCosignature returns this node's cosignature of its latest
// committed checkpoint. Errors: ErrNoCosignature.
func (a *App) LatestCosignature() ([]byte, error) {
	if _, n, ok := a.cosigs.latest(); ok {
		return bytes.Clone(n), nil
	}
	return nil, ErrNoCosignature
}

// signedText returns the text of a note that carries at least one valid
// validator signature (whatever the power).
func (vs *ValidatorSet) signedText(b []byte) (string, error) {
	n, err := note.Open(b, vs.verifiers)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadCosignature, err)
	}
	return n.Text, nil
}

// signedSize returns the size of a checkpoint note that carries at least
// one valid validator signature.
func (vs *ValidatorSet) signedSize(b []byte) (uint64, error) {
	text, err := vs.signedText(b)
	if err != nil {
		return 0, err
	}
	var cp log.Checkpoint
	if _, err := cp.Unmarshal([]byte(text)); err != nil || cp.Origin != vs.origin {
		return 0, fmt.Errorf("%w: not a checkpoint of %q", ErrBadCosignature, vs.origin)
	}
	return cp.Size, nil
}
