#!/bin/bash
# SPDX-License-Identifier: MIT
#
# debian/changelog from VERSION, the project's one version: the package is
# native (upstream and packaging are one repository), so its version is
# VERSION's, with no Debian revision.
#   scripts/debian-changelog.sh          write a new top entry when VERSION moved
#   scripts/debian-changelog.sh check    fail when the top entry is not VERSION
# debian/rules refuses to build on a mismatch too; make check runs "check".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
version=$(cat VERSION)
have=$(dpkg-parsechangelog -S Version 2>/dev/null || echo none)
if [ "${1:-}" = check ]; then
	[ "$have" = "$version" ] || { echo "debian/changelog is at $have, VERSION at $version: run scripts/debian-changelog.sh"; exit 1; }
	echo "debian/changelog and VERSION: $version"
	exit 0
fi
[ "$have" = "$version" ] && { echo "debian/changelog is already at $version"; exit 0; }
maint=$(sed -n 's/^Maintainer: //p' debian/control)
{
	echo "atomic-counter ($version) unstable; urgency=medium"
	echo
	echo "  * Release $version: see NEWS."
	echo
	echo " -- $maint  $(date -R)"
	echo
	cat debian/changelog 2>/dev/null || true
} >debian/changelog.new
mv debian/changelog.new debian/changelog
echo "debian/changelog: $version"
