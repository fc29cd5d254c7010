/*
 * trace.h — allocation tracing, tracemalloc (owned by trace*.c, unwind.c, symbolize.c,
 * snapshot*.c). What the rest of the library sees: the per-heap state and the hooks.
 *
 * Invariants while h->trace.active:
 *  - every block of h allocated since tracing started and not yet freed, and that was
 *    chosen (always, unless sampling), has exactly one entry in the traces table, keyed
 *    by its address, holding its requested size, domain and interned traceback id;
 *  - current == sum over entries of trace_weight_size(size) (the size itself when not
 *    sampling), peak >= current;
 *  - the tracer allocates only from the C library (never from h), and a hook entered
 *    while another runs (busy) returns at once without tracing.
 * The internals the trace*.c files share are in trace_impl.h.
 */
#ifndef OHM_TRACE_H
#define OHM_TRACE_H

#include <pthread.h>

struct trace_entry;         /* traces table slot (trace.c) */
struct trace_tb;            /* an interned traceback (trace_frames.c) */

/* Strings interned by content, in memory owned by the table (trace_strtab.c). */
struct trace_strtab {
    struct trace_chunk *chunks;   /* bump arena the strings (and other data) live in */
    char **strs;                  /* id -> string */
    uint32_t *index;              /* open addressing: id + 1, 0 empty */
    size_t len, cap, index_cap;   /* strings, strs capacity, index slots (power of 2) */
    size_t mem;                   /* bytes held, for ohm_trace_get_memory */
};

struct trace_state {
    int active;                /* tracing on: the allocator calls the hooks below */
    int busy;                  /* a hook is running: nested allocations go untraced */
    int fast;                  /* active, limit 1, no provider, not sampling: the hot path */
    int direct;                /* tracing is the only reason the allocator leaves its fast
                                  paths (alloc_update_slow sets it): the slow paths run the
                                  pools' fast paths inline around the hooks */
    int nframes;               /* traceback limit, 1..OHM_TRACE_MAX_FRAMES */
    int unwind;                /* native unwinder (unwind.c's UNWIND_*) */
    uintptr_t self_lo, self_hi; /* ohm's code when a shared library (unwind_self_range) */
    size_t sample_mean;        /* 0: trace every block; else mean bytes between samples */
    long long sample_left;     /* bytes until the next sample point; LLONG_MAX when not
                                  sampling. The allocator's fast paths count it down too
                                  (trace_sample_due), so keep it near the top. */
    uint64_t rng;              /* xorshift state for the sample gaps (fixed seed) */
    size_t current, peak;      /* traced bytes now and at most (estimates if sampling) */
    size_t lost;               /* traces dropped because the tracer ran out of memory */
    /* traces: block address -> entry, open addressing with linear probing */
    struct trace_entry *traces;
    size_t traces_len, traces_cap; /* entries used; slots (power of 2, or 0) */
    size_t traces_max;         /* entries allowed before the table doubles (3/4 of cap) */
    unsigned traces_shift;     /* 64 - log2(traces_cap): the hash's shift */
    /* pool blocks' traces (trace.c, "side arrays"): one 32-bit word per 16-byte granule
     * of each arena holding a traced block, reached through a two-level directory */
    uint32_t ***side_top;      /* [2^13] -> [2^14] -> leaf of 2^16 words, or NULL */
    size_t side_leaves;        /* leaves mapped */
    struct { uintptr_t arena; uint32_t *leaf; } side_cache[64];  /* arena number -> leaf,
                                  direct mapped; arena UINTPTR_MAX: empty */
    int table_pool;            /* some pool block's trace is in the table instead */
    struct { uintptr_t ptr; size_t size; } *big;   /* sizes of traced blocks >= 4 GiB */
    size_t nbig, big_cap;
    /* interned tracebacks: id -> traceback, and a hash index over them */
    struct trace_tb **tbs;
    uint32_t *tb_index;        /* open addressing: id + 1, 0 empty */
    size_t tbs_len, tbs_cap, tb_index_cap;
    struct trace_strtab strs;  /* symbolized names; tracebacks live in its arena too */
    /* limit-1 fast path: call site record -> traceback id, direct mapped */
    struct { const void *site; uint32_t tb; } site_cache[256];
    uint32_t last_native;      /* the last native traceback interned: loops repeat it */
    ohm_frame_provider provider;   /* host-language frames, or NULL */
    void *provider_arg;
    size_t mem;                /* bytes in traces and tb tables, for ohm_trace_get_memory */
    uintptr_t last_freed;      /* the block freed last and its traceback id: the debug */
    uint32_t last_freed_tb;    /* hooks report on a block after its free hook ran */
    /* sampling: a counting filter over the addresses of traced blocks (saturating
     * counters by address hash), so a free of an untraced block costs one byte test */
    uint8_t sample_filter[4096];
    /* RAW-domain hooks on threads other than `owner` (the one that started tracing)
     * only append their events to this queue, under q_lock; the owner applies them in
     * order (trace_drain) before its next alloc hook and every query. q_pend != 0 (read
     * with atomics) says there may be events, or a foreign realloc is under way. */
    pthread_t owner;
    pthread_mutex_t q_lock;
    int q_pend;
    struct trace_pend *q;      /* events; q_pcs: their native frames */
    size_t q_len, q_cap;
    uintptr_t *q_pcs;
    size_t q_npcs, q_pcs_cap;
    long long q_left;          /* foreign threads' sampling countdown and PRNG */
    uint64_t q_rng;
};

