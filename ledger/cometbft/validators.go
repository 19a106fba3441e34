package cometbft

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// ValidatorShape prefixes the shape of the governance records that change
// the validator set: a ledger.VerifyingKey record (the root authority
// anchoring an official key) authored by the root authority, with Shape
// ValidatorShape + "<power>/<serial>" — the new voting power in canonical
// decimal (0 removes the validator) and any serial that makes the record
// unique (the ledger refuses the same shape and key twice) — and
// Fingerprint the validator's Ed25519 public key (see ValidatorRecord).
// FinalizeBlock turns each into a CometBFT validator update. The App
// reserves the shape: a record of it by anyone else is refused
// (ledger.ErrUnauthorized), so that nobody can take a shape governance
// needs.
const ValidatorShape = "cometbft/validator/"

// ValidatorRecord returns the governance record, signed by the root
// authority's key at time at, that sets the voting power of the
// validator key (0 removes it); its serial is at in nanoseconds.
func ValidatorRecord(root *identity.PrivateKey, at time.Time, key ed25519.PublicKey, power int64) (*ledger.SignedRecord, error) {
	if len(key) != ed25519.PublicKeySize || power < 0 || power > MaxValidatorPower {
		return nil, fmt.Errorf("ledger/cometbft: %w: validator record needs an Ed25519 key and a power in [0, %d]", ledger.ErrInvalidRecord, int64(MaxValidatorPower))
	}
	shape := fmt.Sprintf("%s%d/%d", ValidatorShape, power, at.UnixNano())
	return ledger.NewRecord(root.DID(), at, &ledger.VerifyingKey{Shape: shape, Fingerprint: ledger.Hash(key)}).Sign(root)
}

// MaxValidatorPower bounds the power a governance record may give one
// validator.
const MaxValidatorPower = 1 << 40

// validatorsFile keeps the genesis validator set (written by InitChain);
// the set after each block that changed the log is in the application
// metadata committed with it.
const validatorsFile = "validators.json"

// powers is a validator set: Ed25519 public key -> voting power.
type powers map[[32]byte]int64

func (p powers) clone() powers {
	q := make(powers, len(p))
	for k, v := range p {
		q[k] = v
	}
	return q
}

type validatorJSON struct {
	Key   []byte `json:"key"`
	Power int64  `json:"power"`
}

func writeValidators(dir string, p powers) error {
	b, err := json.Marshal(validatorList(p))
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, validatorsFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, validatorsFile))
}

// readValidators returns the genesis set, or nil when the file is absent.
func readValidators(dir string) (powers, error) {
	b, err := os.ReadFile(filepath.Join(dir, validatorsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var list []validatorJSON
	if err := json.Unmarshal(b, &list); err != nil || list == nil {
		return nil, fmt.Errorf("%w: %s: %v", ledger.ErrCorrupt, validatorsFile, err)
	}
	p, err := powersOf(list)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", validatorsFile, err)
	}
	return p, nil
}

// genesisPowers converts InitChain's validators (Ed25519 only).
func genesisPowers(vals []abci.ValidatorUpdate) (powers, error) {
	p := powers{}
	for _, v := range vals {
		if v.PubKeyType != "ed25519" || len(v.PubKeyBytes) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("ledger/cometbft: genesis validator with a %s key: only ed25519 is supported", v.PubKeyType)
		}
		p[[32]byte(v.PubKeyBytes)] = v.Power
	}
	return p, nil
}

// validatorChange returns the change a record makes to the validator set,
// if it is a governance record of ValidatorShape; err when it is one by
// another author than the root authority of st, or its power does not
// parse.
func validatorChange(st *ledger.State, sr *ledger.SignedRecord) (key [32]byte, power int64, ok bool, err error) {
	vk, isKey := sr.Record.Payload.(*ledger.VerifyingKey)
	if !isKey || !strings.HasPrefix(vk.Shape, ValidatorShape) {
		return key, 0, false, nil
	}
	if root := st.RootAuthority(); root == "" || sr.Record.Author != root {
		return key, 0, false, fmt.Errorf("%w: shape %q is reserved for the root authority's validator records", ledger.ErrUnauthorized, ValidatorShape)
	}
	digits, serial, _ := strings.Cut(strings.TrimPrefix(vk.Shape, ValidatorShape), "/")
	power, perr := strconv.ParseInt(digits, 10, 64)
	if perr != nil || strconv.FormatInt(power, 10) != digits || power < 0 || serial == "" {
		return key, 0, false, fmt.Errorf("%w: validator record shape %q is not %s<power>/<serial>", ledger.ErrInvalidRecord, vk.Shape, ValidatorShape)
	}
	return [32]byte(vk.Fingerprint), power, true, nil
}

