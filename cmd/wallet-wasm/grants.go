package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/civicproof/civicproof/consent"
)

// The page keeps the citizen's grants and the last verified access-log
// view across reloads, next to the wallet in IndexedDB, sealed with
// AES-256-GCM under a key derived from the wallet's master secret
// (HKDF-SHA-256, info grantsInfo). The master secret is stored only inside
// the wallet file, encrypted under the passphrase (Argon2id), so the grants
// open only after the passphrase has opened the wallet, as the credentials
// do. The sealed form is version byte, 12-byte nonce, ciphertext; the
// version and info are the additional data.

const (
	grantsInfo    = "civicproof/webwallet/v1/grants"
	grantsVersion = 1
)

// errGrantsSealed: the sealed grants do not open with this wallet.
var errGrantsSealed = errors.New("wallet: stored grants do not open with this wallet")

// kept is what the sealed grants hold.
type kept struct {
	Grants [][]byte `json:"grants"`        // consent.Grant compact encodings
	Log    *logView `json:"log,omitempty"` // the last access log verified against the ledger
}

// logView is the access log as the page shows it: the grants with their
// accesses, when it was verified against the ledger, and whether it is a
// stored copy shown because the ledger could not be reached (Reason).
type logView struct {
	Grants     []logGrant `json:"grants"`
	VerifiedAt string     `json:"verifiedAt"`
	Cached     bool       `json:"cached,omitempty"`
	Reason     string     `json:"reason,omitempty"`
}

func grantsKey(master []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, master, nil, grantsInfo, 32)
}

func grantsAEAD(master []byte) (cipher.AEAD, error) {
	k, err := grantsKey(master)
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// sealGrants seals the grants and log view under master.
func sealGrants(master []byte, grants []*consent.Grant, log *logView) ([]byte, error) {
	k := kept{Grants: [][]byte{}, Log: log}
	for _, g := range grants {
		b, err := g.MarshalBinary()
		if err != nil {
			return nil, err
		}
		k.Grants = append(k.Grants, b)
	}
	pt, err := json.Marshal(k)
	if err != nil {
		return nil, err
	}
	aead, err := grantsAEAD(master)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(pt)+aead.Overhead())
	out[0] = grantsVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return aead.Seal(out, out[1:], pt, []byte{grantsVersion}), nil
}

// openGrants opens sealed grants under master and parses each grant
// (shape and signature checked); it fails whole rather than return part.
func openGrants(master, sealed []byte) ([]*consent.Grant, *logView, error) {
	aead, err := grantsAEAD(master)
	if err != nil {
		return nil, nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < 1+n+aead.Overhead() || sealed[0] != grantsVersion {
		return nil, nil, fmt.Errorf("%w: not sealed grants of version %d", errGrantsSealed, grantsVersion)
	}
	pt, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte{grantsVersion})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errGrantsSealed, err)
	}
	var k kept
	if err := json.Unmarshal(pt, &k); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errGrantsSealed, err)
	}
	gs := make([]*consent.Grant, 0, len(k.Grants))
	for _, b := range k.Grants {
		g, err := consent.ParseGrant(b)
		if err != nil {
			return nil, nil, fmt.Errorf("wallet: stored grant: %w", err)
		}
		gs = append(gs, g)
	}
	return gs, k.Log, nil
}

// logGrant is one grant of the access-log view.
type logGrant struct {
	ID        string      `json:"id"`
	Agency    string      `json:"agency"`
	Anchored  string      `json:"anchored"`
	Withdrawn bool        `json:"withdrawn"`
	Accesses  []logAccess `json:"accesses"`
}

type logAccess struct {
	Time    string `json:"time"`
	Purpose string `json:"purpose"`
	Index   uint64 `json:"index"`
}
