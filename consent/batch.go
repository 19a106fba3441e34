package consent

import (
	"context"
	"errors"
	"fmt"

	"github.com/civicproof/civicproof/zkp"
)

// Pair is one presentation of a batch and the request it answers.
type Pair struct {
	Request      *Request
	Presentation *Presentation
}

// BatchVerifier is a ProofSystem that checks many proofs at once.
// ZKSystem implements it; a Gate whose proof system does not verifies a
// batch one proof at a time.
type BatchVerifier interface {
	ProofSystem
	// VerifyBatch checks proofs[i] against sts[i] for every i, as Verify
	// would, and returns, index by index, what each proof that verifies
	// establishes and the error of each that does not (the errors of
	// Verify).
	VerifyBatch(sts []*Statement, proofs [][]byte) ([]*Proven, []error)
}

var _ BatchVerifier = (*ZKSystem)(nil)

// VerifyBatch checks many presentations as Verify checks one and returns,
// index by index, the result of each accepted presentation and the error
// of each refused one; each error wraps the sentinel Verify would return
// for that presentation (ErrBadProof for a forged proof, ErrReplay for a
// nonce answered before or earlier in the batch, ErrNullifierUsed for a
// nullifier seen before or earlier in the batch under
// OneClaimPerScope ...). All presentations are checked at the same
// instant of the gate's clock.
//
// The checks before the proof run for each pair; the proofs of those that
// pass are verified together when the proof system is a BatchVerifier
// (ZKSystem: one multi-pairing per verifying key, see zkp.VerifyBatch);
// then the accepted presentations are committed in batch order, each with
// its own access record on the ledger, exactly as Verify commits one. A
// refused presentation changes nothing, in the gate or on the ledger. If
// ctx ends, the presentations not yet committed are refused with
// ctx.Err().
func (g *Gate) VerifyBatch(ctx context.Context, pairs []Pair) ([]*Result, []error) {
	now := g.cfg.clock()
	res := make([]*Result, len(pairs))
	errs := make([]error, len(pairs))
	pre := make([]*prepared, len(pairs))
	var idx []int
	var sts []*Statement
	var proofs [][]byte
	for i, pr := range pairs {
		p, err := g.prepare(pr.Request, pr.Presentation, now)
		if err != nil {
			errs[i] = err
			continue
		}
		pre[i] = p
		idx = append(idx, i)
		sts = append(sts, p.stmt)
		proofs = append(proofs, pr.Presentation.Proof)
	}
	outs := make([]*Proven, len(idx))
	perr := make([]error, len(idx))
	if bv, ok := g.zk.(BatchVerifier); ok && len(idx) > 1 {
		outs, perr = bv.VerifyBatch(sts, proofs)
		if len(outs) != len(idx) || len(perr) != len(idx) {
			err := fmt.Errorf("%w: proof system answered %d of %d proofs", ErrBadProof, min(len(outs), len(perr)), len(idx))
			for _, i := range idx {
				errs[i] = err
			}
			return res, errs
		}
	} else {
		for j := range idx {
			outs[j], perr[j] = g.zk.Verify(sts[j], proofs[j])
		}
	}
	for j, i := range idx {
		outs[j], perr[j] = g.otherDays(pairs[i].Request, sts[j], proofs[j], now, outs[j], perr[j])
		switch {
		case perr[j] != nil:
			errs[i] = perr[j]
		case outs[j] == nil:
			errs[i] = fmt.Errorf("%w: proof system returned no result", ErrBadProof)
		case ctx.Err() != nil:
			errs[i] = ctx.Err()
		default:
			res[i], errs[i] = g.commit(ctx, pairs[i].Request, pairs[i].Presentation, pre[i], outs[j], now)
		}
	}
	return res, errs
}

