/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Generated from VERSION by userspace/Makefile: the version of <atomic_counter.h>. */
#ifndef ATOMIC_COUNTER_VERSION_H
#define ATOMIC_COUNTER_VERSION_H
#define AC_VERSION_MAJOR 0
#define AC_VERSION_MINOR 4
#define AC_VERSION_PATCH 0
#define AC_VERSION_STRING "0.4.0"
/* AC_VERSION_NUMBER >= AC_VERSION_CODE(0, 3, 0): the header is 0.3.0 or later. */
#define AC_VERSION_CODE(major, minor, patch) (((major) << 16) | ((minor) << 8) | (patch))
#define AC_VERSION_NUMBER AC_VERSION_CODE(AC_VERSION_MAJOR, AC_VERSION_MINOR, AC_VERSION_PATCH)
#endif
