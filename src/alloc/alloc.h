/*
 * alloc.h — the private heap's allocator, the layer above base/ (arena.c, pool.c,
 * large.c, alloc.c, debug.c, stats.c, check.c): its interface for the layers above,
 * and the state a heap embeds. The allocator's own internals are in alloc_impl.h.
 *
 * Invariants the rest of ohm may rely on:
 *  - every block and object is 16-byte aligned;
 *  - objects (ohmi_alloc_object) live in pools of their own kind (non-GC or GC objects),
 *    never next to plain blocks, or outside the pools with OHM_F_LARGE set;
 *  - a free object slot (on its pool's free list, or carved and never handed out) has
 *    rc 0, bits 0 and, in its type word, its free-list link with bit 0 set: no type
 *    is odd, so ohmi_alloc_live tells a live object from a free slot, and
 *    ohmi_alloc_walk_objects sees exactly the live objects. The count reads 0, so the
 *    inline decref of a freed object reaches ohm_refcount_error_ (obj/object.c), which
 *    ohmi_alloc_freed lets name the misuse without following the link. Memory that
 *    holds no object but is not free either reads type NULL (an object before ohm_new
 *    sets its type, the object layer's free lists, the debug quarantine);
 *  - ohmi_alloc_of(h)->slow is nonzero whenever any call must leave the fast path (debug hooks,
 *    tracing, a hooked domain, bypass mode, fault injection, valgrind/ASan tracking).
 *    Whoever changes one of those conditions calls ohmi_alloc_update_slow(h).
 */
#ifndef OHM_ALLOC_H
#define OHM_ALLOC_H

#include "base/base.h"

#include <pthread.h>
#include <stdio.h>

#define ALLOC_NKINDS 3   /* pool kinds: plain blocks, objects, GC objects */
#define ALLOC_ARENA_SHIFT 20   /* arenas are 1 MiB, 1 MiB-aligned */
#define ALLOC_ARENA_SIZE ((size_t)1 << ALLOC_ARENA_SHIFT)

/* A pool's header: 32 bytes, kept in its arena's first page (not in the pool), so
 * every byte of a pool's 16 KiB is blocks and every page of it can go back to the OS. */
struct alloc_pool {
    void *freelist;                 /* first free block; each holds the next: a plain
                                       block at offset 0, an object slot in its type
                                       word, tagged (alloc_impl.h, "free list") */
    struct alloc_pool *next, *prev; /* the used list of its (kind, class) */
    uint16_t ref;                   /* blocks in use minus bias: the fast paths' counter */
    uint16_t bias;                  /* the free fast path calls ohmi_pool_on_zero when the pool
                                       has bias blocks in use (see pool.c) */
    uint16_t bump;                  /* offset of the first never-carved block */
    uint8_t cls;                    /* size class: block size (cls + 1) * 16 */
    uint8_t flags;                  /* POOL_FULL | kind << 1 | released-page bits << 4 */
};

/* Pages to madvise, gathered so that adjacent ranges go in one call: up to
 * RELEASE_RUNS runs of adjacent pages, in any order (arena.c, ohmi_release_add). */
#define RELEASE_RUNS 8
struct release_batch {
    char *start[RELEASE_RUNS], *end[RELEASE_RUNS];
    unsigned n;                     /* runs in use */
    size_t pages;                   /* pages added, ever (a page added twice counts twice) */
};

struct alloc_arena;
struct alloc_raw;

/* Debug hooks' context per domain: the hooks wrap the domain's base allocator. */
struct alloc_debug_ctx {
    ohm_heap *heap;
    ohm_domain domain;
    ohm_allocator base;             /* what the hooks wrap */
};

/* The allocator's observer, installed by a layer above (the tracer) with
 * ohmi_alloc_observe. While the heap is observed, every block of every domain,
 * objects included, is reported as it is allocated and freed. Each hook runs on the
 * heap's own thread, except RAW-domain hooks, which may run on any thread. */
