package credential

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/internal/zkhash"
)

// Claims maps claim names to values. Accepted Go types per claim type:
//
//	TypeDate      time.Time (its calendar date in its own location) or a
//	              "YYYY-MM-DD" string; years 0001 to 9999
//	TypeInteger   int, int8..int64, uint8..uint64 up to MaxInt64, json.Number
//	TypeUnsigned  uint, uint8..uint64, non-negative int types, json.Number
//	TypeBool      bool
//	TypeEnum      string, one of the schema's Values
//	TypeString    string, valid UTF-8 (hashed as given, no Unicode normalization)
//	TypeBytes     []byte
//
// Claims returned by this package (Normalize, Credential.Claims) hold
// time.Time at 00:00 UTC, int64, uint64, bool, string and []byte.
type Claims map[string]any

// AbsentValue returns the slot value of an absent optional claim and of a
// slot that no claim of the schema uses: p−1, the largest element of the
// BN254 scalar field. No other encoding produces it: ordered values are
// below 2^64 and a hashed string hits it with probability 2^-254.
func AbsentValue() fr.Element {
	var e fr.Element
	e.SetOne()
	e.Neg(&e)
	return e
}

// HashString returns the slot value of a string claim: HashBytes of its
// UTF-8 bytes. A verifier asking "is the district equal to X" hashes X with
// this function.
func HashString(s string) fr.Element { return HashBytes([]byte(s)) }

// HashBytes returns the slot value of a bytes claim:
//
//	H(TagString, len(b), c_0, c_1, ..., c_{k-1})
//
// where len(b) is the byte length and c_i is the integer whose big-endian
// bytes are b[31i : min(31i+31, len(b))] (k = ceil(len(b)/31); the last
// chunk may be shorter and is not padded; every chunk is below 2^248 < p).
// The empty input hashes as H(TagString, 0).
func HashBytes(b []byte) fr.Element {
	xs := make([]fr.Element, 1, 1+(len(b)+30)/31)
	xs[0].SetUint64(uint64(len(b)))
	for i := 0; i < len(b); i += 31 {
		j := min(i+31, len(b))
		var e fr.Element
		e.SetBytes(b[i:j])
		xs = append(xs, e)
	}
	return zkhash.Hash(zkhash.TagString, xs...)
}

// DateValue returns the slot value of a date: DayValue of the date's 00:00 UTC.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DayDate is the inverse of DayValue: the date (00:00 UTC) of a day value.
func DayDate(v uint64) time.Time {
	days := int64(v ^ (1 << 63))
	return time.Unix(days*86400, 0).UTC()
}

const dateLayout = "2006-01-02"

func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Format(dateLayout) != s {
		return time.Time{}, fmt.Errorf("not a YYYY-MM-DD date: %q", truncate(s))
	}
	return t, nil
}

func claimErr(kind error, name, format string, args ...any) error {
	return fmt.Errorf("%w: %w: claim %q: %s", ErrInvalidClaim, kind, name, fmt.Sprintf(format, args...))
}

// Normalize checks v against the claim definition and returns it in the
// canonical Go type of the claim (see Claims). Errors wrap ErrInvalidClaim
// and ErrClaimType or ErrClaimRange.
func (d *ClaimDef) Normalize(v any) (any, error) {
	switch d.Type {
	case TypeDate:
		var t time.Time
		switch x := v.(type) {
		case time.Time:
			t = dateOf(x)
		case string:
			var err error
			if t, err = parseDate(x); err != nil {
				return nil, claimErr(ErrClaimType, d.Name, "%v", err)
			}
		default:
			return nil, claimErr(ErrClaimType, d.Name, "%T is not a date", v)
		}
		if y := t.Year(); y < 1 || y > 9999 {
			return nil, claimErr(ErrClaimRange, d.Name, "year %d outside 0001..9999", y)
		}
		return t, nil
	case TypeInteger:
		x, ok, err := toInt64(v)
		if !ok {
			return nil, claimErr(ErrClaimType, d.Name, "%T is not an integer", v)
		}
		if err != nil {
			return nil, claimErr(ErrClaimRange, d.Name, "%v", err)
		}
		if d.Min != nil && x < *d.Min || d.Max != nil && x > *d.Max {
			return nil, claimErr(ErrClaimRange, d.Name, "%d outside [%s, %s]", x, fmtBound(d.Min, "-inf"), fmtBound(d.Max, "+inf"))
		}
		return x, nil
	case TypeUnsigned:
		x, ok, err := toUint64(v)
		if !ok {
			return nil, claimErr(ErrClaimType, d.Name, "%T is not an unsigned integer", v)
		}
		if err != nil {
			return nil, claimErr(ErrClaimRange, d.Name, "%v", err)
		}
		if d.Min != nil && x < uint64(*d.Min) || d.Max != nil && x > uint64(*d.Max) {
			return nil, claimErr(ErrClaimRange, d.Name, "%d outside [%s, %s]", x, fmtBound(d.Min, "0"), fmtBound(d.Max, "2^64-1"))
		}
		return x, nil
	case TypeBool:
		b, ok := v.(bool)
		if !ok {
			return nil, claimErr(ErrClaimType, d.Name, "%T is not a bool", v)
		}
		return b, nil
	case TypeEnum:
		s, ok := v.(string)
		if !ok {
			return nil, claimErr(ErrClaimType, d.Name, "%T is not an enum value name", v)
		}
		if d.enumIndex(s) < 0 {
			return nil, claimErr(ErrClaimRange, d.Name, "%q is not one of %q", truncate(s), d.Values)
		}
		return s, nil
	case TypeString:
		s, ok := v.(string)
		if !ok {
			return nil, claimErr(ErrClaimType, d.Name, "%T is not a string", v)
		}
		if !utf8.ValidString(s) {
			return nil, claimErr(ErrClaimType, d.Name, "not valid UTF-8")
		}
		if len(s) > d.maxLen() {
			return nil, claimErr(ErrClaimRange, d.Name, "%d bytes, at most %d", len(s), d.maxLen())
		}
		return s, nil
	case TypeBytes:
		b, ok := v.([]byte)
		if !ok {
			return nil, claimErr(ErrClaimType, d.Name, "%T is not []byte", v)
		}
		if len(b) > d.maxLen() {
			return nil, claimErr(ErrClaimRange, d.Name, "%d bytes, at most %d", len(b), d.maxLen())
		}
		return append([]byte{}, b...), nil
	}
	return nil, claimErr(ErrClaimType, d.Name, "unknown claim type %d", d.Type)
}

