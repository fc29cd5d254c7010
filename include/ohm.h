/*
 * ohm.h — the object heap manager: Python's memory management as a C11 library.
 *
 * This header is the whole public API. A function not documented here is not API.
 *
 * Conventions that hold for every function below:
 *  - Ownership: a function that returns an object returns a NEW reference, except
 *    getters named *_get, which return a BORROWED one. One exception to the naming:
 *    ohm_weakref_get returns a NEW reference (the target could otherwise die while
 *    you use it, as with Python's weakref.ref()). A function that stores an object
 *    takes its own reference; nothing steals.
 *  - Failure: NULL or -1 (0 for the *_len functions), and ohm_last_error(h) says why.
 *    Nothing is changed by a call that fails. A success does not clear the message
 *    (CPython's error indicator is not cleared by success either), except where a
 *    result alone cannot tell failure from success: ohm_int_value and ohm_float_value
 *    clear it whenever they succeed; ohm_dict_get, ohm_weakref_get (NULL: absent,
 *    dead), ohm_dict_next (0: the end) and ohm_iter_next (NULL: the end) clear it when
 *    they return that value without failing. Prefer the forms that cannot be
 *    ambiguous (ohm_int_as, ohm_float_as). *_len returns 0 for an empty container and
 *    for a wrong type: check the type (ohm_type_of) when the object could be anything.
 *    ohm_clear_error(h) clears the message by hand.
 *  - Threads: a heap is used by one thread at a time; different heaps share nothing.
 *  - Misuse of freed memory and buffer overruns cannot be returned as errors. Debug
 *    mode (OHM_MALLOC=debug or cfg.debug) catches them with a fatal message naming
 *    the object, its type and, when tracing, where it was allocated. Outside debug
 *    mode a second decref of an object whose memory has not been reused yet is still
 *    fatal with a message (without the type); once a new object reuses the memory,
 *    nothing tells the misuse apart (docs/debugging.md).
 */
#ifndef OHM_H
#define OHM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(OHM_BUILDING) && defined(__GNUC__)
#  define OHM_API __attribute__((visibility("default")))
#else
#  define OHM_API
#endif

#define OHM_VERSION_MAJOR 0
#define OHM_VERSION_MINOR 3
#define OHM_VERSION "0.3.0"
/* 0.2 added members at the ends of struct ohm_type and struct ohm_config, and 0.3 at
 * the end of struct ohm_config (gc_policy, gc_incremental, gc_budget_us, huge_pages): a client
 * built against an older minor version's header must be rebuilt (the soname stays
 * libohm.so.0 while the major version is 0). */

/* ======================================================================== heaps */

typedef struct ohm_heap ohm_heap;

typedef struct ohm_config {
    unsigned gc_threshold[3]; /* 0 keeps the default: 2000, 10, 10 */
    int gc_enabled;           /* automatic collection; default 1 */
    int debug;                /* debug hooks: guard bytes, fill patterns, refcount checks */
    int trace_frames;         /* >0: start tracing with that many frames */
    int print_stats;          /* print ohm_debug_mallocstats() when the heap is destroyed */
    int use_malloc;           /* 1: bypass the pools, every block from the RAW domain
                                 (OHM_MALLOC=malloc); default 0 */
    const char *config_error; /* set by ohm_config_init when an OHM_* variable is bad;
                                 ohm_heap_new then fails with this message */
    int gc_stress;            /* 1: collect at every chance (OHM_GC_STRESS=1), a testing
                                 aid, Lua's hard-memory mode: every allocation of a
                                 tracked object, while the collector is enabled and no
                                 collection is under way, collects one generation in
                                 turn: 0, 1, 2, 0, ... Thresholds are kept (and reported)
                                 but do not delay it. Default 0 */
    const char *timeline;     /* "path[:ms]": record memory over time from the heap's
                                 creation to its destruction, as ohm_timeline_start(h,
                                 path, ms) does (ms 10 when left out; a ':' always starts
                                 the ms). NULL: none (OHM_TIMELINE). The string must
                                 outlive ohm_heap_new; a bad one, or a file that cannot
                                 be written, makes ohm_heap_new fail */
    int gc_policy;            /* when young collections run (OHM_GC_POLICY=adaptive|cpython):
                                 OHM_GC_POLICY_ADAPTIVE (0, the default): threshold 0
                                 grows while young collections find (almost) nothing,
                                 up to twice the tracked objects, and is back at
                                 gc_threshold[0] when they find garbage and after
                                 every full collection; until
                                 the program sets thresholds (ohm_gc_set_threshold),
                                 which takes the heap to CPython's rule.
                                 OHM_GC_POLICY_CPYTHON: CPython's rule, threshold 0
                                 fixed (docs/gc.md, "Triggers") */
    int gc_incremental;       /* 1: full collections go in steps of bounded time between
                                 allocations (docs/gc.md, "Incremental mode";
                                 OHM_GC=incremental); 0: generational, the default
                                 (OHM_GC=generational) */
    unsigned gc_budget_us;    /* incremental mode: the time of one step, microseconds;
                                 0 keeps the default, 1000 */
    int huge_pages;           /* 1: past 64 arenas (64 MiB), arenas are mapped in 2 MiB
                                 pairs advised for transparent huge pages: a collection
                                 walking a big heap in random order misses the TLB less
                                 (100M objects: ~25% faster), but the first touch of
                                 each pair can stall the program for milliseconds while
                                 the kernel compacts memory (THP defrag "madvise",
                                 Debian's default: 5 ms in the steady-state benchmark).
                                 Default 0 */
} ohm_config;

/* cfg.gc_policy */
enum { OHM_GC_POLICY_ADAPTIVE = 0, OHM_GC_POLICY_CPYTHON = 1 };

/* Fill *cfg with the defaults, then apply the environment: OHM_MALLOC=debug|malloc|pymalloc
 * (plus "malloc_debug" and "pymalloc_debug", as PYTHONMALLOC), OHM_MALLOCSTATS=0|1,
 * OHM_TRACEMALLOC=N, OHM_GC_STRESS=0|1, OHM_GC_POLICY=adaptive|cpython,
 * OHM_GC=generational|incremental, OHM_TIMELINE=path[:ms] (cfg->timeline points
 * into the environment). A bad value is recorded in cfg->config_error, and ohm_heap_new(cfg)
 * fails with a message naming the variable and the accepted values. */
OHM_API void ohm_config_init(ohm_config *cfg);

/* A new private heap. NULL cfg: ohm_config_init's values. Returns NULL on failure;
 * the reason is then in ohm_last_error(NULL). */
OHM_API ohm_heap *ohm_heap_new(const ohm_config *cfg);

/* Release every byte the heap got, objects included (finalizers do not run). In debug
 * mode, live objects are reported first (ohm_report_live). NULL: no-op. */
OHM_API void ohm_heap_destroy(ohm_heap *h);

/* The message of the last failure on h; "" when none. h == NULL: the last failure of
 * ohm_heap_new in this thread. The string stays valid until the next failing call. */
OHM_API const char *ohm_last_error(ohm_heap *h);
/* Forget the message: ohm_last_error(h) is "" afterwards (PyErr_Clear). */
OHM_API void ohm_clear_error(ohm_heap *h);

/* ================================================================ raw memory */

/* Blocks from the heap's MEM domain. Every block is 16-byte aligned.
 * ohm_malloc: n == 0 gives a unique non-NULL pointer. NULL on failure (errno ENOMEM).
 * ohm_calloc: zero-filled; nelem * elsize overflowing gives NULL with errno ENOMEM.
 * ohm_realloc: p == NULL acts as ohm_malloc; n == 0 resizes (a unique non-NULL
 *   pointer is returned, p is not freed outright); contents are kept up to the smaller
 *   size; NULL on failure with p untouched.
 * ohm_free: p == NULL is a no-op. */
OHM_API void *ohm_malloc(ohm_heap *h, size_t n);
OHM_API void *ohm_calloc(ohm_heap *h, size_t nelem, size_t elsize);
OHM_API void *ohm_realloc(ohm_heap *h, void *p, size_t n);
OHM_API void  ohm_free(ohm_heap *h, void *p);

/* Print what sys._debugmallocstats() prints: per size class, arenas, bytes, free lists. */
OHM_API void  ohm_debug_mallocstats(ohm_heap *h, FILE *out);

/* ---- testing aids ----
 * ohm_heap_check: verify every invariant of the heap's internal state (a testing aid,
 * like SQLite's integrity checks: call it between the steps of a test).
 * Walks every arena, pool and pool free list, the large-block set, the block tags
 * that hold traces and the traces table, the collector's generations and their
 * indexes, the object free lists, the interning table and the weak-reference table
 * (docs/architecture.md, "What ohm_heap_check verifies", lists each invariant).
 * Returns 0 when every one holds. Otherwise returns nonzero and prints one line
 * describing the first violation found (layers bottom up) to out, followed by a
 * newline; out may be NULL: print nothing. h == NULL: returns nonzero ("NULL heap").
 * It takes no memory from the heap and changes nothing the heap reports (it may
 * apply trace events other threads queued), so it can run right after a failure.
 * Cost: O(heap) — every object, block and table slot once; no allocation.
 * Called from a finalizer, weakref callback or dealloc (a collection or release
 * under way), it checks only the allocator and the tracer. Not thread-safe: like
 * every call on h except the RAW domain, it needs the heap's thread. */
