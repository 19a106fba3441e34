package wallet

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// Errors.
var (
	// ErrWrongPassphrase: the file is intact but the passphrase does not
	// open it.
	ErrWrongPassphrase = errors.New("wallet: wrong passphrase")
	// ErrCorrupt: the file or backup is truncated, altered or not a wallet.
	ErrCorrupt = errors.New("wallet: file damaged or not a wallet")
	// ErrExists: Create or Import would overwrite an existing file.
	ErrExists = errors.New("wallet: file already exists")
	// ErrNotFound: no credential with that id.
	ErrNotFound = errors.New("wallet: credential not found")
	// ErrBadKDF: KDF parameters outside the accepted bounds.
	ErrBadKDF = errors.New("wallet: KDF parameters out of bounds")
)

// KDFParams are argon2id parameters. Accepted: Time 1..MaxKDFTime,
// MemoryKiB 8*Threads..MaxKDFMemoryKiB, Threads 1..MaxKDFThreads, and
// Time*MemoryKiB at most MaxKDFWorkKiB.
type KDFParams struct {
	Time      uint32 // passes
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes
}

// Bounds of the argon2id parameters Create, Export, Open and Import
// accept. A file's header names its own parameters, so without bounds a
// crafted 138-byte backup (t=16, m=1 GiB) made Import allocate 1 GiB and
// spend 22 s before reporting a wrong passphrase. Parameters outside the
// bounds are refused before any derivation with ErrBadKDF (and, when read
// from a file, ErrCorrupt).
const (
	MaxKDFTime      = 10        // passes
	MaxKDFMemoryKiB = 256 << 10 // 256 MiB
	MaxKDFThreads   = 64        // lanes
	// MaxKDFWorkKiB bounds Time*MemoryKiB: four times DefaultKDF's
	// 3 × 64 MiB, so the costliest accepted file takes about four times
	// as long to open as a default one.
	MaxKDFWorkKiB = 4 * 3 * (64 << 10)
)

// DefaultKDF returns RFC 9106's second recommended argon2id option:
// t=3, m=64 MiB, p=4.
func DefaultKDF() KDFParams { return KDFParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 4} }

func (p KDFParams) check() error {
	if p.Time < 1 || p.Time > MaxKDFTime || p.Threads < 1 || p.Threads > MaxKDFThreads ||
		p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > MaxKDFMemoryKiB ||
		uint64(p.Time)*uint64(p.MemoryKiB) > MaxKDFWorkKiB {
		return fmt.Errorf("%w: t=%d m=%dKiB p=%d", ErrBadKDF, p.Time, p.MemoryKiB, p.Threads)
	}
	return nil
}

// Options configures Create and Import.
type Options struct {
	KDF  KDFParams // zero means DefaultKDF()
	Rand io.Reader // holder secret, salt, nonces; nil means crypto/rand
}

const (
	magic      = "CPWALLET"
	version    = 1
	saltSize   = 16
	headerSize = len(magic) + 1 + 4 + 4 + 1 + saltSize + chacha20poly1305.NonceSizeX
	sumSize    = sha256.Size
	maxFile    = 64 << 20
)

// sealedKey is a derived key with the salt and parameters it came from.
type sealedKey struct {
	params KDFParams
	salt   [saltSize]byte
	key    []byte
}

func deriveKey(pass []byte, params KDFParams, rnd io.Reader) (*sealedKey, error) {
	if err := params.check(); err != nil {
		return nil, err
	}
	k := &sealedKey{params: params}
	if _, err := io.ReadFull(rnd, k.salt[:]); err != nil {
		return nil, fmt.Errorf("wallet: reading randomness: %w", err)
	}
	k.key = argon2.IDKey(pass, k.salt[:], params.Time, params.MemoryKiB, params.Threads, chacha20poly1305.KeySize)
	return k, nil
}

func (k *sealedKey) seal(plaintext []byte, rnd io.Reader) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(k.key)
	if err != nil {
		return nil, fmt.Errorf("wallet: cipher: %w", err)
	}
	hdr := make([]byte, 0, headerSize)
	hdr = append(hdr, magic...)
	hdr = append(hdr, version)
	hdr = binary.BigEndian.AppendUint32(hdr, k.params.Time)
	hdr = binary.BigEndian.AppendUint32(hdr, k.params.MemoryKiB)
	hdr = append(hdr, k.params.Threads)
	hdr = append(hdr, k.salt[:]...)
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	if _, err := io.ReadFull(rnd, nonce); err != nil {
		return nil, fmt.Errorf("wallet: reading randomness: %w", err)
	}
	hdr = append(hdr, nonce...)
	out := aead.Seal(hdr, nonce, plaintext, hdr)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...), nil
}

