/*
 * pool.c — pools: 16 KiB of equal blocks of one size class (16..512 B, step 16).
 *
 * A pool in use is in the used list of its (kind, class): ohmi_alloc_of(h)->used[kind][cls]
 * is the head, the pool the fast path pops from. Kinds keep plain blocks, non-GC
 * objects and GC objects apart, so walks over object pools never meet a plain block.
 *
 * Blocks. Free blocks form a singly linked list: plain blocks through their first
 * word, object slots through their type word, tagged, with rc and bits 0 (alloc_impl.h,
 * "a pool's free list"). Blocks are carved lazily from `bump`, one page at a time, so
 * untouched pages stay untouched.
 *
 * Events for free (one test on the free fast path). The pool keeps `ref` = blocks in
 * use minus `bias`; the free fast path only checks `--ref == 0`, which happens when
 * the pool has `bias` blocks in use, and calls ohmi_pool_on_zero:
 *  - bias 0: the pool is empty;
 *  - POOL_FULL: a pool whose blocks were all in use (it left its used list with
 *    bias = capacity - 1, ref = 1) got one back: it rejoins the list;
 *  - otherwise a watermark: the pool lost half its blocks since the last event.
 * Each event sets the next watermark at half the blocks in use. So a pool draining
 * from full to empty makes log2(capacity) events, no instruction is added to the fast
 * paths, and the last event comes when the pool is down to its last survivors.
 * The only pool of its class stays when it empties, armed (pool_arm_empty): its next
 * event is a watermark a page of blocks up, so one-block churn makes no event at all
 * (ref and bias are read modulo 2^16: pool_used).
 *
 * Released pages. At a watermark, a used pool whose free blocks cover whole pages
 * gives those pages back (ohmi_pool_trim_pages): the blocks touching them leave the free
 * list and the pages are marked in flags; when the free list runs dry they are
 * revived before the pool counts as full. So after 99.9% of blocks die at random, in
 * any order, only the pages holding survivors stay resident.
 *
 * The delay line (ohmi_alloc_of(h)->trimq): a pool at a watermark is trimmed 16 watermarks
 * later, unless it emptied, filled, is being refilled, or re-entered the line since.
 *
 * Invariants: a listed pool has freelist != NULL, or bump < limit, or released
 * pages, or is the head (about to be refilled or unlinked); ref + bias (mod 2^16) counts the
 * blocks in use; every block of an object pool on the free list reads rc 0, bits 0
 * and a type word with bit 0 set (its link); a carved block in use reads as a live
 * object or type NULL; ohmi_alloc_check_pool checks the free ones. Asserted (base.h): at
 * level 2 where they change (pool_used, the events, the used lists), at level 3 the
 * whole pool (ohmi_alloc_check_pool) each time it fills or empties.
 */
#include "alloc/alloc_impl.h"

/* Write a word of a free block, which tools consider inaccessible: opened for the
 * write only. */
static void block_set_word(const ohm_heap *h, char *p, uintptr_t w) {
    (void)h;
    ASAN_UNPOISON(p, sizeof w);
    VG_UNDEFINED(h, p, sizeof w);
    memcpy(p, &w, sizeof w);
    block_close_word(h, p);
}

/* Link pl's free block b to next (NULL: the end), in the kind's place and encoding. */
static void pool_set_next(const ohm_heap *h, const struct alloc_pool *pl, char *b, void *next) {
    uintptr_t w = pool_kind(pl) == POOL_PLAIN ? (uintptr_t)next : slot_link_enc(next);
    block_set_word(h, b + pool_link_off(h, pl), w);
}

/* A free object slot's rc and bits read 0 (pool_push_slot's header, for the blocks
 * the slow paths link). */
static void slot_clear_counts(const ohm_heap *h, const struct alloc_pool *pl, char *b) {
    if (pool_kind(pl) != POOL_PLAIN) block_set_word(h, b + ohmi_alloc_of(h)->obj_offset, 0);
}

static void used_link_front(struct alloc_state *a, struct alloc_pool *pl) {
    OHMI_ASSERT_INTERNAL(!(pl->flags & POOL_FULL) && pool_kind(pl) != POOL_FREE);
    struct alloc_pool *head = a->used[pool_kind(pl)][pl->cls];
    pl->prev = NULL;
    pl->next = head == &a->empty ? NULL : head;
    if (pl->next) pl->next->prev = pl;
    else a->tail[pool_kind(pl)][pl->cls] = pl;
    pool_set_head(a, pool_kind(pl), pl->cls, pl);
}