OHM_API int   ohm_heap_check(ohm_heap *h, FILE *out);

#define OHM_SMALL_MAX 512      /* largest request served from the pools */
#define OHM_ALIGNMENT 16       /* alignment of every block, and the size-class step */
#define OHM_NB_CLASSES (OHM_SMALL_MAX / OHM_ALIGNMENT)

/* The numbers behind ohm_debug_mallocstats, for programs. */
typedef struct ohm_class_stats {
    size_t size;               /* block size of this class */
    size_t pools;              /* pools of this class in use */
    size_t blocks_in_use;
    size_t blocks_available;   /* free blocks in those pools */
} ohm_class_stats;

typedef struct ohm_heap_stats {
    ohm_class_stats classes[OHM_NB_CLASSES];
    size_t arenas_allocated;   /* arenas ever mapped */
    size_t arenas_reclaimed;   /* arenas ever given back to the OS */
    size_t arenas_highwater;   /* most arenas mapped at once */
    size_t arenas_current;     /* arenas mapped now */
    size_t bytes_in_blocks;    /* bytes in allocated pool blocks */
    size_t bytes_available;    /* bytes in free blocks of used pools */
    size_t bytes_unused_pools; /* bytes in empty pools still mapped */
    size_t bytes_pool_headers; /* bytes spent on pool headers */
    size_t bytes_quantization; /* bytes lost to size-class rounding and pool tails */
    size_t bytes_arena_alignment; /* bytes lost to aligning arenas */
    size_t bytes_total;        /* bytes of arenas mapped */
    size_t pages_released;     /* pages of empty pools handed back with madvise */
    size_t large_blocks;       /* live blocks > OHM_SMALL_MAX (from the RAW domain) */
    size_t large_bytes;        /* their requested bytes */
} ohm_heap_stats;

/* Fill *st with the heap's allocator statistics. */
OHM_API void ohm_heap_stats_get(ohm_heap *h, ohm_heap_stats *st);

/* ============================================================ domains (PEP 445) */

typedef enum ohm_domain { OHM_DOMAIN_RAW = 0, OHM_DOMAIN_MEM = 1, OHM_DOMAIN_OBJ = 2 } ohm_domain;

typedef struct ohm_allocator {
    void *ctx;
    void *(*malloc)(void *ctx, size_t n);
    void *(*calloc)(void *ctx, size_t nelem, size_t elsize);
    void *(*realloc)(void *ctx, void *p, size_t n);
    void  (*free)(void *ctx, void *p);
} ohm_allocator;

/* The allocator behind a domain of h. RAW is the system allocator by default and must
 * be thread-safe; MEM and OBJ are the pools. Setting an allocator affects blocks
 * allocated afterwards: a block must be freed by the allocator that gave it, so set
 * allocators before allocating (as PEP 445 requires). Returns -1 for a bad domain. */
OHM_API int ohm_get_allocator(ohm_heap *h, ohm_domain domain, ohm_allocator *out);
OHM_API int ohm_set_allocator(ohm_heap *h, ohm_domain domain, const ohm_allocator *a);

/* Notes: the MEM/OBJ blocks over 512 bytes come from the RAW domain, so a RAW
 * allocator set here serves them too, and must return 16-byte aligned blocks. Object
 * memory (ohm_new) always comes from the heap's own pools, whatever the OBJ table
 * says, so that the collector can walk it; tracing still sees it as OBJ blocks.
 * With OHM_MALLOC=debug the tables hold the debug hooks, which wrap the defaults;
 * setting a table replaces them (wrap what ohm_get_allocator returned to keep them). */

/* Blocks from the RAW domain of h: any thread may call these. */
OHM_API void *ohm_raw_malloc(ohm_heap *h, size_t n);
OHM_API void *ohm_raw_calloc(ohm_heap *h, size_t nelem, size_t elsize);
OHM_API void *ohm_raw_realloc(ohm_heap *h, void *p, size_t n);
OHM_API void  ohm_raw_free(ohm_heap *h, void *p);

/* Where arenas come from: alloc returns size bytes aligned to `align` (a power of two)
 * or NULL; free gives them back. Default: mmap/munmap. Set before the first allocation. */
typedef struct ohm_arena_allocator {
    void *ctx;
    void *(*alloc)(void *ctx, size_t size, size_t align);
    void  (*free)(void *ctx, void *p, size_t size);
} ohm_arena_allocator;
OHM_API void ohm_get_arena_allocator(ohm_heap *h, ohm_arena_allocator *out);
OHM_API int  ohm_set_arena_allocator(ohm_heap *h, const ohm_arena_allocator *a);

/* ==================================================================== objects */

/* The header every object begins with: 16 bytes for every object, GC types included.
 * Members are private; use the functions below. */
typedef struct ohm_type ohm_type;
typedef struct ohm_object {
    uint32_t ohm_rc;            /* reference count; >= 2^31: immortal */
    uint32_t ohm_bits;          /* flags (low 8 bits) and collector state (high 24) */
    const struct ohm_type *ohm_type;   /* the object's type (`struct`: in C++ the member
                                          name would otherwise change the typedef's meaning) */
} ohm_object;

typedef int (*ohm_visit_fn)(ohm_object *o, void *arg);

/* Type flags. User types set OHM_TYPE_GC or nothing; bits 24..31 are ohm's own (the
 * builtin types keep their kind there, for the release path). */
enum { OHM_TYPE_GC = 1 };

struct ohm_type {
    const char *name;
    size_t basicsize;   /* bytes, header included */
    size_t itemsize;    /* bytes per item for ohm_new_var; 0 otherwise */
    unsigned flags;     /* OHM_TYPE_GC: may take part in reference cycles */
    int  (*traverse)(ohm_object *self, ohm_visit_fn visit, void *arg); /* visit each owned ref */
    int  (*clear)(ohm_object *self);      /* drop owned refs, to break a cycle */
    void (*finalize)(ohm_object *self);   /* PEP 442: at most once; may resurrect */
    void (*dealloc)(ohm_object *self);    /* release owned refs/resources; the heap frees the memory */
    uint64_t (*hash)(const ohm_object *self);                     /* NULL: identity */
    int  (*equal)(const ohm_object *a, const ohm_object *b);      /* NULL: identity */
    /* Optional slots (0.2; zero keeps 0.1's behaviour). */
    size_t freelist_max;  /* > 0: each heap keeps up to this many dead objects of this type
                             and hands them back on the next ohm_new (CPython's free lists,
                             for any type). Needs itemsize 0 and basicsize >= 24; emptied by
                             ohm_clear_freelists and full collections; none in debug mode */
    int  (*edge_name)(ohm_object *self, const ohm_object *ref, char *buf, size_t len);
                          /* for ohm_gc_explain: write the name of the field of self that
                             refers to ref ("field 'env'") into buf, NUL-terminated, and
                             return 1; 0: let ohm name it by its order in traverse */
    ohm_object *(*repr)(ohm_object *self); /* a new str for ohm_repr; NULL: "<name object at 0x..>" */
};

/* A new object of type t, zero-filled past the header, refcount 1. Objects of GC types
 * are tracked by the collector. NULL on failure: out of memory, or a type rejected at its
 * first use on the heap, with a message naming the type and the problem: basicsize
 * below the 16-byte header; OHM_TYPE_GC without traverse; clear without traverse;
 * itemsize != 0 (use ohm_new_var); freelist_max on a type that cannot have one.
 * A type is checked once per heap: it must not change while the heap has objects of it. */
OHM_API ohm_object *ohm_new(ohm_heap *h, const ohm_type *t);
/* As ohm_new with t->basicsize + nitems * t->itemsize bytes (overflow: NULL). The type
 * must have itemsize != 0 (else use ohm_new) and is checked as for ohm_new. */
OHM_API ohm_object *ohm_new_var(ohm_heap *h, const ohm_type *t, size_t nitems);

OHM_API void   ohm_incref(ohm_object *o);
OHM_API void   ohm_decref(ohm_object *o);   /* at zero: finalize, dealloc, free */
OHM_API void   ohm_xincref(ohm_object *o);  /* NULL-tolerant */
OHM_API void   ohm_xdecref(ohm_object *o);
OHM_API size_t ohm_refcount(const ohm_object *o);
OHM_API const ohm_type *ohm_type_of(const ohm_object *o);
OHM_API ohm_heap *ohm_heap_of(const ohm_object *o);
/* Immortal objects (PEP 683) ignore reference counting and live until the heap dies. */
OHM_API void   ohm_immortalize(ohm_object *o);
OHM_API int    ohm_is_immortal(const ohm_object *o);
/* Bytes the object and what it owns occupy, as the pools round them (a 24-byte object:
 * 32): the same figure in every mode (debug mode's guard bytes are not counted). */
OHM_API size_t ohm_sizeof(const ohm_object *o);

/* Out-of-line parts of the inline fast paths: release when a count reaches zero, and
 * the report of a decref on a count already at zero (a freed or corrupt object). */
OHM_API void ohm_release_(ohm_object *o);
OHM_API void ohm_refcount_error_(ohm_object *o);

#define OHM_RC_IMMORTAL 0xC0000000u /* refcount given to immortal objects */

/* The inline fast paths. Define OHM_NO_INLINE to call the checked library functions
 * instead (what debug builds of a client should do). The functions named above exist
 * with external linkage either way. */
