// SPDX-License-Identifier: MIT
module github.com/atomic-counter/atomic_counter/bindings/go

go 1.19
