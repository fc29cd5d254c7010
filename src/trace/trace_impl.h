/*
 * trace_impl.h — what the tracing files share among themselves (not the rest of ohm).
 *
 *   trace.c          traces table, start/stop/clear, hooks, peak, sampling
 *   frames.c         capturing frames (call site, native, provider), interned tracebacks
 *   strtab.c         bump arena and content-interned strings
 *   unwind.c         native return addresses (the one OS/arch-specific place)
 *   symbolize.c      return address -> module, symbol, file:line
 *   snapshot.c       snapshots: take, filter, statistics, compare, formatting
 *   snapshot_io.c    dump/load (docs/snapshot-format.md)
 */
#ifndef OHM_TRACE_IMPL_H
#define OHM_TRACE_IMPL_H

#include "trace/trace.h"

#include <stddef.h>

/* ---- strtab.c: a bump arena and strings interned by content ---- */
struct trace_chunk { struct trace_chunk *next; size_t used, size; /* data follows */ };
/* n bytes, 16-aligned, from the table's arena; NULL when out of memory. */
void *ohmi_strtab_alloc(struct trace_strtab *t, size_t n);
/* The interned copy of s[0..len) (NUL-terminated), or NULL when out of memory. */
const char *ohmi_strtab_intern_len(struct trace_strtab *t, const char *s, size_t len);
const char *ohmi_strtab_intern(struct trace_strtab *t, const char *s);
/* Id of an interned string (s must come from ohmi_strtab_intern on t), or UINT32_MAX. */
uint32_t ohmi_strtab_id(const struct trace_strtab *t, const char *s);
void ohmi_strtab_free(struct trace_strtab *t);   /* everything, arena included */

/* ---- frames.c ---- */
/* The call-site record of the allocation in progress, or NULL. */
/* The heap whose tracer t is (ohmi_trace_of's inverse): the tracer's own memory is
 * its heap's, counted by its fault injection (ohmi_sys_*). */
static inline ohm_heap *trace_heap(const struct trace_state *t) {
    return (ohm_heap *)(uintptr_t)((const char *)t - offsetof(struct ohmi_trace_heap, trace));
}

static inline const ohm_callsite_frame *trace_callsite(void) {
    return ohm_callsite_;
}
enum { FRAME_SITE = 1, FRAME_NATIVE = 2, FRAME_HOST = 3 };
struct trace_rawframe {
    uintptr_t a;       /* SITE: const ohm_callsite *; NATIVE: return address; HOST: filename */
    uintptr_t b;       /* HOST: function name (interned, may be 0) */
    uint32_t line;     /* HOST: line */
    uint32_t kind;     /* FRAME_* */
};
struct trace_tb {
    uint64_t hash;
    uint32_t nframe, total_nframe;
    ohm_traceback *sym;            /* symbolized, oldest first; built on demand */
    uint32_t narrow;               /* frames kept as their words alone (C tracebacks:
                                      nsite call-site records, then return addresses) */
    uint32_t nsite;
    struct trace_rawframe f[];     /* newest first, as captured; narrow: uintptr_t w[] */
};
#define TRACE_NO_TB UINT32_MAX
/* Interned traceback id for an allocation happening now (hook context), or TRACE_NO_TB
 * when out of memory. */
uint32_t ohmi_frames_capture(ohm_heap *h);
/* Deferred interning (frames.c, "deferred interning"): with trace_state.defer set,
 * ohmi_frames_capture may return TRACE_TB_PENDING, having stored the frames in
 * t->pend[t->npend] (site, pcs, total, hash); the caller fills in the block (p, n, d),
 * traces it with that id and counts the entry. trace.c resolves them: prefetch, then
 * ohmi_frames_resolve_one per entry in order (an id, or TRACE_NO_TB out of memory). */
#define TRACE_TB_PENDING (OHMI_TAG_MAX_VALUE)   /* a pool block tag's value, never a real id's */
void ohmi_frames_prefetch(ohm_heap *h);
uint32_t ohmi_frames_resolve_one(ohm_heap *h, const struct trace_pend_tb *e);
/* The symbolized traceback of id (cached), or NULL when out of memory. */
const ohm_traceback *ohmi_frames_symbolized(ohm_heap *h, uint32_t id);
void ohmi_frames_clear(ohm_heap *h);   /* forget every traceback and string */
/* For a RAW hook on a foreign thread: the call site (or NULL) and native frames of the
 * allocation happening now, touching no shared state; returns how many pcs (at most
 * OHM_TRACE_MAX_FRAMES), *total the depth. ohmi_frames_intern_native interns them later
 * (owner thread) into the id ohmi_frames_capture would have given. */
size_t ohmi_frames_capture_native(ohm_heap *h, const void **site, uintptr_t *pcs, size_t *total);
uint32_t ohmi_frames_intern_native(ohm_heap *h, const void *site, const uintptr_t *pcs, size_t np,
                              size_t total);
/* A RAW event from a foreign thread, waiting in the queue (trace.c). */
struct trace_pend {
    uintptr_t ptr;
    size_t size;
    const void *site;          /* call site record or NULL */
    size_t pc_off;             /* its pcs: q_pcs[pc_off .. pc_off + npc) */
    uint32_t npc, total;
    int alloc;                 /* 1: allocated; 0: freed */
};
size_t ohmi_frames_memory(ohm_heap *h);