#ifndef OHM_NO_INLINE
static inline void ohm_incref_inline(ohm_object *o) {
    uint32_t n = o->ohm_rc + 1;
    if ((int32_t)n > 0) o->ohm_rc = n;     /* immortal counts stay as they are */
}
static inline void ohm_decref_inline(ohm_object *o) {
    uint32_t c = o->ohm_rc;
    if ((int32_t)c <= 0) { if (c == 0) ohm_refcount_error_(o); return; } /* immortal; 0: misuse */
    if ((o->ohm_rc = c - 1) == 0) ohm_release_(o);
}
#define ohm_incref(o) ohm_incref_inline(o)
#define ohm_decref(o) ohm_decref_inline(o)
#define ohm_xincref(o) do { ohm_object *ohm_x_ = (o); if (ohm_x_) ohm_incref_inline(ohm_x_); } while (0)
#define ohm_xdecref(o) do { ohm_object *ohm_x_ = (o); if (ohm_x_) ohm_decref_inline(ohm_x_); } while (0)
#endif

/* Scope-bound references: `OHM_AUTO ohm_object *x = ohm_int_new(h, 5);` releases x at
 * scope exit (GCC/Clang). x may be NULL. */
#if defined(__GNUC__) || defined(__clang__)
OHM_API void ohm_auto_release_(ohm_object **slot);
#define OHM_AUTO __attribute__((cleanup(ohm_auto_release_)))
#endif

/* Live objects by type (count, bytes as ohm_sizeof counts them), as CPython's
 * -X showrefcount for C, under the title "ohm: live objects by type (heap 0x..; ...)".
 * While tracing, it then lists where they were allocated: per type, the 3 biggest sites
 * by newest frame ("str  3  144  prog.c:7 (main)"). Debug mode prints it at
 * ohm_heap_destroy when objects are left, after "ohm: heap 0x.. destroyed with N live
 * objects". */
OHM_API void ohm_report_live(ohm_heap *h, FILE *out);
/* The number of mortal objects alive now in h (ohm_report_live's total), for a leak
 * check at exit. Walks the heap: O(objects). */
OHM_API size_t ohm_live_objects(ohm_heap *h);

/* =========================================================== weak references */

/* Any object may be weakly referenced; an object never weakly referenced pays nothing
 * (a flag in its header and a per-heap side table find its weakrefs).
 * A weakref is an object of ohm_weakref_type (a GC type: a weakref held only by
 * garbage is garbage itself). */
typedef void (*ohm_weakref_callback)(ohm_object *ref, void *arg);
/* A weak reference to target; cb (may be NULL) runs when target dies, unless the
 * weakref itself died first.
 * Returns a new reference, or NULL (target NULL or of another heap, out of memory) with
 * an error.
 * Callback-less weakrefs are shared, as weakref.ref(o) is in Python: with cb == NULL an
 * existing callback-less weakref to target is returned (a new reference to it).
 * When the target dies (refcount, or a collection): every weakref to it is cleared
 * first, then the callbacks run, the most recently created weakref first, each with
 * ref (whose ohm_weakref_get is NULL by then) and arg; a reference to ref is held
 * while its callback runs, so a callback may release anything, ref included.
 * In a collection, callbacks run only for weakrefs that are not garbage themselves,
 * before any finalizer; a weakref freed by its own callback counts as collected. */
OHM_API ohm_object *ohm_weakref_new(ohm_heap *h, ohm_object *target, ohm_weakref_callback cb, void *arg);
/* A NEW reference to the target (the one *_get that does not return a borrowed
 * reference: the target could die while borrowed), or NULL with ohm_last_error ""
 * once the target died, or NULL with an error when ref is not a weakref. */
OHM_API ohm_object *ohm_weakref_get(ohm_object *ref);
/* Number of weak references to o (live weakref objects pointing at it). */
OHM_API size_t ohm_weakref_count(const ohm_object *o);

/* ============================================================= builtin types */

#include <stdarg.h>   /* va_list, for ohm_str_from_formatv */

/* Errors, for every function below: a wrong type, an index out of range, an unhashable
 * key or a NULL item gives NULL (or -1, or 0 for the *_len functions) and a message in
 * ohm_last_error of the object's heap naming the function, e.g.
 * "ohm_list_get: index 5 out of range (len 3)"; nothing is changed. With a NULL
 * object the message goes to ohm_last_error(NULL). */

OHM_API extern const ohm_type ohm_int_type, ohm_float_type, ohm_str_type, ohm_tuple_type,
    ohm_list_type, ohm_dict_type, ohm_weakref_type, ohm_range_type, ohm_iter_type;
OHM_API extern const ohm_type ohm_none_type, ohm_bool_type;

/* None, False and True (Py_None, Py_False, Py_True): one immortal object each per heap,
 * made on first use (the first call may fail: NULL, "ohm_none: out of memory"; no
 * later one does). They return a new reference by the rule, but immortal objects
 * ignore reference counting: decref them or not, the same. None's type is
 * ohm_none_type ("NoneType"); False and True are ohm_bool_type ("bool"), which is an
 * int as in Python: False == 0 and True == 1 as dict keys (ohm_equal, ohm_hash) and in
 * ohm_compare, and ohm_int_value(ohm_true(h)) is 1.
 * ohm_bool_new(h, v) (PyBool_FromLong): True when v != 0, else False. */
OHM_API ohm_object *ohm_none(ohm_heap *h);
OHM_API ohm_object *ohm_false(ohm_heap *h);
OHM_API ohm_object *ohm_true(ohm_heap *h);
OHM_API ohm_object *ohm_bool_new(ohm_heap *h, long v);
/* Python's truth test (PyObject_IsTrue): 0 for None, False, 0, 0.0, and an empty str,
 * tuple, list, dict or range; 1 for every other object, user types included (NaN is
 * true). -1 with an error only for a NULL object. */
OHM_API int         ohm_is_true(const ohm_object *o);

/* int64. -5..256 are immortal singletons: ohm_int_new(h, 7) == ohm_int_new(h, 7).
 * ohm_int_value of a bool: 0 or 1; of a non-int: -1 with an error. */
OHM_API ohm_object *ohm_int_new(ohm_heap *h, int64_t v);   /* -5..256: immortal singletons */
OHM_API int64_t     ohm_int_value(const ohm_object *o);  /* success clears ohm_last_error */
/* The unambiguous form: 0 and *out set (a bool: 0 or 1), or -1 with an error (o not an
 * int; *out unchanged). */
OHM_API int         ohm_int_as(const ohm_object *o, int64_t *out);
/* double. ohm_float_value of a non-float: -1.0 with an error. */
OHM_API ohm_object *ohm_float_new(ohm_heap *h, double v);
OHM_API double      ohm_float_value(const ohm_object *o);  /* success clears ohm_last_error */
OHM_API int         ohm_float_as(const ohm_object *o, double *out);   /* as ohm_int_as */
/* Immutable UTF-8 text of len bytes (copied; embedded NULs allowed; utf8 may be NULL
 * when len is 0). "" and the one-character ASCII strings are immortal singletons.
 * ohm_str_intern returns the one interned str with that text (a new reference);
 * interned strings are mortal (the table holds no reference) unless immortalized. */
OHM_API ohm_object *ohm_str_new(ohm_heap *h, const char *utf8, size_t len);
OHM_API ohm_object *ohm_str_intern(ohm_heap *h, const char *utf8, size_t len); /* the one interned copy */
OHM_API const char *ohm_str_data(const ohm_object *o);  /* NUL-terminated; may hold NULs */
OHM_API size_t      ohm_str_len(const ohm_object *o);
/* ohm_str_concat (PyUnicode_Concat, a + b): a new str; when either is empty, the other
 *   itself (a new reference), as CPython does.
 * ohm_str_compare (PyUnicode_Compare): *out = -1, 0 or 1 as a sorts before, equal to
 *   or after b in code point order (their UTF-8 bytes); returns 0, or -1 with an
 *   error when a or b is not a str (then *out is untouched).
 * ohm_str_is_interned (PyUnicode_CHECK_INTERNED): 1 for the interned copy of its text
 *   (what ohm_str_intern returns, "" and the one-character ASCII strs included), 0
 *   for any other str, -1 with an error for a non-str. */
OHM_API ohm_object *ohm_str_concat(const ohm_object *a, const ohm_object *b);
OHM_API int         ohm_str_compare(const ohm_object *a, const ohm_object *b, int *out);
OHM_API int         ohm_str_is_interned(const ohm_object *o);
/* PyUnicode_FromFormat / PyUnicode_FromFormatV: a new str printed from fmt as printf
 * does (d i u o x X c s p e E f F g G a A with flags, width, precision, `*` and the
 * length modifiers hh h l ll z j t L; %%), plus the object conversions of an
 * ohm_object * argument: %R its ohm_repr, %S its ohm_str, %U a str's text (a non-str
 * is an error); these take no flags, width or precision. A %s of NULL prints
 * "(null)". Errors (messages name ohm_str_from_format): an unknown conversion or %n,
 * a NULL object, an object of another heap, a format ending inside a conversion,
 * widths over 10^8, what ohm_repr reports, out of memory. */
