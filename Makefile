# SPDX-License-Identifier: GPL-2.0
#
# make            module (against KDIR), library, tool and tests
# make demo       the demo, in a QEMU guest running Debian's cloud kernel
# make check      host checks, then every selftest in the guest
# make check-host every selftest against the module loaded on this machine
# make test-host  the tests that need no module and no kernel tree
# make deb        the Debian packages, in build/deb (dpkg-buildpackage -b)
# make install    library, headers, tool, man pages, udev rule (install-lib,
#                 install-dev, install-tool, install-system; prefix, DESTDIR)
# make check-fresh make demo and make check in a fresh Debian 12 root
# make fuzz       ac-fuzz for FUZZ_SECONDS on FUZZ_LANE's kernel
# make soak       ac-soak for SOAK_SECONDS: total operations, lost updates
# make bench      every counting path against its alternatives and floor, VM_CPUS vCPUs
# make bench-host the paths that need no module, natively on this machine
# See README.md.

VERSION := $(shell cat VERSION)

AC_CACHE ?= $(HOME)/.cache/atomic_counter
export AC_CACHE

# The guest kernel: Debian 12's kernel of VM_FLAVOUR with its headers,
# unpacked into the cache by scripts/fetch-kernel.sh, never installed (a
# workstation's boot loader would boot an installed one next). Looked up
# only by the targets that build for it or boot it, once per make; VM_KDIR
# and VM_KERNEL name any other kernel.
VM_FLAVOUR ?= cloud-amd64
VM_TREE = $(eval VM_TREE := $(shell AC_CACHE='$(AC_CACHE)' $(CURDIR)/scripts/fetch-kernel.sh \
		bookworm linux-image-$(VM_FLAVOUR) linux-headers-$(VM_FLAVOUR)))$(VM_TREE)
