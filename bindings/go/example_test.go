// SPDX-License-Identifier: MIT

package atomiccounter_test

import (
	"fmt"
	"log"
	"time"

	atomiccounter "github.com/atomic-counter/atomic_counter/bindings/go"
)

// The README's example: go test compiles it (no Output comment: it needs
// the device, so it is not run).
func Example() {
	bank, err := atomiccounter.Open() // /dev/atomic_counter
	if err != nil {
		log.Fatal(err) // wraps the errno: errors.Is(err, syscall.ENOENT)
	}
	defer bank.Close()
	names := bank.Names() // the Go tour's SafeCounter, without the mutex
	names.Inc("somekey")
	c, _ := bank.Named("jobs.done")
	c.Add(1)
	c.Wake() // a system call only if a waiter may wake
	v, err := c.Wait(atomiccounter.Ge, 1, time.Second)
	fmt.Println(v, err)
	fmt.Println(names.Value("somekey"))
}
