package cometbft

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// MaxTxBytes bounds a transaction posted to the read API's submit route.
const MaxTxBytes = 1 << 20

// NewHandler returns the HTTP API of a node (civicproofd start serves it):
//
//	POST /v1/submit                       a transaction (EncodeTx), answered once committed:
//	                                      {"index": first record's index, "size": …, "checkpoint": note}
//	POST /v1/find                         a transaction: the same answer if its records are committed
//	                                      (consecutively, in order), else 404
//	GET  /v1/checkpoint                   the node's own signed checkpoint note
//	GET  /v1/cosignature                  this validator's cosignature of its latest checkpoint
//	GET  /v1/cosignature/{size}           … of the checkpoint at size
//	GET  /v1/records/{index}              a record's canonical bytes
//	GET  /v1/proofs/inclusion/{index}/{size}     JSON array of base64 hashes
//	GET  /v1/proofs/consistency/{from}/{to}      JSON array of base64 hashes
//	GET  /v1/state/agency/{did}           the agency's state (JSON)
//	GET  /v1/state/grant/{id}             a grant's state (JSON; id in hex)
//
// Nothing it serves needs to be trusted: a Client checks checkpoints
// against the validator set and records against checkpoints. Refusals of
// a submission answer 422 with the reason (409 for a duplicate); unknown
// entries 404.
func NewHandler(l *Ledger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/submit", func(w http.ResponseWriter, r *http.Request) {
		tx, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxTxBytes))
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		srs, err := DecodeTx(tx)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		rs, err := l.SubmitBatch(r.Context(), srs)
		switch {
		case errors.Is(err, ledger.ErrDuplicate):
			http.Error(w, err.Error(), http.StatusConflict)
			return
		case errors.Is(err, ledger.ErrInvalidRecord), errors.Is(err, ledger.ErrUnauthorized):
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		case err != nil:
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		cp := rs[len(rs)-1].Checkpoint
		writeJSON(w, SubmitResult{Index: rs[0].Index, Size: cp.Size, Checkpoint: cp.Note})
	})
	mux.HandleFunc("POST /v1/find", func(w http.ResponseWriter, r *http.Request) {
		tx, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxTxBytes))
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		srs, err := DecodeTx(tx)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		rs, err := l.Find(r.Context(), srs)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		cp := rs[0].Checkpoint
		writeJSON(w, SubmitResult{Index: rs[0].Index, Size: cp.Size, Checkpoint: cp.Note})
	})
	mux.HandleFunc("GET /v1/checkpoint", func(w http.ResponseWriter, r *http.Request) {
		cp, err := l.Checkpoint(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(cp.Note)
	})
	cosig := func(w http.ResponseWriter, n []byte, err error) {
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(n)
	}
	mux.HandleFunc("GET /v1/cosignature", func(w http.ResponseWriter, r *http.Request) {
		n, err := l.app.LatestCosignature()
		cosig(w, n, err)
	})
	mux.HandleFunc("GET /v1/cosignature/{size}", func(w http.ResponseWriter, r *http.Request) {
		size, ok := pathUint(w, r, "size")
		if !ok {
			return
		}
		n, err := l.app.Cosignature(size)
		cosig(w, n, err)
	})
	mux.HandleFunc("GET /v1/records/{index}", func(w http.ResponseWriter, r *http.Request) {
		i, ok := pathUint(w, r, "index")
		if !ok {
			return
		}
		sr, err := l.Record(r.Context(), i)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		b, err := sr.Bytes()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	})
	proofRoute := func(get func(ctx context.Context, a, b uint64) ([][]byte, error), x, y string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			a, ok := pathUint(w, r, x)
			if !ok {
				return
			}
			b, ok := pathUint(w, r, y)
			if !ok {
				return
			}
			p, err := get(r.Context(), a, b)
			if err != nil {
				http.Error(w, err.Error(), http.StatusNotFound)
				return
			}
			if p == nil {
				p = [][]byte{}
			}
			writeJSON(w, p)
		}
	}
	mux.HandleFunc("GET /v1/proofs/inclusion/{index}/{size}", proofRoute(l.InclusionProof, "index", "size"))
	mux.HandleFunc("GET /v1/proofs/consistency/{from}/{to}", proofRoute(l.ConsistencyProof, "from", "to"))
	mux.HandleFunc("GET /v1/state/agency/{did}", func(w http.ResponseWriter, r *http.Request) {
		a, err := l.State().Agency(identity.DID(r.PathValue("did")))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		writeJSON(w, a)
	})
	mux.HandleFunc("GET /v1/state/grant/{id}", func(w http.ResponseWriter, r *http.Request) {
		var id ledger.Hash
		if err := id.UnmarshalText([]byte(r.PathValue("id"))); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		g, err := l.State().Grant(id)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		writeJSON(w, g)
	})
	return mux
}

