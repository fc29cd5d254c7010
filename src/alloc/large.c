/*
 * large.c — blocks outside the pools, and the default RAW domain.
 *
 * Large blocks: requests over OHM_SMALL_MAX (and every block in bypass mode,
 * OHM_MALLOC=malloc) come from the C library, or from the RAW domain's allocator once
 * the user has hooked it, with a 16-byte prefix {heap, size}: ohmi_alloc_heap_of reads the
 * heap at p - 16. The heap keeps them in a hash map, block -> kind (base's ohmi_ptrmap:
 * lookups inline, no calls but to grow and to close a hole), which answers "is p one
 * of h's large blocks?" without reading p, lets destroy free them all, and lets walks
 * find the large objects (each entry records its kind).
 *
 * The default RAW domain: the C library, with a 16-byte prefix linking each block into
 * the heap's list under a mutex (the RAW domain is thread-safe), so that destroying
 * the heap frees the RAW blocks too.
 */
#include "alloc/alloc_impl.h"

#include <errno.h>
#include <stdlib.h>


struct large_prefix { ohm_heap *heap; size_t size; };

static ohmi_ptrmap_ent *large_find(const ohm_heap *h, const void *p) {
    return ohmi_ptrmap_get(&ohmi_alloc_of(h)->large, p);
}

static void *large_sys_alloc(ohm_heap *h, size_t n, int hooked) {
    struct alloc_state *a = ohmi_alloc_of(h);
    return hooked ? a->dom[OHM_DOMAIN_RAW].malloc(a->dom[OHM_DOMAIN_RAW].ctx, n) : malloc(n);
}

static void large_sys_free(ohm_heap *h, void *p, int hooked) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (hooked) a->dom[OHM_DOMAIN_RAW].free(a->dom[OHM_DOMAIN_RAW].ctx, p);
    else free(p);
}

/* The RAW domain was set by the user: large blocks go through it. */
static int raw_is_hooked(const ohm_heap *h) {
    return ohmi_alloc_of(h)->raw_hooked;
}

void *ohmi_large_alloc(ohm_heap *h, size_t n, int kind) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (n > SIZE_MAX - LARGE_PREFIX - 64) { errno = ENOMEM; return NULL; }
    if (a->limit && a->narenas * ARENA_SIZE + a->large_bytes + n > a->limit) {
        errno = ENOMEM;
        return NULL;
    }
    /* NULL: the request that wants this block was counted already (one attempt each) */
    if (ohmi_ptrmap_reserve(NULL, &a->large, 1) < 0) { errno = ENOMEM; return NULL; }
    int hooked = raw_is_hooked(h);
    struct large_prefix *pre = large_sys_alloc(h, LARGE_PREFIX + n, hooked);
    if (!pre) { errno = ENOMEM; return NULL; }
    pre->heap = h;
    pre->size = n;
    char *p = (char *)pre + LARGE_PREFIX;
    ohmi_ptrmap_add(&a->large, p, (uintptr_t)kind | (hooked ? LARGE_HOOKED : 0));
    a->large_bytes += n;
    return p;
}

void *ohmi_large_realloc(ohm_heap *h, void *p, size_t n) {
    struct alloc_state *a = ohmi_alloc_of(h);
    ohmi_ptrmap_ent *e = large_find(h, p);
    if (!e || n > SIZE_MAX - LARGE_PREFIX - 64) { errno = ENOMEM; return NULL; }
    uintptr_t kind = e->val;
    struct large_prefix *pre = (struct large_prefix *)((char *)p - LARGE_PREFIX), *q;
    size_t old = pre->size;
    if (a->limit && n > old && a->narenas * ARENA_SIZE + a->large_bytes + (n - old) > a->limit) {
        errno = ENOMEM;
        return NULL;
    }
    if (kind & LARGE_HOOKED)
        q = a->dom[OHM_DOMAIN_RAW].realloc(a->dom[OHM_DOMAIN_RAW].ctx, pre, LARGE_PREFIX + n);
    else
        q = realloc(pre, LARGE_PREFIX + n);
    if (!q) { errno = ENOMEM; return NULL; }
    q->size = n;
    a->large_bytes += n - old;
    char *np = (char *)q + LARGE_PREFIX;
    if (np != p) {   /* the removal leaves room for the addition */
        ohmi_ptrmap_remove(&a->large, e);
        ohmi_ptrmap_add(&a->large, np, kind);
    }
    return np;
}

void ohmi_large_free(ohm_heap *h, void *p) {
    struct alloc_state *a = ohmi_alloc_of(h);
    ohmi_ptrmap_ent *e = large_find(h, p);
    if (!e) ohmi_fatal("ohm_free: %p is not a block of heap %p (never allocated, or "
                      "already freed)", p, (void *)h);
    int hooked = (e->val & LARGE_HOOKED) != 0;
    struct large_prefix *pre = (struct large_prefix *)((char *)p - LARGE_PREFIX);
    a->large_bytes -= pre->size;
    ohmi_ptrmap_remove(&a->large, e);
    large_sys_free(h, pre, hooked);
}

