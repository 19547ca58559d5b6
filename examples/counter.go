// SPDX-License-Identifier: MIT
package main

import (
	"fmt"
	"log"

	atomiccounter "github.com/atomic-counter/atomic_counter/bindings/go"
)

func main() {
	bank, err := atomiccounter.Open()
	if err != nil {
		log.Fatal(err) // ENOENT: the module is not loaded
	}
	defer bank.Close()
	names := bank.Names() // the SafeCounter shape, across processes
	if err := names.Inc("somekey"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(names.Value("somekey"))
}
