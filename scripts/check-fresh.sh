#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make check-fresh: the README's two commands on a newcomer's machine.
# A minimal Debian 12 root (debootstrap --variant=minbase, from the mirror
# in this machine's own apt sources; cached as a tarball) with the apt
# sources debootstrap wrote, the one-line /etc/apt/sources.list of a
# standard Debian 12 install, left as they are; the committed HEAD cloned
# into it, only the README's first install line run, then make deps, make
# demo and make check inside it through chroot, with an empty cache of its
# own so that the debug kernel is really built there. Passes only when the
# demo prints its totals, make check ends "N passed, 0 failed", and
# neither make deps nor the rest changed the root's /boot or /lib/modules
# (the kernels are unpacked into the cache, never installed).
#
# FRESH_LANES: the lanes make check runs inside (default: fresh_lanes in
# tests/vm/lanes.sh, which says why).
# FRESH_WITHOUT: packages to strike from the clone's scripts/deps.sh, to
# see this check fail the way a newcomer would if one were missing.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${AC_CACHE:-$HOME/.cache/atomic_counter}
work=$top/build/fresh
root=$work/root
# shellcheck source=tests/vm/lanes.sh
. "$top/tests/vm/lanes.sh"
lanes=${FRESH_LANES:-$fresh_lanes}
# What the README tells a newcomer to run first, word for word.
readme_first='apt-get update && apt-get install -y git make'

failed=0
ok() { echo "ok fresh.$1"; }
not_ok() {
	failed=1
	echo "not ok fresh.$1 # $2"
	[ -f "${3:-}" ] && tail -n 30 "$3" | sed 's/^/#   /'
}

[ "$(id -u)" = 0 ] || { not_ok setup "needs root (debootstrap, chroot, mount)"; exit 1; }
for c in debootstrap chroot mount git; do
	command -v $c >/dev/null || { not_ok setup "no $c: make deps"; exit 1; }
done
grep -qF "$readme_first" "$top/README.md" ||
	{ not_ok setup "README.md no longer says '$readme_first': update $0"; exit 1; }

# The mirror this machine installs from, for the same Debian release.
mirror=$("$top/scripts/debian-mirror.sh" 2>&1) || { not_ok setup "$mirror"; exit 1; }

# shellcheck source=scripts/chroot.sh
. "$top/scripts/chroot.sh"
cleanup() { chroot_umount "$root"; }
trap cleanup EXIT
cleanup
rm -rf "$work"
mkdir -p "$work" "$cache/fresh"

start=$(date +%s)
# The cached minbase root (scripts/minbase.sh, which the install lane
# shares).
if ! tarball=$("$top/scripts/minbase.sh" 2>"$work/debootstrap.log"); then
	not_ok debootstrap "debootstrap from $mirror failed" "$work/debootstrap.log"
	exit 1
