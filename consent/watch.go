package consent

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/civicproof/civicproof/ledger"
)

// EventKind says what happened to a grant an agency holds.
type EventKind uint8

// Event kinds.
const (
	EventWithdrawn     EventKind = iota + 1 // the citizen withdrew the whole grant
	EventPartWithdrawn                      // the citizen withdrew Parts
	EventExpired                            // the grant's validity window ended
	EventRevoked                            // the agency revoked the grant
)

func (k EventKind) String() string {
	switch k {
	case EventWithdrawn:
		return "withdrawn"
	case EventPartWithdrawn:
		return "part-withdrawn"
	case EventExpired:
		return "expired"
	case EventRevoked:
		return "revoked"
	}
	return fmt.Sprintf("consent.EventKind(%d)", uint8(k))
}

// Event is a change of a grant held by the agency.
type Event struct {
	Kind  EventKind
	Grant Digest
	Parts []string // for EventPartWithdrawn
	Index uint64   // ledger index of the withdrawal record, if any
	Time  time.Time
}

// Track makes the gate watch a grant it holds (grants are tracked
// automatically once a presentation under them is accepted), so that
// Watch reports its expiry.
func (g *Gate) Track(grant *Grant) {
	g.mu.Lock()
	g.tracked[grant.ID()] = grant
	g.mu.Unlock()
}

// Watch streams changes of the grants given to this agency: withdrawals
// (whole or partial) and revocations by the agency as their records reach
// the ledger — for every grant anchored to the agency, found through the
// ledger's subscription, not by polling citizens — and expiry of tracked
// grants (checked every WithExpiryCheck interval against the gate's
// clock). Events from before the call are not replayed. The channel is
// closed when ctx ends or the ledger closes.
func (g *Gate) Watch(ctx context.Context) (<-chan Event, error) {
	cp, err := g.l.Checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("consent: watch: %w", err)
	}
	entries, err := g.l.Subscribe(ctx, cp.Size)
	if err != nil {
		return nil, fmt.Errorf("consent: watch: %w", err)
	}
	out := make(chan Event, 16)
	g.mu.Lock()
	expired := map[Digest]bool{}
	for id, gr := range g.tracked { // already expired: not news
		if !g.cfg.clock().Before(gr.NotAfter) {
			expired[id] = true
		}
	}
	g.mu.Unlock()
	go func() {
		defer close(out)
		tick := time.NewTicker(g.cfg.expiryTick)
		defer tick.Stop()
		send := func(e Event) bool {
			select {
			case out <- e:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-entries:
				if !ok {
					return
				}
				if ev, ok := g.event(e); ok && !send(ev) {
					return
				}
			case <-tick.C:
				now := g.cfg.clock()
				g.mu.Lock()
				var due []Event
				for id, gr := range g.tracked {
					if !expired[id] && !now.Before(gr.NotAfter) {
						expired[id] = true
						due = append(due, Event{Kind: EventExpired, Grant: id, Time: gr.NotAfter})
					}
				}
				g.mu.Unlock()
				slices.SortFunc(due, func(a, b Event) int { return a.Time.Compare(b.Time) })
				for _, e := range due {
					if !send(e) {
						return
					}
				}
			}
		}
	}()
	return out, nil
}

func (g *Gate) event(e ledger.Entry) (Event, bool) {
	t := time.Unix(e.Record.Record.Time, 0).UTC()
	if id, ok := g.revocationOf(e.Record); ok {
		g.mu.Lock()
		g.revoked[id] = true // revoked by another gate of the agency
		g.mu.Unlock()
		return Event{Kind: EventRevoked, Grant: id, Index: e.Index, Time: t}, true
	}
	p, ok := e.Record.Record.Payload.(*ledger.ConsentWithdrawal)
	if !ok {
		return Event{}, false
	}
	lg, err := g.l.State().Grant(p.Grant)
	if err != nil || lg.Agency != g.agencyID {
		return Event{}, false
	}
	ev := Event{Kind: EventWithdrawn, Grant: Digest(p.Grant), Index: e.Index, Time: t}
	if len(p.Parts) > 0 {
		ev.Kind, ev.Parts = EventPartWithdrawn, slices.Clone(p.Parts)
	}
	return ev, true
}
