package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/ledger"
)

// Errors of the wire protocol itself; the handlers answer them with the
// statuses and codes of ErrorCodes.
var (
	// ErrTooLarge: the request body is over the endpoint's limit.
	ErrTooLarge = errors.New("httpapi: request body too large")
	// ErrMediaType: the request body is not of the media type the endpoint reads.
	ErrMediaType = errors.New("httpapi: unsupported media type")
	// ErrBadBody: the body is not one strictly decoded value of the
	// endpoint's shape (unknown fields, trailing data, missing fields).
	ErrBadBody = errors.New("httpapi: malformed request body")
	// ErrOrigin: a browser caller from an origin the server does not allow.
	ErrOrigin = errors.New("httpapi: origin not allowed")
	// ErrUnknownState: no open presentation session has this state.
	ErrUnknownState = errors.New("httpapi: unknown or finished session")
	// ErrInvalidGrant: the pre-authorized code is unknown, used or expired.
	ErrInvalidGrant = errors.New("httpapi: invalid or used pre-authorized code")
	// ErrInvalidProof: the holder's proof of key possession does not verify.
	ErrInvalidProof = errors.New("httpapi: holder key proof does not verify")
	// ErrUnsupportedRecord: the ledger endpoint accepts consent receipts
	// and withdrawals only.
	ErrUnsupportedRecord = errors.New("httpapi: record kind not accepted here")
	// ErrBadRequestObject: a wallet received a request object whose
	// signature, client_id or nonce does not verify.
	ErrBadRequestObject = errors.New("httpapi: request object does not verify")
	// ErrNotAccredited: the requesting agency is not accredited on the
	// ledger for what it asks.
	ErrNotAccredited = errors.New("httpapi: agency not accredited on the ledger")
	// ErrBadLedgerProof: records served for the wallet to check do not
	// verify against the ledger checkpoint.
	ErrBadLedgerProof = errors.New("httpapi: ledger records do not verify")
	// ErrServer: the server failed (its cause is not sent to the caller).
	ErrServer = errors.New("httpapi: server error")
)

// ErrorCode is one row of the table that maps an error to an HTTP status
// and a machine-readable code, sent as {"error": Code,
// "error_description": ...} in the style of OAuth 2.0 (RFC 6749 §5.2).
type ErrorCode struct {
	Err    error
	Status int
	Code   string
}

// ErrorCodes is the table, first match wins (errors.Is). A refusal by the
// gate carries its reason; anything not in the table is a 500
// "server_error" whose cause stays on the server.
var errorCodes = []ErrorCode{
	{ErrTooLarge, http.StatusRequestEntityTooLarge, "request_too_large"},
	{ErrMediaType, http.StatusUnsupportedMediaType, "unsupported_media_type"},
	{ErrBadBody, http.StatusBadRequest, "invalid_request"},
	{ErrOrigin, http.StatusForbidden, "forbidden_origin"},
	{ErrUnknownState, http.StatusNotFound, "unknown_state"},
	{ErrInvalidGrant, http.StatusBadRequest, "invalid_grant"},
	{ErrInvalidProof, http.StatusBadRequest, "invalid_proof"},
	{ErrUnsupportedRecord, http.StatusBadRequest, "unsupported_record"},
	// The gate, in the order of its checks.
	{consent.ErrExpired, http.StatusBadRequest, "expired_request"},
	{consent.ErrForeignRequest, http.StatusBadRequest, "foreign_request"},
	{consent.ErrUnknownNonce, http.StatusNotFound, "unknown_request"},
	{consent.ErrReplay, http.StatusConflict, "replay"},
	{consent.ErrNoConsent, http.StatusForbidden, "no_consent"},
	{consent.ErrNoGuardianship, http.StatusForbidden, "no_guardianship"},
	{consent.ErrConsentWithdrawn, http.StatusForbidden, "consent_withdrawn"},
	{consent.ErrConsentRevoked, http.StatusForbidden, "consent_revoked"},
	{consent.ErrConsentExpired, http.StatusForbidden, "consent_expired"},
	{consent.ErrUseLimit, http.StatusForbidden, "consent_use_limit"},
	{consent.ErrPurposeMismatch, http.StatusForbidden, "purpose_mismatch"},
	{consent.ErrAgencyMismatch, http.StatusForbidden, "agency_mismatch"},
	{consent.ErrNotCovered, http.StatusForbidden, "not_covered"},
	{consent.ErrNotAccredited, http.StatusForbidden, "issuer_not_accredited"},
	{consent.ErrUnofficialKey, http.StatusForbidden, "unofficial_key"},
	{consent.ErrStaleRoot, http.StatusConflict, "stale_revocation_root"},
	{consent.ErrBadProof, http.StatusBadRequest, "invalid_presentation"},
	{consent.ErrNullifierUsed, http.StatusConflict, "nullifier_used"},
	{consent.ErrBadSignature, http.StatusBadRequest, "invalid_signature"},
	{consent.ErrMalformed, http.StatusBadRequest, "malformed"},
	// Issuance.
	{credential.ErrInvalidClaim, http.StatusBadRequest, "invalid_credential_request"},
	{credential.ErrInvalidRequest, http.StatusBadRequest, "invalid_credential_request"},
	// The ledger.
	{ledger.ErrDuplicate, http.StatusConflict, "duplicate_record"},
	{ledger.ErrUnauthorized, http.StatusForbidden, "unauthorized_record"},
	{ledger.ErrClock, http.StatusBadRequest, "clock_skew"},
	{ledger.ErrInvalidRecord, http.StatusBadRequest, "invalid_record"},
	{ledger.ErrNonCanonical, http.StatusBadRequest, "invalid_record"},
	{ledger.ErrUnknownKind, http.StatusBadRequest, "invalid_record"},
	{ledger.ErrNotFound, http.StatusNotFound, "not_found"},
	{ErrServer, http.StatusInternalServerError, "server_error"},
}

// ErrorCodes returns the table mapping errors to HTTP statuses and codes,
// first match first.
func ErrorCodes() []ErrorCode { return append([]ErrorCode(nil), errorCodes...) }

// codeOf returns err's row; unknown errors are server errors.
func codeOf(err error) ErrorCode {
	for _, c := range errorCodes {
		if errors.Is(err, c.Err) {
			return c
		}
	}
	return ErrorCode{ErrServer, http.StatusInternalServerError, "server_error"}
}

// Error is a refusal received by the Client: the HTTP status, the code and
// the description the server sent. It unwraps to the table's error for
// the code, so that callers test errors.Is(err, consent.ErrReplay).
type Error struct {
	Status      int
	Code        string
	Description string
}

func (e *Error) Error() string {
	return fmt.Sprintf("httpapi: server refused (%d %s): %s", e.Status, e.Code, e.Description)
}

// Unwrap returns the error of the first table row with e's code, or nil.
func (e *Error) Unwrap() error {
	for _, c := range errorCodes {
		if c.Code == e.Code {
			return c.Err
		}
	}
	return nil
}

type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// writeError answers err with its status and code. The description of a
// table error is its message (which names the step and the sentinel, never
// a claim value); a server error's cause is not sent.
func (o *options) writeError(w http.ResponseWriter, r *http.Request, err error) {
	c := codeOf(err)
	desc := err.Error()
	if c.Status == http.StatusInternalServerError {
		desc = "internal error"
	}
	o.log(r, c.Status, c.Code)
	writeJSON(w, c.Status, errorBody{Error: c.Code, Description: desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
