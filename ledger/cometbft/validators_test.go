package cometbft

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/civicproof/civicproof/ledger"
)

// TestAppValidatorChanges: the genesis records open the log, and
// governance records of ValidatorTopic by the root authority change the
// validator set (FinalizeBlock's validator updates), others do not, and
// invalid changes are refused; the set survives a restart.
func TestAppValidatorChanges(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	dir := filepath.Join(t.TempDir(), "app")
	keys := validatorKeys(3)
	pub := func(i int) []byte { return keys[i].Public().(ed25519.PublicKey) }
	gov := w.sign(t, w.root, 0, &ledger.GovernanceInit{Name: "Consortium"})
	state, err := GenesisAppState(gov)
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, w, dir)
	res, err := a.InitChain(ctx, &abci.InitChainRequest{AppStateBytes: state, Validators: []abci.ValidatorUpdate{
		{PubKeyType: "ed25519", PubKeyBytes: pub(0), Power: 10}, {PubKeyType: "ed25519", PubKeyBytes: pub(1), Power: 10},
	}})
	if err != nil {
		t.Fatal(err)
	}
	emb, err := ledger.NewInMemory(w.ledgerKey)
	if err != nil {
		t.Fatal(err)
	}
	submitAll(t, emb, []*ledger.SignedRecord{gov})
	if cp, _ := emb.Checkpoint(ctx); string(res.AppHash) != string(cp.Root[:]) {
		t.Fatalf("genesis app hash %x, want %s", res.AppHash, cp.Root)
	}
	emb.Close()
	event := func(sec int64, key []byte, power uint64, by int) *ledger.SignedRecord {
		author := w.root
		if by == 1 { // an issuer anchoring a key of that shape: not governance
			author = w.issuer
		}
		return w.sign(t, author, sec, &ledger.VerifyingKey{Shape: fmt.Sprintf("%s%d/%d", ValidatorShape, power, sec), Fingerprint: ledger.Hash(key)})
	}
	at := w.t0.Add(10e9)
	r := finalize(t, a, 1, at,
		mustTx(t, w.sign(t, w.issuer, 1, &ledger.AgencyRegister{Key: w.issuer.Public(), Name: "Civil Registry"}),
			w.sign(t, w.root, 1, &ledger.Accredit{Agency: w.issuer.DID(), Role: ledger.RoleIssuer, Types: []string{"Age"}})),
		mustTx(t, event(2, pub(2), 5, 0)),                      // root adds validator 2
		mustTx(t, event(3, pub(0), 0, 1)),                      // an issuer may not use the shape
		mustTx(t, event(4, bytes.Repeat([]byte{9}, 32), 0, 0)), // removes a key that is not a validator
		mustTx(t, event(5, pub(1), MaxValidatorPower+1, 0)),    // too much power
		mustTx(t, w.sign(t, w.root, 6, &ledger.VerifyingKey{Shape: ValidatorShape + "07/1", Fingerprint: ledger.Hash(pub(1))})), // not canonical
	)
	codes := []uint32{CodeOK, CodeOK, CodeUnauthorized, CodeInvalid, CodeInvalid, CodeInvalid}
	for i, tr := range r.TxResults {
		if tr.Code != codes[i] {
			t.Fatalf("tx %d: code %d (%s), want %d", i, tr.Code, tr.Log, codes[i])
		}
	}
	if len(r.ValidatorUpdates) != 1 || string(r.ValidatorUpdates[0].PubKeyBytes) != string(pub(2)) || r.ValidatorUpdates[0].Power != 5 {
		t.Fatalf("validator updates %v", r.ValidatorUpdates)
	}
	if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	if sr, err := a.Store().Record(ctx, 0); err != nil || sr.Record.Kind != ledger.KindGovernanceInit {
		t.Fatalf("record 0: %v", err)
	}
	removal, err := ValidatorRecord(w.root, w.t0.Add(16e9), pub(0), 0)
	if err != nil {
		t.Fatal(err)
	}
	r = finalize(t, a, 2, at, mustTx(t, removal))
	if r.TxResults[0].Code != CodeOK || len(r.ValidatorUpdates) != 1 || r.ValidatorUpdates[0].Power != 0 || string(r.ValidatorUpdates[0].PubKeyBytes) != string(pub(0)) {
		t.Fatalf("removal: %v %v", r.TxResults[0], r.ValidatorUpdates)
	}
	if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// After a restart the set is {1: 10, 2: 5}: removing 0 again is
	// refused, removing 2 is accepted, removing the last is not.
	a = newApp(t, w, dir)
	defer a.Close()
	if c, _ := a.CheckTx(ctx, &abci.CheckTxRequest{Tx: mustTx(t, event(7, pub(0), 0, 0))}); c.Code != CodeInvalid {
		t.Fatalf("removing a removed validator after restart: code %d", c.Code)
	}
	r = finalize(t, a, 3, at, mustTx(t, event(8, pub(2), 0, 0)), mustTx(t, event(9, pub(1), 0, 0)))
	if r.TxResults[0].Code != CodeOK || r.TxResults[1].Code != CodeInvalid {
		t.Fatalf("codes %d %d (%s): removing the last validator must be refused", r.TxResults[0].Code, r.TxResults[1].Code, r.TxResults[1].Log)
	}
}
