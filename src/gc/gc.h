/*
 * gc.h — the cycle collector: the layer above trace/ (gc.c). Weak references, the
 * gc module's surface and ohm_gc_explain live above it (obj/weakref.c, api/); what
 * the collector needs from them comes through struct ohmi_gc_hooks.
 *
 * The one invariant everything below keeps: a GC object carries no collector memory of
 * its own. Its state lives in the 16-byte header (flags GC0..GC3 and the 24-bit word of
 * ohm_bits); the young generations are pointer vectors outside the heap; the old
 * generation is "every tracked object in no vector", found by walking the GC pools.
 *
 * State of a tracked object (bits & (GC0|GC1|FROZEN)), outside a collection:
 *   GC0         generation 0; the word is its index in young[0]
 *   GC1         generation 1; the word is its index in young[1]
 *   FROZEN      the permanent generation (gc.freeze); word 0
 *   none        the old generation (2); word 0
 *   GC0|GC1     in the unreachable set of the collection under way; word scratch
 *   GC0|GC1|FROZEN  grey, during an incremental cycle (gc_incr.c): old, marked, its
 *               word its index in the cycle's grey stack (in its sweep and close
 *               phases: a candidate, its word its index there)
 * GC_MARK, outside a collection: equal to gc.mark_parity on objects of the old
 * generation (what the last full collection wrote on its survivors: the next one flips
 * the parity, so nothing needs clearing), clear on all others. During a collection the
 * word of each member of the collected set holds its count of references from other
 * members (saturating at OHM_GCWORD_MAX, which then reads "referenced from outside").
 */
#ifndef OHM_GC_H
#define OHM_GC_H

#include "trace/trace.h"

#define GC_GEN0    OHM_F_GC0
#define GC_GEN1    OHM_F_GC1
#define GC_GENMASK (OHM_F_GC0 | OHM_F_GC1)
#define GC_UNREACH (OHM_F_GC0 | OHM_F_GC1)
#define GC_FROZEN  OHM_F_GC2
#define GC_MARK    OHM_F_GC3
/* Grey: an old object an incremental cycle has marked and not yet traversed (gc_incr.c),
 * with its index in the cycle's grey stack as its word; a state no other object has. */
#define GC_GREY    (GC_UNREACH | GC_FROZEN)
static inline int gc_is_grey(const ohm_object *o) {
    return (o->ohm_bits & (GC_GENMASK | GC_FROZEN)) == GC_GREY;
}
/* In the unreachable set of the collection under way (not grey). */
static inline int gc_is_unreach_state(const ohm_object *o) {
    return (o->ohm_bits & (GC_GENMASK | GC_FROZEN)) == GC_UNREACH;
}

struct gc_callback_entry { ohm_gc_callback cb; void *arg; };

/* How the collector sees two container shapes it walks inline (no traverse call):
 * len references right after the header (a tuple), or len references through a
 * pointer (a list). obj/obj_impl.h checks that its tuple and list match. */
struct ohmi_gc_inline_array { ohm_object ob; size_t len; ohm_object *items[]; };
struct ohmi_gc_ptr_array { ohm_object ob; size_t len; size_t cap; ohm_object **items; };

/* What the collector needs from the object layer above it (ohmi_gc_set_hooks). */
struct ohmi_gc_hooks {
    /* a reference the collector dropped was the last: release o (ohm_release_) */
    void (*release)(ohm_object *o);
    /* a reference dropped from a count already at 0 (ohm_refcount_error_) */
    void (*refcount_error)(ohm_object *o);
    /* the types walked inline (struct ohmi_gc_inline_array / ohmi_gc_ptr_array) */
    const ohm_type *inline_array_type, *ptr_array_type;
    /* containers a collection untracks when they hold no GC object (CPython's atomic
     * tuples and dicts): untrack_candidate(o) is asked only for these two types */
    const ohm_type *untrack_type[2];
    int  (*untrack_candidate)(const ohm_object *o);
    /* weak references to garbage o: clear every one, and append those that have a
     * callback and are not garbage themselves to the chain *cbs (first, last), each
     * with a reference held. The chain runs through the cleared weakrefs themselves:
     * it needs no memory, so no callback is lost when memory runs out. */
    void (*weakref_clear)(ohm_heap *h, ohm_object *o, ohm_object *cbs[2]);
    /* the weakref after ref in such a chain (NULL at the end); read it before running
     * ref's callback */
    ohm_object *(*weakref_next)(ohm_object *ref);
    /* run the callback of a weakref chained by weakref_clear */
    void (*weakref_callback)(ohm_object *ref);
    /* after a full collection (the free lists are emptied there); may be NULL */
    void (*after_full)(ohm_heap *h);
};

