/*
 * os.c — the only file that talks to the kernel about memory: aligned mappings for
 * arenas, their release, madvise for free pages, and lazy reservations.
 *
 * Aligned mappings: map size + align bytes, then unmap the head and tail so the
 * arena starts on an `align` boundary and nothing is lost to alignment.
 * Released pages: MADV_DONTNEED, so RSS drops at once (MADV_FREE would only drop
 * under memory pressure, which tests and RSS measurements would not see) and the
 * pages read back as zeros.
 */
#include "alloc_impl.h"

#include <sys/mman.h>

void *os_map_aligned(size_t size, size_t align) {
    size_t len = size + align;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = start - (uintptr_t)p, tail = len - head - size;
    if (head) munmap(p, head);
    if (tail) munmap((char *)start + size, tail);
    return (void *)start;
}

void os_unmap(void *p, size_t size) {
    munmap(p, size);
}

void os_release(void *p, size_t size) {
    madvise(p, size, MADV_DONTNEED);
}

void os_read_only(void *p, size_t size) {
    mprotect(p, size, PROT_READ);
}

void *os_reserve(size_t size) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
