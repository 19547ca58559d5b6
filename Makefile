# SPDX-License-Identifier: GPL-2.0
#
# make            module (against KDIR), library, tool and tests
# make demo       the demo, in a QEMU guest running Debian's cloud kernel
# make check      host checks, then every selftest in the guest
# make check-host every selftest against the module loaded on this machine
# make fuzz       ac-fuzz for FUZZ_SECONDS on FUZZ_LANE's kernel
# make soak       ac-soak for SOAK_SECONDS: total operations, lost updates
# See README.md.

VERSION := $(shell cat VERSION)

# The guest kernel: the newest installed Debian kernel of VM_FLAVOUR that
# has headers; chosen by flavour, never by the running kernel.
VM_FLAVOUR ?= cloud-amd64
VM_KVER ?= $(shell ls -d /lib/modules/*-$(VM_FLAVOUR)/build 2>/dev/null | \
		   cut -d/ -f4 | sort -V | tail -n 1)
VM_KDIR ?= /lib/modules/$(VM_KVER)/build
VM_KERNEL ?= /boot/vmlinuz-$(VM_KVER)
VM_CPUS ?= 2
export VM_KERNEL VM_CPUS

# The host module build: the running kernel's tree when it has one (a real
# box), else the guest's.
KVER ?= $(shell uname -r)
KDIR ?= $(if $(wildcard /lib/modules/$(KVER)/build/Makefile),/lib/modules/$(KVER)/build,$(VM_KDIR))

AC_CACHE ?= $(HOME)/.cache/atomic_counter
export AC_CACHE
BUILD := $(CURDIR)/build
VMMOD := $(BUILD)/vm-$(VM_KVER)

.PHONY: all module userspace selftests deps kernel-files vm-module \
	check check-host demo fuzz soak clean help

all: module userspace selftests

help:
	@sed -n '3,10p' Makefile

module:
	@test -f "$(KDIR)/Makefile" || { echo "No kernel build tree at '$(KDIR)': install linux-headers-$(KVER) (or set KDIR)"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

userspace:
	$(MAKE) -C userspace STATIC=$(BUILD)/static

selftests: kernel-files userspace
	$(MAKE) -C tests/selftests KSFT_DIR=$$(scripts/kernel-files.sh)/tools/testing/selftests OUT=$(BUILD)/tests

deps:
	@scripts/deps.sh

kernel-files:
	@scripts/kernel-files.sh >/dev/null

# The module for the guest, built in a copy of the sources so that it never
# mixes objects with the host build.
vm-module:
	@test -f "$(VM_KDIR)/Makefile" || { echo "No $(VM_FLAVOUR) kernel headers: make deps"; exit 1; }
	@rm -rf $(VMMOD) && mkdir -p $(VMMOD)
	@cp -r Kbuild VERSION kmod samples uapi $(VMMOD)/
	$(MAKE) -s -C $(VM_KDIR) M=$(VMMOD) W=1 modules 2>&1 | grep -v 'Skipping BTF' ; test -f $(VMMOD)/kmod/atomic_counter.ko

check: deps
	@tests/check.sh "$(MAKE)"

# A long fuzz run on one lane's kernel (default the KASAN one).
FUZZ_LANE ?= kasan
FUZZ_SECONDS ?= 600
FUZZ_PROCS ?= 8
fuzz: deps selftests
	@tests/vm/run-lane.sh $(FUZZ_LANE) -c 4 -t $$(($(FUZZ_SECONDS) + 600)) -n fuzz-$(FUZZ_LANE) \
		-e FUZZ_SECONDS=$(FUZZ_SECONDS) -e FUZZ_PROCS=$(FUZZ_PROCS) \
		-f $(BUILD)/tests/ac-fuzz tests/vm/fuzz.sh

# Stress for SOAK_SECONDS from SOAK_PROCS processes on SOAK_LANE's kernel.
SOAK_LANE ?= cloud
SOAK_SECONDS ?= 600
SOAK_PROCS ?= 16
soak: deps selftests
	@tests/vm/run-lane.sh $(SOAK_LANE) -c 4 -t $$(($(SOAK_SECONDS) + 300)) -n soak-$(SOAK_LANE) \
		-e SOAK_SECONDS=$(SOAK_SECONDS) -e SOAK_PROCS=$(SOAK_PROCS) \
		-f $(BUILD)/tests/ac-soak tests/vm/soak.sh

check-host: selftests
	@tests/run-tests.sh $(BUILD)/tests | tests/summarize.sh

demo: deps
	@$(MAKE) -s vm-module userspace
	@tests/vm/run-vm.sh -n demo -m $(VMMOD)/kmod/atomic_counter.ko \
		-f $(BUILD)/static/atomic-counter -f $(BUILD)/static/ac-demo \
		-f $(VMMOD)/samples/atomic_counter_forks.ko tests/vm/demo.sh

print-%:
	@echo $($*)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C userspace clean
	rm -rf $(BUILD)
