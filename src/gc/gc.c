/*
 * gc.c — the generational cycle collector: tracking, generations, and one collection.
 *
 * Reference counting frees everything except cycles. Like CPython's Python/gc.c, we
 * find cycles by counting, for every object of the collected set, the references it
 * gets from other members (through the types' traverse); an object whose refcount is
 * larger has a reference from outside the set and is a root. Everything reachable from
 * a root survives; the rest is garbage: it is referenced only by other garbage.
 *
 * Layout (no per-object collector memory; see gc.h for the state encoding):
 *  - generations 0 and 1 are pointer vectors outside the heap; a member stores its index
 *    in the 24-bit word of ohm_bits, so untracking is an O(1) swap-remove;
 *  - the old generation is every tracked object in neither vector: a full collection
 *    finds it with ohmi_alloc_walk_objects, a sequential walk of the GC pools;
 *  - during a collection the word holds the member's internal reference count, and
 *    GC_MARK says "reached from a root"; the mark stack is a vector, so a cycle of
 *    a million members needs no C stack.
 *
 * One collection of generation g (gc_collect_main):
 *  1. prepare  the set: g = 0: young[0]; g = 1: young[0] + young[1] (relabelled GEN1);
 *              g = 2: every tracked, unfrozen object (the young ones become old first).
 *              Words of the members are zeroed (old objects have word 0 already).
 *  2. count    traverse every member; each reference to a member adds 1 to its word.
 *  3. mark     a member whose word differs from its refcount (or saturated, or whose
 *              count is 0: it is being released) is a root. The set is scanned in
 *              order. Young sets (gc_mark_young): a root or an already marked
 *              member is traversed, marking its unmarked children; children ahead
 *              of the scan wait for their turn, children the scan passed (word
 *              GC_PASSED) go through the mark stack at once. Full collections (the
 *              heap walk: pools in no useful order) mark each root's reach
 *              depth-first through the mark stack, children popped in traverse
 *              order (ascending addresses: prefetch-friendly), zeroing the word;
 *              a member neither marked nor a root at its turn enters the unreachable
 *              set tentatively and leaves it if a later root reaches it (the sweep
 *              fused into the walk: "a full collection's marking", below).
 *              If the stack cannot grow, marked members are traversed again until
 *              nothing new is marked. Generation 0 needs no prepare pass: its count
 *              pass subtracts each member's index from its word in turn.
 *  4. sweep    marked members survive. Young collections promote them (0 -> 1, 1 -> 2;
 *              the word becomes the new index or 0) and untrack atomic tuples and dicts
 *              (the hooks' untrack_candidate). A full collection has no sweep of its
 *              own (only what marking could not enter is swept, by a third walk):
 *              marking already zeroed the survivors' words and untracked the atomic
 *              containers, and "marked" is GC_MARK == the new parity, which the next
 *              full collection reads as "unmarked" (gc.mark_parity flips), so nothing
 *              needs clearing. Unmarked members enter the unreachable set (state
 *              GC0|GC1) and the `unreach` vector. Survivors are finished before any
 *              user code runs, so finalizers and callbacks see a consistent heap.
 *  5. hold     one reference on every unreachable object, so nothing below frees one
 *              of them under our feet.
 *  6. weakrefs every weak reference to an unreachable object is cleared; those that are
 *              not garbage themselves and have a callback get it called (after all are
 *              cleared, so a callback never reaches garbage).
 *  7. finalize each unreachable object with a finalizer that never ran: run it once
 *              (OHM_F_FINALIZED first: PEP 442).
 *  8. resurrection (only when a finalizer ran): steps 2-3 again inside the unreachable
 *              set, with our own reference discounted; what is now reachable from
 *              outside was resurrected: it leaves the set for the older generation.
 *  9. uncollectable (only when some member has no `clear` but can hold references):
 *              Kahn's peeling predicts what dropping our references frees when only
 *              objects with `clear` break links; what stays (cycles of clear-less
 *              objects and everything they reach) is uncollectable: it goes to
 *              ohm_gc_garbage, untouched, in the old generation.
 * 10. delete   DEBUG_SAVEALL: every garbage object goes to ohm_gc_garbage. Otherwise
 *              `clear` is called on each; remaining members are moved to the old
 *              generation (so one that survives a broken `clear` is an ordinary object)
 *              and our references are dropped: the cycles fall apart by refcounting.
 *
 * Invariants outside a collection: a tracked object is in exactly one of young[0],
 * young[1], old, frozen; its word is its vector index (young) or 0; its GC_MARK is
 * gc.mark_parity if it is old, clear otherwise; tracked == |young[0]| + |young[1]| +
 * |old| + frozen. Collections never nest: gc.collecting makes a nested ohm_gc_collect
 * return 0. No collection starts while obj/object.c's trashcan holds deferred releases.
 * Asserted (base.h): at level 2 for the object each place/unplace/release touches (its
 * word is its index), at level 3 the young vectors after every collection and, after
 * a full one, the whole heap (gc_check, which is also ohmi_gc_check at every level)
 * and the allocator (ohmi_alloc_check).
 *
 * Triggers: see "the young trigger policy" below (CPython's rule, or the adaptive
 * threshold 0 of the default policy).
 *
 * Stress mode (cfg.gc_stress, OHM_GC_STRESS=1), a testing aid: the inline trigger
 * compares count[0] with trigger0, which is the threshold 0 in effect (or the next probe) normally and 0 under stress,
 * so every tracked allocation takes ohmi_gc_collect_due, which then collects the next
 * generation in turn (gc_stress_collect). The fast path costs the same either way.
 */
#include "gc/gc.h"

#include <stdarg.h>
#include <stdlib.h>

/* ======================================================= generations */

/* The old generation needs no memory: a young vector that cannot take an object (out
 * of memory, or an index beyond 24 bits) sends it there, so tracking never fails. */
static inline void gc_make_old(ohm_heap *h, ohm_object *o) {
    o->ohm_bits = (o->ohm_bits & OHM_FLAG_MASK & ~(uint32_t)(GC_GENMASK | GC_FROZEN | GC_MARK)) |
                  ohmi_gc_of(h)->mark_parity;
}

void ohmi_gc_track_young(ohm_heap *h, ohm_object *o) {
    ohmi_gc_place(h, o, 0);
}

void ohmi_gc_place(ohm_heap *h, ohm_object *o, int gen) {
    OHMI_ASSERT(gen >= 0 && gen <= 2);
    OHMI_ASSERT_INTERNAL(o->ohm_bits & OHM_F_TRACKED);
    gc_make_old(h, o);
    if (gen < 2) {
        ohmi_vec *v = &ohmi_gc_of(h)->young[gen];
        size_t i = v->len;
        if (i < OHM_GCWORD_MAX && ohmi_vec_push(h, v, o) == 0)
            o->ohm_bits = (o->ohm_bits & OHM_FLAG_MASK & ~(uint32_t)GC_MARK) |
                          (gen ? GC_GEN1 : GC_GEN0) | ((uint32_t)i << OHM_GCWORD_SHIFT);
    }
}

void ohmi_gc_unplace(ohm_heap *h, ohm_object *o) {
    uint32_t state = o->ohm_bits & GC_GENMASK;
    if (gc_is_grey(o)) {
        ohmi_gc_incr_ungrey(h, o);
    } else if (state == GC_GEN0 || state == GC_GEN1) {
        ohmi_vec *v = &ohmi_gc_of(h)->young[state == GC_GEN1];
        size_t i = gc_word(o);
        OHMI_ASSERT_INTERNAL(i < v->len && v->items[i] == o);   /* the word is its index */
        ohm_object *last = v->items[--v->len];
        if (i != v->len) {
            v->items[i] = last;
            gc_set_word(last, (uint32_t)i);
        }
    } else if (o->ohm_bits & GC_FROZEN) {
        OHMI_ASSERT_INTERNAL(ohmi_gc_of(h)->frozen > 0);
        ohmi_gc_of(h)->frozen--;
    }
    /* GC0|GC1 (the unreachable set): the collection's vector keeps the pointer and
     * skips objects no longer in that state */
    o->ohm_bits &= OHM_FLAG_MASK & ~(uint32_t)(GC_GENMASK | GC_FROZEN | GC_MARK);
}

int ohmi_gc_generation_of(const ohm_object *o) {
    uint32_t state = o->ohm_bits & GC_GENMASK;
    if (state == GC_UNREACH) return gc_is_grey(o) ? 2 : -1;
    if (state == GC_GEN0) return 0;
    if (state == GC_GEN1) return 1;
    return (o->ohm_bits & GC_FROZEN) ? 3 : 2;
}

/* Stress mode: a collection of the next generation in turn (0, 1, 2, 0, ...) at every
 * tracked allocation, unless one is under way, the trashcan is draining, the heap is
 * being destroyed or the collector is disabled (the rotation then waits too). */
OHM_NOINLINE static void gc_stress_collect(ohm_heap *h) {
    struct gc_state *g = ohmi_gc_of(h);
    if (!g->enabled || g->collecting || g->deferring || ohmi_base_of(h)->destroying || !g->hooks)
        return;
    int gen = g->stress_next;
    g->stress_next = (gen + 1) % 3;
    if (gen == 2 && g->incr.on) {   /* incremental mode: the smallest step instead */
        ohmi_gc_incr_start(h);
        ohmi_gc_incr_step(h, 0);
        return;
    }
    ohmi_gc_collect_generation(h, gen);
}

