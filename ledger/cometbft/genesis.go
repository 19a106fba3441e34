package cometbft

import (
	"encoding/json"
	"fmt"

	"github.com/civicproof/civicproof/ledger"
)

// genesisAppState is the app_state of a genesis file: the log's first
// records, each its canonical bytes in standard base64.
type genesisAppState struct {
	Records [][]byte `json:"records"`
}

// GenesisAppState returns the app_state of a genesis file whose chain
// starts with the records srs (typically the GovernanceInit record of the
// consortium's root authority, and the registration of the founding
// agencies). They are the log's first records on every node.
func GenesisAppState(srs ...*ledger.SignedRecord) (json.RawMessage, error) {
	st := genesisAppState{Records: [][]byte{}}
	for i, sr := range srs {
		if sr == nil {
			return nil, fmt.Errorf("ledger/cometbft: genesis record %d: %w: nil", i, ledger.ErrInvalidRecord)
		}
		b, err := sr.VerifiedBytes()
		if err != nil {
			return nil, fmt.Errorf("ledger/cometbft: genesis record %d: %w", i, err)
		}
		st.Records = append(st.Records, b)
	}
	return json.Marshal(st)
}

// parseGenesisAppState decodes GenesisAppState's form (empty: no records).
func parseGenesisAppState(b []byte) ([]*ledger.SignedRecord, [][]byte, error) {
	if len(b) == 0 || string(b) == "null" {
		return nil, nil, nil
	}
	var st genesisAppState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, nil, fmt.Errorf("ledger/cometbft: genesis app_state: %w: %w", ledger.ErrInvalidRecord, err)
	}
	srs := make([]*ledger.SignedRecord, len(st.Records))
	for i, raw := range st.Records {
		sr, err := ledger.DecodeSignedRecord(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("ledger/cometbft: genesis record %d: %w", i, err)
		}
		srs[i] = sr
	}
	return srs, st.Records, nil
}
