/*
 * alloc.c — the allocator's front door: every entry point (ohm_malloc, ohm_free, the
 * object allocations, the PEP 445 domains) and the fast paths, which hand the rest to
 * pool.c, large.c, debug.c and the observer.
 *
 * Layers, outermost first (as CPython's):
 *   the observer (the tracer's hooks, struct ohmi_alloc_observer, while `observed`)
 *   the domain's table ohmi_alloc_of(h)->dom[d]: the user's hook, or the debug hooks
 *     (debug.c, which wrap the base), or the base itself
 *   the base: RAW = the C library (large.c); MEM and OBJ = the pools (pym_*)
 *
 * Fast paths. One word, alloc_state.slow, says whether any call must leave the fast
 * path (debug hooks, an observer, a hooked MEM/OBJ domain, bypass mode, fault injection,
 * valgrind/ASan annotations). ohm_malloc and ohm_free do not even test it: when it is
 * set, ohmi_alloc_update_slow points ohmi_alloc_of(h)->plain/cur at pools that never have blocks and
 * ohmi_alloc_of(h)->fastmap at a map that knows no arena, so the tests the fast paths make
 * anyway fail and send the call to the slow path, which tests `slow`:
 *   malloc (12 instructions): size <= 512? pool = plain[size] (an array in the heap,
 *           by request size); b = pool->freelist; if b (and the sampling countdown
 *           holds): pool->freelist = *b; pool->ref++; return b.
 *   free (17 instructions): v = fastmap[addr >> 20] (0, or the arena's pool headers)?
 *           pool = v + (addr >> 9 & 0x7e0); *b = pool->freelist; pool->freelist = b;
 *           if --pool->ref: return.
 * ohmi_alloc_object and ohmi_alloc_object_free do the same for objects, whose free
 * slots keep the link in the type word, tagged, and rc and bits at 0 (alloc_impl.h):
 *   object (+1 on malloc): ...; o = pool->freelist; pool->freelist = o->type - 1;
 *           pool->ref++; o->type = NULL; return o (rc and bits read 0 already).
 *   object free (+1 on free): the same as free with o->rc,bits = 0 and
 *           o->type = pool->freelist + 1 for the link.
 * Everything else (empty free list, new pool, full or empty pool, large blocks,
 * hooks) is out of line. No locks: a heap is used by one thread at a time; the RAW
 * domain's default allocator locks its own list.
 */
#include "alloc/alloc_impl.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

/* The call-site record of the allocation in progress: ohm.h's macros set it around
 * each allocating call; the inline tagger and the tracer read it. */
OHM_API _Thread_local const ohm_callsite_frame *ohm_callsite_
    __attribute__((tls_model("initial-exec")));

/* ------------------------------------------------------------ configuration */

static int pym_is_default(const ohm_heap *h, ohm_domain d) {
    const ohm_allocator *t = &ohmi_alloc_of(h)->dom[d];
    return t->malloc == ohmi_pym_malloc && t->ctx == (void *)h;
}

void ohmi_alloc_update_slow(ohm_heap *h) {
    struct alloc_state *a = ohmi_alloc_of(h);
    int other = ohmi_base_of(h)->cfg.debug || ohmi_base_of(h)->cfg.use_malloc || ohmi_base_of(h)->fault.armed ||
                a->valgrind || !pym_is_default(h, OHM_DOMAIN_MEM) ||
                !pym_is_default(h, OHM_DOMAIN_OBJ);
#if defined(ALLOC_ASAN)
    other = 1;   /* ASan builds poison free blocks: only the slow paths annotate */
#endif
    int slow = other || (a->observed && !a->obs_sampled);
    /* observed alone: pools inline around the hooks (which do not count for a ticker) */
    a->obs_direct = slow && !other && !a->tick;
    a->tick_slow = slow && a->tick && !(a->observed && a->obs_sampled);
    a->slow = (uintptr_t)slow;
    a->cur = slow ? a->idle : a->used;
    for (unsigned c = 0; c < OHM_NB_CLASSES; c++)
        alloc_set_plain(a, c, slow ? &a->empty : a->used[POOL_PLAIN][c]);
    a->fastmap = slow ? a->map + ((size_t)1 << MAP_BITS) : a->map;
}

void ohmi_alloc_observe(ohm_heap *h, const struct ohmi_alloc_observer *obs) {
    ohmi_alloc_of(h)->obs = obs;
}

void ohmi_alloc_set_observing(ohm_heap *h, int on, int sampled) {
    struct alloc_state *a = ohmi_alloc_of(h);
    OHMI_ASSERT(!on || a->obs != NULL);
    a->observed = on;
    a->obs_sampled = on && sampled;
    if (!a->obs_sampled) ohmi_alloc_sample_arm(h, LLONG_MAX);
    ohmi_alloc_update_slow(h);
}

/* ------------------------------------------------------- the byte countdown */

