#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The examples shown in README.md, docs/*.md and the man pages are the
# programs in examples/, which make check compiles: a page cannot show code
# that does not build.
#
# A page marks each example with the file it shows, on the line before it:
#   man pages:  .\" example: examples/NAME.c   then .EX ... .EE
#   Markdown:   <!-- example: examples/NAME.c -->   then ```c ... ```
#               (```rust and ```go blocks likewise, from examples/NAME.rs
#               and .go, which scripts/bindings.sh check compiles)
# The block is the file without its first (SPDX) line; in a man page
# escaped for roff (\ as \e, - as \-, a leading . or ' behind \&).
#
# examples.sh check   every C block marked, every marked block the same as its file
# examples.sh sync    rewrite every marked block from its file
# examples.sh list    the examples, one a line
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
mode=${1:-check}

pages() { ls README.md docs/*.md man/*.3 man/*.4 man/*.7 2>/dev/null; }

# render PAGE FILE: the block PAGE must show for FILE.
render() {
	case $1 in
	*.md) tail -n +2 "$2" ;;
	*) tail -n +2 "$2" | sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" ;;
	esac
}

# blocks PAGE: "MARK<TAB>LINE<TAB>FILE" for every marker, "OPEN<TAB>LINE" for
# every C block without one, "BODY<TAB>LINE<TAB>TEXT" for its lines.
blocks() {
	local open close marker
	case $1 in
	*.md) open='^```(c|rust|go)$' close='^```$' marker='^<!-- example: (.*) -->$' ;;
	*) open='^[.]EX$' close='^[.]EE$' marker='^[.]\\\\" example: (.*)$' ;;
	esac
	awk -v open="$open" -v close_="$close" -v marker="$marker" '
		in_block && $0 ~ close_ { in_block = 0; next }
		in_block { printf "BODY\t%d\t%s\n", NR, $0; next }
		$0 ~ open { in_block = 1; if (!marked) printf "OPEN\t%d\n", NR; marked = 0; next }
		{ marked = 0 }
		$0 ~ marker { f = $0; sub(/^[^:]*: /, "", f); sub(/ -->$/, "", f); printf "MARK\t%d\t%s\n", NR, f; marked = 1 }
	' "$1"
}

rc=0
case $mode in
list)
	ls examples/*.c
	;;
check)
	for page in $(pages); do
		out=$(blocks "$page")
		while IFS=$'\t' read -r kind line rest; do
			case $kind in
			OPEN)
				echo "$page:$line: an example with no example marker before it (see scripts/examples.sh)"
				rc=1 ;;
			MARK)
				if [ ! -f "$rest" ]; then
					echo "$page:$line: $rest: no such example"
					rc=1
					continue
				fi
				got=$(printf '%s\n' "$out" | awk -F'\t' -v l="$line" '
					$1 == "MARK" && $2 > l { exit } $1 == "OPEN" && $2 > l { exit }
					$1 == "BODY" && $2 > l { sub(/^BODY\t[0-9]+\t/, ""); print }')
				if ! diff -u --label "$rest (as $page must show it)" --label "$page:$line" \
					<(render "$page" "$rest") <(printf '%s\n' "$got"); then
					echo "$page:$line: differs from $rest (scripts/examples.sh sync rewrites it)"
					rc=1
				fi ;;
			esac
		done <<<"$out"
	done
	;;
sync)
	for page in $(pages); do
		blocks "$page" | grep -q '^MARK' || continue
		tmp=$(mktemp)
		case $page in
		*.md) open='^```(c|rust|go)$' close='^```$' marker='^<!-- example: .* -->$' ;;
		*) open='^\.EX$' close='^\.EE$' marker='^\.\\" example: .*$' ;;
		esac
		while IFS= read -r l || [ -n "$l" ]; do
			printf '%s\n' "$l"
			if [[ $l =~ $marker ]]; then
				f=${l#*: }
				f=${f% -->}
				IFS= read -r l && printf '%s\n' "$l"		# the opening line
				while IFS= read -r l && ! [[ $l =~ $close ]]; do :; done
				render "$page" "$f"
				printf '%s\n' "$l"
			fi
		done <"$page" >"$tmp"
		cmp -s "$tmp" "$page" || { cat "$tmp" >"$page"; echo "rewrote $page"; }
		rm -f "$tmp"
	done
	;;
*)
	echo "usage: examples.sh check|sync|list" >&2
	exit 2
	;;
esac
exit $rc
