/*
 * domain.c — the PEP 445 domains and the allocator's entry points.
 *
 * Layers, outermost first (as CPython's):
 *   tracing (trace_on_alloc/free, while h->trace.active)
 *   the domain's table h->alloc.dom[d]: the user's hook, or the debug hooks
 *     (debug.c, which wrap the base), or the base itself
 *   the base: RAW = the C library (large.c); MEM and OBJ = the pools (pym_*)
 *
 * Fast paths. One word, h->alloc.slow, says whether any call must leave the fast
 * path (debug hooks, tracing, a hooked MEM/OBJ domain, bypass mode, fault injection,
 * valgrind/ASan annotations). ohm_malloc and ohm_free do not even test it: when it is
 * set, alloc_update_slow points h->alloc.plain/cur at pools that never have blocks and
 * h->alloc.fastmap at a map that knows no arena, so the tests the fast paths make
 * anyway fail and send the call to the slow path, which tests `slow`:
 *   malloc (12 instructions): size <= 512? pool = plain[size] (an array in the heap,
 *           by request size); b = pool->freelist; if b (and the sampling countdown
 *           holds): pool->freelist = *b; pool->ref++; return b.
 *   free (17 instructions): v = fastmap[addr >> 20] (0, or the arena's pool headers)?
 *           pool = v + (addr >> 9 & 0x7e0); *b = pool->freelist; pool->freelist = b;
 *           if --pool->ref: return.
 * alloc_object and alloc_object_free do the same for objects (plus the header words).
 * Everything else (empty free list, new pool, full or empty pool, large blocks,
 * hooks) is out of line. No locks: a heap is used by one thread at a time; the RAW
 * domain's default allocator locks its own list.
 */
#include "alloc_impl.h"
#include "trace_hot.h"     /* the tracing hooks' inline hot paths for pool blocks */

#include <errno.h>
#include <stdlib.h>

/* ------------------------------------------------------------ configuration */

static int pym_is_default(const ohm_heap *h, ohm_domain d) {
    const ohm_allocator *t = &h->alloc.dom[d];
    return t->malloc == pym_malloc && t->ctx == (void *)h;
}

void alloc_update_slow(ohm_heap *h) {
    struct alloc_state *a = &h->alloc;
    int other = h->cfg.debug || h->cfg.use_malloc || a->fail_after >= 0 ||
                a->valgrind || !pym_is_default(h, OHM_DOMAIN_MEM) ||
                !pym_is_default(h, OHM_DOMAIN_OBJ);
#if defined(ALLOC_ASAN)
    other = 1;   /* ASan builds poison free blocks: only the slow paths annotate */
#endif
    int slow = other || !trace_allows_fast(&h->trace);
    h->trace.direct = slow && !other;   /* tracing alone: pools inline around the hooks */
    a->slow = (uintptr_t)slow;
    a->cur = slow ? a->idle : a->used;
    for (unsigned c = 0; c < OHM_NB_CLASSES; c++)
        alloc_set_plain(a, c, slow ? &a->empty : a->used[POOL_PLAIN][c]);
    a->fastmap = slow ? a->map + ((size_t)1 << MAP_BITS) : a->map;
}

/* Annotate blocks only under memcheck: callgrind and the other tools should see
 * the real fast paths. Memcheck preloads its own library, which names it. */
static int alloc_under_memcheck(void) {
    if (!VG_RUNNING()) return 0;
    const char *pre = getenv("LD_PRELOAD");
    return pre && strstr(pre, "memcheck") != NULL;
}

