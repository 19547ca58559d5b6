#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The install lane (make check LANES=install): the Debian packages that make
# deb builds, treated as a user treats them, on a real Debian 12 booted with
# systemd as PID 1 (not the busybox initramfs of the other lanes). Each
# check is one TAP line named after what it shows:
#  - apt install ./*.deb in a Debian 12 root (tests/vm/install-root.sh:
#    minbase, systemd, udev, Debian's cloud kernel and its headers), in a
#    chroot: DKMS builds the module for the root's kernel at install time,
#    signs it with its MOK key, the package creates the group;
#  - the selftests built there against the installed -dev package with
#    pkg-config;
#  - a new kernel: its image alone makes DKMS say that it has no headers
#    and apt succeed; its headers (bookworm-backports' 6.12) make DKMS build
#    the module for it with no command from the user;
#  - kernels the module cannot build for (stand-in header packages, below):
#    a 32-bit one is skipped and apt succeeds; a build that fails shows
#    what dkms 3.0.10 does, and apt working again once it is removed;
#  - the root packed into an ext4 image (mkfs.ext4 -d, no loop device) and
#    booted in QEMU with its own kernel and initramfs, on 6.1 and on 6.12:
#    tests/vm/install-guest.sh checks the module systemd-modules-load
#    loaded, the node udev made, the tool and the selftests as a member of
#    the group, the message to a user outside it; its TAP lines and exit
#    status come back over the serial console;
#  - apt purge of the four packages leaves nothing behind;
#  - an upgrade from the previous version's packages (this tree relabelled
#    one version lower: 0.4.0, the last release, had no Debian packages)
#    rebuilds the module for every kernel.
# The guest has no network; the chroot's apt uses the mirror only when the
# root is made (it is cached, see install-root.sh); later runs install
# from the root's own package cache.
#
# usage: install-lane.sh MAKE [DEBDIR]
#   DEBDIR: the four .debs of this tree when make check has just built them
#   (its host step); else the lane runs make deb itself.
set -u
make=${1:-make}
debdir=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top" || exit 2
version=$(cat VERSION)
work=$top/build/install-lane
root=$work/root
logdir=$top/build/vm-logs
t0=$SECONDS
# The guests' time limit: a Debian boot under TCG on a loaded 2-core host
# (measured in docs/testing.md), then the selftests.
limit=${INSTALL_TIMEOUT:-900}

ok() { echo "ok install.$1"; }
# not_ok NAME REASON [LOG]: the reason on the line, the log's tail below.
not_ok() {
	echo "not ok install.$1 # $2"
	[ -f "${3:-}" ] && tail -n 30 "$3" | sed 's/^/#   /'
	return 0
}
# check NAME COMMAND...: one TAP line; the command's output kept in
# $work/NAME.log and shown on failure.
check() {
	local name=$1
	shift
	if "$@" >"$work/$name.log" 2>&1; then
		ok "$name"
	else
		not_ok "$name" "$(tail -n 1 "$work/$name.log")" "$work/$name.log"
	fi
}

# shellcheck source=scripts/chroot.sh
. "$top/scripts/chroot.sh"
umount_all() { chroot_umount "$root"; }
mount_all() { chroot_mount "$root"; }
trap umount_all EXIT

# in_root COMMAND...: as root in the chroot, with nothing of this
# machine's environment.
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

[ "$(id -u)" = 0 ] || { not_ok setup "needs root (chroot, mount)"; exit 1; }
for c in chroot mkfs.ext4 qemu-system-x86_64 dpkg-deb timeout; do
	command -v $c >/dev/null || { not_ok setup "no $c: make deps"; exit 1; }
done
umount_all
rm -rf "$work"
mkdir -p "$work" "$logdir"

# 1. The packages: this tree's (make deb), and the previous version's.
arch=$(dpkg --print-architecture)
debs() { # DIR VERSION: the four .debs of VERSION in DIR
	local p
	for p in atomic-counter-dkms_"$2"_all atomic-counter_"$2"_"$arch" \
		libatomic-counter0_"$2"_"$arch" libatomic-counter-dev_"$2"_"$arch"; do
		[ -f "$1/$p.deb" ] || { echo "no $1/$p.deb" >&2; return 1; }
		echo "$1/$p.deb"
	done
}
if [ -z "$debdir" ]; then
	debdir=$top/build/deb
	$make -s deb >"$work/make-deb.log" 2>&1 || { not_ok debs-build "make deb failed" "$work/make-deb.log"; exit 1; }
