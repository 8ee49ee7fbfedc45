/* A slower disk for measurements: preloaded into a process, it makes each fsync/fdatasync of a file
 * that is not on tmpfs wait SLOW_FSYNC_US microseconds more (5,000 by default) — a busy shared
 * disk or a cheap SSD without a write cache. tmpfs files (the load generator's replicas) are left
 * alone, so only the server's disk is slowed.
 *
 *   gcc -shared -fPIC -O2 -o /tmp/slowdisk.so Benchmarks/slowdisk/slowdisk.c -ldl
 *   LD_PRELOAD=/tmp/slowdisk.so SLOW_FSYNC_US=5000 .build/release/plansync-bench DIR load …
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/vfs.h>
#include <unistd.h>

#define TMPFS_MAGIC 0x01021994

static void wait_for_disk(int fd) {
    struct statfs fs;
    if (fstatfs(fd, &fs) == 0 && fs.f_type == TMPFS_MAGIC) return;
    const char *delay = getenv("SLOW_FSYNC_US");
    usleep(delay ? (useconds_t)atoi(delay) : 5000);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    wait_for_disk(fd);
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    wait_for_disk(fd);
    return real(fd);
}
