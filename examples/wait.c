/* SPDX-License-Identifier: MIT */
/* Wait up to a second for four workers to have checked in. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <atomic_counter.h>

int main(void)
{
    struct ac_dev bank;
    int64_t seen;
    int ret, w;

    ret = ac_bank_create(&bank, NULL);
    if (ret < 0) {
        fprintf(stderr, "ac_bank_create: %s\n", strerror(-ret));
        return 1;
    }
    for (w = 0; w < 4; w++) {
        pid_t pid = fork();

        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            ac_inc(ac_counter(&bank, 8));   /* an update on the page */
            ret = ac_wake(&bank, 8);        /* a syscall only if needed */
            if (ret < 0)
                fprintf(stderr, "ac_wake: %s\n", strerror(-ret));
            _exit(ret < 0);
        }
    }
    ret = ac_wait(&bank, 8, ATOMIC_COUNTER_COND_GE, 4, 1000000000,
                  &seen);
    if (ret == -ETIMEDOUT) {
        fprintf(stderr, "only %lld workers in a second\n",
                (long long)ac_read(ac_counter(&bank, 8)));
        return 1;
    }
    if (ret < 0) {
        fprintf(stderr, "ac_wait: %s\n", strerror(-ret));
        return 1;
    }
    printf("%lld workers checked in\n", (long long)seen);
    ac_close(&bank);
    return 0;
}