void ohmi_gc_collect_due(ohm_heap *h) {
    struct gc_state *g = ohmi_gc_of(h);
    if (OHM_UNLIKELY(g->stress)) { gc_stress_collect(h); return; }
    if (g->count[0] > g->trigger0 && g->enabled && g->threshold[0] && !g->collecting &&
        !ohmi_base_of(h)->destroying)
        ohmi_gc_collect_auto(h);
}

void ohmi_gc_on_new_h_slow(ohm_heap *h, ohm_object *o) {
    struct gc_state *g = ohmi_gc_of(h);
    o->ohm_bits |= OHM_F_TRACKED;
    g->tracked++;
    ohmi_gc_track_young(h, o);
    g->count[0]++;
    ohmi_gc_collect_due(h);
}

void ohmi_gc_on_new(ohm_object *o) {
    gc_on_new_h(alloc_heap_of_inline(o), o);
}

void ohmi_gc_on_release_h_slow(ohm_heap *h, ohm_object *o) {
    struct gc_state *g = ohmi_gc_of(h);
    if (o->ohm_bits & OHM_F_TRACKED) {
        ohmi_gc_unplace(h, o);
        o->ohm_bits &= ~OHM_F_TRACKED;
        g->tracked--;
    }
    if (g->count[0] > 0) g->count[0]--;
}

void ohmi_gc_on_release(ohm_object *o) {
    gc_on_release_h(alloc_heap_of_inline(o), o);
}

void ohmi_gc_print_object(FILE *out, const ohm_object *o) {
    const char *name = o->ohm_type && o->ohm_type->name ? o->ohm_type->name : "object";
    fprintf(out, "<%s %p>", name, (const void *)o);
}

/* ======================================================== the passes */

/* Prefetch distance of a full collection's passes: on a heap far bigger than the caches
 * each reference is a miss; GC_PF of them in flight instead of the few the core
 * overlaps on its own (at 10M objects: 92 -> 45 ns per object). */
#define GC_PF 16

typedef struct gc_ctx {
    ohm_heap *h;
    uint32_t mask, value;   /* a member of the set: (bits & mask) == value */
    uint32_t bias;          /* references the collector holds on each member */
    uint32_t markval;       /* GC_MARK bit of a marked member: GC_MARK or 0 (parity) */
    int full;               /* a full collection: no sweep, marking does its work */
    size_t untracked;       /* atomic containers untracked while marking */
    int weakrefd;           /* some unreachable object has weak references */
    int to_finalize;        /* some unreachable object has a finalizer to run */
    int maybe_kept;         /* some unreachable object has references but no clear */
    ohmi_vec *stack;
    int overflow;           /* a push failed: marked members need another traversal */
    int sweep_needed;       /* full: an unmarked member was not entered as tentatively
                               unreachable (no room, or no index): sweep the heap */
    int unreach_failed;     /* full: that was for want of memory: nothing is freed */
    size_t rescued;         /* full: tentatively unreachable members reached after all */
    const ohm_type *arr_inline, *arr_ptr;  /* walked inline (struct ohmi_gc_hooks) */
    const ohm_type *untrack0, *untrack1;   /* may be untracked when atomic */
    const struct ohmi_gc_hooks *k;
    ohm_object *pf[GC_PF];  /* full count: referents prefetched, their increment pending */
    unsigned pf_i;
} gc_ctx;

static inline int gc_member(const gc_ctx *c, const ohm_object *o) {
    return (o->ohm_bits & c->mask) == c->value;
}

#if defined(__GNUC__)
#  define GC_INLINE static inline __attribute__((always_inline))
#  define GC_PREFETCH(p) __builtin_prefetch(p, 1)
#else
#  define GC_INLINE static inline
#  define GC_PREFETCH(p) ((void)0)
#endif

/* traverse, with the builtin list and tuple walked here: once this is inlined into a
 * pass, the compiler inlines the pass's visit function into the loop, which saves two
 * indirect calls per reference for the most common containers. The collector's visit
 * functions always return 0, so the early stop of traverse does not matter. */
GC_INLINE void gc_traverse(ohm_object *o, ohm_visit_fn visit, gc_ctx *c) {
    const ohm_type *t = o->ohm_type;
    if (t == c->arr_ptr) {
        const struct ohmi_gc_ptr_array *l = (const struct ohmi_gc_ptr_array *)o;
        for (size_t i = 0, n = l->len; i < n; i++) visit(l->items[i], c);
    } else if (t == c->arr_inline) {
        const struct ohmi_gc_inline_array *tp = (const struct ohmi_gc_inline_array *)o;
        for (size_t i = 0, n = tp->len; i < n; i++) visit(tp->items[i], c);
    } else if (t->traverse) {
        t->traverse(o, visit, c);
    }
}

/* Drop a reference the collector held or cleared: ohm_decref, with the release
 * through the object layer's hook. */
static inline void gc_decref(const gc_ctx *c, ohm_object *o) {
    uint32_t n = o->ohm_rc;
    if ((int32_t)n <= 0) {   /* immortal; 0: a refcount bug */
        if (n == 0) c->k->refcount_error(o);
        return;
    }
    if ((o->ohm_rc = n - 1) == 0) c->k->release(o);
}

/* An atomic container (a tuple or dict holding no GC object) the collector may untrack. */
static inline int gc_untrackable(const gc_ctx *c, const ohm_object *o) {
    const ohm_type *t = o->ohm_type;
    return (t == c->untrack0 || t == c->untrack1) && c->k->untrack_candidate(o);
}

/* A root: referenced from outside the set. A saturated word proves nothing, so it is a
 * root; so is a member whose count is already 0 (being released: never garbage), and
 * one with more internal references than its count (a refcount bug: keep it). */
static inline int gc_is_root(const ohm_object *o, uint32_t bias) {
    uint32_t w = gc_word(o), rc = o->ohm_rc;
    if (rc == 0 || rc < bias) return 1;
    return w == OHM_GCWORD_MAX || w != rc - bias;
}

GC_INLINE int visit_count(ohm_object *r, void *arg) {
    gc_ctx *c = arg;
    if (r && gc_member(c, r) && (r->ohm_bits >> OHM_GCWORD_SHIFT) != OHM_GCWORD_MAX)
        r->ohm_bits += 1u << OHM_GCWORD_SHIFT;
    return 0;
}

/* A full collection adopts the young generations into the old one lazily: a young
 * member (GC0 or GC1 set, its word an index) is made old — word 0, "unmarked" — the
 * first time the count pass touches it, as a referent or as the walked object, so no
 * separate pass over the young objects is needed. */
GC_INLINE void gc_adopt(const gc_ctx *c, ohm_object *o) {
    if (o->ohm_bits & GC_GENMASK)
        o->ohm_bits = (o->ohm_bits & OHM_FLAG_MASK & ~(uint32_t)(GC_GENMASK | GC_MARK)) |
                      (c->markval ^ GC_MARK);
}

GC_INLINE int visit_count_full(ohm_object *r, void *arg) {
    gc_ctx *c = arg;
    if (r && gc_member(c, r)) {
        gc_adopt(c, r);
        if ((r->ohm_bits >> OHM_GCWORD_SHIFT) != OHM_GCWORD_MAX) r->ohm_bits += 1u << OHM_GCWORD_SHIFT;
    }
    return 0;
}

/* Marking: the set is iterated in order (the walk's address order, or the vector's);
 * each root not marked yet is marked and everything it reaches is marked depth-first
 * through the explicit mark stack. A member's count is not needed once it is marked,
 * so marking zeroes it: after a full collection every survivor has word 0 and the
 * mark the next full collection reads as "unmarked" (parity), and the sweep only has
 * to read survivors, not write them. */
GC_INLINE int gc_marked(const gc_ctx *c, const ohm_object *o) {
    return (o->ohm_bits & GC_MARK) == c->markval;
}

GC_INLINE void gc_set_marked(const gc_ctx *c, ohm_object *o) {
    o->ohm_bits = (o->ohm_bits & (OHM_FLAG_MASK & ~(uint32_t)GC_MARK)) | c->markval;
}

GC_INLINE int visit_mark(ohm_object *r, void *arg) {
    gc_ctx *c = arg;
    if (r && gc_member(c, r) && !gc_marked(c, r)) {
        gc_set_marked(c, r);
        if (OHM_UNLIKELY(ohmi_vec_push(c->h, c->stack, r) < 0)) c->overflow = 1;
    }
    return 0;
}

/* A full collection untracks atomic tuples and dicts as it finds them reachable (a
 * young one does it in its sweep). The object is marked and traversed already. */
GC_INLINE void gc_maybe_untrack(gc_ctx *c, ohm_object *o) {
    if (c->full && gc_untrackable(c, o)) {
        o->ohm_bits &= ~(uint32_t)OHM_F_TRACKED;
        ohmi_gc_of(c->h)->tracked--;
        c->untracked++;
    }
}

