/*
 * gc_incr.c — the incremental mode (OHM_GC=incremental, cfg.gc_incremental): the full
 * collection's work over the old generation in steps of bounded time, between which
 * the program runs and changes the graph. docs/gc.md, "Incremental mode", has the
 * algorithm, its figure and the proof; in short:
 *
 *   start  flip gc.mark_parity: every old object now reads "unmarked" (white); what is
 *          promoted during the cycle gets the new parity (born marked). Note the
 *          arenas in use: the walks below go over them, one pool per unit of work.
 *   count  for each white object, add 1 to the word of each white object it refers to.
 *   mark   a white object whose refcount differs from its word is a root: mark it and
 *          push it on the grey stack (state GC_GREY, its word its slot; a release
 *          empties the slot); popping one traverses it: its white referents turn grey.
 *   sweep  a marked old object survives (it already has the parity and word 0 of an
 *          old object); a white one becomes a candidate: pushed on the grey stack
 *          (empty since the mark), in the grey state, which here means "candidate".
 *   close  groups: a candidate popped and every candidate it reaches through other
 *          candidates (the closure: a group closed under reachability among them) are
 *          collected on their own, at once, by trial deletion (ohmi_gc_collect_group,
 *          gc.c): references from outside the group make roots; survivors are old
 *          again, garbage is freed. As many groups per step as its time allows.
 *
 * The cycle only chooses candidates; freeing is left to the group collections, each
 * exact on its set at the instant it runs. So no mutation between steps, however the
 * counts or marks come out, can make it free a live object: a wrong choice costs time
 * (a live candidate's group is examined for nothing), never safety. Garbage that
 * existed when the cycle started is never mutated, so its counts are exact and nothing
 * marks it: every object of a garbage structure is a candidate, and the group of any
 * one of them holds all it reaches, so the whole structure is in one group, which
 * frees it. A step's pause is then bounded by the largest group, not by the number of
 * candidates.
 *
 * The state lives in the objects' header words, as a full collection's does (gc.h);
 * besides it, the arena list (8 bytes per MiB of heap), the grey stack and the group.
 */
#include "gc/gc.h"

#include <stdlib.h>

/* An old object: tracked, in no young vector, not frozen. */
static inline int incr_old(const ohm_object *o) {
    return (o->ohm_bits & (OHM_F_TRACKED | GC_GENMASK | GC_FROZEN)) == OHM_F_TRACKED;
}

/* White: old and not marked this cycle (its mark is the previous parity). */
static inline int incr_white(const struct gc_state *g, const ohm_object *o) {
    return incr_old(o) && (o->ohm_bits & GC_MARK) != g->mark_parity;
}

/* Referenced from outside the counted objects (gc.c's gc_is_root with no bias): a
 * count of 0 is an object being released, a saturated word proves nothing. */
static inline int incr_is_root(const ohm_object *o) {
    uint32_t w = gc_word(o), rc = o->ohm_rc;
    return rc == 0 || w == OHM_GCWORD_MAX || w != rc;
}

/* The unit budget of a step with no deadline (stress mode, tests): pools or batches
 * of grey objects. */
#define INCR_MIN_UNITS 4u

static int incr_over(uint64_t deadline, unsigned *units) {
    if (!deadline) return ++*units >= INCR_MIN_UNITS;
    return ohmi_os_now_ns() >= deadline;
}

/* ---- the passes, one object each (arg: the heap) ---- */

static int visit_count(ohm_object *r, void *arg) {
    if (r && incr_white(ohmi_gc_of(arg), r) && gc_word(r) != OHM_GCWORD_MAX)
        r->ohm_bits += 1u << OHM_GCWORD_SHIFT;
    return 0;
}

/* ---- long arrays: a chunk per unit of work ----
 * A list or tuple of the builtin shapes (gc.h) longer than INCR_CHUNK items is not
 * traversed in one go (a list of a million items would be a pause of its own): it is
 * held (a reference, so that it outlives the steps between) on the `big` vector and
 * traversed INCR_CHUNK items at a time, its items and length read again each time. */
