package httpapi

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/civicproof/civicproof/consent"
)

// Batch configures the verifier's micro-batching of direct_post answers.
// With MaxSize above 1, answers that arrive together are queued and
// verified together by consent.Gate.VerifyBatch: one Groth16 batch check
// (a multi-pairing) for all their proofs, which falls back to one proof
// at a time to find a bad one. Each answer still gets its own result or
// refusal, exactly as when verified alone. The zero value is off: every
// answer is verified on its own request's goroutine.
type Batch struct {
	// MaxSize flushes a batch when this many answers wait (64 is a good
	// value; 0 or 1 turns batching off).
	MaxSize int
	// MaxWait flushes a batch when its first answer has waited this long
	// (default 2 ms): the latency a lone answer pays.
	MaxWait time.Duration
	// Workers is how many batches are verified at once (default
	// GOMAXPROCS): while some verify, another collects. The queue holds
	// MaxSize × Workers answers (at most 16,384); a caller waits for room.
	Workers int
}

func (b Batch) on() bool { return b.MaxSize > 1 }

// ErrClosed: the verifier was closed while the answer waited in its batch
// queue and could not be verified. Close verifies what is queued before it
// returns, so only an answer that arrives during Close sees it.
var ErrClosed = errors.New("httpapi: verifier closed")

// job is one queued answer and where its outcome goes.
type job struct {
	ctx  context.Context
	s    *session
	p    *consent.Presentation
	done chan outcome // buffered: the batcher never blocks on it
}

type outcome struct {
	res *PresentationResult
	err error
}

// batcher collects queued answers into batches and verifies them.
type batcher struct {
	v       *Verifier
	cfg     Batch
	in      chan *job
	mu      sync.RWMutex // held for reading while enqueueing, for writing by close
	closed  bool
	workers sync.WaitGroup
}

func newBatcher(v *Verifier, cfg Batch) *batcher {
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 2 * time.Millisecond
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	b := &batcher{v: v, cfg: cfg, in: make(chan *job, min(cfg.MaxSize*cfg.Workers, maxSessions))}
	b.workers.Add(cfg.Workers)
	for range cfg.Workers {
		go b.work()
	}
	return b
}

// submit queues j and waits for its outcome or for ctx to end. An answer
// whose caller has gone before its batch is verified is left out of the
// batch (it changes nothing).
func (b *batcher) submit(j *job) (*PresentationResult, error) {
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return nil, fmt.Errorf("%w: %w", ErrServer, ErrClosed)
	}
	select {
	case b.in <- j:
		b.mu.RUnlock()
	case <-j.ctx.Done():
		b.mu.RUnlock()
		return nil, j.ctx.Err()
	}
	select {
	case o := <-j.done:
		return o.res, o.err
	case <-j.ctx.Done():
		return nil, j.ctx.Err()
	}
}

// close stops taking answers, lets the workers verify every queued one
// and waits for them to exit.
func (b *batcher) close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.in)
	}
	b.mu.Unlock()
	b.workers.Wait()
}

// work collects a batch (up to MaxSize answers, or what arrived within
// MaxWait of the first) and verifies it, until the queue is closed and
// drained.
func (b *batcher) work() {
	defer b.workers.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	batch := make([]*job, 0, b.cfg.MaxSize)
	for {
		j, ok := <-b.in
		if !ok {
			return
		}
		batch = append(batch[:0], j)
		timer.Reset(b.cfg.MaxWait)
	collect:
		for len(batch) < b.cfg.MaxSize {
			select {
			case j, ok := <-b.in:
				if !ok {
					break collect
				}
				batch = append(batch, j)
			case <-timer.C:
				break collect
			}
		}
		timer.Stop()
		b.v.verifyBatch(batch)
		clear(batch)
	}
}

// verifyBatch verifies the answers of jobs together and sends each its
// outcome, exactly once. Answers whose caller has gone are left out.
func (v *Verifier) verifyBatch(jobs []*job) {
	sent := make([]bool, len(jobs))
	answer := func(i int, o outcome) { jobs[i].done <- o; sent[i] = true }
	defer func() {
		// A failure inside the gate must not take the server down with the
		// batch's goroutine: the answers not given yet are server errors.
		if r := recover(); r != nil {
			if v.opts.Logger != nil {
				v.opts.Logger.Error("httpapi: batch verification failed")
			}
			for i := range jobs {
				if !sent[i] {
					answer(i, outcome{err: fmt.Errorf("%w: batch verification failed", ErrServer)})
				}
			}
		}
	}()
	var live []int
	for i, j := range jobs {
		if err := j.ctx.Err(); err != nil {
			answer(i, outcome{err: err})
			continue
		}
		live = append(live, i)
	}
	if len(live) == 0 {
		return
	}
	pairs := make([]consent.Pair, len(live))
	for k, i := range live {
		pairs[k] = consent.Pair{Request: jobs[i].s.req, Presentation: jobs[i].p}
	}
	// The batch's verification is not any one caller's: it runs to its
	// end even if a caller goes (that caller's answer is then dropped,
	// as a response to a client that hung up is).
	res, errs := v.gate.VerifyBatch(context.Background(), pairs)
	for k, i := range live {
		if errs[k] != nil {
			answer(i, outcome{err: errs[k]})
			continue
		}
		answer(i, outcome{res: v.accepted(jobs[i].s, res[k])})
	}
}

// Close stops the verifier's batching: answers already queued are
// verified and answered before it returns, and no goroutine of the
// verifier remains. Answers posted afterwards are refused with ErrServer
// (wrapping ErrClosed), so close the http.Server first
// (http.Server.Shutdown waits for the handlers). Without batching Close
// does nothing. It is safe to call more than once.
func (v *Verifier) Close() error {
	if v.batch != nil {
		v.batch.close()
	}
	return nil
}
