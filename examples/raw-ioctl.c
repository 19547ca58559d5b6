/* SPDX-License-Identifier: MIT */
/* The device without the library: the handshake, then one operation. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/atomic_counter.h>

int main(void)
{
    struct atomic_counter_info info = { .api = ATOMIC_COUNTER_API };
    struct atomic_counter_op op = {
        .index = 8,
        .op = ATOMIC_COUNTER_OP_ADD_RETURN,
        .order = ATOMIC_COUNTER_RELAXED,
        .value = 1,
    };
    int fd = open("/dev/atomic_counter", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        perror("/dev/atomic_counter");
        return 1;
    }
    if (ioctl(fd, ATOMIC_COUNTER_IOC_INFO, &info) < 0) {
        fprintf(stderr, "ATOMIC_COUNTER_IOC_INFO: %s\n", strerror(errno));
        close(fd);
        return 1;
    }
    if (ioctl(fd, ATOMIC_COUNTER_IOC_OP, &op) < 0) {
        fprintf(stderr, "ATOMIC_COUNTER_IOC_OP: %s\n", strerror(errno));
        close(fd);
        return 1;
    }
    printf("counter 8 of %llu is now %lld\n",
           (unsigned long long)info.nr_counters, (long long)op.result);
    close(fd);
    return 0;
}
