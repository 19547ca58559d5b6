#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The Rust crate (bindings/rust) and the Go module (bindings/go), with
# Debian's toolchains only (rustc/cargo and librust-*-dev, golang-go; make
# deps installs them), offline: cargo reads crates from the directory
# Debian's packages install them in, Go from the standard library alone.
#
#   bindings.sh build OUT [ARCH]  the lane tests, static, into OUT:
#                                 rust_bindings_test, go_bindings_test
#                                 (ARCH: x86_64, the default, or arm64)
#   bindings.sh check             cargo test (unit and doc tests), cargo doc
#                                 and go vet, each warning an error; the
#                                 README's examples/counter.rs and .go built
#   bindings.sh env               print the environment the builds use
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build

# Debian's, by path: a rustup toolchain earlier in PATH is not what a fresh
# Debian 12 machine has, and the crate's MSRV (1.63) is Debian 12's rustc.
CARGO=${CARGO:-/usr/bin/cargo}
GO=${GO:-/usr/bin/go}
export RUSTC=${RUSTC:-/usr/bin/rustc} RUSTDOC=${RUSTDOC:-/usr/bin/rustdoc}
export CARGO_HOME=$build/cargo-home CARGO_TARGET_DIR=$build/rust
export GOPATH=$build/gopath GOCACHE=$build/gocache GOPROXY=off GOFLAGS=-mod=mod
export GOTOOLCHAIN=local CGO_ENABLED=0 GO111MODULE=on
REGISTRY=${CARGO_REGISTRY:-/usr/share/cargo/registry}

setup() {
	for t in "$CARGO" "$RUSTC" "$GO"; do
		[ -x "$t" ] || { echo "bindings: no $t: make deps installs rustc, cargo, librust-libc-dev and golang-go"; exit 1; }
	done
	[ -d "$REGISTRY" ] || { echo "bindings: no $REGISTRY: apt-get install librust-libc-dev"; exit 1; }
	mkdir -p "$CARGO_HOME"
	cat >"$CARGO_HOME/config.toml" <<-EOF
	[source.crates-io]
	replace-with = "debian"
	[source.debian]
	directory = "$REGISTRY"
	[net]
	offline = true
	EOF
}

# aarch64's std for Debian's rustc: libstd-rust-dev for arm64, unpacked
# into the cache (never installed) as fetch-kernel.sh unpacks kernels, and
# given to rustc as its sysroot; linked by the lane's cross gcc.
arm64_sysroot() {
	local dir ver
	ver=$($RUSTC --version | cut -d' ' -f2)
	dir=$("$top/scripts/fetch-kernel.sh" bookworm libstd-rust-dev:arm64) || return 1
	[ -d "$dir/usr/lib/rustlib/aarch64-unknown-linux-gnu/lib" ] ||
		{ echo "bindings: no aarch64 std in $dir" >&2; return 1; }
	# rustc reads only a std of its own exact build: say so, rather than
	# rustc's "found crate compiled by an incompatible version", when a
	# point release moved one of the two.
	local want got
	want=$(dpkg-query -W -f '${Version}' libstd-rust-dev 2>/dev/null)
	got=$(sed -n 's/^libstd-rust-dev:arm64=//p' "$dir/packages")
	[ "$want" = "$got" ] || {
		echo "bindings: the arm64 std is libstd-rust-dev $got, this machine's rustc is $want: FETCH_REFRESH=1 fetches the same version, or apt-get upgrade rustc" >&2
		return 1
	}
	# rustc wants the host's own std in the same sysroot (build scripts).
	local sys=$build/rust-sysroot-arm64
	if [ ! -e "$sys/.rustc-$ver" ]; then
		rm -rf "$sys" && mkdir -p "$sys/lib/rustlib"
		cp -a /usr/lib/rustlib/x86_64-unknown-linux-gnu "$sys/lib/rustlib/"
		cp -a "$dir/usr/lib/rustlib/aarch64-unknown-linux-gnu" "$sys/lib/rustlib/"
		touch "$sys/.rustc-$ver"
	fi
	echo "$sys"
}

build() {
	local out=${1:?usage: bindings.sh build OUT [ARCH]} arch=${2:-x86_64} target goarch
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	case $arch in
	x86_64) target=x86_64-unknown-linux-gnu goarch=amd64 ;;
	arm64)
		target=aarch64-unknown-linux-gnu goarch=arm64
		local cross sys
		cross=$("$top/scripts/cross-gcc.sh")
		sys=$(arm64_sysroot)
		export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=${cross}gcc
		export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="--sysroot $sys -C target-feature=+crt-static -C strip=debuginfo"
		;;
	*) echo "bindings: unknown ARCH $arch" >&2; exit 2 ;;
	esac
	export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static -C strip=debuginfo"
	(cd "$top/tests/bindings/rust-lane" &&
		"$CARGO" build --offline --release --quiet --target "$target")
	cp "$CARGO_TARGET_DIR/$target/release/rust_bindings_test" "$out/"
	(cd "$top/tests/bindings/go-lane" &&
		GOARCH=$goarch "$GO" build -trimpath -ldflags="-s -w" -o "$out/go_bindings_test" .)
}

check() {
	cd "$top/bindings/rust"
	RUSTFLAGS="-D warnings" "$CARGO" test --offline
	RUSTDOCFLAGS="-D warnings" "$CARGO" doc --offline --no-deps
	(cd "$top/tests/bindings/rust-lane" && RUSTFLAGS="-D warnings" "$CARGO" build --offline --quiet --bins --examples)
	# The README's Go example, examples/counter.go, as a user's own module
	# that requires this one.
	local ex=$build/go-examples
	rm -rf "$ex" && mkdir -p "$ex" && cp "$top/examples/counter.go" "$ex/"
	printf '%s\n' "module example" "" "go 1.19" "" \
		"require github.com/atomic-counter/atomic_counter/bindings/go v0.0.0" "" \
		"replace github.com/atomic-counter/atomic_counter/bindings/go => $top/bindings/go" >"$ex/go.mod"
	(cd "$ex" && "$GO" vet . && "$GO" build -o /dev/null .)
	local d
	for d in "$top/bindings/go" "$top/tests/bindings/go-lane"; do
		cd "$d"
		"$GO" vet ./...
		bad=$("$(dirname "$(readlink -f "$GO")")/gofmt" -l .)
		[ -z "$bad" ] || { echo "gofmt: not formatted: $bad"; return 1; }
	done
	cd "$top/bindings/go" && "$GO" test ./...
}

setup
case ${1:-} in
build) shift; build "$@" ;;
check) check ;;
env) env | grep -E '^(RUSTC|RUSTDOC|CARGO_|GO)' ;;
*) echo "usage: bindings.sh build OUT [ARCH] | check | env" >&2; exit 2 ;;
esac
