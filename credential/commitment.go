package credential

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/civicproof/civicproof/internal/zkhash"
)

// NumSlots is the number of claim slots of every credential. Sixteen fit
// the government credentials civicproof targets (identity, residence,
// social insurance, licences, degrees) with room to spare; the
// presentation circuit has exactly this many.
const NumSlots = 16

// Slots is a credential's claim vector: one field element per slot, the
// slots a schema does not use holding AbsentValue().
type Slots [NumSlots]fr.Element

// ErrBadSignature is returned when an issuer signature does not verify
// over the credential's message: a claim, salt, binding, expiry or
// revocation index was altered, or another key signed it.
var ErrBadSignature = errors.New("credential: bad issuer signature")

// Core is what an issuer signs: everything a presentation proof needs
// about a credential, as field elements. The issuer signs Message():
//
//	ClaimsCommitment = H(TagClaims, Salt, Slots[0..15])
//	DisclosureLeaf(i) = H(TagDisclosureLeaf, i, Slots[i], ClaimSalts[i])
//	DisclosureRoot   = H(TagDisclosureRoot, DisclosureLeaf(0..15))
//	Message          = H(TagCredential, Type, ClaimsCommitment,
//	                       DisclosureRoot, HolderBinding, ValidUntil, RevocationIndex)
//
// and, for presentation proofs v2 (package zkp), MessageV2(), which also
// commits to the issuance day and folds the claims into the message:
//
//	MessageV2 = H(TagCredentialV2, Type, Salt, Slots[0..15], DisclosureRoot,
//	              HolderBinding, ValidUntil, RevocationIndex, IssuanceDay)
//
// (23 inputs, two width-16 permutations in a circuit, where Message costs
// three). Credential carries both signatures during the transition.
//
// A presentation proof opens ClaimsCommitment (one salt hides all slots);
// a disclosure without a proof opens chosen leaves of DisclosureRoot (a
// salt per slot hides the others). Both commitments are under the one
// signature, so either opening binds the same claims.
type Core struct {
	Type            fr.Element // TypeID(schema name, version)
	Slots           Slots
	Salt            fr.Element           // hides the claims commitment
	ClaimSalts      [NumSlots]fr.Element // hide each disclosure leaf
	HolderBinding   fr.Element           // HolderBinding(holder secret)
	ValidUntil      uint64               // DayValue of the last valid day
	RevocationIndex uint32               // leaf in the issuer's revocation tree
	IssuanceDay     uint64               // DayValue of ValidFrom; signed by MessageV2 only
}

// ClaimsCommitment returns the commitment to the slots the circuit opens.
func (c *Core) ClaimsCommitment() fr.Element {
	xs := make([]fr.Element, 0, 1+NumSlots)
	xs = append(xs, c.Salt)
	xs = append(xs, c.Slots[:]...)
	return zkhash.Hash(zkhash.TagClaims, xs...)
}

// DisclosureLeaf returns the salted commitment to slot i (0 ≤ i < NumSlots).
func (c *Core) DisclosureLeaf(i int) fr.Element {
	var idx fr.Element
	idx.SetUint64(uint64(i))
	return zkhash.Hash(zkhash.TagDisclosureLeaf, idx, c.Slots[i], c.ClaimSalts[i])
}

// DisclosureRoot returns the commitment to all disclosure leaves.
func (c *Core) DisclosureRoot() fr.Element {
	var leaves [NumSlots]fr.Element
	for i := range leaves {
		leaves[i] = c.DisclosureLeaf(i)
	}
	return zkhash.Hash(zkhash.TagDisclosureRoot, leaves[:]...)
}

// Message returns the field element the issuer signs.
func (c *Core) Message() fr.Element {
	_, _, m := c.Commitments()
	return m
}

// Commitments returns the claims commitment, the disclosure root and the
// message in one pass, for callers that need more than the message (a
// prover needs the disclosure root as a witness).
func (c *Core) Commitments() (claims, disclosureRoot, message fr.Element) {
	claims, disclosureRoot = c.ClaimsCommitment(), c.DisclosureRoot()
	return claims, disclosureRoot, credentialMessage(c.Type, claims, disclosureRoot, c.HolderBinding, c.ValidUntil, c.RevocationIndex)
}

