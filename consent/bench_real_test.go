package consent

import (
	"context"
	"testing"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/zkp"
)

// realPresentations proves n presentations of e's adult request, each by a
// different holder (distinct credentials, secrets and nullifiers) under one
// grant.
func realPresentations(b testing.TB, e *realEnv, n int) ([]*Request, []*Presentation) {
	b.Helper()
	ctx := context.Background()
	grant := e.status(b, e.anchoredGrant(b, e.citizen, e.adultRequestTB(b), nil))
	reqs := make([]*Request, n)
	ps := make([]*Presentation, n)
	for i := range n {
		secret, _ := credential.NewHolderSecret(nil)
		cred, err := e.issuer.Issue(ctx, e.schema, &credential.Request{
			HolderBinding: credential.HolderBinding(secret),
			Claims:        credential.Claims{"birthDate": "1999-01-02", "district": "Ward 1"},
			ValidUntil:    e.clock.Now().AddDate(1, 0, 0),
		})
		if err != nil {
			b.Fatal(err)
		}
		wit, _ := e.issuer.Registry().Witness(cred.Core.RevocationIndex)
		reqs[i] = e.adultRequestTB(b)
		if ps[i], err = Present(ctx, e.citizen, e.pk, reqs[i], grant, &zkp.Holding{Credential: cred, Secret: secret, Witness: wit}, e.clock.Now()); err != nil {
			b.Fatal(err)
		}
	}
	return reqs, ps
}

// BenchmarkGateReal is BenchmarkGate over proofs of the full presentation
// circuit: bare ZKSystem verification against the gate's full Verify on
// the in-memory ledger (each iteration needs its own proof, proven before
// timing: use -benchtime 20x or so).
func BenchmarkGateReal(b *testing.B) {
	ctx := context.Background()
	b.Run("bare-verify", func(b *testing.B) {
		e := newRealEnvTB(b)
		reqs, ps := realPresentations(b, e, 4)
		vk := e.vk
		sys := NewZKSystem(vk)
		root, err := e.l.State().LatestRevocationRoot(e.world.issuer.DID())
		if err != nil {
			b.Fatal(err)
		}
		sts := make([]*Statement, len(reqs))
		for i := range reqs {
			sts[i] = &Statement{Request: reqs[i], Type: testType, IssuerKey: e.world.issuer.Public(), Root: Digest(root.Root), Today: e.clock.Now()}
		}
		timeVerify(b, sys, sts, ps)
	})
	run := func(b *testing.B, e *realEnv) {
		reqs, ps := realPresentations(b, e, b.N)
		timeGate(b, e.gate, reqs, ps)
	}
	// The gate's checks and proof verification without the ledger append.
	b.Run("gate/checks-only", func(b *testing.B) {
		e := newRealEnvTB(b)
		g, err := NewGate(ctx, e.verifier, noAppend{e.l}, NewZKSystem(e.vk), WithGateClock(e.clock.Now))
		if err != nil {
			b.Fatal(err)
		}
		e.gate = g
		run(b, e)
	})
	b.Run("gate/memory", func(b *testing.B) { run(b, newRealEnvTB(b)) })
}
