/*
 * alloc_impl.h — the allocator's internals, shared by its files only.
 *
 * Map of the core types (one heap):
 *
 *   arena (1 MiB, 1 MiB-aligned, from mmap or the arena hook)
 *   +-----------------------------------------------------------------------+
 *   | struct alloc_arena: heap, links, free/dirty pool masks                |
 *   |   pools[64]: the 64 pool headers (32 B each)      } ARENA_HDR bytes   |
 *   | pool 0 blocks ...  (pool 0 starts after the header)                   |
 *   | pool 1: 16 KiB of blocks of one size class, no header inside          |
 *   | ...                                                                   |
 *   | pool 63                                                               |
 *   +-----------------------------------------------------------------------+
 *
 *   block -> pool header: arena = addr & ~(1 MiB - 1); pools[(addr >> 14) & 63]
 *   block -> heap:        arena->heap
 *   "is this h's pool block?": ohmi_alloc_of(h)->map[(addr >> 20) & MAP_MASK] != 0 (a flat,
 *   one-level radix table over arena numbers, reserved lazily, so a lookup never
 *   reads memory ohm does not own); a nonzero entry is the arena's pool headers'
 *   address, so the free fast path gets the header with one add (pool_of_mapped).
 *
 * Large blocks (> 512 B, and everything in bypass mode) come from the system
 * allocator (or the RAW hook) with a 16-byte prefix {heap, size}; ohmi_alloc_of(h)->large is
 * a hash map of them (block -> kind), so destroy frees them and walks find the objects
 * among them.
 */
#ifndef OHM_ALLOC_IMPL_H
#define OHM_ALLOC_IMPL_H

#include "alloc/alloc.h"

#include <stddef.h>

#define POOL_SHIFT   14
#define POOL_SIZE    ((size_t)1 << POOL_SHIFT)          /* 16 KiB */
#define ARENA_SHIFT  ALLOC_ARENA_SHIFT
#define ARENA_SIZE   ALLOC_ARENA_SIZE                   /* 1 MiB */
#define ARENA_POOLS  (ARENA_SIZE / POOL_SIZE)           /* 64 */
#define PAGE_SHIFT   12
#define PAGE_SIZE    ((size_t)1 << PAGE_SHIFT)
#define POOL_PAGES   (POOL_SIZE / PAGE_SIZE)            /* 4 */
#define MAP_BITS     ALLOC_MAP_BITS
#define MAP_MASK     ALLOC_MAP_MASK
#define MAP_BYTES    (((size_t)1 << MAP_BITS) * sizeof(uintptr_t))  /* 1 GiB, reserved */

enum { POOL_PLAIN = 0, POOL_OBJ = 1, POOL_GC = 2, POOL_FREE = 3 };
#define POOL_FULL      0x01u   /* full and out of its used list */
#define POOL_KIND_SHIFT 1      /* bits 1..2: the kind */
#define POOL_DEFERRED  0x08u   /* reached a watermark while releases were deferred */
#define POOL_REL_SHIFT 4       /* bits 4..7: pages released while the pool is in use */

#define CLASS_SIZE(c)  (((size_t)(c) + 1) << 4)
#define SIZE_CLASS(n)  (((n) - 1) >> 4)                /* n in 1..512 */

struct alloc_arena {
    ohm_heap *heap;                 /* ohmi_alloc_heap_of reads this */
    struct alloc_arena *next, *prev;        /* all arenas of the heap */
    struct alloc_arena *bnext, *bprev;      /* bucket avail[nfree] */
    void *base;                     /* what the arena allocator returned */
    uint64_t free_mask;             /* bit i: pool i is not in use */
    uint64_t dirty_mask;            /* bit i: free pool i may have resident pages */
    unsigned nfree;                 /* pools not in use */
    unsigned bucket;                /* the avail[] bucket it is in; 0: none */
    struct alloc_pool pools[ARENA_POOLS];
};
/* Bytes at the start of an arena taken by its header: pool 0 begins after them. */
#define ARENA_HDR ((sizeof(struct alloc_arena) + 15) & ~(size_t)15)
_Static_assert(sizeof(struct alloc_pool) == 32, "pool headers are 32 bytes (pool_of)");
_Static_assert(ARENA_SHIFT == ALLOC_ARENA_SHIFT && offsetof(struct alloc_arena, heap) == 0,
               "alloc_heap_of_inline reads the heap at the arena's start");