fi
debs "$debdir" "$version" >/dev/null 2>"$work/debs.log" || { not_ok debs-build "$(cat "$work/debs.log")"; exit 1; }
# The previous version: the tracked files relabelled one version lower
# (VERSION and debian/changelog's top entry, which debian/rules keeps
# equal), built without the host tests make check has just run on the
# same code. Upgrading from it runs the old package's prerm and the new
# one's postinst, which is what an upgrade exercises.
IFS=. read -r major minor patch <VERSION
if [ "$patch" -gt 0 ]; then
	prev=$major.$minor.$((patch - 1))
elif [ "$minor" -gt 0 ]; then
	prev=$major.$((minor - 1)).99
else
	prev=$((major - 1)).99.99
fi
prevsrc=$work/prev/atomic-counter-$prev
mkdir -p "$prevsrc"
git ls-files -z | xargs -0 cp --parents -t "$prevsrc"
echo "$prev" >"$prevsrc/VERSION"
sed -i "1s/($version)/($prev)/" "$prevsrc/debian/changelog"
if ! (cd "$prevsrc" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) >"$work/make-deb-prev.log" 2>&1 ||
	! debs "$work/prev" "$prev" >/dev/null 2>>"$work/make-deb-prev.log"; then
	not_ok previous-version-debs-build "building $prev's packages failed" "$work/make-deb-prev.log"
	exit 1
fi
t1=$SECONDS

# 2. The Debian 12 root, from the cache (made there the first time).
if ! tarball=$("$here/install-root.sh" 2>"$work/install-root.log"); then
	not_ok root "making the Debian 12 root failed" "$work/install-root.log"
	exit 1
fi
mkdir -p "$root"
tar -C "$root" -xf "$tarball"
mount_all || { not_ok root "mounting /proc, /sys, /dev in the root failed"; exit 1; }
mkdir -p "$root/root/debs/new" "$root/root/debs/prev"
# shellcheck disable=SC2046 # one path a line, none with a space
cp $(debs "$debdir" "$version") "$root/root/debs/new/"
# shellcheck disable=SC2046
cp $(debs "$work/prev" "$prev") "$root/root/debs/prev/"
# The root's kernels by their images (DKMS makes /lib/modules/KVER for a
# kernel it was asked about, this machine's among them).
newest_kernel() { find "$root/boot" -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n 1; }
k61=$(newest_kernel)
ok "root # Debian 12 with systemd, udev and linux-image-$k61 from $(basename "$tarball"), $((SECONDS - t1)) s"
t2=$SECONDS

# 3. apt install ./*.deb, as the README says; DKMS builds the module for
# the root's kernel (not this machine's, which the root has no headers of).
# ko KVER [NAME]: DKMS's module for KVER, as dkms 3.0.10 installs it:
# compressed where the kernel compresses its own (Debian's 6.12: .ko.xz).
ko() {
	local f
	for f in "$root/lib/modules/$1/updates/dkms/${2:-atomic_counter}".ko{,.xz,.zst,.gz}; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	echo "$root/lib/modules/$1/updates/dkms/${2:-atomic_counter}.ko"
	return 1
}
built_for() { # KVER VERSION: DKMS's module for KVER is installed and is VERSION
	local f
	f=$(ko "$1") || { echo "no $f"; return 1; }
	[ "$(modinfo -F version "$f")" = "$2" ] || { echo "$f is version $(modinfo -F version "$f"), not $2"; return 1; }
	[ "$(modinfo -F vermagic "$f" | cut -d' ' -f1)" = "$1" ] || { echo "$f is not built for $1"; return 1; }
	ko "$1" atomic_counter_forks >/dev/null || { echo "no atomic_counter_forks.ko for $1"; return 1; }
	in_root dkms status -m atomic-counter -k "$1"
	in_root dkms status -m atomic-counter -k "$1" | grep -q "^atomic-counter/$2, $1, [^:]*: installed" ||
		{ echo "dkms status does not say installed for $1"; return 1; }
	echo "$f: $2, for $1"
}
apt_install_builds() {
	in_root sh -c 'cd /root/debs/new && apt-get install -y --no-install-recommends ./*.deb' || return 1
	built_for "$k61" "$version"
}
check apt-install-debs-builds-the-module-for-the-installed-kernel apt_install_builds

