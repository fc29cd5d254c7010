/*
 * vec.c — growable vectors of object pointers, outside the scanned heap: the
 * collector's generations 0 and 1, mark stack and unreachable set, the garbage
 * waiting for gc.garbage, the weakref callbacks of a collection, ohm_gc_explain's
 * queue.
 *
 * Vectors live outside the scanned heap. Small ones come from the C library. A vector
 * of VEC_BIG bytes or more gets its own mapping, 2 MiB-aligned and advised for
 * transparent huge pages: a collection that finds a million garbage objects fills an
 * 8 MB vector at once, and on virtual machines where a 4 KiB page fault costs
 * 10-15 us that alone would cost ~25 ns per object (2048 faults); with huge pages it
 * is four faults (the mappings come from os.c). Whether a vector's memory is mapped
 * follows from its capacity: cap * sizeof(pointer) >= VEC_BIG.
 */
#include "base/base.h"

#include <stdlib.h>
/* Under sanitizers the C library's memory is what ASan tracks best (and an address
 * range another part of the process poisoned and unmapped may come back to mmap still
 * poisoned): no mappings there. */
#if defined(__linux__) && !defined(OHM_SANITIZER)
#  define VEC_MMAP 1
#endif

#define VEC_BIG  ((size_t)2 << 20)     /* bytes: from here on, huge-page mappings */
#define VEC_HUGE ((size_t)2 << 20)     /* huge page size and alignment */

static int vec_is_big(size_t cap) { return cap * sizeof(ohm_object *) >= VEC_BIG; }

#ifdef VEC_MMAP
/* bytes (a multiple of VEC_HUGE) of zeroed memory aligned to VEC_HUGE, advised for
 * huge pages unless small_pages. A huge page's first touch can cost milliseconds where
 * the kernel compacts memory to find one (defrag "madvise", Debian's default): fine for
 * a collection that fills the vector at once, not for an incremental cycle's stack,
 * which grows by a few entries per step and must not stall one of them. */
static void *vec_os_alloc(size_t bytes, int small_pages) {
    void *a = ohmi_os_map_aligned(bytes, VEC_HUGE);
    if (a && !small_pages) ohmi_os_hugepage(a, bytes);
    return a;
}
static void vec_os_free(void *p, size_t bytes) { ohmi_os_unmap(p, bytes); }
#else
static void *vec_os_alloc(size_t bytes, int small_pages) { (void)small_pages; return malloc(bytes); }
static void vec_os_free(void *p, size_t bytes) { (void)bytes; free(p); }
#endif

/* Move v to a buffer of cap entries (cap >= v->len). */
/* h: the owner, whose fault injection counts the attempt (NULL: not counted). */
static int vec_resize(ohm_heap *h, ohmi_vec *v, size_t cap) {
    if (ohmi_fault_fail(h)) return -1;
    if (cap > SIZE_MAX / sizeof *v->items / 2) return -1;
    ohm_object **p;
    if (vec_is_big(cap)) {
        size_t bytes = (cap * sizeof *p + VEC_HUGE - 1) & ~(VEC_HUGE - 1);
        cap = bytes / sizeof *p;
        if (!(p = vec_os_alloc(bytes, v->small_pages))) return -1;
        if (v->len) memcpy(p, v->items, v->len * sizeof *p);
        if (v->items) {
            if (vec_is_big(v->cap)) vec_os_free(v->items, v->cap * sizeof *p);
            else free(v->items);
        }
    } else if (v->items && vec_is_big(v->cap)) {
        if (!(p = malloc(cap * sizeof *p))) return -1;
        memcpy(p, v->items, v->len * sizeof *p);
        vec_os_free(v->items, v->cap * sizeof *p);
    } else {
        if (!(p = realloc(v->items, cap * sizeof *p))) return -1;
    }
    v->items = p;
    v->cap = cap;
    return 0;
}

int ohmi_vec_reserve(ohm_heap *h, ohmi_vec *v, size_t n) {
    return n <= v->cap ? 0 : vec_resize(h, v, n);
}

int ohmi_vec_grow(ohm_heap *h, ohmi_vec *v) {
    return vec_resize(h, v, v->cap ? v->cap * 2 : 256);
}

void ohmi_vec_free(ohmi_vec *v) {
    if (v->items) {
        if (vec_is_big(v->cap)) vec_os_free(v->items, v->cap * sizeof *v->items);
        else free(v->items);
    }
    v->items = NULL;
    v->len = v->cap = 0;
}

void ohmi_vec_trim(ohmi_vec *v, size_t used) {
    if (used < v->len) used = v->len;
    if (v->cap > 65536 && used < v->cap / 4)
        vec_resize(NULL, v, used * 2 > 256 ? used * 2 : 256);
}