OHM_API ohm_object *ohm_str_from_format(ohm_heap *h, const char *fmt, ...);
OHM_API ohm_object *ohm_str_from_formatv(ohm_heap *h, const char *fmt, va_list ap);
/* Fixed-length; items are NULL until set (ohm_tuple_get of an unset item: NULL with an
 * error). ohm_tuple_set takes its own reference to item and releases the old one.
 * The empty tuple is an immortal singleton. */
OHM_API ohm_object *ohm_tuple_new(ohm_heap *h, size_t n);   /* items NULL until set */
OHM_API int         ohm_tuple_set(ohm_object *t, size_t i, ohm_object *item);
OHM_API ohm_object *ohm_tuple_get(const ohm_object *t, size_t i);
OHM_API size_t      ohm_tuple_len(const ohm_object *t);
/* PyTuple_Pack: a new tuple of the n ohm_object * arguments that follow, each
 * referenced by the tuple (n == 0: the empty tuple). A NULL item is an error
 * ("ohm_tuple_pack: item 1 is NULL"), as is an item of another heap; no tuple is
 * then made and no reference taken. */
OHM_API ohm_object *ohm_tuple_pack(ohm_heap *h, size_t n, ...);
/* Growable array. ohm_list_pop removes the last item and returns the list's reference
 * to it (empty list: NULL with an error). */
OHM_API ohm_object *ohm_list_new(ohm_heap *h);
OHM_API int         ohm_list_append(ohm_object *l, ohm_object *item);
OHM_API int         ohm_list_set(ohm_object *l, size_t i, ohm_object *item);
OHM_API ohm_object *ohm_list_get(const ohm_object *l, size_t i);
OHM_API ohm_object *ohm_list_pop(ohm_object *l);            /* new reference */
OHM_API size_t      ohm_list_len(const ohm_object *l);
/* More of Python's list (the index arguments are signed, as Py_ssize_t):
 * ohm_list_insert (PyList_Insert, list.insert): item goes before index i; i < 0
 *   counts from the end (-1: before the last item); an i out of range is clamped
 *   (to 0 or to len: append). Takes its own reference.
 * ohm_list_del (del l[i]): removes item i and releases the list's reference to it;
 *   i >= len is an error, as in ohm_list_get.
 * ohm_list_get_slice (PyList_GetSlice, l[lo:hi]): a new list of items lo..hi-1. The
 *   bounds are clamped: lo < 0 is 0, hi > len is len, hi < lo gives an empty list
 *   (as in PyList_GetSlice, negative bounds do not count from the end).
 * ohm_list_set_slice (PyList_SetSlice, l[lo:hi] = items): replace items lo..hi-1
 *   (clamped as above) with the items of `items`, a list, a tuple (every item set)
 *   or any other iterable (dict: its keys; range; iterator: consumed), l itself
 *   included; items == NULL deletes the slice. References: the list takes its own to
 *   each stored item and releases those it replaced (after it is consistent again).
 * ohm_list_extend (list.extend): append the items of an iterable, as ohm_list_set_slice.
 * ohm_list_reverse (list.reverse): in place.
 * ohm_list_sort (list.sort): stable, in place, ascending by ohm_compare's OHM_LT. An
 *   unordered pair is an error ("ohm_list_sort: '<' not supported between 'dict' and
 *   'int'") and leaves the list as it was; while it sorts the list looks empty, and
 *   anything stored into it meanwhile is dropped with an error.
 * ohm_list_copy (list.copy): a new list of the same items.
 * Every one either completes or changes nothing (memory is obtained first); errors:
 * a non-list, an iterable of the wrong type ("ohm_list_extend: 'int' object is not
 * iterable"), an unset tuple item, out of memory. */
OHM_API int         ohm_list_insert(ohm_object *l, ptrdiff_t i, ohm_object *item);
OHM_API int         ohm_list_del(ohm_object *l, size_t i);
OHM_API ohm_object *ohm_list_get_slice(const ohm_object *l, ptrdiff_t lo, ptrdiff_t hi);
OHM_API int         ohm_list_set_slice(ohm_object *l, ptrdiff_t lo, ptrdiff_t hi, ohm_object *items);
OHM_API int         ohm_list_extend(ohm_object *l, ohm_object *iterable);
OHM_API int         ohm_list_reverse(ohm_object *l);
OHM_API int         ohm_list_sort(ohm_object *l);
OHM_API ohm_object *ohm_list_copy(const ohm_object *l);
/* Insertion-ordered hash table. Keys compare with Python's value semantics for int,
 * float, str and tuples of them (1 and 1.0 are the same key), through the type's
 * hash/equal for other types, by identity when the type has none; lists and dicts are
 * unhashable. ohm_dict_set keeps the first key object and replaces the value.
 * ohm_dict_get: borrowed value, or NULL with ohm_last_error "" when absent.
 * ohm_dict_next: *pos starts at 0; gives borrowed key and value (either pointer may be
 * NULL) and returns 1, or 0 at the end. The dict must not change during the walk. */
OHM_API ohm_object *ohm_dict_new(ohm_heap *h);
OHM_API int         ohm_dict_set(ohm_object *d, ohm_object *key, ohm_object *value);
OHM_API ohm_object *ohm_dict_get(const ohm_object *d, const ohm_object *key); /* NULL: absent */
OHM_API int         ohm_dict_del(ohm_object *d, const ohm_object *key);        /* -1: absent */
OHM_API size_t      ohm_dict_len(const ohm_object *d);
OHM_API int         ohm_dict_next(const ohm_object *d, size_t *pos, ohm_object **key, ohm_object **value);
/* More of Python's dict:
 * ohm_dict_contains (PyDict_Contains, `key in d`): 1 or 0; -1 for an unhashable key.
 * ohm_dict_clear (PyDict_Clear): empty d and release its keys and values (d is empty
 *   before the first release runs); 0, or -1 for a non-dict.
 * ohm_dict_copy (PyDict_Copy): a new dict with the same keys and values (the same
 *   key objects, each referenced again), in the same order; a copy of an identity
 *   dict is one.
 * ohm_dict_keys, _values, _items (PyDict_Keys, PyDict_Values, PyDict_Items): a new
 *   list, in insertion order; for items, of new (key, value) tuples. */
OHM_API int         ohm_dict_contains(const ohm_object *d, const ohm_object *key);
OHM_API int         ohm_dict_clear(ohm_object *d);
OHM_API ohm_object *ohm_dict_copy(const ohm_object *d);
OHM_API ohm_object *ohm_dict_keys(const ohm_object *d);
OHM_API ohm_object *ohm_dict_values(const ohm_object *d);
OHM_API ohm_object *ohm_dict_items(const ohm_object *d);
/* An identity dict: a dict (ohm_dict_type, the same functions) whose keys are
 * hashed and compared by address, as if each object were a different key: any object
 * may be a key, lists and dicts included, 1 and 1.0 are two keys, and no type's
 * hash or equal ever runs. The dict holds a strong reference to each key and value,
 * as every dict does: a key stays alive while it is in the dict, so its address cannot
 * be reused by another object meanwhile. For interpreters that map objects to their
 * metadata. */
OHM_API ohm_object *ohm_dict_new_identity(ohm_heap *h);

/* The hash a dict uses for o (Python's values for int and float: hash(n) == n for
 * small n): 0, or -1 with an error when o is unhashable. */
OHM_API int         ohm_hash(const ohm_object *o, uint64_t *out);
/* 1 when a and b are equal as dict keys (value semantics as above), else 0. */
OHM_API int         ohm_equal(const ohm_object *a, const ohm_object *b);

/* Rich comparison (PyObject_RichCompareBool): 1 when `a op b` holds, 0 when it does
 * not, -1 with an error. op is OHM_LT, OHM_LE, OHM_EQ, OHM_NE, OHM_GT or OHM_GE (the
 * values of CPython's Py_LT..Py_GE). As in Python:
 *  - ints, bools and floats compare by exact value, across types (no rounding: the
 *    int 2^53 + 1 > the float 2^53); NaN is unordered: every op but OHM_NE gives 0,
 *    even comparing a NaN with itself;
 *  - strs by code point (bytewise UTF-8);
 *  - tuples with tuples, lists with lists, lexicographically: the first items that are
 *    not equal (the same object is equal) decide, else the lengths;
 *  - OHM_EQ / OHM_NE work on any pair: dicts by content, other objects as ohm_equal;
 *    a tuple is never equal to a list.
 * Ordering other pairs is an error: "ohm_compare: '<' not supported between 'dict'
 * and 'int'"; so is an unset tuple item met, containers nested over 1000 levels deep,
 * a NULL object or an unknown op. */
enum { OHM_LT = 0, OHM_LE = 1, OHM_EQ = 2, OHM_NE = 3, OHM_GT = 4, OHM_GE = 5 };
OHM_API int         ohm_compare(const ohm_object *a, const ohm_object *b, int op);

