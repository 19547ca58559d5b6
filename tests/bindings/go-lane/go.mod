// SPDX-License-Identifier: MIT
module atomic_counter/tests/bindings/go-lane

go 1.19

require github.com/atomic-counter/atomic_counter/bindings/go v0.0.0

replace github.com/atomic-counter/atomic_counter/bindings/go => ../../../bindings/go