/* Take the bytes counted since the countdown was armed from both clients. */
static void countdown_sync(struct alloc_state *a) {
    unsigned long long used = (unsigned long long)a->count_armed - (unsigned long long)a->sample_left;
    long long u = used > (unsigned long long)LLONG_MAX ? LLONG_MAX : (long long)used;
    if (a->obs_left != LLONG_MAX) a->obs_left = a->obs_left > LLONG_MIN + u ? a->obs_left - u : 0;
    if (a->tick_left != LLONG_MAX) a->tick_left = a->tick_left > LLONG_MIN + u ? a->tick_left - u : 0;
    a->count_armed = a->sample_left;
}

/* Arm sample_left with the nearer client (a client already due: 0, the next block). */
static void countdown_rearm(struct alloc_state *a) {
    long long v = a->obs_left < a->tick_left ? a->obs_left : a->tick_left;
    a->sample_left = a->count_armed = v > 0 ? v : 0;
}

void ohmi_alloc_sample_arm(ohm_heap *h, long long gap) {
    struct alloc_state *a = ohmi_alloc_of(h);
    countdown_sync(a);
    a->obs_left = gap;
    countdown_rearm(a);
}

void ohmi_alloc_set_ticker(ohm_heap *h, long long (*tick)(ohm_heap *h), long long first) {
    struct alloc_state *a = ohmi_alloc_of(h);
    countdown_sync(a);
    a->tick = tick;
    a->tick_left = tick ? (first > 0 ? first : 1) : LLONG_MAX;
    countdown_rearm(a);
    ohmi_alloc_update_slow(h);
}

void ohmi_alloc_describe(ohm_heap *h, const void *p, FILE *out) {
    const struct alloc_state *a = ohmi_alloc_of(h);
    if (a->obs && a->obs->describe) a->obs->describe(h, p, out);
}

int ohmi_alloc_sample_expired(ohm_heap *h) {
    struct alloc_state *a = ohmi_alloc_of(h);
    countdown_sync(a);
    if (a->tick_left <= 0) {
        long long next = a->tick(h);   /* (tick_left is LLONG_MAX without a ticker) */
        a->tick_left = next > 0 ? next : 1;
    }
    int sample = 0;
    if (a->obs_left <= 0) {
        if (!a->obs_sampled) a->obs_left = LLONG_MAX;
        else sample = a->obs->sample_expired(h);   /* it may rearm (ohmi_alloc_sample_arm) */
    }
    /* still due (the observer is busy, or samples this block and arms its next gap
     * when it traces it): the next allocation asks again */
    countdown_rearm(a);
    return sample;
}

/* Annotate blocks only under memcheck: callgrind and the other tools should see
 * the real fast paths. Memcheck preloads its own library, which names it. */
static int alloc_under_memcheck(void) {
    if (!VG_RUNNING()) return 0;
    const char *pre = getenv("LD_PRELOAD");
    return pre && strstr(pre, "memcheck") != NULL;
}

int ohmi_alloc_init(ohm_heap *h) {
    struct alloc_state *a = ohmi_alloc_of(h);
    for (int k = 0; k < ALLOC_NKINDS; k++)
        for (int c = 0; c < OHM_NB_CLASSES; c++) a->used[k][c] = a->idle[k][c] = &a->empty;
    for (unsigned c = 0; c < OHM_NB_CLASSES; c++) alloc_set_plain(a, c, &a->empty);
    pool_set_kind(&a->empty, POOL_FREE);
    a->sample_left = a->count_armed = a->obs_left = a->tick_left = LLONG_MAX;
    ohmi_tags_clear(&a->tags);   /* an empty leaf cache */
    if (ohmi_arena_init(h) < 0) return -1;
    if (pthread_mutex_init(&a->raw_lock, NULL) != 0) {
        ohmi_arena_fini(h);
        ohmi_error(h, "ohm_heap_new: cannot create the RAW domain lock");
        return -1;
    }
    a->dom[OHM_DOMAIN_RAW] = (ohm_allocator){h, ohmi_raw_sys_malloc, ohmi_raw_sys_calloc, ohmi_raw_sys_realloc, ohmi_raw_sys_free};
    for (int d = OHM_DOMAIN_MEM; d <= OHM_DOMAIN_OBJ; d++)
        a->dom[d] = (ohm_allocator){h, ohmi_pym_malloc, ohmi_pym_calloc, ohmi_pym_realloc, ohmi_pym_free};
    a->valgrind = alloc_under_memcheck();
#ifdef OHM_HAVE_VALGRIND
    if (a->valgrind) VALGRIND_CREATE_MEMPOOL(h, 0, 0);
#endif
    if (ohmi_base_of(h)->cfg.debug) {
        for (int d = 0; d < 3; d++) {
            a->debug[d].heap = h;
            a->debug[d].domain = (ohm_domain)d;
            a->debug[d].base = a->dom[d];
            a->dom[d] = (ohm_allocator){&a->debug[d], ohmi_debug_malloc, ohmi_debug_calloc, ohmi_debug_realloc, ohmi_debug_free};
        }
        a->obj_offset = DEBUG_PREFIX;
        ohmi_debug_register(h);
    }
    ohmi_alloc_update_slow(h);
    return 0;
}

void ohmi_alloc_fini(ohm_heap *h) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (ohmi_base_of(h)->cfg.debug) ohmi_debug_unregister(h);
    free(a->debug_quar);   /* the held-back blocks go with the pools and the large map */
    a->debug_quar = NULL;
