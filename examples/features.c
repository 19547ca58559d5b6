/* SPDX-License-Identifier: MIT */
/* Open the device only if its module can wait on a counter. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <atomic_counter.h>

int main(void)
{
    struct ac_open_opts opts = {
        .sz = sizeof(opts),
        .features = ATOMIC_COUNTER_FEATURE_WAIT,
    };
    struct ac_dev dev;
    int ret = ac_open_opts(&dev, NULL, &opts);

    if (ret == -EINVAL) {
        fprintf(stderr, "this atomic_counter module cannot wait\n");
        return 1;
    }
    if (ret < 0) {
        fprintf(stderr, "ac_open_opts: %s\n", strerror(-ret));
        return 1;
    }
    printf("%llu counters, and waiting\n",
           (unsigned long long)dev.info.nr_counters);
    ac_close(&dev);
    return 0;
}