static inline struct alloc_arena *arena_of(const void *p) {
    return (struct alloc_arena *)((uintptr_t)p & ~(uintptr_t)(ARENA_SIZE - 1));
}
static inline struct alloc_pool *pool_of(const void *p) {
    /* == &arena_of(p)->pools[(p >> POOL_SHIFT) & 63], in fewer instructions */
    uintptr_t u = (uintptr_t)p;
    return (struct alloc_pool *)((char *)arena_of(p) + offsetof(struct alloc_arena, pools) +
                                 ((u >> (POOL_SHIFT - 5)) & ((ARENA_POOLS - 1) << 5)));
}
/* The same from the arena map's value for p's arena (its pool headers' address). */
static inline struct alloc_pool *pool_of_mapped(const void *p, uintptr_t v) {
    return (struct alloc_pool *)(v + (((uintptr_t)p >> (POOL_SHIFT - 5)) & ((ARENA_POOLS - 1) << 5)));
}
/* Every pool in use, arena by arena (the walks):
 *   struct pool_iter it = pool_iter_start(h);
 *   for (struct alloc_pool *pl; (pl = pool_iter_next(&it)) != NULL;) ... */
struct pool_iter { struct alloc_arena *ar; uint64_t used; };
static inline struct pool_iter pool_iter_start(const ohm_heap *h) {
    struct alloc_arena *ar = ohmi_alloc_of(h)->arenas;
    return (struct pool_iter){ ar, ar ? ~ar->free_mask : 0 };
}
static inline struct alloc_pool *pool_iter_next(struct pool_iter *it) {
    while (!it->used) {
        if (!it->ar || !(it->ar = it->ar->next)) return NULL;
        it->used = ~it->ar->free_mask;
    }
    unsigned i = (unsigned)__builtin_ctzll(it->used);
    it->used &= it->used - 1;
    return &it->ar->pools[i];
}
static inline unsigned pool_index(const struct alloc_pool *pl) {
    return (unsigned)(pl - arena_of(pl)->pools);
}
/* The pool's 16 KiB (pool 0's header bytes included). */
static inline char *pool_mem(const struct alloc_pool *pl) {
    return (char *)arena_of(pl) + ((size_t)pool_index(pl) << POOL_SHIFT);
}
/* Offset of a pool's first block: 0, or past the arena header for pool 0. */
static inline size_t pool_first(const struct alloc_pool *pl) {
    return pool_index(pl) ? 0 : ARENA_HDR;
}
/* Blocks per pool by class, for pool 0 (after the arena header) and the others:
 * a table, as the slow paths need it often and a division is slow. */
#define CAP0(c) (uint16_t)((POOL_SIZE - ARENA_HDR) / CLASS_SIZE(c))
#define CAP(c)  (uint16_t)(POOL_SIZE / CLASS_SIZE(c))
static const uint16_t pool_caps[2][OHM_NB_CLASSES] = {
    {CAP0(0), CAP0(1), CAP0(2), CAP0(3), CAP0(4), CAP0(5), CAP0(6), CAP0(7), CAP0(8), CAP0(9), CAP0(10), CAP0(11), CAP0(12), CAP0(13), CAP0(14), CAP0(15), CAP0(16), CAP0(17), CAP0(18), CAP0(19), CAP0(20), CAP0(21), CAP0(22), CAP0(23), CAP0(24), CAP0(25), CAP0(26), CAP0(27), CAP0(28), CAP0(29), CAP0(30), CAP0(31)},
    {CAP(0), CAP(1), CAP(2), CAP(3), CAP(4), CAP(5), CAP(6), CAP(7), CAP(8), CAP(9), CAP(10), CAP(11), CAP(12), CAP(13), CAP(14), CAP(15), CAP(16), CAP(17), CAP(18), CAP(19), CAP(20), CAP(21), CAP(22), CAP(23), CAP(24), CAP(25), CAP(26), CAP(27), CAP(28), CAP(29), CAP(30), CAP(31)}};