# Secure Boot: DKMS signs what it builds with its own key once openssl is
# there (dkms 3.0.10 makes the key on first use); the signature names that
# key's certificate (its subject and serial number), the one the README's
# mokutil --import enrols.
signed_with_dkms_mok() {
	local f cert subject serial
	f=$(ko "$k61")
	cert=$root/var/lib/dkms/mok.pub
	[ -f "$cert" ] || { echo "no $cert: DKMS made no MOK key"; return 1; }
	subject=$(openssl x509 -inform DER -in "$cert" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')
	serial=$(openssl x509 -inform DER -in "$cert" -noout -serial | sed 's/^serial=//')
	echo "module: signer '$(modinfo -F signer "$f")', key $(modinfo -F sig_key "$f"); mok.pub: '$subject', serial $serial"
	[ -n "$subject" ] && [ "$(modinfo -F signer "$f")" = "$subject" ] &&
		[ "$(modinfo -F sig_key "$f" | tr -d ':')" = "$serial" ]
}
check dkms-signs-the-module-with-its-mok-key signed_with_dkms_mok

# The group (sysusers.d, at install), and a user added to it as the README
# says.
group_created() {
	in_root getent group atomic_counter || { echo "no group atomic_counter"; return 1; }
	in_root usermod -aG atomic_counter member && in_root id member
}
check package-creates-the-group group_created

# The selftests, built as a developer builds against the installed
# packages: the headers and library that pkg-config names, dynamically
# linked; the kselftest harness is the kernel's (linux-source-6.1).
selftests_build() {
	local ksrc dst=$root/opt/ac-selftests t progs lib
	ksrc=$(scripts/kernel-files.sh) || return 1
	mkdir -p "$dst/ksft"
	cp "$ksrc"/tools/testing/selftests/kselftest_harness.h "$ksrc"/tools/testing/selftests/kselftest.h "$dst/ksft/"
	cp tests/selftests/*.c tests/selftests/*.h tests/run-tests.sh "$dst/"
	progs=$(sed -n 's/^TEST_GEN_PROGS := //p' tests/selftests/Makefile)
	for t in $progs; do
		# The library's own tests reach its internals (ac__check_info),
		# which only the static library has: they link it, as
		# tests/selftests/Makefile does; the rest link what
		# pkg-config --libs names, the shared library.
		# (Expanded in the chroot, by its sh.)
		# shellcheck disable=SC2016
		case $t in
		lib_test | wait_test | striped_test) lib='$(pkg-config --variable=libdir atomic_counter)/libatomic_counter.a' ;;
		*) lib='$(pkg-config --libs atomic_counter)' ;;
		esac
		in_root sh -c "cd /opt/ac-selftests && gcc -std=gnu11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
			-Wno-sign-compare -D_GNU_SOURCE -DAC_VERSION='\"$version\"' \$(pkg-config --cflags atomic_counter) -Iksft \
			-o $t $t.c $lib -lpthread" || return 1
		echo "$t: $(in_root ldd "/opt/ac-selftests/$t" | grep -o 'libatomic_counter[^ ]* => [^ ]*' || echo 'static library')"
	done
	rm -f "$dst"/*.c "$dst"/*.h
}
check selftests-build-against-the-installed-dev-package-with-pkg-config selftests_build

# 4. A new kernel: bookworm-backports' cloud kernel, its image alone first
# (the versioned package the metapackage names, which pulls no headers),
# then the metapackages, as a user following that kernel installs them,
# which brings its headers.
image_without_headers() {
	local image out=$work/kernel-image.out rc
	image=$(in_root apt-cache depends -t bookworm-backports linux-image-cloud-amd64 |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
	[ -n "$image" ] || { echo "no versioned image behind bookworm-backports' linux-image-cloud-amd64"; return 1; }
	in_root apt-get install -y "$image" >"$out" 2>&1
	rc=$?
	cat "$out"
	[ $rc = 0 ] || { echo "apt-get install $image exited $rc"; return 1; }
	grep -q "autoinstall for kernel .* was skipped since the kernel headers for this kernel do not seem to be installed" \
		"$out" || { echo "DKMS did not say that the new kernel has no headers"; return 1; }
}
check new-kernel-without-headers-dkms-says-so-and-apt-succeeds image_without_headers
k612=$(newest_kernel)
headers_build() {
	in_root apt-get install -y -t bookworm-backports linux-image-cloud-amd64 linux-headers-cloud-amd64 || return 1
	built_for "$k612" "$version"
}
check new-kernel-headers-make-dkms-build-the-module-for-it headers_build

# 5. Kernels the module cannot build for. Debian 12 has none on amd64 (its
# 32-bit kernels' headers are i386 packages that need i386's gcc), so two
# stand-in header packages, made here: Debian's own header postinst (the
# 6.1 headers' maintainer script with the stand-in's version: run-parts
# /etc/kernel/header_postinst.d, whose dkms hook runs dkms autoinstall),
# a tree with a .config and an include directory (what DKMS looks for),
# and a kbuild Makefile that fails.
#   32bit: a kernel without CONFIG_64BIT, which dkms.conf's
#     BUILD_EXCLUSIVE_CONFIG excludes;
#   broken: a 64-bit kernel whose build fails (an API the module does not
#     know yet).
# dkms 3.0.10 (Debian 12) fails the autoinstall in both (an excluded
# kernel's exit status 77 counts as a failure there), so the headers fail
# to configure and apt exits 100; nothing in the module's package can
# change that (docs/install.md says why). What the lane holds to: the
# failure names its cause, the module of every other kernel is untouched,
# and apt works again once those headers are removed, the one command
# docs/install.md gives.
standin() { # KVER CONFIG: build /root/debs/linux-headers-KVER.deb in the root
	local kv=$1 d=$work/standin-$1 post
	mkdir -p "$d/DEBIAN" "$d/usr/src/linux-headers-$kv/include" "$d/lib/modules/$kv"
	printf '%s\n' "$2" >"$d/usr/src/linux-headers-$kv/.config"
	printf 'modules:\n\t@echo "stand-in headers of %s: no module builds here" >&2; exit 1\n%%:\n\t@true\n' "$kv" \
		>"$d/usr/src/linux-headers-$kv/Makefile"
	ln -s "/usr/src/linux-headers-$kv" "$d/lib/modules/$kv/build"
	post=$root/var/lib/dpkg/info/linux-headers-$k61.postinst
	[ -f "$post" ] || { echo "no $post"; return 1; }
	sed "s/$k61/$kv/g" "$post" >"$d/DEBIAN/postinst"
	chmod 755 "$d/DEBIAN/postinst"
	printf 'Package: linux-headers-%s\nVersion: 1\nArchitecture: all\nMaintainer: install lane <nobody@localhost>\nDescription: stand-in kernel headers the module cannot build against\n' \
		"$kv" >"$d/DEBIAN/control"
	dpkg-deb -b "$d" "$root/root/debs/linux-headers-$kv.deb"
}
# unbuildable KVER CONFIG CAUSE: what apt does with those headers, and apt
# after they are purged.
unbuildable() {
	local kv=$1 rc
	standin "$kv" "$2" || return 1
	in_root apt-get install -y "/root/debs/linux-headers-$kv.deb" >"$work/$kv.out" 2>&1
	rc=$?
	cat "$work/$kv.out"
	echo "apt-get install linux-headers-$kv: exit $rc"
	if [ $rc = 0 ]; then
		echo "apt-get succeeded: not what dkms 3.0.10 does; update docs/install.md and this check"
		return 1
	fi
	grep -q -- "$3" "$work/$kv.out" || { echo "apt's output does not say '$3'"; return 1; }
	in_root dpkg --audit | grep "linux-headers-$kv" || { echo "dpkg --audit does not name the headers"; return 1; }
	in_root apt-get purge -y "linux-headers-$kv" || return 1
	[ -z "$(in_root dpkg --audit)" ] || { echo "dpkg --audit still finds packages to configure"; return 1; }
	in_root apt-get install -y --no-install-recommends "/root/debs/new/atomic-counter_${version}_$arch.deb" || return 1
	built_for "$k61" "$version" && built_for "$k612" "$version"
}
check 32-bit-kernel-headers-fail-to-configure-saying-build-exclusive-and-apt-recovers-without-them \
	unbuildable 6.1.0-0-standin-32bit CONFIG_X86_32=y "BUILD_EXCLUSIVE directive which does not match this kernel"
check failed-build-fails-the-headers-configure-naming-make-log-and-apt-recovers-without-them \
	unbuildable 6.1.0-0-standin-broken CONFIG_64BIT=y "/var/lib/dkms/atomic-counter/$version/build/make.log"
t3=$SECONDS

# 6. The root as a disk, booted with its own kernel and initramfs. The
# checks run from a oneshot unit after multi-user.target, on the serial
# console (no getty there), and power the guest off whatever they found.
cp "$here/install-guest.sh" "$root/usr/local/sbin/ac-install-check"
chmod 755 "$root/usr/local/sbin/ac-install-check"
cat >"$root/etc/systemd/system/ac-install-check.service" <<'EOF'
[Unit]
Description=atomic_counter install lane checks
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/ac-install-check
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
# The script powers off itself; this, if it is killed.
FailureAction=poweroff-force

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/ac-install-check.service "$root/etc/systemd/system/multi-user.target.wants/"
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
echo install-lane >"$root/etc/hostname"
umount_all
image=$work/root.ext4
size=$(($(du -sm "$root" | cut -f1) * 12 / 10 + 256))
if ! mkfs.ext4 -q -F -L root -d "$root" "$image" "${size}M" >"$work/mkfs.log" 2>&1; then
	not_ok image "mkfs.ext4 -d failed" "$work/mkfs.log"
	exit 1
fi
ok "image # ext4 of ${size} MB, made by mkfs.ext4 -d"

# boot NAME KVER CPU SELFTESTS: boot the image on KVER (its writes go to a
# throwaway overlay: each boot starts from the installed state) and print
# the guest's TAP lines; fails when the guest's last line is not
# "@@VM-EXIT 0".
boot() {
	local name=$1 kv=$2 cpu=$3 selftests=$4 log=$logdir/install-$1.log rc status n
	for n in 1 2; do
		timeout -k 5 "$limit" qemu-system-x86_64 -M pc -accel tcg,thread=multi -cpu "$cpu" \
			-smp "${CHECK_CPUS:-4}" -m 2048 -display none -monitor none -serial stdio -no-reboot -nic none \
			-drive "file=$image,format=raw,if=virtio,snapshot=on" \
			-kernel "$root/boot/vmlinuz-$kv" -initrd "$root/boot/initrd.img-$kv" \
			-append "root=/dev/vda rw console=ttyS0 panic=-1 quiet loglevel=3 systemd.show_status=0 no_timer_check tsc=reliable ac_install=$name ac_install_selftests=$selftests" \
			</dev/null >"$log" 2>&1
		rc=$?
		tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"
		# A guest that died in the kernel's own boot, with no module
		# loaded at all (QEMU 7.2's TCG can leave an int3 of the
		# kernel's text patching in a translated block: "Oops: int3",
		# as run-vm.sh's died_in_boot handles for the kernel lanes)
		# proves nothing either way: once more; twice fails below.
		if [ "$n" = 2 ] || grep -q '^@@VM-EXIT ' "$log" ||
			! grep -Eq 'Oops|Kernel panic' "$log" ||
			grep -Eq 'Modules linked in: *[^ ]' "$log"; then
			break
		fi
		echo "# install: $name: the kernel crashed in its own boot, no module loaded: booting once more"
		sed -n '/Oops\|Kernel panic/{p;q}' "$log" | sed 's/^/#   /'
	done
	grep -E '^(not )?ok install\.|^# ' "$log"
	status=$(sed -n 's/^@@VM-EXIT \([0-9]*\)$/\1/p' "$log" | tail -n 1)
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		not_ok "$name.boot" "guest did not finish within ${limit}s (log: $log)" "$log"
	elif [ -z "$status" ]; then
		not_ok "$name.boot" "guest died before reporting (qemu exit $rc; log: $log)" "$log"
	elif [ "$status" != 0 ]; then
		not_ok "$name.boot" "the checks in the guest exited $status (log: $log)"
	else
		ok "$name.boot # $kv, systemd as PID 1, exit status 0 over the serial console"
		rm -f "$log"
	fi
}
boot boot-6.1 "$k61" max 1
# 6.12 under QEMU 7.2's TCG needs -cx16 (tests/vm/lanes.sh).
boot boot-6.12 "$k612" max,-cx16 0
t4=$SECONDS

# 7. apt purge of the four packages: nothing of theirs is left. The group
# stays, as Debian leaves every system group a package made: files may
# still carry its gid, which a group made later would inherit
# (docs/install.md says so).
mount_all || { not_ok purge "mounting /proc, /sys, /dev in the root failed"; exit 1; }
purge_leaves_nothing() {
	local left f
	in_root apt-get purge -y atomic-counter-dkms atomic-counter libatomic-counter0 libatomic-counter-dev || return 1
	# No file at all under updates (only DKMS puts any there); in the
	# other places a package of ours wrote to, nothing named after it
	# (DKMS's own MOK key stays in /var/lib/dkms, the C library's
	# atomic_wide_counter.h is not ours).
	left=$(cd "$root" && { find lib/modules/*/updates ! -type d 2>/dev/null
		find usr/src var/lib/dkms usr/lib/udev/rules.d etc/udev usr/lib/modules-load.d \
			etc/modules-load.d usr/lib/sysusers.d usr/include usr/lib/x86_64-linux-gnu usr/bin \
			usr/share/man usr/share/doc usr/share/bash-completion \
			\( -name '*atomic_counter*' -o -name '*atomic-counter*' \) 2>/dev/null; })
	[ -z "$left" ] || { echo "left behind:"; echo "$left"; return 1; }
	for f in updates/dkms/atomic_counter.ko updates/dkms/atomic_counter_forks.ko; do
		if [ -e "$root/lib/modules/$k61/$f" ] || [ -e "$root/lib/modules/$k612/$f" ]; then
			echo "$f left behind"
			return 1
		fi
		! grep -q atomic_counter "$root/lib/modules/$k61/modules.dep" "$root/lib/modules/$k612/modules.dep" ||
			{ echo "modules.dep still names the module"; return 1; }
	done
	[ -z "$(in_root dkms status -m atomic-counter)" ] || { echo "dkms status still lists atomic-counter"; return 1; }
	! in_root dpkg -l | grep -E 'atomic-counter|libatomic-counter' || { echo "dpkg still lists them"; return 1; }
	for f in /usr/bin/atomic-counter /usr/lib/udev/rules.d/60-atomic_counter.rules \
		/usr/lib/modules-load.d/atomic_counter.conf /usr/lib/sysusers.d/atomic_counter.conf \
		/usr/src/atomic-counter-"$version"/dkms.conf /usr/include/atomic_counter.h \
		/usr/lib/x86_64-linux-gnu/libatomic_counter.so.0 /usr/share/man/man3/ac_add.3.gz; do
		! in_root dpkg -S "$f" 2>/dev/null || { echo "dpkg -S still finds $f"; return 1; }
	done
	in_root getent group atomic_counter || { echo "the group was removed (docs/install.md says it stays)"; return 1; }
	echo "nothing left; the group stays, as documented"
}
check apt-purge-leaves-nothing-behind-but-the-group purge_leaves_nothing

