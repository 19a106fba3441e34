package wallet

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/civicproof/civicproof/internal/vectors"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// importVector is one file under testdata/import: a backup (hex) that
// Import must refuse with every sentinel in WantErr, before deriving a key
// when WantErr names ErrBadKDF.
type importVector struct {
	Desc    string   `json:"desc"`
	Backup  string   `json:"backup"`
	WantErr []string `json:"wantErr"`
}

var importSentinels = map[string]error{
	"ErrCorrupt":         ErrCorrupt,
	"ErrBadKDF":          ErrBadKDF,
	"ErrWrongPassphrase": ErrWrongPassphrase,
}

// craftBackup builds a backup with the given header parameters, a zero
// salt and nonce, ctLen bytes of ciphertext and a valid checksum: what an
// attacker can make without any key.
func craftBackup(p KDFParams, ctLen int) []byte {
	b := []byte(magic)
	b = append(b, version)
	b = binary.BigEndian.AppendUint32(b, p.Time)
	b = binary.BigEndian.AppendUint32(b, p.MemoryKiB)
	b = append(b, p.Threads)
	b = append(b, make([]byte, saltSize+chacha20poly1305.NonceSizeX)...)
	b = append(b, bytes.Repeat([]byte{0xa5}, ctLen)...)
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// buildImportVectors is the committed generator of testdata/import (run
// go test -run TestImportVectors -update).
func buildImportVectors() map[string]importVector {
	v := func(desc string, b []byte, want ...string) importVector {
		return importVector{Desc: desc, Backup: hex.EncodeToString(b), WantErr: want}
	}
	const ct = 48 // 32 bytes of plaintext and the tag: 138 bytes in all
	ok := craftBackup(fastKDF, ct)
	return map[string]importVector{
		"kdf-1gib-16-passes": v("t=16, m=1 GiB: allocated 1 GiB for 22 s before the bounds", craftBackup(KDFParams{Time: 16, MemoryKiB: 1 << 20, Threads: 1}, ct), "ErrCorrupt", "ErrBadKDF"),
		"kdf-memory-over":    v("m one KiB over MaxKDFMemoryKiB", craftBackup(KDFParams{Time: 1, MemoryKiB: MaxKDFMemoryKiB + 1, Threads: 1}, ct), "ErrCorrupt", "ErrBadKDF"),
		"kdf-time-over":      v("t one over MaxKDFTime", craftBackup(KDFParams{Time: MaxKDFTime + 1, MemoryKiB: 64, Threads: 1}, ct), "ErrCorrupt", "ErrBadKDF"),
		"kdf-work-over":      v("t and m each within bounds, t*m over MaxKDFWorkKiB", craftBackup(KDFParams{Time: 4, MemoryKiB: MaxKDFMemoryKiB, Threads: 1}, ct), "ErrCorrupt", "ErrBadKDF"),
		"kdf-max-uint32":     v("t and m at 2^32-1", craftBackup(KDFParams{Time: ^uint32(0), MemoryKiB: ^uint32(0), Threads: 255}, ct), "ErrCorrupt", "ErrBadKDF"),
		"kdf-zero-threads":   v("no lanes", craftBackup(KDFParams{Time: 1, MemoryKiB: 64, Threads: 0}, ct), "ErrCorrupt", "ErrBadKDF"),
		"kdf-memory-under":   v("less than 8 KiB per lane", craftBackup(KDFParams{Time: 1, MemoryKiB: 8*4 - 1, Threads: 4}, ct), "ErrCorrupt", "ErrBadKDF"),
		"bad-checksum":       v("a ciphertext byte flipped, checksum kept", func() []byte { b := bytes.Clone(ok); b[70] ^= 1; return b }(), "ErrCorrupt"),
		"truncated":          v("cut by one byte", ok[:len(ok)-1], "ErrCorrupt"),
		"trailing-garbage":   v("a byte appended", append(bytes.Clone(ok), 0), "ErrCorrupt"),
		"wrong-version": v("version 2 header", func() []byte {
			b := bytes.Clone(ok[:len(ok)-sumSize])
			b[len(magic)] = 2
			s := sha256.Sum256(b)
			return append(b, s[:]...)
		}(), "ErrCorrupt"),
		"forged-ciphertext": v("in-bounds parameters, valid checksum, ciphertext made without the key", ok, "ErrWrongPassphrase"),
		"too-short":         v("header only", ok[:headerSize], "ErrCorrupt"),
	}
}

// TestImportVectors: every crafted backup is refused with its sentinel,
// and nothing is written.
func TestImportVectors(t *testing.T) {
	dir := filepath.Join("testdata", "import")
	built := buildImportVectors()
	if *update {
		if err := vectors.Write(dir, built); err != nil {
			t.Fatal(err)
		}
	}
	files, err := vectors.Load(dir)
	if err != nil {
		t.Fatalf("%v (go test -run TestImportVectors -update)", err)
	}
	for _, f := range files {
		name := f.Name
		t.Run(name, func(t *testing.T) {
			var v importVector
			if err := json.Unmarshal(f.Data, &v); err != nil {
				t.Fatal(err)
			}
			if b, ok := built[name]; !ok || b.Desc != v.Desc || b.Backup != v.Backup || strings.Join(b.WantErr, ",") != strings.Join(v.WantErr, ",") {
				t.Errorf("vector differs from what the code builds today (run with -update)")
			}
			backup, err := hex.DecodeString(v.Backup)
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(t.TempDir(), "w")
			_, err = Import(dst, backup, []byte("backup pass"), []byte("new"), Options{KDF: fastKDF})
			if err == nil {
				t.Fatalf("%s: imported", v.Desc)
			}
			for _, name := range v.WantErr {
				if want := importSentinels[name]; want == nil || !errors.Is(err, want) {
					t.Fatalf("%s: got %v, want %s", v.Desc, err, name)
				}
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Fatal("a refused import wrote a file")
			}
		})
	}
	for _, name := range vectors.Missing(built, files) {
		t.Errorf("vector %s missing from testdata (run with -update)", name)
	}
}

// TestKDFBounds checks the documented bounds at their edges without
// deriving anything.
func TestKDFBounds(t *testing.T) {
	cases := []struct {
		p  KDFParams
		ok bool
	}{
		{DefaultKDF(), true},
		{KDFParams{Time: 1, MemoryKiB: MaxKDFMemoryKiB, Threads: 4}, true},
		{KDFParams{Time: 3, MemoryKiB: MaxKDFMemoryKiB, Threads: 4}, true},
		{KDFParams{Time: MaxKDFTime, MemoryKiB: MaxKDFWorkKiB / MaxKDFTime, Threads: 4}, true},
		{KDFParams{Time: 4, MemoryKiB: MaxKDFMemoryKiB, Threads: 4}, false},
		{KDFParams{Time: MaxKDFTime + 1, MemoryKiB: 64, Threads: 1}, false},
		{KDFParams{Time: 1, MemoryKiB: MaxKDFMemoryKiB + 1, Threads: 1}, false},
		{KDFParams{Time: 1, MemoryKiB: 64 * 8, Threads: MaxKDFThreads}, true},
		{KDFParams{Time: 1, MemoryKiB: 65 * 8, Threads: MaxKDFThreads + 1}, false},
		{KDFParams{Time: 16, MemoryKiB: 1 << 20, Threads: 1}, false},
		{KDFParams{}, false},
	}
	for _, c := range cases {
		err := c.p.check()
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, ErrBadKDF)) {
			t.Errorf("%+v: %v, want ok=%v (ErrBadKDF otherwise)", c.p, err, c.ok)
		}
	}
}

// BenchmarkImportCraftedKDF: refusing the 138-byte t=16, m=1 GiB backup
// (22 s and 1 GiB before the bounds).
func BenchmarkImportCraftedKDF(b *testing.B) {
	backup := craftBackup(KDFParams{Time: 16, MemoryKiB: 1 << 20, Threads: 1}, 48)
	dst := filepath.Join(b.TempDir(), "w")
	for b.Loop() {
		if _, err := Import(dst, backup, []byte("p"), []byte("q"), Options{KDF: fastKDF}); !errors.Is(err, ErrBadKDF) {
			b.Fatal(err)
		}
	}
}