// open parses and decrypts a sealed file, returning the plaintext and the
// key (to reseal later writes).
func open(data, pass []byte) ([]byte, *sealedKey, error) {
	if len(data) < headerSize+chacha20poly1305.Overhead+sumSize || len(data) > maxFile {
		return nil, nil, fmt.Errorf("%w: %d bytes", ErrCorrupt, len(data))
	}
	body, sum := data[:len(data)-sumSize], data[len(data)-sumSize:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	if string(body[:len(magic)]) != magic || body[len(magic)] != version {
		return nil, nil, fmt.Errorf("%w: not a version %d wallet", ErrCorrupt, version)
	}
	p := body[len(magic)+1:]
	k := &sealedKey{params: KDFParams{
		Time:      binary.BigEndian.Uint32(p[0:4]),
		MemoryKiB: binary.BigEndian.Uint32(p[4:8]),
		Threads:   p[8],
	}}
	if err := k.params.check(); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	copy(k.salt[:], p[9:9+saltSize])
	nonce := p[9+saltSize : 9+saltSize+chacha20poly1305.NonceSizeX]
	k.key = argon2.IDKey(pass, k.salt[:], k.params.Time, k.params.MemoryKiB, k.params.Threads, chacha20poly1305.KeySize)
	aead, err := chacha20poly1305.NewX(k.key)
	if err != nil {
		return nil, nil, fmt.Errorf("wallet: cipher: %w", err)
	}
	pt, err := aead.Open(nil, nonce, body[headerSize:], body[:headerSize])
	if err != nil {
		return nil, nil, ErrWrongPassphrase
	}
	return pt, k, nil
}

// contents is the plaintext JSON of a wallet.
type contents struct {
	HolderSecret string  `json:"holderSecret"`
	MasterSecret string  `json:"masterSecret,omitempty"` // absent in wallets made before it existed
	Credentials  []entry `json:"credentials"`
}

type entry struct {
	Credential   json.RawMessage `json:"credential"`
	Witness      []byte          `json:"witness,omitempty"`
	WitnessEpoch uint64          `json:"witnessEpoch,omitempty"`
	Revoked      bool            `json:"revoked,omitempty"`
}

// Store is an open wallet. Every change is written to its file before the
// call returns. Safe for concurrent use.
type Store struct {
	mu     sync.Mutex
	path   string
	key    *sealedKey
	rand   io.Reader
	secret fr.Element
	master [MasterSecretSize]byte
	creds  []*held
	sealed []byte // the encrypted form of an in-memory store (New)
}

type held struct {
	cred    *credential.Credential
	doc     json.RawMessage
	witness *revocation.Witness
	epoch   uint64
	revoked bool
}

// Create makes a new wallet file at path with a fresh holder secret,
// encrypted under passphrase. It refuses to overwrite a file (ErrExists).
func Create(path string, passphrase []byte, opts Options) (*Store, error) {
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	secret, err := credential.NewHolderSecret(rnd)
	if err != nil {
		return nil, fmt.Errorf("wallet: holder secret: %w", err)
	}
	s := &Store{secret: secret}
	if _, err := io.ReadFull(rnd, s.master[:]); err != nil {
		return nil, fmt.Errorf("wallet: master secret: %w", err)
	}
	return create(path, passphrase, opts, s)
}

func create(path string, passphrase []byte, opts Options, s *Store) (*Store, error) {
	if _, err := os.Lstat(path); err == nil && path != "" {
		return nil, fmt.Errorf("%w: %s", ErrExists, path)
	}
	s.rand = opts.Rand
	if s.rand == nil {
		s.rand = rand.Reader
	}
	params := opts.KDF
	if params == (KDFParams{}) {
		params = DefaultKDF()
	}
	k, err := deriveKey(passphrase, params, s.rand)
	if err != nil {
		return nil, err
	}
	s.path, s.key = path, k
	if err := s.save(); err != nil {
		return nil, err
	}
	return s, nil
}

// Open opens the wallet at path. A wrong passphrase returns
// ErrWrongPassphrase, a damaged file ErrCorrupt; neither writes anything.
func Open(path string, passphrase []byte) (*Store, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("wallet: reading %s: %w", path, err)
	}
	pt, k, err := open(data, passphrase)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, key: k, rand: rand.Reader}
	if err := s.load(pt); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) load(pt []byte) error {
	var c contents
	dec := json.NewDecoder(bytes.NewReader(pt))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return fmt.Errorf("%w: contents: %v", ErrCorrupt, err)
	}
	b, ok := parseHex(c.HolderSecret)
	if !ok || s.secret.SetBytesCanonical(b) != nil {
		return fmt.Errorf("%w: holder secret", ErrCorrupt)
	}
	if c.MasterSecret == "" {
		s.master = legacyMaster(b)
	} else if m, ok := parseHex(c.MasterSecret); ok {
		s.master = [MasterSecretSize]byte(m)
	} else {
		return fmt.Errorf("%w: master secret", ErrCorrupt)
	}
	for i, e := range c.Credentials {
		cred, err := credential.ParseCredential(e.Credential)
		if err != nil {
			return fmt.Errorf("%w: credential %d: %w", ErrCorrupt, i, err)
		}
		h := &held{cred: cred, doc: e.Credential, epoch: e.WitnessEpoch, revoked: e.Revoked}
		if e.Witness != nil {
			h.witness = new(revocation.Witness)
			if err := h.witness.UnmarshalBinary(e.Witness); err != nil {
				return fmt.Errorf("%w: witness %d: %w", ErrCorrupt, i, err)
			}
		}
		s.creds = append(s.creds, h)
	}
	return nil
}

