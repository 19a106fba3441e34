package cometbft

import (
	"sync"

	"github.com/civicproof/civicproof/ledger"
)

// checkedTxs remembers the records of transactions whose signatures
// CheckTx verified, keyed by the transaction's SHA-256, so that
// FinalizeBlock applies them without verifying them again. It holds at
// most max records; the oldest entries go first. A transaction that is
// not (or no longer) remembered is simply verified again.
type checkedTxs struct {
	mu      sync.Mutex
	max     int
	records int
	m       map[[32]byte][]*ledger.VerifiedRecord
	order   [][32]byte // insertion order; may hold keys already taken
}

// defaultCheckedRecords bounds the cache: a few seconds of a loaded
// network's transactions between CheckTx and FinalizeBlock.
const defaultCheckedRecords = 1 << 15

func newCheckedTxs(max int) *checkedTxs {
	return &checkedTxs{max: max, m: map[[32]byte][]*ledger.VerifiedRecord{}}
}

func (c *checkedTxs) put(h [32]byte, vrs []*ledger.VerifiedRecord) {
	if len(vrs) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[h]; ok {
		return
	}
	for c.records+len(vrs) > c.max && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		if e, ok := c.m[old]; ok {
			c.records -= len(e)
			delete(c.m, old)
		}
	}
	c.m[h] = vrs
	c.records += len(vrs)
	c.order = append(c.order, h)
	if len(c.order) > 2*len(c.m)+64 { // drop keys already taken
		keep := c.order[:0]
		for _, k := range c.order {
			if _, ok := c.m[k]; ok {
				keep = append(keep, k)
			}
		}
		c.order = keep
	}
}

// get returns the remembered records of a transaction.
func (c *checkedTxs) get(h [32]byte) ([]*ledger.VerifiedRecord, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	vrs, ok := c.m[h]
	return vrs, ok
}

// take is get that also forgets the transaction.
func (c *checkedTxs) take(h [32]byte) ([]*ledger.VerifiedRecord, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	vrs, ok := c.m[h]
	if ok {
		delete(c.m, h)
		c.records -= len(vrs)
	}
	return vrs, ok
}

// len returns the number of remembered transactions.
func (c *checkedTxs) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
