// Package demo holds the helpers shared by civicproof's runnable examples:
// plain-language narration on stdout, a progress line on stderr while a slow
// step runs, step timings, and a cache of proving material keyed by the
// verifying-key fingerprint so that a second run skips setup.
//
// Cost: negligible; the cache writes files atomically (temp file + rename)
// under os.UserCacheDir()/civicproof/<fingerprint>.
package demo