GC_INLINE void gc_drain(gc_ctx *c, ohm_visit_fn visit) {
    ohmi_vec *s = c->stack;
    while (s->len) {
        ohm_object *p = s->items[--s->len];
        gc_traverse(p, visit, c);
    }
}

/* The children one traverse pushed are reversed on the stack, so that they are
 * popped in the order traverse gave them: for a container that is usually the order
 * they were allocated in, i.e. ascending addresses, which the hardware prefetches. */
GC_INLINE void gc_stack_reverse_from(ohmi_vec *s, size_t from) {
    for (size_t i = from, j = s->len; i + 1 < j; i++, j--) {
        ohm_object *t = s->items[i];
        s->items[i] = s->items[j - 1];
        s->items[j - 1] = t;
    }
}

GC_INLINE int visit_prefetch(ohm_object *r, void *arg) {
    (void)arg;
    if (r) GC_PREFETCH(r);
    return 0;
}

/* A full collection looks GC_PF entries down the stack and prefetches what that one
 * references: when it is popped, its children's headers (read to test their marks) are
 * in cache. A hint only (the entry may be popped later than that, or not at all). */
GC_INLINE void gc_drain_mark_with(gc_ctx *c, ohm_visit_fn visit) {
    ohmi_vec *s = c->stack;
    while (s->len) {
        if (c->full && s->len > GC_PF) gc_traverse(s->items[s->len - GC_PF], visit_prefetch, c);
        ohm_object *p = s->items[--s->len];
        size_t from = s->len;
        gc_traverse(p, visit, c);
        gc_stack_reverse_from(s, from);
        gc_maybe_untrack(c, p);
    }
}

static void gc_drain_mark(gc_ctx *c) { gc_drain_mark_with(c, visit_mark); }

/* A root not marked yet: marked, and everything it reaches (visit marks and pushes). */
GC_INLINE void gc_mark_root(gc_ctx *c, ohm_object *o, ohm_visit_fn visit) {
    gc_set_marked(c, o);
    gc_traverse(o, visit, c);
    gc_stack_reverse_from(c->stack, 0);
    gc_maybe_untrack(c, o);
    if (c->stack->len) gc_drain_mark_with(c, visit);
}

GC_INLINE int ph_count(ohm_object *o, void *arg) {
    gc_ctx *c = arg;
    if (gc_member(c, o)) gc_traverse(o, visit_count, c);
    return 0;
}

/* The full count's referents go through a ring of GC_PF: prefetched as they enter,
 * counted as they leave. The order of the increments does not matter, nor whether the
 * walk adopts a referent (gc_adopt) before its pending increment or after: adoption
 * happens once, and visit_count_full adopts before it increments. */
GC_INLINE int visit_count_full_pf(ohm_object *r, void *arg) {
    gc_ctx *c = arg;
    if (!r) return 0;
    GC_PREFETCH(r);
    unsigned i = c->pf_i++ & (GC_PF - 1);
    ohm_object *old = c->pf[i];
    c->pf[i] = r;
    if (old) visit_count_full(old, c);
    return 0;
}

static void gc_count_full_flush(gc_ctx *c) {
    for (unsigned i = 0; i < GC_PF; i++)
        if (c->pf[i]) {
            visit_count_full(c->pf[i], c);
            c->pf[i] = NULL;
        }
}

GC_INLINE int ph_count_full(ohm_object *o, void *arg) {
    gc_ctx *c = arg;
    if (gc_member(c, o)) {
        gc_adopt(c, o);
        gc_traverse(o, visit_count_full_pf, c);
    }
    return 0;
}

GC_INLINE int ph_mark(ohm_object *o, void *arg) {
    gc_ctx *c = arg;
    if (gc_member(c, o) && !gc_marked(c, o) && gc_is_root(o, c->bias)) gc_mark_root(c, o, visit_mark);
    return 0;
}

/* After a failed push: traverse marked members again (idempotent) until no push fails. */
static int ph_remark(ohm_object *o, void *arg) {
    gc_ctx *c = arg;
    if (gc_member(c, o) && gc_marked(c, o)) {
        gc_traverse(o, visit_mark, c);
        gc_drain_mark(c);
    }
    return 0;
}

/* A full collection's sweep: only the unreachable are written. */
static inline int gc_needs_clear(const ohm_object *o) {
    return !o->ohm_type->clear && o->ohm_type->traverse;
}

/* o enters the unreachable set: state GC0|GC1, the `unreach` vector, and one reference
 * held by the collector (step 5, done here while the header is in cache), and what the
 * later steps need to know is noted. -1 when the vector cannot grow (nothing done). */
GC_INLINE int gc_enter_unreach(gc_ctx *c, ohm_object *o) {
    if (OHM_UNLIKELY(ohmi_vec_push(c->h, &ohmi_gc_of(c->h)->unreach, o) < 0)) return -1;
    uint32_t b = o->ohm_bits;
    o->ohm_bits = (b & OHM_FLAG_MASK & ~(uint32_t)(GC_GENMASK | GC_MARK)) | GC_UNREACH;
    o->ohm_rc++;
    const ohm_type *t = o->ohm_type;
    if (b & OHM_F_WEAKREFD) c->weakrefd = 1;
    if (t->finalize && !(b & OHM_F_FINALIZED)) c->to_finalize = 1;
    if (!t->clear && t->traverse) c->maybe_kept = 1;
    return 0;
}

/* ---- a full collection's marking, fused with its sweep ----
 * The walk reaches each member once, in address order. A root not marked yet is
 * marked with all it reaches; a member neither marked nor a root when the walk reaches
 * it is unreachable unless a root later in the walk reaches it: it enters the
 * unreachable set at once, tentatively (as CPython's move_unreachable does), with its
 * index in the `unreach` vector as its word (its count is not needed any more). One
 * reached later leaves the set: its slot is emptied and it is marked. The vector is
 * compacted after marking. So the heap is walked twice (count, mark), not three times,
 * and a member that was garbage is remembered while its header is in cache. A member
 * that cannot be entered (the vector cannot grow, or its index would not fit the
 * 24-bit word) stays unmarked, and the old sweep walk (ph_sweep_full) finishes the set. */
static inline int gc_tentative(const ohm_object *o) {
    return (o->ohm_bits & GC_GENMASK) == GC_UNREACH;
}

GC_INLINE void gc_enter_tentative(gc_ctx *c, ohm_object *o) {
    size_t i = ohmi_gc_of(c->h)->unreach.len;
    if (OHM_UNLIKELY(i >= ohmi_gc_of(c->h)->tentative_max)) {
        c->sweep_needed = 1;
    } else if (OHM_UNLIKELY(gc_enter_unreach(c, o) < 0)) {
        c->sweep_needed = c->unreach_failed = 1;
    } else {
        gc_set_word(o, (uint32_t)i);
    }
    gc_set_word(o, (uint32_t)i);
}

/* o, tentatively unreachable, was reached: out of the set, our reference dropped, an
 * old object (word 0) again; the caller marks it. */
static inline void gc_rescue(gc_ctx *c, ohm_object *o) {
    ohmi_gc_of(c->h)->unreach.items[gc_word(o)] = NULL;
    o->ohm_rc--;
    o->ohm_bits &= OHM_FLAG_MASK & ~(uint32_t)GC_GENMASK;
    c->rescued++;
}

GC_INLINE int visit_mark_full(ohm_object *r, void *arg) {
    gc_ctx *c = arg;
    if (!r || !gc_member(c, r)) return 0;
    if (gc_tentative(r)) gc_rescue(c, r);
    else if (gc_marked(c, r)) return 0;
    gc_set_marked(c, r);
    if (OHM_UNLIKELY(ohmi_vec_push(c->h, c->stack, r) < 0)) c->overflow = 1;
    return 0;
}

static void gc_drain_mark_full(gc_ctx *c) { gc_drain_mark_with(c, visit_mark_full); }

GC_INLINE int ph_mark_full(ohm_object *o, void *arg) {
    gc_ctx *c = arg;
    if (!gc_member(c, o) || gc_marked(c, o)) return 0;
    if (gc_is_root(o, 0)) gc_mark_root(c, o, visit_mark_full);
    else gc_enter_tentative(c, o);
    return 0;
}

/* After a failed push of the mark stack: traverse marked members again. */
static int ph_remark_full(ohm_object *o, void *arg) {
    gc_ctx *c = arg;
    if (gc_member(c, o) && !gc_tentative(o) && gc_marked(c, o)) {
        gc_traverse(o, visit_mark_full, c);
        gc_drain_mark_full(c);
    }
    return 0;
}

/* The slots the rescued left empty go (order kept: the heap's). The words of the
 * members still hold their old indexes: scratch, as every later pass treats them. */
static void gc_unreach_compact(gc_ctx *c) {
    ohmi_vec *u = &ohmi_gc_of(c->h)->unreach;
    size_t n = 0;
    for (size_t i = 0; i < u->len; i++)
        if (u->items[i]) u->items[n++] = u->items[i];
    u->len = n;
}

/* Take back an unreachable set that could not be completed (out of memory): nothing is
 * freed this time; every member goes to generation `target`. */