/* Python's repr() and str() (PyObject_Repr, PyObject_Str): a new str.
 * ohm_repr gives, for None, False, True: "None", "False", "True"; an int: "-12"; a
 * float: the shortest text that reads back as the same double, laid out as Python's
 * repr ("1.0", "0.1", "1e+16", "1.5e-07", "-0.0", "inf", "nan"); a str: quoted as
 * Python does ('it', "it's", with \\ \' \t \n \r \x.. \u.... escapes for
 * controls and unprintable code points; printable non-ASCII text kept; a byte that
 * is not well-formed UTF-8 as \x..); tuples "()", "(1,)", "(1, 2)"; lists "[1, 2]";
 * dicts "{'a': 1}"; a range "range(0, 10)" or "range(0, 10, 2)" (its stop given as
 * the first value past the last one: range(0, 10, 3) shows as range(0, 12, 3));
 * a weakref "<weakref at 0x..; to 'list' at 0x..>" or "<weakref at 0x..; dead>";
 * an object of a type with a `repr` slot: the str the slot returns (a new reference
 * it gives up; it may call ohm_repr for its fields, and returns NULL on failure);
 * any other object "<name object at 0x..>". Containers
 * nest; one met again inside itself is written "[...]", "{...}" or "(...)" (as
 * Py_ReprEnter does: the objects being repr'd are kept per heap, so a slot's own
 * ohm_repr calls take part); an unset tuple item is "<NULL>".
 * ohm_str is ohm_repr except for a str, which is returned itself (a new reference).
 * Errors: a NULL object, nesting over 1000 levels (slots included), a slot that
 * returns NULL (its message is kept; if it set none: "ohm_repr: the repr slot of
 * 'T' returned NULL") or a non-str, out of memory. */
OHM_API ohm_object *ohm_repr(const ohm_object *o);
OHM_API ohm_object *ohm_str(const ohm_object *o);

/* Empty the free lists of the builtin types; returns the number of blocks freed. */
OHM_API size_t      ohm_clear_freelists(ohm_heap *h);
/* Turn the builtin types' free lists on or off (off also empties them), e.g. to
 * measure what they save. Returns whether they were on. Debug mode never has them. */
OHM_API int         ohm_set_freelists(ohm_heap *h, int enabled);

/* Iteration over a tuple, list, dict (keys) or range; ohm_iter_next returns a new
 * reference, or NULL at the end (ohm_last_error then ""), or NULL with an error. */
OHM_API ohm_object *ohm_iter(ohm_object *o);
OHM_API ohm_object *ohm_iter_next(ohm_object *it);
/* A lazy range of ints; its memory does not grow with its length. step != 0. */
OHM_API ohm_object *ohm_range_new(ohm_heap *h, int64_t start, int64_t stop, int64_t step);

/* The hot accessors inline: ohm_type_of, ohm_tuple_len/get and ohm_list_len/get read
 * the object in place and call the function above only for an error (a wrong type, an
 * index out of range, an unset tuple item), so errors are reported as documented. The
 * same OHM_NO_INLINE switch as incref/decref turns them off. The layouts below are
 * private: read objects through the functions. */
#if defined(__cplusplus) && defined(__GNUC__)
__extension__   /* C++ has no flexible array member; g++ and clang++ take C's */
#endif
typedef struct ohm_tuple_layout_ { ohm_object ob; size_t len; ohm_object *items[]; } ohm_tuple_layout_;
typedef struct ohm_list_layout_ { ohm_object ob; size_t len, cap; ohm_object **items; } ohm_list_layout_;
#if !defined(OHM_NO_INLINE) && !defined(OHM_BUILDING)
static inline const ohm_type *ohm_type_of_inline(const ohm_object *o) {
    return o->ohm_type;
}
static inline size_t ohm_tuple_len_inline(const ohm_object *t) {
    if (t && t->ohm_type == &ohm_tuple_type) return ((const ohm_tuple_layout_ *)t)->len;
    return (ohm_tuple_len)(t);
}
static inline ohm_object *ohm_tuple_get_inline(const ohm_object *t, size_t i) {
    if (t && t->ohm_type == &ohm_tuple_type && i < ((const ohm_tuple_layout_ *)t)->len &&
        ((const ohm_tuple_layout_ *)t)->items[i])
        return ((const ohm_tuple_layout_ *)t)->items[i];
    return (ohm_tuple_get)(t, i);
}
static inline size_t ohm_list_len_inline(const ohm_object *l) {
    if (l && l->ohm_type == &ohm_list_type) return ((const ohm_list_layout_ *)l)->len;
    return (ohm_list_len)(l);
}
static inline ohm_object *ohm_list_get_inline(const ohm_object *l, size_t i) {
    if (l && l->ohm_type == &ohm_list_type && i < ((const ohm_list_layout_ *)l)->len)
        return ((const ohm_list_layout_ *)l)->items[i];
    return (ohm_list_get)(l, i);
}
#define ohm_type_of(o) ohm_type_of_inline(o)
#define ohm_tuple_len(t) ohm_tuple_len_inline(t)
#define ohm_tuple_get(t, i) ohm_tuple_get_inline((t), (i))
#define ohm_list_len(l) ohm_list_len_inline(l)
#define ohm_list_get(l, i) ohm_list_get_inline((l), (i))
#endif

/* ====================================================== the cycle collector */

/* Python's gc module. Objects of OHM_TYPE_GC types are tracked from ohm_new and live in
 * generation 0; survivors of a collection move one generation up (0 -> 1 -> 2).
 * ohm_gc_collect(h, g) collects generations 0..g (-1 = 2) and returns the number of
 * unreachable objects it found, as gc.collect() does: the garbage (collected or not,
 * finalized objects that resurrected included) plus weakrefs freed by their own
 * callbacks. A collection:
 *  - clears every weakref to garbage, then calls the callbacks of the weakrefs that
 *    are not garbage themselves;
 *  - runs each garbage object's finalize once (PEP 442, ohm_gc_is_finalized after);
 *    objects a finalizer made reachable again survive in an older generation;
 *  - calls `clear` on the rest and drops the references: cycles fall apart.
 *    A cycle none of whose members has `clear` (and all it holds) is uncollectable:
 *    it goes, untouched, to ohm_gc_garbage(h).
 * Collections never nest: ohm_gc_collect from a finalizer, callback or weakref
 * callback returns 0. Full collections also empty the free lists.
 * Automatic collection (when enabled and threshold 0 != 0): when allocations minus
 * deallocations of tracked objects exceed threshold 0, generation 0 is collected;
 * every threshold-1 such collections generation 1 instead; every threshold-2
 * generation-1 collections generation 2 instead, but only once the objects promoted
 * to generation 2 since the last full collection exceed 25% of those it left.
 * Threshold 0 in effect: under the adaptive policy (cfg.gc_policy, the default) it
 * starts at gc_threshold[0], quadruples after a young collection that found under 1/64
 * of its candidates unreachable (up to twice the tracked objects), and is back at
 * gc_threshold[0] after one that found over 1/4 and after every full collection
 * (ohm_gc_collect included); under OHM_GC_POLICY_CPYTHON, and once
 * ohm_gc_set_threshold was called, it is threshold 0 as set (docs/gc.md, "Triggers").
 * Out of memory (the collector's vectors cannot grow): a collection that could not
 * remember its whole unreachable set frees nothing, says so in ohm_last_error
 * ("ohm_gc_collect: out of memory; ...") and returns 0; the garbage waits, intact, for
 * the next collection. One that has no room to put the uncollectable (or, with
 * SAVEALL, saved) objects in gc.garbage frees the rest and leaves those, untouched,
 * for the next collection: its result counts them, and ohm_last_error says
 * "ohm_gc_collect: out of memory; N objects for gc.garbage wait for the next
 * collection". */
OHM_API size_t ohm_gc_collect(ohm_heap *h, int generation);  /* 0..2, -1 = 2; returns unreachable found */
OHM_API void   ohm_gc_enable(ohm_heap *h);
OHM_API void   ohm_gc_disable(ohm_heap *h);
OHM_API int    ohm_gc_isenabled(ohm_heap *h);
/* count[0]: allocations minus deallocations of tracked objects since the last
 * collection; count[1], count[2]: collections of the younger generation since this
 * generation's last collection. */
OHM_API void   ohm_gc_get_count(ohm_heap *h, size_t count[3]);
/* ohm_gc_set_threshold also takes the heap to CPython's rule (OHM_GC_POLICY_CPYTHON):
 * threshold 0 stays t0. ohm_gc_get_threshold gives the thresholds as set. */
OHM_API void   ohm_gc_set_threshold(ohm_heap *h, unsigned t0, unsigned t1, unsigned t2);
OHM_API void   ohm_gc_get_threshold(ohm_heap *h, unsigned t[3]);
/* Per generation, totals since the heap was made: collections; objects collected and
 * uncollectable; candidates (objects examined); duration (seconds). */
typedef struct ohm_gc_stats { size_t collections, collected, uncollectable, candidates; double duration; } ohm_gc_stats;
OHM_API void   ohm_gc_get_stats(ohm_heap *h, ohm_gc_stats stats[3]);
/* Collections untrack tuples whose items are all atomic (non-GC) and such dicts; they
 * are tracked again when they get a container. ohm_gc_track on an object of a non-GC
 * type, or on a tracked one, does nothing; so does untracking an untracked one. */
OHM_API int    ohm_gc_is_tracked(const ohm_object *o);
OHM_API int    ohm_gc_is_finalized(const ohm_object *o);
OHM_API void   ohm_gc_track(ohm_object *o);
OHM_API void   ohm_gc_untrack(ohm_object *o);
/* The enumeration functions gather the objects first (holding a reference on each),
 * then call fn, so fn may allocate, free or collect. Frozen objects are not listed.
 * Out of memory while gathering: fn sees only those gathered, and ohm_last_error
 * names the function ("ohm_gc_get_objects: out of memory"). */