struct ohmi_alloc_observer {
    void (*on_alloc)(ohm_heap *h, ohm_domain d, const void *p, size_t n);
    void (*on_free)(ohm_heap *h, ohm_domain d, const void *p);
    /* Sampling: the byte countdown (sample_left) ran out. sample_expired says whether
     * to sample this block (1) or not (0, and it rearmed the countdown); a sampled
     * block comes from the large blocks and is reported with on_sampled. */
    int  (*sample_expired)(ohm_heap *h);
    void (*on_sampled)(ohm_heap *h, ohm_domain d, const void *p, size_t n);
    /* A realloc in domain d is about to run: 1 when the observer took a lock that
     * realloc_leave must release (RAW from another thread). */
    int  (*realloc_enter)(ohm_heap *h, ohm_domain d);
    void (*realloc_leave)(ohm_heap *h);
    /* For fatal messages: print what the observer knows of block p (where it was
     * allocated), or nothing. Called whether or not the heap is observed. */
    void (*describe)(ohm_heap *h, const void *p, FILE *out);
};

/* ---- block tags (tags.c) ----
 * A 32-bit word per 16-byte granule of the heap's arenas, for the observer: the tracer
 * keeps each traced pool block's trace there. A word is 0 (no tag) or
 * ohmi_tag_enc(value, domain, size) = (value + 1) << 12 | domain << 10 | size, for
 * value <= OHMI_TAG_MAX_VALUE and size < OHMI_TAG_MAX_SIZE (every pool block fits).
 *
 * The inline tagger: while the observer allows it, the allocator's direct paths (the
 * observer is their only reason to leave the fast paths) tag a pool block themselves
 * when its call site (ohm_callsite_) has a value in `site` and its leaf is cached,
 * adding its size to `bytes` and `peak`, which are the observer's traced bytes; and
 * untag one on free. What they can't do goes to the observer's hooks. */
#define OHMI_TAG_MAX_SIZE 1024u
#define OHMI_TAG_MAX_VALUE ((1u << 20) - 2)
#define OHMI_TAG_SITES 256
struct alloc_tags {
    int tag_sites;          /* the direct paths may tag by `site` (the tracer: limit 1,
                               exact, no frame provider) */
    int untag;              /* the direct paths may untag (the tracer: exact) */
    int untagged_elsewhere; /* some pool block's record is not in its tag (the
                               observer's own table): an untagged free goes to it */
    size_t bytes, peak;     /* the observer's traced bytes, now and at most */
    uintptr_t last_freed;   /* the block last untagged (by anyone), and its value: for */
    uint32_t last_freed_value; /* reports on a block just freed */
    struct { const void *site; uint32_t value; } site[OHMI_TAG_SITES];
                            /* call site -> value, filled by the observer; the slot is
                               ohmi_tag_site_slot(site) */
    uint32_t ***top;        /* [2^13] -> [2^14] -> leaf of 2^16 words, or NULL */
    size_t leaves;          /* leaves mapped */
    struct { uintptr_t arena; uint32_t *leaf; } cache[64]; /* arena number -> leaf,
                               direct mapped; arena UINTPTR_MAX: empty */
};

struct alloc_state {
    /* --- the fast paths read these (keep them first, in one cache line) --- */
    /* The malloc and free fast paths test no flag of their own: when `slow` is set,
     * `cur` points at all-empty pools and `fastmap` at an all-zero map, so both fall
     * into the slow paths, which test `slow`. */
    struct alloc_pool *plain[OHM_SMALL_MAX + 1]; /* ohm_malloc's pool by request size
                                       (0..512): used[POOL_PLAIN][class], or all &empty
                                       when slow. Indexed by n itself: no shift, no -1 */
    struct alloc_pool *(*cur)[OHM_NB_CLASSES];   /* used, or idle when slow */
    const uintptr_t *fastmap;       /* map, or an all-zero map when slow */
    uintptr_t slow;                 /* nonzero: take the slow path (see ohmi_alloc_update_slow) */
    long long sample_left;          /* the byte countdown: bytes until the next point
                                       where a client (the sampling observer, the ticker)
                                       is due; LLONG_MAX when none counts. The fast paths
                                       count it down (alloc_countdown) */
    uintptr_t *map;                 /* arena map: map[addr >> 20 & mask] is 0, or the
                                       address of that arena of h's pool headers */
    struct alloc_pool *used[ALLOC_NKINDS][OHM_NB_CLASSES]; /* current pool per kind, class */
    struct alloc_pool *idle[ALLOC_NKINDS][OHM_NB_CLASSES]; /* all &empty */
    struct alloc_pool *tail[ALLOC_NKINDS][OHM_NB_CLASSES]; /* last of each used list */
    struct alloc_pool empty;        /* sentinel in used[] slots without pools: never has blocks */