/* Behind the pools already listed: a pool that was full comes back with a block or
 * two, and serving from it at once would make it full again at the next malloc; at
 * the back it gathers the frees that come while the pools before it are used. */
static void used_link_back(struct alloc_state *a, struct alloc_pool *pl) {
    OHMI_ASSERT_INTERNAL(!(pl->flags & POOL_FULL) && pool_kind(pl) != POOL_FREE);
    struct alloc_pool *tail = a->tail[pool_kind(pl)][pl->cls];
    if (!tail) { used_link_front(a, pl); return; }
    pl->next = NULL;
    pl->prev = tail;
    tail->next = pl;
    a->tail[pool_kind(pl)][pl->cls] = pl;
}

static void used_unlink(struct alloc_state *a, struct alloc_pool *pl) {
    if (pl->prev) pl->prev->next = pl->next;
    else pool_set_head(a, pool_kind(pl), pl->cls, pl->next ? pl->next : &a->empty);
    if (pl->next) pl->next->prev = pl->prev;
    else a->tail[pool_kind(pl)][pl->cls] = pl->prev;
    pl->next = pl->prev = NULL;
}

static void pool_init(ohm_heap *h, struct alloc_pool *pl, int kind, unsigned cls) {
    /* Always carve afresh, even a pool whose old free list is intact: blocks handed
     * out in address order keep a structure built in one go (a tree) compact and in
     * order; the old list's free order made binary trees 1.6x slower to walk. */
    OHMI_ASSERT_INTERNAL(pool_kind(pl) == POOL_FREE);   /* fresh from its arena */
    pl->freelist = NULL;
    pl->bump = (uint16_t)pool_first(pl);
    pl->ref = 0;
    pl->bias = 0;
    pl->cls = (uint8_t)cls;
    pl->flags = 0;
    pool_set_kind(pl, kind);
    used_link_front(ohmi_alloc_of(h), pl);
}

/* Does block offset off (size bytes) touch a page in mask? */
static int block_in_pages(size_t off, size_t size, unsigned mask) {
    unsigned p0 = (unsigned)(off >> PAGE_SHIFT), p1 = (unsigned)((off + size - 1) >> PAGE_SHIFT);
    return ((mask >> p0) & 1) || ((mask >> p1) & 1);
}

#if !defined(ALLOC_ASAN)   /* (under ASan every block is linked one by one) */
/* Link the plain blocks b, b + size, ..., last in address order, last to NULL. Four
 * blocks a round: this runs over every block of every pool taken afresh (binary trees
 * spent an eighth of their time here), and compilers do not unroll it by themselves. */
static inline void carve_plain(char *b, char *last, size_t size) {
    size_t s2 = 2 * size, s3 = 3 * size, s4 = 4 * size;
    for (; b + s3 < last; b += s4) {
        *(void **)b = b + size;
        *(void **)(b + size) = b + s2;
        *(void **)(b + s2) = b + s3;
        *(void **)(b + s3) = b + s4;
    }
    for (; b < last; b += size) *(void **)b = b + size;
    *(void **)last = NULL;
}
#endif

/* Refill an empty free list: carve the next page of never-used blocks, or revive
 * released pages. 0 when the pool is full. */