typedef int (*ohm_object_fn)(ohm_object *o, void *arg);   /* nonzero stops the walk */
/* Tracked objects of a generation (0..2), or of all (-1). */
OHM_API void   ohm_gc_get_objects(ohm_heap *h, int generation, ohm_object_fn fn, void *arg); /* -1: all */
/* Tracked objects whose traverse visits target. */
OHM_API void   ohm_gc_get_referrers(ohm_heap *h, const ohm_object *target, ohm_object_fn fn, void *arg);
/* The objects o's traverse visits (none for non-GC types). */
OHM_API void   ohm_gc_get_referents(ohm_object *o, ohm_object_fn fn, void *arg);
/* Move every tracked object to the permanent generation, which collections never scan
 * (gc.freeze before fork); unfreeze moves them to generation 2. */
OHM_API void   ohm_gc_freeze(ohm_heap *h);
OHM_API void   ohm_gc_unfreeze(ohm_heap *h);
OHM_API size_t ohm_gc_get_freeze_count(ohm_heap *h);
/* Callbacks run at the start (collected 0) and the stop of each collection, in the
 * order added; they may add or remove callbacks (effective from the next collection).
 * ohm_gc_remove_callback removes the first entry with that cb and arg; -1 if none. */
enum { OHM_GC_START, OHM_GC_STOP };
typedef struct ohm_gc_info { int generation; size_t collected, uncollectable; } ohm_gc_info;
typedef void (*ohm_gc_callback)(ohm_heap *h, int phase, const ohm_gc_info *info, void *arg);
OHM_API int    ohm_gc_add_callback(ohm_heap *h, ohm_gc_callback cb, void *arg);
OHM_API int    ohm_gc_remove_callback(ohm_heap *h, ohm_gc_callback cb, void *arg);
/* STATS: "gc: collecting generation N...", the generation sizes and "gc: done, N
 * unreachable, N uncollectable, S elapsed" on stderr; COLLECTABLE / UNCOLLECTABLE:
 * "gc: collectable <type 0xaddr>" per object; SAVEALL: garbage goes to
 * ohm_gc_garbage instead of being freed; LEAK = COLLECTABLE | UNCOLLECTABLE | SAVEALL. */
enum { OHM_GC_DEBUG_STATS = 1, OHM_GC_DEBUG_COLLECTABLE = 2, OHM_GC_DEBUG_UNCOLLECTABLE = 4,
       OHM_GC_DEBUG_SAVEALL = 32, OHM_GC_DEBUG_LEAK = 38 };
OHM_API void   ohm_gc_set_debug(ohm_heap *h, unsigned flags);
OHM_API unsigned ohm_gc_get_debug(ohm_heap *h);
/* The garbage list (made on first use). NULL when out of memory: the list could not be
 * made, or not every object the collector set aside could be appended (those moved are
 * in the list; the others stay with the collector and are appended by the next call). */
OHM_API ohm_object *ohm_gc_garbage(ohm_heap *h);   /* borrowed list: gc.garbage */
/* Why is obj alive? Print the shortest chain of references from an object held from
 * outside the heap graph down to obj. Returns the chain's length, or -1 if none. */
/* "Held from outside" means a refcount above the references tracked objects hold (a C
 * variable, an untracked container). Prints, root first, "<type 0xaddr> refcount N"
 * per object, each after the first with the reference that holds it: "item [3] of
 * <list 0x..>", "value of key 'name' in <dict 0x..>", "key ... in <dict 0x..>", the
 * field a user type names (ohm_type.edge_name), or "reference #2 (in traverse order)
 * of <T 0x..>". Returns 0 when obj itself is held from outside; -1 when only garbage
 * reaches it (out == NULL: nothing printed). Costs a walk of the tracked heap. */
OHM_API int    ohm_gc_explain(ohm_heap *h, const ohm_object *obj, FILE *out);
/* The same, with flags: OHM_EXPLAIN_OWN_REF: the caller holds one reference to obj
 * (the one it passes in) that is not to count, so the chain starts from the real root
 * instead of stopping at obj as "held from outside". */
enum { OHM_EXPLAIN_OWN_REF = 1 };
OHM_API int    ohm_gc_explain_ex(ohm_heap *h, const ohm_object *obj, FILE *out, unsigned flags);

/* ================================================================== tracing */

#define OHM_TRACE_MAX_FRAMES 128

OHM_API int    ohm_trace_start(ohm_heap *h, int nframes);   /* 1..OHM_TRACE_MAX_FRAMES */
OHM_API void   ohm_trace_stop(ohm_heap *h);                 /* also forgets the traces */
OHM_API int    ohm_trace_is_tracing(ohm_heap *h);
OHM_API void   ohm_trace_clear(ohm_heap *h);
OHM_API void   ohm_trace_get_traced_memory(ohm_heap *h, size_t *current, size_t *peak);
OHM_API void   ohm_trace_reset_peak(ohm_heap *h);
OHM_API size_t ohm_trace_get_memory(ohm_heap *h);            /* what tracing itself uses */
typedef struct ohm_frame { const char *filename; unsigned lineno; const char *function; } ohm_frame;
typedef struct ohm_traceback { size_t nframe, total_nframe; const ohm_frame *frames; } ohm_traceback; /* oldest first */
OHM_API const ohm_traceback *ohm_trace_get_traceback(ohm_heap *h, const void *block_or_object);
typedef struct ohm_snapshot ohm_snapshot;
OHM_API ohm_snapshot *ohm_snapshot_take(ohm_heap *h);
OHM_API void          ohm_snapshot_free(ohm_snapshot *s);
OHM_API int           ohm_snapshot_dump(const ohm_snapshot *s, const char *path);
OHM_API ohm_snapshot *ohm_snapshot_load(const char *path, char *err, size_t errlen);
typedef enum { OHM_KEY_FILENAME, OHM_KEY_LINENO, OHM_KEY_TRACEBACK } ohm_key;
typedef struct ohm_stat { const ohm_traceback *traceback; size_t size, count; long long size_diff, count_diff; } ohm_stat;
OHM_API size_t ohm_snapshot_statistics(const ohm_snapshot *s, ohm_key key, int cumulative, ohm_stat **out);
OHM_API size_t ohm_snapshot_compare(const ohm_snapshot *now, const ohm_snapshot *old, ohm_key key, int cumulative, ohm_stat **out);
OHM_API void   ohm_stats_free(ohm_stat *stats);

/* ---- tracing, beyond the core (see docs/tracing.md) ----
 *
 * What is traced: every live block of every domain (RAW, MEM, OBJ), objects included,
 * allocated while tracing is on. Each trace is (domain, size, traceback). Tracebacks
 * are interned. Frames come from, in order of preference:
 *  1. a host-language frame provider (ohm_trace_set_frame_provider), when set and it
 *     returns frames: the interpreter's own file:line frames;
 *  2. the C call site recorded by the allocating macros at the end of this header
 *     (file, line, function of the line that called ohm_malloc, ohm_new, ...), exact;
 *  3. native return addresses beyond it (limit > 1), symbolized when a report is made:
 *     module and symbol through dladdr; file and line when built with elfutils' libdw.
 * The tracer's own memory comes from the C library, never from the heap it traces.
 * Threads: RAW-domain calls may come from any thread while tracing; their events are
 * queued and applied, in order, by the thread that called ohm_trace_start before its
 * next allocation hook, query or snapshot (call start/stop/clear from that thread).
 * Pointers returned by ohm_trace_get_traceback stay valid until ohm_trace_clear or
 * ohm_trace_stop; a snapshot owns all its memory and outlives both. */

/* Start tracing with at most nframes frames per traceback (1..OHM_TRACE_MAX_FRAMES;
 * anything else: -1 with a message). Allocations are sampled as a Poisson process over
 * bytes with mean gap mean_bytes (as tcmalloc and heapprofd do; fixed-seed PRNG per
 * heap, so runs repeat): a block of n bytes is traced with probability
 * p = 1 - exp(-n / mean_bytes) and stands for 1/p blocks and n/p bytes, so sizes and
 * counts in statistics and ohm_trace_get_traced_memory are unbiased estimates.
 * mean_bytes == 0 is ohm_trace_start. Calling either while tracing changes the limit;
 * switching between sampled and exact tracing (or changing the mean) clears traces. */
OHM_API int    ohm_trace_start_sampled(ohm_heap *h, int nframes, size_t mean_bytes);
/* The traceback limit, 0 when not tracing; and the sampling mean (0: exact). */
OHM_API int    ohm_trace_get_traceback_limit(ohm_heap *h);
OHM_API size_t ohm_trace_get_sample_mean(ohm_heap *h);

/* A host-language frame provider writes up to max frames of the code now running into
 * frames, NEWEST first, and returns the full depth (which may exceed max). The strings
 * are copied; they need only live until it returns. It runs inside allocation hooks:
 * allocations it makes from the traced heap are not traced. 0 frames: the C frames are
 * used instead. fn == NULL removes the provider. */
typedef size_t (*ohm_frame_provider)(void *arg, ohm_frame *frames, size_t max);
OHM_API void   ohm_trace_set_frame_provider(ohm_heap *h, ohm_frame_provider fn, void *arg);