/* ---- unwind.c ---- */
enum { UNWIND_FP = 0, UNWIND_BACKTRACE = 1, UNWIND_LIBUNWIND = 2 };
/* The unwinder OHM_TRACE_UNWIND=fp|backtrace|libunwind asks for (default: libunwind
 * when built with it, else fp); -1 for a bad value. */
int ohmi_unwind_method_from_env(void);
/* Up to max return addresses, newest first, into pcs; returns how many. With frame
 * (a frame address recorded by a call-site macro): that frame's return address first,
 * then its callers. Without: the callers of ohmi_unwind_capture's caller, `skip` of them
 * dropped first. *total gets the depth seen (>= the count, bounded). */
size_t ohmi_unwind_capture(int method, uintptr_t *pcs, size_t max, void *frame, size_t skip,
                      size_t *total);
/* The frame-pointer walk itself (what ohmi_unwind_capture does for UNWIND_FP): with frame,
 * from that frame's return address on; skip frames dropped first (frame NULL: the
 * walk's own frame counts as one more). The hot path of ohmi_frames_capture calls it. */
size_t ohmi_unwind_fp(uintptr_t *pcs, size_t max, void *frame, size_t skip, size_t *total);
/* [lo, hi) of ohm's code when ohm is a shared library; 0, 0 when linked statically. */
void ohmi_unwind_self_range(uintptr_t *lo, uintptr_t *hi);

/* ---- symbolize.c ---- */
/* Fill *out for the return address pc, strings interned in t. Never fails: unknown
 * parts become "<unknown>" / NULL function, line 0. */
void ohmi_symbolize_pc(uintptr_t pc, struct trace_strtab *t, ohm_frame *out);

/* ---- trace.c ---- */
/* Estimated bytes a traced block of n bytes stands for (n itself when exact). */
size_t ohmi_trace_weight_size(size_t mean, size_t n);
double ohmi_trace_weight_count(size_t mean, size_t n);
struct trace_entry {   /* 16 bytes */
    uintptr_t ptr;     /* block address; 0: empty slot */
    uint32_t size;     /* requested bytes; TRACE_BIG: >= 4 GiB, the size is in t->big */
    uint32_t tbd;      /* interned traceback id << 2 | ohm_domain */
};
#define TRACE_BIG UINT32_MAX
#define TRACE_MAX_TB ((1u << 30) - 1)   /* traceback ids fit in tbd's 30 bits */
/* The size of the block an entry traces. */
size_t ohmi_trace_entry_size(const struct trace_state *t, const struct trace_entry *e);
/* Call fn for every live trace (side arrays and table); stops at fn's first nonzero
 * return and returns it. */
typedef int (*trace_walk_fn)(void *arg, uintptr_t ptr, size_t size, uint32_t tb, int domain);
int ohmi_trace_walk(ohm_heap *h, trace_walk_fn fn, void *arg);

/* ---- snapshot.c (snapshot_io.c builds snapshots through these too) ---- */
struct ohm_snapshot {
    int limit;                  /* traceback limit when taken */
    size_t sample_mean;         /* 0: exact */
    ohm_trace *traces;          /* traces[i].traceback points into tbs */
    size_t ntraces, traces_cap;
    ohm_traceback *tbs;         /* frames live in strs' arena */
    size_t ntbs, tbs_cap;
    struct trace_strtab strs;   /* every string and frame of the snapshot */
    ohmi_ptrmap map;            /* while building: source traceback -> its index in tbs */
};
/* A new, empty snapshot. h: the heap it is built for, whose fault injection counts
 * its allocations until ohmi_snap_finish (a snapshot outlives its heap, so a finished
 * one is no heap's); NULL: none counted (a copy, a loaded file). */
ohm_snapshot *ohmi_snap_new(ohm_heap *h, int limit, size_t sample_mean);
/* Copy tb (strings interned into s) unless this same pointer was copied before; its
 * index, or -1 when out of memory. ohmi_snap_copy_traceback always copies. */
long ohmi_snap_add_traceback(ohm_snapshot *s, const ohm_traceback *tb);
long ohmi_snap_copy_traceback(ohm_snapshot *s, const ohm_traceback *tb);
/* Add a trace with the traceback at index tbi (from ohmi_snap_add_traceback). 0 or -1. */
int  ohmi_snap_add_trace(ohm_snapshot *s, long tbi, size_t size, double count, int domain);
/* Turn traceback indices into pointers, drop build-time tables. */
ohm_snapshot *ohmi_snap_finish(ohm_snapshot *s);

/* ---- snapshot_io.c ---- */
/* Parse a dump held in memory (ohm_snapshot_load after reading the file). */
ohm_snapshot *ohmi_snapshot_parse(const void *data, size_t len, char *err, size_t errlen);

/* ---- trace.c: the allocator's observer hooks ----
 * Called by the allocator (alloc.h's struct ohmi_alloc_observer) while h is traced. */
void ohmi_trace_on_alloc(ohm_heap *h, ohm_domain d, const void *p, size_t n);
void ohmi_trace_on_free(ohm_heap *h, ohm_domain d, const void *p);
void ohmi_trace_on_sampled(ohm_heap *h, ohm_domain d, const void *p, size_t n);
int  ohmi_trace_sample_expired(ohm_heap *h);
int  ohmi_trace_realloc_enter(ohm_heap *h, ohm_domain d);
void ohmi_trace_realloc_leave(ohm_heap *h);

#endif
