package httpapi

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// The request object is a compact JWS (RFC 7515) signed with EdDSA over
// Ed25519 (RFC 8037), as OpenID4VP's signed request objects (RFC 9101,
// typ "oauth-authz-req+jwt") are.
const (
	requestObjectType = "oauth-authz-req+jwt"
	// RequestObjectMediaType is the media type of a served request object.
	RequestObjectMediaType = "application/oauth-authz-req+jwt"
	maxRequestObject       = 32 << 10
)

var b64 = base64.RawURLEncoding

type jwsHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid"`
}

func signJWS(key ed25519.PrivateKey, kid string, claims any) (string, error) {
	h, err := json.Marshal(jwsHeader{Alg: "EdDSA", Typ: requestObjectType, Kid: kid})
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	in := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	return in + "." + b64.EncodeToString(ed25519.Sign(key, []byte(in))), nil
}

// openJWS splits a compact JWS, checks its header, and returns the header
// and payload bytes; the caller verifies the signature with verifyJWS once
// it knows the key.
func openJWS(s string) (hdr jwsHeader, payload []byte, err error) {
	if len(s) > maxRequestObject {
		return hdr, nil, fmt.Errorf("%w: over %d bytes", ErrBadRequestObject, maxRequestObject)
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return hdr, nil, fmt.Errorf("%w: not a compact JWS", ErrBadRequestObject)
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return hdr, nil, fmt.Errorf("%w: header: %v", ErrBadRequestObject, err)
	}
	if err := decodeStrict(hb, &hdr); err != nil {
		return hdr, nil, fmt.Errorf("%w: header: %v", ErrBadRequestObject, err)
	}
	if hdr.Alg != "EdDSA" || hdr.Typ != requestObjectType {
		return hdr, nil, fmt.Errorf("%w: alg %q typ %q, want EdDSA %s", ErrBadRequestObject, hdr.Alg, hdr.Typ, requestObjectType)
	}
	if payload, err = b64.DecodeString(parts[1]); err != nil {
		return hdr, nil, fmt.Errorf("%w: payload: %v", ErrBadRequestObject, err)
	}
	return hdr, payload, nil
}

func verifyJWS(s string, pub ed25519.PublicKey) error {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return fmt.Errorf("%w: not a compact JWS", ErrBadRequestObject)
	}
	sig, err := b64.DecodeString(s[i+1:])
	if err != nil || len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, []byte(s[:i]), sig) {
		return fmt.Errorf("%w: signature", ErrBadRequestObject)
	}
	// Re-encoding must give the same text: no second encoding of one object.
	if b64.EncodeToString(sig) != s[i+1:] || bytes.ContainsAny([]byte(s), "=+/ \n") {
		return fmt.Errorf("%w: non-canonical base64url", ErrBadRequestObject)
	}
	return nil
}
