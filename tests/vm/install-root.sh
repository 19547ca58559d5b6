#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The Debian 12 system the install lane (tests/vm/install-lane.sh) installs
# the packages into, made once and cached; prints the path of its tarball.
#
# On the cached minbase root (scripts/minbase.sh, make check-fresh's), with
# apt in a chroot against the same mirror as this machine's (its
# bookworm-backports suite added, as a user adds it for a newer kernel):
#   installed   systemd-sysv, udev, kmod: a system that boots with systemd
#               as PID 1 and udev applying the packaged rule;
#               linux-image-cloud-amd64 and its headers (6.1), whose
#               postinst makes the initramfs the guest boots with;
#               openssl, without which DKMS silently signs nothing;
#               gcc, libc6-dev, make, pkgconf: what a developer builds the
#               selftests with, against the installed -dev package;
#               two users, "member" (added to the group after the packages
#               are installed, as the README says) and "outsider".
#   downloaded  what the lane then installs, so that a warm run needs no
#               network: dkms (pulled by atomic-counter-dkms; without its
#               Recommends, which on amd64 name linux-headers-amd64, the
#               headers of a kernel this system does not run) and
#               bookworm-backports' cloud kernel and headers (6.12), the
#               kernel upgrade.
# None of this touches this machine: the kernels go into the root only.
#
# The tarball is keyed on what goes into it: the minbase tarball, the
# mirror, and this script (the package lists are in it); FETCH_REFRESH=1
# makes it again from the mirror, as it refetches the kernels
# (scripts/fetch-kernel.sh). Only the newest key is kept (about 1 GB).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${AC_CACHE:-$HOME/.cache/atomic_counter}
dir=$cache/install

system_packages=(systemd-sysv udev kmod linux-image-cloud-amd64 linux-headers-cloud-amd64 openssl gcc libc6-dev make pkgconf)
user_packages=(dkms)
backports_packages=(linux-image-cloud-amd64 linux-headers-cloud-amd64)

minbase=$("$top/scripts/minbase.sh")
mirror=$("$top/scripts/debian-mirror.sh")
key=$( { md5sum <"$minbase"; echo "$mirror"; md5sum <"$0"; } | md5sum | cut -c1-12)
tarball=$dir/root-$key.tar
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ -f "$tarball" ] && [ -z "${FETCH_REFRESH:-}" ]; then
	echo "$tarball"
	exit 0
fi

work=$(mktemp -d "$dir/make.XXXXXX")
root=$work/root
log=$dir/make-root.log
# shellcheck source=scripts/chroot.sh
. "$top/scripts/chroot.sh"
trap 'chroot_umount "$root"; rm -rf "$work"' EXIT
mkdir -p "$root"
tar -C "$root" -xf "$minbase"
cp /etc/resolv.conf "$root/etc/resolv.conf"
echo "deb $mirror bookworm-backports main" >"$root/etc/apt/sources.list.d/bookworm-backports.list"
chroot_mount "$root"
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
echo "install-root: making the Debian 12 root for the install lane ($log)" >&2
{
	in_root apt-get -q update &&
	in_root apt-get -q install -y "${system_packages[@]}" &&
	in_root apt-get -q install -y -d --no-install-recommends "${user_packages[@]}" &&
	in_root apt-get -q install -y -d -t bookworm-backports "${backports_packages[@]}" &&
	in_root useradd -m -s /bin/bash member &&
	in_root useradd -m -s /bin/bash outsider
} >"$log" 2>&1 || {
	echo "install-root: making the root failed; see $log" >&2
	tail -n 10 "$log" >&2
	exit 1
}
# shellcheck disable=SC2016 # dpkg-query's own fields
in_root dpkg-query -W -f '${Package}=${Version}\n' >"$root/root/installed-packages"
chroot_umount "$root"
rm -f "$root/etc/resolv.conf"
tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
for old in "$dir"/root-*.tar; do
	[ "$old" = "$tarball" ] || rm -f "$old"
done
echo "$tarball"
