/*
 * base.h — the bottom layer: what every other layer may use, and nothing that knows
 * about pools, traces, generations or types.
 *
 *   the object header's bits   which bits of ohm_bits belong to which layer
 *   compiler hints             OHM_LIKELY, OHM_NOINLINE, ...
 *   assertions                 OHMI_ASSERT (cheap), OHMI_ASSERT_INTERNAL, OHMI_ASSERT_EXPENSIVE
 *   the heap's base            config, error message: the first member of every heap
 *   errors                     ohmi_error (recorded for ohm_last_error), ohmi_fatal
 *   the OS                     every mmap, munmap, madvise and mprotect, the clocks
 *                              and the resident set (os.c)
 *   binary files               little-endian fields, a bounds-checked reader whose
 *                              errors name the offset, whole-file reads (bytes.c)
 *   pointer vectors            ohmi_vec (vec.c), memory from the C library or the OS
 *   hashing                    FNV-1a and the pointer hash (hash.c)
 *   the hash table             ohmi_ptrmap (pointer keys) and ohmi_index (entries by
 *                              content), one open-addressing table (htab.c)
 *
 * The layers, bottom up (docs/architecture.md): base, alloc, trace, gc, obj, api.
 * A file includes and calls only its own layer's headers and those of the layers
 * below; tools/check-layers enforces it.
 *
 * The heap is one block whose parts nest, lowest first: struct ohm_heap (api) begins
 * with struct ohmi_obj_heap, which begins with struct ohmi_gc_heap, ... down to
 * struct ohmi_base. A layer sees only its part and the ones below, through
 * ohmi_<layer>_of(h): a pointer to a struct's first member is a pointer to the
 * struct (C11 6.7.2.1p15), so each accessor is a constant offset.
 *
 * Object header (ohm.h): uint32 ohm_rc | uint32 ohm_bits | const ohm_type *ohm_type.
 *   ohm_rc   : reference count; >= 2^31 means immortal (OHM_RC_IMMORTAL is set).
 *   ohm_bits : low 8 bits are the OHM_F_* flags below; the high 24 bits belong to the
 *              collector (gc/): a generation index outside a collection, gc_refs
 *              during one.
 */
#ifndef OHM_BASE_H
#define OHM_BASE_H

#include "ohm.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define OHM_F_TRACKED   0x01u  /* in the collector's view (gc/) */
#define OHM_F_FINALIZED 0x02u  /* finalize has run (PEP 442) */
#define OHM_F_LARGE     0x04u  /* allocated outside the pools (set by alloc/) */
#define OHM_F_WEAKREFD  0x08u  /* has, or had, weak references (obj/weakref.c) */
#define OHM_F_GC0       0x10u  /* flags 0x10..0x80 belong to gc/ */
#define OHM_F_GC1       0x20u
#define OHM_F_GC2       0x40u
#define OHM_F_GC3       0x80u
#define OHM_FLAG_MASK   0xFFu
#define OHM_GCWORD_SHIFT 8     /* ohm_bits >> 8: the collector's 24-bit word */
#define OHM_GCWORD_MAX  0xFFFFFFu

#define OHM_IS_IMMORTAL(o) ((int32_t)(o)->ohm_rc < 0)

#if defined(__GNUC__)
#  define OHM_LIKELY(x)   __builtin_expect(!!(x), 1)
#  define OHM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#  define OHM_NOINLINE    __attribute__((noinline))
#  define OHM_NORETURN    __attribute__((noreturn))
#  define OHM_PRINTF(a,b) __attribute__((format(printf, a, b)))
#else
#  define OHM_LIKELY(x) (x)
#  define OHM_UNLIKELY(x) (x)
#  define OHM_NOINLINE
#  define OHM_NORETURN
#  define OHM_PRINTF(a,b)
#endif

/* ------------------------------------------------------------------ assertions
 * Three costs, as mimalloc's mi_assert / mi_assert_internal / mi_assert_expensive.
 * OHM_DEBUG_LEVEL (a CMake option, 0..3) says which are compiled in:
 *   1  OHMI_ASSERT: cheap checks of arguments and states, O(1), off the fast paths
 *   2  OHMI_ASSERT_INTERNAL: the layers' own invariants where they change (pool
 *      accounting, generation membership, trace words, refcounts at release)
 *   3  OHMI_ASSERT_EXPENSIVE: whole-structure checks, O(n) (a pool's free list, a
 *      generation vector, the heap checker after each collection)
 * A failed assertion is fatal: "ohm: fatal error: assertion failed: EXPR (file:line, fn)".
 * Off, each expands to ((void)0) and its expression is not evaluated. */