int alloc_init(ohm_heap *h) {
    struct alloc_state *a = &h->alloc;
    for (int k = 0; k < ALLOC_NKINDS; k++)
        for (int c = 0; c < OHM_NB_CLASSES; c++) a->used[k][c] = a->idle[k][c] = &a->empty;
    for (unsigned c = 0; c < OHM_NB_CLASSES; c++) alloc_set_plain(a, c, &a->empty);
    pool_set_kind(&a->empty, POOL_FREE);
    a->fail_after = -1;
    if (arena_init(h) < 0) return -1;
    if (pthread_mutex_init(&a->raw_lock, NULL) != 0) {
        arena_fini(h);
        heap_error(h, "ohm_heap_new: cannot create the RAW domain lock");
        return -1;
    }
    a->dom[OHM_DOMAIN_RAW] = (ohm_allocator){h, raw_sys_malloc, raw_sys_calloc, raw_sys_realloc, raw_sys_free};
    for (int d = OHM_DOMAIN_MEM; d <= OHM_DOMAIN_OBJ; d++)
        a->dom[d] = (ohm_allocator){h, pym_malloc, pym_calloc, pym_realloc, pym_free};
    a->valgrind = alloc_under_memcheck();
#ifdef OHM_HAVE_VALGRIND
    if (a->valgrind) VALGRIND_CREATE_MEMPOOL(h, 0, 0);
#endif
    if (h->cfg.debug) {
        for (int d = 0; d < 3; d++) {
            a->debug[d].heap = h;
            a->debug[d].domain = (ohm_domain)d;
            a->debug[d].base = a->dom[d];
            a->dom[d] = (ohm_allocator){&a->debug[d], debug_malloc, debug_calloc, debug_realloc, debug_free};
        }
        a->obj_offset = DEBUG_PREFIX;
        debug_register(h);
    }
    alloc_update_slow(h);
    return 0;
}

void alloc_fini(ohm_heap *h) {
    struct alloc_state *a = &h->alloc;
    if (h->cfg.debug) debug_unregister(h);
#ifdef OHM_HAVE_VALGRIND
    if (a->valgrind) VALGRIND_DESTROY_MEMPOOL(h);
#endif
    large_fini(h);
    arena_fini(h);
    raw_fini(h);
    pthread_mutex_destroy(&a->raw_lock);
}

void alloc_fail_after(ohm_heap *h, long n) {
    h->alloc.fail_after = n < 0 ? -1 : n;
    alloc_update_slow(h);
}

void alloc_set_limit(ohm_heap *h, size_t bytes) {
    h->alloc.limit = bytes;
}

int alloc_should_fail(ohm_heap *h) {
    struct alloc_state *a = &h->alloc;
    if (OHM_LIKELY(a->fail_after < 0)) return 0;
    if (a->fail_after == 0) {
        heap_error(h, "out of memory (injected failure)");
        errno = ENOMEM;
        return 1;
    }
    a->fail_after--;
    return 0;
}

const char *alloc_domain_name(ohm_domain d) {
    switch (d) {
    case OHM_DOMAIN_RAW: return "RAW";
    case OHM_DOMAIN_MEM: return "MEM";
    case OHM_DOMAIN_OBJ: return "OBJ";
    }
    return "?";
}

/* -------------------------------------------- the base allocator of MEM and OBJ */

static void *pym_oom(ohm_heap *h, size_t n) {
    heap_error(h, "out of memory (%zu bytes)", n);
    errno = ENOMEM;
    return NULL;
}


void *pym_malloc(void *ctx, size_t n) {
    ohm_heap *h = ctx;
    void *p;
    if (n == 0) n = 1;
    if (n <= OHM_SMALL_MAX && !h->cfg.use_malloc) {
        p = pool_alloc(h, POOL_PLAIN, (unsigned)SIZE_CLASS(n));
        if (p) pool_track_alloc(h, p, n);
    } else {
        p = large_alloc(h, n, LARGE_PLAIN);
    }
    return p ? p : pym_oom(h, n);
}

void *pym_calloc(void *ctx, size_t nelem, size_t elsize) {
    ohm_heap *h = ctx;
    if (elsize && nelem > SIZE_MAX / elsize) {
        heap_error(h, "calloc: %zu * %zu bytes overflows", nelem, elsize);
        errno = ENOMEM;
        return NULL;
    }
    size_t n = nelem * elsize;
    void *p = pym_malloc(ctx, n);
    if (p) memset(p, 0, n);
    return p;
}

static void pym_free_base(ohm_heap *h, void *p) {
    if (alloc_in_arenas(h, p)) {
        pool_free(h, p);
        pool_track_free(h, p);
    } else {
        large_free(h, p);   /* fatal when p is not one of h's large blocks either */
    }
}

