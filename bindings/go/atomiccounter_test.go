// SPDX-License-Identifier: MIT

package atomiccounter

import (
	"errors"
	"syscall"
	"testing"
	"unsafe"
)

// The sizes the uapi header publishes (ATOMIC_COUNTER_*_SIZE_VER0).
func TestSizesAreTheUapis(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"info", unsafe.Sizeof(info{}), 128},
		{"op", unsafe.Sizeof(opArg{}), 48},
		{"name", unsafe.Sizeof(nameArg{}), 80},
		{"wait", unsafe.Sizeof(waitArg{}), 48},
		{"wake", unsafe.Sizeof(wakeArg{}), 16},
		{"bank", unsafe.Sizeof(bankArg{}), 64},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d bytes, the uapi says %d", c.name, c.got, c.want)
		}
	}
	if iocInfo != 0xc080ac80 {
		t.Errorf("INFO is %#x", iocInfo)
	}
}

func TestNoDeviceIsAnErrno(t *testing.T) {
	t.Setenv("ATOMIC_COUNTER_DEVICE", "/nonexistent/atomic_counter")
	if _, err := Open(); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Open: %v", err)
	}
	if _, err := FromFd(-1); !errors.Is(err, syscall.EBADF) {
		t.Errorf("FromFd(-1): %v", err)
	}
}