#ifndef OHM_DEBUG_LEVEL
#  define OHM_DEBUG_LEVEL 0
#endif
OHM_NORETURN void ohmi_assert_fail(const char *expr, const char *file, unsigned line,
                                   const char *fn);
extern const int ohmi_debug_level;   /* the OHM_DEBUG_LEVEL the library was built at */
/* The text is taken where the expression is written (#e there): passed on to another
 * macro first, it would be macro-expanded (NULL would read ((void *)0)). */
#define OHMI_ASSERT_AT_(e, text) \
    (OHM_LIKELY(e) ? (void)0 : ohmi_assert_fail(text, __FILE__, __LINE__, __func__))
#if OHM_DEBUG_LEVEL >= 1
#  define OHMI_ASSERT(e) OHMI_ASSERT_AT_(e, #e)
#else
#  define OHMI_ASSERT(e) ((void)0)
#endif
#if OHM_DEBUG_LEVEL >= 2
#  define OHMI_ASSERT_INTERNAL(e) OHMI_ASSERT_AT_(e, #e)
#else
#  define OHMI_ASSERT_INTERNAL(e) ((void)0)
#endif
#if OHM_DEBUG_LEVEL >= 3
#  define OHMI_ASSERT_EXPENSIVE(e) OHMI_ASSERT_AT_(e, #e)
#else
#  define OHMI_ASSERT_EXPENSIVE(e) ((void)0)
#endif

/* ------------------------------------------------------------ the heap's base */

/* Fault injection (ohm_fault_fail_nth, ohm_fault_cap; base/fault.c). It lives in base
 * so that every layer's memory consults one state: the allocator's entry points, the
 * object slow path, base's vectors and hash tables, the tracer's and the snapshots'
 * memory (ohmi_sys_*). `armed` is set by the first ohm_fault_* call and stays set:
 * from then on every allocation attempt is counted (the allocator leaves its fast
 * paths, see ohmi_alloc_update_slow). The n-th attempt fails (and every later one
 * when persist). The cap (ohm_fault_cap) is the allocator's limit on its arenas and
 * large blocks (alloc_state.limit): only the allocator knows those sizes. */
struct ohmi_fault {
    size_t count;              /* allocation attempts since the last fail_nth/cap */
    size_t nth;                /* the attempt that fails (1-based); 0: none */
    int persist;               /* fail every attempt after the nth too */
    int armed;                 /* counting (some ohm_fault_* call was made) */
};

struct ohmi_base {
    ohm_config cfg;            /* what the heap was made with */
    int destroying;            /* set while ohm_heap_destroy runs */
    char error[256];           /* ohm_last_error's message */
    struct ohmi_fault fault;   /* fault injection (base/fault.c) */
};
static inline struct ohmi_base *ohmi_base_of(const ohm_heap *h) {
    return (struct ohmi_base *)(uintptr_t)h;
}

/* ---------------------------------------------------------------- errors (error.c) */

/* Record a failure message on h (h may be NULL: thread-local), for ohm_last_error. */
void ohmi_error(ohm_heap *h, const char *fmt, ...) OHM_PRINTF(2, 3);
/* Clear h's error message (an iterator's clean end). */
void ohmi_error_clear(ohm_heap *h);
/* Print "ohm: fatal error: ..." to stderr and abort. */
OHM_NORETURN void ohmi_fatal(const char *fmt, ...) OHM_PRINTF(1, 2);

/* One allocation attempt of heap h (NULL: memory outside any heap, never counted or
 * failed). Counts it while fault injection is armed and returns 1 when it must fail
 * (errno ENOMEM, no message: the caller reports it, as for a real failure). The fast
 * test is one load and a branch. */
int ohmi_fault_fail_slow(ohm_heap *h);
static inline int ohmi_fault_fail(ohm_heap *h) {
    return h && OHM_UNLIKELY(ohmi_base_of(h)->fault.armed) && ohmi_fault_fail_slow(h);
}
/* The C library's allocator for memory that belongs to heap h but lives outside its
 * arenas (base's tables, the tracer, snapshots): each call is one allocation attempt
 * (ohmi_fault_fail); on failure NULL, errno ENOMEM, and no message (the caller
 * reports it). Free with free(). */
void *ohmi_sys_malloc(ohm_heap *h, size_t n);
void *ohmi_sys_calloc(ohm_heap *h, size_t nelem, size_t elsize);
void *ohmi_sys_realloc(ohm_heap *h, void *p, size_t n);   /* NULL: p untouched */