int  trace_init(ohm_heap *h);
void trace_fini(ohm_heap *h);
/* Hooks the allocator calls while h->trace.active, for every domain. */
void trace_on_alloc(ohm_heap *h, ohm_domain d, const void *p, size_t n);
void trace_on_free(ohm_heap *h, ohm_domain d, const void *p);
/* A realloc in domain d is about to run: for RAW on a thread other than the tracing
 * owner, take the queue lock (held until trace_realloc_leave, so that the realloc's
 * free of the old block and the free event are one step for the other threads) and
 * return 1; else 0. */
int  trace_realloc_enter(ohm_heap *h, ohm_domain d);
void trace_realloc_leave(ohm_heap *h);

/* Sampling with the allocator's fast paths on (ohm_trace_start_sampled and no other
 * reason to leave them): the fast paths and the slow paths count the bytes allocated
 * down with trace_sample_due; when it says the countdown ran out, the allocator serves
 * the block from its large blocks (the C library: never on a fast free path, so its
 * free reaches trace_on_free) and calls trace_on_sampled. Frees of blocks off the fast
 * path call trace_on_free, which tests the sample filter before any table probe. */
int  trace_sample_expired(struct trace_state *t);   /* out of line, below */
/* The fast paths' countdown: sample_left -= n; whether it is still above 0. On x86-64
 * one read-modify-write `sub` and the branch on its flags (compilers otherwise load,
 * subtract, store and test). n < 2^62. */
static inline int trace_countdown(struct trace_state *t, size_t n) {
#if defined(__x86_64__) && defined(__GCC_ASM_FLAG_OUTPUTS__)
    int le;
    __asm__("subq %2, %0" : "+m"(t->sample_left), "=@ccle"(le) : "r"((long long)n) : );
    return !le;
#else
    return (t->sample_left -= (long long)n) > 0;
#endif
}
static inline int trace_sample_due(struct trace_state *t, size_t n) {
    long long c = n > (size_t)1 << 62 ? (long long)1 << 62 : (long long)n;
    if (OHM_LIKELY((t->sample_left -= c) > 0)) return 0;
    return trace_sample_expired(t);
}
/* Whether the allocator's fast paths may run while tracing (sampled mode). */
static inline int trace_allows_fast(const struct trace_state *t) {
    return !t->active || t->sample_mean != 0;
}
void trace_on_sampled(ohm_heap *h, ohm_domain d, const void *p, size_t n);
/* For fatal messages and reports: print "    allocated at file:line (function)" lines
 * for the block or object p when tracing knows it; print nothing otherwise. */
void trace_print_origin(ohm_heap *h, const void *p, FILE *out);

#endif
