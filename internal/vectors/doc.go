// Package vectors keeps test vectors as one JSON file per case in a
// testdata folder, in the style of transparency-dev/merkle's testdata: a
// committed generator (the test itself, run with -update) writes what the
// code builds today with Write; the test reads them back with Load, checks
// each against what the code builds, and lists with Missing the cases the
// code builds that have no file. So a wire format or a refusal never
// changes silently.
package vectors