static int pool_extend(ohm_heap *h, struct alloc_pool *pl) {
    size_t size = CLASS_SIZE(pl->cls), limit = pool_limit(pl);
    char *mem = pool_mem(pl);
    char *head = NULL, *prev = NULL;
    /* Link b after prev; blocks are poisoned once linked (ASan). */
#define EXTEND_LINK(b) do { VG_UNDEFINED(h, (b), size); \
        slot_clear_counts(h, pl, (b)); pool_set_next(h, pl, (b), NULL); \
        if (prev) { pool_set_next(h, pl, prev, (b)); ASAN_POISON(prev, size); VG_NOACCESS(h, prev, size); } \
        else head = (b); \
        prev = (b); } while (0)
    if (pl->bump < limit) {
        size_t off = pl->bump;
        size_t end = ((off >> PAGE_SHIFT) + 1) << PAGE_SHIFT;   /* this page */
        /* one past the last block carved: the blocks that start in this page (at least
         * one), as many as fit below limit; one division rather than a loop per block */
        size_t stop = off + (((end + size - 1 < limit ? end + size - 1 : limit) - off) / size) * size;
        OHMI_ASSERT_INTERNAL(stop > off && stop <= limit);
#if !defined(ALLOC_ASAN)
        if (!ohmi_alloc_of(h)->valgrind) {
            /* The common case, a few instructions a block: blocks in address order,
             * linked as pool_push_block or pool_push_slot would leave them. */
            char *b = mem + off, *last = mem + stop - size;
            if (pool_kind(pl) == POOL_PLAIN) {
                carve_plain(b, last, size);
            } else {
                size_t oo = ohmi_alloc_of(h)->obj_offset;
                OHMI_ASSERT_INTERNAL(oo + sizeof(ohm_object) <= size);
                for (; b <= last; b += size) {
                    ohm_object *o = (ohm_object *)(b + oo);
                    o->ohm_rc = 0;
                    o->ohm_bits = 0;
                    o->ohm_type = (const ohm_type *)slot_link_enc(b < last ? b + size : NULL);
                }
            }
            pl->bump = (uint16_t)stop;
            pl->freelist = mem + off;
            return 1;
        }
#endif
        do {
            EXTEND_LINK(mem + off);
            off += size;
        } while (off < stop);
        pl->bump = (uint16_t)off;
    } else if (pl->flags >> POOL_REL_SHIFT) {
        unsigned mask = pl->flags >> POOL_REL_SHIFT;
        ohmi_release_flush(&ohmi_alloc_of(h)->pending);   /* before the pages are written again */
        for (size_t off = pool_first(pl); off + size <= limit; off += size) {
            if (block_in_pages(off, size, mask)) EXTEND_LINK(mem + off);
        }
        pl->flags &= (uint8_t)~(0xF0u);
    } else {
        return 0;
    }
#undef EXTEND_LINK
    if (prev) { ASAN_POISON(prev, size); VG_NOACCESS(h, prev, size); }
    pl->freelist = head;
    return 1;
}

void *ohmi_pool_alloc(ohm_heap *h, int kind, unsigned cls) {
    struct alloc_state *a = ohmi_alloc_of(h);
    OHMI_ASSERT(kind >= POOL_PLAIN && kind < POOL_FREE && cls < OHM_NB_CLASSES);
    struct alloc_pool *pl = a->used[kind][cls];
    for (;;) {
        if (pl == &a->empty) {
            pl = ohmi_arena_take_pool(h);
            if (!pl) return NULL;
            pool_init(h, pl, kind, cls);
        }
        OHMI_ASSERT_INTERNAL(pl->cls == cls && pool_kind(pl) == kind && !(pl->flags & POOL_FULL));
        if (pl->freelist || pool_extend(h, pl)) break;
        OHMI_ASSERT_INTERNAL(pool_used(pl) == pool_capacity(pl));
        OHMI_ASSERT_EXPENSIVE(ohmi_alloc_check_pool(h, pl, stderr) == 0);
        used_unlink(a, pl);            /* full: out of the list until a block comes back */
        pl->flags |= POOL_FULL;
        pl->bias = (uint16_t)(pool_capacity(pl) - 1);   /* the next free is an event */
        pl->ref = 1;
        pl = a->used[kind][cls];
    }
    void *b = pl->freelist;
    pool_pop_block(pl, b, pool_next(h, pl, b));   /* an object slot's header: the caller's */
    ASAN_UNPOISON(b, CLASS_SIZE(cls));
    return b;
}

/* A pool leaving the delay line: trim its pages into the pending run, unless it went
 * back to its arena, filled up, or is being refilled (more blocks in use than when it
 * entered: the program allocates from it again, and trimming would only make it fault
 * the pages back in: in a steady state of small cycles, that was a madvise and three
 * page faults per young collection). */
void ohmi_pool_trim_queued(ohm_heap *h, struct alloc_pool *pl, size_t used_then) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (pool_kind(pl) == POOL_FREE || (pl->flags & POOL_FULL) || arena_keeps_pages(h)) return;
    if (pool_used(pl) > used_then) return;
    ohmi_pool_trim_pages(h, pl, &a->pending);
    if (ohmi_release_bytes(&a->pending) >= 64 * PAGE_SIZE) ohmi_release_flush(&a->pending);
}