// applyValidatorChanges returns the set after the governance records
// among srs (checked against the state st before them), or an error
// wrapping ledger.ErrInvalidRecord when one is not a valid change: power
// above MaxValidatorPower, removal of a key not in the set, or an empty
// set. cur is not modified; nil cur (set unknown) refuses every change.
func applyValidatorChanges(st *ledger.State, cur powers, srs []*ledger.SignedRecord) (powers, bool, error) {
	next := cur
	changed := false
	for i, sr := range srs {
		key, power, ok, err := validatorChange(st, sr)
		if err != nil {
			return nil, false, fmt.Errorf("ledger: record %d: %w", i, err)
		}
		if !ok {
			continue
		}
		if cur == nil {
			return nil, false, fmt.Errorf("ledger: record %d: %w: this node does not know the validator set", i, ledger.ErrInvalidRecord)
		}
		if !changed {
			next, changed = cur.clone(), true
		}
		switch _, member := next[key]; {
		case power > MaxValidatorPower:
			return nil, false, fmt.Errorf("ledger: record %d: %w: validator power above %d", i, ledger.ErrInvalidRecord, int64(MaxValidatorPower))
		case power == 0 && !member:
			return nil, false, fmt.Errorf("ledger: record %d: %w: removes a key that is not a validator", i, ledger.ErrInvalidRecord)
		case power == 0:
			delete(next, key)
		default:
			next[key] = power
		}
		if len(next) == 0 {
			return nil, false, fmt.Errorf("ledger: record %d: %w: removes the last validator", i, ledger.ErrInvalidRecord)
		}
	}
	return next, changed, nil
}

// updatesBetween returns the CometBFT updates turning old into new, sorted
// by key.
func updatesBetween(old, new powers) []abci.ValidatorUpdate {
	var ups []abci.ValidatorUpdate
	for k, v := range new {
		if old[k] != v {
			ups = append(ups, abci.ValidatorUpdate{PubKeyType: "ed25519", PubKeyBytes: bytes.Clone(k[:]), Power: v})
		}
	}
	for k := range old {
		if _, ok := new[k]; !ok {
			ups = append(ups, abci.ValidatorUpdate{PubKeyType: "ed25519", PubKeyBytes: bytes.Clone(k[:]), Power: 0})
		}
	}
	slices.SortFunc(ups, func(a, b abci.ValidatorUpdate) int { return bytes.Compare(a.PubKeyBytes, b.PubKeyBytes) })
	return ups
}

// isValidatorEvent reports whether a record is a verifying-key record of
// ValidatorShape (by whomever).
func isValidatorEvent(sr *ledger.SignedRecord) bool {
	vk, ok := sr.Record.Payload.(*ledger.VerifyingKey)
	return ok && strings.HasPrefix(vk.Shape, ValidatorShape)
}

// validatorList returns p in its stored form, sorted by key (nil for an
// unknown set).
func validatorList(p powers) []validatorJSON {
	if p == nil {
		return nil
	}
	list := make([]validatorJSON, 0, len(p))
	for k, v := range p {
		list = append(list, validatorJSON{Key: bytes.Clone(k[:]), Power: v})
	}
	slices.SortFunc(list, func(a, b validatorJSON) int { return bytes.Compare(a.Key, b.Key) })
	return list
}

// powersOf parses a stored validator set (nil stays nil: unknown).
func powersOf(list []validatorJSON) (powers, error) {
	if list == nil {
		return nil, nil
	}
	p := powers{}
	for _, v := range list {
		if len(v.Key) != ed25519.PublicKeySize || v.Power <= 0 {
			return nil, fmt.Errorf("%w: stored validator with a key of %d bytes and power %d", ledger.ErrCorrupt, len(v.Key), v.Power)
		}
		p[[32]byte(v.Key)] = v.Power
	}
	return p, nil
}
