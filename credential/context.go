package credential

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
)

// JSON-LD contexts of a civicproof credential. ContextCivicproofV1 defines
// every term civicproof writes beyond VC 2.0: the schema, status and BN254
// proof types and their fields (each scoped to its type), and the claim
// names, which a schema chooses, through the context's @vocab
// https://w3id.org/civicproof/v1/claims# (a claim "district" expands to
// https://w3id.org/civicproof/v1/claims#district, the schema's name in
// "type" likewise; credentialSchema says what they mean). JSON-LD
// expansion in safe mode keeps every term (checked with jsonld.js in
// interop/). The @vocab is in the shipped context, not in an inline
// context object, because verifiers compare a Data Integrity proof's
// @context with the document's item by item and an inline object does not
// compare equal in @digitalbazaar's implementation.
const (
	ContextCivicproofV1 = "https://w3id.org/civicproof/v1"
	ContextDIDv1        = "https://www.w3.org/ns/did/v1"
	ContextMultikeyV1   = "https://w3id.org/security/multikey/v1"
)

//go:embed contexts/*.jsonld
var contextFiles embed.FS

var contextPaths = map[string]string{
	ContextV2:           "contexts/credentials-v2.jsonld",
	ContextCivicproofV1: "contexts/civicproof-v1.jsonld",
	ContextDIDv1:        "contexts/did-v1.jsonld",
	ContextMultikeyV1:   "contexts/multikey-v1.jsonld",
}

// ErrUnknownContext is returned by LoadContext for a URL it does not serve.
var ErrUnknownContext = errors.New("credential: unknown JSON-LD context")

// LoadContext is an offline JSON-LD document loader: it returns the
// context document of url from copies shipped in the module (the
// civicproof context, W3C VC 2.0, DID 1.0 and Multikey), never touching
// the network. Plug it into a JSON-LD processor's document loader. Other
// URLs give ErrUnknownContext.
func LoadContext(url string) ([]byte, error) {
	p, ok := contextPaths[url]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownContext, truncate(url))
	}
	b, err := contextFiles.ReadFile(p)
	if err != nil {
		panic("credential: embedded context missing: " + err.Error())
	}
	return bytes.Clone(b), nil
}

// ContextURLs lists the URLs LoadContext serves.
func ContextURLs() []string {
	return []string{ContextV2, ContextCivicproofV1, ContextDIDv1, ContextMultikeyV1}
}