#ifdef OHM_HAVE_VALGRIND
    if (a->valgrind) VALGRIND_DESTROY_MEMPOOL(h);
#endif
    ohmi_tags_clear(&a->tags);
    ohmi_large_fini(h);
    ohmi_arena_fini(h);
    ohmi_raw_fini(h);
    pthread_mutex_destroy(&a->raw_lock);
}

/* ------------------------------------------------------------ fault injection */

/* The state is base's (struct ohmi_fault, base/fault.c), so every layer's memory
 * consults it; arming it makes every allocation leave the fast paths, whose tests
 * would otherwise skip the count (ohmi_alloc_update_slow). Armed stays armed: a heap
 * that used fault injection once keeps counting until it is destroyed. */
static void fault_arm(ohm_heap *h) {
    struct ohmi_fault *f = &ohmi_base_of(h)->fault;
    f->count = 0;
    if (!f->armed) {
        f->armed = 1;
        ohmi_alloc_update_slow(h);
    }
}

void ohm_fault_fail_nth(ohm_heap *h, size_t n, int persist) {
    fault_arm(h);
    ohmi_base_of(h)->fault.nth = n;
    ohmi_base_of(h)->fault.persist = persist != 0;
}

void ohm_fault_cap(ohm_heap *h, size_t bytes) {
    fault_arm(h);
    ohmi_alloc_of(h)->limit = bytes;
}

size_t ohm_fault_count(ohm_heap *h) {
    return ohmi_base_of(h)->fault.count;
}

void ohmi_alloc_fail_after(ohm_heap *h, long n) {
    if (n < 0) ohm_fault_fail_nth(h, 0, 0);
    else ohm_fault_fail_nth(h, (size_t)n + 1, 1);
}

void ohmi_alloc_set_limit(ohm_heap *h, size_t bytes) {
    ohmi_alloc_of(h)->limit = bytes;
}

int ohmi_alloc_should_fail(ohm_heap *h) {
    if (OHM_LIKELY(!ohmi_fault_fail(h))) return 0;
    ohmi_error(h, "out of memory (injected failure: allocation #%zu)", ohm_fault_count(h));
    return 1;
}

const char *ohmi_alloc_domain_name(ohm_domain d) {
    switch (d) {
    case OHM_DOMAIN_RAW: return "RAW";
    case OHM_DOMAIN_MEM: return "MEM";
    case OHM_DOMAIN_OBJ: return "OBJ";
    }
    return "?";
}

/* -------------------------------------------- the base allocator of MEM and OBJ */

static void *pym_oom(ohm_heap *h, size_t n) {
    ohmi_error(h, "out of memory (%zu bytes)", n);
    errno = ENOMEM;
    return NULL;
}


void *ohmi_pym_malloc(void *ctx, size_t n) {
    ohm_heap *h = ctx;
    void *p;
    if (n == 0) n = 1;
    if (n <= OHM_SMALL_MAX && !ohmi_base_of(h)->cfg.use_malloc) {
        p = ohmi_pool_alloc(h, POOL_PLAIN, (unsigned)SIZE_CLASS(n));
        if (p) ohmi_pool_track_alloc(h, p, n);
    } else {
        p = ohmi_large_alloc(h, n, LARGE_PLAIN);
    }
    return p ? p : pym_oom(h, n);
}

void *ohmi_pym_calloc(void *ctx, size_t nelem, size_t elsize) {
    ohm_heap *h = ctx;
    if (elsize && nelem > SIZE_MAX / elsize) {
        ohmi_error(h, "calloc: %zu * %zu bytes overflows", nelem, elsize);
        errno = ENOMEM;
        return NULL;
    }
    size_t n = nelem * elsize;
    void *p = ohmi_pym_malloc(ctx, n);
    if (p) memset(p, 0, n);
    return p;
}

static void pym_free_base(ohm_heap *h, void *p) {
    if (ohmi_alloc_in_arenas(h, p)) {
        ohmi_pool_free(h, p);
        ohmi_pool_track_free(h, p);
    } else {
        ohmi_large_free(h, p);   /* fatal when p is not one of h's large blocks either */
    }
}

void ohmi_pym_free(void *ctx, void *p) {
    if (p) pym_free_base(ctx, p);
}

void *ohmi_pym_realloc(void *ctx, void *p, size_t n) {
    ohm_heap *h = ctx;
    if (!p) return ohmi_pym_malloc(ctx, n);
    if (n == 0) n = 1;
    size_t old;
    if (ohmi_alloc_in_arenas(h, p)) {
        old = CLASS_SIZE(pool_of(p)->cls);
        if (n <= OHM_SMALL_MAX && SIZE_CLASS(n) == pool_of(p)->cls && !ohmi_base_of(h)->cfg.use_malloc) {
            ASAN_UNPOISON(p, n);
            return p;      /* same class: in place */
        }
        ASAN_UNPOISON(p, old);
    } else {
        if (!ohmi_large_contains(h, p))
            ohmi_fatal("ohm_realloc: %p is not a block of heap %p (never allocated, or "
                      "already freed)", p, (void *)h);
        old = ohmi_large_size(p);
        if (n > OHM_SMALL_MAX || ohmi_base_of(h)->cfg.use_malloc) {
            void *q = ohmi_large_realloc(h, p, n);
            return q ? q : pym_oom(h, n);
        }
    }
    /* Across the 512-byte line, or to another class: move. */
    void *q = ohmi_pym_malloc(ctx, n);
    if (!q) return NULL;
    memcpy(q, p, old < n ? old : n);
    pym_free_base(h, p);
    return q;
}