/* The incremental mode's state (gc_incr.c; docs/gc.md, "Incremental mode"). */
enum { GC_INCR_IDLE, GC_INCR_COUNT, GC_INCR_MARK, GC_INCR_SWEEP, GC_INCR_CLOSE };
struct gc_incr {
    int on;                     /* cfg.gc_incremental: full collections go by steps */
    int phase;                  /* GC_INCR_*: IDLE, or a cycle under way */
    uint64_t budget_ns;         /* a step's time (cfg.gc_budget_us) */
    uintptr_t *arenas;          /* the arenas of the cycle's start: what it walks */
    size_t narenas;
    size_t arena;               /* the walk's place: arenas[arena], pool `pool` */
    unsigned pool;
    ohmi_vec grey;              /* marked, not traversed yet (GC_GREY); NULL: released.
                                   In the sweep and close phases: the candidates, in
                                   the same state */
    ohmi_vec group;             /* close: the group being collected (gc_incr.c) */
    ohmi_vec big;               /* long arrays traversed a chunk per unit, each with a
                                   reference held; the last one's next item: big_next */
    size_t big_next;
    size_t survivors, demoted;  /* the cycle's sweep so far */
    size_t groups, largest;     /* the close phase's groups so far, the largest's size */
    double duration;            /* the cycle's steps so far, seconds */
    size_t steps;               /* steps taken, all cycles (for tests and benchmarks) */
    unsigned deferred;          /* steps put off in a row: the budget was used up by the
                                   young collections before them (gc.c) */
};

struct gc_state {
    ohmi_vec young[2];          /* generations 0 and 1 */
    size_t tracked;             /* tracked objects, all generations, frozen included */
    size_t frozen;              /* objects in the permanent generation */
    size_t count[3];            /* [0] allocations - deallocations; [1],[2] collections
                                   of the younger generation since this one's last */
    unsigned threshold[3];
    int enabled;
    int collecting;             /* a collection is under way: nested ones return 0 */
    unsigned debug;             /* OHM_GC_DEBUG_* */
    uint32_t mark_parity;       /* GC_MARK or 0: the mark of old-generation objects */
    size_t long_lived_total;    /* survivors of the last full collection */
    size_t long_lived_pending;  /* promoted to the old generation since */
    ohm_gc_stats stats[3];
    struct gc_callback_entry *callbacks;   /* capcallbacks of them, then as many for a
                                              collection to copy them to (gc_run_callbacks) */
    size_t ncallbacks, capcallbacks;
    ohmi_vec garbage;           /* uncollectable (and saved) objects, each with a
                                   reference, not yet handed to gc.garbage (api/) */
    ohmi_vec stack;             /* scratch: the mark stack */
    ohmi_vec unreach;           /* scratch: the unreachable set of a collection */
    const struct ohmi_gc_hooks *hooks; /* the object layer's (ohmi_gc_set_hooks) */
    int deferring;              /* the object layer is releasing deferred objects whose
                                   header words it borrowed: no collection may start */
    unsigned trigger0;          /* what gc_on_new_h compares count[0] with: young_threshold
                                   or probe_at, the lower, or 0 under stress (every
                                   tracked allocation is due) */
    unsigned young_threshold;   /* threshold 0 in effect: threshold[0] under CPython's rule;
                                   the adaptive policy moves it (gc.c, gc_adapt_young) */
    size_t probe_at;            /* count[0] past which the next probe runs (gc.c, "the
                                   young trigger policy"); SIZE_MAX: none */
    int policy;                 /* OHM_GC_POLICY_ADAPTIVE or _CPYTHON (cfg.gc_policy);
                                   ohmi_gc_set_threshold makes it _CPYTHON */
    size_t tentative_max;       /* a full collection's tentative entries the 24-bit word
                                   can index: OHM_GCWORD_MAX (tests lower it, to run the
                                   sweep walk that takes the rest) */
    int stress;                 /* cfg.gc_stress: collect at every tracked allocation */
    int stress_next;            /* the generation the next stress collection takes */
    struct gc_incr incr;        /* incremental mode (gc_incr.c) */
};

/* The heap as the collector sees it: the tracer's view, then the collector's state. */
struct ohmi_gc_heap {
    struct ohmi_trace_heap trace;
    struct gc_state gc;
};
static inline struct gc_state *ohmi_gc_of(const ohm_heap *h) {
    return &((struct ohmi_gc_heap *)(uintptr_t)h)->gc;
}

