/*
 * arena.c — arenas: 1 MiB, 1 MiB-aligned regions split into 64 pools of 16 KiB.
 *
 * Algorithm.
 *  - An arena's header (struct alloc_arena, with the 64 pool headers) sits at its
 *    start; pool 0's blocks begin after it. The heap's arena map gets a nonzero byte
 *    for the arena's number (address >> 20), so classifying a pointer reads only the
 *    map, never the pointed-to memory.
 *  - Pools are handed out from the FULLEST arena first (fewest free pools), as CPython
 *    does, so the emptier arenas drain and can be given back. Arenas with 1..63 free
 *    pools sit in bucket avail[nfree]; a bitmask finds the lowest nonempty bucket.
 *    Inside an arena, a pool whose pages are still resident (dirty) is preferred.
 *  - When an arena's last pool is returned, the arena goes back to the OS, except one
 *    empty arena kept as the spare so an alloc/free loop at an arena boundary cannot
 *    thrash mmap/munmap.
 *  - Purge (every PURGE_EVENTS emptied pools, or alloc_trim): the pages of empty pools
 *    go back to the OS with madvise, and so do the free pages of used pools
 *    (pool_trim_pages), so a few survivors do not pin whole pools.
 *
 * Invariants: nfree == popcount(free_mask); dirty_mask is a subset of free_mask;
 * h->alloc.dirty_pools == the sum of popcount(dirty_mask); an arena is in bucket
 * avail[nfree] iff 1 <= nfree <= 63; an arena with nfree == 64 is the spare.
 */
#include "alloc_impl.h"

#define PURGE_EVENTS 16   /* emptied pools between two purges */

static void *arena_default_alloc(void *ctx, size_t size, size_t align) {
    (void)ctx;
    return os_map_aligned(size, align);
}
static void arena_default_free(void *ctx, void *p, size_t size) {
    (void)ctx;
    os_unmap(p, size);
}

int arena_init(ohm_heap *h) {
    struct alloc_state *a = &h->alloc;
    /* the map, then as much again never written: the zero map of the slow mode */
    a->map = os_reserve((size_t)2 << MAP_BITS);
    if (!a->map) { heap_error(h, "ohm_heap_new: cannot reserve the arena map"); return -1; }
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
        if (!ar->bnext) a->avail_mask &= ~((uint64_t)1 << ar->bucket);
    }
    if (ar->bnext) ar->bnext->bprev = ar->bprev;
    ar->bucket = 0;
    ar->bnext = ar->bprev = NULL;
}

static void bucket_insert(struct alloc_state *a, struct alloc_arena *ar) {
    unsigned n = ar->nfree;
    if (n == 0 || n == ARENA_POOLS) return;
    ar->bucket = n;
    ar->bprev = NULL;
    ar->bnext = a->avail[n];
    if (ar->bnext) ar->bnext->bprev = ar;
    a->avail[n] = ar;
    a->avail_mask |= (uint64_t)1 << n;
}

static struct alloc_arena *arena_new(ohm_heap *h) {
    struct alloc_state *a = &h->alloc;
    void *base = a->arena_alloc.alloc(a->arena_alloc.ctx, ARENA_SIZE, ARENA_SIZE);
    if (!base) return NULL;
    if ((uintptr_t)base & (ARENA_SIZE - 1)) {   /* a hook that ignored the alignment */
        a->arena_alloc.free(a->arena_alloc.ctx, base, ARENA_SIZE);
        heap_error(h, "arena allocator returned an address not aligned to %zu", ARENA_SIZE);
        return NULL;
    }
    struct alloc_arena *ar = base;
    memset(ar, 0, sizeof *ar);
    ar->heap = h;
    ar->base = base;
    ar->free_mask = ~(uint64_t)0;
    ar->nfree = ARENA_POOLS;
    for (unsigned i = 0; i < ARENA_POOLS; i++) ar->pools[i].kind = POOL_FREE;
    /* Keep the list in address order: walks visit objects in address order. */
    struct alloc_arena **link = &a->arenas, *prev = NULL;
    while (*link && *link < ar) { prev = *link; link = &(*link)->next; }
    ar->prev = prev;
    ar->next = *link;
    if (ar->next) ar->next->prev = ar;
    *link = ar;
    a->map[((uintptr_t)ar >> ARENA_SHIFT) & MAP_MASK] = 1;
    a->narenas++;
    a->arenas_allocated++;
    if (a->narenas > a->arenas_highwater) a->arenas_highwater = a->narenas;
    return ar;
}

