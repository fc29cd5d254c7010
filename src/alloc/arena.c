/*
 * arena.c — arenas: 1 MiB, 1 MiB-aligned regions split into 64 pools of 16 KiB, and
 * the policy that gives memory back to the OS.
 *
 * Arenas.
 *  - An arena's header (struct alloc_arena, with the 64 pool headers) sits at its
 *    start; pool 0's blocks begin after it. The heap's arena map gets a nonzero word (the address of its pool headers)
 *    for the arena's number (address >> 20), so classifying a pointer reads only the
 *    map, never the pointed-to memory.
 *  - Pools are handed out from the FULLEST arena first (fewest free pools), as CPython
 *    does, so the emptier arenas drain and can be given back. Arenas with 1..63 free
 *    pools sit in bucket avail[nfree]; a bitmask finds the lowest nonempty bucket.
 *    Empty arenas still mapped sit in avail[64] and are used last. Inside an arena, a
 *    pool whose pages are still resident (dirty) is preferred.
 *
 * Giving memory back:
 *  - the free pages of used pools, at the pools' watermarks (pool.c), so a few
 *    survivors do not pin whole pools: after 99.9% of 1M blocks die at random, 12-14%
 *    of the peak stays resident;
 *  - an empty pool, as it comes back (ohmi_arena_return_pool), beyond `retain_pools`
 *    empty pools kept resident; releases go through the pending runs of adjacent pages
 *    (ohmi_alloc_of(h)->pending, up to RELEASE_RUNS of them, in any order), madvised at
 *    64 pages, when a ninth run would start, or before reuse;
 *  - whole empty arenas, by the purge (every max(PURGE_EVENTS, arenas) emptied pools,
 *    and ohmi_alloc_trim), beyond `retain_pools`; one stays mapped: the spare, so a loop
 *    at an arena boundary cannot thrash mmap/munmap;
 *  - inside ohmi_alloc_defer_release brackets (the collector's delete phase) none of the
 *    above happens: emptied pools are counted, pools at a watermark flagged; when the
 *    outermost bracket closes they are trimmed (or, a few, put in the delay line) and
 *    the purge runs by the usual rule: one batched pass instead of a madvise per pool;
 *  - `retain_pools` is learned: it starts at 0 and grows by one each time a pool must
 *    be taken fresh while pools released earlier were not needed back yet ("regret").
 *    A program that frees everything and builds it again (binary trees) thus keeps
 *    its memory after the first round instead of faulting it in every round; one
 *    that frees and then stops keeps nothing. While the empty pools are within the
 *    retained amount, the pages of used pools are kept too.
 *
 * Huge pages (cfg.huge_pages; off by default: the first touch of a huge page can stall
 * the program for milliseconds while the kernel compacts memory, 5 ms in the
 * steady-state benchmark, which the incremental collector's 1 ms pauses would not
 * survive): a heap past HUGE_MIN_ARENAS arenas (64 MiB) maps them two at a time, one
 * 2 MiB-aligned mapping advised MADV_HUGEPAGE (the second half waits in huge_half for
 * the next arena), so the kernel can back the pair with one 2 MiB page. A heap of
 * 100M objects walked in random order (the collector's count and mark follow each
 * object's references) otherwise misses the TLB on nearly every reference, and its
 * page-table walks miss the caches too: 4.8 GB of 4 KiB pages take 9 MB of page
 * tables. A small heap keeps 1 MiB mappings: a huge page would make a one-arena heap
 * resident for 2 MiB. Releasing pages inside a huge page makes the kernel split it
 * (the pages are released as before); a user's arena allocator gets no advice.
 *
 * Invariants: nfree == popcount(free_mask); dirty_mask is a subset of free_mask;
 * ohmi_alloc_of(h)->dirty_pools == the sum of popcount(dirty_mask); an arena is in bucket
 * avail[nfree] iff 1 <= nfree <= 64 (bucket 0 means: in no bucket, it is full).
 */
#include "alloc/alloc_impl.h"

#define PURGE_EVENTS 16   /* emptied pools between two purges */
#define HUGE_MIN_ARENAS 64   /* arenas before they are mapped in huge-page pairs */
#define HUGE_SIZE (2 * ARENA_SIZE)
#define EMPTY_BUCKET ARENA_POOLS

static void *arena_default_alloc(void *ctx, size_t size, size_t align) {
    (void)ctx;
    return ohmi_os_map_aligned(size, align);
}
static void arena_default_free(void *ctx, void *p, size_t size) {
    (void)ctx;
    ohmi_os_unmap(p, size);
}