/* ---------------------------------------------------------------------- os.c */

void *ohmi_os_map(size_t size);                        /* NULL on failure */
void *ohmi_os_map_aligned(size_t size, size_t align);  /* NULL on failure */
void  ohmi_os_unmap(void *p, size_t size);
void  ohmi_os_release(void *p, size_t size);   /* madvise: contents become zero */
void *ohmi_os_reserve(size_t size);            /* lazily zero, NORESERVE; NULL on failure */
void  ohmi_os_read_only(void *p, size_t size); /* never written again */
void  ohmi_os_hugepage(void *p, size_t size);  /* advise transparent huge pages */
/* Make a mapping (from ohmi_os_map) inaccessible for good, and report any later access
 * to it as a use of a destroyed heap (os.c, "Tombstones"). It takes ownership of p. */
void  ohmi_os_tombstone(void *p, size_t size);
/* Resident bytes of [p, p + size) (all of it when the kernel can't say). */
size_t ohmi_os_resident(const void *p, size_t size);
/* The process's resident set: open a handle (-1 where the system has none), read it
 * (bytes; 0 when unknown; no allocation, one system call), close it. */
int    ohmi_os_rss_open(void);
size_t ohmi_os_rss_read(int fd);
void   ohmi_os_rss_close(int fd);
/* Clocks, in nanoseconds: monotonic (durations) and the wall clock (since 1970). */
uint64_t ohmi_os_now_ns(void);
uint64_t ohmi_os_wall_ns(void);

/* ------------------------------------------------------- pointer vectors (vec.c) */

/* A growable vector of object pointers, from the C library (never the scanned heap).
 * The functions that grow a vector or a hash table below take h, the heap that owns
 * it: each growth is one allocation attempt of h's fault injection (ohmi_fault_fail);
 * NULL for a table outside any heap (a loaded snapshot's). */
typedef struct ohmi_vec {
    ohm_object **items;
    size_t len, cap;
    int small_pages;   /* a big one's mapping not advised for huge pages (vec.c): for a
                          vector filled between pauses that must stay short */
} ohmi_vec;

int  ohmi_vec_grow(ohm_heap *h, ohmi_vec *v);                /* 0, or -1 when out of memory */
/* Room for n entries (0, or -1 when out of memory). A big reservation is a mapping
 * whose pages cost nothing until touched. */
int  ohmi_vec_reserve(ohm_heap *h, ohmi_vec *v, size_t n);
static inline int ohmi_vec_push(ohm_heap *h, ohmi_vec *v, ohm_object *o) {
    if (OHM_UNLIKELY(v->len == v->cap) && ohmi_vec_grow(h, v) < 0) return -1;
    v->items[v->len++] = o;
    return 0;
}
void ohmi_vec_free(ohmi_vec *v);
/* Give back the memory of a vector that a burst left mostly unused: used is how many
 * entries the last use needed (scratch vectors keep room for as many next time). */
void ohmi_vec_trim(ohmi_vec *v, size_t used);

/* ------------------------------------------------- hashing (hash.c, htab.c) */

#define OHMI_FNV_BASIS 14695981039346656037ull   /* FNV-1a 64, offset basis */
#define OHMI_FNV_PRIME 1099511628211ull
/* FNV-1a over p[0..n), continuing from h (start with OHMI_FNV_BASIS). */
uint64_t ohmi_hash_bytes(const void *p, size_t n, uint64_t h);
/* A well-mixed 64-bit hash of a pointer (or any word): its high bits are the good ones.
 * Every pointer-keyed table takes its slots from it (ohmi_ptrmap, the traces table). */
static inline uint64_t ohmi_hash_ptr(uintptr_t k) {
    return (uint64_t)(k >> 4) * 0x9E3779B97F4A7C15ull;   /* blocks are 16-byte aligned */
}

/* The hash table (htab.c): open addressing, linear probing, at most half full,
 * backward-shift deletion; memory from the C library. Two forms, below. */

/* Backward-shift deletion: whether the entry at slot j, whose home slot is home, may
 * move back into the hole at slot i (i earlier in the run): when i lies cyclically in
 * [home, j), i.e. the hole is no nearer to j than the entry's home is. */
static inline int ohmi_htab_may_fill(size_t i, size_t j, size_t home, size_t mask) {
    return ((j - home) & mask) >= ((j - i) & mask);
}