#define INCR_CHUNK 1024

static ohm_object **incr_array(const struct gc_state *g, ohm_object *o, size_t *len) {
    const ohm_type *t = o->ohm_type;
    if (t == g->hooks->ptr_array_type) {
        struct ohmi_gc_ptr_array *a = (struct ohmi_gc_ptr_array *)o;
        *len = a->len;
        return a->items;
    }
    if (t == g->hooks->inline_array_type) {
        struct ohmi_gc_inline_array *a = (struct ohmi_gc_inline_array *)o;
        *len = a->len;
        return a->items;
    }
    return NULL;
}

/* o is a long array and is now held on `big` (0); -1: traverse it now. */
static int incr_hold_big(ohm_heap *h, struct gc_state *g, ohm_object *o) {
    size_t n;
    if (!incr_array(g, o, &n) || n <= INCR_CHUNK || (int32_t)o->ohm_rc <= 0 ||
        ohmi_vec_push(h, &g->incr.big, o) < 0)
        return -1;
    o->ohm_rc++;
    return 0;
}

/* Drop the reference `big` held (the last, maybe: o is released here then, as the
 * program would have released it when it dropped its own). */
static void incr_drop(struct gc_state *g, ohm_object *o) {
    uint32_t n = o->ohm_rc;
    if ((int32_t)n <= 0) return;   /* made immortal meanwhile */
    if ((o->ohm_rc = n - 1) == 0) g->hooks->release(o);
}

/* The next chunk of the last held array; done with it, drop it. */
static void incr_big_chunk(ohm_heap *h, ohm_visit_fn visit) {
    struct gc_state *g = ohmi_gc_of(h);
    struct gc_incr *in = &g->incr;
    ohm_object *o = in->big.items[in->big.len - 1];
    size_t n = 0, i = in->big_next;
    ohm_object **items = incr_array(g, o, &n);
    size_t end = n - i > INCR_CHUNK ? i + INCR_CHUNK : n;
    for (; i < end; i++) visit(items[i], h);
    if (end < n) {
        in->big_next = end;
        return;
    }
    in->big.len--;
    in->big_next = 0;
    incr_drop(g, o);
}

static inline int ph_count(ohm_object *o, void *arg) {
    struct gc_state *g = ohmi_gc_of(arg);
    if (incr_white(g, o) && o->ohm_type->traverse && incr_hold_big(arg, g, o) < 0)
        o->ohm_type->traverse(o, visit_count, arg);
    return 0;
}

/* Old and marked: word 0 and the parity, what an old object has outside a cycle. */
static inline void incr_blacken(const struct gc_state *g, ohm_object *o) {
    o->ohm_bits = (o->ohm_bits & (OHM_FLAG_MASK & ~(uint32_t)(GC_GENMASK | GC_FROZEN | GC_MARK))) |
                  g->mark_parity;
}

/* Push o on v with the state bits `state` and its slot as its word; with no room (or
 * no index), o is blackened instead: an old object marked, which survives the cycle. */
static void incr_push(ohm_heap *h, struct gc_state *g, ohmi_vec *v, ohm_object *o, uint32_t state) {
    size_t i = v->len;
    if (i >= OHM_GCWORD_MAX || ohmi_vec_push(h, v, o) < 0) {
        incr_blacken(g, o);
        return;
    }
    o->ohm_bits = (o->ohm_bits & (OHM_FLAG_MASK & ~(uint32_t)(GC_GENMASK | GC_FROZEN | GC_MARK))) |
                  state | (uint32_t)i << OHM_GCWORD_SHIFT;
}

/* Mark o and queue it for traversal: grey, its word its slot in the grey stack. The
 * stack holds no reference (the program's releases stay where the program makes
 * them): a grey object that is released or untracked empties its slot instead
 * (ohmi_gc_incr_ungrey). With no room in the stack, o is only marked; its referents,
 * not marked by it, become candidates, which the close checks. */
static void incr_grey(ohm_heap *h, struct gc_state *g, ohm_object *o) {
    incr_push(h, g, &g->incr.grey, o, g->mark_parity | GC_GREY);
}