    /* --- arenas (arena.c) --- */
    struct alloc_arena *arenas;     /* every arena of the heap */
    struct alloc_arena *avail[65];  /* arenas with N free pools (1..63), fullest first;
                                       avail[64]: the empty arenas still mapped */
    uint64_t avail_mask;            /* bit N: avail[N] is not empty (N in 1..63) */
    size_t narenas, arenas_allocated, arenas_reclaimed, arenas_highwater;
    size_t pools_used;              /* pools in use (not free), all arenas */
    size_t dirty_pools;             /* empty pools whose pages may still be resident */
    size_t retain_pools;            /* empty pools the purge leaves resident (learned) */
    size_t recent_released;         /* pools released that were not needed again yet */
    size_t purge_events;            /* pools emptied since the last purge */
    int trimming;                   /* ohmi_alloc_trim runs: look at every pool */
    size_t pages_released;          /* pages handed back with madvise, ever */
#define ALLOC_TRIMQ 16
    struct alloc_pool *trimq[ALLOC_TRIMQ]; /* pools at a watermark, trimmed when they
                                       leave this delay line (if not empty by then) */
    uint16_t trimq_used[ALLOC_TRIMQ]; /* blocks each had in use when it entered */
    unsigned trimq_next;            /* the oldest entry, next to be trimmed */
    unsigned defer;                 /* ohmi_alloc_defer_release nesting: >0 holds releases back */
#define ALLOC_DEFQ 64
    struct alloc_pool *defq[ALLOC_DEFQ]; /* pools that reached a watermark while deferred */
    size_t ndefq;                   /* entries used; > ALLOC_DEFQ: overflowed (purge all) */
    struct release_batch pending;   /* pages trimmed at watermarks or of pools returned,
                                       not yet madvised: runs, flushed at 64 pages, when
                                       full, and before any page could be reused */
    ohm_arena_allocator arena_alloc;
    int arena_hooked;               /* arena_alloc is the user's: no madvise */
    void *huge_half;                /* the unused half of a huge-page pair (arena.c) */

    /* --- domains (alloc.c) --- */
    ohm_allocator dom[3];           /* the allocator behind each domain */
    struct alloc_debug_ctx debug[3];
    int raw_hooked;                 /* the user set the RAW allocator: large blocks use it */
    size_t obj_offset;              /* object start within its block: 0, or the debug prefix */
    int valgrind;                   /* running under valgrind: annotate blocks */

    /* --- the observer (see struct ohmi_alloc_observer) --- */
    const struct ohmi_alloc_observer *obs; /* NULL: none installed */
    int observed;                   /* call obs for every block */
    int obs_sampled;                /* observed, but only sampled blocks: the fast paths
                                       stay on, with the byte countdown */
    int obs_direct;                 /* the observer is the only reason to leave the fast
                                       paths: the slow paths run the pools' fast paths
                                       and the inline tagger (alloc_impl.h) */

    /* --- the byte countdown's clients (see ohmi_alloc_sample_arm) --- */
    long long count_armed;          /* what sample_left was last set to: the bytes
                                       counted since are count_armed - sample_left */
    long long obs_left;             /* the sampling observer's bytes to its next sample
                                       point as of count_armed; LLONG_MAX: none */
    long long tick_left;            /* the ticker's bytes to its next tick as of
                                       count_armed; LLONG_MAX: no ticker */
    long long (*tick)(ohm_heap *h); /* the ticker (ohmi_alloc_set_ticker), or NULL */
    int tick_slow;                  /* a ticker while slow and no sampling observer
                                       counts: the slow paths count for it */