// SubmitResult is the answer to a submission.
type SubmitResult struct {
	Index      uint64 `json:"index"`      // log index of the first record
	Size       uint64 `json:"size"`       // log size of the checkpoint
	Checkpoint []byte `json:"checkpoint"` // the node's signed checkpoint including the records
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func pathUint(w http.ResponseWriter, r *http.Request, name string) (uint64, bool) {
	v, err := strconv.ParseUint(r.PathValue(name), 10, 64)
	if err != nil {
		http.Error(w, fmt.Sprintf("bad %s", name), http.StatusBadRequest)
		return 0, false
	}
	return v, true
}

// Client reads a consortium's ledger through the HTTP API of its nodes
// without trusting any one of them: checkpoints count only when the
// validators of Validators holding more than 2/3 of the voting power
// cosigned them, and records only with an inclusion proof under such a
// checkpoint.
type Client struct {
	Nodes      []string      // base URLs of nodes' APIs, e.g. "http://127.0.0.1:26680"
	Validators *ValidatorSet // the consortium's validator set, obtained out of band
	HTTP       *http.Client  // default: a client with a 10 s timeout
}

// ErrNodeAnswer: a node's answer could not be used (unreachable, an error
// status, or an answer that fails verification).
var ErrNodeAnswer = errors.New("ledger/cometbft: unusable node answer")

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// get fetches path from node and returns the body of a 200 answer.
func (c *Client) get(ctx context.Context, node, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, node+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := c.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNodeAnswer, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %s%s: %w", ErrNodeAnswer, node, path, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s%s: %s: %s", ErrNodeAnswer, node, path, res.Status, bytes.TrimSpace(b))
	}
	return b, nil
}

// Checkpoint returns the latest checkpoint that validators with more than
// 2/3 of the voting power cosigned, gathering cosignatures from every
// node: it asks each node for the size of its latest cosignature, then
// every node for its cosignature at each size from the largest down,
// until one size gathers enough power. Errors: ErrInsufficientPower when
// no size does, ErrBadCosignature when an answer carries a forged one.
func (c *Client) Checkpoint(ctx context.Context) (*ledger.Checkpoint, error) {
	if c.Validators == nil || len(c.Nodes) == 0 {
		return nil, errors.New("ledger/cometbft: client needs nodes and a validator set")
	}
	var sizes []uint64
	for _, node := range c.Nodes {
		b, err := c.get(ctx, node, "/v1/cosignature")
		if err != nil {
			continue
		}
		size, err := c.Validators.signedSize(b)
		if err != nil {
			continue
		}
		sizes = append(sizes, size)
	}
	if len(sizes) == 0 {
		return nil, fmt.Errorf("%w: no node answered with a cosignature", ErrInsufficientPower)
	}
	// Largest size first, each once.
	slices.Sort(sizes)
	slices.Reverse(sizes)
	var last error
	for i, size := range sizes {
		if i > 0 && size == sizes[i-1] {
			continue
		}
		cp, err := c.CheckpointAt(ctx, size)
		if err == nil {
			return cp, nil
		}
		last = err
	}
	return nil, last
}

