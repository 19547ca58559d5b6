#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Fetch Debian kernel packages from a suite of the machine's own Debian
# mirror and unpack them (never install them) into the cache:
#
#   fetch-kernel.sh SUITE PACKAGE...
#
# Prints the directory the packages were unpacked into, a root-like tree
# (DIR/usr/src/..., DIR/boot/..., DIR/lib/modules/...). Each PACKAGE is
# fetched with every package it depends on whose name starts with "linux-"
# (a metapackage's versioned image, the headers' -common part, kbuild),
# installed on the machine or not, so that the tree never leans on an
# installed kernel's files; the rest (gcc, libc) comes from make deps. The
# directory's name holds every fetched package's version, so a new upload
# lands beside the old.
#
# apt runs on a private sources file, lists and cache under the cache
# directory: the machine's apt configuration and package lists are never
# touched. The private sources name the machine's own mirror (found by
# scripts/debian-mirror.sh, whichever form its sources take) and Debian's
# archive keyring from the machine's own debian-archive-keyring package,
# whose keys sign the other suites too. Once a SUITE/PACKAGE set has been
# unpacked, later calls reuse it without the network; FETCH_REFRESH=1 asks
# the mirror again. (The private sources file is in deb822 form, which apt
# recognises by its .sources name.)
#
# A PACKAGE of another architecture is named PACKAGE:ARCH (the arm64 lane:
# linux-image-cloud-arm64:arm64). apt then reads that architecture's
# lists too, in lists of its own (SUITE+ARCH), and a dependency of it that
# is Multi-Arch: foreign (linux-kbuild-6.1: the tools that run where the
# module is built) or architecture-independent is taken for this machine.
set -eu
suite=${1:?usage: fetch-kernel.sh SUITE PACKAGE...}
shift
[ $# -gt 0 ] || { echo "usage: fetch-kernel.sh SUITE PACKAGE..." >&2; exit 2; }
cache=${AC_CACHE:-$HOME/.cache/atomic_counter}
foreign=$(printf '%s\n' "$@" | sed -n 's/^[^:]*:\([a-z0-9]*\)$/\1/p' | sort -u | tr '\n' ' ')
apt=$cache/apt/$suite
for a in $foreign; do apt=$apt+$a; done
want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
# The last tree unpacked for this request, by name.
latest=$cache/debs/.latest-$suite-$(printf '%s' "$want" | md5sum | cut -c1-8)
mkdir -p "$cache/debs" "$apt"
exec 9>"$cache/debs/.lock-${apt##*/}"
flock 9

if [ -z "${FETCH_REFRESH:-}" ] && [ -f "$latest" ] && [ -f "$(cat "$latest")/.done" ]; then
	cat "$latest"
	exit 0
fi

# The machine's Debian mirror (not the security archive), and Debian's keyring.
here=$(cd "$(dirname "$0")" && pwd)
uri=$("$here/debian-mirror.sh") || exit 1
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || { echo "fetch-kernel: no $keyring: apt-get install debian-archive-keyring" >&2; exit 1; }
cat >"$apt/private.sources" <<EOF
Types: deb
URIs: $uri
Suites: $suite
Components: main
Signed-By: $keyring
EOF
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
# An empty dpkg status: what the machine has installed must not change the
# version chosen (an installed kernel newer than the suite's would be the
# candidate, with nothing to download).
: >"$apt/status"
# The sandbox user _apt could not write into root's cache. The package
# cache kept (container images often switch it off): without it every
# apt-cache call below parses the whole suite again, 5 s each here.
aptopts=(-q -o Dir::Etc::sourcelist="$apt/private.sources" -o Dir::Etc::sourceparts=-
	-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Dir::State::status="$apt/status"
	-o Dir::Cache::pkgcache=pkgcache.bin -o Dir::Cache::srcpkgcache=srcpkgcache.bin
	-o APT::Sandbox::User=root)
for a in $foreign; do aptopts+=(-o "APT::Architectures::=$a"); done
log=$apt/fetch.log
if ! apt-get "${aptopts[@]}" update >"$log" 2>&1; then
	echo "fetch-kernel: apt-get update for $suite failed; see $log" >&2
	tail -n 5 "$log" >&2
	exit 1
fi

# The packages and their linux-* dependencies, each once.
todo=("$@")
declare -A seen=()
pkgs=()
while [ ${#todo[@]} -gt 0 ]; do
	p=${todo[0]}
	todo=("${todo[@]:1}")
	[ -z "${seen[$p]:-}" ] || continue
	seen[$p]=1
	pkgs+=("$p")
	# The first of each group of alternatives ("|Depends: A" then
	# "Depends: B" means A or B). Installed or not: a package the machine
	# has would leave the tree's links (the headers' scripts ->
	# ../../lib/linux-kbuild-6.1/scripts) dangling, or pointing at an
	# installed kernel's files.
	# A foreign package's dependency on an architecture-independent
	# package reads <NAME:ARCH> (a virtual name), and one on a Multi-Arch:
	# foreign package NAME:ARCH: both are this machine's NAME.
	for d in $(apt-cache "${aptopts[@]}" depends --no-recommends --no-suggests \
			--no-conflicts --no-breaks --no-replaces --no-enhances "$p" 2>>"$log" |
		   awk '/^ *\|?(Pre)?Depends: / { if (!alt) print $2; alt = ($1 ~ /^\|/) }' |
		   sed 's/^<\([^:>]*\):[a-z0-9]*>$/\1/' | grep '^linux-[^<>]*$'); do
		if [ "${d%:*}" != "$d" ] && apt-cache "${aptopts[@]}" show --no-all-versions "$d" 2>>"$log" |
				grep -q '^Multi-Arch: foreign'; then
			d=${d%:*}
		fi
		todo+=("$d")
	done
done

versions=()
for p in "${pkgs[@]}"; do
	v=$(apt-cache "${aptopts[@]}" show --no-all-versions "$p" 2>>"$log" |
	    sed -n 's/^Version: //p' | head -n 1)
	[ -n "$v" ] || { echo "fetch-kernel: no package $p in $suite; see $log" >&2; exit 1; }
	versions+=("$p=$v")
done
# Named after the packages asked for and the version of the first one; the
# hash covers every version fetched.
first=$(apt-cache "${aptopts[@]}" show --no-all-versions "$1" | sed -n 's/^Version: //p' | head -n 1)
# No colon in it (an architecture, an epoch): make takes a path with one
# for a rule.
dest=$cache/debs/$(printf '%s-%s' "$1" "$first" | tr : _)-$(printf '%s ' "${versions[@]}" | md5sum | cut -c1-8)
if [ ! -f "$dest/.done" ]; then
	echo "fetch-kernel: fetching ${pkgs[*]} from $suite" >&2
	rm -rf "$dest" "$apt/debs"
	mkdir -p "$dest" "$apt/debs"
	if ! (cd "$apt/debs" && apt-get "${aptopts[@]}" download "${pkgs[@]}") >>"$log" 2>&1; then
		echo "fetch-kernel: apt-get download failed; see $log" >&2
		tail -n 5 "$log" >&2
		rm -rf "$dest"
		exit 1
	fi
	# Not an image's modules (300 MB for the rt kernel): the guest boots
	# it with an initramfs of ours and never loads one of them.
	for deb in "$apt"/debs/*.deb; do
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dest" --exclude='./lib/modules/*/kernel'
	done
	# Debian's header packages assume they sit in /: the build and
	# source links of lib/modules/VERSION and the include line of each
	# flavour's Makefile name /usr/src/... absolutely. Point them into the
	# unpacked tree, so that make -C DEST/usr/src/linux-headers-VERSION
	# builds a module as it would against the installed package. (The
	# scripts and tools links are relative already.)
	find "$dest" -type l -lname '/*' | while read -r l; do
		t=$(readlink "$l")
		[ -e "$dest$t" ] && ln -sfn "$dest$t" "$l"
	done
	for mk in "$dest"/usr/src/linux-headers-*/Makefile; do
		[ -f "$mk" ] && sed -i "s|^include /usr/src/|include $dest/usr/src/|" "$mk"
	done
	printf '%s\n' "${versions[@]}" >"$dest/packages"
	rm -rf "$apt/debs"
	touch "$dest/.done"
fi
echo "$dest" >"$latest"
echo "$dest"