fi
mkdir -p "$root"
tar -C "$root" -xf "$tarball"
# The root keeps the apt sources debootstrap wrote (a one-line
# sources.list for bookworm): every fetch from another suite must work from
# those, as on a standard install. It gets only a resolver.
sources=$(cat "$root/etc/apt/sources.list" "$root"/etc/apt/sources.list.d/* 2>/dev/null)
cp /etc/resolv.conf "$root/etc/resolv.conf"
git clone -q "$top" "$root/root/atomic_counter"
for p in ${FRESH_WITHOUT:-}; do
	sed -i "/^[[:space:]][^#]/s/ $p\b//; /^[[:space:]][^#]/s/^\([[:space:]]\)$p\b /\1/" \
		"$root/root/atomic_counter/scripts/deps.sh"
	echo "# fresh: $p struck from deps.sh"
done
chroot_mount "$root"
ok "root # minimal Debian 12 from $mirror, HEAD $(git -C "$top" rev-parse --short HEAD), apt sources as debootstrap wrote them: $(printf '%s' "$sources" | tr '\n' ';')"

# What a kernel's installation changes: make deps, make demo and make check
# must leave both alone (a workstation's boot loader would boot an
# installed kernel next).
boot_state() {
	find "$root/boot" "$root/lib/modules" "$root/usr/lib/modules" -printf '%p %y %s\n' 2>/dev/null | sort
}

# in_root LOG COMMAND: run a shell command in the root as a newcomer's
# login would, with nothing of this machine's environment.
in_root() {
	local log=$1
	shift
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive LANES="$lanes" \
		/bin/bash -c "cd /root/atomic_counter && $*" >"$log" 2>&1
}

if ! in_root "$work/readme.log" "$readme_first"; then
	not_ok readme-install "'$readme_first' failed" "$work/readme.log"
	exit 1
fi
ok readme-install

# make deps, the first step of make demo, on its own: what it installs,
# and that no kernel is among it.
boot_before=$(boot_state)
t=$(date +%s)
if in_root "$work/deps.log" make deps; then
	ok "deps # $(sed -n 's/^deps: installing //p' "$work/deps.log" | wc -w) packages, $(($(date +%s) - t)) s"
else
	not_ok deps "make deps failed" "$work/deps.log"
fi
if [ "$(boot_state)" = "$boot_before" ]; then
	ok deps-leaves-boot-unchanged
else
	not_ok deps-leaves-boot-unchanged "make deps changed /boot or /lib/modules:"
	diff <(printf '%s\n' "$boot_before") <(boot_state) | head -n 20 | sed 's/^/#   /'
fi

t=$(date +%s)
# The demo's totals, each one exact, and the guest's clean exit.
if in_root "$work/demo.log" make demo &&
	grep -Eq 'total +[0-9]+ +expected +[0-9]+ +ok' "$work/demo.log" &&
	! grep -q 'LOST UPDATES' "$work/demo.log" && grep -q '^ok vm demo' "$work/demo.log"; then
	ok "demo # first run, $(($(date +%s) - t)) s"
else
	not_ok demo "make demo failed on its first run" "$work/demo.log"
fi

t=$(date +%s)
in_root "$work/check.log" make check
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/check.log" | tail -n 1)
[ -n "$summary" ] || summary=$(tail -n 1 "$work/check.log")
grep '^not ok' "$work/check.log" | sed 's/^/# fresh: /'
# A failing host step's own last lines: its log stays in the root, which
# the next run deletes, and CI's summary shows only this output.
for s in $(sed -n 's/^not ok host\.\([^ ]*\).*/\1/p' "$work/check.log"); do
	echo "# fresh: host.$s, its log's last lines:"
	tail -n 8 "$root/root/atomic_counter/build/check/$s.log" 2>/dev/null | sed 's/^/#   /'
done
if [[ $summary =~ ^[1-9][0-9]*\ passed,\ 0\ failed ]]; then
	ok "check # LANES=\"$lanes\": $summary, $(($(date +%s) - t)) s"
else
	# Name what failed on this line too: CI's summary keeps only the
	# last lines of a run, where the fresh lines above have scrolled off.
	failed=$(grep '^not ok' "$work/check.log" | sed 's/^not ok //; s/ #.*//' | head -n 3 | paste -sd, -)
	not_ok check "make check: '$summary'${failed:+ ($failed)} (log: $work/check.log)" "$work/check.log"
fi
if [ "$(boot_state)" = "$boot_before" ]; then
	ok demo-and-check-leave-boot-unchanged
else
	not_ok demo-and-check-leave-boot-unchanged "make demo or make check changed /boot or /lib/modules:"
	diff <(printf '%s\n' "$boot_before") <(boot_state) | head -n 20 | sed 's/^/#   /'
fi
echo "# fresh: $(($(date +%s) - start)) s in all"

# The kernels the root built or fetched, where this machine has none yet,
# become this machine's own (same paths, same Debian compiler, so the same
# cache keys): on a new machine a kernel is then built once, not once here
# and once again by the make check that follows (.ci/run runs this first).
fresh_cache=$root/root/.cache/atomic_counter
if [ "$cache" = /root/.cache/atomic_counter ] && [ -d "$fresh_cache" ]; then
	for d in "$fresh_cache"/linux-source-* "$fresh_cache"/kernels/* "$fresh_cache"/debs/*; do
		[ -d "$d" ] && [ -f "$d/.done" ] || continue
		rel=${d#"$fresh_cache"/}
		[ -e "$cache/$rel" ] && continue
		mkdir -p "$(dirname "$cache/$rel")"
		mv "$d" "$cache/$rel" && echo "# fresh: $rel kept for this machine"
	done
	for f in "$fresh_cache"/debs/.latest-*; do
		[ -f "$f" ] && [ ! -e "$cache/debs/${f##*/}" ] && [ -d "$cache/$(sed 's|^/root/.cache/atomic_counter/||' "$f")" ] &&
			cp "$f" "$cache/debs/"
	done
fi
exit $failed
