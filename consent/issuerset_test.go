package consent

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/issuerset"
	"github.com/civicproof/civicproof/ledger"
)

// TestHeldV2From: a wallet without the ledger's state gets from the
// served issuer set exactly what HeldV2 derives from the state; a set
// that does not rebuild to its root, of another type, or without the
// credential's key is refused with its sentinel.
func TestHeldV2From(t *testing.T) {
	w, cred, wit := heldV2World(t)
	want, err := HeldV2(w.l.State(), cred, wit)
	if err != nil {
		t.Fatal(err)
	}
	f, err := IssuerSetOf(w.l.State(), testTypeName)
	if err != nil {
		t.Fatal(err)
	}
	got, err := HeldV2From(f, cred, wit)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("HeldV2From = %+v, want HeldV2's %+v", got, want)
	}
	if _, err := IssuerSetOf(w.l.State(), "Nothing"); !errors.Is(err, ErrNotAccredited) {
		t.Fatalf("set of an unknown type: %v, want ErrNotAccredited", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*IssuerSetFile)
		want error
	}{
		{"root changed", func(f *IssuerSetFile) { f.Root[31] ^= 1 }, ErrMalformed},
		{"window widened", func(f *IssuerSetFile) { f.Keys[0].Until++ }, ErrMalformed},
		{"another type", func(f *IssuerSetFile) { f.Type = "Diploma" }, ErrMalformed},
		{"key not a key", func(f *IssuerSetFile) { f.Keys[0].Key = f.Keys[0].Key[1:] }, ErrMalformed},
		{"revocation root not a field element", func(f *IssuerSetFile) { f.Keys[0].RevocationRoot = [32]byte{0xff} }, ErrMalformed},
		{"no key covering the issuance day", func(f *IssuerSetFile) {
			f.Keys[0].From = cred.Core.IssuanceDay + 1
			f.Keys[0].Until = max(f.Keys[0].Until, f.Keys[0].From)
			f.Root = rootOf(t, f) // a consistent set, without the credential's key
		}, ErrNotAccredited},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := IssuerSetOf(w.l.State(), testTypeName)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(g)
			_, err = HeldV2From(g, cred, wit)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// rootOf is the root of f's keys, rebuilt as a wallet does.
func rootOf(t *testing.T, f *IssuerSetFile) ledger.Hash {
	t.Helper()
	leaves := make([]issuerset.Leaf, len(f.Keys))
	for i, k := range f.Keys {
		pub, err := identity.ParsePublicKey(k.Key)
		if err != nil {
			t.Fatal(err)
		}
		var rev fr.Element
		if err := rev.SetBytesCanonical(k.RevocationRoot[:]); err != nil {
			t.Fatal(err)
		}
		leaves[i] = issuerset.KeyLeaf(pub.ZK(), k.From, k.Until, rev)
	}
	tree, err := issuerset.Build(leaves)
	if err != nil {
		t.Fatal(err)
	}
	r := tree.Root()
	return ledger.Hash(r.Bytes())
}

// heldV2World is a world whose issuer issued one credential of
// testTypeName, with its revocation witness.
func heldV2World(t testing.TB) (*world, *credential.Credential, *revocation.Witness) {
	t.Helper()
	ctx := context.Background()
	w := newWorld(t)
	schema := credential.MustSchema(testTypeName, 1,
		credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true})
	issuer, err := credential.NewIssuer(w.issuer, w.l, credential.NewRegistry(), credential.IssuerOptions{Now: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := issuer.RegisterSchema(ctx, schema); err != nil {
		t.Fatal(err)
	}
	secret, _ := credential.NewHolderSecret(nil)
	cred, err := issuer.Issue(ctx, schema, &credential.Request{HolderBinding: credential.HolderBinding(secret),
		Claims: credential.Claims{"birthDate": "2001-05-17"}, ValidUntil: w.clock.Now().AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := issuer.PublishRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	wit, err := issuer.Registry().Witness(cred.Core.RevocationIndex)
	if err != nil {
		t.Fatal(err)
	}
	return w, cred, wit
}

// FuzzHeldV2From: whatever issuer set a server sends, HeldV2From returns
// a holding or an error, never panics, and a holding it returns is for a
// set that rebuilds to the served root.
func FuzzHeldV2From(f *testing.F) {
	w, cred, wit := heldV2World(f)
	good, err := IssuerSetOf(w.l.State(), testTypeName)
	if err != nil {
		f.Fatal(err)
	}
	b, err := json.Marshal(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"type":"` + testTypeName + `","root":"00","keys":[{"key":"AA=="}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var set IssuerSetFile
		if json.Unmarshal(b, &set) != nil {
			return
		}
		held, err := HeldV2From(&set, cred, wit)
		if err != nil {
			return
		}
		if r := held.IssuerPath.RootWith(held.Issuer.Hash()); ledger.Hash(r.Bytes()) != set.Root {
			t.Fatalf("holding for root %x, the set names %s", r.Bytes(), set.Root)
		}
	})
}