void pym_free(void *ctx, void *p) {
    if (p) pym_free_base(ctx, p);
}

void *pym_realloc(void *ctx, void *p, size_t n) {
    ohm_heap *h = ctx;
    if (!p) return pym_malloc(ctx, n);
    if (n == 0) n = 1;
    size_t old;
    if (alloc_in_arenas(h, p)) {
        old = CLASS_SIZE(pool_of(p)->cls);
        if (n <= OHM_SMALL_MAX && SIZE_CLASS(n) == pool_of(p)->cls && !h->cfg.use_malloc) {
            ASAN_UNPOISON(p, n);
            return p;      /* same class: in place */
        }
        ASAN_UNPOISON(p, old);
    } else {
        if (!large_contains(h, p))
            ohm_fatal("ohm_realloc: %p is not a block of heap %p (never allocated, or "
                      "already freed)", p, (void *)h);
        old = large_size(p);
        if (n > OHM_SMALL_MAX || h->cfg.use_malloc) {
            void *q = large_realloc(h, p, n);
            return q ? q : pym_oom(h, n);
        }
    }
    /* Across the 512-byte line, or to another class: move. */
    void *q = pym_malloc(ctx, n);
    if (!q) return NULL;
    memcpy(q, p, old < n ? old : n);
    pym_free_base(h, p);
    return q;
}

/* ------------------------------------------------------------- domain calls */

static void *dom_malloc(ohm_heap *h, ohm_domain d, size_t n) {
    struct alloc_state *a = &h->alloc;
    if (alloc_should_fail(h)) return NULL;
    void *p = a->dom[d].malloc(a->dom[d].ctx, n);
    if (p && h->trace.active) trace_on_alloc(h, d, p, n);
    return p;
}

static void *dom_calloc(ohm_heap *h, ohm_domain d, size_t nelem, size_t elsize) {
    struct alloc_state *a = &h->alloc;
    if (elsize && nelem > SIZE_MAX / elsize) {
        heap_error(h, "calloc: %zu * %zu bytes overflows", nelem, elsize);
        errno = ENOMEM;
        return NULL;
    }
    if (alloc_should_fail(h)) return NULL;
    void *p = a->dom[d].calloc(a->dom[d].ctx, nelem, elsize);
    if (p && h->trace.active) trace_on_alloc(h, d, p, nelem * elsize);
    return p;
}

static void *dom_realloc(ohm_heap *h, ohm_domain d, void *p, size_t n) {
    struct alloc_state *a = &h->alloc;
    if (alloc_should_fail(h)) return NULL;
    /* RAW on another thread while tracing: the old block's free event is queued before
     * any thread can be given its address (trace.c, "Threads") */
    int locked = h->trace.active && d == OHM_DOMAIN_RAW && trace_realloc_enter(h, d);
    void *q = a->dom[d].realloc(a->dom[d].ctx, p, n);
    if (q && h->trace.active) {      /* realloc = free the old block + allocate the new */
        if (p) trace_on_free(h, d, p);
        trace_on_alloc(h, d, q, n);
    }
    if (locked) trace_realloc_leave(h);
    return q;
}

static void dom_free(ohm_heap *h, ohm_domain d, void *p) {
    struct alloc_state *a = &h->alloc;
    if (!p) return;
    if (h->trace.active) trace_on_free(h, d, p);
    a->dom[d].free(a->dom[d].ctx, p);
}

/* Sampled tracing with the fast paths on (trace.h): the byte countdown ran out, so
 * this block is sampled. It comes from the large blocks, whose frees never take the
 * fast path, so the free reaches trace_on_free. */
static void *mem_malloc_sampled(ohm_heap *h, ohm_domain d, size_t n) {
    void *p = large_alloc(h, n ? n : 1, LARGE_PLAIN);
    if (!p) return pym_oom(h, n);
    trace_on_sampled(h, d, p, n);
    return p;
}