/* ------------------------------------------------------------- domain calls */

/* A domain's table returned NULL. A user's table sets no message of ohm's, so the
 * header's convention (NULL, a message, errno ENOMEM) is kept here; a message the
 * table's own code set (the pools' "out of memory") is replaced by this fuller one. */
OHM_NOINLINE static void *dom_oom(ohm_heap *h, ohm_domain d, const char *op, size_t n) {
    ohmi_error(h, "%s%s: out of memory (%zu bytes, the %s domain's allocator returned NULL)",
               d == OHM_DOMAIN_RAW ? "ohm_raw_" : "ohm_", op, n, ohmi_alloc_domain_name(d));
    errno = ENOMEM;
    return NULL;
}

static void *dom_malloc(ohm_heap *h, ohm_domain d, size_t n) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (ohmi_alloc_should_fail(h)) return NULL;
    void *p = a->dom[d].malloc(a->dom[d].ctx, n);
    if (OHM_UNLIKELY(!p)) return dom_oom(h, d, "malloc", n);
    if (p && ohmi_alloc_of(h)->observed) ohmi_alloc_of(h)->obs->on_alloc(h, d, p, n);
    return p;
}

static void *dom_calloc(ohm_heap *h, ohm_domain d, size_t nelem, size_t elsize) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (elsize && nelem > SIZE_MAX / elsize) {
        ohmi_error(h, "calloc: %zu * %zu bytes overflows", nelem, elsize);
        errno = ENOMEM;
        return NULL;
    }
    if (ohmi_alloc_should_fail(h)) return NULL;
    void *p = a->dom[d].calloc(a->dom[d].ctx, nelem, elsize);
    if (OHM_UNLIKELY(!p)) return dom_oom(h, d, "calloc", nelem * elsize);
    if (p && ohmi_alloc_of(h)->observed) ohmi_alloc_of(h)->obs->on_alloc(h, d, p, nelem * elsize);
    return p;
}

static void *dom_realloc(ohm_heap *h, ohm_domain d, void *p, size_t n) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (ohmi_alloc_should_fail(h)) return NULL;
    /* RAW on another thread while tracing: the old block's free event is queued before
     * any thread can be given its address (trace.c, "Threads") */
    int locked = ohmi_alloc_of(h)->observed && d == OHM_DOMAIN_RAW && ohmi_alloc_of(h)->obs->realloc_enter(h, d);
    void *q = a->dom[d].realloc(a->dom[d].ctx, p, n);
    if (q && ohmi_alloc_of(h)->observed) {      /* realloc = free the old block + allocate the new */
        if (p) ohmi_alloc_of(h)->obs->on_free(h, d, p);
        ohmi_alloc_of(h)->obs->on_alloc(h, d, q, n);
    }
    if (locked) ohmi_alloc_of(h)->obs->realloc_leave(h);
    return q ? q : dom_oom(h, d, "realloc", n);
}

static void dom_free(ohm_heap *h, ohm_domain d, void *p) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (!p) return;
    if (ohmi_alloc_of(h)->observed) ohmi_alloc_of(h)->obs->on_free(h, d, p);
    a->dom[d].free(a->dom[d].ctx, p);
}

/* Sampled tracing with the fast paths on (trace.h): the byte countdown ran out, so
 * this block is sampled. It comes from the large blocks, whose frees never take the
 * fast path, so the free reaches the observer's on_free. */
static void *mem_malloc_sampled(ohm_heap *h, ohm_domain d, size_t n) {
    void *p = ohmi_large_alloc(h, n ? n : 1, LARGE_PLAIN);
    if (!p) return pym_oom(h, n);
    ohmi_alloc_of(h)->obs->on_sampled(h, d, p, n);
    return p;
}

static void *mem_calloc_sampled(ohm_heap *h, ohm_domain d, size_t nelem, size_t elsize) {
    if (elsize && nelem > SIZE_MAX / elsize) return ohmi_pym_calloc(h, nelem, elsize);  /* the error */
    if (!alloc_sample_due(h, nelem * elsize)) return ohmi_pym_calloc(h, nelem, elsize);
    void *p = mem_malloc_sampled(h, d, nelem * elsize);
    if (p) memset(p, 0, nelem * elsize);
    return p;
}