/* 1. Pointer -> word. Key 0 is reserved as "empty". A zeroed struct is an empty map. */
typedef struct ohmi_ptrmap_ent {
    uintptr_t key;   /* 0: an empty slot */
    uintptr_t val;
} ohmi_ptrmap_ent;
typedef struct ohmi_ptrmap {
    ohmi_ptrmap_ent *ents;   /* cap slots */
    size_t cap;              /* a power of two, or 0 */
    size_t len;              /* entries */
    unsigned shift;          /* 64 - log2(cap): key's home slot is ohmi_hash_ptr(key) >> shift */
} ohmi_ptrmap;
/* key's entry, or NULL (key NULL: NULL). */
static inline ohmi_ptrmap_ent *ohmi_ptrmap_get(const ohmi_ptrmap *m, const void *key) {
    uintptr_t k = (uintptr_t)key;
    if (!m->len || !k) return NULL;
    for (size_t i = (size_t)(ohmi_hash_ptr(k) >> m->shift);; i = (i + 1) & (m->cap - 1)) {
        if (m->ents[i].key == k) return &m->ents[i];
        if (!m->ents[i].key) return NULL;
    }
}
/* key's value slot, or NULL when absent. */
static inline uintptr_t *ohmi_ptrmap_find(const ohmi_ptrmap *m, const void *key) {
    ohmi_ptrmap_ent *e = ohmi_ptrmap_get(m, key);
    return e ? &e->val : NULL;
}
int ohmi_ptrmap_grow(ohm_heap *h, ohmi_ptrmap *m, size_t n);   /* room for n entries: 0, or -1 */
/* Room for n more entries, so that ohmi_ptrmap_add cannot fail: 0, or -1 out of memory. */
static inline int ohmi_ptrmap_reserve(ohm_heap *h, ohmi_ptrmap *m, size_t n) {
    return OHM_LIKELY((m->len + n) * 2 <= m->cap) ? 0 : ohmi_ptrmap_grow(h, m, m->len + n);
}
/* Add key (nonzero, not in m) in the room ohmi_ptrmap_reserve made. */
static inline ohmi_ptrmap_ent *ohmi_ptrmap_add(ohmi_ptrmap *m, const void *key, uintptr_t val) {
    uintptr_t k = (uintptr_t)key;
    size_t i = (size_t)(ohmi_hash_ptr(k) >> m->shift);
    while (m->ents[i].key) i = (i + 1) & (m->cap - 1);
    m->ents[i].key = k;
    m->ents[i].val = val;
    m->len++;
    return &m->ents[i];
}
int  ohmi_ptrmap_put(ohm_heap *h, ohmi_ptrmap *m, const void *key, uintptr_t val); /* 0, or -1 out of memory */
/* Remove the entry e (from ohmi_ptrmap_get); the array stays. Entries move: pointers
 * into the map are stale after it. */
static inline void ohmi_ptrmap_remove(ohmi_ptrmap *m, ohmi_ptrmap_ent *e) {
    size_t mask = m->cap - 1, i = (size_t)(e - m->ents);
    for (size_t j = (i + 1) & mask; m->ents[j].key; j = (j + 1) & mask) {
        if (ohmi_htab_may_fill(i, j, (size_t)(ohmi_hash_ptr(m->ents[j].key) >> m->shift), mask)) {
            m->ents[i] = m->ents[j];
            i = j;
        }
    }
    m->ents[i].key = 0;
    m->len--;
}
/* Remove key: 0, or -1 when absent. An array of over 1024 slots that empties goes back. */
int  ohmi_ptrmap_del(ohmi_ptrmap *m, const void *key);
void ohmi_ptrmap_free(ohmi_ptrmap *m);

/* 2. An index of entries by content: a set of nonzero words, each standing for one
 * of the caller's entries (its number + 1, or its address). The caller hashes and
 * compares the entries: it passes an entry's hash to find, add and remove, and the
 * table calls hash(ctx, word) only to grow or to close a hole. A word's home slot is
 * the low bits of its hash. A zeroed struct is an empty index. */
