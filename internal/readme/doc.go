// Package readme keeps the program in the repository's README.md true:
// its Example runs the program's run function, and a test checks that
// README.md shows exactly "package main" and the lines between the
// example's README START and README END markers.
package readme
