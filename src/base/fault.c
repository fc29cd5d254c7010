/*
 * fault.c — fault injection's one mechanism (ohm_fault_fail_nth, ohm_fault_cap,
 * ohm_fault_count; the public functions are in alloc/alloc.c, which also makes the
 * allocator leave its fast paths while armed) and the C library's allocator for a
 * heap's memory outside its arenas.
 *
 * Every allocation attempt a heap makes, whatever layer makes it, calls
 * ohmi_fault_fail(h) exactly once before asking for memory: the allocator's entry points
 * (one per ohm_malloc/calloc/realloc/raw_*, per object, per container growth), base's
 * vectors and hash tables when they grow, and ohmi_sys_* (the tracer, snapshots). So
 * the count is deterministic for a deterministic program, and failing attempt k of a
 * run fails the same request in every rerun: SQLite's sweep.
 *
 * A failure here writes no message, as the C library's malloc would not: whoever
 * asked reports it in its own words (the allocator's entry points say "out of memory
 * (injected failure: allocation #k)"), so a sweep catches a public function that fails
 * without saying why.
 */
#include "base/base.h"

#include <errno.h>
#include <stdlib.h>

int ohmi_fault_fail_slow(ohm_heap *h) {
    struct ohmi_fault *f = &ohmi_base_of(h)->fault;
    size_t k = ++f->count;
    if (!f->nth || k < f->nth || (k > f->nth && !f->persist)) return 0;
    errno = ENOMEM;
    return 1;
}

static void *sys_oom(size_t n) {
    (void)n;
    errno = ENOMEM;
    return NULL;
}

void *ohmi_sys_malloc(ohm_heap *h, size_t n) {
    if (ohmi_fault_fail(h)) return NULL;
    void *p = malloc(n ? n : 1);
    return p ? p : sys_oom(n);
}

void *ohmi_sys_calloc(ohm_heap *h, size_t nelem, size_t elsize) {
    if (ohmi_fault_fail(h)) return NULL;
    void *p = calloc(nelem ? nelem : 1, elsize ? elsize : 1);
    return p ? p : sys_oom(nelem * elsize);
}

void *ohmi_sys_realloc(ohm_heap *h, void *p, size_t n) {
    if (ohmi_fault_fail(h)) return NULL;
    void *q = realloc(p, n ? n : 1);
    return q ? q : sys_oom(n);
}