    struct alloc_tags tags;         /* block tags (tags.c) */

    /* --- blocks outside the pools (large.c) --- */
    ohmi_ptrmap large;              /* large block -> its kind (LARGE_*, alloc_impl.h) */
    size_t large_bytes;
    pthread_mutex_t raw_lock;       /* the RAW domain is thread-safe */
    struct alloc_raw *raw_head;     /* RAW blocks, freed at destroy */

    /* --- debug (debug.c) and tests --- */
    unsigned long long serial;      /* debug hooks: allocation serial number */
    size_t limit;                   /* memory cap (arenas + large blocks); 0: none */
    int registered;                 /* in the debug registry of heaps */
#define ALLOC_DEBUG_QUARANTINE 1024 /* freed MEM/OBJ blocks the debug hooks hold back */
    void **debug_quar;              /* debug hooks: ring of ALLOC_DEBUG_QUARANTINE freed MEM/OBJ
                                       blocks (their bases) held back from the pools */
    size_t debug_quar_next;         /* the ring's next slot (its oldest entry) */
};

/* The heap as the allocator sees it: base, then the allocator's state. */
struct ohmi_alloc_heap {
    struct ohmi_base base;
    struct alloc_state alloc;
};
static inline struct alloc_state *ohmi_alloc_of(const ohm_heap *h) {
    return &((struct ohmi_alloc_heap *)(uintptr_t)h)->alloc;
}

int  ohmi_alloc_init(ohm_heap *h);   /* 0, or -1 with ohmi_error set */
void ohmi_alloc_fini(ohm_heap *h);   /* give back every byte */

/* Recompute the slow flag from the debug/bypass config, the observer, the domain
 * tables and fault injection. Call after changing any of them. */
void ohmi_alloc_update_slow(ohm_heap *h);
/* Install the observer (NULL: none); it is called once observing is on. */
void ohmi_alloc_observe(ohm_heap *h, const struct ohmi_alloc_observer *obs);
/* Observing on or off; sampled: only sampled blocks are reported (the fast paths stay
 * on and count sample_left down). */
void ohmi_alloc_set_observing(ohm_heap *h, int on, int sampled);

/* The byte countdown. The fast paths subtract each block's size from one word,
 * sample_left, and leave for the slow path when it runs out; that word serves two
 * clients, each of which wants to hear after so many bytes allocated on the heap's
 * own thread:
 *   the sampling observer (the tracer's sampled mode): its next sample point;
 *   the ticker (api/timeline.c): its next look at the clock.
 * sample_left is armed with the nearer of the two; when it runs out, the bytes counted
 * are taken from both, the ticker is called if it is due, and the observer is asked
 * (sample_expired) if it is. So neither client costs the fast paths anything: they
 * pay their subtraction and branch whether or not anyone counts. While the heap is
 * slow (debug hooks, exact tracing, ...), the fast paths do not run: a sampling
 * observer counts in its on_alloc hook, and otherwise, with a ticker, the slow paths
 * count (tick_slow).
 * ohmi_alloc_sample_arm: the observer's next sample point is gap bytes away (LLONG_MAX:
 * none; 0: the next allocation). */
void ohmi_alloc_sample_arm(ohm_heap *h, long long gap);
/* The countdown ran out (a fast path's, or an observer's that counts in its hook):
 * the ticker runs if it is due; returns 1 when this block is to be sampled (the
 * observer was due and its sample_expired said so), else 0; rearms the countdown. */
int ohmi_alloc_sample_expired(ohm_heap *h);
/* The ticker: tick(h) is called on the heap's own thread, inside an allocation (MEM or
 * OBJ domain, or RAW on the tracer's thread), once about `first` bytes were allocated,
 * and then each time the bytes it returned (>= 1) were; it must not allocate from h
 * nor free into it. NULL: none. RAW-domain blocks are counted only while a sampling
 * observer counts them. */
