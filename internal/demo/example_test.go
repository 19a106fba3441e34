package demo_test

import (
	"os"

	"github.com/civicproof/civicproof/internal/demo"
)

// A demo narrates numbered steps and stops at the first that fails.
func ExampleNarrator_Run() {
	n := demo.New(os.Stdout, nil)
	_ = n.Run(
		demo.Step{Title: "The registry issues a credential", Fn: func() error {
			n.Say("delivered encrypted to the citizen")
			return nil
		}},
		demo.Step{Title: "The agency verifies", Fn: func() error { return nil }},
	)
	// Output:
	//
	// 1. The registry issues a credential
	//    delivered encrypted to the citizen
	//
	// 2. The agency verifies
}