/* A host-language provider that names frames by records, for an interpreter that
 * keeps one record per distinct frame (file, function, line): it writes up to max
 * pointers to ohm_callsite records of the code now running, NEWEST first, and returns
 * how many it wrote; 0: no host frames, the C frames are used as without a provider.
 * The tracer keeps the pointers as it keeps the call-site macros' records, copying and
 * hashing nothing per frame, so a host frame costs what a C call site costs (limit 1
 * takes the same cached path). Hence each record must stay valid and unchanged while
 * the heap traces, until ohm_trace_clear or ohm_trace_stop (snapshots copy the
 * strings), and equal frames must share one record: records are compared by address.
 * Native frames may follow the records, within the limit: pcs has room for max return
 * addresses and *npcs is 0 on entry. A provider that knows them (the C function that
 * allocated, called from the host's newest frame) writes them into pcs, newest first,
 * and sets *npcs to their number; or it sets *npcs to OHM_UNWIND_NATIVE and ohm
 * unwinds the allocation's stack from the first frame outside ohm (recognized when ohm
 * is a shared library or is linked into one). Either way they are symbolized at report
 * time like other native frames. A traceback's total_nframe is the frames it holds. As
 * with ohm_frame_provider, it runs inside the allocation hooks, and allocations it makes
 * from the traced heap are not traced. Setting a site provider removes a frame
 * provider, and the other way round; fn == NULL removes it. */
struct ohm_callsite;   /* the typedef ohm_callsite, with the call-site macros below */
typedef size_t (*ohm_site_provider)(void *arg, const struct ohm_callsite **sites, size_t max,
                                    uintptr_t *pcs, size_t *npcs);
#define OHM_UNWIND_NATIVE ((size_t)-1)
OHM_API void   ohm_trace_set_site_provider(ohm_heap *h, ohm_site_provider fn, void *arg);

/* Print where the block or object p was allocated, newest frame first, as
 * "    allocated at file:line (function)" lines; nothing when it is not traced. */
OHM_API void   ohm_trace_print_traceback(ohm_heap *h, const void *p, FILE *out);

/* One trace of a snapshot. count is 1 for exact tracing; an estimate when sampled. */
typedef struct ohm_trace {
    const ohm_traceback *traceback;
    size_t size;          /* bytes (an estimate when sampled) */
    double count;         /* blocks this trace stands for */
    ohm_domain domain;
} ohm_trace;
/* The snapshot's traces (borrowed array, valid while s lives); returns their number. */
OHM_API size_t ohm_snapshot_traces(const ohm_snapshot *s, const ohm_trace **traces);
OHM_API int    ohm_snapshot_traceback_limit(const ohm_snapshot *s);
OHM_API size_t ohm_snapshot_sample_mean(const ohm_snapshot *s);  /* 0: exact */

/* Filters, as tracemalloc.Filter and DomainFilter. A trace is kept when it matches at
 * least one inclusive filter (if there is any) and no exclusive one. A filter matches a
 * trace when filename_pattern (fnmatch glob; NULL: any) and lineno (0: any) match the
 * newest frame (or any frame with all_frames) and domain matches (-1: any). */
typedef struct ohm_trace_filter {
    int inclusive;                /* 1: keep what matches; 0: drop what matches */
    const char *filename_pattern; /* glob, e.g. "*.c" or "src/parser*"; NULL: any */
    unsigned lineno;              /* 0: any line */
    int all_frames;               /* 1: any frame may match; 0: only the newest */
    int domain;                   /* an ohm_domain, or -1: any */
} ohm_trace_filter;
/* A new snapshot with the traces of s that pass the n filters (n == 0: a copy).
 * NULL on failure (out of memory, a NULL filename_pattern is fine). */
OHM_API ohm_snapshot *ohm_snapshot_filter(const ohm_snapshot *s, const ohm_trace_filter *filters, size_t n);

/* Formatting, as tracemalloc's str(): "file.c:42: size=1536 KiB, count=3, average=512 KiB";
 * with OHM_FORMAT_DIFF "file.c:42: size=1536 KiB (+1024 KiB), count=3 (+2), average=512 KiB";
 * with OHM_FORMAT_ESTIMATE sizes and counts are prefixed "~". The newest frame names
 * the statistic. Writes at most len bytes (NUL included); returns the length the full
 * text needs, as snprintf does. */
enum { OHM_FORMAT_DIFF = 1, OHM_FORMAT_ESTIMATE = 2 };
OHM_API int ohm_stat_format(const ohm_stat *st, unsigned flags, char *buf, size_t len);
/* tracemalloc's Traceback.format(): one '  File "f.c", line 42, in fn' line per frame,
 * oldest first, each ending in '\n'. Same return convention. */
OHM_API int ohm_traceback_format(const ohm_traceback *tb, char *buf, size_t len);
/* Print the first `limit` statistics (0: all), one ohm_stat_format line each. */
OHM_API void ohm_stats_print(const ohm_stat *stats, size_t n, size_t limit, unsigned flags, FILE *out);
/* Bytes a size takes as tracemalloc formats it: "512 B", "1.5 KiB", "1536 KiB"... */
OHM_API int ohm_format_size(long long size, int sign, char *buf, size_t len);

/* ========================================================== memory over time
 *
 * mprof's recording (memory_profiler's `mprof run`): samples of the heap at a fixed
 * interval into a file, with the collections, marks and named scopes between them,
 * for `ohm-prof timeline FILE -o plot.svg` (the format: docs/timeline-format.md).
 * Each sample holds: the traced memory now and at its peak (while tracing, as
 * ohm_trace_get_traced_memory gives it; estimates when sampled), the process's
 * resident set, the arenas mapped and pools in use, the bytes in blocks over 512 B, and
 * the live objects the collector tracks. Besides every interval, a sample is taken at
 * the start and the stop, at the end of each collection, at each mark, and at each
 * scope's entry and exit.
 * Samples are taken on the heap's own thread, by its allocations: no thread or timer
 * is started. After interval_ms has passed, the next allocation takes the sample; a
 * program that allocates nothing for a while gets no sample until it allocates again
 * (or marks, collects, ...). The fast paths are the same with and without a recording
 * (the allocator already counts bytes down for sampled tracing; the recorder looks at
 * the clock every few KiB to MiB allocated); docs/tracing.md gives what it costs.
 * The recorder's memory is bounded: about 64 KiB, written out as a chunk when full and
 * every second; its memory comes from the C library, as the tracer's does.
 * One recording per heap at a time. Like every call on h, these run on its thread. */

/* Start recording to the file at path (created, or truncated), a sample every
 * interval_ms milliseconds (0: 10; at most 3600000). Returns 0, or -1 with a message
 * and nothing changed: already recording ("ohm_timeline_start: already recording to
 * 'x' ..."), path NULL or empty, interval_ms too big, the file cannot be created or
 * written ("ohm_timeline_start: cannot write 'x': <strerror>"), out of memory. */
OHM_API int    ohm_timeline_start(ohm_heap *h, const char *path, unsigned interval_ms);
/* A labelled point in time (mprof's vertical lines), with a sample. label NULL: "";
 * its first 1024 bytes are kept (cut between UTF-8 characters). Not recording: nothing
 * happens (marks can stay in code that sometimes runs without a recording). */
OHM_API void   ohm_timeline_mark(ohm_heap *h, const char *label);
/* Brackets around a named stretch of the program (mprof's function brackets): enter
 * opens a scope, leave closes the innermost open one; scopes nest. Each takes a sample.
 * scope NULL: ""; names kept as labels are. Scopes still open when the recording stops
 * are closed at the stop. Not recording: nothing happens. leave with no scope open:
 * nothing is recorded, and ohm_last_error(h) says "ohm_timeline_leave: no scope is
 * open". */
OHM_API void   ohm_timeline_enter(ohm_heap *h, const char *scope);
OHM_API void   ohm_timeline_leave(ohm_heap *h);
/* Stop recording: close the open scopes, take a last sample, write the end of the
 * file and close it. Returns 0; -1 with a message when nothing was recording
 * ("ohm_timeline_stop: no timeline is recording"), or when a write failed during the
 * recording or now ("ohm_timeline_stop: writing 'x' failed after N bytes: <strerror>;
 * the file is incomplete": the recording stops all the same, and the file left is
 * rejected by the loader). ohm_heap_destroy stops a recording still running (a failure
 * then goes to stderr). */
OHM_API int    ohm_timeline_stop(ohm_heap *h);

/* ============================================================ testing aids
 *
 * Fault injection, for testing the error paths of code built on ohm (SQLite's and
 * Lua's method): fail one chosen allocation, or every one past a point, or every one
 * that would make the heap too big, and check that the program copes.
 *
 * An "allocation" is one request for memory the heap makes, whatever asked for it:
 * ohm_malloc, ohm_calloc, ohm_realloc, the ohm_raw_* functions, each object
 * (ohm_new, ohm_new_var, the builtin constructors), each growth of a container's
 * storage (a list's items, a dict's table), the cycle collector's vectors, the weakref
 * table, the interning table, the tracer's own tables, and the building of a snapshot
 * by ohm_snapshot_take. Some calls make several (while tracing, the tracer's tables
 * grow too; a collection grows its vectors); the count is the same in every
 * run of a deterministic program, so a test can find its range once and then fail
 * each allocation in turn (tests/sweep.h in ohm's sources does this). Not counted:
 * snapshots once taken (ohm_snapshot_filter, _statistics, _compare, _dump and
 * _load work on snapshots that belong to no heap), the queue of tracing events from
 * other threads, and memory the heap takes when it is created.
 *
 * A failed allocation behaves as if the memory ran out: the call that needed it
 * returns its documented error (NULL or -1) with ohm_last_error(h) saying "out of
 * memory..." and errno ENOMEM, and the heap stays consistent and usable. Where a
 * function copes without the memory it does so (the tracer drops a trace and counts
 * it as lost, the collector falls back to a slower walk), and then nothing fails.
 *
 * The first call of any of these three arms the heap: from then on every allocation
 * takes the allocator's slow path, so that it is counted (about as slow as tracing);
 * a heap that never calls them pays nothing. Not thread-safe: the heap's thread only. */

