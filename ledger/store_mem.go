package ledger

import (
	"fmt"
	"sync"

	"github.com/transparency-dev/merkle/compact"
)

// memStore keeps the log in memory.
type memStore struct {
	mu       sync.RWMutex
	cp, meta []byte
	records  [][]byte
	treeNode map[compact.NodeID][]byte
}

func newMemStore() *memStore { return &memStore{treeNode: map[compact.NodeID][]byte{}} }

// load: a memory store starts empty.
func (m *memStore) load(loadVisitor) ([]byte, []byte, error) { return nil, nil, nil }

func (m *memStore) putNode(n treeNode) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.treeNode[n.id] = n.hash
}

func (m *memStore) commit(first uint64, leaves [][]byte, nodes []treeNode, cpNote, meta []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if first != uint64(len(m.records)) {
		return fmt.Errorf("ledger: commit at %d, store has %d records", first, len(m.records))
	}
	m.records = append(m.records, leaves...)
	for _, n := range nodes {
		m.treeNode[n.id] = n.hash
	}
	m.cp = cpNote
	if meta != nil {
		m.meta = meta
	}
	return nil
}

func (m *memStore) record(index uint64) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if index >= uint64(len(m.records)) {
		return nil, fmt.Errorf("%w: record %d", ErrNotFound, index)
	}
	return m.records[index], nil
}

func (m *memStore) nodes(ids []compact.NodeID) ([][]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([][]byte, len(ids))
	for i, id := range ids {
		h, ok := m.treeNode[id]
		if !ok {
			return nil, fmt.Errorf("%w: tree node (%d,%d)", ErrNotFound, id.Level, id.Index)
		}
		out[i] = append([]byte(nil), h...)
	}
	return out, nil
}

func (m *memStore) close() error { return nil }
