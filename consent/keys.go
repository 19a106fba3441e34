package consent

import (
	"crypto/ed25519"
	"fmt"
	"sync"

	"github.com/civicproof/civicproof/identity"
)

// didKeys turns a did:key into its Ed25519 key, validating it fully.
type didKeys interface {
	ed25519Key(identity.DID) (ed25519.PublicKey, error)
}

type directKeys struct{}

func (directKeys) ed25519Key(d identity.DID) (ed25519.PublicKey, error) { return d.Ed25519() }

// keyCache remembers validated did:key keys. Full validation of a did:key
// costs tens of microseconds (a point decompression with a big-integer
// square root), more than an Ed25519 verification; the gate sees the same
// agencies, issuers and citizens again and again. Bounded: it is emptied
// when full.
type keyCache struct {
	mu sync.RWMutex
	m  map[identity.DID]ed25519.PublicKey
}

const keyCacheSize = 1 << 16

func (c *keyCache) ed25519Key(d identity.DID) (ed25519.PublicKey, error) {
	c.mu.RLock()
	k, ok := c.m[d]
	c.mu.RUnlock()
	if ok {
		return k, nil
	}
	k, err := d.Ed25519()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= keyCacheSize {
		c.m = make(map[identity.DID]ed25519.PublicKey)
	}
	c.m[d] = k
	c.mu.Unlock()
	return k, nil
}

func checkDID(k didKeys, field string, d identity.DID) error {
	if _, err := k.ed25519Key(d); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrMalformed, field, err)
	}
	return nil
}

// verifySig checks a domain-separated signature by did; failures wrap
// ErrBadSignature and identity.ErrBadSignature.
func verifySig(k didKeys, did identity.DID, domain string, msg, sig []byte, what string) error {
	pub, err := k.ed25519Key(did)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadSignature, what, err)
	}
	if err := identity.Verify(pub, domain, msg, sig); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadSignature, what, err)
	}
	return nil
}