#undef CAP0
#undef CAP
static inline size_t pool_capacity(const struct alloc_pool *pl) {
    OHMI_ASSERT_INTERNAL(pl->cls < OHM_NB_CLASSES);
    return pool_caps[pool_index(pl) != 0][pl->cls];
}
static inline size_t pool_limit(const struct alloc_pool *pl) {
    return pool_first(pl) + pool_capacity(pl) * CLASS_SIZE(pl->cls);
}
/* Blocks in use. */
static inline size_t pool_used(const struct alloc_pool *pl) {
    size_t n = (uint16_t)(pl->ref + pl->bias);   /* modulo 2^16: see pool_arm_empty (pool.c) */
    OHMI_ASSERT_INTERNAL(n <= pool_capacity(pl));
    return n;
}
static inline int pool_kind(const struct alloc_pool *pl) {
    return (pl->flags >> POOL_KIND_SHIFT) & 3;
}
static inline void pool_set_kind(struct alloc_pool *pl, int kind) {
    pl->flags = (uint8_t)((pl->flags & ~(3u << POOL_KIND_SHIFT)) | ((unsigned)kind << POOL_KIND_SHIFT));
}
/* ohm_malloc's table: sizes 16c+1 .. 16c+16 (and 0, for class 0) read pool pl. */
static inline void alloc_set_plain(struct alloc_state *a, unsigned cls, struct alloc_pool *pl) {
    for (unsigned n = cls * 16 + 1; n <= cls * 16 + 16; n++) a->plain[n] = pl;
    if (cls == 0) a->plain[0] = pl;
}
/* Set the head of the used list of (kind, cls): ohm_malloc's inline copy follows. */
static inline void pool_set_head(struct alloc_state *a, int kind, unsigned cls, struct alloc_pool *pl) {
    a->used[kind][cls] = pl;
    if (kind == POOL_PLAIN && !a->slow) alloc_set_plain(a, cls, pl);
}

/* ------------------------------------------------- a pool's free list: pop, push
 * Every block leaves and rejoins a pool's free list through these, on the inline
 * fast paths (alloc.c) and the slow paths (pool.c) alike, so `ref` (blocks in use
 * minus bias, pool.c) moves in one place each way. They take no heap and make no
 * call: the fast paths compile as if they were written out (alloc.c gives the
 * instruction counts).
 *
 * Where a free block keeps its link to the next one depends on its pool's kind:
 *  - a plain block: in its first word, the next block's address (NULL at the end);
 *  - an object slot (POOL_OBJ, POOL_GC): in the object's type word, at obj_offset +
 *    SLOT_LINK from the block's start, the next block's address + 1 (1 at the end),
 *    and its rc and bits words read 0. Bit 0 says "free" to every walk (no type is
 *    odd: ohmi_alloc_live), and the zero count makes the inline decref of a freed
 *    object report it (ohm_refcount_error_) instead of decrementing the link.
 * The fast paths run only with obj_offset 0 (debug mode is a slow path): there the
 * slot and the object are one address.
 *
 * Free blocks are poisoned under ASan and inaccessible under memcheck, and only the
 * slow paths run under those tools: pool.c reads and writes links through pool_next
 * and pool_set_next, and opens the words a push writes before it. */
#define SLOT_LINK 8   /* the link's offset in an object: its type word */

static inline uintptr_t slot_link_enc(const void *next) { return (uintptr_t)next + 1; }
static inline void *slot_link_dec(uintptr_t w) { return (void *)(w - 1); }

