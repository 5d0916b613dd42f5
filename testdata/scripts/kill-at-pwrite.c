/* LD_PRELOAD shim for make-vhdx-dirty-log.sh: the process is killed (SIGKILL) when it is about to pwrite at the
 * byte offset in $KILL_AT_PWRITE_OFFSET, so the write never happens: a writer interrupted at an exact point. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static void maybe_die(off_t offset) {
    const char *at = getenv("KILL_AT_PWRITE_OFFSET");
    if (at && strtoll(at, NULL, 0) == (long long) offset) {
        kill(getpid(), SIGKILL);
    }
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real) {
        real = (ssize_t (*)(int, const void *, size_t, off_t)) dlsym(RTLD_NEXT, "pwrite64");
    }
    maybe_die(offset);
    return real(fd, buf, count, offset);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    return pwrite64(fd, buf, count, offset);
}