func (s *Store) marshal() ([]byte, error) {
	b := s.secret.Bytes()
	c := contents{HolderSecret: fmt.Sprintf("%x", b[:]), MasterSecret: fmt.Sprintf("%x", s.master[:]), Credentials: make([]entry, len(s.creds))}
	for i, h := range s.creds {
		e := entry{Credential: h.doc, WitnessEpoch: h.epoch, Revoked: h.revoked}
		if h.witness != nil {
			w, err := h.witness.MarshalBinary()
			if err != nil {
				return nil, fmt.Errorf("wallet: encoding witness: %w", err)
			}
			e.Witness = w
		}
		c.Credentials[i] = e
	}
	return json.Marshal(c)
}

// save writes the store atomically: temporary file, fsync, rename, fsync
// of the directory.
func (s *Store) save() error {
	pt, err := s.marshal()
	if err != nil {
		return err
	}
	data, err := s.key.seal(pt, s.rand)
	if err != nil {
		return err
	}
	if s.path == "" { // in memory (New): the caller keeps Sealed's bytes
		s.sealed = data
		return nil
	}
	return writeAtomic(s.path, data)
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("wallet: writing %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("wallet: writing %s: %w", path, err)
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("wallet: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("wallet: writing %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func parseHex(s string) ([]byte, bool) {
	if len(s) != 64 {
		return nil, false
	}
	b := make([]byte, 32)
	for i := range b {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return nil, false
		}
		b[i] = hi<<4 | lo
	}
	return b, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// HolderSecret returns the holder secret. It never leaves the wallet except
// into a proof's private inputs.
func (s *Store) HolderSecret() fr.Element {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.secret
}

// MasterSecretSize is the size of a wallet's master secret.
const MasterSecretSize = 32

// MasterSecret returns the wallet's master secret: 32 random bytes drawn
// at Create and kept in the file and in every backup, from which package
// holder derives the citizen's pairwise identities (one per agency). A
// wallet made before master secrets existed derives it from the holder
// secret with HKDF-SHA-256 (domain "civicproof/wallet/v1/legacy-master"),
// so its pairwise identities are just as reproducible from its backup.
func (s *Store) MasterSecret() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.master[:])
}

func legacyMaster(holderSecret []byte) [MasterSecretSize]byte {
	k, err := hkdf.Key(sha256.New, holderSecret, nil, "civicproof/wallet/v1/legacy-master", MasterSecretSize)
	if err != nil { // only for lengths HKDF cannot produce
		panic(err)
	}
	return [MasterSecretSize]byte(k)
}

// HolderBinding returns HolderBinding(secret), what an issuer needs.
func (s *Store) HolderBinding() fr.Element { return credential.HolderBinding(s.HolderSecret()) }

// Add stores a credential bound to this wallet's secret (otherwise
// credential.ErrHolderMismatch). Adding one already stored does nothing.
func (s *Store) Add(c *credential.Credential) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := c.CheckHolder(s.secret); err != nil {
		return err
	}
	id := c.ID()
	for _, h := range s.creds {
		if h.cred.ID() == id {
			return nil
		}
	}
	doc, err := c.MarshalJSON()
	if err != nil {
		return err
	}
	s.creds = append(s.creds, &held{cred: c, doc: doc})
	if err := s.save(); err != nil {
		s.creds = s.creds[:len(s.creds)-1]
		return err
	}
	return nil
}