void ohmi_alloc_set_ticker(ohm_heap *h, long long (*tick)(ohm_heap *h), long long first);
/* Block tags (see struct alloc_tags). */
static inline uint32_t ohmi_tag_enc(uint32_t value, int d, size_t n) {
    OHMI_ASSERT_INTERNAL(n < OHMI_TAG_MAX_SIZE && value <= OHMI_TAG_MAX_VALUE && d >= 0 &&
                         d <= OHM_DOMAIN_OBJ);
    return (value + 1) << 12 | ((uint32_t)d & 3) << 10 | (uint32_t)n;
}
static inline size_t ohmi_tag_size(uint32_t w) { return w & (OHMI_TAG_MAX_SIZE - 1); }
static inline uint32_t ohmi_tag_value(uint32_t w) { return (w >> 12) - 1; }
static inline int ohmi_tag_domain(uint32_t w) { return (int)(w >> 10) & 3; }
static inline size_t ohmi_tag_site_slot(const void *site) {
    return ((uintptr_t)site >> 4) & (OHMI_TAG_SITES - 1);
}
/* p's word when its arena's leaf is in the cache, else NULL (no call). */
static inline uint32_t *ohmi_tag_slot_cached(const struct alloc_tags *tg, uintptr_t p) {
    uintptr_t ar = p >> ALLOC_ARENA_SHIFT;
    if (OHM_LIKELY(tg->cache[ar & 63].arena == ar))
        return &tg->cache[ar & 63].leaf[(p & (ALLOC_ARENA_SIZE - 1)) >> 4];
    return NULL;
}
uint32_t *ohmi_tag_slot_miss(struct alloc_tags *tg, uintptr_t p);
/* p's word, or NULL when its leaf does not exist (the cache, then the directory). */
static inline uint32_t *ohmi_tag_slot(struct alloc_tags *tg, uintptr_t p) {
    uint32_t *s = ohmi_tag_slot_cached(tg, p);
    return OHM_LIKELY(s != NULL) ? s : ohmi_tag_slot_miss(tg, p);
}
/* p's word, its leaf made if needed; NULL when out of memory (or p above 2^47). */
uint32_t *ohmi_tag_slot_make(struct alloc_tags *tg, uintptr_t p);
/* Forget every tag and give the leaves back (bytes and peak are the observer's). */
void ohmi_tags_clear(struct alloc_tags *tg);
/* Resident bytes of the tags and their directory. */
size_t ohmi_tags_memory(const struct alloc_tags *tg);
/* fn(arg, address, word) for every nonzero tag, by address; stops at fn's first
 * nonzero return and returns it. */
typedef int (*ohmi_tag_fn)(void *arg, uintptr_t p, uint32_t word);
int ohmi_tags_walk(const struct alloc_tags *tg, ohmi_tag_fn fn, void *arg);
/* The tag words of p's arena (index them by (p & (arena size - 1)) >> 4), or NULL when
 * it has none; looks nothing up in the cache, changes nothing (the checkers). */
const uint32_t *ohmi_tags_leaf(const struct alloc_tags *tg, uintptr_t p);

/* For fatal messages: the observer's description of p (nothing when none). */
void ohmi_alloc_describe(ohm_heap *h, const void *p, FILE *out);
/* Debug mode (debug.c). At an object's death, before the object layer quarantines it:
 * its guards checked (a damaged one is fatal, naming type_name) and its body past the
 * header filled with the dead pattern, checked again when the memory is freed. */
void ohmi_debug_object_kill(ohm_heap *h, ohm_object *o, const char *type_name);
/* At ohm_heap_destroy, before the layers' fini: every live debug block's guards and
 * every held-back freed block's dead pattern; each damage printed, then fatal. */
void ohmi_debug_check_all(ohm_heap *h);
/* Freed blocks debug mode holds back now (its quarantine ring): how many, and in *bytes
 * the bytes they were asked for. They count as allocated in the pools' statistics. */
size_t ohmi_debug_held(ohm_heap *h, size_t *bytes);
/* Print the allocator's part of sys._debugmallocstats (stats.c). */
void ohmi_alloc_print_stats(ohm_heap *h, FILE *out);