/* Hand out b, the head of pl's free list; next is its successor (the decoded link). */
static inline void *pool_pop_block(struct alloc_pool *pl, void *b, void *next) {
    pl->freelist = next;
    pl->ref++;
    return b;
}
/* Put the plain block b back at the head of pl's free list. Returns 1 when ref
 * reached 0: the event the caller passes on to ohmi_pool_on_zero. */
static inline int pool_push_block(struct alloc_pool *pl, void *b) {
    *(void **)b = pl->freelist;
    pl->freelist = b;
    return --pl->ref == 0;
}
/* Hand out the object slot b, the head of pl's free list (its object at b + oo): its
 * link read and its type word set NULL; its rc and bits read 0 already. */
static inline ohm_object *pool_pop_slot(struct alloc_pool *pl, void *b, size_t oo) {
    ohm_object *o = (ohm_object *)((char *)b + oo);
    pool_pop_block(pl, b, slot_link_dec((uintptr_t)o->ohm_type));
    o->ohm_type = NULL;
    return o;
}
/* Put the object slot b (its object at b + oo) back at the head of pl's free list:
 * rc and bits 0, the link in the type word. Returns as pool_push_block. */
static inline int pool_push_slot(struct alloc_pool *pl, void *b, size_t oo) {
    ohm_object *o = (ohm_object *)((char *)b + oo);
    o->ohm_rc = 0;
    o->ohm_bits = 0;
    o->ohm_type = (const ohm_type *)slot_link_enc(pl->freelist);
    pl->freelist = b;
    return --pl->ref == 0;
}

/* ------------------------------------------------------ the sampling countdown */
/* The fast paths' countdown: sample_left -= n; whether it is still above 0. On x86-64
 * one read-modify-write `sub` and the branch on its flags (compilers otherwise load,
 * subtract, store and test). n < 2^62. */
static inline int alloc_countdown(ohm_heap *h, size_t n) {
#if defined(__x86_64__) && defined(__GCC_ASM_FLAG_OUTPUTS__)
    int le;
    __asm__("subq %2, %0" : "+m"(ohmi_alloc_of(h)->sample_left), "=@ccle"(le) : "r"((long long)n) : );
    return !le;
#else
    return (ohmi_alloc_of(h)->sample_left -= (long long)n) > 0;
#endif
}
/* (ohmi_alloc_sample_expired, alloc.h: what runs when the countdown runs out) */
static inline int alloc_sample_due(ohm_heap *h, size_t n) {
    struct alloc_state *a = ohmi_alloc_of(h);
    long long c = n > (size_t)1 << 62 ? (long long)1 << 62 : (long long)n;
    if (OHM_LIKELY((a->sample_left -= c) > 0)) return 0;
    return ohmi_alloc_sample_expired(h);
}
/* The slow paths while the heap is slow: count for a ticker when nobody else does
 * (tick_slow; nothing is sampled then). */
static inline void alloc_tick_count(ohm_heap *h, size_t n) {
    if (OHM_UNLIKELY(ohmi_alloc_of(h)->tick_slow)) (void)alloc_sample_due(h, n);
}

/* ------------------------------------------------------- the inline tagger */
/* The direct paths' tagging (alloc.h, "block tags"): 1 when the pool block p of n
 * bytes was tagged (or untagged) here, 0 when the observer's hook must do it. An
 * allocation: its call site's value from the site cache, one store in a cached leaf.
 * A free: one load and one store. No calls, no hashing. */
