/*
 * check.c — the allocator's expensive consistency check (SQLite's
 * sqlite3_memdebug / Lua's checkmemory style): every invariant the other allocator
 * files state, verified over the whole heap. Tests call it between phases; it costs
 * a walk over every arena, pool, free list and large block.
 *
 * Checked: the arena list, counts, masks and buckets; every used pool's class, bump,
 * flags, used list membership, and that blocks in use + free blocks + parked blocks
 * (those touching released pages) == the carved blocks; each free block lies in its
 * pool at a block boundary, below bump, off the released pages; the used lists'
 * links and tails; the large-block set against its count and prefixes.
 */
#include "alloc/alloc_impl.h"

struct check { FILE *out; int errors; };

static void bad(struct check *c, const char *fmt, ...) OHM_PRINTF(2, 3);
static void bad(struct check *c, const char *fmt, ...) {
    if (c->errors++ < 10 && c->out) {
        va_list ap;
        va_start(ap, fmt);
        fputs("ohmi_alloc_check: ", c->out);
        vfprintf(c->out, fmt, ap);
        fputc('\n', c->out);
        va_end(ap);
    }
}

/* One pool in use by itself; its membership in the used lists is checked by counting
 * (ohmi_alloc_check), so the whole check stays linear in the pools. */
static void check_pool(ohm_heap *h, struct check *c, struct alloc_pool *pl) {
    if (pl->cls >= OHM_NB_CLASSES) { bad(c, "pool %p: class %u", (void *)pl, pl->cls); return; }
    size_t size = CLASS_SIZE(pl->cls), first = pool_first(pl), limit = pool_limit(pl);
    size_t cap = pool_capacity(pl);
    unsigned rel = pl->flags >> POOL_REL_SHIFT;
    char *mem = pool_mem(pl);
    if (pl->bump < first || pl->bump > limit || (pl->bump - first) % size)
        bad(c, "pool %p: bump %u outside [%zu, %zu] or off a block", (void *)pl, pl->bump, first, limit);
    if ((pl->flags & POOL_FULL) && (pl->freelist || pl->bump != limit || rel))
        bad(c, "pool %p: FULL but has free blocks", (void *)pl);
    size_t nfree = 0, carved = (pl->bump - first) / size, parked = 0;
    for (char *b = pl->freelist; b; b = block_next(h, b)) {
        size_t off = (size_t)(b - mem);
        if (b < mem || off >= POOL_SIZE || off < first || (off - first) % size || off >= pl->bump) {
            bad(c, "pool %p: free block %p is not one of its blocks", (void *)pl, (void *)b);
            return;
        }
        unsigned p0 = (unsigned)(off >> PAGE_SHIFT), p1 = (unsigned)((off + size - 1) >> PAGE_SHIFT);
        if (((rel >> p0) & 1) || ((rel >> p1) & 1))
            bad(c, "pool %p: free block %p on a released page", (void *)pl, (void *)b);
        if (++nfree > cap) { bad(c, "pool %p: free list longer than the pool (a cycle?)", (void *)pl); return; }
    }
    for (size_t off = first; rel && off + size <= pl->bump; off += size) {
        unsigned p0 = (unsigned)(off >> PAGE_SHIFT), p1 = (unsigned)((off + size - 1) >> PAGE_SHIFT);
        if (((rel >> p0) & 1) || ((rel >> p1) & 1)) parked++;
    }
    if (pool_used(pl) + nfree + parked != carved)
        bad(c, "pool %p (class %u): %zu in use + %zu free + %zu parked != %zu carved", (void *)pl,
            pl->cls, pool_used(pl), nfree, parked, carved);
}

int ohmi_alloc_check_pool(ohm_heap *h, struct alloc_pool *pl, FILE *out) {
    struct check c = {out, 0};
    check_pool(h, &c, pl);
    return c.errors;
}

