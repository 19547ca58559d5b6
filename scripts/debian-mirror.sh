#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Print the URI of this machine's Debian mirror: the source apt installs the
# release's own suite from (bookworm on Debian 12, component main). apt
# itself reads the sources (apt-get indextargets), so every form it accepts
# is found: the one-line /etc/apt/sources.list that the Debian installer and
# debootstrap write, and deb822 /etc/apt/sources.list.d/*.sources files.
# The security archive and -updates are other suites, so never chosen.
set -eu
# shellcheck disable=SC1091
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || { echo "debian-mirror: no VERSION_CODENAME in /etc/os-release" >&2; exit 1; }
# --no-release-info: from the configuration alone, before any apt-get update.
# shellcheck disable=SC2016
uri=$(apt-get indextargets --no-release-info --format '$(REPO_URI)' "Release: $codename" \
	'Component: main' 'Target-Of: deb' 'Created-By: Packages' | head -n 1)
[ -n "$uri" ] || {
	echo "debian-mirror: apt has no source for $codename main (apt-get indextargets); add one, e.g. 'deb http://deb.debian.org/debian $codename main' to /etc/apt/sources.list" >&2
	exit 1
}
echo "${uri%/}"