static void gc_give_back(gc_ctx *c, int target) {
    ohmi_vec *u = &ohmi_gc_of(c->h)->unreach;
    ohmi_error(c->h, "ohm_gc_collect: out of memory; nothing collected this time (the "
               "garbage waits for the next collection)");
    for (size_t i = 0; i < u->len; i++) {
        u->items[i]->ohm_rc--;
        ohmi_gc_place(c->h, u->items[i], target);
    }
    u->len = 0;
}

/* What marking left unmarked and outside the set (gc_enter_tentative) enters it; after
 * a failure to remember one, nothing does (the whole set is given back). */
GC_INLINE int ph_sweep_full(ohm_object *o, void *arg) {
    gc_ctx *c = arg;
    if (!gc_member(c, o) || gc_marked(c, o) || gc_tentative(o)) return 0;
    if (OHM_UNLIKELY(c->unreach_failed) || OHM_UNLIKELY(gc_enter_unreach(c, o) < 0)) {
        /* remembered nowhere, it must survive, and so must all it reaches: mark it so
         * (ph_remark and the give-back path handle the rest) */
        gc_set_marked(c, o);
        c->overflow = 1;
    }
    return 0;
}

/* Iterate the members of the set: the young vectors, the whole GC heap, or a vector. */
typedef struct gc_set {
    ohmi_vec *vecs[2];        /* NULL: walk the heap */
    int walk;
    size_t from;              /* vecs[0]'s members start there (a probe's window) */
} gc_set;

/* Span walkers: the pass's per-object function inlined into the loop over a pool's
 * slots (ohmi_alloc_walk_spans), instead of an indirect call per object. */
#define GC_SPAN_FN(name, ph) \
    static void name(void *arg, char *p, size_t n, size_t stride) { \
        for (; n; n--, p += stride) \
            if (ohmi_alloc_live((ohm_object *)p)) ph((ohm_object *)p, arg); \
    }

static void gc_walk(gc_ctx *c, alloc_span_fn span, ohm_object_fn fn) {
    if (ohmi_alloc_walk_spans(c->h, span, fn, c) < 0) ohmi_alloc_walk_objects(c->h, 1, fn, c);
}

/* span: fn's span walker, for a set that is the whole heap */
GC_INLINE void gc_set_each(gc_ctx *c, const gc_set *s, ohm_object_fn fn, alloc_span_fn span) {
    if (s->walk) { gc_walk(c, span, fn); return; }
    for (int k = 0; k < 2; k++) {
        ohmi_vec *v = s->vecs[k];
        if (!v) continue;
        for (size_t i = k ? 0 : s->from; i < v->len; i++) fn(v->items[i], c);
    }
}

GC_SPAN_FN(span_count_full, ph_count_full)
GC_SPAN_FN(span_sweep_full, ph_sweep_full)
GC_SPAN_FN(span_mark_full, ph_mark_full)
GC_SPAN_FN(span_remark_full, ph_remark_full)

/* Marking a set held in vectors (a young set, the unreachable one). */
static void gc_mark_set(gc_ctx *c, const gc_set *s) {
    c->overflow = 0;
    gc_set_each(c, s, ph_mark, NULL);
    while (c->overflow) {
        c->overflow = 0;
        gc_set_each(c, s, ph_remark, NULL);
    }
}

/* Marking the whole heap, with the unreachable set filled on the way. */
static void gc_mark_full(gc_ctx *c) {
    c->overflow = 0;
    /* room for every member on the mark stack (a root list pushes all its items), as
     * the incremental cycle reserves its grey stack: no copy of a stack of millions
     * at each doubling; pages touched only as far as it fills */
    size_t n = ohmi_gc_of(c->h)->tracked + 64;
    if (n * sizeof(ohm_object *) >= ((size_t)2 << 20)) (void)ohmi_vec_reserve(c->h, c->stack, n);
    gc_walk(c, span_mark_full, ph_mark_full);
    while (c->overflow) {
        c->overflow = 0;
        gc_walk(c, span_remark_full, ph_remark_full);
    }
    if (c->rescued) gc_unreach_compact(c);
}

/* The count pass of generation 0, fused with its preparation: a member's word is its
 * index i in young[0] plus the references counted so far, so at its own turn the index
 * is taken off (a word saturated by then stays saturated: a root, conservatively). */
static void gc_count_young0(gc_ctx *c, ohmi_vec *v, size_t from) {
    ohm_object **items = v->items;
    for (size_t i = from, n = v->len; i < n; i++) {
        ohm_object *o = items[i];
        if (i + 8 < n) GC_PREFETCH(items[i + 8]);
        uint32_t b = o->ohm_bits;
        if ((b >> OHM_GCWORD_SHIFT) != OHM_GCWORD_MAX) o->ohm_bits = b - ((uint32_t)i << OHM_GCWORD_SHIFT);
        gc_traverse(o, visit_count, c);
    }
}

/* Marking a young set in vector order (CPython's move_unreachable): a member is
 * traversed when the scan reaches it if it is a root or was reached already; a member
 * the scan passed as "not reached" gets the word GC_PASSED (its count is not needed
 * any more), and only such a member, when reached later, goes through the mark stack.
 * Everything reached ahead of the scan is only marked: the scan traverses it in turn.
 * A member with a saturated count reached before its turn is traversed twice
 * (harmless: marking is idempotent). */
#define GC_PASSED OHM_GCWORD_MAX

GC_INLINE int visit_mark_young(ohm_object *r, void *arg) {
    gc_ctx *c = arg;
    if (r && gc_member(c, r) && !(r->ohm_bits & GC_MARK)) {
        uint32_t b = r->ohm_bits;
        r->ohm_bits = b | GC_MARK;
        if ((b >> OHM_GCWORD_SHIFT) == GC_PASSED && OHM_UNLIKELY(ohmi_vec_push(c->h, c->stack, r) < 0))
            c->overflow = 1;
    }
    return 0;
}

/* One member as the scan reaches it. */
GC_INLINE void gc_mark_young_one(gc_ctx *c, ohm_object *o) {
    if (!(o->ohm_bits & GC_MARK)) {
        if (!gc_is_root(o, 0)) {
            o->ohm_bits |= (uint32_t)GC_PASSED << OHM_GCWORD_SHIFT;
            return;
        }
        o->ohm_bits |= GC_MARK;
    }
    gc_traverse(o, visit_mark_young, c);
    ohmi_vec *st = c->stack;
    while (st->len) gc_traverse(st->items[--st->len], visit_mark_young, c);
}

/* Every item of the young vectors is a member. */
static void gc_mark_young(gc_ctx *c, const gc_set *s) {
    c->overflow = 0;
    for (int k = 0; k < 2; k++) {
        ohmi_vec *v = s->vecs[k];
        if (!v) continue;
        ohm_object **items = v->items;
        for (size_t i = k ? 0 : s->from, n = v->len; i < n; i++) {
            if (i + 8 < n) GC_PREFETCH(items[i + 8]);
            gc_mark_young_one(c, items[i]);
        }
    }
    while (c->overflow) {
        c->overflow = 0;
        gc_set_each(c, s, ph_remark, NULL);
    }
}

typedef struct gc_sweep {
    gc_ctx c;
    int target;             /* where survivors go: 1 or 2; 0 (a probe): they stay */
    size_t survivors;
    size_t untracked;
    int failed;             /* the unreachable vector could not grow */
} gc_sweep;

GC_INLINE int ph_sweep(ohm_object *o, void *arg) {
    gc_sweep *s = arg;
    if (!gc_member(&s->c, o)) return 0;
    struct gc_state *g = ohmi_gc_of(s->c.h);
    if (!(o->ohm_bits & GC_MARK)) {
        if (OHM_LIKELY(gc_enter_unreach(&s->c, o) == 0)) return 0;
        /* no memory to remember it: then nothing may be freed (it would keep pointers
         * to what is): gc_collect_main gives the whole unreachable set back */
        s->failed = 1;
    }
    if (gc_untrackable(&s->c, o)) {
        o->ohm_bits &= OHM_FLAG_MASK & ~(uint32_t)(GC_GENMASK | GC_MARK | OHM_F_TRACKED);
        g->tracked--;
        s->untracked++;
        return 0;
    }
    s->survivors++;
    if (s->target == 2) {
        gc_make_old(s->c.h, o);
    } else {
        /* into young[target]: ohmi_gc_place in one write, the room reserved by the
         * caller (a probe's survivors move down in place: there is room) */
        ohmi_vec *v = &g->young[s->target];
        size_t i = v->len;
        if (OHM_LIKELY(i < v->cap && i < OHM_GCWORD_MAX)) {
            v->items[v->len++] = o;
            o->ohm_bits = (o->ohm_bits & OHM_FLAG_MASK & ~(uint32_t)(GC_GENMASK | GC_FROZEN | GC_MARK)) |
                          (s->target ? GC_GEN1 : GC_GEN0) | ((uint32_t)i << OHM_GCWORD_SHIFT);
        } else {
            ohmi_gc_place(s->c.h, o, s->target);
        }
    }
    return 0;
}

/* ---- inside the unreachable set ---- */

#define GC_UNREACH_MASK  (OHM_F_TRACKED | GC_GENMASK | GC_FROZEN)   /* not GC_GREY */
#define GC_UNREACH_VALUE (OHM_F_TRACKED | GC_UNREACH)

