#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Every file says its licence, and the licence's text ships with it: each
# file has an SPDX-License-Identifier line in its first three lines (after a
# shebang or a man page's first comment), and every licence and exception
# that line names has a text in LICENSES/, whose files declare what they
# are with the kernel's own tags (Valid-License-Identifier,
# SPDX-Exception-Identifier). A packager reads the licences from here and
# from debian/copyright, so a file outside both is a bug.
#
# usage: spdx-check.sh [FILE...]   (default: every file git tracks)
# Exits 1 after naming each file that fails, one line each.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

# Files that cannot carry a comment, each for its reason: the licence
# texts themselves (tagged as above); VERSION, read whole by make, dkms.conf
# and debian/rules; abidw's generated ABI baseline (regenerated, never
# edited); the debian/ files whose formats have no comment syntax, which
# debian/copyright covers; the bindings' LICENSE files, the plain MIT text
# that crates.io and Go's module tools expect of a package on its own.
exempt() {
	case $1 in
	LICENSES/*|VERSION|tests/abi/*.abi|bindings/*/LICENSE) return 0 ;;
	debian/changelog|debian/copyright|debian/source/format) return 0 ;;
	esac
	return 1
}

declare -A known=() exception=()
while IFS=: read -r _ id; do
	known[${id# }]=1
done < <(grep -rh '^Valid-License-Identifier:' LICENSES)
while IFS=: read -r _ id; do
	exception[${id# }]=1
done < <(grep -rh '^SPDX-Exception-Identifier:' LICENSES)

if [ $# -eq 0 ]; then
	mapfile -t files < <(git ls-files)
else
	files=("$@")
fi

rc=0
for f in "${files[@]}"; do
	exempt "$f" && continue
	[ -f "$f" ] || continue
	line=$(head -n 3 "$f" | grep -m 1 -o 'SPDX-License-Identifier: .*')
	if [ -z "$line" ]; then
		echo "$f: no SPDX-License-Identifier line in its first 3 lines"
		rc=1
		continue
	fi
	# The expression, without the comment's closing (*/, -->, a quote).
	expr=${line#SPDX-License-Identifier: }
	expr=$(printf '%s' "$expr" | sed -e 's|\*/.*||' -e 's|-->.*||' -e "s|'.*||" -e 's/[()]/ /g')
	after_with=0
	for word in $expr; do
		case $word in
		AND|OR) after_with=0 ;;
		WITH) after_with=1 ;;
		*)
			if [ $after_with = 1 ]; then
				[ -n "${exception[$word]:-}" ] ||
					{ echo "$f: exception $word has no text in LICENSES/"; rc=1; }
			else
				[ -n "${known[$word]:-}" ] ||
					{ echo "$f: licence $word has no text in LICENSES/"; rc=1; }
			fi
			after_with=0
			;;
		esac
	done
done
[ $rc -eq 0 ] && echo "${#files[@]} files: each licence named has its text in LICENSES/"
exit $rc
