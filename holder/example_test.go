package holder_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential/wallet"
	"github.com/civicproof/civicproof/holder"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// A citizen consents to two agencies: each grant is given and anchored
// under the citizen's pairwise DID for that agency, and a wallet restored
// from its backup derives the same DIDs.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "holder-example")
	defer os.RemoveAll(dir)
	kdf := wallet.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1} // fast, for the example only

	// A ledger with two registered agencies.
	ledgerKey, _ := identity.GenerateKey(nil)
	l, _ := ledger.NewInMemory(ledgerKey)
	defer l.Close()
	submit := func(k *identity.PrivateKey, p ledger.Payload) {
		sr, _ := ledger.NewRecord(k.DID(), time.Now(), p).Sign(k)
		if _, err := l.Submit(ctx, sr); err != nil {
			panic(err)
		}
	}
	root, _ := identity.GenerateKey(nil)
	submit(root, &ledger.GovernanceInit{Name: "Ministry"})
	var agencies []*identity.PrivateKey
	for _, name := range []string{"Housing Office", "Tax Office"} {
		k, _ := identity.GenerateKey(nil)
		submit(k, &ledger.AgencyRegister{Key: k.Public(), Name: name})
		agencies = append(agencies, k)
	}

	// The citizen's wallet and agent.
	w, err := wallet.Create(filepath.Join(dir, "wallet"), []byte("passphrase"), wallet.Options{KDF: kdf})
	if err != nil {
		panic(err)
	}
	h, _ := holder.New(w.MasterSecret(), w)

	var grants []*consent.Grant
	for _, a := range agencies {
		nonce, _ := consent.NewNonce(nil)
		req := &consent.Request{
			Purpose: consent.PurposeIdentityVerification, LegalBasis: consent.BasisPublicTask, NoticeVersion: "1",
			Types: []string{"PersonalID/1"}, Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: 1 << 63}},
			Scope: "intake", Nonce: nonce, IssuedAt: time.Now(), Expires: time.Now().Add(time.Minute),
		}
		if err := req.Sign(a); err != nil {
			panic(err)
		}
		g, err := h.Consent(ctx, l, req, holder.ConsentOptions{})
		if err != nil {
			panic(err)
		}
		grants = append(grants, g)
	}
	mine, _ := h.IdentityFor(agencies[0].DID())
	fmt.Println("grant to the first agency signed by its pairwise DID:", grants[0].Citizen == mine.DID())
	fmt.Println("the two grants share a DID:", grants[0].Citizen == grants[1].Citizen)
	fmt.Println("pairwise identities in use:", len(h.Pairwise()))

	// Restore the wallet from its backup: the same pairwise DIDs.
	backup, _ := w.Export([]byte("backup passphrase"), kdf)
	restored, err := wallet.Import(filepath.Join(dir, "restored"), backup, []byte("backup passphrase"), []byte("new passphrase"), wallet.Options{KDF: kdf})
	if err != nil {
		panic(err)
	}
	h2, _ := holder.New(restored.MasterSecret(), restored)
	again, _ := h2.IdentityFor(agencies[1].DID())
	fmt.Println("restored wallet finds the second grant's DID:", again.DID() == grants[1].Citizen)
	// Output:
	// grant to the first agency signed by its pairwise DID: true
	// the two grants share a DID: false
	// pairwise identities in use: 2
	// restored wallet finds the second grant's DID: true
}
