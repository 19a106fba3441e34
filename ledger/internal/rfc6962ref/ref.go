package rfc6962ref

import "crypto/sha256"

// LeafHash is MTH({d}) = SHA-256(0x00 || d).
func LeafHash(d []byte) []byte {
	h := sha256.Sum256(append([]byte{0x00}, d...))
	return h[:]
}

// nodeHash is SHA-256(0x01 || l || r).
func nodeHash(l, r []byte) []byte {
	b := append([]byte{0x01}, l...)
	h := sha256.Sum256(append(b, r...))
	return h[:]
}

// split returns k, the largest power of two smaller than n (n > 1).
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// MTH is the Merkle Tree Hash of the list D[n].
func MTH(d [][]byte) []byte {
	switch n := len(d); n {
	case 0:
		h := sha256.Sum256(nil)
		return h[:]
	case 1:
		return LeafHash(d[0])
	default:
		k := split(n)
		return nodeHash(MTH(d[:k]), MTH(d[k:]))
	}
}

// Path is PATH(m, D[n]), the audit path of leaf m.
func Path(m int, d [][]byte) [][]byte {
	n := len(d)
	if n <= 1 {
		return [][]byte{}
	}
	k := split(n)
	if m < k {
		return append(Path(m, d[:k]), MTH(d[k:]))
	}
	return append(Path(m-k, d[k:]), MTH(d[:k]))
}

// Proof is PROOF(m, D[n]), the consistency proof from size m to n.
func Proof(m int, d [][]byte) [][]byte {
	if m == 0 || m == len(d) {
		return [][]byte{}
	}
	return subproof(m, d, true)
}

func subproof(m int, d [][]byte, b bool) [][]byte {
	n := len(d)
	if m == n {
		if b {
			return [][]byte{}
		}
		return [][]byte{MTH(d)}
	}
	k := split(n)
	if m <= k {
		return append(subproof(m, d[:k], b), MTH(d[k:]))
	}
	return append(subproof(m-k, d[k:], false), MTH(d[:k]))
}
