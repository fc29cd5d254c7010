/*
 * trace.c — tracemalloc's core: the traces table, start/stop/clear, the allocator
 * hooks, traced memory and its peak, and sampling.
 *
 * Pool blocks (inside an arena) keep their trace in side arrays: one 32-bit word per
 * 16-byte granule of the arena (see "side arrays" below and trace_impl.h): a trace is
 * one store, its removal one load and one store. Everything else goes to the table.
 *
 * Traces table: block address -> (requested size, domain, traceback id), open
 * addressing with linear probing over a power-of-two array of 16-byte slots (address,
 * 32-bit size, traceback id and domain; blocks of 4 GiB and more keep their size in a
 * side list), kept at
 * most half full (doubling), emptied slots closed up by backward shifting (no
 * tombstones, so lookups of untraced blocks stop at the first empty slot). The hash is
 * Fibonacci hashing of the address over 16-byte granules (top bits of the product).
 * Per live traced block the table costs 16 / load bytes: 32..64 bytes; tracebacks
 * are shared. Half full keeps probe runs short: a free's lookup and backward shift
 * touch 1.5 slots on average.
 *
 * Hooks: the allocator calls ohmi_trace_on_alloc / ohmi_trace_on_free while ohmi_trace_of(h)->active, for
 * every domain; realloc is a free of the old block and an alloc of the new one. A hook
 * entered while another runs (busy: the frame provider allocating, say) does not trace;
 * frees are always honoured so no trace outlives its block.
 *
 * Sampling (ohm_trace_start_sampled): the bytes allocated form one line; sample points
 * on it are a Poisson process of rate 1/mean (exponential gaps from a xorshift64* PRNG
 * with a fixed seed per heap). A block of n bytes is traced when a point falls in its
 * n bytes, with probability p = 1 - exp(-n/mean); afterwards a fresh gap is drawn
 * (memorylessness keeps the process Poisson). A traced block stands for n/p bytes and
 * 1/p blocks, which makes totals unbiased. Sampling keeps the allocator's fast paths:
 * they count the bytes down (alloc/alloc_impl.h); a sampled block is served from
 * the large blocks, so its free reaches ohmi_trace_on_free, which tests the sample filter
 * (counting, by address hash) before probing the table.
 *
 * Threads: the heap is single-threaded except for its RAW domain. The thread that
 * started tracing (owner) runs every hook directly. A RAW hook on any other thread
 * only appends an event (alloc: address, size, call site and native frames captured
 * on its own stack; free: address) to a queue under q_lock, and raises q_pend; it
 * touches nothing else of the state (its sampling uses its own countdown and PRNG).
 * The owner applies the queue in order (trace_drain) before each of its alloc hooks
 * and before every query, stop, clear and snapshot. Why that order is right: an
 * address reaches another thread only after its free; frees are queued before the
 * block goes back to the allocator, and a foreign realloc holds q_lock (with q_pend
 * raised) across the call, so a block the owner receives has its earlier foreign
 * events queued and q_pend set; the owner's free hooks need no drain (no foreign
 * event about a block the owner holds can be pending). Foreign events for addresses
 * that have since become arena memory (only possible for blocks already freed) are
 * dropped, and foreign frees look only in the table: they never touch side arrays.
 * The owner's hot paths pay one relaxed load of q_pend in its alloc hooks and one
 * domain compare; the pool fast paths nothing.
 */
#include "trace/trace_impl.h"

#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <pthread.h>

#define TRACE_SEED 0x6f686d2074726163ull   /* "ohm trac": the per-heap sampling seed */

/* ------------------------------------------------------------ weights */

size_t ohmi_trace_weight_size(size_t mean, size_t n) {
    if (!mean || !n) return n;
    double p = -expm1(-(double)n / (double)mean);
    double est = (double)n / p;
    return est >= 1.8e19 ? SIZE_MAX : (size_t)llround(est);
}

double ohmi_trace_weight_count(size_t mean, size_t n) {
    if (!mean || !n) return 1.0;
    return 1.0 / -expm1(-(double)n / (double)mean);
}