static void *mem_calloc_sampled(ohm_heap *h, ohm_domain d, size_t nelem, size_t elsize) {
    if (elsize && nelem > SIZE_MAX / elsize) return pym_calloc(h, nelem, elsize);  /* the error */
    if (!trace_sample_due(&h->trace, nelem * elsize)) return pym_calloc(h, nelem, elsize);
    void *p = mem_malloc_sampled(h, d, nelem * elsize);
    if (p) memset(p, 0, nelem * elsize);
    return p;
}

/* realloc = free the old block (its trace goes) + allocate the new (maybe sampled). */
static void *mem_realloc_sampled(ohm_heap *h, ohm_domain d, void *p, size_t n) {
    if (!trace_sample_due(&h->trace, n)) {
        void *q = pym_realloc(h, p, n);
        if (q && p) trace_on_free(h, d, p);
        return q;
    }
    if (!p) return mem_malloc_sampled(h, d, n);
    size_t old = alloc_usable_size(h, p);
    if (!old) return pym_realloc(h, p, n);   /* not a block: pym_realloc's fatal error */
    void *q = large_alloc(h, n ? n : 1, LARGE_PLAIN);
    if (!q) return pym_oom(h, n);
    memcpy(q, p, old < n ? old : n);
    trace_on_free(h, d, p);
    pym_free_base(h, p);
    trace_on_sampled(h, d, q, n);
    return q;
}

/* Tracing is the only reason to leave the fast paths (h->trace.direct): the pools'
 * fast paths, inline, around the hooks (no domain table, no calls into pool.c). */
static inline void *pool_pop(ohm_heap *h, int kind, size_t n) {
    if (OHM_LIKELY(n - 1 < OHM_SMALL_MAX)) {
        struct alloc_pool *pl = h->alloc.used[kind][SIZE_CLASS(n)];
        void **b = pl->freelist;
        if (OHM_LIKELY(b != NULL)) {
            pl->freelist = *b;
            pl->ref++;
            return b;
        }
    }
    return NULL;
}

static inline void pool_push(ohm_heap *h, void *p) {
    struct alloc_pool *pl = pool_of(p);
    *(void **)p = pl->freelist;
    pl->freelist = p;
    if (OHM_UNLIKELY(--pl->ref == 0)) pool_on_zero(h, pl);
}

/* The traced slow paths are split so that the hot one (tracing alone, a pool block, the
 * limit-1 inline hook) makes no calls but tail calls: no registers to save. */
OHM_NOINLINE static void *mem_malloc_traced(ohm_heap *h, ohm_domain d, size_t n, void *p) {
    if (!p && !(p = pym_malloc(h, n))) return NULL;
    trace_on_alloc(h, d, p, n);
    return p;
}

OHM_NOINLINE static void *mem_malloc_other(ohm_heap *h, ohm_domain d, size_t n) {
    if (!h->alloc.slow) {
        if (OHM_UNLIKELY(trace_sample_due(&h->trace, n))) return mem_malloc_sampled(h, d, n);
        return pym_malloc(h, n);
    }
    return dom_malloc(h, d, n);
}

OHM_NOINLINE static void *mem_malloc_slow(ohm_heap *h, ohm_domain d, size_t n) {
    if (OHM_LIKELY(h->trace.direct)) {
        void *p = pool_pop(h, POOL_PLAIN, n);
        if (OHM_LIKELY(p != NULL) && OHM_LIKELY(trace_hot_alloc(h, d, p, n))) return p;
        return mem_malloc_traced(h, d, n, p);
    }
    return mem_malloc_other(h, d, n);
}

OHM_NOINLINE static void mem_free_traced(ohm_heap *h, ohm_domain d, void *p) {
    trace_on_free(h, d, p);
    if (alloc_in_arenas(h, p)) pool_push(h, p);
    else pym_free_base(h, p);
}

OHM_NOINLINE static void mem_free_other(ohm_heap *h, ohm_domain d, void *p) {
    if (!h->alloc.slow) {
        if (h->trace.active) trace_on_free(h, d, p);   /* sampling: maybe a sampled block */
        pym_free_base(h, p);
        return;
    }
    dom_free(h, d, p);
}

