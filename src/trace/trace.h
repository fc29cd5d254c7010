/*
 * trace.h — allocation tracing, tracemalloc: the layer above alloc/ (trace.c,
 * frames.c, strtab.c, unwind.c, symbolize.c, snapshot.c, snapshot_io.c). What the
 * layers above see: the per-heap state, init/fini and the origin of a block. The
 * tracer sees blocks as the allocator's observer (alloc.h), installed by
 * ohmi_trace_init and switched on by ohm_trace_start.
 *
 * Invariants while ohmi_trace_of(h)->active:
 *  - every block of h allocated since tracing started and not yet freed, and that was
 *    chosen (always, unless sampling), has exactly one entry in the traces table, keyed
 *    by its address, holding its requested size, domain and interned traceback id;
 *  - current == sum over entries of ohmi_trace_weight_size(size) (the size itself when not
 *    sampling), peak >= current (asserted at level 2 as traces go, at level 3 summed
 *    over every trace when traced memory is read and when the traces are reset);
 *  - the tracer allocates only from the C library (never from h), and a hook entered
 *    while another runs (busy) returns at once without tracing.
 * The internals the trace/ files share are in trace_impl.h.
 */
#ifndef OHM_TRACE_H
#define OHM_TRACE_H

#include "alloc/alloc.h"

#include <pthread.h>

struct trace_entry;         /* traces table slot (trace.c) */
struct trace_tb;            /* an interned traceback (frames.c) */

/* Strings interned by content, in memory owned by the table (strtab.c). */
struct trace_strtab {
    struct trace_chunk *chunks;   /* bump arena the strings (and other data) live in */
    char **strs;                  /* id -> string */
    ohmi_index index;             /* id + 1, by the string's bytes */
    size_t len, cap;              /* strings, strs capacity */
    size_t mem;                   /* bytes held, for ohm_trace_get_memory */
    ohm_heap *heap;               /* whose fault injection counts its allocations (the
                                     tracer's heap; a snapshot's while it is built);
                                     NULL: none (ohmi_sys_*); kept by ohmi_strtab_free */
};

/* A traced block whose traceback waits to be interned (frames.c, "deferred
 * interning"): its call site, native frames and hash, and the block. */
#define TRACE_PEND 16           /* entries interned together */
#define TRACE_PEND_FRAMES 32    /* deferred only up to this many native frames */
struct trace_pend_tb {
    uint64_t hv;
    const struct ohm_callsite *site;
    uint32_t np, total;
    uintptr_t p;
    size_t n;
    int d;
    uintptr_t pcs[TRACE_PEND_FRAMES];
};

struct trace_state {
    int active;                /* tracing on: the allocator calls the observer */
    int busy;                  /* a hook is running: nested allocations go untraced */
    int fast;                  /* active, limit 1, no provider, not sampling: the hot path */
    int fast_sites;            /* active, limit 1, a site provider, not sampling: the same
                                  hot path with the provider's record as the call site */
    int nframes;               /* traceback limit, 1..OHM_TRACE_MAX_FRAMES */
    int unwind;                /* native unwinder (unwind.c's UNWIND_*) */
    uintptr_t self_lo, self_hi; /* ohm's code when a shared library (ohmi_unwind_self_range) */
    size_t sample_mean;        /* 0: trace every block; else mean bytes between samples */
    /* bytes until the next sample point: the allocator's sample_left (alloc.h) */
    uint64_t rng;              /* xorshift state for the sample gaps (fixed seed) */
    struct alloc_tags *tg;     /* the allocator's block tags: pool blocks' traces, the
                                  call-site cache of limit 1, and the traced bytes now
                                  and at most (tg->bytes, tg->peak; estimates if
                                  sampling) */
    size_t lost;               /* traces dropped because the tracer ran out of memory */
    /* traces: block address -> entry, open addressing with linear probing */
    struct trace_entry *traces;
    size_t traces_len, traces_cap; /* entries used; slots (power of 2, or 0) */
    size_t traces_max;         /* entries allowed before the table doubles (cap / 2) */
    unsigned traces_shift;     /* 64 - log2(traces_cap): the hash's shift */
    struct { uintptr_t ptr; size_t size; } *big;   /* sizes of traced blocks >= 4 GiB */
    size_t nbig, big_cap;
    /* interned tracebacks: id -> traceback, and a hash index over them */
    struct trace_tbref { struct trace_tb *tb; uint64_t hash; } *tbs;   /* hash: tb->hash,
                                  kept here too: probes and rehashes touch no record */
    ohmi_index tb_index;       /* id + 1, by the raw frames (trace_tb.hash) */
    size_t tbs_len, tbs_cap;
    struct trace_strtab strs;  /* symbolized names; tracebacks live in its arena too */
    uint32_t last_native;      /* the last native traceback interned: loops repeat it */
    int defer;                 /* exact, limit > 1: deep tracebacks may wait (pend) */
    size_t npend;              /* blocks traced with TRACE_TB_PENDING, oldest first */
    struct trace_pend_tb pend[TRACE_PEND];
    uint32_t last_sites;       /* the same for a site provider's tracebacks */
    ohm_frame_provider provider;   /* host-language frames, or NULL */
    void *provider_arg;
    ohm_site_provider site_provider; /* host-language frames as records, or NULL (never
                                        both: setting one removes the other) */
    void *site_provider_arg;
    size_t mem;                /* bytes in traces and tb tables, for ohm_trace_get_memory */
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

/* The heap as the tracer sees it: the allocator's view, then the tracer's state. */
struct ohmi_trace_heap {
    struct ohmi_alloc_heap alloc;
    struct trace_state trace;
};
static inline struct trace_state *ohmi_trace_of(const ohm_heap *h) {
    return &((struct ohmi_trace_heap *)(uintptr_t)h)->trace;
}

int  ohmi_trace_init(ohm_heap *h);   /* installs the allocator's observer */
void ohmi_trace_fini(ohm_heap *h);
/* The check of the tracer's invariants (ohm_heap_check's part): every trace, in the
 * block tags or the table, names an interned traceback and a domain; their weights sum
 * to the traced memory, peak >= it; the table's count and probe runs. 0 when they hold;
 * else nonzero, the first violation described on out (may be NULL). O(traces + tags);
 * applies the foreign threads' queue first, takes nothing from the heap. */
int  ohmi_trace_check(ohm_heap *h, FILE *out);
/* For fatal messages and reports: print "    allocated at file:line (function)" lines
 * for the block or object p when tracing knows it; print nothing otherwise. */
void ohmi_trace_print_origin(ohm_heap *h, const void *p, FILE *out);

#endif
