/* SPDX-License-Identifier: MIT */
/* A counter known by its name: the first program creates it. */
#include <stdio.h>
#include <string.h>
#include <atomic_counter.h>

int main(void)
{
    struct ac_dev dev;
    uint64_t i;
    int ret;

    ret = ac_open(&dev, NULL, 0);
    if (ret < 0) {
        fprintf(stderr, "ac_open: %s\n", strerror(-ret));
        return 1;
    }
    ret = ac_name_create(&dev, "myapp.requests", 0, &i, NULL);
    if (ret < 0) {
        fprintf(stderr, "ac_name_create: %s\n", strerror(-ret));
        ac_close(&dev);
        return 1;
    }
    printf("myapp.requests (%s) is counter %llu: now %lld\n",
           ret == 1 ? "created" : "opened", (unsigned long long)i,
           (long long)ac_inc_return(ac_counter(&dev, i)));
    ac_close(&dev);
    return 0;
}
