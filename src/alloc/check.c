/*
 * check.c — the allocator's expensive consistency check (SQLite's
 * sqlite3_memdebug / Lua's checkmemory style): every invariant the other allocator
 * files state, verified over the whole heap. Tests call it between phases; it costs
 * a walk over every arena, pool, free list and large block.
 *
 * Checked: the arena list, counts, masks and buckets; every used pool's class, bump,
 * flags, used list membership, and that blocks in use + free blocks + parked blocks
 * (those touching released pages) == the carved blocks; each free block lies in its
 * pool at a block boundary, below bump, off the released pages, and in an object pool
 * reads as a free slot (rc 0, bits 0, a tagged link: alloc_impl.h); the used lists'
 * links and tails; the large-block set against its count and prefixes; the block
 * tags (tags.c): every tag lies in a pool block in use, at most its block's size from
 * the block's start (the size it records fits the block), and no free block has one.
 * The tags' values are the observer's: the tracer checks those (ohmi_trace_check).
 *
 * It allocates nothing (ohm_heap_check may run after a failure) and prints at most
 * `max` violations: ohm_heap_check wants only the first.
 */
#include "alloc/alloc_impl.h"

/* tags: check that free blocks carry no tag. Not for ohmi_alloc_check_pool: the
 * pools' assertions run inside a realloc, whose old block is freed before the observer
 * hears of it (and untags it). */
struct check { FILE *out; int errors; int max; int tags; };

static void bad(struct check *c, const char *fmt, ...) OHM_PRINTF(2, 3);
static void bad(struct check *c, const char *fmt, ...) {
    if (c->errors++ < c->max && c->out) {
        va_list ap;
        va_start(ap, fmt);
        fputs("ohmi_alloc_check: ", c->out);
        vfprintf(c->out, fmt, ap);
        fputc('\n', c->out);
        va_end(ap);
    }
}

/* A free block carries no tag: every free untags its block (alloc.h, block tags). */
static void check_free_untagged(ohm_heap *h, struct check *c, struct alloc_pool *pl, const char *b,
                                size_t size) {
    const uint32_t *leaf = ohmi_tags_leaf(&ohmi_alloc_of(h)->tags, (uintptr_t)b);
    if (!leaf) return;
    size_t k0 = ((uintptr_t)b & (ARENA_SIZE - 1)) >> 4;
    for (size_t k = k0; k < k0 + size / 16; k++)
        if (leaf[k]) {
            bad(c, "pool %p: free block %p has a tag (%#x at +%zu)", (void *)pl, (const void *)b,
                leaf[k], (k - k0) * 16);
            return;
        }
}

/* A free object slot reads rc 0, bits 0 and a tagged link (alloc_impl.h): else a
 * freed object was written to (an incref after its last decref, say), or the list is
 * broken. 1 when it is not (the list is not followed further). */
static int check_free_slot(ohm_heap *h, struct check *c, struct alloc_pool *pl, const char *b) {
    const char *o = b + ohmi_alloc_of(h)->obj_offset;
    uintptr_t counts = block_word(h, o), link = pool_link_word(h, pl, b);
    block_close_word(h, o);
    if (!(link & 1)) {
        bad(c, "pool %p: free object slot %p: its type word %#lx is no free-list link", (void *)pl,
            (const void *)o, (unsigned long)link);
        return 1;
    }
    if (counts) {
        uint32_t rc, bits;
        memcpy(&rc, (const char *)&counts + offsetof(ohm_object, ohm_rc), sizeof rc);
        memcpy(&bits, (const char *)&counts + offsetof(ohm_object, ohm_bits), sizeof bits);
        bad(c, "pool %p: free object slot %p has rc %u, bits %#x (want 0, 0: a freed object "
            "was written to, an incref after its last decref?)", (void *)pl, (const void *)o, rc, bits);
    }
    return 0;
}

/* One tag: in a block of a pool in use, below bump, its size within the block. */
static int check_tag(void *arg, uintptr_t p, uint32_t w) {
    struct check *c = ((void **)arg)[0];
    ohm_heap *h = ((void **)arg)[1];
    if (!ohmi_alloc_in_arenas(h, (void *)p) || arena_of((void *)p)->heap != h) {
        bad(c, "tag at %#lx: not in one of the heap's arenas", (unsigned long)p);
        return c->errors >= c->max;
    }
    struct alloc_pool *pl = pool_of((void *)p);
    size_t off = (size_t)((char *)p - pool_mem(pl));
    if (pool_kind(pl) == POOL_FREE || pl->cls >= OHM_NB_CLASSES || off < pool_first(pl) || off >= pl->bump) {
        bad(c, "tag at %#lx: not in a block of a pool in use", (unsigned long)p);
        return c->errors >= c->max;
    }
    size_t size = CLASS_SIZE(pl->cls), in = (off - pool_first(pl)) % size;
    if (in + ohmi_tag_size(w) > size)
        bad(c, "tag at %#lx: size %zu does not fit its %zu-byte block (at +%zu)", (unsigned long)p,
            ohmi_tag_size(w), size, in);
    return c->errors >= c->max;
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
    for (char *b = pl->freelist, *next; b; b = next) {
        size_t off = (size_t)(b - mem);
        if (b < mem || off >= POOL_SIZE || off < first || (off - first) % size || off >= pl->bump) {
            bad(c, "pool %p: free block %p is not one of its blocks", (void *)pl, (void *)b);
            return;
        }
        next = pool_next(h, pl, b);
        int broken = pool_kind(pl) != POOL_PLAIN && check_free_slot(h, c, pl, b);
        block_close_word(h, b + pool_link_off(h, pl));   /* the tools' view as it was */
        if (broken) return;
        unsigned p0 = (unsigned)(off >> PAGE_SHIFT), p1 = (unsigned)((off + size - 1) >> PAGE_SHIFT);
        if (((rel >> p0) & 1) || ((rel >> p1) & 1))
            bad(c, "pool %p: free block %p on a released page", (void *)pl, (void *)b);
        if (++nfree > cap) { bad(c, "pool %p: free list longer than the pool (a cycle?)", (void *)pl); return; }
        if (c->tags) check_free_untagged(h, c, pl, b, size);
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
    struct check c = {out, 0, 10, 0};
    check_pool(h, &c, pl);
    return c.errors;
}

int ohmi_alloc_check(ohm_heap *h, FILE *out) {
    return ohmi_alloc_check_max(h, out, 10);
}

int ohmi_alloc_check_max(ohm_heap *h, FILE *out, int max) {
    struct alloc_state *a = ohmi_alloc_of(h);
    struct check c = {out, 0, max, 1};
    size_t narenas = 0, dirty = 0, notfull = 0, listed = 0, used = 0;
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
                used++;
                check_pool(h, &c, pl);
                if (!(pl->flags & POOL_FULL)) notfull++;
            }
        }
    }
    if (narenas != a->narenas) bad(&c, "%zu arenas listed, %zu counted", narenas, a->narenas);
    if (dirty != a->dirty_pools) bad(&c, "%zu dirty pools, %zu counted", dirty, a->dirty_pools);
    if (used != a->pools_used) bad(&c, "%zu pools in use, %zu counted", used, a->pools_used);
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
    void *targ[2] = { &c, h };
    if (c.errors < c.max) ohmi_tags_walk(&a->tags, check_tag, targ);
    return c.errors;
}
