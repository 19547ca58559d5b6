// SPDX-License-Identifier: MIT
/*
 * The ordering proof's page probe: one function per inline page operation
 * of <atomic_counter.h>, so that its disassembly for aarch64 shows the
 * instruction (or libgcc's __aarch64_* helper) each C11 order becomes.
 * Read by tests/ordering/check_orderings.py; built, never run.
 */
#include <atomic_counter.h>

#define PP(name, expr) \
	__attribute__((noinline)) int64_t pp_##name(ac_counter_t *v, int64_t i, int64_t u); \
	__attribute__((noinline)) int64_t pp_##name(ac_counter_t *v, int64_t i, int64_t u) \
	{ (void)i; (void)u; return (int64_t)(expr); }
#define PP_VOID(name, expr) PP(name, ((expr), 0))

/* Each ordering of an operation: none (fully ordered), relaxed, acquire, release. */
#define PP4(name, ...) \
	PP(name, ac_##name(__VA_ARGS__)) \
	PP(name##_relaxed, ac_##name##_relaxed(__VA_ARGS__)) \
	PP(name##_acquire, ac_##name##_acquire(__VA_ARGS__)) \
	PP(name##_release, ac_##name##_release(__VA_ARGS__))

PP(read, ac_read(v))
PP(read_acquire, ac_read_acquire(v))
PP_VOID(set, ac_set(v, i))
PP_VOID(set_release, ac_set_release(v, i))
PP(consistent_counter_get, ac_consistent_counter_get((ac_consistent_counter){ v }))

PP_VOID(add, ac_add(i, v))
PP_VOID(add_full, ac_add_full(i, v))
PP_VOID(sub, ac_sub(i, v))
PP_VOID(sub_full, ac_sub_full(i, v))
PP_VOID(inc, ac_inc(v))
PP_VOID(inc_full, ac_inc_full(v))
PP_VOID(dec, ac_dec(v))
PP_VOID(dec_full, ac_dec_full(v))
PP_VOID(and, ac_and(i, v))
PP_VOID(and_full, ac_and_full(i, v))
PP_VOID(or, ac_or(i, v))
PP_VOID(or_full, ac_or_full(i, v))
PP_VOID(xor, ac_xor(i, v))
PP_VOID(xor_full, ac_xor_full(i, v))
PP_VOID(andnot, ac_andnot(i, v))
PP_VOID(andnot_full, ac_andnot_full(i, v))

PP4(fetch_add, i, v)
PP4(fetch_sub, i, v)
PP4(fetch_inc, v)
PP4(fetch_dec, v)
PP4(fetch_and, i, v)
PP4(fetch_or, i, v)
PP4(fetch_xor, i, v)
PP4(fetch_andnot, i, v)
PP4(add_return, i, v)
PP4(sub_return, i, v)
PP4(inc_return, v)
PP4(dec_return, v)
PP4(xchg, v, i)
PP4(cmpxchg, v, u, i)
PP4(try_cmpxchg, v, &u, i)
PP4(fetch_max, i, v)
PP4(fetch_min, i, v)

PP(fetch_add_unless, ac_fetch_add_unless(v, i, u))
PP(add_unless, ac_add_unless(v, i, u))
PP(inc_not_zero, ac_inc_not_zero(v))
PP(sub_and_test, ac_sub_and_test(i, v))
PP(dec_and_test, ac_dec_and_test(v))
PP(inc_and_test, ac_inc_and_test(v))
PP(add_negative, ac_add_negative(i, v))

/* A striped update: a relaxed add on this CPU's slot. */
__attribute__((noinline)) int64_t pp_striped_add(const ac_striped_t *s, int64_t i);
__attribute__((noinline)) int64_t pp_striped_add(const ac_striped_t *s, int64_t i)
{
	ac_striped_add(i, s);
	return 0;
}
