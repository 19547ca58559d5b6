# SPDX-License-Identifier: MIT
# Guest job for make demo: the module in use, as its users use it.
set -e
echo
echo "== /dev/atomic_counter"
ls -l /dev/atomic_counter
echo
echo "== ten processes, one counter"
ac-demo
echo
echo "== atomic-counter info"
atomic-counter info
echo
echo "== atomic-counter: set, add, cmpxchg, then list"
atomic-counter set 1 41
atomic-counter inc 1
atomic-counter --relaxed add 2 -7
atomic-counter cmpxchg 3 0 100
atomic-counter list
echo
