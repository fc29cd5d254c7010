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
    int nframes;               /* traceback limit, 1..OHM_TRACE_MAX_FRAMES */
    int unwind;                /* native unwinder (unwind.c's UNWIND_*) */
    uintptr_t self_lo, self_hi; /* ohm's code when a shared library (unwind_self_range) */
    size_t sample_mean;        /* 0: trace every block; else mean bytes between samples */
    long long sample_left;     /* bytes until the next sample point */
    uint64_t rng;              /* xorshift state for the sample gaps (fixed seed) */
    size_t current, peak;      /* traced bytes now and at most (estimates if sampling) */
    size_t lost;               /* traces dropped because the tracer ran out of memory */
    /* traces: block address -> entry, open addressing with linear probing */
    struct trace_entry *traces;
    size_t traces_len, traces_cap; /* entries used; slots (power of 2, or 0) */
    unsigned traces_shift;     /* 64 - log2(traces_cap): the hash's shift */
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
};

int  trace_init(ohm_heap *h);
void trace_fini(ohm_heap *h);
/* Hooks the allocator calls while h->trace.active, for every domain. */
void trace_on_alloc(ohm_heap *h, ohm_domain d, const void *p, size_t n);
void trace_on_free(ohm_heap *h, ohm_domain d, const void *p);
/* For fatal messages and reports: print "    allocated at file:line (function)" lines
 * for the block or object p when tracing knows it; print nothing otherwise. */
void trace_print_origin(ohm_heap *h, const void *p, FILE *out);

#endif
