package consent

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/zkp"
)

// TestGateProofDateTolerance: a proof dated by the wallet's clock just
// before midnight and verified just after is accepted (it was refused
// with ErrBadProof); a proof dated two days back is not.
func TestGateProofDateTolerance(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		issue  time.Duration // gate clock at request, from the next midnight
		prove  time.Duration // wallet clock when proving, from the next midnight
		verify time.Duration // gate clock at verification, from the next midnight
		want   error
	}{
		{"same day", -2 * time.Hour, -2 * time.Hour, -2*time.Hour + time.Minute, nil},
		{"proved before midnight, verified after", -30 * time.Second, -10 * time.Second, 30 * time.Second, nil},
		{"wallet seconds behind across midnight", 10 * time.Second, -20 * time.Second, 40 * time.Second, nil},
		{"wallet seconds ahead across midnight", -40 * time.Second, 20 * time.Second, -10 * time.Second, nil},
		{"wallet 47 h behind", -2 * time.Hour, -49 * time.Hour, -2*time.Hour + time.Minute, ErrBadProof},
		{"wallet a day ahead", -2 * time.Hour, 22 * time.Hour, -2*time.Hour + time.Minute, ErrBadProof},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newGateEnv(t)
			midnight := t0.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
			e.clock.Set(midnight.Add(c.issue))
			e.publishRoot(t)
			w := e.citizenWallet(t, nil)
			req := e.request(t)
			proved := midnight.Add(c.prove)
			w.today = &proved
			p := e.present(t, req, w)
			e.clock.Set(midnight.Add(c.verify))
			_, err := e.gate.Verify(ctx, req, p)
			if c.want == nil && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

// TestPresentClockSkew: a wallet whose clock is 47 h behind the agency's
// gets ErrClockSkew from CheckRequest and from Present, before anything is
// proven (it got ErrBadProof from the gate).
func TestPresentClockSkew(t *testing.T) {
	e := newGateEnv(t)
	req := e.request(t)
	grant := e.citizenWallet(t, nil).grant
	behind := e.clock.Now().Add(-47 * time.Hour)
	if _, err := CheckRequest(behind, req); !errors.Is(err, ErrClockSkew) {
		t.Fatalf("CheckRequest 47 h behind: %v, want ErrClockSkew", err)
	}
	// The holding is never used: the clock is checked first.
	h := &zkp.Holding{Credential: &credential.Credential{}, Witness: &revocation.Witness{}}
	st, err := StatusOf(e.l, grant, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, err = Present(context.Background(), e.citizen, &zkp.ProvingKey{}, req, st, h, behind)
	if !errors.Is(err, ErrClockSkew) {
		t.Fatalf("Present 47 h behind: %v, want ErrClockSkew", err)
	}
	// Within the tolerance the request is accepted.
	if err := req.Verify(e.clock.Now().Add(-ClockSkew)); err != nil {
		t.Fatalf("clock ClockSkew behind: %v", err)
	}
	if err := req.Verify(e.clock.Now().Add(-ClockSkew - time.Second)); !errors.Is(err, ErrClockSkew) {
		t.Fatalf("clock just beyond ClockSkew behind: %v, want ErrClockSkew", err)
	}
}

// TestStaleRootMessage: the refusal of a root the issuer never published
// names the root, and the issuer as the one who did not publish it.
func TestStaleRootMessage(t *testing.T) {
	e := newGateEnv(t)
	w := e.citizenWallet(t, nil)
	bogus := Digest{0xbb}
	w.root = &bogus
	req := e.request(t)
	_, err := e.gate.Verify(context.Background(), req, e.present(t, req, w))
	if !errors.Is(err, ErrStaleRoot) {
		t.Fatalf("got %v, want ErrStaleRoot", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "root "+bogus.String()) || !strings.Contains(msg, string(e.issuer.DID())+" never published") {
		t.Fatalf("message %q does not name the root %s and the issuer", msg, bogus)
	}
}