/* realloc = free the old block (its trace goes) + allocate the new (maybe sampled). */
static void *mem_realloc_sampled(ohm_heap *h, ohm_domain d, void *p, size_t n) {
    if (!alloc_sample_due(h, n)) {
        void *q = ohmi_pym_realloc(h, p, n);
        if (q && p) ohmi_alloc_of(h)->obs->on_free(h, d, p);
        return q;
    }
    if (!p) return mem_malloc_sampled(h, d, n);
    if (n > OHM_SMALL_MAX && !ohmi_alloc_in_arenas(h, p)) {
        /* a large block growing (a buffer, a big list's items): it stays a large block,
         * which is what a sampled block must be, so the C library resizes it in place
         * rather than a copy into a fresh one at each sample point it meets */
        void *q = ohmi_pym_realloc(h, p, n);
        if (!q) return NULL;
        ohmi_alloc_of(h)->obs->on_free(h, d, p);
        ohmi_alloc_of(h)->obs->on_sampled(h, d, q, n);
        return q;
    }
    size_t old = ohmi_alloc_usable_size(h, p);
    if (!old) return ohmi_pym_realloc(h, p, n);   /* not a block: ohmi_pym_realloc's fatal error */
    void *q = ohmi_large_alloc(h, n ? n : 1, LARGE_PLAIN);
    if (!q) return pym_oom(h, n);
    memcpy(q, p, old < n ? old : n);
    ohmi_alloc_of(h)->obs->on_free(h, d, p);
    pym_free_base(h, p);
    ohmi_alloc_of(h)->obs->on_sampled(h, d, q, n);
    return q;
}

/* Tracing is the only reason to leave the fast paths (ohmi_alloc_of(h)->obs_direct): the pools'
 * fast paths, inline, around the hooks (no domain table, no calls into pool.c). */
static inline void *pool_pop(ohm_heap *h, int kind, size_t n) {
    if (OHM_LIKELY(n - 1 < OHM_SMALL_MAX)) {
        struct alloc_pool *pl = ohmi_alloc_of(h)->used[kind][SIZE_CLASS(n)];
        void **b = pl->freelist;
        if (OHM_LIKELY(b != NULL)) return pool_pop_block(pl, b, *b);
    }
    return NULL;
}

static inline void pool_push(ohm_heap *h, void *p) {
    struct alloc_pool *pl = pool_of(p);
    if (OHM_UNLIKELY(pool_push_block(pl, p))) ohmi_pool_on_zero(h, pl);
}

/* The same for object slots (obj_offset is 0 here: debug mode never comes this way). */
static inline ohm_object *slot_pop(ohm_heap *h, int kind, size_t n) {
    if (OHM_LIKELY(n - 1 < OHM_SMALL_MAX)) {
        struct alloc_pool *pl = ohmi_alloc_of(h)->used[kind][SIZE_CLASS(n)];
        void *b = pl->freelist;
        if (OHM_LIKELY(b != NULL)) return pool_pop_slot(pl, b, 0);
    }
    return NULL;
}

static inline void slot_push(ohm_heap *h, ohm_object *o) {
    struct alloc_pool *pl = pool_of(o);
    if (OHM_UNLIKELY(pool_push_slot(pl, o, 0))) ohmi_pool_on_zero(h, pl);
}

/* The traced slow paths are split so that the hot one (tracing alone, a pool block, the
 * limit-1 inline hook) makes no calls but tail calls: no registers to save. */
OHM_NOINLINE static void *mem_malloc_traced(ohm_heap *h, ohm_domain d, size_t n, void *p) {
    if (!p && !(p = ohmi_pym_malloc(h, n))) return NULL;
    ohmi_alloc_of(h)->obs->on_alloc(h, d, p, n);
    return p;
}

OHM_NOINLINE static void *mem_malloc_other(ohm_heap *h, ohm_domain d, size_t n) {
    if (!ohmi_alloc_of(h)->slow) {
        if (OHM_UNLIKELY(alloc_sample_due(h, n))) return mem_malloc_sampled(h, d, n);
        return ohmi_pym_malloc(h, n);
    }
    alloc_tick_count(h, n);
    return dom_malloc(h, d, n);
}

OHM_NOINLINE static void *mem_malloc_slow(ohm_heap *h, ohm_domain d, size_t n) {
    if (OHM_LIKELY(ohmi_alloc_of(h)->obs_direct)) {
        void *p = pool_pop(h, POOL_PLAIN, n);
        if (OHM_LIKELY(p != NULL) && OHM_LIKELY(alloc_tag_inline(h, d, p, n))) return p;
        return mem_malloc_traced(h, d, n, p);
    }
    return mem_malloc_other(h, d, n);
}

OHM_NOINLINE static void mem_free_traced(ohm_heap *h, ohm_domain d, void *p) {
    ohmi_alloc_of(h)->obs->on_free(h, d, p);
    if (ohmi_alloc_in_arenas(h, p)) pool_push(h, p);
    else pym_free_base(h, p);
}

OHM_NOINLINE static void mem_free_other(ohm_heap *h, ohm_domain d, void *p) {
    if (!ohmi_alloc_of(h)->slow) {
        if (ohmi_alloc_of(h)->observed) ohmi_alloc_of(h)->obs->on_free(h, d, p);   /* sampling: maybe a sampled block */
        pym_free_base(h, p);
        return;
    }
    dom_free(h, d, p);
}