OHM_NOINLINE static void mem_free_slow(ohm_heap *h, ohm_domain d, void *p) {
    if (!p) return;
    if (OHM_LIKELY(h->trace.direct)) {
        if (OHM_LIKELY(alloc_in_arenas(h, p)) && OHM_LIKELY(trace_hot_free(h, p))) {
            pool_push(h, p);
            return;
        }
        mem_free_traced(h, d, p);
        return;
    }
    mem_free_other(h, d, p);
}

void *alloc_malloc(ohm_heap *h, ohm_domain d, size_t n) {
    if (d == OHM_DOMAIN_RAW) return ohm_raw_malloc(h, n);
    return mem_malloc_slow(h, d, n);
}

void *alloc_calloc(ohm_heap *h, ohm_domain d, size_t nelem, size_t elsize) {
    if (d == OHM_DOMAIN_RAW) return ohm_raw_calloc(h, nelem, elsize);
    if (!h->alloc.slow) {
        if (h->trace.active) return mem_calloc_sampled(h, d, nelem, elsize);
        return pym_calloc(h, nelem, elsize);
    }
    return dom_calloc(h, d, nelem, elsize);
}

void *alloc_realloc(ohm_heap *h, ohm_domain d, void *p, size_t n) {
    if (d == OHM_DOMAIN_RAW) return ohm_raw_realloc(h, p, n);
    if (!h->alloc.slow) {
        if (h->trace.active) return mem_realloc_sampled(h, d, p, n);
        return pym_realloc(h, p, n);
    }
    return dom_realloc(h, d, p, n);
}

void alloc_free(ohm_heap *h, ohm_domain d, void *p) {
    if (d == OHM_DOMAIN_RAW) { ohm_raw_free(h, p); return; }
    mem_free_slow(h, d, p);
}

/* ------------------------------------------------------------ public: MEM */

void *ohm_malloc(ohm_heap *h, size_t n) {
    struct alloc_state *a = &h->alloc;
    if (OHM_LIKELY(n <= OHM_SMALL_MAX)) {
        struct alloc_pool *pl = a->plain[n];   /* n == 0: class 0, a unique block */
#if defined(__x86_64__) && defined(__GNUC__)
        /* pl in rdx, so b can be loaded straight into rax, the return register: gcc
         * otherwise picks rax for pl and ends with a copy (13 -> 12 instructions) */
        __asm__("" : "+d"(pl));
#endif
        void **b = pl->freelist;
        if (OHM_LIKELY(b != NULL)) {
            /* sampled tracing's byte countdown (LLONG_MAX when not sampling) */
            if (OHM_LIKELY(trace_countdown(&h->trace, n))) {
                pl->freelist = *b;
                pl->ref++;
                return b;
            }
            h->trace.sample_left += (long long)n;   /* the slow path counts it */
        }
    }
    return mem_malloc_slow(h, OHM_DOMAIN_MEM, n);
}

void ohm_free(ohm_heap *h, void *p) {
    struct alloc_state *a = &h->alloc;
    uintptr_t v = a->fastmap[((uintptr_t)p >> ARENA_SHIFT) & MAP_MASK];
    if (OHM_LIKELY(v != 0)) {
        struct alloc_pool *pl = pool_of_mapped(p, v);
        *(void **)p = pl->freelist;
        pl->freelist = p;
        if (OHM_UNLIKELY(--pl->ref == 0)) pool_on_zero(h, pl);
        return;
    }
    mem_free_slow(h, OHM_DOMAIN_MEM, p);
}

void *ohm_calloc(ohm_heap *h, size_t nelem, size_t elsize) {
    return alloc_calloc(h, OHM_DOMAIN_MEM, nelem, elsize);
}

void *ohm_realloc(ohm_heap *h, void *p, size_t n) {
    return alloc_realloc(h, OHM_DOMAIN_MEM, p, n);
}

/* ------------------------------------------------------------ public: RAW */

void *ohm_raw_malloc(ohm_heap *h, size_t n) {
    return dom_malloc(h, OHM_DOMAIN_RAW, n);
}

void *ohm_raw_calloc(ohm_heap *h, size_t nelem, size_t elsize) {
    return dom_calloc(h, OHM_DOMAIN_RAW, nelem, elsize);
}