// VerifyBatch implements BatchVerifier: the proofs made for one verifying
// key are checked together by zkp.VerifyBatch (random coefficients from
// crypto/rand). Errors are those of Verify.
func (s *ZKSystem) VerifyBatch(sts []*Statement, proofs [][]byte) ([]*Proven, []error) {
	n := min(len(sts), len(proofs))
	outs := make([]*Proven, len(proofs))
	errs := make([]error, len(proofs))
	for i := n; i < len(proofs); i++ {
		errs[i] = fmt.Errorf("%w: no statement for proof %d", ErrMalformed, i)
	}
	type group struct {
		vk      *zkp.VerifyingKey
		idx     []int
		items   []zkp.BatchItem
		itemsV2 []zkp.BatchItemV2
	}
	groups := map[[32]byte]*group{}
	var order [][32]byte
	groupOf := func(fp [32]byte, vk *zkp.VerifyingKey) *group {
		gr := groups[fp]
		if gr == nil {
			gr = &group{vk: vk}
			groups[fp] = gr
			order = append(order, fp)
		}
		return gr
	}
	for i := range n {
		if isV2(proofs[i]) {
			p, zst, vk, err := s.decodeV2(sts[i], proofs[i])
			if err != nil {
				errs[i] = err
				continue
			}
			gr := groupOf(p.Fingerprint, vk)
			gr.idx = append(gr.idx, i)
			gr.itemsV2 = append(gr.itemsV2, zkp.BatchItemV2{Statement: zst, Proof: p})
			continue
		}
		p, zst, vk, err := s.decode(sts[i], proofs[i])
		if err != nil {
			errs[i] = err
			continue
		}
		gr := groupOf(p.Fingerprint, vk)
		gr.idx = append(gr.idx, i)
		gr.items = append(gr.items, zkp.BatchItem{Statement: zst, Proof: p})
	}
	for _, fp := range order {
		gr := groups[fp]
		// A key is of one shape, so a group holds proofs of one version
		// (a proof of the other version fails its key's shape check).
		if len(gr.itemsV2) > 0 {
			if len(gr.items) > 0 {
				for _, i := range gr.idx {
					errs[i] = fmt.Errorf("%w: proofs of both versions for one verifying key", ErrBadProof)
				}
				continue
			}
			res, verrs := zkp.VerifyBatchV2(gr.vk, gr.itemsV2, nil)
			for j, i := range gr.idx {
				if verrs[j] != nil {
					errs[i] = proofError(verrs[j])
					continue
				}
				outs[i], errs[i] = provenOfV2(sts[i], res[j])
			}
			continue
		}
		res, verrs := zkp.VerifyBatch(gr.vk, gr.items, nil)
		for j, i := range gr.idx {
			if verrs[j] != nil {
				errs[i] = proofError(verrs[j])
				continue
			}
			outs[i] = provenOf(res[j])
		}
	}
	return outs, errs
}

// decode parses a proof, finds its verifying key and derives the zkp
// statement of st.
func (s *ZKSystem) decode(st *Statement, proof []byte) (*zkp.Proof, *zkp.Statement, *zkp.VerifyingKey, error) {
	var p zkp.Proof
	if err := p.UnmarshalBinary(proof); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	vk, ok := s.keys[p.Fingerprint]
	if !ok {
		return nil, nil, nil, fmt.Errorf("%w: no verifying key %x in this proof system", ErrUnofficialKey, p.Fingerprint[:8])
	}
	if st == nil || st.IssuerKey == nil || st.Credentials != nil {
		return nil, nil, nil, fmt.Errorf("%w: a version 1 statement needs an issuer key and no per-credential entries", ErrMalformed)
	}
	typ, err := s.typeID(st.Type)
	if err != nil {
		return nil, nil, nil, err
	}
	zst, err := zkStatement(st.Request, typ, st.IssuerKey.ZK(), st.Root, st.Today)
	if err != nil {
		return nil, nil, nil, err
	}
	return &p, zst, vk, nil
}

// proofError maps a zkp verification error to the gate's sentinels.
func proofError(err error) error {
	if errors.Is(err, zkp.ErrWrongKey) {
		return fmt.Errorf("%w: %w", ErrUnofficialKey, err)
	}
	return fmt.Errorf("%w: %w", ErrBadProof, err)
}

// provenOf converts a zkp result.
func provenOf(res *zkp.Result) *Proven {
	out := &Proven{Disclosed: map[uint8]FieldValue{}, Nullifier: FieldValueOf(res.Nullifier)}
	for slot, v := range res.Disclosed {
		out.Disclosed[slot] = FieldValueOf(v)
	}
	return out
}