OHM_NOINLINE static void mem_free_slow(ohm_heap *h, ohm_domain d, void *p) {
    if (!p) return;
    if (OHM_LIKELY(ohmi_alloc_of(h)->obs_direct)) {
        if (OHM_LIKELY(ohmi_alloc_in_arenas(h, p)) && OHM_LIKELY(alloc_untag_inline(h, p))) {
            pool_push(h, p);
            return;
        }
        mem_free_traced(h, d, p);
        return;
    }
    mem_free_other(h, d, p);
}

void *ohmi_alloc_malloc(ohm_heap *h, ohm_domain d, size_t n) {
    if (d == OHM_DOMAIN_RAW) return ohm_raw_malloc(h, n);
    return mem_malloc_slow(h, d, n);
}

void *ohmi_alloc_calloc(ohm_heap *h, ohm_domain d, size_t nelem, size_t elsize) {
    if (d == OHM_DOMAIN_RAW) return ohm_raw_calloc(h, nelem, elsize);
    if (!ohmi_alloc_of(h)->slow) {
        /* sampling counts there; a ticker alone too (nothing to sample: not due) */
        if (ohmi_alloc_of(h)->observed || ohmi_alloc_of(h)->tick)
            return mem_calloc_sampled(h, d, nelem, elsize);
        return ohmi_pym_calloc(h, nelem, elsize);
    }
    if (!elsize || nelem <= SIZE_MAX / elsize) alloc_tick_count(h, nelem * elsize);
    return dom_calloc(h, d, nelem, elsize);
}

void *ohmi_alloc_realloc(ohm_heap *h, ohm_domain d, void *p, size_t n) {
    if (d == OHM_DOMAIN_RAW) return ohm_raw_realloc(h, p, n);
    if (!ohmi_alloc_of(h)->slow) {
        if (ohmi_alloc_of(h)->observed) return mem_realloc_sampled(h, d, p, n);
        if (ohmi_alloc_of(h)->tick) (void)alloc_sample_due(h, n);   /* nothing to sample */
        return ohmi_pym_realloc(h, p, n);
    }
    alloc_tick_count(h, n);
    return dom_realloc(h, d, p, n);
}

void ohmi_alloc_free(ohm_heap *h, ohm_domain d, void *p) {
    if (d == OHM_DOMAIN_RAW) { ohm_raw_free(h, p); return; }
    mem_free_slow(h, d, p);
}

/* ------------------------------------------------------------ public: MEM */

/* ohm_malloc's fast path: a block of n bytes from the free list of plain[n], or NULL
 * when the caller must take the slow path (n > 512, an empty list, the countdown ran
 * out, the heap is slow). Shared by ohm_malloc and ohm_realloc(h, NULL, n). */
static inline void *malloc_fast(ohm_heap *h, size_t n) {
    struct alloc_state *a = ohmi_alloc_of(h);
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
            if (OHM_LIKELY(alloc_countdown(h, n))) return pool_pop_block(pl, b, *b);
            ohmi_alloc_of(h)->sample_left += (long long)n;   /* the slow path counts it */
        }
    }
    return NULL;
}

void *ohm_malloc(ohm_heap *h, size_t n) {
    void *b = malloc_fast(h, n);
    if (OHM_LIKELY(b != NULL)) return b;
    return mem_malloc_slow(h, OHM_DOMAIN_MEM, n);
}

void ohm_free(ohm_heap *h, void *p) {
    struct alloc_state *a = ohmi_alloc_of(h);
    uintptr_t v = a->fastmap[((uintptr_t)p >> ARENA_SHIFT) & MAP_MASK];
    if (OHM_LIKELY(v != 0)) {
        struct alloc_pool *pl = pool_of_mapped(p, v);
        if (OHM_UNLIKELY(pool_push_block(pl, p))) ohmi_pool_on_zero(h, pl);
        return;
    }
    mem_free_slow(h, OHM_DOMAIN_MEM, p);
}

void *ohm_calloc(ohm_heap *h, size_t nelem, size_t elsize) {
    return ohmi_alloc_calloc(h, OHM_DOMAIN_MEM, nelem, elsize);
}

/* ohm_realloc of a pool block to another pool size, on the fast paths: within its class
 * it is returned as it is, after counting n bytes down as the slow path would
 * (ohmi_pym_realloc after the countdown); to another class it moves to a block from
 * malloc_fast and goes back to its pool as ohm_free's fast path does (a buffer grown
 * 16 bytes at a time moves at every step). The rest (large blocks, across 512 B, a
 * sampling observer, which hears of the old block, a slow heap) takes the slow path. */
OHM_NOINLINE static void *realloc_move(ohm_heap *h, void *p, size_t n, struct alloc_pool *pl) {
    void *q;
    if (!ohmi_alloc_of(h)->observed && (q = malloc_fast(h, n)) != NULL) {
        size_t old = CLASS_SIZE(pl->cls);
        memcpy(q, p, old < n ? old : n);
        if (OHM_UNLIKELY(pool_push_block(pl, p))) ohmi_pool_on_zero(h, pl);
        return q;
    }
    return ohmi_alloc_realloc(h, OHM_DOMAIN_MEM, p, n);
}