int ohmi_alloc_check(ohm_heap *h, FILE *out) {
    struct alloc_state *a = ohmi_alloc_of(h);
    struct check c = {out, 0};
    size_t narenas = 0, dirty = 0, notfull = 0, listed = 0;
    for (struct alloc_arena *ar = a->arenas; ar; ar = ar->next) {
        narenas++;
        if (ar->heap != h) bad(&c, "arena %p: heap %p", (void *)ar, (void *)ar->heap);
        if (ar->next && ar->next <= ar) bad(&c, "arena list not in address order at %p", (void *)ar);
        if (ar->next && ar->next->prev != ar) bad(&c, "arena %p: next's prev is wrong", (void *)ar);
        if (!ohmi_alloc_in_arenas(h, ar)) bad(&c, "arena %p: not in the map", (void *)ar);
        if (ar->nfree != (unsigned)__builtin_popcountll(ar->free_mask))
            bad(&c, "arena %p: nfree %u, mask says %d", (void *)ar, ar->nfree, __builtin_popcountll(ar->free_mask));
        if (ar->dirty_mask & ~ar->free_mask) bad(&c, "arena %p: a dirty pool in use", (void *)ar);
        if (ar->bucket != ar->nfree && !(ar->nfree == 0 && ar->bucket == 0))
            bad(&c, "arena %p: in bucket %u with %u free pools", (void *)ar, ar->bucket, ar->nfree);
        dirty += (size_t)__builtin_popcountll(ar->dirty_mask);
        for (unsigned i = 0; i < ARENA_POOLS; i++) {
            struct alloc_pool *pl = &ar->pools[i];
            int free_bit = (int)((ar->free_mask >> i) & 1);
            if (free_bit != (pool_kind(pl) == POOL_FREE))
                bad(&c, "arena %p pool %u: free mask and kind disagree", (void *)ar, i);
            else if (!free_bit) {
                check_pool(h, &c, pl);
                if (!(pl->flags & POOL_FULL)) notfull++;
            }
        }
    }
    if (narenas != a->narenas) bad(&c, "%zu arenas listed, %zu counted", narenas, a->narenas);
    if (dirty != a->dirty_pools) bad(&c, "%zu dirty pools, %zu counted", dirty, a->dirty_pools);
    for (int k = 0; k < ALLOC_NKINDS; k++)
        for (int cl = 0; cl < OHM_NB_CLASSES; cl++) {
            struct alloc_pool *prev = NULL, *p = a->used[k][cl];
            size_t n = 0;
            for (; p && p != &a->empty; prev = p, p = p->next) {
                if (pool_kind(p) != k || p->cls != cl || (p->flags & POOL_FULL) || p->prev != prev)
                    bad(&c, "used list (%d, %d): pool %p is misfiled", k, cl, (void *)p);
                if (++n > a->narenas * ARENA_POOLS) { bad(&c, "used list (%d, %d): a cycle", k, cl); break; }
            }
            if (a->used[k][cl] != &a->empty && a->tail[k][cl] != prev)
                bad(&c, "used list (%d, %d): tail is not the last pool", k, cl);
            listed += n;
        }
    /* every listed pool is a used, not FULL pool of its list (above), and the lists
     * have no cycle: so equal counts mean every such pool is listed */
    if (listed != notfull) bad(&c, "%zu pools in use and not full, %zu in the used lists", notfull, listed);
    size_t large = 0;
    for (size_t i = 0; i < a->large.cap; i++) {
        const char *p = (const char *)a->large.ents[i].key;
        if (!p) continue;
        large++;
        ohm_heap *owner;
        memcpy(&owner, p - LARGE_PREFIX, sizeof owner);
        if (owner != h) bad(&c, "large block %p: prefix names heap %p", (const void *)p, (void *)owner);
    }
    if (large != a->large.len) bad(&c, "%zu large blocks in the set, %zu counted", large, a->large.len);
    return c.errors;
}
