#!/bin/sh
# SPDX-License-Identifier: MIT
#
# usage: check-refs.sh PROGRAM VERSION-SCRIPT
# Fails unless every library function PROGRAM calls (its undefined ac_*
# dynamic symbols) is bound to the symbol version VERSION-SCRIPT gives it:
# proof that the program was linked as a program of that release was, not
# against the library as built now (whose ac_batch, say, is at
# ATOMIC_COUNTER_0.5). Prints the references.
prog=${1:?usage: check-refs.sh PROGRAM VERSION-SCRIPT}
map=${2:?usage: check-refs.sh PROGRAM VERSION-SCRIPT}
here=$(dirname "$0")
refs=$(readelf --dyn-syms -W "$prog" | awk '$7 == "UND" && $8 ~ /^ac_/ { print $8 }' | sort) || exit 1
want=$("$here/map-symbols.sh" "$map" | awk '{ print $1 "@" $2 }' | sort) || exit 1
[ -n "$refs" ] || { echo "$prog: no versioned reference to the library"; exit 1; }
printf '%s\n' "$refs"
bad=$(printf '%s\n' "$refs" | grep -vxF "$want")
[ -z "$bad" ] || { printf '%s: not as %s binds them:\n%s\n' "$prog" "$map" "$bad"; exit 1; }
