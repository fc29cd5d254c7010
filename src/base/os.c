/*
 * os.c — the only file that talks to the kernel about memory: aligned mappings for
 * arenas and big vectors, their release, madvise for free pages, lazy reservations,
 * and residency queries for the statistics.
 *
 * Aligned mappings: map size + align bytes, then unmap the head and tail so the
 * mapping starts on an `align` boundary and nothing is lost to alignment.
 * Released pages: MADV_DONTNEED, so RSS drops at once (MADV_FREE would only drop
 * under memory pressure, which tests and RSS measurements would not see) and the
 * pages read back as zeros.
 */
#include "base/base.h"

#include <sys/mman.h>

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