void ohmi_pool_trimq_push(ohm_heap *h, struct alloc_pool *pl, size_t used) {
    struct alloc_state *a = ohmi_alloc_of(h);
    unsigned i = a->trimq_next;
    struct alloc_pool *old = a->trimq[i];
    size_t old_used = a->trimq_used[i];
    a->trimq[i] = pl;
    a->trimq_used[i] = (uint16_t)used;
    a->trimq_next = (i + 1) % ALLOC_TRIMQ;
    if (!old) return;
    /* a pool that came back to a watermark since (drained, refilled, drained again:
     * a steady state) is in the line again: the newer entry decides */
    for (unsigned k = 0; k < ALLOC_TRIMQ; k++)
        if (a->trimq[k] == old) return;
    ohmi_pool_trim_queued(h, old, old_used);
}

/* An empty pool kept as the only one of its class: without this, every free in a
 * loop that allocates and frees one block would take the count from 1 to 0 and call
 * ohmi_pool_on_zero (~30 instructions) just to return. Armed, the pool's next event is a
 * watermark at a page's worth of blocks in use: bias = that many, and ref = -bias
 * modulo 2^16 (pool_used reads ref + bias modulo 2^16, so it still says 0). A
 * churn of up to a page of blocks makes no event; a pool that grows past it and
 * drains back gets its watermark there, then the usual halving down to empty, which
 * re-arms it. A pool that fills resets ref and bias (ohmi_pool_alloc). */
static void pool_arm_empty(struct alloc_pool *pl) {
    pl->bias = (uint16_t)(PAGE_SIZE / CLASS_SIZE(pl->cls));
    pl->ref = (uint16_t)(0u - pl->bias);
}

void ohmi_pool_on_zero(ohm_heap *h, struct alloc_pool *pl) {
    struct alloc_state *a = ohmi_alloc_of(h);
    size_t used = pl->bias;
    OHMI_ASSERT_INTERNAL(pool_kind(pl) != POOL_FREE);
    OHMI_ASSERT_INTERNAL(used < pool_capacity(pl));   /* an event follows a free */
    if (used) {
        if (pl->flags & POOL_FULL) {   /* a full pool got a block back */
            OHMI_ASSERT_INTERNAL(used == pool_capacity(pl) - 1);
            pl->flags &= (uint8_t)~POOL_FULL;
            OHMI_ASSERT_EXPENSIVE(ohmi_alloc_check_pool(h, pl, stderr) == 0);
            used_link_back(a, pl);
        } else if (pool_capacity(pl) - used >= PAGE_SIZE / CLASS_SIZE(pl->cls) &&
                   !ohmi_base_of(h)->destroying && !a->arena_hooked && !arena_keeps_pages(h)) {
            /* A watermark: the pool lost half its blocks since the last one. It is
             * trimmed when it leaves the delay line, ALLOC_TRIMQ watermarks later: a
             * pool that was draining in order (a tree being freed) is empty by then,
             * and goes back whole, without a madvise per page on its way down. */
            if (a->defer) {
                /* a burst of frees under ohmi_alloc_defer_release: trimmed once, at its end */
                if (!(pl->flags & POOL_DEFERRED)) {
                    pl->flags |= POOL_DEFERRED;
                    if (a->ndefq < ALLOC_DEFQ) a->defq[a->ndefq] = pl;
                    a->ndefq++;
                }
                goto next_mark;
            }
            ohmi_pool_trimq_push(h, pl, used);
        }
    next_mark:
        pl->bias = (uint16_t)(used / 2);   /* the next watermark: half of it again */
        pl->ref = (uint16_t)(used - pl->bias);
        return;
    }
    /* Empty. The only pool of its class stays, so a loop allocating and freeing one
     * block does not take and return a pool each time; ohmi_alloc_trim returns it. It is
     * armed so that such a loop makes no event either (see pool_arm_empty). */
    OHMI_ASSERT_EXPENSIVE(ohmi_alloc_check_pool(h, pl, stderr) == 0);
    if (a->used[pool_kind(pl)][pl->cls] == pl && !pl->next && !ohmi_base_of(h)->destroying) {
        pool_arm_empty(pl);
        return;
    }
    used_unlink(a, pl);
    ohmi_arena_return_pool(h, pl);
}

