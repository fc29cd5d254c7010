/*
 * gc_vec.c — the collector's pointer vectors (generations 0 and 1, the mark stack, the
 * unreachable set), and the one place the collector asks the OS for memory.
 *
 * Vectors live outside the scanned heap. Small ones come from the C library. A vector
 * of GC_VEC_BIG bytes or more gets its own mapping, 2 MiB-aligned and advised for
 * transparent huge pages: a collection that finds a million garbage objects fills an
 * 8 MB vector at once, and on virtual machines where a 4 KiB page fault costs
 * 10-15 us that alone would cost ~25 ns per object (2048 faults); with huge pages it
 * is four faults. Whether a vector's memory is mapped follows from its capacity:
 * cap * sizeof(pointer) >= GC_VEC_BIG.
 */
#include "internal.h"

#include <stdlib.h>
/* Under sanitizers the C library's memory is what ASan tracks best (and an address
 * range another part of the process poisoned and unmapped may come back to mmap still
 * poisoned): no mappings there. */
#if defined(__linux__) && !defined(OHM_SANITIZER)
#  include <sys/mman.h>
#  define GC_VEC_MMAP 1
#endif

#define GC_VEC_BIG  ((size_t)2 << 20)     /* bytes: from here on, huge-page mappings */
#define GC_VEC_HUGE ((size_t)2 << 20)     /* huge page size and alignment */

static int gc_vec_is_big(size_t cap) { return cap * sizeof(ohm_object *) >= GC_VEC_BIG; }

#ifdef GC_VEC_MMAP
/* bytes (a multiple of GC_VEC_HUGE) of zeroed memory aligned to GC_VEC_HUGE. */
static void *gc_os_alloc(size_t bytes) {
    size_t len = bytes + GC_VEC_HUGE;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    char *a = (char *)(((uintptr_t)p + GC_VEC_HUGE - 1) & ~(uintptr_t)(GC_VEC_HUGE - 1));
    if (a > p) munmap(p, (size_t)(a - p));
    if (a + bytes < p + len) munmap(a + bytes, (size_t)(p + len - (a + bytes)));
#  ifdef MADV_HUGEPAGE
    madvise(a, bytes, MADV_HUGEPAGE);
#  endif
    return a;
}
static void gc_os_free(void *p, size_t bytes) { munmap(p, bytes); }
#else
static void *gc_os_alloc(size_t bytes) { return malloc(bytes); }
static void gc_os_free(void *p, size_t bytes) { (void)bytes; free(p); }
#endif

/* Move v to a buffer of cap entries (cap >= v->len). */
static int gc_vec_resize(gc_vec *v, size_t cap) {
    if (cap > SIZE_MAX / sizeof *v->items / 2) return -1;
    ohm_object **p;
    if (gc_vec_is_big(cap)) {
        size_t bytes = (cap * sizeof *p + GC_VEC_HUGE - 1) & ~(GC_VEC_HUGE - 1);
        cap = bytes / sizeof *p;
        if (!(p = gc_os_alloc(bytes))) return -1;
        if (v->len) memcpy(p, v->items, v->len * sizeof *p);
        if (v->items) {
            if (gc_vec_is_big(v->cap)) gc_os_free(v->items, v->cap * sizeof *p);
            else free(v->items);
        }
    } else if (v->items && gc_vec_is_big(v->cap)) {
        if (!(p = malloc(cap * sizeof *p))) return -1;
        memcpy(p, v->items, v->len * sizeof *p);
        gc_os_free(v->items, v->cap * sizeof *p);
    } else {
        if (!(p = realloc(v->items, cap * sizeof *p))) return -1;
    }
    v->items = p;
    v->cap = cap;
    return 0;
}

int gc_vec_reserve(gc_vec *v, size_t n) {
    return n <= v->cap ? 0 : gc_vec_resize(v, n);
}

int gc_vec_grow(gc_vec *v) {
    return gc_vec_resize(v, v->cap ? v->cap * 2 : 256);
}

void gc_vec_free(gc_vec *v) {
    if (v->items) {
        if (gc_vec_is_big(v->cap)) gc_os_free(v->items, v->cap * sizeof *v->items);
        else free(v->items);
    }
    v->items = NULL;
    v->len = v->cap = 0;
}

void gc_vec_trim(gc_vec *v, size_t used) {
    if (used < v->len) used = v->len;
    if (v->cap > 65536 && used < v->cap / 4)
        gc_vec_resize(v, used * 2 > 256 ? used * 2 : 256);
}