int ohmi_arena_init(ohm_heap *h) {
    struct alloc_state *a = ohmi_alloc_of(h);
    /* the map, then as much again never written: the zero map of the slow mode */
    a->map = ohmi_os_reserve(MAP_BYTES * 2);
    if (!a->map) { ohmi_error(h, "ohm_heap_new: cannot reserve the arena map"); return -1; }
    ohmi_os_read_only(a->map + ((size_t)1 << MAP_BITS), MAP_BYTES);
    a->arena_alloc.ctx = NULL;
    a->arena_alloc.alloc = arena_default_alloc;
    a->arena_alloc.free = arena_default_free;
    return 0;
}

static void bucket_remove(struct alloc_state *a, struct alloc_arena *ar) {
    if (!ar->bucket) return;
    if (ar->bprev) ar->bprev->bnext = ar->bnext;
    else {
        a->avail[ar->bucket] = ar->bnext;
        if (!ar->bnext && ar->bucket < EMPTY_BUCKET) a->avail_mask &= ~((uint64_t)1 << ar->bucket);
    }
    if (ar->bnext) ar->bnext->bprev = ar->bprev;
    ar->bucket = 0;
    ar->bnext = ar->bprev = NULL;
}

static void bucket_insert(struct alloc_state *a, struct alloc_arena *ar) {
    unsigned n = ar->nfree;
    if (n == 0) return;
    ar->bucket = n;
    ar->bprev = NULL;
    ar->bnext = a->avail[n];
    if (ar->bnext) ar->bnext->bprev = ar;
    a->avail[n] = ar;
    if (n < EMPTY_BUCKET) a->avail_mask |= (uint64_t)1 << n;
}

/* An arena's memory: the waiting half of a huge-page pair, a new pair (a big heap,
 * our own mappings), or the arena allocator's. */
static void *arena_map(struct alloc_state *a, int huge) {
    char *p = a->huge_half;
    if (p) {
        a->huge_half = NULL;
        return p;
    }
    if (huge && !a->arena_hooked && a->narenas >= HUGE_MIN_ARENAS &&
        (p = ohmi_os_map_aligned(HUGE_SIZE, HUGE_SIZE)) != NULL) {
        ohmi_os_hugepage(p, HUGE_SIZE);
        a->huge_half = p + ARENA_SIZE;
        return p;
    }
    return a->arena_alloc.alloc(a->arena_alloc.ctx, ARENA_SIZE, ARENA_SIZE);
}

static struct alloc_arena *arena_new(ohm_heap *h) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (a->limit && (a->narenas + 1) * ARENA_SIZE + a->large_bytes > a->limit) return NULL;
    void *base = arena_map(a, ohmi_base_of(h)->cfg.huge_pages);
    if (!base) return NULL;
    if ((uintptr_t)base & (ARENA_SIZE - 1)) {   /* a hook that ignored the alignment */
        a->arena_alloc.free(a->arena_alloc.ctx, base, ARENA_SIZE);
        ohmi_error(h, "arena allocator returned an address not aligned to %zu", ARENA_SIZE);
        return NULL;
    }
    struct alloc_arena *ar = base;
    memset(ar, 0, sizeof *ar);
    ar->heap = h;
    ar->base = base;
    ar->free_mask = ~(uint64_t)0;
    ar->nfree = ARENA_POOLS;
    for (unsigned i = 0; i < ARENA_POOLS; i++) pool_set_kind(&ar->pools[i], POOL_FREE);
    /* Keep the list in address order: walks visit objects in address order. */
    struct alloc_arena **link = &a->arenas, *prev = NULL;
    while (*link && *link < ar) { prev = *link; link = &(*link)->next; }
    ar->prev = prev;
    ar->next = *link;
    if (ar->next) ar->next->prev = ar;
    *link = ar;
    a->map[((uintptr_t)ar >> ARENA_SHIFT) & MAP_MASK] = (uintptr_t)ar->pools;
    a->narenas++;
    a->arenas_allocated++;
    if (a->narenas > a->arenas_highwater) a->arenas_highwater = a->narenas;
    return ar;
}