/* Blocks of a domain (RAW, MEM or OBJ), with ohm.h's malloc contract. */
void *ohmi_alloc_malloc(ohm_heap *h, ohm_domain d, size_t n);
void *ohmi_alloc_calloc(ohm_heap *h, ohm_domain d, size_t nelem, size_t elsize);
void *ohmi_alloc_realloc(ohm_heap *h, ohm_domain d, void *p, size_t n);
void  ohmi_alloc_free(ohm_heap *h, ohm_domain d, void *p);

/* Object memory (OBJ domain): n bytes, n >= sizeof(ohm_object), 16-byte aligned.
 * The header comes back as rc = 0, bits = 0 (or OHM_F_LARGE when the block lives
 * outside the pools), type = NULL; the rest is NOT zeroed. gc != 0 puts the object
 * where ohmi_alloc_walk_objects(h, 1, ...) finds it. NULL on failure (ohmi_error set).
 * Objects always come from the pools (or large blocks), never from a user hook on the
 * OBJ domain, so the walks see them; tracing sees them as OBJ-domain blocks. */
ohm_object *ohmi_alloc_object(ohm_heap *h, size_t n, int gc);
/* Give an object's memory back: its slot reads as free from then on (rc 0, bits 0,
 * the type word a tagged link: ohmi_alloc_freed), or, for memory outside the pools
 * and in debug mode, type NULL until the memory is reused or given back. */
void ohmi_alloc_object_free(ohm_heap *h, ohm_object *o);
/* What an object slot's type word says. Live: a type (types are pointers to structs,
 * so even). Freed: bit 0 set, the word is the pool free list's link. Neither: NULL
 * (see the invariants above). A caller that loaded the word already passes it to
 * ohmi_alloc_live_type. */
static inline int ohmi_alloc_live_type(const ohm_type *t) {
    /* t != NULL && !(t & 1) with one branch: rotated right by one, bit 0 becomes the
     * sign bit and NULL stays 0 (a `ror` and a test: one instruction more than the
     * test for NULL alone) */
    uintptr_t w = (uintptr_t)t;
    return (intptr_t)(w >> 1 | w << (sizeof w * 8 - 1)) > 0;
}
static inline int ohmi_alloc_live(const ohm_object *o) {
    return ohmi_alloc_live_type(o->ohm_type);
}
static inline int ohmi_alloc_freed(const ohm_object *o) {
    return ((uintptr_t)o->ohm_type & 1) != 0;
}
/* The heap an object's memory came from. O(1): pool objects through their arena's
 * header, large ones through their prefix. */
ohm_heap *ohmi_alloc_heap_of(const ohm_object *o);
/* The same, inline for the release and creation paths: a pool object's heap is the
 * first word of its arena (1 MiB-aligned: ALLOC_ARENA_SHIFT, checked in alloc_impl.h);
 * a large one takes the call. Five instructions, no spills. */
#define ALLOC_MAP_BITS   27                                 /* 47-bit addresses / 1 MiB */
#define ALLOC_MAP_MASK   (((uintptr_t)1 << ALLOC_MAP_BITS) - 1)
/* 1 when p lies in one of h's arenas (a pool block, live or free): one load. */
static inline int ohmi_alloc_in_arenas(const ohm_heap *h, const void *p) {
    return ohmi_alloc_of(h)->map[((uintptr_t)p >> ALLOC_ARENA_SHIFT) & ALLOC_MAP_MASK] != 0;
}
static inline ohm_heap *alloc_heap_of_inline(const ohm_object *o) {
    if (OHM_UNLIKELY(o->ohm_bits & OHM_F_LARGE)) return ohmi_alloc_heap_of(o);
    return *(ohm_heap *const *)((uintptr_t)o & ~(((uintptr_t)1 << ALLOC_ARENA_SHIFT) - 1));
}
/* Usable size of a block or object from h (0 when p is not h's). */
size_t ohmi_alloc_usable_size(ohm_heap *h, const void *p);
/* The bytes the pools give a block or object of h: its size class (<= OHM_SMALL_MAX) or
 * its size, the same in every mode (debug mode's guards, which usable_size leaves out,
 * are not counted; bypass mode's blocks are rounded as the pools would). 0: not h's. */