// MessageV2 returns the field element the issuer signs for presentation
// proofs v2 (see Core).
func (c *Core) MessageV2() fr.Element {
	return c.MessageV2With(c.DisclosureRoot())
}

// MessageV2With is MessageV2 with the disclosure root already computed
// (a prover needs it as a witness).
func (c *Core) MessageV2With(disclosureRoot fr.Element) fr.Element {
	xs := make([]fr.Element, 0, 7+NumSlots)
	xs = append(xs, c.Type, c.Salt)
	xs = append(xs, c.Slots[:]...)
	var until, idx, day fr.Element
	until.SetUint64(c.ValidUntil)
	idx.SetUint64(uint64(c.RevocationIndex))
	day.SetUint64(c.IssuanceDay)
	xs = append(xs, disclosureRoot, c.HolderBinding, until, idx, day)
	return zkhash.Hash(zkhash.TagCredentialV2, xs...)
}

// SignV2 signs MessageV2() with the issuer's ZK key, as Sign signs Message().
func (c *Core) SignV2(key *eddsa.PrivateKey) ([]byte, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: no issuer key", ErrInvalidRequest)
	}
	m := c.MessageV2()
	b := m.Bytes()
	sig, err := key.Sign(b[:], zkhash.NewHasher())
	if err != nil {
		return nil, fmt.Errorf("credential: signing: %w", err)
	}
	return sig, nil
}

// VerifySignatureV2 checks sig over MessageV2() under pub; ErrBadSignature
// if it does not verify.
func (c *Core) VerifySignatureV2(pub *eddsa.PublicKey, sig []byte) error {
	return VerifyMessage(pub, c.MessageV2(), sig)
}

// Sign signs Message() with the issuer's ZK key (EdDSA on BN254's twisted
// Edwards curve, challenge hashed with the same Poseidon2 hash H, so that circuits
// can verify it).
func (c *Core) Sign(key *eddsa.PrivateKey) ([]byte, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: no issuer key", ErrInvalidRequest)
	}
	m := c.Message()
	b := m.Bytes()
	sig, err := key.Sign(b[:], zkhash.NewHasher())
	if err != nil {
		return nil, fmt.Errorf("credential: signing: %w", err)
	}
	return sig, nil
}

// VerifySignature checks sig over Message() under pub; ErrBadSignature if
// it does not verify.
func (c *Core) VerifySignature(pub *eddsa.PublicKey, sig []byte) error {
	return VerifyMessage(pub, c.Message(), sig)
}

// VerifyMessage checks an issuer signature over a credential message
// already computed (Core.Message or Core.Commitments); ErrBadSignature if
// it does not verify.
func VerifyMessage(pub *eddsa.PublicKey, msg fr.Element, sig []byte) error {
	if pub == nil {
		return fmt.Errorf("%w: no issuer key", ErrBadSignature)
	}
	return verifyMessage(pub, msg, sig)
}

// DayValue returns the slot value of the day containing t (UTC): the
// number of days since 1970-01-01 as a signed integer, XOR 2^63, so that
// days before 1970 order correctly as unsigned 64-bit values.
func DayValue(t time.Time) uint64 {
	secs := t.Unix()
	days := secs / 86400
	if secs%86400 < 0 {
		days-- // floor for times before 1970
	}
	return uint64(days) ^ (1 << 63)
}

// IntValue returns the slot value of a signed integer: x XOR 2^63, which
// maps int64 order onto uint64 order.
func IntValue(x int64) uint64 { return uint64(x) ^ (1 << 63) }

// HolderBinding returns the commitment to a holder secret that an issuer
// puts in a credential: H(TagHolder, secret).
func HolderBinding(secret fr.Element) fr.Element {
	return zkhash.Hash(zkhash.TagHolder, secret)
}

// NewHolderSecret draws a holder secret from rnd (crypto/rand.Reader in
// production; nil means crypto/rand): a uniformly distributed non-zero
// field element.
func NewHolderSecret(rnd io.Reader) (fr.Element, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	for {
		e, err := randomElement(rnd)
		if err != nil {
			return e, err
		}
		if !e.IsZero() {
			return e, nil
		}
	}
}