static inline int alloc_tag_inline(ohm_heap *h, ohm_domain d, const void *p, size_t n) {
    struct alloc_tags *tg = &ohmi_alloc_of(h)->tags;
    const ohm_callsite_frame *cf = ohm_callsite_;
    if (OHM_UNLIKELY(!tg->tag_sites) || OHM_UNLIKELY(!cf)) return 0;
    size_t k = ohmi_tag_site_slot(cf->site);
    uint32_t value = tg->site[k].value;
    if (OHM_UNLIKELY(tg->site[k].site != cf->site) || OHM_UNLIKELY(n >= OHMI_TAG_MAX_SIZE) ||
        OHM_UNLIKELY(value > OHMI_TAG_MAX_VALUE))
        return 0;
    uint32_t *s = ohmi_tag_slot_cached(tg, (uintptr_t)p);
    if (OHM_UNLIKELY(!s) || OHM_UNLIKELY(*s != 0)) return 0;
    *s = ohmi_tag_enc(value, d, n);
    tg->bytes += n;
    if (tg->bytes > tg->peak) tg->peak = tg->bytes;
    return 1;
}

static inline int alloc_untag_inline(ohm_heap *h, const void *p) {
    struct alloc_tags *tg = &ohmi_alloc_of(h)->tags;
    uint32_t *s = ohmi_tag_slot_cached(tg, (uintptr_t)p), w;
    if (OHM_UNLIKELY(!s)) return 0;                   /* the hook looks further */
    if (!(w = *s)) return !tg->untagged_elsewhere;    /* untraced, unless elsewhere */
    if (OHM_UNLIKELY(!tg->untag)) return 0;
    OHMI_ASSERT_INTERNAL(tg->bytes >= ohmi_tag_size(w));
    *s = 0;
    tg->bytes -= ohmi_tag_size(w);
    tg->last_freed = (uintptr_t)p;
    tg->last_freed_value = ohmi_tag_value(w);
    return 1;
}

/* ---------------------------------------------------------------- tool hooks */
/* Valgrind and ASan annotations: compile to nothing unless built in. They run on
 * slow paths only: a heap under a tool keeps ohmi_alloc_of(h)->slow set. */
#if defined(__SANITIZE_ADDRESS__)
#  define ALLOC_ASAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define ALLOC_ASAN 1
#  endif
#endif
#ifdef ALLOC_ASAN
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
int __asan_address_is_poisoned(void const volatile *addr);
#  define ASAN_POISON(p, n)   __asan_poison_memory_region((p), (n))
#  define ASAN_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#  define ASAN_IS_POISONED(p) __asan_address_is_poisoned(p)
#else
#  define ASAN_POISON(p, n)   ((void)(p), (void)(n))
#  define ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#  define ASAN_IS_POISONED(p) ((void)(p), 0)
#endif
#ifdef OHM_HAVE_VALGRIND
#  include <valgrind/valgrind.h>
#  include <valgrind/memcheck.h>
#  define VG_RUNNING() RUNNING_ON_VALGRIND
#else
#  define VG_RUNNING() 0
#endif

/* Memcheck's view of pool memory (only under memcheck, slow paths only). */
#ifdef OHM_HAVE_VALGRIND
#  define VG_UNDEFINED(h, p, n) do { if (OHM_UNLIKELY(ohmi_alloc_of((h))->valgrind)) VALGRIND_MAKE_MEM_UNDEFINED((p), (n)); } while (0)
#  define VG_NOACCESS(h, p, n)  do { if (OHM_UNLIKELY(ohmi_alloc_of((h))->valgrind)) VALGRIND_MAKE_MEM_NOACCESS((p), (n)); } while (0)
#else
#  define VG_UNDEFINED(h, p, n) ((void)(h), (void)(p), (void)(n))
#  define VG_NOACCESS(h, p, n)  ((void)(h), (void)(p), (void)(n))
#endif

/* Where a free block of pl keeps its link (see "a pool's free list"). */
static inline size_t pool_link_off(const ohm_heap *h, const struct alloc_pool *pl) {
    return pool_kind(pl) == POOL_PLAIN ? 0 : ohmi_alloc_of(h)->obj_offset + SLOT_LINK;
}
/* A word of a free block, which tools consider inaccessible: opened for the read,
 * and left open (the pop that follows hands the block out; a walk that only looks
 * closes it again with block_close_word, so that a use after free of that word is
 * still reported). */
