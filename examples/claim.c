/* SPDX-License-Identifier: MIT */
/* Claim counter 8 with a cmpxchg from 0 to 1: one process wins. */
#include <stdio.h>
#include <string.h>
#include <atomic_counter.h>

int main(void)
{
    struct ac_dev dev;
    int64_t old;
    int ret;

    ret = ac_open(&dev, NULL, AC_OPEN_NOMAP);  /* ioctls only */
    if (ret < 0) {
        fprintf(stderr, "ac_open: %s\n", strerror(-ret));
        return 1;
    }
    /* From 0 (old) to 1 (new): 1 when it swapped, 0 when it found @old. */
    ret = ac_op_cmpxchg(&dev, 8, 0, 1, AC_ACQUIRE, &old);
    if (ret < 0) {
        fprintf(stderr, "ac_op_cmpxchg: %s\n", strerror(-ret));
        ac_close(&dev);
        return 1;
    }
    if (ret == 0) {
        printf("counter 8 is %lld: someone else holds it\n",
               (long long)old);
        ac_close(&dev);
        return 2;
    }
    printf("counter 8 went from 0 to 1: ours\n");
    /* ... the work it guards ..., then give it back: */
    ret = ac_op(&dev, 8, ATOMIC_COUNTER_OP_SET, AC_RELEASE, 0, 0, NULL);
    if (ret < 0) {
        fprintf(stderr, "ac_op: %s\n", strerror(-ret));
        ac_close(&dev);
        return 1;
    }
    ac_close(&dev);
    return 0;
}