static inline int gc_in_unreach(const ohm_object *o) {
    return (o->ohm_bits & GC_UNREACH_MASK) == GC_UNREACH_VALUE;
}

/* Kahn's peeling: a member whose count of references from clear-less members drops to
 * zero will be freed; propagate through the clear-less ones it frees. */
static int visit_peel(ohm_object *r, void *arg) {
    gc_ctx *c = arg;
    if (r && gc_member(c, r) && !(r->ohm_bits & GC_MARK)) {
        uint32_t w = gc_word(r);
        if (w == OHM_GCWORD_MAX) return 0;      /* saturated: stays uncollectable */
        if (w > 0) gc_set_word(r, --w);
        if (w == 0) {
            r->ohm_bits |= GC_MARK;
            if (ohmi_vec_push(c->h, c->stack, r) < 0) c->overflow = 1;  /* its referents stay: safe */
        }
    }
    return 0;
}

/* What an uncollectable object reaches is kept alive by it: uncollectable too. */
static int visit_keep(ohm_object *r, void *arg) {
    gc_ctx *c = arg;
    if (r && gc_member(c, r) && (r->ohm_bits & GC_MARK)) {
        r->ohm_bits &= ~GC_MARK;
        if (ohmi_vec_push(c->h, c->stack, r) < 0) c->overflow = 1;
    }
    return 0;
}

/* Mark (GC_MARK) the members of the unreachable set that dropping our references will
 * free; the unmarked ones are uncollectable. Returns 1 when any is uncollectable. */
static int gc_find_uncollectable(gc_ctx *c) {
    ohmi_vec *u = &ohmi_gc_of(c->h)->unreach;
    int need = 0;
    for (size_t i = 0; i < u->len && !need; i++)
        if (gc_in_unreach(u->items[i]) && gc_needs_clear(u->items[i])) need = 1;
    if (!need) return 0;
    for (size_t i = 0; i < u->len; i++)
        if (gc_in_unreach(u->items[i])) gc_set_word(u->items[i], 0);
    for (size_t i = 0; i < u->len; i++) {
        ohm_object *o = u->items[i];
        if (gc_in_unreach(o) && !o->ohm_type->clear) gc_traverse(o, visit_count, c);
    }
    c->overflow = 0;
    for (size_t i = 0; i < u->len; i++) {
        ohm_object *o = u->items[i];
        if (gc_in_unreach(o) && !(o->ohm_bits & GC_MARK) && gc_word(o) == 0) {
            o->ohm_bits |= GC_MARK;
            if (ohmi_vec_push(c->h, c->stack, o) < 0) c->overflow = 1;
        }
    }
    while (c->stack->len) {
        ohm_object *p = c->stack->items[--c->stack->len];
        if (!p->ohm_type->clear) gc_traverse(p, visit_peel, c);
    }
    int any = 0;
    do {
        c->overflow = 0;
        for (size_t i = 0; i < u->len; i++) {
            ohm_object *o = u->items[i];
            if (gc_in_unreach(o) && !(o->ohm_bits & GC_MARK)) {
                any = 1;
                gc_traverse(o, visit_keep, c);
                gc_drain(c, visit_keep);
            }
        }
    } while (c->overflow);
    return any;
}

static void gc_debug_object(const char *what, const ohm_object *o) {
    fprintf(stderr, "gc: %s ", what);
    ohmi_gc_print_object(stderr, o);
    fputc('\n', stderr);
}

/* Into gc.garbage (the api layer moves it to the list): the vector holds a reference.
 * Room was reserved (step 10a) or the object is not sent here at all. */
static void gc_to_garbage(ohm_heap *h, ohm_object *o) {
    ohmi_vec *v = &ohmi_gc_of(h)->garbage;
    OHMI_ASSERT(v->len < v->cap);
    v->items[v->len++] = o;
    ohm_incref(o);
}

/* A full collection empties the young vectors: the larger one, when it is a mapping
 * (2 MiB or more, base/vec.c) with its memory already touched, becomes the unreachable
 * set's (which otherwise would take fresh pages, zeroed by the kernel, for as much
 * garbage as there is), and the set's takes its place. A heap that piled up young
 * garbage with the collector off, then collects, touches no new memory for the set.
 * (Smaller vectors come from the C library: nothing to save.) */
static void gc_lend_young(struct gc_state *g) {
    ohmi_vec *y = &g->young[g->young[1].cap > g->young[0].cap];
    if (y->cap <= g->unreach.cap || y->cap * sizeof(ohm_object *) < ((size_t)2 << 20)) return;
    ohmi_vec t = g->unreach;
    g->unreach = *y;
    *y = t;
}

typedef struct gc_result {
    size_t found, collected, uncollectable, candidates;
} gc_result;

/* A collection of generation gen (part NULL), or of a part of the heap on its own:
 * part[from..], each member's word its index there. Two kinds:
 *  - a probe (part is young[0], gen 0): the newest objects of generation 0 (see "the
 *    young trigger policy"); its survivors stay in young[0];
 *  - a group of an incremental cycle's candidates (gc_incr.c, gen 1): its survivors
 *    become old; part is left empty.
 * The members get the label GC0|GC1, which no other object has outside a collection's
 * sweep: so everything else, the rest of young[0] too, is outside, and its references
 * make roots. A part moves no count and no generation's threshold. */