// Entry describes a stored credential.
type Entry struct {
	Credential   *credential.Credential
	Witness      *revocation.Witness // nil until Refresh
	WitnessEpoch uint64              // epoch of the root the witness is for
	Revoked      bool                // revoked as of WitnessEpoch
}

func (h *held) entry() Entry {
	return Entry{Credential: h.cred, Witness: h.witness, WitnessEpoch: h.epoch, Revoked: h.revoked}
}

// List returns the stored credentials, filtered by type (schema name) and
// issuer DID; an empty filter matches all.
func (s *Store) List(typ string, issuer identity.DID) []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Entry
	for _, h := range s.creds {
		if (typ == "" || h.cred.Type() == typ) && (issuer == "" || h.cred.Issuer == issuer) {
			out = append(out, h.entry())
		}
	}
	return out
}

// Get returns the credential with the given id (Credential.ID).
func (s *Store) Get(id string) (Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.creds {
		if h.cred.ID() == id {
			return h.entry(), nil
		}
	}
	return Entry{}, fmt.Errorf("%w: %s", ErrNotFound, id)
}

// Refresh rebuilds the revocation witnesses of every credential of the
// list's issuer from its public status list, after checking the list
// against the root published on the ledger (credential.ErrBadWitness if it
// is not the published one). It returns the ids of credentials that are
// revoked under that root.
func (s *Store) Refresh(st *ledger.State, list *credential.StatusList) ([]string, error) {
	tree, err := list.Tree(st)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	type upd struct {
		h       *held
		w       *revocation.Witness
		revoked bool
	}
	var updates []upd
	var revoked []string
	issuer, err := st.Agency(list.Issuer)
	if err != nil {
		return nil, fmt.Errorf("wallet: status list issuer: %w", err)
	}
	for _, h := range s.creds {
		if a, err := st.Agency(h.cred.Issuer); err != nil || a.ID != issuer.ID {
			continue
		}
		w, err := tree.Witness(h.cred.Core.RevocationIndex)
		if err != nil {
			return nil, fmt.Errorf("wallet: witness of %s: %w", h.cred.ID(), err)
		}
		r := tree.Revoked(h.cred.Core.RevocationIndex)
		if r {
			revoked = append(revoked, h.cred.ID())
		}
		updates = append(updates, upd{h, w, r})
	}
	old := make([]held, len(updates))
	for i, u := range updates {
		old[i] = *u.h
		u.h.witness, u.h.epoch, u.h.revoked = u.w, list.Epoch, u.revoked
	}
	if err := s.save(); err != nil {
		for i, u := range updates {
			*u.h = old[i]
		}
		return nil, err
	}
	slices.Sort(revoked)
	return revoked, nil
}

// Export returns an encrypted backup of the whole wallet (same format as
// the file) under backupPassphrase.
func (s *Store) Export(backupPassphrase []byte, kdf KDFParams) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if kdf == (KDFParams{}) {
		kdf = DefaultKDF()
	}
	k, err := deriveKey(backupPassphrase, kdf, s.rand)
	if err != nil {
		return nil, err
	}
	pt, err := s.marshal()
	if err != nil {
		return nil, err
	}
	return k.seal(pt, s.rand)
}

// Import restores a backup made by Export into a new wallet file at path,
// encrypted under passphrase. It refuses to overwrite a file (ErrExists);
// a wrong backup passphrase gives ErrWrongPassphrase, a damaged backup
// ErrCorrupt, and a backup whose header names argon2id parameters outside
// the bounds (MaxKDFTime, MaxKDFMemoryKiB, MaxKDFWorkKiB) ErrCorrupt and
// ErrBadKDF, before any key derivation.
func Import(path string, backup, backupPassphrase, passphrase []byte, opts Options) (*Store, error) {
	pt, _, err := open(backup, backupPassphrase)
	if err != nil {
		return nil, err
	}
	s := &Store{}
	if err := s.load(pt); err != nil {
		return nil, err
	}
	return create(path, passphrase, opts, s)
}