# 8. An upgrade: the previous version's packages installed as a user had
# them, then this version's: DKMS removes the old module and builds the
# new for every kernel with headers, the tool and library are the new.
upgrade_rebuilds() {
	in_root sh -c 'cd /root/debs/prev && apt-get install -y --no-install-recommends ./*.deb' || return 1
	built_for "$k61" "$prev" && built_for "$k612" "$prev" || return 1
	in_root sh -c 'cd /root/debs/new && apt-get install -y --no-install-recommends ./*.deb' || return 1
	built_for "$k61" "$version" && built_for "$k612" "$version" || return 1
	if [ -e "$root/usr/src/atomic-counter-$prev" ] || [ -e "$root/var/lib/dkms/atomic-counter/$prev" ]; then
		echo "$prev's DKMS tree is still there"
		return 1
	fi
	in_root atomic-counter --version
	in_root atomic-counter --version | grep -q "$version" || { echo "the tool is not $version"; return 1; }
	[ -z "$(in_root dpkg --audit)" ]
}
check upgrade-from-the-previous-version-rebuilds-the-module upgrade_rebuilds
umount_all

# Where the lane's time goes (CI's budget).
echo "# install: $((t1 - t0)) s packages, $((t2 - t1)) s root, $((t3 - t2)) s apt and DKMS in the root, $((t4 - t3)) s image and boots, $((SECONDS - t4)) s purge and upgrade"