OHM_NOINLINE static void *realloc_block(ohm_heap *h, void *p, size_t n) {
    struct alloc_state *a = ohmi_alloc_of(h);
    uintptr_t v = a->fastmap[((uintptr_t)p >> ARENA_SHIFT) & MAP_MASK];
    if (v != 0 && n - 1 < OHM_SMALL_MAX) {
        struct alloc_pool *pl = pool_of_mapped(p, v);
        if (pl->cls != SIZE_CLASS(n)) return realloc_move(h, p, n, pl);
        if (OHM_LIKELY(alloc_countdown(h, n))) return p;
        a->sample_left += (long long)n;   /* the slow path counts it */
    }
    return ohmi_alloc_realloc(h, OHM_DOMAIN_MEM, p, n);
}

/* realloc(h, NULL, n), the allocation of a program that sends every request through
 * one realloc-style callback, takes ohm_malloc's fast path: it costs what ohm_malloc
 * costs, and the block is an ordinary one (ohm_free frees it on its fast path). */
void *ohm_realloc(ohm_heap *h, void *p, size_t n) {
    if (p) return realloc_block(h, p, n);
    void *b = malloc_fast(h, n);
    if (OHM_LIKELY(b != NULL)) return b;
    return ohmi_alloc_realloc(h, OHM_DOMAIN_MEM, NULL, n);
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
    if (n <= OHM_SMALL_MAX && !ohmi_base_of(h)->cfg.use_malloc) {
        o = ohmi_pool_alloc(h, gc ? POOL_GC : POOL_OBJ, (unsigned)SIZE_CLASS(n));
        if (!o) return pym_oom(h, n);
        OHMI_ASSERT_INTERNAL(ohmi_alloc_freed(o));   /* a free slot: its header is ours to set */
        ohmi_pool_track_alloc(h, o, n);
        o->ohm_bits = 0;
    } else {
        o = ohmi_large_alloc(h, n, gc ? LARGE_GC : LARGE_OBJ);
        if (!o) return pym_oom(h, n);
        o->ohm_bits = OHM_F_LARGE;
    }
    o->ohm_rc = 0;
    o->ohm_type = NULL;
    return o;
}

/* A sampled object (see mem_malloc_sampled): a large block, off the fast free path. */
static ohm_object *obj_alloc_sampled(ohm_heap *h, size_t n, int gc) {
    ohm_object *o = ohmi_large_alloc(h, n, gc ? LARGE_GC : LARGE_OBJ);
    if (!o) return pym_oom(h, n);
    o->ohm_bits = OHM_F_LARGE;
    o->ohm_rc = 0;
    o->ohm_type = NULL;
    ohmi_alloc_of(h)->obs->on_sampled(h, OHM_DOMAIN_OBJ, o, n);
    return o;
}

OHM_NOINLINE static ohm_object *obj_alloc_slow(ohm_heap *h, size_t n, int gc) {
    if (OHM_LIKELY(ohmi_alloc_of(h)->obs_direct)) {
        ohm_object *o = slot_pop(h, POOL_OBJ + (gc != 0), n);
        if (OHM_LIKELY(o != NULL)) {
            if (OHM_LIKELY(alloc_tag_inline(h, OHM_DOMAIN_OBJ, o, n))) return o;
        } else if (!(o = obj_base_alloc(h, n, gc))) {
            return NULL;
        }
        ohmi_alloc_of(h)->obs->on_alloc(h, OHM_DOMAIN_OBJ, o, n);
        return o;
    }
    if (!ohmi_alloc_of(h)->slow) {
        if (OHM_UNLIKELY(alloc_sample_due(h, n))) return obj_alloc_sampled(h, n, gc);
        return obj_base_alloc(h, n, gc);
    }
    alloc_tick_count(h, n);
    if (ohmi_alloc_should_fail(h)) return NULL;
    ohm_object *o = ohmi_base_of(h)->cfg.debug ? ohmi_debug_object_alloc(h, n, gc) : obj_base_alloc(h, n, gc);
    if (o && ohmi_alloc_of(h)->observed) ohmi_alloc_of(h)->obs->on_alloc(h, OHM_DOMAIN_OBJ, o, n);
    return o;
}

ohm_object *ohmi_alloc_object(ohm_heap *h, size_t n, int gc) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (OHM_LIKELY(n - 1 < OHM_SMALL_MAX)) {
        struct alloc_pool *pl = a->cur[POOL_OBJ + (gc != 0)][SIZE_CLASS(n)];
        void *b = pl->freelist;
        if (OHM_LIKELY(b != NULL)) {
            if (OHM_LIKELY(alloc_countdown(h, n))) {   /* sampling */
                OHMI_ASSERT_INTERNAL(ohmi_alloc_freed(b));
                return pool_pop_slot(pl, b, 0);   /* obj_offset is 0 on the fast paths */
            }
            ohmi_alloc_of(h)->sample_left += (long long)n;
        }
    }
    return obj_alloc_slow(h, n, gc);
}