size_t ohmi_alloc_footprint(ohm_heap *h, const void *p);
/* Call fn on every live object (ohmi_alloc_live) that ohmi_alloc_object gave out — only those
 * allocated with gc != 0 when gc_only — pool objects in address order, then large
 * ones. fn may not allocate or free. Nonzero from fn stops the walk and is returned.
 * Objects live in pools of their own (one kind for GC objects, one for the others),
 * never mixed with plain blocks, so the walk never mistakes a block for an object. */
int ohmi_alloc_walk_objects(ohm_heap *h, int gc_only, ohm_object_fn fn, void *arg);

/* Fault injection for tests (SQLite/Lua style), the old spelling of
 * ohm_fault_fail_nth(h, n + 1, 1): the next n allocation attempts succeed, then every one
 * fails (NULL, errno ENOMEM) until ohmi_alloc_fail_after(h, -1). */
void ohmi_alloc_fail_after(ohm_heap *h, long n);

/* The expensive consistency check: every allocator invariant over the whole heap.
 * Returns the number of violations, describing the first ones on out (may be NULL). */
int ohmi_alloc_check(ohm_heap *h, FILE *out);
/* The same, describing at most max violations (ohm_heap_check: 1). The count returned
 * may stop short once max are found. Allocates nothing. */
int ohmi_alloc_check_max(ohm_heap *h, FILE *out, int max);

/* Memory cap for tests: arenas and large blocks together may not exceed `bytes`
 * (0: no cap); an allocation that would is refused with ENOMEM. ohm_fault_cap sets it
 * and also arms the count. */
void ohmi_alloc_set_limit(ohm_heap *h, size_t bytes);

/* Hand back to the OS every empty pool and every free page of the pools now (the
 * allocator also does this by itself as pools empty). Returns the pages released. */
size_t ohmi_alloc_trim(ohm_heap *h);

/* Bracket a burst of frees (the collector's delete phase): between
 * ohmi_alloc_defer_release(h, 1) and ohmi_alloc_defer_release(h, 0) no page is madvised and
 * no arena unmapped; the pools that emptied or reached a watermark meanwhile are
 * released in one batched pass when the outermost bracket closes. Nests. */
void ohmi_alloc_defer_release(ohm_heap *h, int on);

/* Walk the GC objects as ohmi_alloc_walk_objects(h, 1, fn, arg) does, but the pool slots
 * go by spans: span(arg, first, n, stride) for n slots starting at object `first`,
 * `stride` bytes apart; skip the slots that are not ohmi_alloc_live. Large GC objects go to
 * fn one by one. Lets a walker inline its per-object work. Returns -1 without walking
 * when the heap runs under a tool (ASan, valgrind): use ohmi_alloc_walk_objects then. */
typedef void (*alloc_span_fn)(void *arg, char *first, size_t n, size_t stride);
int ohmi_alloc_walk_spans(ohm_heap *h, alloc_span_fn span, ohm_object_fn fn, void *arg);


/* The incremental collector's walk (gc/gc_incr.c). ohmi_alloc_arenas: the arenas in use,
 * the first max of them into out; returns how many there are. ohmi_alloc_walk_pool: fn
 * on each live GC object of pool `pool` (0..63) of the arena at `arena`, as
 * ohmi_alloc_walk_objects would; nothing when that is no longer one of h's arenas, or
 * the pool is not a GC pool in use now (an address kept across frees is safe to pass).
 * ohmi_alloc_walk_large: the large GC objects. */
size_t ohmi_alloc_arenas(ohm_heap *h, uintptr_t *out, size_t max);
int ohmi_alloc_walk_pool(ohm_heap *h, uintptr_t arena, unsigned pool, ohm_object_fn fn, void *arg);
int ohmi_alloc_walk_large(ohm_heap *h, ohm_object_fn fn, void *arg);
/* The same pool by spans, as ohmi_alloc_walk_spans gives them; -1 without walking
 * under ASan or valgrind: use ohmi_alloc_walk_pool then. */
int ohmi_alloc_walk_pool_spans(ohm_heap *h, uintptr_t arena, unsigned pool, alloc_span_fn span, void *arg);

#endif
