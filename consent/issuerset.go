package consent

import (
	"bytes"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/issuerset"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

// MaxIssuerSetKeys bounds the keys an IssuerSetFile may list (the
// capacity of an issuer set).
const MaxIssuerSetKeys = ledger.IssuerSetCapacity

// IssuerSetFile is a credential type's current issuer set as a wallet
// without the ledger's state receives it (package httpapi serves it):
// every accredited key of the type, in tree order, with its window and
// its issuer's revocation root. It is public: fetching the whole set tells
// the server the type, not which issuer the wallet holds a credential of.
// A wallet needs no proof of it: HeldV2From rebuilds its root, and a root
// the ledger never had for the type only makes the gate refuse the
// proof (ErrStaleRoot).
type IssuerSetFile struct {
	Type string      `json:"type"`
	Root ledger.Hash `json:"root"`
	Keys []SetKey    `json:"keys"`
}

// SetKey is one leaf of an IssuerSetFile.
type SetKey struct {
	Key            []byte      `json:"key"` // identity.PublicKey.Bytes of the key set
	From           uint64      `json:"from"`
	Until          uint64      `json:"until"`
	RevocationRoot ledger.Hash `json:"revocationRoot"`
}

// IssuerSetOf returns the current issuer set of credential type typ
// (the schema name) on state. Errors wrap ErrNotAccredited for a type
// without one.
func IssuerSetOf(state *ledger.State, typ string) (*IssuerSetFile, error) {
	if state == nil {
		return nil, fmt.Errorf("%w: no ledger state", ErrMalformed)
	}
	set, err := state.IssuerSet(typ)
	if err != nil {
		return nil, fmt.Errorf("%w: no issuer set for %q: %v", ErrNotAccredited, typ, err)
	}
	f := &IssuerSetFile{Type: typ, Root: set.Root, Keys: make([]SetKey, len(set.Leaves))}
	for i, l := range set.Leaves {
		f.Keys[i] = SetKey{Key: l.Key.Bytes(), From: l.From, Until: l.Until, RevocationRoot: l.RevocationRoot}
	}
	return f, nil
}

// HeldV2From is HeldV2 for a wallet without the ledger's state: it
// rebuilds the issuer set of f (which must be of c's type and hash to
// f.Root; ErrMalformed otherwise) and returns c with its key's leaf —
// the key that signed c, valid on its issuance day (ErrNotAccredited
// when f has none) — that leaf's path, and the revocation witness w.
func HeldV2From(f *IssuerSetFile, c *credential.Credential, w *revocation.Witness) (zkp.HeldCredential, error) {
	if f == nil || c == nil || c.Schema == nil || c.IssuerKey == nil || w == nil {
		return zkp.HeldCredential{}, fmt.Errorf("%w: HeldV2From needs an issuer set, a credential with its schema and issuer key, and its witness", ErrMalformed)
	}
	if f.Type != c.Schema.Name {
		return zkp.HeldCredential{}, fmt.Errorf("%w: issuer set of %q for a credential of %q", ErrMalformed, f.Type, c.Schema.Name)
	}
	if len(f.Keys) > MaxIssuerSetKeys {
		return zkp.HeldCredential{}, fmt.Errorf("%w: issuer set of %d keys, at most %d", ErrMalformed, len(f.Keys), MaxIssuerSetKeys)
	}
	leaves := make([]issuerset.Leaf, len(f.Keys))
	mine := -1
	want := c.IssuerKey.Bytes()
	for i, k := range f.Keys {
		pub, err := identity.ParsePublicKey(k.Key)
		if err != nil || pub.ZK() == nil {
			return zkp.HeldCredential{}, fmt.Errorf("%w: issuer set key %d: %v", ErrMalformed, i, err)
		}
		var rev fr.Element
		if err := rev.SetBytesCanonical(k.RevocationRoot[:]); err != nil {
			return zkp.HeldCredential{}, fmt.Errorf("%w: revocation root of issuer set key %d is not a field element", ErrMalformed, i)
		}
		leaves[i] = issuerset.KeyLeaf(pub.ZK(), k.From, k.Until, rev)
		if mine < 0 && bytes.Equal(pub.ZK().Bytes(), want) && leaves[i].Covers(c.Core.IssuanceDay) {
			mine = i
		}
	}
	tree, err := issuerset.Build(leaves)
	if err != nil {
		return zkp.HeldCredential{}, fmt.Errorf("%w: issuer set of %q: %v", ErrMalformed, f.Type, err)
	}
	if root := tree.Root(); ledger.Hash(root.Bytes()) != f.Root {
		return zkp.HeldCredential{}, fmt.Errorf("%w: issuer set of %q rebuilds to %x, not its root %s", ErrMalformed, f.Type, root.Bytes(), f.Root)
	}
	if mine < 0 {
		return zkp.HeldCredential{}, fmt.Errorf("%w: the issuer set of %q has no key of %s valid on the credential's issuance day", ErrNotAccredited, f.Type, c.Issuer)
	}
	path, err := tree.Path(mine)
	if err != nil {
		return zkp.HeldCredential{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return zkp.HeldCredential{Credential: c, Issuer: leaves[mine], IssuerPath: path, Revocation: w}, nil
}