int  ohmi_gc_init(ohm_heap *h);
void ohmi_gc_set_hooks(ohm_heap *h, const struct ohmi_gc_hooks *hooks);
void ohmi_gc_fini(ohm_heap *h);
/* A new object of a GC type was allocated and initialized: track it, count it, and
 * maybe collect (the new object is held by the caller). */
void ohmi_gc_on_new(ohm_object *o);
/* An object is being released (rc reached zero, finalizer done): untrack it. */
void ohmi_gc_on_release(ohm_object *o);

/* ---- the incremental mode (gc_incr.c) ----
 * A cycle of it is a full collection's count, mark and sweep passes over the old
 * generation done in steps between which the program runs; its sweep makes what it
 * could not prove reachable a candidate, and the closing steps collect the candidates
 * in groups closed under reachability among them, each on its own and at once
 * (ohmi_gc_collect_group). docs/gc.md says why that frees nothing live. */
/* Start a cycle if none is under way (the automatic policy chose a full collection). */
void ohmi_gc_incr_start(ohm_heap *h);
/* One step of the cycle under way, until the clock passes deadline_ns
 * (ohmi_os_now_ns); deadline 0: the smallest step (stress mode, tests). */
void ohmi_gc_incr_step(ohm_heap *h, uint64_t deadline_ns);
/* Drop the cycle under way and restore the invariants above (a full collection, a
 * freeze or an unfreeze is about to need them). The long arrays it held go back: one
 * the program dropped meanwhile is released there. */
size_t ohmi_gc_incr_abort(ohm_heap *h);   /* returns the tracked objects its releases freed */
void ohmi_gc_incr_fini(ohm_heap *h);
/* Collect a group of candidates alone (gc.c): group->items[i] has the label GC_UNREACH
 * and the word i; called inside a step, with gc.collecting set. Survivors become old;
 * the group is left empty. Returns what it found unreachable. */
size_t ohmi_gc_collect_group(ohm_heap *h, ohmi_vec *group);
/* The young-generation policy's restart after a full collection or a cycle (gc.c). */
void ohmi_gc_restart_young(struct gc_state *g);
/* A grey object leaves the collector's view (released or untracked): its slot in the
 * grey stack is emptied (ohmi_gc_unplace). */
void ohmi_gc_incr_ungrey(ohm_heap *h, ohm_object *o);

/* ---- the collector's state words, for the layers above too ---- */

static inline uint32_t gc_word(const ohm_object *o) { return o->ohm_bits >> OHM_GCWORD_SHIFT; }
static inline void gc_set_word(ohm_object *o, uint32_t w) {
    o->ohm_bits = (o->ohm_bits & OHM_FLAG_MASK) | (w << OHM_GCWORD_SHIFT);
}
static inline int gc_is_gc_type(const ohm_object *o) {
    return o->ohm_type && (o->ohm_type->flags & OHM_TYPE_GC);
}

/* Track o in generation 0 (or the old generation when the vector can't take it). */
void ohmi_gc_track_young(ohm_heap *h, ohm_object *o);
/* Put a tracked object into generation gen (0, 1 or 2), with the right flags and word. */
void ohmi_gc_place(ohm_heap *h, ohm_object *o, int gen);
/* Take a tracked object out of whatever generation holds it; it stays tracked in no
 * generation (flags and word cleared) — the caller re-places or untracks it. */
void ohmi_gc_unplace(ohm_heap *h, ohm_object *o);
/* Generation of a tracked object: 0, 1, 2, 3 for frozen, -1 unreachable set. */
int  ohmi_gc_generation_of(const ohm_object *o);
/* The collection itself (gc.c); generation 0..2. */
size_t ohmi_gc_collect_generation(ohm_heap *h, int generation);
/* Automatic collection after an allocation pushed count[0] past threshold 0. */
void ohmi_gc_collect_auto(ohm_heap *h);
/* ohm_gc_set_threshold: the thresholds as given, CPython's rule from now on (the
 * adaptive policy no longer moves threshold 0: the program chose it). */
void ohmi_gc_set_threshold(ohm_heap *h, unsigned t0, unsigned t1, unsigned t2);
/* The check of the invariants above over the whole heap (ohm_heap_check's part): the
 * young vectors against their members' words, every GC object's state, and the
 * tracked and frozen counts. 0 when they hold; else nonzero, the first violation
 * described on out (may be NULL). O(heap); allocates nothing. During a collection (or
 * while deferred releases borrow header words) the words are in use: returns 0. */
int  ohmi_gc_check(ohm_heap *h, FILE *out);
/* Print "<type 0xaddr>". */
void ohmi_gc_print_object(FILE *out, const ohm_object *o);