int ohmi_large_contains(const ohm_heap *h, const void *p) {
    return large_find(h, p) != NULL;
}

size_t ohmi_large_size(const void *p) {
    return ((const struct large_prefix *)((const char *)p - LARGE_PREFIX))->size;
}

int ohmi_large_walk(ohm_heap *h, int gc_only, ohm_object_fn fn, void *arg) {
    struct alloc_state *a = ohmi_alloc_of(h);
    for (size_t i = 0; i < a->large.cap; i++) {
        const ohmi_ptrmap_ent *e = &a->large.ents[i];
        unsigned kind = (unsigned)(e->val & 3);
        if (!e->key || kind == LARGE_PLAIN || (gc_only && kind != LARGE_GC)) continue;
        ohm_object *o = (ohm_object *)(e->key + a->obj_offset);
        if (ohmi_alloc_live(o)) {
            int r = fn(o, arg);
            if (r) return r;
        }
    }
    return 0;
}

void ohmi_large_fini(ohm_heap *h) {
    struct alloc_state *a = ohmi_alloc_of(h);
    for (size_t i = 0; i < a->large.cap; i++) {
        const ohmi_ptrmap_ent *e = &a->large.ents[i];
        if (e->key) large_sys_free(h, (char *)e->key - LARGE_PREFIX, (e->val & LARGE_HOOKED) != 0);
    }
    ohmi_ptrmap_free(&a->large);
    a->large_bytes = 0;
}

/* ------------------------------------------------------------ the RAW domain */

struct alloc_raw { struct alloc_raw *prev, *next; };

static void raw_link(struct alloc_state *a, struct alloc_raw *r) {
    r->prev = NULL;
    r->next = a->raw_head;
    if (r->next) r->next->prev = r;
    a->raw_head = r;
}

static void raw_unlink(struct alloc_state *a, struct alloc_raw *r) {
    if (r->prev) r->prev->next = r->next; else a->raw_head = r->next;
    if (r->next) r->next->prev = r->prev;
}

void *ohmi_raw_sys_malloc(void *ctx, size_t n) {
    ohm_heap *h = ctx;
    if (n > SIZE_MAX - sizeof(struct alloc_raw)) { errno = ENOMEM; return NULL; }
    struct alloc_raw *r = malloc(sizeof *r + n);
    if (!r) { errno = ENOMEM; return NULL; }
    pthread_mutex_lock(&ohmi_alloc_of(h)->raw_lock);
    raw_link(ohmi_alloc_of(h), r);
    pthread_mutex_unlock(&ohmi_alloc_of(h)->raw_lock);
    return r + 1;
}

void *ohmi_raw_sys_calloc(void *ctx, size_t nelem, size_t elsize) {
    if (elsize && nelem > SIZE_MAX / elsize) { errno = ENOMEM; return NULL; }
    void *p = ohmi_raw_sys_malloc(ctx, nelem * elsize);
    if (p) memset(p, 0, nelem * elsize);
    return p;
}

void *ohmi_raw_sys_realloc(void *ctx, void *p, size_t n) {
    ohm_heap *h = ctx;
    if (!p) return ohmi_raw_sys_malloc(ctx, n);
    if (n > SIZE_MAX - sizeof(struct alloc_raw)) { errno = ENOMEM; return NULL; }
    struct alloc_raw *r = (struct alloc_raw *)p - 1;
    pthread_mutex_lock(&ohmi_alloc_of(h)->raw_lock);
    raw_unlink(ohmi_alloc_of(h), r);
    struct alloc_raw *q = realloc(r, sizeof *r + n);
    raw_link(ohmi_alloc_of(h), q ? q : r);
    pthread_mutex_unlock(&ohmi_alloc_of(h)->raw_lock);
    if (!q) { errno = ENOMEM; return NULL; }
    return q + 1;
}

void ohmi_raw_sys_free(void *ctx, void *p) {
    ohm_heap *h = ctx;
    if (!p) return;
    struct alloc_raw *r = (struct alloc_raw *)p - 1;
    pthread_mutex_lock(&ohmi_alloc_of(h)->raw_lock);
    raw_unlink(ohmi_alloc_of(h), r);
    pthread_mutex_unlock(&ohmi_alloc_of(h)->raw_lock);
    free(r);
}

void ohmi_raw_fini(ohm_heap *h) {
    struct alloc_raw *r = ohmi_alloc_of(h)->raw_head;
    while (r) { struct alloc_raw *n = r->next; free(r); r = n; }
    ohmi_alloc_of(h)->raw_head = NULL;
}
