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
	names := bank.Names()
	if err := names.Inc("somekey"); err != nil {
		log.Fatal(err)
	}
	done, err := bank.Named("jobs.done")
	if err != nil {
		log.Fatal(err)
	}
	done.Add(1)
	if err := done.Wake(); err != nil { // a syscall only while someone waits
		log.Fatal(err)
	}
	v, err := names.Value("somekey")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v, done.Load())
}
