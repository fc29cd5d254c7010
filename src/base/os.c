/*
 * os.c — the only file that talks to the kernel about memory and time: aligned
 * mappings for arenas and big vectors, their release, madvise for free pages, lazy
 * reservations, residency queries for the statistics, the process's resident set
 * (the timeline's samples), and the clocks.
 *
 * Aligned mappings: map size + align bytes, then unmap the head and tail so the
 * mapping starts on an `align` boundary and nothing is lost to alignment.
 * Released pages: MADV_DONTNEED, so RSS drops at once (MADV_FREE would only drop
 * under memory pressure, which tests and RSS measurements would not see) and the
 * pages read back as zeros.
 *
 * Tombstones (debug mode's use-after-destroy check): a destroyed debug heap's pages
 * are not unmapped but made inaccessible and recorded here, and a SIGSEGV handler,
 * installed with the first tombstone, turns a fault inside one into
 * "ohm: fatal error: heap 0x... was used after ohm_heap_destroy". A fault anywhere
 * else goes to the handler that was there before (the handler puts it back and
 * returns, so the access faults again under it). At most OS_TOMBSTONES are kept; the
 * oldest is unmapped to make room, after which its use is a plain SIGSEGV. The table
 * is the one piece of global state here: written under a lock, read by the handler.
 */
#include "base/base.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

void *ohmi_os_map(size_t size) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *ohmi_os_map_aligned(size_t size, size_t align) {
    size_t len = size + align;
    char *p = ohmi_os_map(len);
    if (!p) return NULL;
    uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = start - (uintptr_t)p, tail = len - head - size;
    if (head) munmap(p, head);
    if (tail) munmap((char *)start + size, tail);
    return (void *)start;
}

void ohmi_os_unmap(void *p, size_t size) {
    munmap(p, size);
}

void ohmi_os_release(void *p, size_t size) {
    madvise(p, size, MADV_DONTNEED);
}

void ohmi_os_read_only(void *p, size_t size) {
    mprotect(p, size, PROT_READ);
}

void ohmi_os_hugepage(void *p, size_t size) {
#ifdef MADV_HUGEPAGE
    madvise(p, size, MADV_HUGEPAGE);
#else
    (void)p, (void)size;
#endif
}

void *ohmi_os_reserve(size_t size) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

size_t ohmi_os_resident(const void *p, size_t size) {
    unsigned char vec[256];
    size_t pages = size / 4096, n = 0;
    if (pages > sizeof vec || mincore((void *)(uintptr_t)p, size, vec) < 0) return size;
    for (size_t k = 0; k < pages; k++) n += vec[k] & 1;
    return n * 4096;
}

/* ------------------------------------------------- resident set, clocks */

/* /proc/self/statm's second field is the resident pages. The file is kept open and
 * read again from offset 0 each time: one pread per reading, no allocation. */
int ohmi_os_rss_open(void) {
    return open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
}

size_t ohmi_os_rss_read(int fd) {
    char buf[128];
    if (fd < 0) return 0;
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    const char *p = buf;
    while (*p && *p != ' ') p++;      /* skip the total size */
    size_t pages = 0;
    while (*p == ' ') p++;
    for (; *p >= '0' && *p <= '9'; p++) pages = pages * 10 + (size_t)(*p - '0');
    long page = sysconf(_SC_PAGESIZE);
    return pages * (size_t)(page > 0 ? page : 4096);
}

void ohmi_os_rss_close(int fd) {
    if (fd >= 0) close(fd);
}

uint64_t ohmi_os_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ohmi_os_wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------- tombstones */

#define OS_TOMBSTONES 64
static struct { uintptr_t lo, hi; } os_tomb[OS_TOMBSTONES];
static size_t os_tomb_next;
static pthread_mutex_t os_tomb_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction os_prev_segv;
static pthread_once_t os_tomb_once = PTHREAD_ONCE_INIT;

/* "0x" and the hex digits of v into buf (async-signal-safe); returns the length. */
static size_t os_hex(char *buf, uintptr_t v) {
    char tmp[2 * sizeof v];
    size_t n = 0, len = 0;
    do { tmp[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
    buf[len++] = '0';
    buf[len++] = 'x';
    while (n) buf[len++] = tmp[--n];
    return len;
}

static void os_segv(int sig, siginfo_t *si, void *ctx) {
    uintptr_t a = (uintptr_t)si->si_addr;
    for (size_t i = 0; i < OS_TOMBSTONES; i++) {
        if (a >= os_tomb[i].lo && a < os_tomb[i].hi) {
            char msg[128];
            size_t n = 0;
            static const char a1[] = "ohm: fatal error: heap ", a2[] =
                " was used after ohm_heap_destroy\n";
            memcpy(msg, a1, sizeof a1 - 1), n = sizeof a1 - 1;
            n += os_hex(msg + n, os_tomb[i].lo);
            memcpy(msg + n, a2, sizeof a2 - 1), n += sizeof a2 - 1;
            ssize_t w = write(2, msg, n);
            (void)w;
            abort();
        }
    }
    (void)sig, (void)ctx;
    sigaction(SIGSEGV, &os_prev_segv, NULL);   /* not ours: fault again under the old one */
}

static void os_tomb_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = os_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &os_prev_segv);
}

void ohmi_os_tombstone(void *p, size_t size) {
    pthread_once(&os_tomb_once, os_tomb_install);
    mprotect(p, size, PROT_NONE);
    madvise(p, size, MADV_DONTNEED);
    pthread_mutex_lock(&os_tomb_lock);
    size_t i = os_tomb_next++ % OS_TOMBSTONES;
    if (os_tomb[i].hi) munmap((void *)os_tomb[i].lo, os_tomb[i].hi - os_tomb[i].lo);
    os_tomb[i].lo = (uintptr_t)p;
    os_tomb[i].hi = (uintptr_t)p + size;
    pthread_mutex_unlock(&os_tomb_lock);
}