static inline uintptr_t block_word(const ohm_heap *h, const void *p) {
    uintptr_t w;
    (void)h;
    ASAN_UNPOISON(p, sizeof w);
#ifdef OHM_HAVE_VALGRIND
    if (OHM_UNLIKELY(ohmi_alloc_of(h)->valgrind)) VALGRIND_MAKE_MEM_DEFINED(p, sizeof w);
#endif
    memcpy(&w, p, sizeof w);
    return w;
}
static inline void block_close_word(const ohm_heap *h, const void *p) {
    (void)h;
    ASAN_POISON(p, sizeof(uintptr_t));
#ifdef OHM_HAVE_VALGRIND
    if (OHM_UNLIKELY(ohmi_alloc_of(h)->valgrind)) VALGRIND_MAKE_MEM_NOACCESS(p, sizeof(uintptr_t));
#endif
}
/* The raw link word of pl's free block b, and its successor (the link decoded). */
static inline uintptr_t pool_link_word(const ohm_heap *h, const struct alloc_pool *pl, const void *b) {
    return block_word(h, (const char *)b + pool_link_off(h, pl));
}
static inline void *pool_next(const ohm_heap *h, const struct alloc_pool *pl, const void *b) {
    uintptr_t w = pool_link_word(h, pl, b);
    return pool_kind(pl) == POOL_PLAIN ? (void *)w : slot_link_dec(w);
}

/* ---------------------------------------------------------------- arena.c */
/* Pages to madvise, gathered so that adjacent ranges go in one call; the bytes waiting. */
void  ohmi_release_add(struct release_batch *b, char *start, size_t len);
void  ohmi_release_flush(struct release_batch *b);
size_t ohmi_release_bytes(const struct release_batch *b);
int   ohmi_arena_init(ohm_heap *h);
void  ohmi_arena_fini(ohm_heap *h);
/* A fresh pool (POOL_FREE) of some arena, fullest arena first; NULL if none. */
struct alloc_pool *ohmi_arena_take_pool(ohm_heap *h);
/* Give back an empty pool; may release the arena. */
void  ohmi_arena_return_pool(ohm_heap *h, struct alloc_pool *pl);
/* 1 while the empty pools are within what the heap learned to keep: then the pages
 * of used pools are kept too. */
static inline int arena_keeps_pages(const ohm_heap *h) {
    size_t r = ohmi_alloc_of(h)->retain_pools;
    return r && ohmi_alloc_of(h)->dirty_pools <= r + r / 8;
}
/* madvise empty pools and free pages of used pools; returns pages released. */
size_t ohmi_arena_purge(ohm_heap *h);

/* ----------------------------------------------------------------- pool.c */
/* The slow paths of pool allocation: one block of class cls for kind, or NULL. */
void *ohmi_pool_alloc(ohm_heap *h, int kind, unsigned cls);
/* A pool whose ref reached 0 on free: it became empty, or was full. */
void  ohmi_pool_on_zero(ohm_heap *h, struct alloc_pool *pl);
/* Trim a pool that leaves the watermark delay line (ohmi_alloc_of(h)->trimq), unless it has
 * more blocks in use now than used_then (it is being refilled). */
void  ohmi_pool_trim_queued(ohm_heap *h, struct alloc_pool *pl, size_t used_then);
/* A pool at a watermark (used blocks in use) enters the delay line; the one leaving
 * it is trimmed. */
void  ohmi_pool_trimq_push(ohm_heap *h, struct alloc_pool *pl, size_t used);
/* Free a block known to be in h's arenas (slow path, with tool annotations). */
void  ohmi_pool_free(ohm_heap *h, void *p);
/* Block start for p inside a used pool of h, or NULL when p is not a live-looking
 * block start (never allocated, interior pointer, free pool). */