// CheckpointAt returns the checkpoint at size, cosigned by validators with
// more than 2/3 of the voting power, gathering the cosignatures from every
// node. Errors as Checkpoint.
func (c *Client) CheckpointAt(ctx context.Context, size uint64) (*ledger.Checkpoint, error) {
	var notes [][]byte
	for _, node := range c.Nodes {
		b, err := c.get(ctx, node, "/v1/cosignature/"+strconv.FormatUint(size, 10))
		if err != nil {
			continue
		}
		notes = append(notes, b)
	}
	if len(notes) == 0 {
		return nil, fmt.Errorf("%w: no cosignature of size %d", ErrInsufficientPower, size)
	}
	// Group the notes by the checkpoint they sign: a node answering with
	// another checkpoint for this size cannot spoil the others.
	groups := map[string][][]byte{}
	var order []string
	for _, n := range notes {
		text, err := c.Validators.signedText(n)
		if err != nil {
			continue
		}
		if _, ok := groups[text]; !ok {
			order = append(order, text)
		}
		groups[text] = append(groups[text], n)
	}
	var cp *ledger.Checkpoint
	err := fmt.Errorf("%w: no valid cosignature of size %d", ErrInsufficientPower, size)
	for _, text := range order {
		merged, merr := c.Validators.MergeCheckpoints(groups[text]...)
		if merr != nil {
			err = merr
			continue
		}
		if cp, _, err = c.Validators.VerifyCheckpoint(merged); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if cp.Size != size {
		return nil, fmt.Errorf("%w: asked for size %d, cosigned %d", ErrNodeAnswer, size, cp.Size)
	}
	return cp, nil
}

// Record returns the record at index, verified by an inclusion proof under
// cp (a checkpoint from Checkpoint), asking the nodes in turn. Errors:
// ErrNodeAnswer when no node gives a record that verifies.
func (c *Client) Record(ctx context.Context, cp *ledger.Checkpoint, index uint64) (*ledger.SignedRecord, error) {
	if cp == nil || index >= cp.Size {
		return nil, fmt.Errorf("ledger/cometbft: record %d is not under the checkpoint", index)
	}
	var errs []error
	for _, node := range c.Nodes {
		b, err := c.get(ctx, node, "/v1/records/"+strconv.FormatUint(index, 10))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pb, err := c.get(ctx, node, fmt.Sprintf("/v1/proofs/inclusion/%d/%d", index, cp.Size))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var proof [][]byte
		if err := json.Unmarshal(pb, &proof); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: inclusion proof: %w", ErrNodeAnswer, node, err))
			continue
		}
		if err := ledger.VerifyInclusion(cp, index, b, proof); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: %w", ErrNodeAnswer, node, err))
			continue
		}
		sr, err := ledger.DecodeSignedRecord(b)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: %w", ErrNodeAnswer, node, err))
			continue
		}
		return sr, nil
	}
	return nil, fmt.Errorf("%w: record %d: %w", ErrNodeAnswer, index, errors.Join(errs...))
}

// Grant returns a grant's state as a node reports it, with its consent
// receipt record verified under cp: the receipt's inclusion proves the
// grant exists and was anchored as the answer says. A withdrawal the
// answer reports is verified the same way. (That a grant is NOT
// withdrawn cannot be proven this way: a node could hide a withdrawal
// record; check the log itself for that.)
func (c *Client) Grant(ctx context.Context, cp *ledger.Checkpoint, id ledger.Hash) (*ledger.Grant, error) {
	var errs []error
	for _, node := range c.Nodes {
		b, err := c.get(ctx, node, "/v1/state/grant/"+id.String())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var g ledger.Grant
		if err := json.Unmarshal(b, &g); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: %w", ErrNodeAnswer, node, err))
			continue
		}
		if err := c.checkGrant(ctx, cp, id, &g); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: %w", ErrNodeAnswer, node, err))
			continue
		}
		return &g, nil
	}
	return nil, fmt.Errorf("%w: grant %s: %w", ErrNodeAnswer, id, errors.Join(errs...))
}

