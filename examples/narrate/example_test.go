package narrate_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/civicproof/civicproof/examples/narrate"
)

// A demo narrates numbered steps and stops at the first that fails.
func ExampleNarrator_Finish() {
	n := narrate.New(os.Stdout, nil)
	err := n.Finish("sample",
		narrate.Step{Title: "The registry issues a credential", Do: func() error {
			n.Say("sealed to the wallet")
			return nil
		}},
		narrate.Step{Title: "The agency verifies", Do: func() error { return errors.New("refused") }},
	)
	fmt.Println(err)
	// Output:
	//
	// 1. The registry issues a credential
	//    sealed to the wallet
	//
	// 2. The agency verifies
	// step 2 (The agency verifies): refused
}
