/*
 * sweep_alloc.c — fault sweeps (sweep.h) of the raw memory API: ohm_malloc, ohm_calloc,
 * ohm_realloc (in place, across classes, to and from large blocks), ohm_free and the
 * RAW domain. A failed realloc must leave the old block whole.
 */
#include "sweep.h"

#include <string.h>

static int all_bytes(const void *p, int c, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) if (b[i] != (unsigned char)c) return 0;
    return 1;
}

/* realloc *p to n; on failure *p stays, with its first `keep` bytes still `c`. */
static int grow(ohm_heap *h, void **p, size_t n, int c, size_t keep, int raw) {
    void *q = raw ? ohm_raw_realloc(h, *p, n) : ohm_realloc(h, *p, n);
    if (!q) {
        SWEEP_OOM(h);
        CHECK(all_bytes(*p, c, keep));
        return -1;
    }
    CHECK(all_bytes(q, c, keep));
    memset(q, c, n);
    *p = q;
    return 0;
}

static int sc_mem(ohm_heap *h) {
    void *a = NULL, *b = NULL, *v[300] = { 0 };
    int r = -1;
    if (!(a = ohm_malloc(h, 24))) goto oom;
    memset(a, 5, 24);
    if (!(b = ohm_calloc(h, 10, 100))) goto oom;            /* a large block */
    CHECK(all_bytes(b, 0, 1000));
    if (grow(h, &a, 300, 5, 24, 0) < 0) goto out;           /* another class */
    if (grow(h, &a, 5000, 5, 300, 0) < 0) goto out;         /* to a large block */
    if (grow(h, &a, 9000, 5, 5000, 0) < 0) goto out;        /* large to large */
    if (grow(h, &a, 16, 5, 16, 0) < 0) goto out;            /* back to the pools */
    for (int i = 0; i < 300; i++)                            /* new pools */
        if (!(v[i] = ohm_malloc(h, (size_t)(i % 20) * 24 + 8))) goto oom;
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    for (int i = 0; i < 300; i++) ohm_free(h, v[i]);
    ohm_free(h, a);
    ohm_free(h, b);
    return r;
}

static int sc_raw(ohm_heap *h) {
    void *a = NULL, *b = NULL;
    int r = -1;
    if (!(a = ohm_raw_malloc(h, 64))) goto oom;
    memset(a, 9, 64);
    if (!(b = ohm_raw_calloc(h, 3, 7))) goto oom;
    CHECK(all_bytes(b, 0, 21));
    if (grow(h, &a, 1000, 9, 64, 1) < 0) goto out;
    if (grow(h, &a, 10, 9, 10, 1) < 0) goto out;
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_raw_free(h, a);
    ohm_raw_free(h, b);
    return r;
}

int main(void) {
    sweep_run("alloc: MEM domain", sc_mem);
    sweep_run("alloc: RAW domain", sc_raw);
    return check_done();
}