void ohmi_gc_incr_ungrey(ohm_heap *h, ohm_object *o) {
    ohmi_vec *s = &ohmi_gc_of(h)->incr.grey;
    uint32_t i = gc_word(o);
    OHMI_ASSERT_INTERNAL(i < s->len && s->items[i] == o);
    s->items[i] = NULL;
    incr_blacken(ohmi_gc_of(h), o);
}

static int visit_mark(ohm_object *r, void *arg) {
    struct gc_state *g = ohmi_gc_of(arg);
    if (r && incr_white(g, r)) incr_grey(arg, g, r);
    return 0;
}

static inline int ph_mark(ohm_object *o, void *arg) {
    struct gc_state *g = ohmi_gc_of(arg);
    if (incr_white(g, o) && incr_is_root(o)) incr_grey(arg, g, o);
    return 0;
}

/* Traverse chunks of held arrays, then grey objects (visit: the phase's), until both
 * are done (1) or the step's time is out (0). The arrays go first: a long list's items
 * then turn grey in its order (usually the order of their addresses) and are popped
 * in that order, so a traversal reads them sequentially; a depth-first walk from each
 * chunk would reach most of them at random addresses, nearly twice as slow. */
static int incr_drain(ohm_heap *h, ohm_visit_fn visit, uint64_t deadline, unsigned *units) {
    struct gc_state *g = ohmi_gc_of(h);
    struct gc_incr *in = &g->incr;
    ohmi_vec *s = &in->grey;
    for (unsigned work = 0;;) {
        if (in->big.len) {
            incr_big_chunk(h, visit);
            work += 16;
        } else if (s->len) {
            ohm_object *o = s->items[--s->len];
            if (!o) continue;   /* released meanwhile */
            incr_blacken(g, o);
            if (o->ohm_type->traverse && incr_hold_big(h, g, o) < 0) o->ohm_type->traverse(o, visit, h);
            work++;
        } else {
            return 1;
        }
        if (work >= 16) {
            work = 0;
            if ((s->len || in->big.len) && incr_over(deadline, units)) return 0;
        }
    }
}

static inline int ph_sweep(ohm_object *o, void *arg) {
    struct gc_state *g = ohmi_gc_of(arg);
    if (!incr_old(o)) return 0;
    if (!incr_white(g, o)) {
        g->incr.survivors++;
        return 0;
    }
    /* not proven reachable: a candidate (with no room on the stack, incr_grey gives it
     * the parity of a survivor: the next cycle looks at it again) */
    incr_grey(arg, g, o);
    g->incr.demoted++;
    return 0;
}

/* ---- the close: groups of candidates ---- */

/* Candidate o joins the group being built: the label and word a part of the heap
 * collected alone has (gc.c, gc_collect_main). With no room, it survives (old). */
static void incr_group_add(ohm_heap *h, struct gc_state *g, ohm_object *o) {
    incr_push(h, g, &g->incr.group, o, GC_UNREACH);
}

/* A candidate referred to by a member joins the group (it leaves the stack). */
static int visit_group(ohm_object *r, void *arg) {
    if (r && gc_is_grey(r)) {
        struct gc_state *g = ohmi_gc_of(arg);
        g->incr.grey.items[gc_word(r)] = NULL;
        incr_group_add(arg, g, r);
    }
    return 0;
}

/* Collect groups until the candidates are done (1) or the step's time is out (0). */
static int incr_groups(ohm_heap *h, uint64_t deadline, unsigned *units) {
    struct gc_state *g = ohmi_gc_of(h);
    struct gc_incr *in = &g->incr;
    ohmi_vec *s = &in->grey, *grp = &in->group;
    while (s->len) {
        ohm_object *o = s->items[--s->len];
        if (!o) continue;   /* released meanwhile */
        incr_group_add(h, g, o);
        for (size_t i = 0; i < grp->len; i++)
            if (grp->items[i]->ohm_type->traverse) grp->items[i]->ohm_type->traverse(grp->items[i], visit_group, h);
        in->groups++;
        if (grp->len > in->largest) in->largest = grp->len;
        if (grp->len) ohmi_gc_collect_group(h, grp);
        if (s->len && incr_over(deadline, units)) return 0;
    }
    return 1;
}

