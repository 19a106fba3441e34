package httpapi_test

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/httpapi"
)

// A wallet branches on a refusal's sentinel; the status and code are what
// went over the wire.
func ExampleErrorCodes() {
	refusal := &httpapi.Error{Status: http.StatusForbidden, Code: "consent_withdrawn"}
	fmt.Println(errors.Is(refusal, consent.ErrConsentWithdrawn))
	for _, c := range httpapi.ErrorCodes() {
		if c.Err == consent.ErrReplay || c.Err == consent.ErrBadProof {
			fmt.Println(c.Status, c.Code)
		}
	}
	// Output:
	// true
	// 409 replay
	// 400 invalid_presentation
}

// An agency mounts the handlers in its own server, configured as NewServer
// recommends.
func ExampleNewServer() {
	mux := http.NewServeMux()
	// mux.Handle("/verifier/", verifier.Handler()) and so on.
	srv := httpapi.NewServer("127.0.0.1:8443", mux)
	fmt.Println(srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.MaxHeaderBytes)
	// Output: 5s 10s 30s 16384
}
