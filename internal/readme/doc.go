// Package readme keeps the code sample of the repository's README.md true:
// its Example runs the sample, and a test checks that README.md shows
// exactly the lines between the example's README START and README END
// markers.
package readme