void *ohm_raw_realloc(ohm_heap *h, void *p, size_t n) {
    return dom_realloc(h, OHM_DOMAIN_RAW, p, n);
}

void ohm_raw_free(ohm_heap *h, void *p) {
    dom_free(h, OHM_DOMAIN_RAW, p);
}

/* ---------------------------------------------------------------- objects */

static ohm_object *obj_base_alloc(ohm_heap *h, size_t n, int gc) {
    ohm_object *o;
    if (n <= OHM_SMALL_MAX && !h->cfg.use_malloc) {
        o = pool_alloc(h, gc ? POOL_GC : POOL_OBJ, (unsigned)SIZE_CLASS(n));
        if (!o) return pym_oom(h, n);
        pool_track_alloc(h, o, n);
        o->ohm_bits = 0;
    } else {
        o = large_alloc(h, n, gc ? LARGE_GC : LARGE_OBJ);
        if (!o) return pym_oom(h, n);
        o->ohm_bits = OHM_F_LARGE;
    }
    o->ohm_rc = 0;
    o->ohm_type = NULL;
    return o;
}

/* A sampled object (see mem_malloc_sampled): a large block, off the fast free path. */
static ohm_object *obj_alloc_sampled(ohm_heap *h, size_t n, int gc) {
    ohm_object *o = large_alloc(h, n, gc ? LARGE_GC : LARGE_OBJ);
    if (!o) return pym_oom(h, n);
    o->ohm_bits = OHM_F_LARGE;
    o->ohm_rc = 0;
    o->ohm_type = NULL;
    trace_on_sampled(h, OHM_DOMAIN_OBJ, o, n);
    return o;
}

OHM_NOINLINE static ohm_object *obj_alloc_slow(ohm_heap *h, size_t n, int gc) {
    if (OHM_LIKELY(h->trace.direct)) {
        ohm_object *o = pool_pop(h, POOL_OBJ + (gc != 0), n);
        if (OHM_LIKELY(o != NULL)) {
            o->ohm_rc = 0;
            o->ohm_bits = 0;
            if (OHM_LIKELY(trace_hot_alloc(h, OHM_DOMAIN_OBJ, o, n))) return o;
        } else if (!(o = obj_base_alloc(h, n, gc))) {
            return NULL;
        }
        trace_on_alloc(h, OHM_DOMAIN_OBJ, o, n);
        return o;
    }
    if (!h->alloc.slow) {
        if (OHM_UNLIKELY(trace_sample_due(&h->trace, n))) return obj_alloc_sampled(h, n, gc);
        return obj_base_alloc(h, n, gc);
    }
    if (alloc_should_fail(h)) return NULL;
    ohm_object *o = h->cfg.debug ? debug_object_alloc(h, n, gc) : obj_base_alloc(h, n, gc);
    if (o && h->trace.active) trace_on_alloc(h, OHM_DOMAIN_OBJ, o, n);
    return o;
}

ohm_object *alloc_object(ohm_heap *h, size_t n, int gc) {
    struct alloc_state *a = &h->alloc;
    if (OHM_LIKELY(n - 1 < OHM_SMALL_MAX)) {
        struct alloc_pool *pl = a->cur[POOL_OBJ + (gc != 0)][SIZE_CLASS(n)];
        ohm_object *o = pl->freelist;
        if (OHM_LIKELY(o != NULL)) {
            if (OHM_LIKELY(trace_countdown(&h->trace, n))) {   /* sampling */
                pl->freelist = *(void **)o;
                pl->ref++;
                o->ohm_rc = 0;
                o->ohm_bits = 0;   /* the type is already NULL: free slots keep it so */
                return o;
            }
            h->trace.sample_left += (long long)n;
        }
    }
    return obj_alloc_slow(h, n, gc);
}