/* ---- the per-object hooks, inline: the fast paths of ohmi_gc_on_new and
 * ohmi_gc_on_release for callers that already hold the heap (object creation, the
 * free-list pops, ohm_release_).
 *
 * gc_on_new_h: a push onto young[0] when it has room (and the index fits the 24-bit
 * word): the object's state becomes TRACKED | GC0 with its index as the word, and
 * GC_MARK clear (generation 0 never carries the mark). The collection trigger is
 * tested inline too; only a full vector or a due collection take the call.
 * gc_on_release_h: a tracked member of young[0] or young[1] leaves by swap-remove (the
 * last member takes its slot and its index), an old object only has its state
 * cleared; everything else (untracked, frozen, the unreachable set of a collection
 * under way) takes ohmi_gc_on_release_h_slow.
 * Both keep exactly what ohmi_gc_on_new/ohmi_gc_on_release do (gc.h's invariants).
 */
void ohmi_gc_on_new_h_slow(ohm_heap *h, ohm_object *o);
void ohmi_gc_on_release_h_slow(ohm_heap *h, ohm_object *o);
/* count[0] went past trigger0 with the collector enabled: collect if allowed (under
 * stress, one generation in turn). */
void ohmi_gc_collect_due(ohm_heap *h);

static inline void gc_on_new_h(ohm_heap *h, ohm_object *o) {
    OHMI_ASSERT_INTERNAL(!(o->ohm_bits & OHM_F_TRACKED));   /* else it would be listed twice */
    struct gc_state *g = ohmi_gc_of(h);
    ohmi_vec *v = &g->young[0];
    size_t i = v->len;
    if (OHM_UNLIKELY(i >= v->cap) || OHM_UNLIKELY(i >= OHM_GCWORD_MAX)) {
        ohmi_gc_on_new_h_slow(h, o);
        return;
    }
    v->items[i] = o;
    v->len = i + 1;
    o->ohm_bits = (o->ohm_bits & (OHM_FLAG_MASK & ~(uint32_t)(GC_GENMASK | GC_FROZEN | GC_MARK))) |
                  OHM_F_TRACKED | GC_GEN0 | (uint32_t)i << OHM_GCWORD_SHIFT;
    g->tracked++;
    if (OHM_UNLIKELY(++g->count[0] > g->trigger0) && g->enabled) ohmi_gc_collect_due(h);
}

static inline void gc_on_release_h(ohm_heap *h, ohm_object *o) {
    struct gc_state *g = ohmi_gc_of(h);
    uint32_t b = o->ohm_bits;
    uint32_t st = b & (OHM_F_TRACKED | GC_GENMASK | GC_FROZEN);
    /* TRACKED and exactly one of GC0, GC1: (b & 0x31) is 0x11 or 0x21 */
    if (OHM_LIKELY(((st - (OHM_F_TRACKED | GC_GEN0)) & ~(uint32_t)(GC_GEN1 - GC_GEN0)) == 0)) {
        ohmi_vec *v = &g->young[(b & GC_GEN1) != 0];
        size_t i = b >> OHM_GCWORD_SHIFT, n = --v->len;
        OHMI_ASSERT_INTERNAL(i <= n && v->items[i] == o);   /* the word is its index */
        ohm_object *last = v->items[n];
        v->items[i] = last;
        gc_set_word(last, (uint32_t)i);
    } else if (st != OHM_F_TRACKED) {
        /* untracked, frozen, or in the unreachable set of a collection under way */
        ohmi_gc_on_release_h_slow(h, o);
        return;
    }
    /* an old object: word 0, marked with the parity */
    OHMI_ASSERT_INTERNAL(st != OHM_F_TRACKED || g->incr.phase ||
                         ((b >> OHM_GCWORD_SHIFT) == 0 && (b & GC_MARK) == g->mark_parity));
    /* a young member removed above, or an old object: nothing to unlink */
    o->ohm_bits = b & (OHM_FLAG_MASK & ~(uint32_t)(OHM_F_TRACKED | GC_GENMASK | GC_FROZEN | GC_MARK));
    g->tracked--;
    if (g->count[0] > 0) g->count[0]--;
}

/* A container the collector untracked as atomic (a tuple or dict holding no GC
 * object) stores `item`: if item is of a GC type, the container may now be part of a
 * cycle, so it is tracked again. One rule for every storing function. */
static inline void gc_retrack_for(ohm_object *container, const ohm_object *item) {
    if ((item->ohm_type->flags & OHM_TYPE_GC) && !(container->ohm_bits & OHM_F_TRACKED) &&
        !OHM_IS_IMMORTAL(container))
        ohmi_gc_on_new(container);
}

#endif