static void gc_collect_main(ohm_heap *h, int gen, ohmi_vec *part, size_t from, gc_result *res) {
    struct gc_state *g = ohmi_gc_of(h);
    const struct ohmi_gc_hooks *hk = g->hooks;
    gc_sweep sw = { .c = { .h = h, .stack = &g->stack, .arr_inline = hk->inline_array_type,
                           .arr_ptr = hk->ptr_array_type, .untrack0 = hk->untrack_type[0],
                           .untrack1 = hk->untrack_type[1], .k = hk },
                    .target = part == &g->young[0] ? 0 : gen == 0 ? 1 : 2 };
    gc_ctx *c = &sw.c;
    gc_set set = { { NULL, NULL }, 0, from };
    OHMI_ASSERT_INTERNAL(g->collecting && !g->deferring);   /* see ohmi_gc_collect_generation */
    OHMI_ASSERT_INTERNAL(g->unreach.len == 0 && g->stack.len == 0);

    if (!part) {
        if (gen + 1 < 3) g->count[gen + 1]++;
        for (int i = 0; i <= gen; i++) g->count[i] = 0;
    }

    /* 1. prepare */
    c->markval = GC_MARK;
    if (gen == 2) {
        /* the young become old (lazily: gc_adopt in the count pass); marked now means
         * "mark bit != the old parity" */
        g->young[0].len = g->young[1].len = 0;
        gc_lend_young(g);
        c->markval = g->mark_parity ^ GC_MARK;
        c->full = 1;
        c->mask = OHM_F_TRACKED | GC_FROZEN;
        c->value = OHM_F_TRACKED;
        set.walk = 1;
        res->candidates = g->tracked - g->frozen;
        /* room for all candidates in the unreachable vector: a mapping, touched only
         * as far as garbage fills it (no copies while it grows) */
        if (res->candidates * sizeof(ohm_object *) >= ((size_t)2 << 20))
            ohmi_vec_reserve(h, &g->unreach, res->candidates);
    } else {
        uint32_t label = part ? GC_UNREACH : gen == 0 ? GC_GEN0 : GC_GEN1;
        set.vecs[0] = part ? part : &g->young[0];
        if (gen == 1 && !part) set.vecs[1] = &g->young[1];
        /* generation 0 is labelled already and its words are indexes: the count pass
         * zeroes them itself (gc_count_young0), as it does a part's (which keep them) */
        uint32_t keep = part ? ~(uint32_t)GC_GENMASK : OHM_FLAG_MASK & ~(uint32_t)GC_GENMASK;
        for (int k = 0; (gen == 1 || part) && k < 2; k++) {
            ohmi_vec *v = set.vecs[k];
            for (size_t i = k ? 0 : from; v && i < v->len; i++) {
                ohm_object *o = v->items[i];
                o->ohm_bits = (o->ohm_bits & keep) | label;
            }
        }
        c->mask = GC_GENMASK | GC_FROZEN;   /* GC0|GC1 is not grey (GC0|GC1|FROZEN) */
        c->value = label;
        res->candidates = set.vecs[0]->len - from + (set.vecs[1] ? set.vecs[1]->len : 0);
    }

    /* 2. count, 3. mark */
    if (gen == 2) {
        gc_set_each(c, &set, ph_count_full, span_count_full);
        gc_count_full_flush(c);
        gc_mark_full(c);
    } else {
        if (gen == 0 || part) gc_count_young0(c, set.vecs[0], from);
        else gc_set_each(c, &set, ph_count, NULL);
        gc_mark_young(c, &set);
    }

    /* 4. sweep. A full collection's marking filled the unreachable set (only what it
     * could not enter needs a walk of the heap here), zeroed the survivors' words and
     * gave them the mark the next full collection reads as "unmarked". A young
     * collection iterates its vectors, which are emptied after (gen 0's survivors were
     * appended to young[1], which it does not iterate); a probe compacts its window. */
    if (gen == 2) {
        ohmi_vec *u = &g->unreach;
        c->overflow = 0;
        if (OHM_UNLIKELY(c->sweep_needed)) gc_walk(c, span_sweep_full, ph_sweep_full);
        g->mark_parity = c->markval;
        c->full = 0;
        if (OHM_UNLIKELY(c->overflow)) {
            /* an unreachable object we could not remember would keep pointers to
             * those we free: free nothing this time */
            gc_give_back(c, 2);
        }
        sw.survivors = res->candidates - u->len - c->untracked;
    } else {
        if (part) {   /* a probe's survivors move down in young[0]; a group's go old */
            ohmi_vec *v = part;
            size_t n = v->len;
            v->len = from;
            for (size_t i = from; i < n; i++) ph_sweep(v->items[i], &sw);
        } else {
            if (gen == 0) {   /* room for every survivor (doubling: no copy per collection) */
                ohmi_vec *y1 = &g->young[1];
                while (y1->cap < y1->len + g->young[0].len && ohmi_vec_grow(h, y1) == 0) {}
            }
            for (int k = 0; k < 2; k++) {
                ohmi_vec *v = set.vecs[k];
                if (!v) continue;
                for (size_t i = 0; i < v->len; i++) ph_sweep(v->items[i], &sw);
            }
            /* gen 1: young[1] was iterated and survivors went old; gen 0: young[0] */
            g->young[0].len = 0;
            if (gen == 1) g->young[1].len = 0;
        }
        if (OHM_UNLIKELY(sw.failed)) {
            sw.survivors += g->unreach.len;
            gc_give_back(c, sw.target);
        }
    }
    c->markval = GC_MARK;   /* the passes inside the unreachable set below */
    if (gen == 1 && !part) g->long_lived_pending += sw.survivors;
    if (gen == 2) {
        g->long_lived_pending = 0;
        g->long_lived_total = sw.survivors;
    }

    ohmi_vec *u = &g->unreach;
    res->found = u->len;
    if (!u->len) return;

    /* 5. hold: done by the sweep (gc_enter_unreach). 6a. clear every weak reference
     * to garbage (the callbacks wait for 6b: all are cleared first) */
    ohm_object *cbs[2] = { NULL, NULL };   /* a chain through the weakrefs: no memory */
    for (size_t i = 0; c->weakrefd && i < u->len; i++) {
        ohm_object *o = u->items[i];
        if (o->ohm_bits & OHM_F_WEAKREFD) hk->weakref_clear(h, o, cbs);
    }
    int to_finalize = c->to_finalize, maybe_kept = c->maybe_kept;

    /* 6b. the callbacks of weakrefs that are not garbage themselves */
    for (ohm_object *ref = cbs[0], *next; ref; ref = next) {
        next = hk->weakref_next(ref);
        hk->weakref_callback(ref);
        if (ref->ohm_rc == 1) res->found++;   /* the callback let its weakref die */
        gc_decref(c, ref);
    }

    /* 7. finalize */
    int finalized = 0;
    for (size_t i = 0; to_finalize && i < u->len; i++) {
        ohm_object *o = u->items[i];
        if (gc_in_unreach(o) && o->ohm_type->finalize && !(o->ohm_bits & OHM_F_FINALIZED)) {
            o->ohm_bits |= OHM_F_FINALIZED;
            o->ohm_type->finalize(o);
            finalized = 1;
        }
    }

    /* 8. resurrection: reachability again, inside the set, our reference discounted */
    gc_set uset = { { u, NULL }, 0, 0 };
    c->mask = GC_UNREACH_MASK;
    c->value = GC_UNREACH_VALUE;
    if (finalized) {
        for (size_t i = 0; i < u->len; i++)
            if (gc_in_unreach(u->items[i])) gc_set_word(u->items[i], 0);
        c->bias = 1;
        gc_set_each(c, &uset, ph_count, NULL);
        gc_mark_set(c, &uset);
        c->bias = 0;
        for (size_t i = 0; i < u->len; i++) {
            ohm_object *o = u->items[i];
            if (gc_in_unreach(o) && (o->ohm_bits & GC_MARK)) ohmi_gc_place(h, o, sw.target);
        }
    }

    /* 9. uncollectable (finalizers may have changed the set: recheck in there) */
    int some_kept = (maybe_kept || finalized) && gc_find_uncollectable(c);

    /* 10a. what does not get cleared: uncollectable, or saved (SAVEALL) */
    unsigned debug = g->debug;
    if (some_kept || (debug & (OHM_GC_DEBUG_COLLECTABLE | OHM_GC_DEBUG_UNCOLLECTABLE |
                               OHM_GC_DEBUG_SAVEALL))) {
        /* Room in gc.garbage for all that goes there, first: all or none. Without it
         * they stay where they are placed, untouched and unreferenced, and the next
         * collection finds them again (one that got some into the vector would leave
         * the rest reachable from it, never to reach gc.garbage). */
        size_t nsave = 0;
        for (size_t i = 0; i < u->len; i++) {
            ohm_object *o = u->items[i];
            if (gc_in_unreach(o) && ((debug & OHM_GC_DEBUG_SAVEALL) ||
                                     (some_kept && !(o->ohm_bits & GC_MARK))))
                nsave++;
        }
        ohmi_vec *gv = &g->garbage;
        int room = ohmi_vec_reserve(h, gv, gv->len + nsave) == 0;
        if (!room)
            ohmi_error(h, "ohm_gc_collect: out of memory; %zu objects for gc.garbage wait "
                       "for the next collection", nsave);
        for (size_t i = 0; i < u->len; i++) {
            ohm_object *o = u->items[i];
            if (!gc_in_unreach(o)) continue;
            if (some_kept && !(o->ohm_bits & GC_MARK)) {
                res->uncollectable++;
                if (debug & OHM_GC_DEBUG_UNCOLLECTABLE) gc_debug_object("uncollectable", o);
                ohmi_gc_place(h, o, 2);
                if (room) gc_to_garbage(h, o);
                continue;
            }
            o->ohm_bits &= ~GC_MARK;
            if (debug & OHM_GC_DEBUG_COLLECTABLE) gc_debug_object("collectable", o);
            if (debug & OHM_GC_DEBUG_SAVEALL) {
                ohmi_gc_place(h, o, sw.target);
                if (room) gc_to_garbage(h, o);
            }
        }
    }

    /* 10b. clear each, put it in the old generation (an object a broken clear leaves
     * alive is an ordinary object then) and drop our reference. Dropping it at once is
     * safe: our reference is the last only when no other garbage points to it any
     * more, and every member not reached yet is still held by us. */
    ohmi_alloc_defer_release(h, 1);   /* the pages this frees go back in one batch, at the end */
    for (size_t i = 0; i < u->len; i++) {
        ohm_object *o = u->items[i];
        if (gc_in_unreach(o)) {
            if (o->ohm_type->clear) o->ohm_type->clear(o);
            gc_make_old(h, o);
        }
        gc_decref(c, o);
    }
    ohmi_alloc_defer_release(h, 0);
    res->collected = res->found - res->uncollectable;
    u->len = 0;
}

static double gc_now(void) {
    return (double)ohmi_os_now_ns() * 1e-9;
}

static void gc_run_callbacks(ohm_heap *h, int phase, const ohm_gc_info *info) {
    struct gc_state *g = ohmi_gc_of(h);
    if (!g->ncallbacks) return;
    /* A callback may add or remove callbacks: run over a copy, in the second half of
     * the array (ohm_gc_add_callback makes it twice the room), so that running them
     * needs no memory. Collections do not nest (collecting), nor do these copies. */
    size_t n = g->ncallbacks;
    struct gc_callback_entry *cbs = g->callbacks + g->capcallbacks;
    memcpy(cbs, g->callbacks, n * sizeof *cbs);
    for (size_t i = 0; i < n; i++) cbs[i].cb(h, phase, info, cbs[i].arg);
}

/* The check of gc.h's invariants outside a collection (ohmi_gc_check, and the
 * expensive assertions after each collection). Every member of a young vector is a
 * live, tracked object labelled with its generation, its word its index. With walk,
 * the whole heap too: a tracked object is in exactly the generation its state says (a
 * young one at its index, an old one with word 0 and the mark parity), an untracked
 * one carries no generation, and tracked and frozen count them. The first violation
 * is described on out (may be NULL); nothing is allocated. */
struct gc_census { const struct gc_state *g; FILE *out; size_t tracked, frozen; int bad; };

static void gc_bad(FILE *out, int *bad, const char *fmt, ...) OHM_PRINTF(3, 4);
static void gc_bad(FILE *out, int *bad, const char *fmt, ...) {
    if ((*bad)++ || !out) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("ohmi_gc_check: ", out);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    va_end(ap);
}