OHM_NOINLINE static void obj_free_slow(ohm_heap *h, ohm_object *o) {
    if (OHM_LIKELY(h->trace.direct) && !(o->ohm_bits & OHM_F_LARGE)) {   /* a pool object */
        if (!trace_hot_free(h, o)) trace_on_free(h, OHM_DOMAIN_OBJ, o);
        pool_push(h, o);
        return;
    }
    if (h->trace.active) trace_on_free(h, OHM_DOMAIN_OBJ, o);   /* sampling: large ones */
    if (h->alloc.slow && h->cfg.debug) { debug_object_free(h, o); return; }
    if (o->ohm_bits & OHM_F_LARGE) large_free(h, o);
    else pym_free_base(h, o);
}

void alloc_object_free(ohm_heap *h, ohm_object *o) {
    struct alloc_state *a = &h->alloc;
    o->ohm_type = NULL;
    if (OHM_LIKELY(!a->slow) && OHM_LIKELY(!(o->ohm_bits & OHM_F_LARGE))) {
        struct alloc_pool *pl = pool_of(o);
        *(void **)o = pl->freelist;
        pl->freelist = o;
        if (OHM_UNLIKELY(--pl->ref == 0)) pool_on_zero(h, pl);
        return;
    }
    obj_free_slow(h, o);
}

ohm_heap *alloc_heap_of(const ohm_object *o) {
    if (o->ohm_bits & OHM_F_LARGE) {
        ohm_heap *h;
        memcpy(&h, (const char *)o - 16, sizeof h);   /* large prefix, or debug prefix */
        return h;
    }
    return arena_of(o)->heap;
}

size_t alloc_usable_size(ohm_heap *h, const void *p) {
    if (!p) return 0;
    if (h->cfg.debug) {
        const char *base = (const char *)p - DEBUG_PREFIX;
        if (((uintptr_t)p & 15) ||
            !(alloc_in_arenas(h, base) ? pool_is_block_start(h, base) : large_contains(h, base)))
            return 0;
        size_t n;
        memcpy(&n, base + 8, sizeof n);
        return n;
    }
    if (alloc_in_arenas(h, p)) return pool_is_block_start(h, p) ? CLASS_SIZE(pool_of(p)->cls) : 0;
    return large_contains(h, p) ? large_size(p) : 0;
}

int alloc_walk_objects(ohm_heap *h, int gc_only, ohm_object_fn fn, void *arg) {
    int r = pool_walk(h, gc_only, fn, arg);
    return r ? r : large_walk(h, gc_only, fn, arg);
}

/* ------------------------------------------------------------ PEP 445 API */

int ohm_get_allocator(ohm_heap *h, ohm_domain domain, ohm_allocator *out) {
    if (!h || !out || (unsigned)domain > OHM_DOMAIN_OBJ) {
        if (h) heap_error(h, "ohm_get_allocator: bad domain %d", (int)domain);
        return -1;
    }
    *out = h->alloc.dom[domain];
    return 0;
}

int ohm_set_allocator(ohm_heap *h, ohm_domain domain, const ohm_allocator *a) {
    if (!h || (unsigned)domain > OHM_DOMAIN_OBJ) {
        if (h) heap_error(h, "ohm_set_allocator: bad domain %d", (int)domain);
        return -1;
    }
    if (!a || !a->malloc || !a->calloc || !a->realloc || !a->free) {
        heap_error(h, "ohm_set_allocator: the table needs malloc, calloc, realloc and free");
        return -1;
    }
    h->alloc.dom[domain] = *a;
    if (domain == OHM_DOMAIN_RAW) h->alloc.raw_hooked = a->malloc != raw_sys_malloc;
    alloc_update_slow(h);
    return 0;
}

void ohm_get_arena_allocator(ohm_heap *h, ohm_arena_allocator *out) {
    *out = h->alloc.arena_alloc;
}

int ohm_set_arena_allocator(ohm_heap *h, const ohm_arena_allocator *a) {
    if (!a || !a->alloc || !a->free) {
        heap_error(h, "ohm_set_arena_allocator: the table needs alloc and free");
        return -1;
    }
    if (h->alloc.arenas_allocated) {
        heap_error(h, "ohm_set_arena_allocator: the heap already has arenas; set it first");
        return -1;
    }
    h->alloc.arena_alloc = *a;
    h->alloc.arena_hooked = 1;
    return 0;
}
