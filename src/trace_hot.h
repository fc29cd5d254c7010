/*
 * trace_hot.h — the tracing hooks' hot paths for pool blocks, inline where the
 * allocator calls the hooks (domain.c, after alloc_impl.h) and in trace.c.
 *
 * Pool blocks keep their trace in side arrays (trace.c): one 32-bit word per 16-byte
 * granule of each arena, reached through a two-level directory by address. At limit 1
 * with a call site seen before, an allocation's trace is one store there and a free's
 * removal one load and one store: no hashing, no probing, no calls. Each trace_hot_*
 * returns 1 when it did the whole job, 0 when the caller must call the hook.
 */
#ifndef OHM_TRACE_HOT_H
#define OHM_TRACE_HOT_H

#define SIDE_MID_BITS 14
#define SIDE_TOP_BITS (47 - ARENA_SHIFT - SIDE_MID_BITS)
#define SIDE_SLOTS ((size_t)1 << (ARENA_SHIFT - 4))
#define SIDE_MAX_N 1024u
#define SIDE_MAX_TB ((1u << 20) - 2)

static inline uint32_t side_enc(uint32_t tb, int d, size_t n) {
    return (tb + 1) << 12 | ((uint32_t)d & 3) << 10 | (uint32_t)n;
}
static inline size_t side_size(uint32_t v) { return v & (SIDE_MAX_N - 1); }
static inline uint32_t side_tb(uint32_t v) { return (v >> 12) - 1; }
static inline int side_domain(uint32_t v) { return (int)(v >> 10) & 3; }

/* p's word, or NULL when its leaf does not exist (the directory walk). */
static inline uint32_t *side_slot_walk(const struct trace_state *t, uintptr_t p) {
    if (OHM_UNLIKELY(!t->side_top) || OHM_UNLIKELY(p >> 47)) return NULL;
    uint32_t **mid = t->side_top[p >> (ARENA_SHIFT + SIDE_MID_BITS)];
    if (OHM_UNLIKELY(!mid)) return NULL;
    uint32_t *leaf = mid[(p >> ARENA_SHIFT) & (((size_t)1 << SIDE_MID_BITS) - 1)];
    return OHM_LIKELY(leaf != NULL) ? &leaf[(p & (ARENA_SIZE - 1)) >> 4] : NULL;
}

/* p's word through the leaf cache (one compare when its arena was seen last in its
 * cache slot), or NULL when its leaf does not exist. */
uint32_t *side_slot_miss(struct trace_state *t, uintptr_t p);
static inline uint32_t *side_slot(struct trace_state *t, uintptr_t p) {
    uintptr_t ar = p >> ARENA_SHIFT;
    size_t i = ar & 63;
    if (OHM_LIKELY(t->side_cache[i].arena == ar))
        return &t->side_cache[i].leaf[(p & (ARENA_SIZE - 1)) >> 4];
    return side_slot_miss(t, p);
}

/* p's word when its arena is in the leaf cache, else NULL (no call: the hooks' slow
 * paths fill the cache). */
static inline uint32_t *side_slot_cached(const struct trace_state *t, uintptr_t p) {
    uintptr_t ar = p >> ARENA_SHIFT;
    size_t i = ar & 63;
    if (OHM_LIKELY(t->side_cache[i].arena == ar))
        return &t->side_cache[i].leaf[(p & (ARENA_SIZE - 1)) >> 4];
    return NULL;
}

/* Limit 1, no provider, exact: the block p (a pool block: the caller checked
 * alloc_in_arenas) of n bytes gets its call site's interned traceback. */
static inline int trace_hot_alloc(ohm_heap *h, ohm_domain d, const void *p, size_t n) {
    struct trace_state *t = &h->trace;
    const ohm_callsite_frame *cf = ohm_callsite_;
    if (OHM_UNLIKELY(!t->fast) || OHM_UNLIKELY(!cf)) return 0;
    size_t k = ((uintptr_t)cf->site >> 4) & 255;
    uint32_t tb = t->site_cache[k].tb;
    if (OHM_UNLIKELY(t->site_cache[k].site != cf->site) || OHM_UNLIKELY(n >= SIDE_MAX_N) ||
        OHM_UNLIKELY(tb > SIDE_MAX_TB))
        return 0;
    uint32_t *s = side_slot_cached(t, (uintptr_t)p);
    if (OHM_UNLIKELY(!s) || OHM_UNLIKELY(*s != 0)) return 0;
    *s = side_enc(tb, d, n);
    t->current += n;
    if (t->current > t->peak) t->peak = t->current;
    return 1;
}

/* The pool block p is freed (exact tracing): drop its side word. */
static inline int trace_hot_free(ohm_heap *h, const void *p) {
    struct trace_state *t = &h->trace;
    uint32_t *s = side_slot_cached(t, (uintptr_t)p), v;
    if (OHM_UNLIKELY(!s)) return 0;                /* the hook looks further */
    if (!(v = *s)) return !t->table_pool;         /* untraced, unless the table has it */
    if (OHM_UNLIKELY(t->sample_mean != 0)) return 0;
    *s = 0;
    t->current -= side_size(v);
    t->last_freed = (uintptr_t)p;
    t->last_freed_tb = side_tb(v);
    return 1;
}

#endif