void ohmi_pool_track_alloc(ohm_heap *h, void *p, size_t n) {
    (void)h; (void)p; (void)n;
#ifdef OHM_HAVE_VALGRIND
    /* the whole block: realloc within the class keeps the block as it is. A mempool
     * per heap, so that destroying the heap forgets its blocks at once. */
    if (ohmi_alloc_of(h)->valgrind) VALGRIND_MEMPOOL_ALLOC(h, p, CLASS_SIZE(pool_of(p)->cls));
#endif
#ifdef ALLOC_ASAN
    ASAN_POISON(p, CLASS_SIZE(pool_of(p)->cls));
    ASAN_UNPOISON(p, n);
#endif
}

void ohmi_pool_track_free(ohm_heap *h, void *p) {
    (void)h; (void)p;
#ifdef OHM_HAVE_VALGRIND
    if (ohmi_alloc_of(h)->valgrind) VALGRIND_MEMPOOL_FREE(h, p);
#endif
}

void ohmi_pool_release_idle(ohm_heap *h) {
    struct alloc_state *a = ohmi_alloc_of(h);
    for (int k = 0; k < ALLOC_NKINDS; k++)
        for (int c = 0; c < OHM_NB_CLASSES; c++) {
            struct alloc_pool *pl = a->used[k][c];
            /* an armed empty head (pool_arm_empty) may have pools behind it since */
            if (pl != &a->empty && pool_used(pl) == 0) {
                used_unlink(a, pl);
                ohmi_arena_return_pool(h, pl);
            }
        }
}

void ohmi_pool_free(ohm_heap *h, void *p) {
    struct alloc_pool *pl = pool_of(p);
    OHMI_ASSERT_INTERNAL(ohmi_pool_is_block_start(h, p));
    OHMI_ASSERT_INTERNAL(pool_used(pl) != 0);
    int zero;
    if (pool_kind(pl) == POOL_PLAIN) {
        ASAN_UNPOISON(p, sizeof(void *));   /* the word pool_push_block writes */
        VG_UNDEFINED(h, p, sizeof(void *));
        zero = pool_push_block(pl, p);
    } else {
        size_t oo = ohmi_alloc_of(h)->obj_offset;
        ASAN_UNPOISON((char *)p + oo, sizeof(ohm_object));   /* the header pool_push_slot writes */
        VG_UNDEFINED(h, (char *)p + oo, sizeof(ohm_object));
        zero = pool_push_slot(pl, p, oo);
    }
    ASAN_POISON(p, CLASS_SIZE(pl->cls));
    if (zero) ohmi_pool_on_zero(h, pl);
}

int ohmi_pool_is_block_start(ohm_heap *h, const void *p) {
    (void)h;
    const struct alloc_pool *pl = pool_of(p);
    if (pool_kind(pl) == POOL_FREE) return 0;
    size_t off = (size_t)((const char *)p - pool_mem(pl)), size = CLASS_SIZE(pl->cls);
    if (off < pool_first(pl) || off >= pl->bump) return 0;
    if ((off - pool_first(pl)) % size) return 0;
    if (block_in_pages(off, size, pl->flags >> POOL_REL_SHIFT)) return 0;
    return 1;
}

