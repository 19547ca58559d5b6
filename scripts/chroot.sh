# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The mounts a Debian root needs to run apt, DKMS and builds in a chroot
# (make check-fresh's root, the install lane's). Sourced.

# chroot_mount ROOT: /proc, /sys, /dev and /dev/pts of this machine in ROOT.
chroot_mount() {
	mount -t proc proc "$1/proc" && mount --bind /sys "$1/sys" &&
		mount --bind /dev "$1/dev" && mount --bind /dev/pts "$1/dev/pts"
}

# chroot_umount ROOT: whichever of them are mounted, lazily (a process that
# outlived its chroot must not keep the root from being removed).
chroot_umount() {
	local m
	for m in dev/pts dev sys proc; do
		mountpoint -q "$1/$m" 2>/dev/null && umount -l "$1/$m"
	done
	return 0
}
