package holder

import (
	"fmt"
	"testing"

	"github.com/civicproof/civicproof/identity"
)

var sinkKey *identity.PrivateKey

// BenchmarkIdentityFor measures deriving a pairwise identity for a new
// agency (HKDF and the key set; a second call for the same agency hits
// the cache).
func BenchmarkIdentityFor(b *testing.B) {
	w := newTestWorld(b, false)
	_, h := newWallet(b, w)
	dids := make([]identity.DID, 1024)
	for i := range dids {
		k, err := identity.NewKeyFromSeed([]byte(fmt.Sprintf("%032d", i)))
		if err != nil {
			b.Fatal(err)
		}
		dids[i] = k.DID()
	}
	b.ResetTimer()
	for i := range b.N {
		h.mu.Lock()
		clear(h.ids)
		h.mu.Unlock()
		k, err := h.IdentityFor(dids[i%len(dids)])
		if err != nil {
			b.Fatal(err)
		}
		sinkKey = k
	}
}
