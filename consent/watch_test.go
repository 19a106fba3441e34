package consent

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestWatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := newWorld(t)
	// Watch needs no proofs: a gate without a proof system is enough here.
	gate, err := newGate(ctx, w.verifier, w.l, nil, []GateOption{WithGateClock(w.clock.Now), WithExpiryCheck(5 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	req := sampleRequest(t, w.verifier)
	mine := w.anchoredGrant(t, w.citizen, req, nil)
	short := w.anchoredGrant(t, w.citizen, req, func(g *Grant) { g.NotAfter = g.NotBefore.Add(time.Hour) })
	otherReq := sampleRequest(t, w.other)
	theirs := w.anchoredGrant(t, w.citizen, otherReq, nil)
	gate.Track(short)

	events, err := gate.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := func() Event {
		t.Helper()
		select {
		case e := <-events:
			return e
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
		return Event{}
	}
	now := w.clock.Now()
	if _, err := Withdraw(ctx, w.l, w.citizen, theirs, now); err != nil { // not this agency's: no event
		t.Fatal(err)
	}
	if _, err := Withdraw(ctx, w.l, w.citizen, mine, now, DisclosurePart(1)); err != nil {
		t.Fatal(err)
	}
	if e := next(); e.Kind != EventPartWithdrawn || e.Grant != mine.ID() || !slices.Equal(e.Parts, []string{"disclose:1"}) {
		t.Fatalf("event %+v", e)
	}
	if _, err := Withdraw(ctx, w.l, w.citizen, mine, now); err != nil {
		t.Fatal(err)
	}
	if e := next(); e.Kind != EventWithdrawn || e.Grant != mine.ID() {
		t.Fatalf("event %+v", e)
	}
	w.clock.Add(2 * time.Hour)
	if e := next(); e.Kind != EventExpired || e.Grant != short.ID() {
		t.Fatalf("event %+v", e)
	}
	if err := gate.Revoke(ctx, theirs.ID()); !errors.Is(err, ErrNoConsent) {
		t.Fatalf("revoking another agency's grant: %v", err)
	}
	if err := gate.Revoke(ctx, short.ID()); err != nil {
		t.Fatal(err)
	}
	if e := next(); e.Kind != EventRevoked || e.Grant != short.ID() {
		t.Fatalf("event %+v", e)
	}
	cancel()
	for range events { // closed after cancel
	}
}
