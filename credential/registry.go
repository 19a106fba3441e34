package credential

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential/revocation"
)

// Registry is an issuer's revocation registry: the revocation indices it
// has handed out, the ones it has revoked, and the revocation.Tree over
// them. Revoke takes effect for verifiers at the next published root
// (Issuer.PublishRevocations). A registry opened with OpenRegistry keeps its
// state in a bbolt file, each change one fsynced transaction; NewRegistry
// keeps it in memory. Safe for concurrent use.
type Registry struct {
	mu        sync.Mutex
	file      registryFile // nil for an in-memory registry
	tree      *revocation.Tree
	allocated map[uint32]struct{}
	revoked   map[uint32]uint64 // index -> epoch of the root that first included it (0: pending)
	epoch     uint64            // epoch of the last published root
	root      fr.Element        // last published root
}

// registryFile is where a file-backed registry keeps each change durably
// (registry_bolt.go); an in-memory registry has none.
type registryFile interface {
	putAllocated(idx uint32) error
	putRevoked(idx uint32, epoch uint64) error
	putPublished(epoch uint64, root fr.Element, pending []uint32) error
	close() error
}

// NewRegistry returns an empty in-memory registry.
func NewRegistry() *Registry {
	return &Registry{tree: revocation.NewTree(), allocated: map[uint32]struct{}{}, revoked: map[uint32]uint64{}}
}

// Close closes the registry file (a no-op in memory).
func (r *Registry) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.file == nil {
		return nil
	}
	err := r.file.close()
	r.file = nil
	return err
}

// update runs write against the registry file, or does nothing in memory.
func (r *Registry) update(write func(f registryFile) error) error {
	if r.file == nil {
		return nil
	}
	if err := write(r.file); err != nil {
		return fmt.Errorf("credential: writing registry: %w", err)
	}
	return nil
}

// Allocate draws a fresh random revocation index (uniform below
// 2^revocation.Depth, never handed out before) and records it durably.
// Random indices keep a credential's index from revealing when it was
// issued. rnd nil means crypto/rand.
func (r *Registry) Allocate(rnd io.Reader) (uint32, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if uint64(len(r.allocated)) >= revocation.Capacity/2 {
		return 0, fmt.Errorf("%w: half of the %d indices are in use", ErrIndexExhausted, revocation.Capacity)
	}
	var b [4]byte
	for range 128 {
		if _, err := io.ReadFull(rnd, b[:]); err != nil {
			return 0, fmt.Errorf("credential: reading randomness: %w", err)
		}
		idx := binary.BigEndian.Uint32(b[:]) & revocation.MaxIndex
		if _, used := r.allocated[idx]; used {
			continue
		}
		if err := r.update(func(f registryFile) error { return f.putAllocated(idx) }); err != nil {
			return 0, err
		}
		r.allocated[idx] = struct{}{}
		return idx, nil
	}
	return 0, fmt.Errorf("%w: 128 random draws collided", ErrIndexExhausted)
}

// Revoke marks an allocated index revoked, durably. It takes effect for
// verifiers at the next published root. Revoking twice is not an error.
func (r *Registry) Revoke(idx uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.allocated[idx]; !ok {
		return fmt.Errorf("%w: revocation index %d was never issued", ErrUnknownIndex, idx)
	}
	if _, done := r.revoked[idx]; done {
		return nil
	}
	if err := r.update(func(f registryFile) error { return f.putRevoked(idx, 0) }); err != nil {
		return err
	}
	if err := r.tree.Revoke(idx); err != nil {
		return fmt.Errorf("credential: revoking %d: %w", idx, err)
	}
	r.revoked[idx] = 0
	return nil
}

// Revoked reports whether idx is revoked (published or pending).
func (r *Registry) Revoked(idx uint32) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.revoked[idx]
	return ok
}

// Root returns the root of the current tree, pending revocations included.
func (r *Registry) Root() fr.Element {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tree.Root()
}

// Published returns the epoch and root of the last published root (0 and
// the zero element before the first).
func (r *Registry) Published() (uint64, fr.Element) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.epoch, r.root
}

// Witness returns the revocation witness of idx in the current tree.
func (r *Registry) Witness(idx uint32) (*revocation.Witness, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tree.Witness(idx)
}

// Issued returns how many indices have been handed out.
func (r *Registry) Issued() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.allocated)
}

// prepare returns the current root, the pending revocations it includes,
// and the epoch the next publication will carry (above both the
// registry's and the ledger's latest epoch).
func (r *Registry) prepare(ledgerEpoch uint64) (fr.Element, []uint32, uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var pending []uint32
	for idx, e := range r.revoked {
		if e == 0 {
			pending = append(pending, idx)
		}
	}
	return r.tree.Root(), pending, max(r.epoch, ledgerEpoch) + 1
}

// published records that root, including the pending revocations that
// prepare returned, was published at epoch.
func (r *Registry) published(epoch uint64, root fr.Element, pending []uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.setPublished(epoch, root, pending)
}

func (r *Registry) setPublished(epoch uint64, root fr.Element, pending []uint32) error {
	if err := r.update(func(f registryFile) error { return f.putPublished(epoch, root, pending) }); err != nil {
		return err
	}
	for _, idx := range pending {
		r.revoked[idx] = epoch
	}
	r.epoch, r.root = epoch, root
	return nil
}

// StatusList returns the public list of revoked indices included in the
// last published root, for wallets to rebuild their witnesses from.
func (r *Registry) StatusList() []uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []uint32
	for idx, e := range r.revoked {
		if e != 0 && e <= r.epoch {
			out = append(out, idx)
		}
	}
	slices.Sort(out)
	return out
}
