/* SPDX-License-Identifier: MIT */
/* A striped counter: one slot a CPU, summed by a read. */
#include <stdio.h>
#include <string.h>
#include <atomic_counter.h>

int main(void)
{
    struct ac_dev dev;
    ac_striped_t reqs;
    uint64_t i;
    int ret;

    ret = ac_open(&dev, NULL, 0);
    if (ret < 0) {
        fprintf(stderr, "ac_open: %s\n", strerror(-ret));
        return 1;
    }
    ret = ac_name_create(&dev, "http.requests",
                         ATOMIC_COUNTER_NAME_STRIPED, &i, NULL);
    if (ret < 0) {
        fprintf(stderr, "ac_name_create: %s\n", strerror(-ret));
        ac_close(&dev);
        return 1;
    }
    ret = ac_striped(&dev, i, &reqs);
    if (ret < 0) {
        fprintf(stderr, "ac_striped: %s\n", strerror(-ret));
        ac_close(&dev);
        return 1;
    }
    ac_striped_inc(&reqs);          /* in every thread, often */
    printf("http.requests: %lld\n", (long long)ac_striped_read(&reqs));
    ac_close(&dev);
    return 0;
}
