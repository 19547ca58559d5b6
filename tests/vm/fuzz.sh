# SPDX-License-Identifier: MIT
# Guest job for make fuzz: a long ac-fuzz run; the seed is printed first.
ac-fuzz -p "${FUZZ_PROCS:-8}" -t "${FUZZ_SECONDS:-600}"