/* ---- the walk: the cycle's arenas pool by pool, then the large objects ---- */

/* Span walkers: the pass inlined into the loop over a pool's slots (gc.c does the same
 * for full collections); ohmi_alloc_walk_pool, one call per object, under the tools. */
#define INCR_SPAN_FN(name, ph) \
    static void name(void *arg, char *p, size_t n, size_t stride) { \
        for (; n; n--, p += stride) \
            if (ohmi_alloc_live((ohm_object *)p)) ph((ohm_object *)p, arg); \
    }
INCR_SPAN_FN(span_count, ph_count)
INCR_SPAN_FN(span_mark, ph_mark)
INCR_SPAN_FN(span_sweep, ph_sweep)

static const struct incr_pass {
    ohm_object_fn fn;
    alloc_span_fn span;
} incr_passes[] = {
    [GC_INCR_COUNT] = { ph_count, span_count },
    [GC_INCR_MARK] = { ph_mark, span_mark },
    [GC_INCR_SWEEP] = { ph_sweep, span_sweep },
};

/* Walk on from where the last step stopped, the grey stack drained between pools.
 * 1 when the walk and the stack are done; 0 when the step's time ran out. */
static int incr_walk(ohm_heap *h, uint64_t deadline, unsigned *units) {
    struct gc_incr *in = &ohmi_gc_of(h)->incr;
    ohm_visit_fn visit = in->phase == GC_INCR_COUNT ? visit_count : visit_mark;
    const struct incr_pass *pass = &incr_passes[in->phase];
    ohm_object_fn fn = pass->fn;
    int drain = in->phase != GC_INCR_SWEEP;   /* the sweep's stack holds candidates */
    while (in->arena < in->narenas) {
        if (drain && (in->grey.len || in->big.len) && !incr_drain(h, visit, deadline, units)) return 0;
        uintptr_t ar = in->arenas[in->arena];
        if (ohmi_alloc_walk_pool_spans(h, ar, in->pool, pass->span, h) < 0)
            ohmi_alloc_walk_pool(h, ar, in->pool, fn, h);
        if (++in->pool == 64) {
            in->pool = 0;
            in->arena++;
        }
        if (incr_over(deadline, units)) return 0;
    }
    if (in->arena == in->narenas) {   /* the large objects, in one go (few, each big) */
        ohmi_alloc_walk_large(h, fn, h);
        in->arena++;
    }
    return !drain || incr_drain(h, visit, deadline, units);
}

static void incr_next_phase(struct gc_incr *in, int phase) {
    in->phase = phase;
    in->arena = 0;
    in->pool = 0;
}

static void incr_forget(struct gc_incr *in) {
    in->phase = GC_INCR_IDLE;
    free(in->arenas);
    in->arenas = NULL;
    in->narenas = 0;
}

/* ---- the cycle ---- */

void ohmi_gc_incr_start(ohm_heap *h) {
    struct gc_state *g = ohmi_gc_of(h);
    struct gc_incr *in = &g->incr;
    if (!in->on || in->phase || g->collecting || g->deferring || ohmi_base_of(h)->destroying)
        return;
    size_t n = ohmi_alloc_arenas(h, NULL, 0);
    uintptr_t *a = malloc((n ? n : 1) * sizeof *a);
    if (!a) return;   /* no cycle now; the policy asks again at the next trigger */
    in->arenas = a;
    in->narenas = ohmi_alloc_arenas(h, a, n);
    in->survivors = in->demoted = in->groups = in->largest = 0;
    in->duration = 0;
    /* room in the grey stack for every tracked object, as a full collection reserves
     * its unreachable vector: a mapping whose pages are touched only as far as the
     * stack grows, so that no step copies a stack of millions while it doubles. Half
     * as much again when it must move: the move unmaps the pages the last cycles
     * touched, which is not free, so it happens once per growth of the heap by half. */
    if (g->tracked * sizeof(ohm_object *) >= ((size_t)2 << 20) && g->tracked > in->grey.cap)
        (void)ohmi_vec_reserve(h, &in->grey, g->tracked + g->tracked / 2);
    g->count[2] = 0;
    g->mark_parity ^= GC_MARK;   /* every old object white; promotions born marked */
    incr_next_phase(in, GC_INCR_COUNT);
}