static void arena_release(ohm_heap *h, struct alloc_arena *ar) {
    struct alloc_state *a = &h->alloc;
    bucket_remove(a, ar);
    if (ar->prev) ar->prev->next = ar->next; else a->arenas = ar->next;
    if (ar->next) ar->next->prev = ar->prev;
    a->dirty_pools -= (size_t)__builtin_popcountll(ar->dirty_mask);
    a->map[((uintptr_t)ar >> ARENA_SHIFT) & MAP_MASK] = 0;
    a->narenas--;
    a->arenas_reclaimed++;
    a->arena_alloc.free(a->arena_alloc.ctx, ar->base, ARENA_SIZE);
}

struct alloc_pool *arena_take_pool(ohm_heap *h) {
    struct alloc_state *a = &h->alloc;
    struct alloc_arena *ar;
    if (a->avail_mask) {
        ar = a->avail[__builtin_ctzll(a->avail_mask)];
    } else if (a->spare) {
        ar = a->spare;
        a->spare = NULL;
    } else {
        ar = arena_new(h);
        if (!ar) return NULL;
    }
    uint64_t m = ar->free_mask & ar->dirty_mask;
    if (!m) m = ar->free_mask;
    unsigned i = (unsigned)__builtin_ctzll(m);
    uint64_t bit = (uint64_t)1 << i;
    ar->free_mask &= ~bit;
    if (ar->dirty_mask & bit) { ar->dirty_mask &= ~bit; a->dirty_pools--; }
    bucket_remove(a, ar);
    ar->nfree--;
    bucket_insert(a, ar);
    return &ar->pools[i];
}

void arena_return_pool(ohm_heap *h, struct alloc_pool *pl) {
    struct alloc_state *a = &h->alloc;
    struct alloc_arena *ar = arena_of(pl);
    uint64_t bit = (uint64_t)1 << pool_index(pl);
    pl->kind = POOL_FREE;
    pl->flags = 0;
    pl->freelist = NULL;
    pl->next = pl->prev = NULL;
    pl->ref = 0;
    ar->free_mask |= bit;
    ar->dirty_mask |= bit;
    a->dirty_pools++;
    bucket_remove(a, ar);
    ar->nfree++;
    if (ar->nfree == ARENA_POOLS) {
        if (!a->spare) a->spare = ar;
        else if (a->spare != ar) { arena_release(h, ar); ar = NULL; }
    } else {
        bucket_insert(a, ar);
    }
    if (++a->purge_events >= PURGE_EVENTS && !h->destroying) arena_purge(h);
}

void release_flush(struct release_batch *b) {
    if (b->end > b->start) os_release(b->start, (size_t)(b->end - b->start));
    b->start = b->end = NULL;
}

void release_add(struct release_batch *b, char *start, size_t len) {
    if (start != b->end) { release_flush(b); b->start = start; }
    b->end = start + len;
    b->pages += len >> PAGE_SHIFT;
}

size_t arena_purge(ohm_heap *h) {
    struct alloc_state *a = &h->alloc;
    size_t pages = 0;
    a->purge_events = 0;
    if (a->arena_hooked) return 0;   /* the hook's memory may not be ours to madvise */
    struct release_batch rb = {NULL, NULL, 0};
    for (struct alloc_arena *ar = a->arenas; ar; ar = ar->next) {
        /* in address order, so that runs of pages join across pools */
        for (unsigned i = 0; i < ARENA_POOLS; i++) {
            uint64_t bit = (uint64_t)1 << i;
            if (ar->free_mask & bit) {
                if (ar->dirty_mask & bit) {
                    size_t start = (size_t)i << POOL_SHIFT;
                    if (i == 0) start = (ARENA_HDR + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
                    release_add(&rb, (char *)ar + start, ((size_t)(i + 1) << POOL_SHIFT) - start);
                    pages += (((size_t)(i + 1) << POOL_SHIFT) - start) >> PAGE_SHIFT;
                }
            } else {
                pages += pool_trim_pages(h, &ar->pools[i], &rb);
            }
        }
        ar->dirty_mask = 0;
    }
    release_flush(&rb);
    a->dirty_pools = 0;
    a->pages_released += pages;
    return pages;
}

void arena_fini(ohm_heap *h) {
    struct alloc_state *a = &h->alloc;
    struct alloc_arena *ar = a->arenas;
    while (ar) {
        struct alloc_arena *next = ar->next;
        a->map[((uintptr_t)ar >> ARENA_SHIFT) & MAP_MASK] = 0;
        a->arena_alloc.free(a->arena_alloc.ctx, ar->base, ARENA_SIZE);
        ar = next;
    }
    a->arenas = NULL;
    a->spare = NULL;
    a->narenas = 0;
    if (a->map) os_unmap(a->map, (size_t)2 << MAP_BITS);
    a->map = NULL;
}

size_t alloc_trim(ohm_heap *h) {
    struct alloc_state *a = &h->alloc;
    pool_release_idle(h);
    if (a->spare) {
        struct alloc_arena *ar = a->spare;
        a->spare = NULL;
        arena_release(h, ar);
    }
    return arena_purge(h);
}
