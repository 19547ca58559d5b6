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
echo "== named counters, and a kernel counter from the sample module"
insmod /bin/atomic_counter_forks.ko
atomic-counter create jobs.done
atomic-counter add jobs.done 1000
before=$(atomic-counter get kernel.forks)
for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done
echo "kernel.forks: $before before ten commands, $(atomic-counter get kernel.forks) after"
atomic-counter set kernel.forks 0 || echo "(kernel counters are read-only to userspace)"
echo "kernel.forks_striped (the same count, a slot per CPU): $(atomic-counter get kernel.forks_striped)"
atomic-counter create --striped http.requests
atomic-counter add http.requests 5
echo
echo "== atomic-counter export (Prometheus text format)"
atomic-counter export
echo
echo "== /sys/kernel/debug/atomic_counter/counters"
cat /sys/kernel/debug/atomic_counter/counters
rmmod atomic_counter_forks
echo