size_t ohmi_pool_trim_pages(ohm_heap *h, struct alloc_pool *pl, struct release_batch *rb) {
    if (pl->flags & POOL_FULL) return 0;
    size_t size = CLASS_SIZE(pl->cls), first = pool_first(pl), limit = pool_limit(pl);
    size_t cap = pool_capacity(pl), used = pool_used(pl);
    size_t bpp = PAGE_SIZE / size;
    if (pl->bump < limit || cap - used < bpp) return 0;
    unsigned released = pl->flags >> POOL_REL_SHIFT;
    char *mem = pool_mem(pl);
    /* Free blocks per page: those on the free list, plus those parked because they
     * touch an already released page. */
    unsigned nfree[POOL_PAGES] = {0}, total[POOL_PAGES] = {0};
    for (unsigned pg = 0; pg < POOL_PAGES; pg++) {     /* blocks touching each page */
        size_t lo = (size_t)pg << PAGE_SHIFT, hi = lo + PAGE_SIZE;
        if (hi <= first) continue;
        size_t i0 = lo <= first ? 0 : (lo - first) / size;
        size_t i1 = (hi - first + size - 1) / size;
        if (i1 > cap) i1 = cap;
        total[pg] = i1 > i0 ? (unsigned)(i1 - i0) : 0;
    }
    /* A block parked because it touches a released page also touches a page still in
     * use only when it straddles their boundary: count it free for that page. */
    for (unsigned pg = 0; released && pg + 1 < POOL_PAGES; pg++) {
        size_t bnd = (size_t)(pg + 1) << PAGE_SHIFT;
        if (bnd <= first || (bnd - first) % size == 0 || (bnd - first) / size >= cap) continue;
        unsigned r0 = (released >> pg) & 1, r1 = (released >> (pg + 1)) & 1;
        if (r0 && !r1) nfree[pg + 1]++;
        if (r1 && !r0) nfree[pg]++;
    }
    size_t lo = pool_link_off(h, pl);   /* each link read is closed again (block_close_word) */
    for (char *b = pl->freelist, *next; b; b = next) {
        next = pool_next(h, pl, b);
        block_close_word(h, b + lo);
        size_t off = (size_t)(b - mem);
        unsigned p0 = (unsigned)(off >> PAGE_SHIFT), p1 = (unsigned)((off + size - 1) >> PAGE_SHIFT);
        nfree[p0]++;
        if (p1 != p0) nfree[p1]++;
    }
    unsigned fresh = 0;
    for (unsigned pg = first ? 1 : 0; pg < POOL_PAGES; pg++)   /* pool 0's page 0: arena header */
        if (!((released >> pg) & 1) && total[pg] && nfree[pg] == total[pg]) fresh |= 1u << pg;
    if (!fresh) return 0;
    /* Drop the blocks touching the new pages from the free list, then release them. */
    char *keep = NULL;
    for (char *b = pl->freelist; b; ) {
        char *next = pool_next(h, pl, b);
        block_close_word(h, b + lo);
        if (!block_in_pages((size_t)(b - mem), size, fresh)) {
            if (keep) pool_set_next(h, pl, keep, b); else pl->freelist = b;
            keep = b;
        }
        b = next;
    }
    if (keep) pool_set_next(h, pl, keep, NULL); else pl->freelist = NULL;
    size_t pages = 0;
    for (unsigned pg = 0; pg < POOL_PAGES; pg++)
        if ((fresh >> pg) & 1) { ohmi_release_add(rb, mem + ((size_t)pg << PAGE_SHIFT), PAGE_SIZE); pages++; }
    ohmi_alloc_of(h)->pages_released += pages;
    pl->flags |= (uint8_t)(fresh << POOL_REL_SHIFT);
    return pages;
}

/* The type word of the object slot at b (ohmi_alloc_live_type says what it holds).
 * Under ASan a free slot is poisoned, so ask before reading it: NULL then. */
static inline const ohm_type *slot_type(ohm_heap *h, const char *b) {
    const char *t = b + ohmi_alloc_of(h)->obj_offset + 8;
    if (ASAN_IS_POISONED(t)) return NULL;
#ifdef OHM_HAVE_VALGRIND
    if (ohmi_alloc_of(h)->valgrind) {
        const ohm_type *ty;
        VALGRIND_DISABLE_ERROR_REPORTING;
        memcpy(&ty, t, sizeof ty);
        VALGRIND_ENABLE_ERROR_REPORTING;
        return ty;
    }
#endif
    return *(const ohm_type *const *)t;
}

/* fn on each live object of one object pool, in address order; stops at nonzero. */
static int pool_walk_objects(ohm_heap *h, struct alloc_pool *pl, ohm_object_fn fn, void *arg) {
    size_t oo = ohmi_alloc_of(h)->obj_offset, size = CLASS_SIZE(pl->cls), end = pl->bump;
    unsigned rel = pl->flags >> POOL_REL_SHIFT;
    char *mem = pool_mem(pl);
    for (size_t off = pool_first(pl); off + size <= end; off += size) {
        if (OHM_UNLIKELY(rel) && block_in_pages(off, size, rel)) continue;
        if (ohmi_alloc_live_type(slot_type(h, mem + off))) {
            int r = fn((ohm_object *)(mem + off + oo), arg);
            if (r) return r;
        }
    }
    return 0;
}

int ohmi_pool_walk(ohm_heap *h, int gc_only, ohm_object_fn fn, void *arg) {
    struct pool_iter it = pool_iter_start(h);
    for (struct alloc_pool *pl; (pl = pool_iter_next(&it)) != NULL;) {
        int kind = pool_kind(pl);
        if (kind == POOL_PLAIN || (gc_only && kind != POOL_GC)) continue;
        int r = pool_walk_objects(h, pl, fn, arg);
        if (r) return r;
    }
    return 0;
}

