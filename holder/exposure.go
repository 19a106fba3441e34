package holder

import (
	"bytes"
	"context"
	"fmt"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// Exposure is what a ledger shows of a holder's identities: the result
// of Holder.Exposure.
type Exposure struct {
	// Leaks are the records that carry one of the holder's delivery DIDs
	// (the subject of a stored credential) as author, as text or as its
	// raw Ed25519 key. An issuer reading them could follow its citizen to
	// the agencies the citizen deals with; a holder that keeps its
	// identities pairwise has none.
	Leaks []Leak
	// Authored counts, for each of the holder's pairwise DIDs for an
	// agency (or the root authority), the records that DID signed.
	Authored map[identity.DID]int
	// Others counts the records signed by neither an agency, the root
	// authority, nor one of the holder's pairwise DIDs for them (other
	// citizens, for example).
	Others int
}

// Leak is one ledger record that carries a delivery DID.
type Leak struct {
	Index uint64
	Kind  string
	DID   identity.DID
}

// Exposure reads every record of l and reports what it shows of the
// holder: records carrying a delivery DID (Leaks) and the records signed
// by the holder's pairwise DID for each agency. It reads the whole log,
// so it is an audit (a wallet's self-check, a privacy test), not a check
// for every request. Errors are l's.
func (h *Holder) Exposure(ctx context.Context, l ledger.Ledger) (*Exposure, error) {
	type delivery struct {
		did identity.DID
		key []byte // nil when the DID is not an Ed25519 did:key
	}
	var delivered []delivery
	seen := map[identity.DID]bool{}
	for _, e := range h.store.List("", "") {
		d := e.Credential.Holder
		if seen[d] {
			continue
		}
		seen[d] = true
		key, _ := d.Ed25519()
		delivered = append(delivered, delivery{d, key})
	}
	st := l.State()
	institutions := map[identity.DID]bool{st.RootAuthority(): true}
	var recs []*ledger.SignedRecord
	for i := range st.Size() {
		sr, err := l.Record(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("holder: exposure: record %d: %w", i, err)
		}
		recs = append(recs, sr)
		if a, err := st.Agency(sr.Record.Author); err == nil {
			institutions[a.ID] = true
		}
	}
	mine := map[identity.DID]bool{} // the holder's pairwise DIDs for the institutions
	for a := range institutions {
		k, err := h.IdentityFor(a)
		if err != nil {
			return nil, err
		}
		mine[k.DID()] = true
	}
	x := &Exposure{Authored: map[identity.DID]int{}}
	for i, sr := range recs {
		b, err := sr.Bytes()
		if err != nil {
			return nil, fmt.Errorf("holder: exposure: record %d: %w", i, err)
		}
		author := sr.Record.Author
		for _, d := range delivered {
			if author == d.did || bytes.Contains(b, []byte(d.did)) || (d.key != nil && bytes.Contains(b, d.key)) {
				x.Leaks = append(x.Leaks, Leak{Index: uint64(i), Kind: fmt.Sprint(sr.Record.Kind), DID: d.did})
			}
		}
		switch {
		case institutions[author]:
		case mine[author]:
			x.Authored[author]++
		default:
			x.Others++
		}
	}
	return x, nil
}