func fmtBound(p *int64, none string) string {
	if p == nil {
		return none
	}
	return strconv.FormatInt(*p, 10)
}

func (d *ClaimDef) enumIndex(s string) int {
	for i, v := range d.Values {
		if v == s {
			return i
		}
	}
	return -1
}

// toInt64 converts integer Go types; ok is false for a non-integer type.
func toInt64(v any) (x int64, ok bool, err error) {
	switch n := v.(type) {
	case int:
		return int64(n), true, nil
	case int8:
		return int64(n), true, nil
	case int16:
		return int64(n), true, nil
	case int32:
		return int64(n), true, nil
	case int64:
		return n, true, nil
	case uint8, uint16, uint32, uint, uint64:
		u, _, _ := toUint64(v)
		if u > math.MaxInt64 {
			return 0, true, fmt.Errorf("%d exceeds the int64 range", u)
		}
		return int64(u), true, nil
	case json.Number:
		x, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			if _, ferr := strconv.ParseFloat(string(n), 64); ferr == nil && !isIntegerLiteral(string(n)) {
				return 0, false, nil
			}
			return 0, true, fmt.Errorf("%s exceeds the int64 range", truncate(string(n)))
		}
		return x, true, nil
	}
	return 0, false, nil
}

// toUint64 converts integer Go types; ok is false for a non-integer type.
func toUint64(v any) (x uint64, ok bool, err error) {
	switch n := v.(type) {
	case uint:
		return uint64(n), true, nil
	case uint8:
		return uint64(n), true, nil
	case uint16:
		return uint64(n), true, nil
	case uint32:
		return uint64(n), true, nil
	case uint64:
		return n, true, nil
	case int, int8, int16, int32, int64:
		s, _, _ := toInt64(v)
		if s < 0 {
			return 0, true, fmt.Errorf("%d is negative", s)
		}
		return uint64(s), true, nil
	case json.Number:
		if !isIntegerLiteral(string(n)) {
			return 0, false, nil
		}
		if len(n) > 0 && n[0] == '-' {
			return 0, true, fmt.Errorf("%s is negative", truncate(string(n)))
		}
		x, err := strconv.ParseUint(string(n), 10, 64)
		if err != nil {
			return 0, true, fmt.Errorf("%s exceeds the uint64 range", truncate(string(n)))
		}
		return x, true, nil
	}
	return 0, false, nil
}

