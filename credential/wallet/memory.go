package wallet

import (
	"bytes"
	"crypto/rand"
	"fmt"

	"github.com/civicproof/civicproof/credential/revocation"
)

// New makes a new wallet kept in memory, for hosts without a file system
// (a browser keeps Sealed's bytes in IndexedDB): the same contents and
// encryption as a file made by Create. Every change re-encrypts it; read
// the result with Sealed.
func New(passphrase []byte, opts Options) (*Store, error) { return Create("", passphrase, opts) }

// OpenSealed opens the bytes of a wallet (Sealed, or a file made by
// Create) in memory. A wrong passphrase returns ErrWrongPassphrase, damaged
// bytes ErrCorrupt.
func OpenSealed(data, passphrase []byte) (*Store, error) {
	pt, k, err := open(data, passphrase)
	if err != nil {
		return nil, err
	}
	s := &Store{key: k, rand: rand.Reader, sealed: bytes.Clone(data)}
	if err := s.load(pt); err != nil {
		return nil, err
	}
	return s, nil
}

// Sealed returns the encrypted form of an in-memory wallet as of its last
// change (the file format), or nil for a wallet kept in a file.
func (s *Store) Sealed() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.sealed)
}

// SetWitness keeps the revocation witness an issuer delivered with the
// credential id, for the root of epoch. Refresh replaces it from the
// issuer's status list.
func (s *Store) SetWitness(id string, w *revocation.Witness, epoch uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.creds {
		if h.cred.ID() == id {
			old := *h
			h.witness, h.epoch, h.revoked = w, epoch, false
			if err := s.save(); err != nil {
				*h = old
				return err
			}
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrNotFound, id)
}