int   ohmi_pool_is_block_start(ohm_heap *h, const void *p);
/* Release the free pages of a used pool; returns pages released. */
size_t ohmi_pool_trim_pages(ohm_heap *h, struct alloc_pool *pl, struct release_batch *rb);
/* Tell valgrind/ASan a pool block of n bytes was handed out, or taken back (after
 * ohmi_pool_free). */
void  ohmi_pool_track_alloc(ohm_heap *h, void *p, size_t n);
void  ohmi_pool_track_free(ohm_heap *h, void *p);
/* Return to their arenas the empty pools kept as the only pool of their class. */
void  ohmi_pool_release_idle(ohm_heap *h);
int   ohmi_pool_walk(ohm_heap *h, int gc_only, ohm_object_fn fn, void *arg);

/* ---------------------------------------------------------------- check.c */
/* ohmi_alloc_check's test of one pool in use by itself, O(its blocks): class, bump,
 * flags, and blocks in use + free + parked == carved. Its violations, described on
 * out (may be NULL). For the expensive assertions where a pool changes state. */
int   ohmi_alloc_check_pool(ohm_heap *h, struct alloc_pool *pl, FILE *out);

/* ---------------------------------------------------------------- large.c */
#define LARGE_PREFIX 16
/* ohmi_alloc_of(h)->large maps each large block (the user pointer, after the prefix)
 * to its kind: LARGE_PLAIN/OBJ/GC, | LARGE_HOOKED when from the RAW hook. */
enum { LARGE_PLAIN = 0, LARGE_OBJ = 1, LARGE_GC = 2, LARGE_HOOKED = 4 };
void *ohmi_large_alloc(ohm_heap *h, size_t n, int kind);  /* kind: LARGE_* */
void *ohmi_large_realloc(ohm_heap *h, void *p, size_t n); /* NULL: p untouched */
void  ohmi_large_free(ohm_heap *h, void *p);
int   ohmi_large_contains(const ohm_heap *h, const void *p);
size_t ohmi_large_size(const void *p);
int   ohmi_large_walk(ohm_heap *h, int gc_only, ohm_object_fn fn, void *arg);
void  ohmi_large_fini(ohm_heap *h);
/* The default RAW domain: the C library with blocks linked per heap. */
void *ohmi_raw_sys_malloc(void *ctx, size_t n);
void *ohmi_raw_sys_calloc(void *ctx, size_t nelem, size_t elsize);
void *ohmi_raw_sys_realloc(void *ctx, void *p, size_t n);
void  ohmi_raw_sys_free(void *ctx, void *p);
void  ohmi_raw_fini(ohm_heap *h);

/* ---------------------------------------------------------------- alloc.c */
/* The default MEM/OBJ allocator (the pools), as a PEP 445 table; ctx is the heap. */
void *ohmi_pym_malloc(void *ctx, size_t n);
void *ohmi_pym_calloc(void *ctx, size_t nelem, size_t elsize);
void *ohmi_pym_realloc(void *ctx, void *p, size_t n);
void  ohmi_pym_free(void *ctx, void *p);
/* Fault injection: 1 when this allocation must fail. */
int   ohmi_alloc_should_fail(ohm_heap *h);
const char *ohmi_alloc_domain_name(ohm_domain d);

/* ---------------------------------------------------------------- debug.c */
#define DEBUG_PREFIX 32
#define DEBUG_TAIL   8
#define DEBUG_EXTRA  (DEBUG_PREFIX + DEBUG_TAIL)
void *ohmi_debug_malloc(void *ctx, size_t n);
void *ohmi_debug_calloc(void *ctx, size_t nelem, size_t elsize);
void *ohmi_debug_realloc(void *ctx, void *p, size_t n);
void  ohmi_debug_free(void *ctx, void *p);
/* Object memory under the debug hooks. */
ohm_object *ohmi_debug_object_alloc(ohm_heap *h, size_t n, int gc);
void  ohmi_debug_object_free(ohm_heap *h, ohm_object *o);
void  ohmi_debug_register(ohm_heap *h);
void  ohmi_debug_unregister(ohm_heap *h);

#endif