static void arena_release(ohm_heap *h, struct alloc_arena *ar) {
    struct alloc_state *a = ohmi_alloc_of(h);
    for (unsigned i = 0; i < ALLOC_TRIMQ; i++)     /* its pools leave the delay line */
        if (a->trimq[i] && arena_of(a->trimq[i]) == ar) a->trimq[i] = NULL;
    bucket_remove(a, ar);
    if (ar->prev) ar->prev->next = ar->next; else a->arenas = ar->next;
    if (ar->next) ar->next->prev = ar->prev;
    a->dirty_pools -= (size_t)__builtin_popcountll(ar->dirty_mask);
    a->map[((uintptr_t)ar >> ARENA_SHIFT) & MAP_MASK] = 0;
    a->narenas--;
    a->arenas_reclaimed++;
    ASAN_UNPOISON(ar, ARENA_SIZE);   /* the next mapping there (the arena map?) is clean */
    a->arena_alloc.free(a->arena_alloc.ctx, ar->base, ARENA_SIZE);
}

/* The first arena of a bucket's list with a dirty free pool, or NULL. */
static struct alloc_arena *arena_dirty_in(struct alloc_arena *e) {
    for (; e; e = e->bnext)
        if (e->dirty_mask) return e;
    return NULL;
}

struct alloc_pool *ohmi_arena_take_pool(ohm_heap *h) {
    struct alloc_state *a = ohmi_alloc_of(h);
    ohmi_release_flush(&a->pending);   /* the pool may hold pages trimmed but not yet released */
    struct alloc_arena *ar = NULL;
    if (a->dirty_pools) {
        /* Resident memory first: the fullest arena that has a dirty free pool (the
         * nonempty buckets only, by their mask: a loop over all 64 cost ~500
         * instructions a pool) */
        for (uint64_t m = a->avail_mask; m && !ar; m &= m - 1)
            ar = arena_dirty_in(a->avail[__builtin_ctzll(m)]);
        if (!ar) ar = arena_dirty_in(a->avail[EMPTY_BUCKET]);
    }
    if (ar) {
    } else if (a->avail_mask) {
        ar = a->avail[__builtin_ctzll(a->avail_mask)];
    } else if (a->avail[EMPTY_BUCKET]) {
        ar = a->avail[EMPTY_BUCKET];
    } else {
        ar = arena_new(h);
        if (!ar) return NULL;
    }
    OHMI_ASSERT_INTERNAL(ar->nfree == (unsigned)__builtin_popcountll(ar->free_mask) && ar->nfree > 0);
    OHMI_ASSERT_INTERNAL((ar->dirty_mask & ~ar->free_mask) == 0);
    uint64_t m = ar->free_mask & ar->dirty_mask;
    if (!m) m = ar->free_mask;
    unsigned i = (unsigned)__builtin_ctzll(m);
    uint64_t bit = (uint64_t)1 << i;
    OHMI_ASSERT_INTERNAL(pool_kind(&ar->pools[i]) == POOL_FREE);
    ar->free_mask &= ~bit;
    if (ar->dirty_mask & bit) {
        ar->dirty_mask &= ~bit;
        a->dirty_pools--;
    } else if (a->recent_released) {
        /* regret: memory given back a moment ago is needed again; keep more next time */
        a->recent_released--;
        if (a->retain_pools < a->arenas_highwater * ARENA_POOLS) a->retain_pools++;
    }
    bucket_remove(a, ar);
    ar->nfree--;
    bucket_insert(a, ar);
    a->pools_used++;
    return &ar->pools[i];
}

static void release_pool(struct alloc_state *a, struct alloc_arena *ar, unsigned i,
                         struct release_batch *rb);

void ohmi_arena_return_pool(ohm_heap *h, struct alloc_pool *pl) {
    struct alloc_state *a = ohmi_alloc_of(h);
    struct alloc_arena *ar = arena_of(pl);
    uint64_t bit = (uint64_t)1 << pool_index(pl);
    OHMI_ASSERT(ar->heap == h);
    OHMI_ASSERT_INTERNAL(!(ar->free_mask & bit) && pool_kind(pl) != POOL_FREE);
    OHMI_ASSERT_INTERNAL(pool_used(pl) == 0);
    pl->flags = 0;
    pl->freelist = NULL;
    pool_set_kind(pl, POOL_FREE);
    pl->next = pl->prev = NULL;
    pl->ref = 0;
    pl->bias = 0;
    ar->free_mask |= bit;
    ar->dirty_mask |= bit;
    a->dirty_pools++;
    bucket_remove(a, ar);
    ar->nfree++;
    bucket_insert(a, ar);
    a->pools_used--;
    /* Beyond what the heap learned to keep, the pool's pages go back now (through the
     * pending runs: pools emptying near each other cost one madvise per 64 pages);
     * an arena now empty waits for the purge, which unmaps it whole. */
    if (ar->nfree < ARENA_POOLS && !a->defer && !ohmi_base_of(h)->destroying && !a->arena_hooked &&
        !arena_keeps_pages(h)) {
        release_pool(a, ar, pool_index(pl), &a->pending);
        if (ohmi_release_bytes(&a->pending) >= 64 * PAGE_SIZE) ohmi_release_flush(&a->pending);
    }
    /* A purge looks at every pool: run it once per max(16, arenas) emptied pools, so
     * its cost per emptied pool stays constant however big the heap. */
    if (++a->purge_events >= PURGE_EVENTS && a->purge_events >= a->narenas && !a->defer &&
        !ohmi_base_of(h)->destroying)
        ohmi_arena_purge(h);
}

