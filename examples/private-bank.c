/* SPDX-License-Identifier: MIT */
/* A private bank: four workers count into it; no other program sees it. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic_counter.h>

int main(void)
{
    struct ac_dev bank;
    ac_counter_t *done;
    uint64_t i;
    int ret, status, w;

    /* NULL: the default sizes, 512 by number, 512 by name, 64 striped. */
    ret = ac_bank_create(&bank, NULL);
    if (ret < 0) {
        fprintf(stderr, "ac_bank_create: %s\n", strerror(-ret));
        return 1;
    }
    ret = ac_name_create(&bank, "jobs.done", 0, &i, NULL);
    if (ret < 0) {
        fprintf(stderr, "ac_name_create: %s\n", strerror(-ret));
        ac_close(&bank);
        return 1;
    }
    done = ac_counter(&bank, i);
    for (w = 0; w < 4; w++) {
        pid_t pid = fork();

        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {             /* children share the bank */
            /* ... a job ... */
            ac_inc(done);
            _exit(0);
        }
    }
    while (wait(&status) > 0)
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fprintf(stderr, "a worker failed\n");
    printf("jobs.done: %lld\n", (long long)ac_read(done));
    ac_close(&bank);
    return 0;
}