func isIntegerLiteral(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Encode checks v against the claim definition and returns its slot value:
//
//	TypeDate      DayValue(date at 00:00 UTC): days since 1970-01-01 as int64, XOR 2^63
//	TypeInteger   IntValue(x) = uint64(x) XOR 2^63 (order-preserving)
//	TypeUnsigned  x
//	TypeBool      0 or 1
//	TypeEnum      index of the value in Values
//	TypeString    HashString(s)
//	TypeBytes     HashBytes(b)
//
// A verifier uses it to build the value of an equality or set-membership
// predicate exactly as the issuer encoded it.
func (d *ClaimDef) Encode(v any) (fr.Element, error) {
	n, err := d.Normalize(v)
	if err != nil {
		return fr.Element{}, err
	}
	return d.encodeNormalized(n), nil
}

func (d *ClaimDef) encodeNormalized(v any) fr.Element {
	var e fr.Element
	switch d.Type {
	case TypeDate:
		e.SetUint64(DayValue(v.(time.Time)))
	case TypeInteger:
		e.SetUint64(IntValue(v.(int64)))
	case TypeUnsigned:
		e.SetUint64(v.(uint64))
	case TypeBool:
		if v.(bool) {
			e.SetOne()
		}
	case TypeEnum:
		e.SetUint64(uint64(d.enumIndex(v.(string))))
	case TypeString:
		e = HashString(v.(string))
	case TypeBytes:
		e = HashBytes(v.([]byte))
	default:
		panic("credential: encoding a claim of unknown type") // Normalize rejected it
	}
	return e
}

// Normalize checks claims against the schema and returns a copy holding the
// canonical Go type of every claim. Errors wrap ErrInvalidClaim and one of
// ErrUnknownClaim, ErrMissingClaim, ErrClaimType, ErrClaimRange; claims are
// checked in a fixed order (unknown names sorted, then schema order).
func (s *Schema) Normalize(claims Claims) (Claims, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var unknown []string
	for name := range claims {
		if _, ok := s.Claim(name); !ok {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, claimErr(ErrUnknownClaim, unknown[0], "not in schema %s v%d", s.Name, s.Version)
	}
	out := make(Claims, len(claims))
	for i := range s.Claims {
		d := &s.Claims[i]
		v, ok := claims[d.Name]
		if !ok || v == nil {
			if d.Required {
				return nil, claimErr(ErrMissingClaim, d.Name, "required by schema %s v%d", s.Name, s.Version)
			}
			continue
		}
		n, err := d.Normalize(v)
		if err != nil {
			return nil, err
		}
		out[d.Name] = n
	}
	return out, nil
}

// Encode checks claims against the schema and returns the slot vector: each
// claim's Encode value on its slot, AbsentValue on the slots of absent
// optional claims and of slots the schema does not use. Nothing is signed
// before this succeeds.
func (s *Schema) Encode(claims Claims) (Slots, error) {
	n, err := s.Normalize(claims)
	if err != nil {
		return Slots{}, err
	}
	return s.encodeNormalized(n), nil
}

func (s *Schema) encodeNormalized(n Claims) Slots {
	var slots Slots
	absent := AbsentValue()
	for i := range slots {
		slots[i] = absent
	}
	for i := range s.Claims {
		d := &s.Claims[i]
		if v, ok := n[d.Name]; ok {
			slots[d.Slot] = d.encodeNormalized(v)
		}
	}
	return slots
}

// claimToJSON returns the JSON value of a normalized claim: dates as
// "YYYY-MM-DD", integers as JSON numbers, bytes as unpadded base64url.
// ValueJSON returns the JSON form of a claim value of this definition, as
// a credential document writes it (dates "YYYY-MM-DD", integers as JSON
// numbers, bytes as unpadded base64url). v is normalized first
// (ErrInvalidClaim ...).
func (d *ClaimDef) ValueJSON(v any) (json.RawMessage, error) {
	n, err := d.Normalize(v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(d.claimToJSON(n))
}

// ParseValueJSON parses ValueJSON's form into a normalized value, checking
// it against the definition (ErrInvalidClaim ...).
func (d *ClaimDef) ParseValueJSON(raw []byte) (any, error) { return d.claimFromJSON(raw) }

func (d *ClaimDef) claimToJSON(v any) any {
	switch d.Type {
	case TypeDate:
		return v.(time.Time).Format(dateLayout)
	case TypeInteger:
		return json.Number(strconv.FormatInt(v.(int64), 10))
	case TypeUnsigned:
		return json.Number(strconv.FormatUint(v.(uint64), 10))
	case TypeBytes:
		return base64.RawURLEncoding.EncodeToString(v.([]byte))
	}
	return v
}

// claimFromJSON parses the JSON value of a claim and normalizes it.
func (d *ClaimDef) claimFromJSON(raw json.RawMessage) (any, error) {
	var v any
	if err := strictUnmarshal(raw, &v); err != nil {
		return nil, claimErr(ErrClaimType, d.Name, "%v", err)
	}
	switch d.Type {
	case TypeInteger, TypeUnsigned:
		if _, ok := v.(json.Number); !ok {
			return nil, claimErr(ErrClaimType, d.Name, "JSON %T is not a number", v)
		}
	case TypeBytes:
		s, ok := v.(string)
		if !ok {
			return nil, claimErr(ErrClaimType, d.Name, "JSON %T is not a base64url string", v)
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, claimErr(ErrClaimType, d.Name, "bad base64url: %v", err)
		}
		v = b
	}
	return d.Normalize(v)
}
