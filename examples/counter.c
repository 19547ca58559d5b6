/* SPDX-License-Identifier: MIT */
/* One counter, updated on the shared page and through the ioctl. */
#include <stdio.h>
#include <string.h>
#include <atomic_counter.h>

int main(void)
{
    struct ac_dev dev;
    ac_counter_t *hits;
    int64_t old;
    int ret;

    ret = ac_open(&dev, NULL, 0);   /* -ENOENT: module not loaded */
    if (ret < 0) {
        fprintf(stderr, "ac_open: %s\n", strerror(-ret));
        return 1;
    }
    hits = ac_counter(&dev, 8);
    if (!hits) {
        fprintf(stderr, "counter 8: not in the mapped bank\n");
        ac_close(&dev);
        return 1;
    }
    ac_inc(hits);                   /* on the page: no system call */
    ret = ac_op(&dev, 8, ATOMIC_COUNTER_OP_FETCH_ADD, AC_RELAXED, 5, 0,
                &old);
    if (ret < 0) {
        fprintf(stderr, "ac_op: %s\n", strerror(-ret));
        ac_close(&dev);
        return 1;
    }
    printf("counter 8 was %lld, is %lld\n", (long long)old,
           (long long)ac_read(hits));
    ac_close(&dev);
    return 0;
}