VM_TREE_KVER = $(if $(VM_TREE),$(notdir $(lastword $(wildcard $(VM_TREE)/lib/modules/*))))
VM_KDIR ?= $(if $(VM_TREE_KVER),$(VM_TREE)/lib/modules/$(VM_TREE_KVER)/build)
VM_KERNEL ?= $(VM_TREE)/boot/vmlinuz-$(VM_TREE_KVER)
# Names the module's build directory (build/vm-VM_KVER).
VM_KVER ?= $(if $(filter file,$(origin VM_KDIR)),$(VM_TREE_KVER),custom)
# Kbuild's ARCH and CROSS_COMPILE for a guest of another architecture (the
# arm64 lane: tests/vm/lanes.sh's LANE_KBUILD); empty for x86-64.
VM_KBUILD ?=
VM_CPUS ?= 2
export VM_CPUS

# The host module build: the running kernel's tree (a real machine's
# linux-headers-$(uname -r)); without one, env-check says so in one line.
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

BUILD := $(CURDIR)/build
VMMOD = $(BUILD)/vm-$(VM_KVER)

.PHONY: all module userspace selftests deps kernel-files vm-module \
	check check-host check-fresh demo fuzz soak clean help cross-userspace \
	check-after-deps demo-after-deps bench-after-deps fuzz-after-deps soak-after-deps env-check \
	install install-lib install-dev install-tool install-system userspace-install-build static test-host \
	uninstall uninstall-lib uninstall-dev uninstall-tool uninstall-system dkms-source dkms-install dkms-uninstall deb sign bench bench-host \
	bindings bindings-check

all: module userspace selftests

help:
	@sed -n '3,16p' Makefile

module: env-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

# Environment problems, each said in one line with its fix, before make
# drowns them: no headers for the kernel, or another compiler than the
# kernel's (ALLOW_CC_MISMATCH=1 to go on anyway).
# Compared without the program name: the kernel's says gcc-12, gcc says gcc.
KERNEL_CC = $(shell sed -n 's/^CONFIG_CC_VERSION_TEXT="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' \
		$(KDIR)/include/config/auto.conf 2>/dev/null | cut -d' ' -f2-)
MODULE_CC = $(shell $(CC) --version 2>/dev/null | head -n 1 | cut -d' ' -f2-)
env-check:
	@test -f "$(KDIR)/Makefile" || { echo "atomic_counter: no kernel headers for $(KVER) at $(KDIR): apt-get install linux-headers-$(KVER), or make KDIR=/path/to/build (make demo and make check need neither)"; exit 1; }
	@test -z "$(KERNEL_CC)" || test "$(KERNEL_CC)" = "$(MODULE_CC)" || test -n "$(ALLOW_CC_MISMATCH)" || \
		{ echo "atomic_counter: the kernel at $(KDIR) was built by compiler '$(KERNEL_CC)', but $(CC) is '$(MODULE_CC)': install the kernel's compiler and make CC=<it> (or ALLOW_CC_MISMATCH=1)"; exit 1; }

# Installation (DESTDIR for staging). The file list is documented in
# docs/install.md and checked by tests/install-test.sh. GNU's directory
# variables (prefix, exec_prefix, bindir, libdir, includedir, datarootdir,
# mandir), with the uppercase names of earlier releases (PREFIX, LIBDIR,
# INCLUDEDIR, BINDIR, MANDIR, BASHCOMPDIR, UDEVRULESDIR, MODULESLOADDIR)
# still taken. Nothing goes to sysconfdir: /etc is the administrator's
# (modprobe.d options, a rule overriding ours). The udev rule,
# modules-load.d entry and sysusers.d file go where udev and systemd read a
# package's files, whatever the prefix: a rule under /usr/local is never
# read.
PREFIX ?= /usr/local
prefix ?= $(PREFIX)
exec_prefix ?= $(prefix)
bindir ?= $(or $(BINDIR),$(exec_prefix)/bin)
libdir ?= $(or $(LIBDIR),$(exec_prefix)/lib)
includedir ?= $(or $(INCLUDEDIR),$(prefix)/include)
datarootdir ?= $(prefix)/share
mandir ?= $(or $(MANDIR),$(datarootdir)/man)
bashcompdir ?= $(or $(BASHCOMPDIR),$(datarootdir)/bash-completion/completions)
udevrulesdir ?= $(or $(UDEVRULESDIR),/usr/lib/udev/rules.d)
modulesloaddir ?= $(or $(MODULESLOADDIR),/usr/lib/modules-load.d)
sysusersdir ?= /usr/lib/sysusers.d
pkgconfigdir ?= $(libdir)/pkgconfig
# The uapi header's own directory: $(includedir)/linux belongs to the C
# library's kernel headers (linux-libc-dev); the .pc's Cflags add this one,
# so #include <linux/atomic_counter.h> still works.
uapiincludedir = $(includedir)/atomic_counter
INSTALL_DIRS = prefix='$(prefix)' exec_prefix='$(exec_prefix)' libdir='$(libdir)' includedir='$(includedir)'
SOVERSION := $(VERSION)
# The SONAME's number: userspace/Makefile's LIBABI, the one place it is kept.
SOMAJOR := $(shell sed -n 's/^LIBABI := //p' userspace/Makefile)

# The library's man pages, one per function group; every function and type
# of <atomic_counter.h> gets a symbolic link to its group's page, so that
# man ac_inc works. The list is generated from the header
# (scripts/man-links.sh; make check fails on a function without a page).
MAN3 := $(wildcard man/*.3)
# Evaluated only by install and uninstall.
MAN3_LINKS = $(shell scripts/man-links.sh 2>/dev/null)
MAN7 := $(wildcard man/*.7)

# The library, built with the directories the .pc will name.
userspace-install-build:
	$(MAKE) -C userspace $(INSTALL_DIRS)

# One target per package a distribution makes (debian/ uses them):
# the runtime library, the development files, the tool, and the system
# files; install is all four.
install: install-lib install-dev install-tool install-system
	@if [ -z "$(DESTDIR)" ]; then ldconfig; fi

install-lib: userspace-install-build
	install -Dm644 userspace/libatomic_counter.so.$(SOVERSION) $(DESTDIR)$(libdir)/libatomic_counter.so.$(SOVERSION)
	ln -sf libatomic_counter.so.$(SOVERSION) $(DESTDIR)$(libdir)/libatomic_counter.so.$(SOMAJOR)

install-dev: userspace-install-build
	install -Dm644 uapi/linux/atomic_counter.h $(DESTDIR)$(uapiincludedir)/linux/atomic_counter.h
	install -Dm644 userspace/include/atomic_counter.h $(DESTDIR)$(includedir)/atomic_counter.h
	install -Dm644 userspace/include/atomic_counter_version.h $(DESTDIR)$(includedir)/atomic_counter_version.h
	@mkdir -p $(DESTDIR)$(libdir)
	ln -sf libatomic_counter.so.$(SOMAJOR) $(DESTDIR)$(libdir)/libatomic_counter.so
	install -Dm644 userspace/libatomic_counter.a $(DESTDIR)$(libdir)/libatomic_counter.a
	install -Dm644 userspace/atomic_counter.pc $(DESTDIR)$(pkgconfigdir)/atomic_counter.pc
	for m in $(MAN3); do install -Dm644 $$m $(DESTDIR)$(mandir)/man3/$${m#man/} || exit 1; done
	for l in $(MAN3_LINKS); do ln -sf $${l#*:} $(DESTDIR)$(mandir)/man3/$${l%%:*} || exit 1; done
	for m in $(MAN7); do install -Dm644 $$m $(DESTDIR)$(mandir)/man7/$${m#man/} || exit 1; done

install-tool: userspace-install-build
	install -Dm755 userspace/atomic-counter $(DESTDIR)$(bindir)/atomic-counter
	install -Dm644 man/atomic-counter.1 $(DESTDIR)$(mandir)/man1/atomic-counter.1
	install -Dm644 man/atomic_counter.4 $(DESTDIR)$(mandir)/man4/atomic_counter.4
	install -Dm644 userspace/tool/atomic-counter.bash-completion $(DESTDIR)$(bashcompdir)/atomic-counter

# The group first, so that udev can name it when the module loads: from
# the sysusers.d file through systemd-sysusers where systemd runs,
# groupadd elsewhere (a staged install creates nothing).
install-system:
	install -Dm644 system/60-atomic_counter.rules $(DESTDIR)$(udevrulesdir)/60-atomic_counter.rules
	install -Dm644 system/modules-load.conf $(DESTDIR)$(modulesloaddir)/atomic_counter.conf
	install -Dm644 system/atomic_counter.sysusers $(DESTDIR)$(sysusersdir)/atomic_counter.conf
	@if [ -z "$(DESTDIR)" ]; then \
		if command -v systemd-sysusers >/dev/null && [ -d /run/systemd/system ]; then \
			systemd-sysusers $(sysusersdir)/atomic_counter.conf; \
		else \
			getent group atomic_counter >/dev/null || groupadd --system atomic_counter; \
		fi; \
	fi

uninstall: uninstall-lib uninstall-dev uninstall-tool uninstall-system

uninstall-lib:
	rm -f $(DESTDIR)$(libdir)/libatomic_counter.so.$(SOVERSION) $(DESTDIR)$(libdir)/libatomic_counter.so.$(SOMAJOR)

uninstall-dev:
	rm -f $(DESTDIR)$(uapiincludedir)/linux/atomic_counter.h $(DESTDIR)$(includedir)/atomic_counter.h \
		$(DESTDIR)$(includedir)/atomic_counter_version.h \
		$(DESTDIR)$(libdir)/libatomic_counter.so $(DESTDIR)$(libdir)/libatomic_counter.a \
		$(DESTDIR)$(pkgconfigdir)/atomic_counter.pc \
		$(addprefix $(DESTDIR)$(mandir)/man3/,$(notdir $(MAN3)) $(foreach l,$(MAN3_LINKS),$(firstword $(subst :, ,$(l))))) \
		$(addprefix $(DESTDIR)$(mandir)/man7/,$(notdir $(MAN7)))
	-rmdir $(DESTDIR)$(uapiincludedir)/linux $(DESTDIR)$(uapiincludedir) 2>/dev/null

uninstall-tool:
	rm -f $(DESTDIR)$(bindir)/atomic-counter $(DESTDIR)$(mandir)/man1/atomic-counter.1 \
		$(DESTDIR)$(mandir)/man4/atomic_counter.4 $(DESTDIR)$(bashcompdir)/atomic-counter

uninstall-system:
	rm -f $(DESTDIR)$(udevrulesdir)/60-atomic_counter.rules $(DESTDIR)$(modulesloaddir)/atomic_counter.conf \
		$(DESTDIR)$(sysusersdir)/atomic_counter.conf

# DKMS: the module, rebuilt for every kernel the machine installs.
KBUILD_OUTPUTS := \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name 'modules.order' -o -name Module.symvers \)
# DKMS_SOURCETREE (where dkms finds the sources, default /usr/src) and
# DKMS_FLAGS (more dkms options: private trees, --kernelsourcedir) let a
# test build and install for a kernel the machine does not run, into trees
# of its own.
DKMS_SOURCETREE ?= /usr/src
DKMS_NAME := atomic-counter
DKMS_SRC = $(DKMS_SOURCETREE)/$(DKMS_NAME)-$(VERSION)
DKMS = dkms --sourcetree $(DKMS_SOURCETREE) $(DKMS_FLAGS)
# The module's sources as DKMS builds them, into $(DESTDIR)$(DKMS_SRC):
# what Kbuild reads and nothing a build left behind, and dkms.conf with
# its version filled in (debian/rules runs this; dh_dkms then writes the
# same dkms.conf).
dkms-source:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	mkdir -p $(DESTDIR)$(DKMS_SRC)
	cp -r Kbuild VERSION kmod samples uapi $(DESTDIR)$(DKMS_SRC)/
	find $(DESTDIR)$(DKMS_SRC) $(KBUILD_OUTPUTS) -delete
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf > $(DESTDIR)$(DKMS_SRC)/dkms.conf

dkms-install: dkms-source
	$(DKMS) add -m $(DKMS_NAME) -v $(VERSION)
	$(DKMS) build -m $(DKMS_NAME) -v $(VERSION) -k $(KVER)
	$(DKMS) install -m $(DKMS_NAME) -v $(VERSION) -k $(KVER)

dkms-uninstall:
	-$(DKMS) remove -m $(DKMS_NAME) -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

# Sign the module for Secure Boot with a key enrolled as a MOK (see docs/install.md).
MOK_KEY ?= /var/lib/dkms/mok.key
MOK_CERT ?= /var/lib/dkms/mok.pub
sign: module
	$(KDIR)/scripts/sign-file sha256 $(MOK_KEY) $(MOK_CERT) kmod/atomic_counter.ko
	$(KDIR)/scripts/sign-file sha256 $(MOK_KEY) $(MOK_CERT) samples/atomic_counter_forks.ko

# The library and the tool: no kernel tree, no linux-source (a
# distribution's build runs this and test-host alone).
userspace:
	$(MAKE) -C userspace

# Static copies of the programs, for the guest (no C library there).
static: userspace
	$(MAKE) -C userspace STATIC=$(BUILD)/static static

# The tests that need neither the module nor a kernel tree, on this
# machine: the tool's escaping and usage errors, the examples, the
# installed files and pkg-config. What needs /dev/atomic_counter is a SKIP
# that says so (make check-host runs it against a loaded module).
# The Rust crate and the Go module (bindings/): their lane tests, static,
# beside the C programs the guests run (make check builds them; the C
# library's answers they compare theirs with come from ac-ref, a selftest
# program); bindings-check: cargo test, cargo doc, go vet.
bindings:
	@scripts/bindings.sh build $(BUILD)/static

bindings-check:
	@scripts/bindings.sh check

test-host: userspace
	@tests/host-tests.sh "$(MAKE)" | tests/summarize.sh

selftests: kernel-files userspace static
	$(MAKE) -C tests/selftests KSFT_DIR=$$(scripts/kernel-files.sh)/tools/testing/selftests OUT=$(BUILD)/tests

# The guest programs for a guest of another architecture (the arm64
# lane): the library, tool, selftests, fuzzer and soak built static by
# CROSS_COMPILE's gcc in a copy of the sources under CROSS_BUILD, so that
# their objects never mix with this machine's (userspace/, build/static,
# build/tests). Not the 32-bit compat tests (x86's -m32 programs).
CROSS_BUILD ?= $(BUILD)/arm64
CROSS_LOADER ?= /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1
cross-userspace: kernel-files
	@test -n "$(CROSS_COMPILE)" || { echo "atomic_counter: make cross-userspace needs CROSS_COMPILE (scripts/cross-gcc.sh prints it)"; exit 1; }
	@rm -rf $(CROSS_BUILD) && mkdir -p $(CROSS_BUILD)/src/tests
	@cp -r VERSION uapi userspace $(CROSS_BUILD)/src/
	@cp -r tests/selftests tests/fuzz tests/soak tests/abi tests/kmod $(CROSS_BUILD)/src/tests/
	@$(MAKE) -s -C $(CROSS_BUILD)/src/userspace clean >/dev/null
	$(MAKE) -C $(CROSS_BUILD)/src/userspace CC=$(CROSS_COMPILE)gcc AR=$(CROSS_COMPILE)ar \
		STATIC=$(CROSS_BUILD)/static all static
	$(MAKE) -C $(CROSS_BUILD)/src/tests/selftests CC=$(CROSS_COMPILE)gcc \
		KSFT_DIR=$$(scripts/kernel-files.sh)/tools/testing/selftests OUT=$(CROSS_BUILD)/tests \
		TEST_GEN_PROGS_32= ABI_LOADER=$(CROSS_LOADER)

# The Debian packages (debian/), built in a copy of the tracked files under
# build/deb, so that the clone stays clean and nothing left in the working
# tree (a module build, build/) reaches a package; dpkg-buildpackage puts
# the .debs, .buildinfo and .changes beside that copy, in build/deb.
DEB_DIR := $(BUILD)/deb
deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null && command -v dh_dkms >/dev/null || \
		{ echo "atomic_counter: make deb needs dpkg-dev, debhelper and dh-dkms: apt-get install dpkg-dev debhelper dh-dkms (or make deps)"; exit 1; }
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/atomic-counter-$(VERSION)
	if [ -d .git ] || [ -f .git ]; then \
		git ls-files -z | xargs -0 cp --parents -t $(DEB_DIR)/atomic-counter-$(VERSION); \
	else \
		tar -c --exclude=./build . | tar -x -C $(DEB_DIR)/atomic-counter-$(VERSION); \
	fi
	cd $(DEB_DIR)/atomic-counter-$(VERSION) && dpkg-buildpackage -us -uc -b
	@ls $(DEB_DIR)/*.deb

deps:
	@scripts/deps.sh

kernel-files:
	@scripts/kernel-files.sh >/dev/null

# The module for the guest, built in a copy of the sources so that it never
# mixes objects with the host build.
vm-module:
	@test -f "$(VM_KDIR)/Makefile" || { echo "atomic_counter: no $(VM_FLAVOUR) kernel headers at '$(VM_KDIR)' (scripts/fetch-kernel.sh failed: see above)"; exit 1; }
	@rm -rf $(VMMOD) && mkdir -p $(VMMOD)
	@cp -r Kbuild VERSION kmod samples uapi $(VMMOD)/
	$(MAKE) -s -C $(VM_KDIR) M=$(VMMOD) $(VM_KBUILD) W=1 modules 2>&1 | grep -v 'Skipping BTF' ; test -f $(VMMOD)/kmod/atomic_counter.ko
	@mkdir -p $(VMMOD)/tests && cp -r tests/kmod $(VMMOD)/tests/
	$(MAKE) -s -C $(VM_KDIR) M=$(VMMOD)/tests/kmod $(VM_KBUILD) W=1 KBUILD_EXTRA_SYMBOLS=$(VMMOD)/Module.symvers modules 2>&1 | grep -v 'Skipping BTF' ; test -f $(VMMOD)/tests/kmod/ac_hardirq_test.ko && test -f $(VMMOD)/tests/kmod/ac_bench_floor.ko

# The targets that need installed packages run deps first, then start make
# again: the guest kernel's version and every path computed from it are
# read from what deps installed, not from the machine as it was when this
# make started (a newcomer's first run has no kernel headers yet).
demo check bench fuzz soak: deps
	@$(MAKE) --no-print-directory $@-after-deps

# Warnings are errors in make check, not in a user's make install.
check-after-deps: export WERROR := 1
check-after-deps:
	@tests/check.sh "$(MAKE)"

# A newcomer's machine: a minimal Debian 12 root, the README's first
# install line, then make demo and make check inside it.
check-fresh: deps
	@scripts/check-fresh.sh

# A long fuzz run on one lane's kernel (default the KASAN one).
FUZZ_LANE ?= kasan
FUZZ_SECONDS ?= 600
FUZZ_PROCS ?= 8
fuzz-after-deps: selftests
	@tests/vm/run-lane.sh $(FUZZ_LANE) -c 4 -t $$(($(FUZZ_SECONDS) + 600)) -n fuzz-$(FUZZ_LANE) \
		-e FUZZ_SECONDS=$(FUZZ_SECONDS) -e FUZZ_PROCS=$(FUZZ_PROCS) \
		-f $(BUILD)/tests/ac-fuzz tests/vm/fuzz.sh

# Stress for SOAK_SECONDS from SOAK_PROCS processes on SOAK_LANE's kernel.
SOAK_LANE ?= cloud
SOAK_SECONDS ?= 600
SOAK_PROCS ?= 16
soak-after-deps: selftests
	@tests/vm/run-lane.sh $(SOAK_LANE) -c 4 -t $$(($(SOAK_SECONDS) + 300)) -n soak-$(SOAK_LANE) \
		-e SOAK_SECONDS=$(SOAK_SECONDS) -e SOAK_PROCS=$(SOAK_PROCS) \
		-f $(BUILD)/tests/ac-soak tests/vm/soak.sh

# The benchmark in a guest (BENCH_LANE, default cloud; arm64 by name, with
# that lane's own builds): a table, build/bench/bench.json and bench.png.
bench-after-deps: static bindings
	@scripts/bench.sh

# The same paths that need no module, on this machine's own CPUs.
bench-host: userspace
	@scripts/bench.sh host

check-host: selftests
	@tests/run-tests.sh $(BUILD)/tests | tests/summarize.sh

demo-after-deps:
	@$(MAKE) -s vm-module static
	@VM_KERNEL='$(VM_KERNEL)' tests/vm/run-vm.sh -n demo -m $(VMMOD)/kmod/atomic_counter.ko \
		-f $(BUILD)/static/atomic-counter -f $(BUILD)/static/ac-demo \
		-f $(VMMOD)/samples/atomic_counter_forks.ko tests/vm/demo.sh

print-%:
	@echo '$($*)'

# Without the kernel's tree (make demo's machine), kbuild's outputs by name.
clean:
	$(if $(wildcard $(KDIR)/Makefile),-$(MAKE) -C $(KDIR) M=$(CURDIR) clean,find kmod samples . -maxdepth 1 $(KBUILD_OUTPUTS) -delete)
	-$(MAKE) -C userspace clean
	rm -rf $(BUILD)