static int gc_census_one(ohm_object *o, void *arg) {
    struct gc_census *c = arg;
    uint32_t b = o->ohm_bits, gen = b & GC_GENMASK, w = b >> OHM_GCWORD_SHIFT;
    const char *tn = o->ohm_type->name;
    if (!(b & OHM_F_TRACKED)) {
        if (b & (GC_GENMASK | GC_FROZEN))
            gc_bad(c->out, &c->bad, "<%s %p>: untracked, but in a generation (bits %#x)", tn, (void *)o, b);
        return c->bad;
    }
    c->tracked++;
    if (gc_is_grey(o)) {
        const ohmi_vec *gv = &c->g->incr.grey;
        if (!c->g->incr.phase || w >= gv->len || gv->items[w] != o)
            gc_bad(c->out, &c->bad, "<%s %p>: grey, but not at slot %u of an incremental cycle's stack",
                   tn, (void *)o, w);
    } else if (gen == GC_UNREACH) {
        gc_bad(c->out, &c->bad, "<%s %p>: in the unreachable set outside a collection", tn, (void *)o);
    } else if (gen) {
        const ohmi_vec *v = &c->g->young[gen == GC_GEN1];
        int k = gen == GC_GEN1;
        if (b & GC_FROZEN)
            gc_bad(c->out, &c->bad, "<%s %p>: in generation %d and frozen", tn, (void *)o, k);
        else if (w >= v->len || v->items[w] != o)
            gc_bad(c->out, &c->bad, "<%s %p>: says young[%d] slot %u, which holds %p (%zu members)",
                   tn, (void *)o, k, w, w < v->len ? (void *)v->items[w] : NULL, v->len);
    } else if (b & GC_FROZEN) {
        c->frozen++;
        if (w) gc_bad(c->out, &c->bad, "<%s %p>: frozen with word %u, not 0", tn, (void *)o, w);
    } else if (c->g->incr.phase) {
        /* an incremental cycle under way: an old object's word and mark are its own */
    } else if (w) {
        gc_bad(c->out, &c->bad, "<%s %p>: old with word %u, not 0", tn, (void *)o, w);
    } else if ((b & GC_MARK) != c->g->mark_parity) {
        gc_bad(c->out, &c->bad, "<%s %p>: old with mark %u, the parity is %u", tn, (void *)o,
               (b & GC_MARK) != 0, c->g->mark_parity != 0);
    }
    return c->bad;
}

static int gc_check(ohm_heap *h, int walk, FILE *out) {
    const struct gc_state *g = ohmi_gc_of(h);
    int bad = 0;
    for (int k = 0; k < 2 && !bad; k++) {
        const ohmi_vec *v = &g->young[k];
        uint32_t want = OHM_F_TRACKED | (k ? GC_GEN1 : GC_GEN0);
        for (size_t i = 0; i < v->len && !bad; i++) {
            const ohm_object *o = v->items[i];
            if (!o || !ohmi_alloc_live(o)) {
                gc_bad(out, &bad, "young[%d] slot %zu: %p is not a live object", k, i, (const void *)o);
                break;
            }
            uint32_t b = o->ohm_bits;
            if ((b & (OHM_F_TRACKED | GC_GENMASK | GC_FROZEN)) != want || (b >> OHM_GCWORD_SHIFT) != i)
                gc_bad(out, &bad, "young[%d] slot %zu: <%s %p> has bits %#x, word %u (want generation %d, word %zu)",
                       k, i, o->ohm_type->name, (const void *)o, b & OHM_FLAG_MASK,
                       b >> OHM_GCWORD_SHIFT, k, i);
        }
    }
    if (bad || !walk) return bad;
    if (g->tracked < g->frozen + g->young[0].len + g->young[1].len) {
        gc_bad(out, &bad, "tracked %zu < frozen %zu + young %zu + %zu", g->tracked, g->frozen,
               g->young[0].len, g->young[1].len);
        return bad;
    }
    struct gc_census c = { g, out, 0, 0, 0 };
    ohmi_alloc_walk_objects(h, 1, gc_census_one, &c);
    if (c.bad) return c.bad;
    if (c.tracked != g->tracked)
        gc_bad(out, &bad, "%zu tracked objects found, %zu counted", c.tracked, g->tracked);
    else if (c.frozen != g->frozen)
        gc_bad(out, &bad, "%zu frozen objects found, %zu counted", c.frozen, g->frozen);
    return bad;
}

int ohmi_gc_check(ohm_heap *h, FILE *out) {
    if (ohmi_gc_of(h)->collecting || ohmi_gc_of(h)->deferring) return 0;   /* words in use */
    return gc_check(h, 1, out);
}

/* ================================================ the young trigger policy
 *
 * CPython's rule (OHM_GC_POLICY_CPYTHON, and any heap whose program set thresholds):
 * generation 0 is collected whenever count[0] passes threshold[0], 2000 by default.
 * A program that builds a large structure then has every new object examined by a
 * young collection (and promoted, and examined again by generation 1), however little
 * garbage those collections find: building a binary tree of 512k nodes, each node is a
 * candidate 2.7 times, ~23 ns per node, more than allocating and freeing it.
 *
 * The adaptive policy (the default) moves the threshold in effect, young_threshold,
 * by what each automatic young collection found, for its cost is the objects it
 * examines and its yield the garbage among them:
 *  - under 1/64 of the candidates unreachable: the threshold quadruples, up to twice
 *    the tracked objects (garbage left waiting stays within the size of the live
 *    heap, as a tracing collector lets its heap grow to twice what it keeps) and the
 *    24-bit index space of the young vectors (quadruples, not doubles: a structure
 *    of n objects then costs its young collections ~n/3 candidates while it grows,
 *    not ~n, and the cap is reached in half as many collections);
 *  - over 1/4 unreachable: it is back to threshold[0], the floor and starting point
 *    (a program that makes cyclic garbage gets CPython's rule at once: one long
 *    young collection, not a series of halving ones);
 *  - in between it stays.
 * Every full collection (automatic or not) starts it again from threshold[0]: the
 * heap was just measured, and a program that calls gc.collect() between phases
 * (build a structure, then churn garbage over it) does not carry a threshold grown
 * in one phase into the next, where its first young collection would be as long
 * as a full one.
 * Objects that die by reference counting before the next collection are never
 * examined: with the tree above, the threshold passes the tree's size during the
 * first tree, and the trees after it cost no collection at all. A program making
 * cyclic garbage keeps young collections at threshold[0], as CPython's rule does.
 * Generations 1 and 2 keep CPython's rule (threshold[1], threshold[2], the 25% rule).
 *
 * Probes. A threshold grown in a phase that made no garbage (a structure built) would
 * let the cycles of the next phase wait for as long: a program that builds a list of
 * 1M objects and then drops small cycles would have 2M of them pile up (peak RSS
 * twice as high, and one young collection of 2M objects). So while the threshold is
 * at least GC_PROBE_EVERY * GC_PROBE_MIN times threshold[0], every threshold/16 net
 * allocations the newest threshold[0] objects of generation 0 (the tail of young[0])
 * are collected alone, a probe: any set of objects can be collected on its own, as a
 * young generation is (references from outside it make roots). A probe finding over
 * 1/4 of its window unreachable takes the threshold back to threshold[0] (so the next
 * allocation collects generation 0 whole, at most threshold/16 objects); 1/64 or more
 * divides it by 4; less leaves it. A probe is a collection of generation 0 in the
 * statistics and callbacks, but it moves no object and resets no count. Its cost: a
 * window per threshold/16 allocations, under 1/8 of the objects in the worst case
 * (the threshold at its lowest for probes) and 1/512 for a threshold of 1M against
 * 2000: the binary trees above pay ~1/100 of a young collection per node.
 */
#define GC_YOUNG_MAX (OHM_GCWORD_MAX / 2)
#define GC_PROBE_EVERY 16   /* probes per threshold's worth of allocations */
#define GC_PROBE_MIN 8      /* windows per probe interval, at least */

/* The next probe, from count[0] now, and the trigger: the threshold or the probe. */
static void gc_schedule_probe(struct gc_state *g) {
    size_t t = g->young_threshold, every = t / GC_PROBE_EVERY;
    g->probe_at = g->policy == OHM_GC_POLICY_ADAPTIVE && g->threshold[0] &&
                  every >= GC_PROBE_MIN * (size_t)g->threshold[0]
                  ? g->count[0] + every : SIZE_MAX;
    g->trigger0 = g->stress ? 0 : (unsigned)(g->probe_at < t ? g->probe_at : t);
}

static void gc_set_young_threshold(struct gc_state *g, unsigned t) {
    g->young_threshold = t;
    gc_schedule_probe(g);
}

/* After an automatic collection of generation 0 or 1 that examined cand objects and
 * found `found` unreachable. */
static void gc_adapt_young(struct gc_state *g, size_t cand, size_t found) {
    if (g->policy != OHM_GC_POLICY_ADAPTIVE || !cand) return;
    size_t t = g->young_threshold, floor = g->threshold[0];
    if (found * 64 < cand) {
        size_t cap = 2 * g->tracked < GC_YOUNG_MAX ? 2 * g->tracked : GC_YOUNG_MAX;
        t = 4 * t < cap ? 4 * t : cap;
        if (t < floor) t = floor;
    } else if (found * 4 > cand) {
        t = floor;
    }
    gc_set_young_threshold(g, (unsigned)t);
}

static size_t gc_collect(ohm_heap *h, int gen, ohmi_vec *part, size_t from);