void ohmi_release_flush(struct release_batch *b) {
    for (unsigned i = 0; i < b->n; i++) ohmi_os_release(b->start[i], (size_t)(b->end[i] - b->start[i]));
    b->n = 0;
}

/* A range that overlaps or touches a run joins it (their union is one run of pages to
 * release), and the grown run absorbs any other it now reaches; a range apart from
 * every run starts one, after a flush when all are in use. Runs rather than one: a
 * binary tree freed in post-order empties its pools out of address order (each
 * trimmed down to its ancestors first, then returned whole), and with a single run
 * that only grew at its end its first tree cost ~700 madvise calls of three pages. */
void ohmi_release_add(struct release_batch *b, char *start, size_t len) {
    char *end = start + len;
    b->pages += len >> PAGE_SHIFT;
    for (unsigned i = 0; i < b->n; i++) {
        if (start > b->end[i] || end < b->start[i]) continue;
        if (start < b->start[i]) b->start[i] = start;
        if (end > b->end[i]) b->end[i] = end;
        for (unsigned j = 0; j < b->n; j++) {   /* merge the runs it reaches now */
            if (j == i || b->start[j] > b->end[i] || b->end[j] < b->start[i]) continue;
            if (b->start[j] < b->start[i]) b->start[i] = b->start[j];
            if (b->end[j] > b->end[i]) b->end[i] = b->end[j];
            b->n--;
            b->start[j] = b->start[b->n];
            b->end[j] = b->end[b->n];
            if (i == b->n) i = j;   /* run i moved into slot j */
            j = (unsigned)-1;       /* look again from the start */
        }
        return;
    }
    if (b->n == RELEASE_RUNS) ohmi_release_flush(b);
    b->start[b->n] = start;
    b->end[b->n] = end;
    b->n++;
}

/* Bytes waiting in the runs. */
size_t ohmi_release_bytes(const struct release_batch *b) {
    size_t n = 0;
    for (unsigned i = 0; i < b->n; i++) n += (size_t)(b->end[i] - b->start[i]);
    return n;
}

