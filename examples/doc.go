// Package examples holds civicproof's runnable demos, one command per
// folder, each a single main.go that uses only the public packages (and the
// small narrate package beside them), so that it can be copied into another
// module as it is:
//
//	go run ./examples/agegate          # an age check, end to end
//	go run ./examples/socialinsurance  # two predicates; a corrected record
//	go run ./examples/onewindow        # three facts from three agencies
//	go run ./examples/emergencyaid     # once per resident, nobody identified
//
// The tests in this folder check that promise: no demo imports an internal
// package, and each one builds from a copy in a module of its own.
package examples