/* The GC pools as spans of object slots, for a walker that inlines its per-object work
 * (the collector's full passes): span(arg, first object, slots, stride) per run of
 * carved slots clear of released pages; the walker skips the slots that are not
 * ohmi_alloc_live (free ones have a tagged link for a type). Then large GC
 * objects through fn. -1 (nothing walked) under ASan or valgrind, whose view of free
 * slots needs the per-slot checks of ohmi_pool_walk. */
#ifndef ALLOC_ASAN
/* One GC pool's carved slots as spans (oo: the heap's obj_offset). */
static void pool_spans(struct alloc_pool *pl, size_t oo, alloc_span_fn span, void *arg) {
    size_t size = CLASS_SIZE(pl->cls), end = pl->bump, first = pool_first(pl);
    unsigned rel = pl->flags >> POOL_REL_SHIFT;
    char *mem = pool_mem(pl);
    if (OHM_LIKELY(!rel)) {
        if (end > first) span(arg, mem + first + oo, (end - first) / size, size);
        return;
    }
    size_t run = first, off = first;   /* runs of slots clear of released pages */
    for (; off + size <= end; off += size) {
        if (block_in_pages(off, size, rel)) {
            if (off > run) span(arg, mem + run + oo, (off - run) / size, size);
            run = off + size;
        }
    }
    if (off > run) span(arg, mem + run + oo, (off - run) / size, size);
}
#endif

int ohmi_alloc_walk_spans(ohm_heap *h, alloc_span_fn span, ohm_object_fn fn, void *arg) {
#ifdef ALLOC_ASAN
    (void)h; (void)span; (void)fn; (void)arg;
    return -1;
#else
    if (ohmi_alloc_of(h)->valgrind) return -1;
    size_t oo = ohmi_alloc_of(h)->obj_offset;
    struct pool_iter it = pool_iter_start(h);
    for (struct alloc_pool *pl; (pl = pool_iter_next(&it)) != NULL;)
        if (pool_kind(pl) == POOL_GC) pool_spans(pl, oo, span, arg);
    return ohmi_large_walk(h, 1, fn, arg);
#endif
}

/* The collector's incremental walk (gc/gc_incr.c): the arenas now in use, then one
 * pool of one arena at a time, between which the program runs. Returns how many
 * arenas there are; the first max of them go to out (by address). */
size_t ohmi_alloc_arenas(ohm_heap *h, uintptr_t *out, size_t max) {
    size_t n = 0;
    for (struct alloc_arena *ar = ohmi_alloc_of(h)->arenas; ar; ar = ar->next, n++)
        if (n < max) out[n] = (uintptr_t)ar;
    return n;
}

/* An address kept since may name an arena unmapped meanwhile, or another one mapped at
 * the same place: the map says whether it is h's now, and what the pool holds now is
 * walked, as ohmi_pool_walk walks it (the ASan and valgrind checks of free slots too). */
static struct alloc_pool *gc_pool_at(ohm_heap *h, uintptr_t arena, unsigned pool) {
    if (pool >= ARENA_POOLS || !ohmi_alloc_in_arenas(h, (const void *)arena)) return NULL;
    struct alloc_arena *ar = (struct alloc_arena *)arena;
    if ((ar->free_mask >> pool) & 1) return NULL;
    struct alloc_pool *pl = &ar->pools[pool];
    return pool_kind(pl) == POOL_GC ? pl : NULL;
}

int ohmi_alloc_walk_pool_spans(ohm_heap *h, uintptr_t arena, unsigned pool, alloc_span_fn span, void *arg) {
#ifdef ALLOC_ASAN
    (void)h; (void)arena; (void)pool; (void)span; (void)arg;
    return -1;
#else
    if (ohmi_alloc_of(h)->valgrind) return -1;
    struct alloc_pool *pl = gc_pool_at(h, arena, pool);
    if (pl) pool_spans(pl, ohmi_alloc_of(h)->obj_offset, span, arg);
    return 0;
#endif
}

int ohmi_alloc_walk_pool(ohm_heap *h, uintptr_t arena, unsigned pool, ohm_object_fn fn, void *arg) {
    struct alloc_pool *pl = gc_pool_at(h, arena, pool);
    return pl ? pool_walk_objects(h, pl, fn, arg) : 0;
}
