/*
 * sweep.h — SQLite's fault sweep for a scenario: run it once to learn how many
 * allocations it attempts (ohm_fault_count), then rerun it on a fresh heap failing
 * allocation k, for k = 1..count, and after each run check that
 *   - the scenario saw only documented errors (its own CHECKs: NULL or -1 with a
 *     non-empty ohm_last_error; SWEEP_OOM below);
 *   - the heap is consistent (SWEEP_HEAP_CHECK);
 *   - the scenario's objects and blocks are all gone (the heap's blocks in use and
 *     large blocks are back to the baseline taken before it ran, after one full
 *     collection without faults: a collection that ran out of memory leaves its
 *     garbage for the next one, as ohm_gc_collect documents; under `make faultsweep`
 *     ASan's leak checker also sees the C library's memory);
 *   - the heap is still usable (a block, an object and a list append succeed).
 *
 * A scenario is `int fn(ohm_heap *h)`: 0 when it ran to the end, -1 when a call failed
 * with its documented error (it has then released everything it made). It must be
 * deterministic, so that allocation k is the same request in every run.
 *
 * Run with OHM_MALLOC=debug (or =malloc) to sweep those configurations too.
 *
 * OHM_SWEEP_STRIDE=n (environment) fails only k = 1, 1 + n, 1 + 2n, ... and the last:
 * CI's fixed fast subset.
 */
#ifndef OHM_SWEEP_H
#define OHM_SWEEP_H

#include "ohm.h"
#include "alloc/alloc.h"
#include "obj/obj.h"
#include "check.h"

/* The whole-heap check after each failure: every layer's invariants. */
#define SWEEP_HEAP_CHECK(h, out) ohm_heap_check((h), (out))

/* In a scenario: the call just made failed; it must have said why. */
#define SWEEP_OOM(h) CHECK(ohm_last_error(h)[0] != '\0')

typedef int (*sweep_fn)(ohm_heap *h);

static size_t sweep_blocks(ohm_heap *h) {
    ohm_heap_stats st;
    ohm_clear_freelists(h);
    ohm_heap_stats_get(h, &st);
    size_t n = st.large_blocks;
    for (int c = 0; c < OHM_NB_CLASSES; c++) n += st.classes[c].blocks_in_use;
    n -= ohmi_obj_of(h)->quarantine_count;   /* debug mode keeps dead objects a while, */
    void *const *held = ohmi_alloc_of(h)->debug_quar;   /* and freed blocks */
    for (size_t i = 0; held && i < ALLOC_DEBUG_QUARANTINE; i++) n -= held[i] != NULL;
    return n;
}

/* Optional, set by a sweep program: runs on each fresh heap before the baseline is
 * taken and faults are armed, to make what the heap keeps once made (the singletons
 * made on first use: small ints, "" and one-character strs, the empty tuple). */
static void (*sweep_prepare)(ohm_heap *h);

static ohm_heap *sweep_heap(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    if (!h) { fprintf(stderr, "sweep: ohm_heap_new failed\n"); exit(2); }
    if (sweep_prepare) sweep_prepare(h);
    return h;
}

/* After a run: consistent, nothing left, usable. */
static void sweep_after(ohm_heap *h, size_t base, const char *name, size_t k) {
    ohm_fault_fail_nth(h, 0, 0);
    int bad = SWEEP_HEAP_CHECK(h, stderr);
    ohm_gc_collect(h, 2);   /* what a collection out of memory left */
    bad |= SWEEP_HEAP_CHECK(h, stderr);
    size_t left = sweep_blocks(h);
    if (bad || left != base)
        fprintf(stderr, "sweep %s: failing allocation %zu: check %d, blocks %zu (baseline %zu)\n",
                name, k, bad, left, base);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_SIZE(left, base);
    void *p = ohm_malloc(h, 32);
    ohm_object *l = ohm_list_new(h), *s = ohm_str_new(h, "usable", 6);
    CHECK(p && l && s && ohm_list_append(l, s) == 0);
    ohm_free(h, p);
    ohm_xdecref(s);
    ohm_xdecref(l);
    CHECK_EQ_INT(SWEEP_HEAP_CHECK(h, stderr), 0);
}

/* Sweep fn; prints and returns the number of allocations it failed. */
static size_t sweep_run(const char *name, sweep_fn fn) {
    const char *e = getenv("OHM_SWEEP_STRIDE");
    size_t stride = e && atoi(e) > 0 ? (size_t)atoi(e) : 1;
    ohm_heap *h = sweep_heap();
    size_t base = sweep_blocks(h);
    ohm_fault_fail_nth(h, 0, 0);
    int r = fn(h);
    size_t count = ohm_fault_count(h);
    CHECK_EQ_INT(r, 0);
    sweep_after(h, base, name, 0);
    ohm_heap_destroy(h);
    size_t failed = 0, reported = 0;
    for (size_t k = 1; k <= count; k += (k + stride > count && k != count) ? count - k : stride) {
        h = sweep_heap();
        base = sweep_blocks(h);
        ohm_fault_fail_nth(h, k, 0);
        ohmi_error_clear(h);
        r = fn(h);
        CHECK(r == 0 || r == -1);
        if (r < 0) reported++;
        failed++;
        sweep_after(h, base, name, k);
        ohm_heap_destroy(h);
    }
    printf("sweep %-24s %4zu allocations, %4zu failed in turn: %zu reported an error, "
           "%zu absorbed\n", name, count, failed, reported, failed - reported);
    return failed;
}

#endif