static uint64_t trace_rand(struct trace_state *t) {   /* xorshift64* */
    uint64_t x = t->rng;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    t->rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Bytes to the next sample point: exponential with mean `mean`, from the PRNG *rng. */
static long long gap_from(uint64_t r, size_t mean) {
    double u = ((double)(r >> 11) + 1.0) * (1.0 / 9007199254740992.0); /* (0,1] */
    double g = -log(u) * (double)mean;
    return g >= 9.0e18 ? (long long)9.0e18 : (long long)g;
}
static long long trace_gap(struct trace_state *t) {
    return gap_from(trace_rand(t), t->sample_mean);
}

/* ------------------------------------------------------------ pool blocks */

/* Pool blocks (inside an arena) keep their trace in the allocator's block tags
 * (alloc.h): tag value = traceback id, with the domain and the requested size
 * (< 1024; pool blocks are <= 512 B), so a trace is one load or store with no hashing
 * and no probing. The tags also hold the traced bytes and peak (tags.bytes/peak),
 * which the allocator's inline tagger keeps for the blocks it tags itself (limit 1,
 * a call site this file put in tags.site). A pool block whose id does not fit (over
 * 2^20 - 2 tracebacks) goes to the table and sets tags.untagged_elsewhere. */

/* ------------------------------------------------------------ traces table */

/* The layout, hash and probing of base's ohmi_ptrmap (16-byte entries: the address,
 * then size and tbd where the map has its value word), kept apart on purpose: the
 * entries' named fields are read all over this file, traces_put replaces an entry in
 * place while keeping the sizes, the 4-GiB list and the sampling filter in step, and
 * every step of the hooks' hot paths here was measured (docs/tracing.md). */

/* Fibonacci hashing: the top bits of the product. shift = 64 - log2(capacity). */
static inline size_t slot_of(uintptr_t p, unsigned shift) {
    return (size_t)(ohmi_hash_ptr(p) >> shift);
}

/* The sample filter's counter for p (sampling only): a free of a block whose counter
 * is 0 is not traced, without probing the table. */
static inline size_t filter_of(uintptr_t p) {
    return (size_t)(ohmi_hash_ptr(p) >> 52);
}
static inline void filter_add(struct trace_state *t, uintptr_t p) {
    uint8_t *c = &t->sample_filter[filter_of(p)];
    if (*c != UINT8_MAX) ++*c;       /* saturated counters stay: a probe, never a miss */
}
static inline void filter_drop(struct trace_state *t, uintptr_t p) {
    uint8_t *c = &t->sample_filter[filter_of(p)];
    if (*c != UINT8_MAX) --*c;
}

/* Blocks of 4 GiB and more keep their size in a side list (rare: a linear scan). */
static long big_find(const struct trace_state *t, uintptr_t p) {
    for (size_t i = 0; i < t->nbig; i++)
        if (t->big[i].ptr == p) return (long)i;
    return -1;
}

size_t ohmi_trace_entry_size(const struct trace_state *t, const struct trace_entry *e) {
    if (OHM_LIKELY(e->size != TRACE_BIG)) return e->size;
    long i = big_find(t, e->ptr);
    return i >= 0 ? t->big[i].size : TRACE_BIG;
}

/* Record n as p's size in e (e->ptr == p). -1 when out of memory. */
static int entry_set_size(struct trace_state *t, struct trace_entry *e, uintptr_t p, size_t n) {
    if (OHM_LIKELY(n < TRACE_BIG)) { e->size = (uint32_t)n; return 0; }
    long i = big_find(t, p);
    if (i < 0) {
        if (t->nbig == t->big_cap) {
            size_t cap = t->big_cap ? t->big_cap * 2 : 8;
            void *a = ohmi_sys_realloc(trace_heap(t), t->big, cap * sizeof *t->big);
            if (!a) return -1;
            t->big = a;
            t->big_cap = cap;
        }
        i = (long)t->nbig++;
    }
    t->big[i].ptr = p;
    t->big[i].size = n;
    e->size = TRACE_BIG;
    return 0;
}

static void big_forget(struct trace_state *t, uintptr_t p) {
    long i = big_find(t, p);
    if (i >= 0) t->big[i] = t->big[--t->nbig];
}

static int traces_grow(struct trace_state *t) {
    size_t cap = t->traces_cap ? t->traces_cap * 2 : 1024;
    unsigned shift = 64 - (unsigned)__builtin_ctzll((unsigned long long)cap);
    struct trace_entry *a = ohmi_sys_calloc(trace_heap(t), cap, sizeof *a);
    if (!a) return -1;
    for (size_t i = 0; i < t->traces_cap; i++) {
        struct trace_entry *e = &t->traces[i];
        if (!e->ptr) continue;
        size_t j = slot_of(e->ptr, shift);
        while (a[j].ptr) j = (j + 1) & (cap - 1);
        a[j] = *e;
    }
    free(t->traces);
    t->traces = a;
    t->traces_cap = cap;
    t->traces_max = cap / 2;
    t->traces_shift = shift;
    return 0;
}

static struct trace_entry *traces_find(const struct trace_state *t, uintptr_t p) {
    if (!t->traces_cap) return NULL;
    size_t m = t->traces_cap - 1;
    for (size_t i = slot_of(p, t->traces_shift);; i = (i + 1) & m) {
        struct trace_entry *e = &t->traces[i];
        if (e->ptr == p) return e;
        if (!e->ptr) return NULL;
    }
}

/* Add or replace p's trace. -1 when out of memory (p is then not traced). */
static inline void traces_remove(struct trace_state *t, struct trace_entry *e);
static int traces_put(struct trace_state *t, uintptr_t p, size_t n, uint32_t tb, int d) {
    if (t->traces_len >= t->traces_max && traces_grow(t) < 0) return -1;
    size_t m = t->traces_cap - 1;
    for (size_t i = slot_of(p, t->traces_shift);; i = (i + 1) & m) {
        struct trace_entry *e = &t->traces[i];
        int was_big = 0;
        if (e->ptr == p) {   /* freed without our hook seeing it: replace */
            t->tg->bytes -= ohmi_trace_weight_size(t->sample_mean, ohmi_trace_entry_size(t, e));
            was_big = e->size == TRACE_BIG;
        } else if (e->ptr) {
            continue;
        }
        if (entry_set_size(t, e, p, n) < 0) {
            if (e->ptr) { if (was_big) big_forget(t, p); traces_remove(t, e); }
            return -1;
        }
        if (was_big && n < TRACE_BIG) big_forget(t, p);
        if (!e->ptr) {
            t->traces_len++;
            OHMI_ASSERT_INTERNAL(t->traces_len <= t->traces_max);
            if (t->sample_mean) filter_add(t, p);
        }
        e->ptr = p;
        e->tbd = tb << 2 | ((uint32_t)d & 3);
        return 0;
    }
}

/* Add or replace p's trace: a pool block's in its side array, anything else (or when
 * the side array cannot take it) in the table. -1 when out of memory. */
static int trace_put(ohm_heap *h, uintptr_t p, size_t n, uint32_t tb, int d) {
    struct trace_state *t = ohmi_trace_of(h);
    if (ohmi_alloc_in_arenas(h, (const void *)p)) {
        if (n < OHMI_TAG_MAX_SIZE && tb <= OHMI_TAG_MAX_VALUE) {
            uint32_t *s = ohmi_tag_slot(t->tg, p);
            if (!s) s = ohmi_tag_slot_make(t->tg, p);
            if (s) {
                if (*s) t->tg->bytes -= ohmi_trace_weight_size(t->sample_mean, ohmi_tag_size(*s));
                *s = ohmi_tag_enc(tb, d, n);
                return 0;
            }
        }
        t->tg->untagged_elsewhere = 1;
    }
    return traces_put(t, p, n, tb, d);
}

/* Remove the trace at e (a slot of the table), closing the gap by backward shifting:
 * each later entry of the run moves back into the hole unless that would put it
 * before its home slot (its probe distance to j is shorter than the hole's). */
static inline void traces_remove(struct trace_state *t, struct trace_entry *e) {
    struct trace_entry *tab = t->traces;
    size_t m = t->traces_cap - 1, i = (size_t)(e - tab), j = i;
    unsigned shift = t->traces_shift;
    if (t->sample_mean) filter_drop(t, e->ptr);
    for (;;) {
        j = (j + 1) & m;
        uintptr_t q = tab[j].ptr;
        if (!q) break;
        size_t k = slot_of(q, shift);
        if (((j - k) & m) >= ((j - i) & m)) { tab[i] = tab[j]; i = j; }
    }
    tab[i].ptr = 0;
    t->traces_len--;
}

/* ------------------------------------------------------------ foreign RAW events */

static _Thread_local int q_held;   /* this thread holds q_lock (ohmi_trace_realloc_enter) */

static inline int trace_foreign(const struct trace_state *t, ohm_domain d) {
    return d == OHM_DOMAIN_RAW && !pthread_equal(pthread_self(), t->owner);
}

static void q_lock(struct trace_state *t) { if (!q_held) pthread_mutex_lock(&t->q_lock); }
static void q_unlock(struct trace_state *t) { if (!q_held) pthread_mutex_unlock(&t->q_lock); }

/* Append an event (q_lock held); lost when out of memory (counted at the drain as a
 * lost alloc; a lost free leaves a stale trace, as any untraced free would). */
static void q_push(struct trace_state *t, uintptr_t p, size_t n, int alloc, const void *site,
                   const uintptr_t *pcs, size_t npc, size_t total) {
    if (t->q_len == t->q_cap) {
        size_t cap = t->q_cap ? t->q_cap * 2 : 256;
        void *a = realloc(t->q, cap * sizeof *t->q);
        if (!a) return;
        t->q = a;
        t->q_cap = cap;
    }
    if (t->q_npcs + npc > t->q_pcs_cap) {
        size_t cap = t->q_pcs_cap ? t->q_pcs_cap : 1024;
        while (cap < t->q_npcs + npc) cap *= 2;
        void *a = realloc(t->q_pcs, cap * sizeof *t->q_pcs);
        if (!a) return;
        t->q_pcs = a;
        t->q_pcs_cap = cap;
    }
    struct trace_pend *e = &t->q[t->q_len++];
    e->ptr = p;
    e->size = n;
    e->alloc = alloc;
    e->site = site;
    e->pc_off = t->q_npcs;
    e->npc = (uint32_t)npc;
    e->total = (uint32_t)total;
    if (npc) memcpy(t->q_pcs + t->q_npcs, pcs, npc * sizeof *pcs);
    t->q_npcs += npc;
    __atomic_store_n(&t->q_pend, 1, __ATOMIC_RELEASE);
}

static OHM_NOINLINE void trace_foreign_alloc(ohm_heap *h, const void *p, size_t n) {
    struct trace_state *t = ohmi_trace_of(h);
    uintptr_t pcs[OHM_TRACE_MAX_FRAMES];
    const void *site;
    size_t total, npc;
    if (!p) return;
    if (t->sample_mean) {   /* the foreign threads' own countdown, under the lock */
        int due;
        q_lock(t);
        t->q_left -= n > (size_t)1 << 62 ? (long long)1 << 62 : (long long)n;
        due = t->q_left <= 0;
        if (due) {
            uint64_t x = t->q_rng;
            x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
            t->q_rng = x;
            t->q_left = gap_from(x * 0x2545F4914F6CDD1Dull, t->sample_mean);
        }
        q_unlock(t);
        if (!due) return;
    }
    npc = ohmi_frames_capture_native(h, &site, pcs, &total);   /* own stack, no shared state */
    q_lock(t);
    q_push(t, (uintptr_t)p, n, 1, site, pcs, npc, total);
    q_unlock(t);
}

static OHM_NOINLINE void trace_foreign_free(ohm_heap *h, const void *p) {
    struct trace_state *t = ohmi_trace_of(h);
    if (!p) return;
    q_lock(t);
    q_push(t, (uintptr_t)p, 0, 0, NULL, NULL, 0, 0);
    q_unlock(t);
}

int ohmi_trace_realloc_enter(ohm_heap *h, ohm_domain d) {
    struct trace_state *t = ohmi_trace_of(h);
    if (!trace_foreign(t, d)) return 0;
    pthread_mutex_lock(&t->q_lock);
    q_held = 1;
    __atomic_store_n(&t->q_pend, 1, __ATOMIC_SEQ_CST);   /* before the old block is freed */
    return 1;
}

void ohmi_trace_realloc_leave(ohm_heap *h) {
    OHMI_ASSERT(q_held);   /* after ohmi_trace_realloc_enter returned 1 */
    q_held = 0;
    pthread_mutex_unlock(&ohmi_trace_of(h)->q_lock);
}

static void trace_free_found(struct trace_state *t, struct trace_entry *e);

/* Owner thread: apply the queued foreign events in order (or drop them: discard). */
static OHM_NOINLINE void trace_drain_slow(ohm_heap *h, int discard) {
    struct trace_state *t = ohmi_trace_of(h);
    pthread_mutex_lock(&t->q_lock);
    __atomic_store_n(&t->q_pend, 0, __ATOMIC_RELAXED);
    int busy = t->busy;
    t->busy = 1;
    for (size_t i = 0; i < t->q_len && !discard && t->active; i++) {
        const struct trace_pend *e = &t->q[i];
        if (!e->alloc) {   /* the table only: RAW blocks are never pool blocks */
            struct trace_entry *s = traces_find(t, e->ptr);
            if (s) trace_free_found(t, s);
            continue;
        }
        if (ohmi_alloc_in_arenas(h, (const void *)e->ptr)) continue;   /* freed since: drop */
        uint32_t tb = ohmi_frames_intern_native(h, e->site, t->q_pcs + e->pc_off, e->npc, e->total);
        if (tb == TRACE_NO_TB || traces_put(t, e->ptr, e->size, tb, OHM_DOMAIN_RAW) < 0) {
            t->lost++;
        } else {
            t->tg->bytes += ohmi_trace_weight_size(t->sample_mean, e->size);
            if (t->tg->bytes > t->tg->peak) t->tg->peak = t->tg->bytes;
        }
    }
    t->q_len = t->q_npcs = 0;
    t->busy = busy;
    pthread_mutex_unlock(&t->q_lock);
}

static inline void trace_drain(ohm_heap *h) {
    if (OHM_UNLIKELY(__atomic_load_n(&ohmi_trace_of(h)->q_pend, __ATOMIC_ACQUIRE)) && !ohmi_trace_of(h)->busy)
        trace_drain_slow(h, 0);
}

/* ------------------------------------------------------------ deferred tracebacks */

/* The trace of the pending entry e's block, still waiting for e's traceback: its tag
 * word (*tag set) or its table entry; NULL when the block was freed since. */
static struct trace_entry *pend_find(ohm_heap *h, const struct trace_pend_tb *e, uint32_t **tag) {
    struct trace_state *t = ohmi_trace_of(h);
    *tag = NULL;
    if (ohmi_alloc_in_arenas(h, (const void *)e->p) && e->n < OHMI_TAG_MAX_SIZE) {
        uint32_t *s = ohmi_tag_slot(t->tg, e->p);
        if (s && *s == ohmi_tag_enc(TRACE_TB_PENDING, e->d, e->n)) { *tag = s; return NULL; }
    }
    struct trace_entry *x = traces_find(t, e->p);
    return x && x->tbd == (TRACE_TB_PENDING << 2 | ((uint32_t)e->d & 3)) && x->size == e->n ? x : NULL;
}

/* Give e's block its traceback id (TRACE_NO_TB: out of memory, the trace goes). A
 * block freed since (gone: its address pending again later, or no trace waiting at
 * it) keeps nothing, but if it was the last freed, that remembers id. */
static void pend_settle(ohm_heap *h, const struct trace_pend_tb *e, uint32_t id, int gone) {
    struct trace_state *t = ohmi_trace_of(h);
    uint32_t *s = NULL;
    struct trace_entry *x = gone ? NULL : pend_find(h, e, &s);
    if (!s && !x) {
        if (t->tg->last_freed == e->p && t->tg->last_freed_value == TRACE_TB_PENDING && id != TRACE_NO_TB)
            t->tg->last_freed_value = id;
        return;
    }
    if (x && id != TRACE_NO_TB) { x->tbd = id << 2 | ((uint32_t)e->d & 3); return; }
    if (s && id < TRACE_TB_PENDING) { *s = ohmi_tag_enc(id, e->d, e->n); return; }
    uintptr_t lf = t->tg->last_freed;   /* the trace goes: no block was freed */
    uint32_t lfv = t->tg->last_freed_value;
    if (s) { *s = 0; t->tg->bytes -= e->n; }
    else trace_free_found(t, x);
    t->tg->last_freed = lf;
    t->tg->last_freed_value = lfv;
    if (id == TRACE_NO_TB) { t->lost++; return; }
    /* an id past the tags' range: the table (as trace_put does) */
    t->tg->untagged_elsewhere = 1;
    if (traces_put(t, e->p, e->n, id, e->d) < 0) { t->lost++; return; }
    t->tg->bytes += e->n;
}

/* Intern every pending traceback, together (frames.c's prefetching), in order. */
static OHM_NOINLINE void trace_resolve(ohm_heap *h) {
    struct trace_state *t = ohmi_trace_of(h);
    int busy = t->busy;
    t->busy = 1;
    ohmi_frames_prefetch(h);
    for (size_t i = 0; i < t->npend; i++) {
        int gone = 0;   /* a later entry at the same address: this block was freed */
        for (size_t j = i + 1; j < t->npend; j++) gone |= t->pend[j].p == t->pend[i].p;
        pend_settle(h, &t->pend[i], ohmi_frames_resolve_one(h, &t->pend[i]), gone);
    }
    t->npend = 0;
    t->busy = busy;
}

/* Before anything reads the traces: the foreign threads' events and the pending
 * tracebacks applied. */
static inline void trace_sync(ohm_heap *h) {
    trace_drain(h);
    if (ohmi_trace_of(h)->npend && !ohmi_trace_of(h)->busy) trace_resolve(h);
}

/* ------------------------------------------------------------ hooks */

/* Everything but the limit-1 call-site fast path: sampling, capturing frames,
 * interning, growing the table. */
static OHM_NOINLINE void trace_alloc_slow(ohm_heap *h, ohm_domain d, const void *p, size_t n) {
    struct trace_state *t = ohmi_trace_of(h);
    if (!t->active || t->busy || !p) return;
    if (t->sample_mean) ohmi_alloc_sample_arm(h, trace_gap(t));   /* on_alloc counted n */
    t->busy = 1;
    uint32_t tb = ohmi_frames_capture(h);
    if (tb == TRACE_NO_TB || trace_put(h, (uintptr_t)p, n, tb, (int)d) < 0) {
        t->lost++;
    } else {
        t->tg->bytes += ohmi_trace_weight_size(t->sample_mean, n);
        if (t->tg->bytes > t->tg->peak) t->tg->peak = t->tg->bytes;
        if (tb == TRACE_TB_PENDING) {   /* its traceback waits in t->pend (frames.c) */
            struct trace_pend_tb *e = &t->pend[t->npend++];
            e->p = (uintptr_t)p;
            e->n = n;
            e->d = (int)d;
        }
    }
    t->busy = 0;
    if (t->npend == TRACE_PEND) trace_resolve(h);
}

/* The allocator's fast paths counted n down to a sample point (alloc_sample_due) and
 * allocated p off its fast paths: trace it (and draw the next gap). */
void ohmi_trace_on_sampled(ohm_heap *h, ohm_domain d, const void *p, size_t n) {
    if (OHM_UNLIKELY(trace_foreign(ohmi_trace_of(h), d))) { trace_foreign_alloc(h, p, n); return; }
    trace_drain(h);
    trace_alloc_slow(h, d, p, n);
}

/* alloc_sample_due's countdown ran out: 1 when the block is to be sampled; 0 (and the
 * countdown rearmed) when not sampling, 0 while a hook runs (the next call samples). */
int ohmi_trace_sample_expired(ohm_heap *h) {
    struct trace_state *t = ohmi_trace_of(h);
    if (!t->active || !t->sample_mean) { ohmi_alloc_sample_arm(h, LLONG_MAX); return 0; }
    return !t->busy;
}

/* The limit-1 hot path for an allocation whose one frame is the record site: a pool
 * block's side word, or a table slot, when site's traceback is in the site cache.
 * 1 when done; 0: the slow path must run. */
static inline int trace_site_fast(ohm_heap *h, struct trace_state *t, ohm_domain d, const void *p,
                                  size_t n, const ohm_callsite *site) {
    size_t k = ohmi_tag_site_slot(site);
    uint32_t tb = t->tg->site[k].value;
    if (OHM_LIKELY(t->tg->site[k].site == site) && OHM_LIKELY(n < OHMI_TAG_MAX_SIZE) &&
        OHM_LIKELY(tb <= OHMI_TAG_MAX_VALUE) && OHM_LIKELY(ohmi_alloc_in_arenas(h, p))) {
        uint32_t *s = ohmi_tag_slot(t->tg, (uintptr_t)p);   /* a pool block: its side word */
        if (OHM_LIKELY(s && !*s)) {
            *s = ohmi_tag_enc(tb, d, n);
            t->tg->bytes += n;
            if (t->tg->bytes > t->tg->peak) t->tg->peak = t->tg->bytes;
            return 1;
        }
    } else if (t->tg->site[k].site == site && n < TRACE_BIG &&
               t->traces_len < t->traces_max && !ohmi_alloc_in_arenas(h, p)) {
        struct trace_entry *tab = t->traces;
        size_t m = t->traces_cap - 1, i = slot_of((uintptr_t)p, t->traces_shift);
        while (tab[i].ptr && tab[i].ptr != (uintptr_t)p) i = (i + 1) & m;
        if (OHM_LIKELY(!tab[i].ptr)) {   /* (a block freed unseen: the slow path) */
            t->traces_len++;
            tab[i].ptr = (uintptr_t)p;
            tab[i].size = (uint32_t)n;
            tab[i].tbd = t->tg->site[k].value << 2 | ((uint32_t)d & 3);
            t->tg->bytes += n;
            if (t->tg->bytes > t->tg->peak) t->tg->peak = t->tg->bytes;
            return 1;
        }
    }
    return 0;
}

/* The hot paths: sampling and no sample point in these n bytes (a subtraction and a
 * branch); limit 1 with a call site seen before, no frame provider, room in the table
 * (a cache probe and an insert, no hashing of frames): the call site is the macros'
 * record, or a site provider's for the host's newest frame (one indirect call). */
void ohmi_trace_on_alloc(ohm_heap *h, ohm_domain d, const void *p, size_t n) {
    struct trace_state *t = ohmi_trace_of(h);
    if (OHM_UNLIKELY(trace_foreign(t, d))) { trace_foreign_alloc(h, p, n); return; }
    trace_drain(h);
    if (t->sample_mean) {
        long long *left = &ohmi_alloc_of(h)->sample_left;
        *left -= n > (size_t)1 << 62 ? (long long)1 << 62 : (long long)n;
        if (OHM_LIKELY(*left > 0)) return;
        /* the countdown is shared (alloc.h): maybe the ticker's point, not ours */
        if (ohmi_alloc_sample_expired(h)) trace_alloc_slow(h, d, p, n);
        return;
    }
    const ohm_callsite_frame *cf = ohm_callsite_;
    if (OHM_LIKELY(t->fast && cf && p) && trace_site_fast(h, t, d, p, n, cf->site)) return;
    if (t->fast_sites && p && !t->busy) {
        /* the host's newest frame as the call site; busy: what the provider allocates
         * goes untraced */
        const ohm_callsite *site;
        uintptr_t pc;
        size_t npcs = 0;
        t->busy = 1;
        size_t got = t->site_provider(t->site_provider_arg, &site, 1, &pc, &npcs);
        t->busy = 0;
        if (got && trace_site_fast(h, t, d, p, n, site)) return;
    }
    trace_alloc_slow(h, d, p, n);
}

/* A traced block is freed: its trace at e goes. Out of line so that the common
 * case of ohmi_trace_on_free (an untraced block while sampling) stays a leaf. */
static OHM_NOINLINE void trace_free_found(struct trace_state *t, struct trace_entry *e) {
    size_t n = ohmi_trace_entry_size(t, e);
    OHMI_ASSERT_INTERNAL(t->tg->bytes >= (t->sample_mean ? ohmi_trace_weight_size(t->sample_mean, n) : n));
    t->tg->bytes -= t->sample_mean ? ohmi_trace_weight_size(t->sample_mean, n) : n;
    if (e->size == TRACE_BIG) big_forget(t, e->ptr);
    t->tg->last_freed = e->ptr;
    t->tg->last_freed_value = e->tbd >> 2;
    traces_remove(t, e);
}

/* The free hook: find p's slot; the common traced case (exact sizes, under 4 GiB)
 * removes it here, backward shift included, with no calls. */
void ohmi_trace_on_free(ohm_heap *h, ohm_domain d, const void *p) {
    struct trace_state *t = ohmi_trace_of(h);
    const uintptr_t a = (uintptr_t)p;
    if (!a) return;
    if (OHM_UNLIKELY(trace_foreign(t, d))) { trace_foreign_free(h, p); return; }
    if (ohmi_alloc_in_arenas(h, p)) {   /* a pool block: its side word */
        uint32_t *s = ohmi_tag_slot(t->tg, a), v;
        if (s && (v = *s) != 0) {
            *s = 0;
            size_t n = ohmi_tag_size(v);
            OHMI_ASSERT_INTERNAL(ohmi_tag_value(v) < t->tbs_len || ohmi_tag_value(v) == TRACE_TB_PENDING);
            OHMI_ASSERT_INTERNAL(t->tg->bytes >= (t->sample_mean ? ohmi_trace_weight_size(t->sample_mean, n) : n));
            t->tg->bytes -= t->sample_mean ? ohmi_trace_weight_size(t->sample_mean, n) : n;
            t->tg->last_freed = a;
            t->tg->last_freed_value = ohmi_tag_value(v);
            return;
        }
        if (!t->tg->untagged_elsewhere) return;
    }
    if (!t->traces_len) return;
    if (t->sample_mean && !t->sample_filter[filter_of(a)]) return;
    struct trace_entry *tab = t->traces;
    const size_t m = t->traces_cap - 1;
    const unsigned shift = t->traces_shift;
    size_t i = slot_of(a, shift);
    for (;; i = (i + 1) & m) {
        uintptr_t q = tab[i].ptr;
        if (q == a) break;
        if (!q) return;
    }
    struct trace_entry *e = &tab[i];
    if (OHM_UNLIKELY(e->size == TRACE_BIG || t->sample_mean)) { trace_free_found(t, e); return; }
    OHMI_ASSERT_INTERNAL(t->tg->bytes >= e->size &&
                         ((e->tbd >> 2) < t->tbs_len || (e->tbd >> 2) == TRACE_TB_PENDING));
    t->tg->bytes -= e->size;
    t->tg->last_freed = a;
    t->tg->last_freed_value = e->tbd >> 2;
    traces_remove(t, e);   /* static inline: exact tracing here, so no filter work */
}

/* ------------------------------------------------------- the observer */

static const struct ohmi_alloc_observer trace_observer = {
    .on_alloc = ohmi_trace_on_alloc,
    .on_free = ohmi_trace_on_free,
    .sample_expired = ohmi_trace_sample_expired,
    .on_sampled = ohmi_trace_on_sampled,
    .realloc_enter = ohmi_trace_realloc_enter,
    .realloc_leave = ohmi_trace_realloc_leave,
    .describe = ohmi_trace_print_origin,
};

/* ------------------------------------------------------------ state */

int ohmi_trace_init(ohm_heap *h) {
    memset(ohmi_trace_of(h), 0, sizeof *ohmi_trace_of(h));
    ohmi_trace_of(h)->rng = TRACE_SEED;
    ohmi_trace_of(h)->last_native = ohmi_trace_of(h)->last_sites = TRACE_NO_TB;
    ohmi_trace_of(h)->q_rng = TRACE_SEED;
    ohmi_trace_of(h)->q_left = LLONG_MAX;
    ohmi_trace_of(h)->tg = &ohmi_alloc_of(h)->tags;
    ohmi_trace_of(h)->strs.heap = h;
    if (pthread_mutex_init(&ohmi_trace_of(h)->q_lock, NULL)) return -1;
    ohmi_alloc_observe(h, &trace_observer);
    return 0;
}

/* The check of trace.h's invariants, over every trace (block tags and table): each
 * names an interned traceback and a domain; current is the sum of their weights and
 * peak >= current; traces_len counts the table's entries, at most traces_max, and each
 * entry is found from its home slot (no empty slot between). The tags' placement is
 * the allocator's to check (ohmi_alloc_check). The first violation goes to out. */
struct trace_census { const struct trace_state *t; FILE *out; size_t sum; int bad; };

static void trace_bad(FILE *out, int *bad, const char *fmt, ...) OHM_PRINTF(3, 4);
static void trace_bad(FILE *out, int *bad, const char *fmt, ...) {
    if ((*bad)++ || !out) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("ohmi_trace_check: ", out);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    va_end(ap);
}

static int trace_census_one(void *arg, uintptr_t ptr, size_t size, uint32_t tb, int domain) {
    struct trace_census *c = arg;
    c->sum += ohmi_trace_weight_size(c->t->sample_mean, size);
    if (tb >= c->t->tbs_len)
        trace_bad(c->out, &c->bad, "trace of %#lx: traceback %u, but %zu are interned",
                  (unsigned long)ptr, tb, c->t->tbs_len);
    else if (domain > OHM_DOMAIN_OBJ)
        trace_bad(c->out, &c->bad, "trace of %#lx: domain %d", (unsigned long)ptr, domain);
    return c->bad;
}

int ohmi_trace_check(ohm_heap *h, FILE *out) {
    const struct trace_state *t = ohmi_trace_of(h);
    struct trace_census c = { t, out, 0, 0 };
    ohmi_trace_walk(h, trace_census_one, &c);
    if (c.bad) return c.bad;
    if (c.sum != t->tg->bytes) {
        trace_bad(out, &c.bad, "the traces weigh %zu bytes, traced memory says %zu", c.sum, t->tg->bytes);
        return c.bad;
    }
    if (t->tg->peak < t->tg->bytes) {
        trace_bad(out, &c.bad, "peak %zu below traced memory %zu", t->tg->peak, t->tg->bytes);
        return c.bad;
    }
    size_t len = 0, m = t->traces_cap - 1;
    for (size_t i = 0; i < t->traces_cap; i++) {
        uintptr_t p = t->traces[i].ptr;
        if (!p) continue;
        len++;
        for (size_t j = slot_of(p, t->traces_shift); j != i; j = (j + 1) & m)
            if (!t->traces[j].ptr) {
                trace_bad(out, &c.bad, "table slot %zu (%#lx): an empty slot %zu lies before it in its run",
                          i, (unsigned long)p, j);
                return c.bad;
            }
    }
    if (len != t->traces_len || t->traces_len > t->traces_max)
        trace_bad(out, &c.bad, "%zu entries in the table, %zu counted (at most %zu)", len,
                  t->traces_len, t->traces_max);
    return c.bad;
}

/* Forget every trace and traceback; keep the settings. */
static void trace_reset(ohm_heap *h) {
    struct trace_state *t = ohmi_trace_of(h);
    trace_drain_slow(h, 1);   /* what foreign threads queued goes with the rest */
    OHMI_ASSERT_EXPENSIVE(ohmi_trace_check(h, stderr) == 0);
    t->npend = 0;             /* and the pending tracebacks */
    t->q_rng = TRACE_SEED;
    t->q_left = t->sample_mean ? gap_from(TRACE_SEED * 0x2545F4914F6CDD1Dull, t->sample_mean)
                               : LLONG_MAX;
    free(t->traces);
    t->traces = NULL;
    t->traces_len = t->traces_cap = t->traces_max = 0;
    t->traces_shift = 0;
    free(t->big);
    t->big = NULL;
    t->nbig = t->big_cap = 0;
    ohmi_tags_clear(t->tg);
    ohmi_frames_clear(h);
    t->tg->bytes = t->tg->peak = 0;
    t->lost = 0;
    t->tg->last_freed = 0;
    t->rng = TRACE_SEED;
    ohmi_alloc_sample_arm(h, t->active && t->sample_mean ? trace_gap(t) : LLONG_MAX);
    memset(t->sample_filter, 0, sizeof t->sample_filter);
}

void ohmi_trace_fini(ohm_heap *h) {
    ohmi_trace_of(h)->active = 0;
    ohmi_trace_of(h)->fast = ohmi_trace_of(h)->fast_sites = 0;
    ohmi_trace_of(h)->tg->tag_sites = ohmi_trace_of(h)->tg->untag = 0;
    ohmi_alloc_set_observing(h, 0, 0);
    ohmi_alloc_observe(h, NULL);
    trace_reset(h);
    free(ohmi_trace_of(h)->q);
    free(ohmi_trace_of(h)->q_pcs);
    ohmi_trace_of(h)->q = NULL;
    ohmi_trace_of(h)->q_pcs = NULL;
    ohmi_trace_of(h)->q_cap = ohmi_trace_of(h)->q_pcs_cap = 0;
    pthread_mutex_destroy(&ohmi_trace_of(h)->q_lock);
}

/* Whether ohmi_trace_on_alloc's hot path applies (see there). */
static void trace_update_fast(struct trace_state *t) {
    t->fast = t->active && t->nframes == 1 && !t->provider && !t->site_provider && !t->sample_mean;
    t->fast_sites = t->active && t->nframes == 1 && t->site_provider && !t->sample_mean;
    t->tg->tag_sites = t->fast;                      /* the allocator's inline tagger */
    t->tg->untag = t->active && !t->sample_mean;
    t->defer = t->active && t->nframes > 1 && t->nframes <= TRACE_PEND_FRAMES && !t->provider &&
               !t->site_provider && !t->sample_mean;
}

static int trace_start(ohm_heap *h, int nframes, size_t mean, const char *fn) {
    struct trace_state *t = ohmi_trace_of(h);
    if (nframes < 1 || nframes > OHM_TRACE_MAX_FRAMES) {
        ohmi_error(h, "%s: nframes must be in 1..%d, not %d", fn, OHM_TRACE_MAX_FRAMES, nframes);
        return -1;
    }
    int method = ohmi_unwind_method_from_env();
    if (method < 0) {
        ohmi_error(h, "%s: OHM_TRACE_UNWIND: expected fp, backtrace or libunwind "
                   "(when built with it)", fn);
        return -1;
    }
    if (t->active && t->sample_mean != mean) trace_reset(h);
    else if (t->active) trace_sync(h);    /* the old owner's queue, applied */
    else trace_drain_slow(h, 1);          /* stray events of an earlier session */
    t->owner = pthread_self();
    t->unwind = method;
    t->nframes = nframes;
    if (!t->active || t->sample_mean != mean) {
        t->sample_mean = mean;
        t->rng = TRACE_SEED;
        ohmi_alloc_sample_arm(h, mean ? trace_gap(t) : LLONG_MAX);
        t->q_rng = TRACE_SEED;
        t->q_left = mean ? gap_from(TRACE_SEED * 0x2545F4914F6CDD1Dull, mean) : LLONG_MAX;
    }
    if (!t->self_hi) ohmi_unwind_self_range(&t->self_lo, &t->self_hi);
    t->active = 1;
    trace_update_fast(t);
    ohmi_alloc_set_observing(h, 1, mean != 0);   /* fast paths skip the hooks */
    return 0;
}

int ohm_trace_start(ohm_heap *h, int nframes) {
    return trace_start(h, nframes, 0, "ohm_trace_start");
}

int ohm_trace_start_sampled(ohm_heap *h, int nframes, size_t mean_bytes) {
    return trace_start(h, nframes, mean_bytes, "ohm_trace_start_sampled");
}

void ohm_trace_stop(ohm_heap *h) {
    ohmi_trace_of(h)->active = 0;
    ohmi_alloc_set_observing(h, 0, 0);
    trace_reset(h);
    ohmi_trace_of(h)->sample_mean = 0;
    ohmi_trace_of(h)->nframes = 0;
    trace_update_fast(ohmi_trace_of(h));
}

int ohm_trace_is_tracing(ohm_heap *h) { return ohmi_trace_of(h)->active; }
int ohm_trace_get_traceback_limit(ohm_heap *h) { return ohmi_trace_of(h)->active ? ohmi_trace_of(h)->nframes : 0; }
size_t ohm_trace_get_sample_mean(ohm_heap *h) { return ohmi_trace_of(h)->active ? ohmi_trace_of(h)->sample_mean : 0; }

void ohm_trace_clear(ohm_heap *h) {
    trace_reset(h);
}

void ohm_trace_get_traced_memory(ohm_heap *h, size_t *current, size_t *peak) {
    trace_sync(h);
    OHMI_ASSERT_INTERNAL(ohmi_trace_of(h)->tg->peak >= ohmi_trace_of(h)->tg->bytes);
    OHMI_ASSERT_EXPENSIVE(ohmi_trace_check(h, stderr) == 0);
    if (current) *current = ohmi_trace_of(h)->tg->bytes;
    if (peak) *peak = ohmi_trace_of(h)->tg->peak;
}

void ohm_trace_reset_peak(ohm_heap *h) {
    trace_sync(h);
    ohmi_trace_of(h)->tg->peak = ohmi_trace_of(h)->tg->bytes;
}

size_t ohm_trace_get_memory(ohm_heap *h) {
    trace_sync(h);
    const struct trace_state *t = ohmi_trace_of(h);
    return t->traces_cap * sizeof *t->traces + ohmi_tags_memory(t->tg) + t->mem + ohmi_frames_memory(h);
}

void ohm_trace_set_frame_provider(ohm_heap *h, ohm_frame_provider fn, void *arg) {
    struct trace_state *t = ohmi_trace_of(h);
    trace_sync(h);
    t->provider = fn;
    t->provider_arg = fn ? arg : NULL;
    if (fn) t->site_provider = NULL, t->site_provider_arg = NULL;
    trace_update_fast(t);
}

void ohm_trace_set_site_provider(ohm_heap *h, ohm_site_provider fn, void *arg) {
    struct trace_state *t = ohmi_trace_of(h);
    trace_sync(h);
    t->site_provider = fn;
    t->site_provider_arg = fn ? arg : NULL;
    if (fn) t->provider = NULL, t->provider_arg = NULL;
    trace_update_fast(t);
}

/* ------------------------------------------------------------ queries */

/* p's traceback id, or TRACE_NO_TB when p is not traced. */
static uint32_t trace_lookup(ohm_heap *h, const void *p) {
    struct trace_state *t = ohmi_trace_of(h);
    if (!p) return TRACE_NO_TB;
    trace_sync(h);
    if (ohmi_alloc_in_arenas(h, p)) {
        uint32_t *s = ohmi_tag_slot(t->tg, (uintptr_t)p);
        if (s && *s) return ohmi_tag_value(*s);
        if (!t->tg->untagged_elsewhere) return TRACE_NO_TB;
    }
    struct trace_entry *e = traces_find(t, (uintptr_t)p);
    return e ? e->tbd >> 2 : TRACE_NO_TB;
}

/* The trace of p, or NULL. Snapshots walk every trace through ohmi_trace_walk. */
const ohm_traceback *ohm_trace_get_traceback(ohm_heap *h, const void *p) {
    uint32_t id = trace_lookup(h, p);
    return id != TRACE_NO_TB ? ohmi_frames_symbolized(h, id) : NULL;
}

static void traceback_print(const ohm_traceback *tb, FILE *out) {
    for (size_t i = tb->nframe; i-- > 0;) {
        const ohm_frame *f = &tb->frames[i];
        fprintf(out, "    %s %s:%u", i + 1 == tb->nframe ? "allocated at" : "from",
                f->filename, f->lineno);
        if (f->function) fprintf(out, " (%s)", f->function);
        fputc('\n', out);
    }
    if (tb->total_nframe > tb->nframe)
        fprintf(out, "    [%zu more frames]\n", tb->total_nframe - tb->nframe);
}

void ohm_trace_print_traceback(ohm_heap *h, const void *p, FILE *out) {
    const ohm_traceback *tb = ohm_trace_get_traceback(h, p);
    if (tb) traceback_print(tb, out);
}

/* As ohm_trace_print_traceback, and also for the block freed last: the allocator's
 * debug hooks find a bad block while freeing it, after its free hook ran. */
void ohmi_trace_print_origin(ohm_heap *h, const void *p, FILE *out) {
    struct trace_state *t = ohmi_trace_of(h);
    if (trace_lookup(h, p) == TRACE_NO_TB && p && (uintptr_t)p == t->tg->last_freed) {
        const ohm_traceback *tb = ohmi_frames_symbolized(h, t->tg->last_freed_value);
        if (tb) {
            traceback_print(tb, out);
            return;
        }
    }
    ohm_trace_print_traceback(h, p, out);
}

/* A pool block's trace, from its tag. */
struct tag_walk { trace_walk_fn fn; void *arg; };
static int tag_walk_one(void *arg, uintptr_t p, uint32_t w) {
    const struct tag_walk *tw = arg;
    return tw->fn(tw->arg, p, ohmi_tag_size(w), ohmi_tag_value(w), ohmi_tag_domain(w));
}

int ohmi_trace_walk(ohm_heap *h, trace_walk_fn fn, void *arg) {
    struct trace_state *t = ohmi_trace_of(h);
    trace_sync(h);
    int r;
    struct tag_walk w = { fn, arg };
    if ((r = ohmi_tags_walk(t->tg, tag_walk_one, &w)) != 0) return r;
    for (size_t i = 0; i < t->traces_cap; i++) {
        const struct trace_entry *e = &t->traces[i];
        if (e->ptr && (r = fn(arg, e->ptr, ohmi_trace_entry_size(t, e), e->tbd >> 2, (int)(e->tbd & 3))))
            return r;
    }
    return 0;
}
