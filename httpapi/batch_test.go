package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/httpapi"
)

// batchWorkers counts the goroutines of verifier batchers.
func batchWorkers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "httpapi.(*batcher).work")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// waitWorkers polls batchWorkers until it is n, for at most ten seconds,
// and returns the last count.
func waitWorkers(n int) int {
	got := batchWorkers()
	for deadline := time.Now().Add(10 * time.Second); got != n && time.Now().Before(deadline); got = batchWorkers() {
		time.Sleep(10 * time.Millisecond)
	}
	return got
}

type answer struct {
	state string
	body  string
}

func (e *env) answerOf(t *testing.T, ro *httpapi.RequestObject, p *consent.Presentation) answer {
	t.Helper()
	pj, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return answer{ro.State, url.Values{"state": {ro.State}, "vp_token": {string(pj)}}.Encode()}
}

// post sends a direct_post answer and returns the status and error code.
func (e *env) post(t *testing.T, body string) (int, string) {
	resp, err := http.Post(e.url("/verifier/response"), "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	var eb struct {
		Error string `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&eb)
	return resp.StatusCode, eb.Error
}

// TestBatchVerify sends four answers that make one batch (MaxSize 4, one
// worker, a long MaxWait): a good one and its replay, another good one,
// and one whose proof (validly signed) is another's. Each gets its own
// answer: the bad proof only its own invalid_presentation, the replay
// inside the batch refused once. Then an answer waits in a batch that
// Close must drain, a canceled caller changes nothing, an answer after
// Close is a server error, and no batcher goroutine is left.
func TestBatchVerify(t *testing.T) {
	before := batchWorkers()
	e := newEnv(t, httpapi.Options{Batch: httpapi.Batch{MaxSize: 4, MaxWait: time.Minute, Workers: 1}})
	// A worker goroutine shows in stacks as (*batcher).work once it has
	// run (before, as the go statement's wrapper): wait for it.
	if got := waitWorkers(before + 1); got != before+1 {
		t.Fatalf("%d batch workers running, want 1", got-before)
	}
	t.Cleanup(func() { e.verifier.Close() })
	ha, hb, hc, hd := e.pickUp(t), e.pickUp(t), e.pickUp(t), e.pickUp(t)
	ra, rb, rc, rd := e.session(t), e.session(t), e.session(t), e.session(t)
	pa := e.present(t, ha, ra, e.consentTo(t, ha, ra))
	pb := e.present(t, hb, rb, e.consentTo(t, hb, rb))
	// c's presentation carries b's proof, signed by c: only the proof is bad.
	pc := &consent.Presentation{Request: rc.Request.ID(), Grant: e.consentTo(t, hc, rc), Type: pb.Type, Issuer: pb.Issuer, Proof: bytes.Clone(pb.Proof)}
	if err := pc.Sign(hc.key); err != nil {
		t.Fatal(err)
	}
	pd := e.present(t, hd, rd, e.consentTo(t, hd, rd))

	answers := []answer{e.answerOf(t, ra, pa), e.answerOf(t, ra, pa), e.answerOf(t, rb, pb), e.answerOf(t, rc, pc)}
	type got struct {
		status int
		code   string
	}
	gots := make([]got, len(answers))
	var wg sync.WaitGroup
	for i, a := range answers {
		wg.Go(func() {
			st, code := e.post(t, a.body)
			gots[i] = got{st, code}
		})
	}
	wg.Wait()
	// The answer for ra and its replay: one accepted, one refused.
	if !(gots[0] == got{200, ""} && gots[1] == got{409, "replay"}) && !(gots[1] == got{200, ""} && gots[0] == got{409, "replay"}) {
		t.Errorf("answer and its replay in one batch: %+v, %+v", gots[0], gots[1])
	}
	if gots[2] != (got{200, ""}) {
		t.Errorf("good answer batched with a bad one: %+v", gots[2])
	}
	if gots[3] != (got{400, "invalid_presentation"}) {
		t.Errorf("bad proof: %+v", gots[3])
	}
	for _, c := range []struct {
		state, status string
	}{{ra.State, "accepted"}, {rb.State, "accepted"}, {rc.State, "pending"}} {
		st, err := e.verifier.Status(c.state)
		if err != nil || st.Status != c.status {
			t.Errorf("status of %s = %+v, %v; want %s", c.state[:8], st, err, c.status)
		}
	}

	// A caller gone before its batch is verified changes nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, "POST", e.url("/verifier/response"), nil)
	if _, err := e.verifier.Verify(r, rd.State, pd); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled caller: %v", err)
	}

	// One answer waits (the batch is not full, MaxWait is a minute):
	// Close verifies it before returning.
	done := make(chan got, 1)
	go func() {
		st, code := e.post(t, e.answerOf(t, rd, pd).body)
		done <- got{st, code}
	}()
	time.Sleep(200 * time.Millisecond) // let it reach the queue
	if err := e.verifier.Close(); err != nil {
		t.Fatal(err)
	}
	if g := <-done; g != (got{200, ""}) {
		t.Errorf("answer drained by Close: %+v", g)
	}
	if n := batchWorkers() - before; n != 0 {
		t.Errorf("%d batch workers left after Close", n)
	}
	if st, code := e.post(t, e.answerOf(t, rb, pb).body); st != 500 || code != "server_error" {
		t.Errorf("answer after Close: %d %s", st, code)
	}
	if err := e.verifier.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestRefuseAccessDenied: the wallet's access_denied error response ends
// the session; its status shows the refusal and a presentation for it
// afterwards is refused.
func TestRefuseAccessDenied(t *testing.T) {
	e := newEnv(t, httpapi.Options{})
	ctx := context.Background()
	ro := e.session(t)
	if st, err := e.verifier.Status(ro.State); err != nil || st.Status != "pending" {
		t.Fatalf("fresh session: %+v, %v", st, err)
	}
	if err := e.client.Refuse(ctx, ro, "made_up"); !errors.Is(err, httpapi.ErrBadBody) {
		t.Fatalf("unknown error code: %v", err)
	}
	if err := e.client.Refuse(ctx, ro, httpapi.AccessDenied); err != nil {
		t.Fatal(err)
	}
	// The agency's front end reads the session's status.
	resp, err := http.Get(e.url("/verifier/sessions/" + ro.State))
	if err != nil {
		t.Fatal(err)
	}
	var st httpapi.SessionStatus
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || st.Status != "refused" || st.Error != httpapi.AccessDenied || st.Result != nil {
		t.Fatalf("status after refusal: %d %+v %v", resp.StatusCode, st, err)
	}
	if err := e.client.Refuse(ctx, ro, httpapi.AccessDenied); !errors.Is(err, httpapi.ErrUnknownState) {
		t.Fatalf("second refusal: %v", err)
	}
	if _, err := e.client.FetchRequestObject(ctx, e.url("/verifier/request/"+ro.State)); !errors.Is(err, httpapi.ErrUnknownState) {
		t.Fatalf("request object served after refusal: %v", err)
	}
	h := e.pickUp(t)
	p := e.present(t, h, ro, e.consentTo(t, h, ro))
	if _, err := e.client.Respond(ctx, ro, p); !errors.Is(err, httpapi.ErrUnknownState) {
		t.Fatalf("presentation after refusal: %v", err)
	}
	if _, err := e.verifier.Status("nope"); !errors.Is(err, httpapi.ErrUnknownState) {
		t.Fatalf("status of an unknown session: %v", err)
	}
	for _, body := range []string{form("state", ro.State, "error", "access_denied", "vp_token", "{}"), form("error", "access_denied")} {
		if st, code := e.post(t, body); st != 400 || code != "invalid_request" {
			t.Errorf("malformed error response %q: %d %s", body, st, code)
		}
	}
}
