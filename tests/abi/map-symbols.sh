#!/bin/sh
# SPDX-License-Identifier: MIT
#
# usage: map-symbols.sh VERSION-SCRIPT
# Each global symbol a GNU ld version script names, with its node, one
# "symbol node" line each: what a program linked against a library built
# with that script binds its references to. Names only, no patterns (the
# library's scripts list every symbol; "local: *" is the one pattern).
awk '
	/^[A-Za-z_][A-Za-z0-9_.]* *\{/ { node = $1; scope = "global"; next }
	/^[ \t]*global:/ { scope = "global"; next }
	/^[ \t]*local:/ { scope = "local"; next }
	/^[ \t]*\}/ { node = ""; next }
	node != "" && scope == "global" && /^[ \t]*[A-Za-z_][A-Za-z0-9_]*;/ {
		sub(/^[ \t]*/, ""); sub(/;.*/, ""); print $0, node
	}' "${1:?usage: map-symbols.sh VERSION-SCRIPT}"