/* Fail the n-th allocation from now (1-based; the count restarts at 0), and with
 * persist != 0 every one after it too. n == 0: fail none (only count). */
OHM_API void   ohm_fault_fail_nth(ohm_heap *h, size_t n, int persist);
/* Fail every allocation that would take the heap's arenas and large blocks past
 * `bytes` in total (0: no cap). Also restarts the count at 0. The memory outside the
 * arenas (the collector's vectors, the tracer's tables) is counted by fail_nth only. */
OHM_API void   ohm_fault_cap(ohm_heap *h, size_t bytes);
/* Allocations attempted (failed ones included) since the last ohm_fault_fail_nth or
 * ohm_fault_cap call; 0 before either was called. */
OHM_API size_t ohm_fault_count(ohm_heap *h);

/* ===================================================== call-site capture macros
 *
 * Every allocating function below is also a macro of the same name that records the
 * calling line (file, line, function) for tracing: a static const record per call site
 * and a pointer to it in a thread-local while the call runs (a load and two stores;
 * the arguments are evaluated inside, so nested calls record their own lines). The
 * real functions keep their names: (ohm_malloc)(h, n) calls one directly, and
 * &ohm_malloc is its address. Define OHM_NO_CALLSITE before including ohm.h to turn
 * the macros off (frames then come from native stacks only). GCC and Clang only.
 * A longjmp (or C++ exception) out of a call made through a macro leaves the
 * thread-local pointing into a dead frame: run OHM_CALLSITE_RESET() where it lands. */
typedef struct ohm_callsite { const char *file; const char *function; unsigned line; } ohm_callsite;
typedef struct ohm_callsite_frame {
    const ohm_callsite *site;                /* the calling line */
    void *frame;                             /* its function's frame address */
    const struct ohm_callsite_frame *prev;   /* the enclosing recorded call, if any */
} ohm_callsite_frame;
#if defined(__GNUC__) || defined(__clang__)
#  ifdef __cplusplus
#    define OHM_THREAD_LOCAL_ thread_local
#  elif !defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L
#    define OHM_THREAD_LOCAL_ __thread   /* C99 and C89 with GNU C: the same storage */
#  else
#    define OHM_THREAD_LOCAL_ _Thread_local
#  endif
OHM_API extern OHM_THREAD_LOCAL_ const ohm_callsite_frame *ohm_callsite_
    __attribute__((tls_model("initial-exec")));

#define OHM_CALLSITE_RESET() ((void)(ohm_callsite_ = NULL))
#if !defined(OHM_NO_CALLSITE) && !defined(OHM_BUILDING)
#define OHM_CS_CAT_(a, b) a##b
#define OHM_CS_CALL_(T, call) OHM_CS_CALL2_(T, call, __COUNTER__)
#define OHM_CS_CALL2_(T, call, n) OHM_CS_CALL3_(T, call, OHM_CS_CAT_(ohm_cs_s, n), \
    OHM_CS_CAT_(ohm_cs_f, n), OHM_CS_CAT_(ohm_cs_r, n), OHM_CS_CAT_(ohm_cs_p, n))
/* The enclosing record is restored from a local, not reread from f: f's address
 * escaped, so the compiler would reload f.prev after the call, and it often stores
 * f.frame and f.prev with one 16-byte store, from whose upper half an 8-byte load
 * cannot be forwarded (AMD Zen): a stall on every call, chained from one call to the
 * next through ohm_callsite_ (LIFO batches ran 1.5x slower). */
#define OHM_CS_CALL3_(T, call, s, f, r, p) (__extension__({ \
    static const ohm_callsite s = { __FILE__, __func__, __LINE__ }; \
    const ohm_callsite_frame *const p = ohm_callsite_; \
    ohm_callsite_frame f = { &s, __builtin_frame_address(0), p }; \
    T r;   /* declared before the first statement: -Wdeclaration-after-statement */ \
    ohm_callsite_ = &f; \
    r = call; \
    ohm_callsite_ = p; \
    r; }))
#define ohm_malloc(h, n)            OHM_CS_CALL_(void *, (ohm_malloc)(h, n))
#define ohm_calloc(h, ne, es)       OHM_CS_CALL_(void *, (ohm_calloc)(h, ne, es))
#define ohm_realloc(h, p, n)        OHM_CS_CALL_(void *, (ohm_realloc)(h, p, n))
#define ohm_raw_malloc(h, n)        OHM_CS_CALL_(void *, (ohm_raw_malloc)(h, n))
#define ohm_raw_calloc(h, ne, es)   OHM_CS_CALL_(void *, (ohm_raw_calloc)(h, ne, es))
#define ohm_raw_realloc(h, p, n)    OHM_CS_CALL_(void *, (ohm_raw_realloc)(h, p, n))
#define ohm_new(h, t)               OHM_CS_CALL_(ohm_object *, (ohm_new)(h, t))
#define ohm_new_var(h, t, n)        OHM_CS_CALL_(ohm_object *, (ohm_new_var)(h, t, n))
#define ohm_int_new(h, v)           OHM_CS_CALL_(ohm_object *, (ohm_int_new)(h, v))
#define ohm_float_new(h, v)         OHM_CS_CALL_(ohm_object *, (ohm_float_new)(h, v))
#define ohm_str_new(h, s, n)        OHM_CS_CALL_(ohm_object *, (ohm_str_new)(h, s, n))
#define ohm_str_intern(h, s, n)     OHM_CS_CALL_(ohm_object *, (ohm_str_intern)(h, s, n))
#define ohm_tuple_new(h, n)         OHM_CS_CALL_(ohm_object *, (ohm_tuple_new)(h, n))
#define ohm_list_new(h)             OHM_CS_CALL_(ohm_object *, (ohm_list_new)(h))
#define ohm_dict_new(h)             OHM_CS_CALL_(ohm_object *, (ohm_dict_new)(h))
#define ohm_range_new(h, a, b, c)   OHM_CS_CALL_(ohm_object *, (ohm_range_new)(h, a, b, c))
#define ohm_weakref_new(h, t, c, a) OHM_CS_CALL_(ohm_object *, (ohm_weakref_new)(h, t, c, a))
#define ohm_list_append(l, x)       OHM_CS_CALL_(int, (ohm_list_append)(l, x))
#define ohm_dict_set(d, k, v)       OHM_CS_CALL_(int, (ohm_dict_set)(d, k, v))
#define ohm_iter(o)                 OHM_CS_CALL_(ohm_object *, (ohm_iter)(o))
#define ohm_iter_next(it)           OHM_CS_CALL_(ohm_object *, (ohm_iter_next)(it))
#define ohm_str_concat(a, b)        OHM_CS_CALL_(ohm_object *, (ohm_str_concat)(a, b))
#define ohm_str_from_format(h, ...) OHM_CS_CALL_(ohm_object *, (ohm_str_from_format)(h, __VA_ARGS__))
#define ohm_tuple_pack(h, ...)      OHM_CS_CALL_(ohm_object *, (ohm_tuple_pack)(h, __VA_ARGS__))
#define ohm_list_insert(l, i, x)    OHM_CS_CALL_(int, (ohm_list_insert)(l, i, x))
#define ohm_list_get_slice(l, a, b) OHM_CS_CALL_(ohm_object *, (ohm_list_get_slice)(l, a, b))
#define ohm_list_set_slice(l, a, b, x) OHM_CS_CALL_(int, (ohm_list_set_slice)(l, a, b, x))
#define ohm_list_extend(l, x)       OHM_CS_CALL_(int, (ohm_list_extend)(l, x))
#define ohm_list_copy(l)            OHM_CS_CALL_(ohm_object *, (ohm_list_copy)(l))
#define ohm_dict_copy(d)            OHM_CS_CALL_(ohm_object *, (ohm_dict_copy)(d))
#define ohm_dict_keys(d)            OHM_CS_CALL_(ohm_object *, (ohm_dict_keys)(d))
#define ohm_dict_values(d)          OHM_CS_CALL_(ohm_object *, (ohm_dict_values)(d))
#define ohm_dict_items(d)           OHM_CS_CALL_(ohm_object *, (ohm_dict_items)(d))
#define ohm_dict_new_identity(h)    OHM_CS_CALL_(ohm_object *, (ohm_dict_new_identity)(h))
#define ohm_repr(o)                 OHM_CS_CALL_(ohm_object *, (ohm_repr)(o))
#define ohm_str(o)                  OHM_CS_CALL_(ohm_object *, (ohm_str)(o))
#endif
#endif /* __GNUC__ */

#ifdef __cplusplus
}
#endif
#endif /* OHM_H */