OHM_NOINLINE static void obj_free_slow(ohm_heap *h, ohm_object *o) {
    if (OHM_LIKELY(ohmi_alloc_of(h)->obs_direct) && !(o->ohm_bits & OHM_F_LARGE)) {   /* a pool object */
        if (!alloc_untag_inline(h, o)) ohmi_alloc_of(h)->obs->on_free(h, OHM_DOMAIN_OBJ, o);
        slot_push(h, o);
        return;
    }
    o->ohm_type = NULL;   /* no longer an object, whatever way its memory goes */
    if (ohmi_alloc_of(h)->observed) ohmi_alloc_of(h)->obs->on_free(h, OHM_DOMAIN_OBJ, o);   /* sampling: large ones */
    if (ohmi_alloc_of(h)->slow && ohmi_base_of(h)->cfg.debug) { ohmi_debug_object_free(h, o); return; }
    if (o->ohm_bits & OHM_F_LARGE) ohmi_large_free(h, o);
    else pym_free_base(h, o);
}

void ohmi_alloc_object_free(ohm_heap *h, ohm_object *o) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (OHM_LIKELY(!a->slow) && OHM_LIKELY(!(o->ohm_bits & OHM_F_LARGE))) {
        struct alloc_pool *pl = pool_of(o);
        if (OHM_UNLIKELY(pool_push_slot(pl, o, 0))) ohmi_pool_on_zero(h, pl);
        return;
    }
    obj_free_slow(h, o);
}

ohm_heap *ohmi_alloc_heap_of(const ohm_object *o) {
    if (o->ohm_bits & OHM_F_LARGE) {
        ohm_heap *h;
        memcpy(&h, (const char *)o - 16, sizeof h);   /* large prefix, or debug prefix */
        return h;
    }
    return arena_of(o)->heap;
}

size_t ohmi_alloc_usable_size(ohm_heap *h, const void *p) {
    if (!p) return 0;
    if (ohmi_base_of(h)->cfg.debug) {
        const char *base = (const char *)p - DEBUG_PREFIX;
        if (((uintptr_t)p & 15) ||
            !(ohmi_alloc_in_arenas(h, base) ? ohmi_pool_is_block_start(h, base) : ohmi_large_contains(h, base)))
            return 0;
        size_t n;
        memcpy(&n, base + 8, sizeof n);
        return n;
    }
    if (ohmi_alloc_in_arenas(h, p)) return ohmi_pool_is_block_start(h, p) ? CLASS_SIZE(pool_of(p)->cls) : 0;
    return ohmi_large_contains(h, p) ? ohmi_large_size(p) : 0;
}

size_t ohmi_alloc_footprint(ohm_heap *h, const void *p) {
    size_t n = ohmi_alloc_usable_size(h, p);
    /* debug mode's recorded size and bypass mode's block size, rounded as the pools would */
    return n && n <= OHM_SMALL_MAX ? CLASS_SIZE(SIZE_CLASS(n)) : n;
}

int ohmi_alloc_walk_objects(ohm_heap *h, int gc_only, ohm_object_fn fn, void *arg) {
    int r = ohmi_pool_walk(h, gc_only, fn, arg);
    return r ? r : ohmi_large_walk(h, gc_only, fn, arg);
}

int ohmi_alloc_walk_large(ohm_heap *h, ohm_object_fn fn, void *arg) {
    return ohmi_large_walk(h, 1, fn, arg);
}

/* ------------------------------------------------------------ PEP 445 API */

int ohm_get_allocator(ohm_heap *h, ohm_domain domain, ohm_allocator *out) {
    if (!h || !out || (unsigned)domain > OHM_DOMAIN_OBJ) {
        if (h) ohmi_error(h, "ohm_get_allocator: bad domain %d", (int)domain);
        return -1;
    }
    *out = ohmi_alloc_of(h)->dom[domain];
    return 0;
}

int ohm_set_allocator(ohm_heap *h, ohm_domain domain, const ohm_allocator *a) {
    if (!h || (unsigned)domain > OHM_DOMAIN_OBJ) {
        if (h) ohmi_error(h, "ohm_set_allocator: bad domain %d", (int)domain);
        return -1;
    }
    if (!a || !a->malloc || !a->calloc || !a->realloc || !a->free) {
        ohmi_error(h, "ohm_set_allocator: the table needs malloc, calloc, realloc and free");
        return -1;
    }
    ohmi_alloc_of(h)->dom[domain] = *a;
    if (domain == OHM_DOMAIN_RAW) ohmi_alloc_of(h)->raw_hooked = a->malloc != ohmi_raw_sys_malloc;
    ohmi_alloc_update_slow(h);
    return 0;
}

void ohm_get_arena_allocator(ohm_heap *h, ohm_arena_allocator *out) {
    *out = ohmi_alloc_of(h)->arena_alloc;
}

int ohm_set_arena_allocator(ohm_heap *h, const ohm_arena_allocator *a) {
    if (!a || !a->alloc || !a->free) {
        ohmi_error(h, "ohm_set_arena_allocator: the table needs alloc and free");
        return -1;
    }
    if (ohmi_alloc_of(h)->arenas_allocated) {
        ohmi_error(h, "ohm_set_arena_allocator: the heap already has arenas; set it first");
        return -1;
    }
    ohmi_alloc_of(h)->arena_alloc = *a;
    ohmi_alloc_of(h)->arena_hooked = 1;
    return 0;
}