/* A probe of the newest threshold[0] objects of generation 0 (count[0] passed probe_at). */
static void gc_probe_young(ohm_heap *h) {
    struct gc_state *g = ohmi_gc_of(h);
    size_t n = g->young[0].len, w = g->threshold[0], t = g->young_threshold;
    if (n > w) {
        size_t cand = g->stats[0].candidates;
        size_t found = gc_collect(h, 0, &g->young[0], n - w);
        cand = g->stats[0].candidates - cand;
        if (found * 4 > cand) t = w;
        else if (found * 64 >= cand) t = t / 4 > w ? t / 4 : w;
    }
    gc_set_young_threshold(g, (unsigned)t);
}

/* After every full collection (automatic or not), and at the end of an incremental
 * cycle (gc_incr.c). */
void ohmi_gc_restart_young(struct gc_state *g) {
    if (g->policy == OHM_GC_POLICY_ADAPTIVE) gc_set_young_threshold(g, g->threshold[0]);
}

void ohmi_gc_set_threshold(ohm_heap *h, unsigned t0, unsigned t1, unsigned t2) {
    struct gc_state *g = ohmi_gc_of(h);
    g->threshold[0] = t0;
    g->threshold[1] = t1;
    g->threshold[2] = t2;
    g->policy = OHM_GC_POLICY_CPYTHON;
    gc_set_young_threshold(g, t0);
}

/* A collection of generation gen, or a part of it (gc_collect_main). */
static size_t gc_collect(ohm_heap *h, int gen, ohmi_vec *part, size_t from) {
    struct gc_state *g = ohmi_gc_of(h);
    /* Objects on the release path's deferred stack (obj/object.c's trashcan) have their
     * rc and bits words borrowed for links: no walk may look at them, so a collection
     * waits until that stack is drained. */
    if (g->collecting || ohmi_base_of(h)->destroying || g->deferring || !g->hooks) return 0;
    g->collecting = 1;
    /* a full collection needs gc.h's invariants; what the dropped cycle held and the
     * program had dropped was unreachable: it counts as found */
    size_t dropped = gen == 2 ? ohmi_gc_incr_abort(h) : 0;
    ohm_gc_info info = { gen, 0, 0 };
    gc_run_callbacks(h, OHM_GC_START, &info);
    if (g->debug & OHM_GC_DEBUG_STATS) {
        size_t old = g->tracked - g->frozen - g->young[0].len - g->young[1].len;
        fprintf(stderr, "gc: collecting generation %d...\n", gen);
        fprintf(stderr, "gc: objects in each generation: %zu %zu %zu\n",
                g->young[0].len, g->young[1].len, old);
        fprintf(stderr, "gc: objects in permanent generation: %zu\n", g->frozen);
    }
    double t0 = gc_now();
    gc_result res = { 0, 0, 0, 0 };
    gc_collect_main(h, gen, part, from, &res);
    if (gen == 2) ohmi_gc_restart_young(g);
    res.found += dropped;
    res.collected += dropped;
    if (gen == 2 && g->hooks->after_full) g->hooks->after_full(h);
    OHMI_ASSERT_INTERNAL(g->tracked >= g->frozen + g->young[0].len + g->young[1].len);
    /* the whole heap walked again only after a full collection, which walked it anyway */
    OHMI_ASSERT_EXPENSIVE(gc_check(h, gen == 2, stderr) == 0);
    OHMI_ASSERT_EXPENSIVE(ohmi_alloc_check(h, stderr) == 0);
    double dt = gc_now() - t0;
    ohm_gc_stats *st = &g->stats[gen];
    st->collections++;
    st->collected += res.collected;
    st->uncollectable += res.uncollectable;
    st->candidates += res.candidates;
    st->duration += dt;
    if (g->debug & OHM_GC_DEBUG_STATS)
        fprintf(stderr, "gc: done, %zu unreachable, %zu uncollectable, %.4fs elapsed\n",
                res.found, res.uncollectable, dt);
    info.collected = res.collected;
    info.uncollectable = res.uncollectable;
    gc_run_callbacks(h, OHM_GC_STOP, &info);
    ohmi_vec_trim(&g->unreach, res.found);
    ohmi_vec_trim(&g->stack, 0);
    ohmi_vec_trim(&g->young[0], 0);
    ohmi_vec_trim(&g->young[1], 0);
    gc_schedule_probe(g);   /* from the count now (0 after a collection of generation 0) */
    g->collecting = 0;
    return res.found;
}

size_t ohmi_gc_collect_generation(ohm_heap *h, int gen) {
    OHMI_ASSERT(gen >= 0 && gen <= 2);
    return gc_collect(h, gen, NULL, 0);
}

/* A group of an incremental cycle's candidates, from inside its step (which set
 * gc.collecting): collected alone, its survivors old. What it frees counts in the
 * full collections' statistics (the cycle is one collection there); no callbacks run
 * (the program asked for no collection). */
size_t ohmi_gc_collect_group(ohm_heap *h, ohmi_vec *group) {
    struct gc_state *g = ohmi_gc_of(h);
    OHMI_ASSERT_INTERNAL(g->collecting && g->incr.phase == GC_INCR_CLOSE);
    gc_result res = { 0, 0, 0, 0 };
    gc_collect_main(h, 1, group, 0, &res);
    g->stats[2].collected += res.collected;
    g->stats[2].uncollectable += res.uncollectable;
    ohmi_vec_trim(&g->unreach, res.found);
    ohmi_vec_trim(&g->stack, 0);
    return res.found;
}

/* Incremental mode: a step of the cycle under way after each automatic collection, in
 * what is left of the budget. The step stops at 5/8 of it: the clock is read between
 * units (a pool, 16 objects, 1024 items of a list), and the last one may run past the
 * deadline. When the young collections before it used that much already (a
 * generation-1 collection), the step waits for the next trigger, but only up to 4
 * times in a row: then it takes 5/8 of a budget of its own, so that a cycle ends even
 * where every young collection takes longer than the budget (a sanitizer build). */
static void gc_incr_auto_step(ohm_heap *h, uint64_t t0) {
    struct gc_incr *in = &ohmi_gc_of(h)->incr;
    if (!in->on || !in->phase) return;
    uint64_t part = in->budget_ns - in->budget_ns * 3 / 8, deadline = t0 + part, now = ohmi_os_now_ns();
    if (now >= deadline) {
        if (in->deferred < 4) {
            in->deferred++;
            return;
        }
        deadline = now + part;
    }
    in->deferred = 0;
    ohmi_gc_incr_step(h, deadline);
}

/* CPython's collect_generations: the oldest generation over its threshold, except that
 * a full collection waits until the long-lived pending objects exceed 25% of the
 * long-lived total (so full collections stay linear overall). Generation 0's
 * threshold is the one in effect (the policy's). */
void ohmi_gc_collect_auto(ohm_heap *h) {
    struct gc_state *g = ohmi_gc_of(h);
    uint64_t t0 = g->incr.on ? ohmi_os_now_ns() : 0;
    int collected = 0;
    for (int i = 2; i >= 0 && !collected; i--) {
        if (g->count[i] > (i ? g->threshold[i] : g->young_threshold)) {
            if (i == 2 && g->long_lived_pending < g->long_lived_total / 4) continue;
            if (i == 2 && g->incr.on) { ohmi_gc_incr_start(h); continue; }   /* by steps: below */
            size_t cand = g->stats[i].candidates;
            size_t found = gc_collect(h, i, NULL, 0);
            if (i < 2) gc_adapt_young(g, g->stats[i].candidates - cand, found);
            collected = 1;
        }
    }
    if (!collected && g->count[0] > g->probe_at) gc_probe_young(h);
    gc_incr_auto_step(h, t0);
}

/* ======================================================= init / fini */

void ohmi_gc_set_hooks(ohm_heap *h, const struct ohmi_gc_hooks *hooks) {
    ohmi_gc_of(h)->hooks = hooks;
}

int ohmi_gc_init(ohm_heap *h) {
    struct gc_state *g = ohmi_gc_of(h);
    memset(g, 0, sizeof *g);
    for (int i = 0; i < 3; i++) g->threshold[i] = ohmi_base_of(h)->cfg.gc_threshold[i];
    g->enabled = ohmi_base_of(h)->cfg.gc_enabled;
    g->stress = ohmi_base_of(h)->cfg.gc_stress != 0;
    g->policy = ohmi_base_of(h)->cfg.gc_policy;
    g->tentative_max = OHM_GCWORD_MAX;
    gc_set_young_threshold(g, g->threshold[0]);
    g->incr.on = ohmi_base_of(h)->cfg.gc_incremental != 0;
    unsigned us = ohmi_base_of(h)->cfg.gc_budget_us;
    g->incr.budget_ns = (uint64_t)(us ? us : 1000) * 1000;
    g->incr.grey.small_pages = g->incr.group.small_pages = 1;   /* filled step by step */
    return 0;
}

void ohmi_gc_fini(ohm_heap *h) {
    struct gc_state *g = ohmi_gc_of(h);
    /* the heap dies whole: the objects (the garbage too) go with ohmi_alloc_fini */
    ohmi_gc_incr_fini(h);
    ohmi_vec_free(&g->young[0]);
    ohmi_vec_free(&g->young[1]);
    ohmi_vec_free(&g->stack);
    ohmi_vec_free(&g->unreach);
    free(g->callbacks);
    g->callbacks = NULL;
    g->ncallbacks = g->capcallbacks = 0;
    ohmi_vec_free(&g->garbage);
}
