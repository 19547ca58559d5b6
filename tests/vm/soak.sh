# SPDX-License-Identifier: MIT
# Guest job for make soak.
ac-soak -p "${SOAK_PROCS:-16}" -t "${SOAK_SECONDS:-600}"