typedef struct ohmi_index {
    void *slots;             /* cap slots of 4 bytes (8 when wide); 0: empty */
    size_t cap;              /* a power of two, or 0 */
    size_t len;              /* words */
    int wide;                /* words are addresses (8-byte slots); else entry numbers
                                below 2^32 in 4-byte slots, half the cache footprint:
                                the tracer's indexes reach millions of entries */
} ohmi_index;
typedef uint64_t (*ohmi_index_hash_fn)(const void *ctx, uintptr_t word);
/* Whether the entry word stands for is the one key describes. */
typedef int (*ohmi_index_eq_fn)(const void *ctx, const void *key, uintptr_t word);
static inline uintptr_t ohmi_index_at(const ohmi_index *x, size_t i) {
    return x->wide ? ((const uintptr_t *)x->slots)[i] : ((const uint32_t *)x->slots)[i];
}
static inline void ohmi_index_put(ohmi_index *x, size_t i, uintptr_t word) {
    if (x->wide) ((uintptr_t *)x->slots)[i] = word;
    else ((uint32_t *)x->slots)[i] = (uint32_t)word;
}
/* The word of the entry equal to key (whose hash is hv), or 0. Inline, eq included
 * when it is a function of the caller's file. */
static inline uintptr_t ohmi_index_find(const ohmi_index *x, uint64_t hv, ohmi_index_eq_fn eq,
                                        const void *ctx, const void *key) {
    if (!x->len) return 0;
    size_t mask = x->cap - 1;
    uintptr_t w;
    for (size_t i = (size_t)hv & mask; (w = ohmi_index_at(x, i)) != 0; i = (i + 1) & mask)
        if (eq(ctx, key, w)) return w;
    return 0;
}
int ohmi_index_grow(ohm_heap *h, ohmi_index *x, size_t n, ohmi_index_hash_fn hash, const void *ctx);
/* Room for n more words, so that ohmi_index_add cannot fail: 0, or -1 out of memory. */
static inline int ohmi_index_reserve(ohm_heap *h, ohmi_index *x, size_t n, ohmi_index_hash_fn hash,
                                     const void *ctx) {
    return OHM_LIKELY((x->len + n) * 2 <= x->cap) ? 0 : ohmi_index_grow(h, x, x->len + n, hash, ctx);
}
/* Add word (nonzero, not in x) for an entry of hash hv, in reserved room. */
static inline void ohmi_index_add(ohmi_index *x, uint64_t hv, uintptr_t word) {
    size_t mask = x->cap - 1, i = (size_t)hv & mask;
    while (ohmi_index_at(x, i)) i = (i + 1) & mask;
    ohmi_index_put(x, i, word);
    x->len++;
}
/* Remove word (its entry's hash is hv): 0, or -1 when absent. */
int  ohmi_index_remove(ohmi_index *x, uint64_t hv, uintptr_t word, ohmi_index_hash_fn hash,
                       const void *ctx);
void ohmi_index_free(ohmi_index *x);

/* ------------------------------------------------------ binary files (bytes.c) */

/* Little-endian fields, as every file ohm writes stores them. */
static inline void ohmi_le_put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline void ohmi_le_put64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline uint32_t ohmi_le_get32(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static inline uint64_t ohmi_le_get64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* A cursor over a file's bytes for the loaders, which trust nothing: every read first
 * checks that the bytes are there, and the first problem is recorded in err as
 * "offset N: reason" (N: where the bad or missing data starts); after it every read
 * returns 0 and reports nothing more. */
typedef struct ohmi_rd {
    const unsigned char *p;
    size_t len, pos;
    char *err;          /* the message, NUL-terminated; may be NULL */
    size_t errlen;
    int failed;
} ohmi_rd;
static inline ohmi_rd ohmi_rd_make(const void *data, size_t len, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    ohmi_rd r = { (const unsigned char *)data, len, 0, err, errlen, 0 };
    return r;
}
/* Record "offset at: ..." (only the first failure is kept). */
void ohmi_rd_fail(ohmi_rd *r, size_t at, const char *fmt, ...) OHM_PRINTF(3, 4);
/* Whether n more bytes are there; when not, "truncated <what>: N bytes needed, M left". */
int ohmi_rd_need(ohmi_rd *r, size_t n, const char *what);
uint32_t ohmi_rd_u32(ohmi_rd *r, const char *what);
uint64_t ohmi_rd_u64(ohmi_rd *r, const char *what);
/* Whether n items of `each` bytes fit in what is left (checked before anything is
 * allocated for them); when not, "N <what> need M bytes, only K left" at `at`. */
int ohmi_rd_count_fits(ohmi_rd *r, size_t at, uint64_t n, size_t each, const char *what);
/* The whole file at path, from the C library (free it); NULL with "path: reason" in
 * err when it cannot be opened or read, or memory runs out. */
unsigned char *ohmi_file_read(const char *path, size_t *len, char *err, size_t errlen);

#endif