/* The cycle is over: it counts as one full collection. */
static void incr_finish(ohm_heap *h) {
    struct gc_state *g = ohmi_gc_of(h);
    struct gc_incr *in = &g->incr;
    ohm_gc_stats *st = &g->stats[2];
    incr_forget(in);
    /* The grey stack keeps its memory for the next cycle: giving back the pages the
     * cycle touched (~8 bytes per object marked through it at once, ~1 per object
     * of a random graph) would be one munmap of up to megabytes, half a millisecond in
     * this step at 10M objects. */
    ohmi_vec_trim(&in->big, 0);
    ohmi_vec_trim(&in->group, 0);
    st->collections++;
    st->candidates += in->survivors + in->demoted;
    st->duration += in->duration;
    g->long_lived_total = g->tracked - g->frozen - g->young[0].len - g->young[1].len;
    g->long_lived_pending = 0;
    ohmi_gc_restart_young(g);   /* as after a full collection (the young policy) */
}

void ohmi_gc_incr_step(ohm_heap *h, uint64_t deadline) {
    struct gc_state *g = ohmi_gc_of(h);
    struct gc_incr *in = &g->incr;
    if (!in->phase || g->collecting || g->deferring || ohmi_base_of(h)->destroying || !g->hooks)
        return;
    uint64_t t0 = ohmi_os_now_ns();
    unsigned units = 0;
    int finished = 0;
    g->collecting = 1;   /* no collection, nor another step, from inside this one */
    in->steps++;
    for (int more = 1; more;) {
        if (in->phase == GC_INCR_CLOSE) {
            finished = incr_groups(h, deadline, &units);
            break;
        }
        if (!incr_walk(h, deadline, &units)) break;
        incr_next_phase(in, in->phase + 1);
        more = !incr_over(deadline, &units);
    }
    in->duration += (double)(ohmi_os_now_ns() - t0) * 1e-9;
    if (finished) incr_finish(h);
    g->collecting = 0;
}

/* Back to gc.h's invariants: every old object word 0 and the parity. */
static int ph_reset(ohm_object *o, void *arg) {
    const struct gc_state *g = ohmi_gc_of(arg);
    if (incr_old(o)) o->ohm_bits = (o->ohm_bits & (OHM_FLAG_MASK & ~(uint32_t)GC_MARK)) | g->mark_parity;
    return 0;
}

size_t ohmi_gc_incr_abort(ohm_heap *h) {
    struct gc_state *g = ohmi_gc_of(h);
    struct gc_incr *in = &g->incr;
    if (!in->phase) return 0;
    while (in->grey.len) {
        ohm_object *o = in->grey.items[--in->grey.len];
        if (o) incr_blacken(g, o);
    }
    ohmi_alloc_walk_objects(h, 1, ph_reset, h);
    incr_forget(in);
    /* the held arrays go back; what their releases run starts no collection */
    int collecting = g->collecting;
    size_t tracked = g->tracked;
    g->collecting = 1;
    while (in->big.len) incr_drop(g, in->big.items[--in->big.len]);
    in->big_next = 0;
    g->collecting = collecting;
    return tracked > g->tracked ? tracked - g->tracked : 0;
}

void ohmi_gc_incr_fini(ohm_heap *h) {
    struct gc_incr *in = &ohmi_gc_of(h)->incr;
    incr_forget(in);   /* the arrays `big` holds die with the heap */
    ohmi_vec_free(&in->grey);
    ohmi_vec_free(&in->big);
    ohmi_vec_free(&in->group);
}