/* madvise pool i of ar (free and dirty). */
static void release_pool(struct alloc_state *a, struct alloc_arena *ar, unsigned i,
                         struct release_batch *rb) {
    size_t start = (size_t)i << POOL_SHIFT, end = (size_t)(i + 1) << POOL_SHIFT;
    if (i == 0) start = (ARENA_HDR + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    OHMI_ASSERT_INTERNAL((ar->free_mask & ar->dirty_mask) >> i & 1);   /* free, maybe resident */
    ohmi_release_add(rb, (char *)ar + start, end - start);
    a->pages_released += (end - start) >> PAGE_SHIFT;
    ar->dirty_mask &= ~((uint64_t)1 << i);
    a->dirty_pools--;
    a->recent_released++;
}

static size_t purge(ohm_heap *h, size_t retain) {
    struct alloc_state *a = ohmi_alloc_of(h);
    struct release_batch rb = {{NULL}, {NULL}, 0, 0};
    a->purge_events = 0;
    ohmi_release_flush(&a->pending);   /* before any arena is unmapped */
    /* 1. whole empty arenas beyond the spare, while there is more than we retain */
    struct alloc_arena *e = a->avail[EMPTY_BUCKET];
    if (e) {
        struct alloc_arena *spare = e;
        for (struct alloc_arena *x = e; x; x = x->bnext)     /* the spare: a resident one */
            if (x->dirty_mask) { spare = x; break; }
        for (struct alloc_arena *x = e, *next; x && a->dirty_pools > retain; x = next) {
            next = x->bnext;
            size_t xd = (size_t)__builtin_popcountll(x->dirty_mask);
            if (x == spare || (retain && a->dirty_pools - xd < retain)) continue;
            a->recent_released += (size_t)__builtin_popcountll(x->dirty_mask);
            arena_release(h, x);
        }
    }
    if (a->arena_hooked) return 0;   /* the hook's memory may not be ours to madvise */
    /* Within what the program has shown it reuses, keep the pages of used pools too:
     * they are about to be filled again, or their pools to empty. */
    if (retain && a->dirty_pools <= retain) return 0;
    /* 2. the other empty pools, and the free pages of used pools, in address order */
    for (struct alloc_arena *ar = a->arenas; ar; ar = ar->next) {
        for (unsigned i = 0; i < ARENA_POOLS; i++) {
            uint64_t bit = (uint64_t)1 << i;
            if (ar->free_mask & bit) {
                if ((ar->dirty_mask & bit) && a->dirty_pools > retain) release_pool(a, ar, i, &rb);
            } else {
                /* used pools trim themselves at their watermarks (ohmi_pool_on_zero);
                 * here only the idle ones, or all of them for ohmi_alloc_trim */
                if (a->trimming || pool_used(&ar->pools[i]) == 0)
                    ohmi_pool_trim_pages(h, &ar->pools[i], &rb);
            }
        }
    }
    ohmi_release_flush(&rb);
    if (a->recent_released > a->arenas_highwater * ARENA_POOLS)
        a->recent_released = a->arenas_highwater * ARENA_POOLS;
    return rb.pages;
}

size_t ohmi_arena_purge(ohm_heap *h) {
    size_t r = ohmi_alloc_of(h)->retain_pools;
    return purge(h, r + r / 8);   /* some slack: the need varies a little round to round */
}

void ohmi_arena_fini(ohm_heap *h) {
    struct alloc_state *a = ohmi_alloc_of(h);
    a->pending.n = 0;   /* the arenas go whole */
    memset(a->trimq, 0, sizeof a->trimq);
    struct alloc_arena *ar = a->arenas;
    while (ar) {
        struct alloc_arena *next = ar->next;
        a->map[((uintptr_t)ar >> ARENA_SHIFT) & MAP_MASK] = 0;
        ASAN_UNPOISON(ar, ARENA_SIZE);
        a->arena_alloc.free(a->arena_alloc.ctx, ar->base, ARENA_SIZE);
        ar = next;
    }
    a->arenas = NULL;
    a->narenas = 0;
    if (a->huge_half) ohmi_os_unmap(a->huge_half, ARENA_SIZE);   /* never handed out */
    a->huge_half = NULL;
    if (a->map) ohmi_os_unmap(a->map, MAP_BYTES * 2);
    a->map = NULL;
}

size_t ohmi_alloc_trim(ohm_heap *h) {
    struct alloc_state *a = ohmi_alloc_of(h);
    ohmi_pool_release_idle(h);
    memset(a->trimq, 0, sizeof a->trimq);   /* the purge below trims every pool */
    a->trimming = 1;
    size_t pages = purge(h, 0);
    a->trimming = 0;
    while (a->avail[EMPTY_BUCKET]) arena_release(h, a->avail[EMPTY_BUCKET]);
    a->recent_released = 0;      /* an explicit trim is no regret */
    return pages;
}

void ohmi_alloc_defer_release(ohm_heap *h, int on) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (on) { a->defer++; return; }
    if (!a->defer || --a->defer) return;
    /* The burst is over. A few pools at a watermark join the delay line, as they
     * would have without the bracket (a young collection's usual one or two: they
     * are refilled soon, and trimming them would make the program fault their pages
     * back in). After a big burst (more than the line holds) they are trimmed now,
     * their pages batched into runs. What emptied goes by the usual rule: one purge
     * per max(16, arenas) emptied pools (until then, at most that many stay dirty,
     * ready for reuse). */
    size_t n = a->ndefq;
    a->ndefq = 0;
    if (ohmi_base_of(h)->destroying) return;
    if (n > ALLOC_DEFQ) {
        struct pool_iter it = pool_iter_start(h);
        for (struct alloc_pool *pl; (pl = pool_iter_next(&it)) != NULL;) {
            if (pl->flags & POOL_DEFERRED) {
                pl->flags &= (uint8_t)~POOL_DEFERRED;
                ohmi_pool_trim_queued(h, pl, pool_used(pl));
            }
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            struct alloc_pool *pl = a->defq[i];
            if (!(pl->flags & POOL_DEFERRED)) continue;   /* emptied (maybe reused) since */
            pl->flags &= (uint8_t)~POOL_DEFERRED;
            if (n <= ALLOC_TRIMQ) ohmi_pool_trimq_push(h, pl, pool_used(pl));
            else ohmi_pool_trim_queued(h, pl, pool_used(pl));
        }
    }
    if (a->purge_events >= PURGE_EVENTS && a->purge_events >= a->narenas) ohmi_arena_purge(h);
    else ohmi_release_flush(&a->pending);
}