func (c *Client) checkGrant(ctx context.Context, cp *ledger.Checkpoint, id ledger.Hash, g *ledger.Grant) error {
	if g.ID != id {
		return errors.New("answer is about another grant")
	}
	sr, err := c.Record(ctx, cp, g.Index)
	if err != nil {
		return err
	}
	p, ok := sr.Record.Payload.(*ledger.ConsentReceipt)
	if !ok || p.Grant != id || p.Receipt != g.Receipt || p.Agency != g.Agency || sr.Record.Time != g.Time {
		return fmt.Errorf("record %d is not the receipt the answer describes", g.Index)
	}
	if g.Withdrawn {
		sr, err := c.Record(ctx, cp, g.WithdrawnIndex)
		if err != nil {
			return err
		}
		if w, ok := sr.Record.Payload.(*ledger.ConsentWithdrawal); !ok || w.Grant != id {
			return fmt.Errorf("record %d is not a withdrawal of the grant", g.WithdrawnIndex)
		}
	}
	return nil
}

// Submit posts records as one transaction to the nodes in turn until one
// accepts or refuses them; it returns the index of the first record.
// Refusals wrap ledger.ErrInvalidRecord (and ledger.ErrDuplicate for
// records already in the log). When a node fails without an answer (it
// may have committed the records before failing) and the next node
// answers that they are duplicates, Submit asks the nodes whether the
// records are committed, in order, and then answers as if the first
// node had (a retry of its own submission is not an error). A caller
// that retries after Submit itself ended without an answer (a context
// deadline) uses Find the same way.
func (c *Client) Submit(ctx context.Context, srs ...*ledger.SignedRecord) (*SubmitResult, error) {
	tx, err := EncodeTx(srs...)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, node := range c.Nodes {
		status, b, err := c.post(ctx, node, "/v1/submit", tx)
		switch {
		case err != nil:
			errs = append(errs, err)
		case status == http.StatusConflict:
			if len(errs) > 0 { // an earlier node may have committed them
				if res, ferr := c.find(ctx, tx); ferr == nil {
					return res, nil
				}
			}
			return nil, fmt.Errorf("%w: %w: %s", ledger.ErrInvalidRecord, ledger.ErrDuplicate, b)
		case status == http.StatusUnprocessableEntity:
			return nil, fmt.Errorf("%w: %s", ledger.ErrInvalidRecord, b)
		case status != http.StatusOK:
			errs = append(errs, fmt.Errorf("%s: %d: %s", node, status, b))
		default:
			var out SubmitResult
			if err := json.Unmarshal(b, &out); err != nil {
				errs = append(errs, err)
				continue
			}
			return &out, nil
		}
	}
	return nil, fmt.Errorf("%w: submit: %w", ErrNodeAnswer, errors.Join(errs...))
}

// Find asks the nodes in turn whether records are committed, all at
// consecutive indices in order (as Submit puts them), and returns the
// answer Submit would have given. Errors: ErrNodeAnswer when no node
// finds them. Like Submit's answer, it is a node's word: verify the
// records with Record under a cosigned checkpoint.
func (c *Client) Find(ctx context.Context, srs ...*ledger.SignedRecord) (*SubmitResult, error) {
	tx, err := EncodeTx(srs...)
	if err != nil {
		return nil, err
	}
	return c.find(ctx, tx)
}

func (c *Client) find(ctx context.Context, tx []byte) (*SubmitResult, error) {
	var errs []error
	for _, node := range c.Nodes {
		status, b, err := c.post(ctx, node, "/v1/find", tx)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("%s: %d: %s", node, status, b)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var out SubmitResult
		if err := json.Unmarshal(b, &out); err != nil {
			errs = append(errs, err)
			continue
		}
		return &out, nil
	}
	return nil, fmt.Errorf("%w: find: %w", ErrNodeAnswer, errors.Join(errs...))
}

// post sends body to node's path and returns the status and the body of
// the answer (trimmed); err only when there is no answer.
func (c *Client) post(ctx context.Context, node, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, node+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	res, err := c.http().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return 0, nil, err
	}
	return res.StatusCode, bytes.TrimSpace(b), nil
}
