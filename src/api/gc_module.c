/*
 * gc_module.c — the gc module's surface: enable/disable, counts and thresholds, statistics,
 * tracking, object enumeration (get_objects, get_referrers, get_referents), the
 * permanent generation (freeze), callbacks, debug flags and the garbage list.
 *
 * Functions that hand objects to a user function (get_objects, get_referrers,
 * get_referents) first collect them, each with a reference held, and only then call
 * the user function: it may allocate, free, or collect without invalidating the walk.
 * Objects in the unreachable set of a collection under way (a finalizer calling in)
 * belong to no generation and are not listed, as in CPython.
 */
#include "api/api.h"

#include <stdlib.h>

size_t ohm_gc_collect(ohm_heap *h, int generation) {
    if (generation == -1) generation = 2;
    if (generation < 0 || generation > 2) {
        ohmi_error(h, "ohm_gc_collect: generation must be in -1..2, not %d", generation);
        return 0;
    }
    return ohmi_gc_collect_generation(h, generation);
}

void ohm_gc_enable(ohm_heap *h) { ohmi_gc_of(h)->enabled = 1; }
void ohm_gc_disable(ohm_heap *h) { ohmi_gc_of(h)->enabled = 0; }
int  ohm_gc_isenabled(ohm_heap *h) { return ohmi_gc_of(h)->enabled; }

void ohm_gc_get_count(ohm_heap *h, size_t count[3]) {
    for (int i = 0; i < 3; i++) count[i] = ohmi_gc_of(h)->count[i];
}

void ohm_gc_set_threshold(ohm_heap *h, unsigned t0, unsigned t1, unsigned t2) {
    ohmi_gc_set_threshold(h, t0, t1, t2);
}

void ohm_gc_get_threshold(ohm_heap *h, unsigned t[3]) {
    for (int i = 0; i < 3; i++) t[i] = ohmi_gc_of(h)->threshold[i];
}

void ohm_gc_get_stats(ohm_heap *h, ohm_gc_stats stats[3]) {
    for (int i = 0; i < 3; i++) stats[i] = ohmi_gc_of(h)->stats[i];
}

int ohm_gc_is_tracked(const ohm_object *o) {
    return (o->ohm_bits & OHM_F_TRACKED) != 0;
}

int ohm_gc_is_finalized(const ohm_object *o) {
    return (o->ohm_bits & OHM_F_FINALIZED) != 0;
}

/* Only objects of GC types can be tracked: the walk of the old generation sees the GC
 * pools only. Tracking a tracked object, or untracking an untracked one, is a no-op. */
void ohm_gc_track(ohm_object *o) {
    if (!o || (o->ohm_bits & OHM_F_TRACKED) || !gc_is_gc_type(o)) return;
    ohm_heap *h = ohmi_alloc_heap_of(o);
    o->ohm_bits |= OHM_F_TRACKED;
    ohmi_gc_of(h)->tracked++;
    ohmi_gc_track_young(h, o);
}

void ohm_gc_untrack(ohm_object *o) {
    if (!o || !(o->ohm_bits & OHM_F_TRACKED)) return;
    ohm_heap *h = ohmi_alloc_heap_of(o);
    ohmi_gc_unplace(h, o);
    o->ohm_bits &= ~OHM_F_TRACKED;
    ohmi_gc_of(h)->tracked--;
}

/* ---- enumeration ---- */

/* Hand each collected object (a reference held) to fn until it returns nonzero; then
 * drop the references. */
static void gc_hand_out(ohmi_vec *v, ohm_object_fn fn, void *arg) {
    size_t i = 0;
    for (; i < v->len; i++)
        if (fn(v->items[i], arg)) break;
    for (size_t j = 0; j < v->len; j++) ohm_decref(v->items[j]);
    ohmi_vec_free(v);
}

static int gc_keep(ohm_heap *h, ohmi_vec *v, ohm_object *o) {
    if (ohmi_vec_push(h, v, o) < 0) return -1;
    ohm_incref(o);
    return 0;
}

struct gc_objects_walk { ohm_heap *h; ohmi_vec out; int generation; int failed; };

static int gc_objects_each(ohm_object *o, void *arg) {
    struct gc_objects_walk *w = arg;
    if (!(o->ohm_bits & OHM_F_TRACKED)) return 0;
    int gen = ohmi_gc_generation_of(o);
    if (gen < 0 || gen == 3 || (w->generation >= 0 && gen != w->generation)) return 0;
    if (gc_keep(w->h, &w->out, o) < 0) { w->failed = 1; return 1; }
    return 0;
}

void ohm_gc_get_objects(ohm_heap *h, int generation, ohm_object_fn fn, void *arg) {
    if (generation < -1 || generation > 2) {
        ohmi_error(h, "ohm_gc_get_objects: generation must be in -1..2, not %d", generation);
        return;
    }
    struct gc_objects_walk w = { h, { NULL, 0, 0, 0 }, generation, 0 };
    if (generation == 0 || generation == 1) {
        ohmi_vec *v = &ohmi_gc_of(h)->young[generation];
        for (size_t i = 0; i < v->len; i++)
            if (gc_keep(h, &w.out, v->items[i]) < 0) { w.failed = 1; break; }
    } else {
        ohmi_alloc_walk_objects(h, 1, gc_objects_each, &w);
    }
    if (w.failed) ohmi_error(h, "ohm_gc_get_objects: out of memory");
    gc_hand_out(&w.out, fn, arg);
}

struct gc_referrers_walk { ohm_heap *h; const ohm_object *target; ohmi_vec out; int failed; };

static int gc_visit_is_target(ohm_object *r, void *arg) {
    return r == ((struct gc_referrers_walk *)arg)->target;
}

static int gc_referrers_each(ohm_object *o, void *arg) {
    struct gc_referrers_walk *w = arg;
    if (!(o->ohm_bits & OHM_F_TRACKED) || !o->ohm_type->traverse) return 0;
    int gen = ohmi_gc_generation_of(o);
    if (gen < 0 || gen == 3) return 0;
    if (o->ohm_type->traverse(o, gc_visit_is_target, w) && gc_keep(w->h, &w->out, o) < 0) {
        w->failed = 1;
        return 1;
    }
    return 0;
}

void ohm_gc_get_referrers(ohm_heap *h, const ohm_object *target, ohm_object_fn fn, void *arg) {
    struct gc_referrers_walk w = { h, target, { NULL, 0, 0, 0 }, 0 };
    ohmi_alloc_walk_objects(h, 1, gc_referrers_each, &w);
    if (w.failed) ohmi_error(h, "ohm_gc_get_referrers: out of memory");
    gc_hand_out(&w.out, fn, arg);
}

struct gc_referents_walk { ohm_heap *h; ohmi_vec out; int failed; };

static int gc_visit_collect(ohm_object *r, void *arg) {
    struct gc_referents_walk *w = arg;
    if (r && gc_keep(w->h, &w->out, r) < 0) { w->failed = 1; return 1; }
    return 0;
}

void ohm_gc_get_referents(ohm_object *o, ohm_object_fn fn, void *arg) {
    if (!o || !gc_is_gc_type(o) || !o->ohm_type->traverse) return;
    struct gc_referents_walk w = { ohmi_alloc_heap_of(o), { NULL, 0, 0, 0 }, 0 };   /* a GC object: a heap's */
    o->ohm_type->traverse(o, gc_visit_collect, &w);
    if (w.failed) ohmi_error(w.h, "ohm_gc_get_referents: out of memory");
    gc_hand_out(&w.out, fn, arg);
}

/* ---- the permanent generation ---- */

static int gc_freeze_each(ohm_object *o, void *arg) {
    struct gc_state *g = arg;
    if (!(o->ohm_bits & OHM_F_TRACKED)) return 0;
    int gen = ohmi_gc_generation_of(o);
    if (gen < 0 || gen == 3) return 0;
    o->ohm_bits = (o->ohm_bits & OHM_FLAG_MASK & ~(uint32_t)(GC_GENMASK | GC_MARK)) | GC_FROZEN;
    g->frozen++;
    return 0;
}

void ohm_gc_freeze(ohm_heap *h) {
    struct gc_state *g = ohmi_gc_of(h);
    (void)ohmi_gc_incr_abort(h);   /* the cycle's words and marks are not a frozen object's */
    ohmi_alloc_walk_objects(h, 1, gc_freeze_each, g);
    g->young[0].len = g->young[1].len = 0;   /* every member is frozen now */
    g->count[0] = 0;
}

static int gc_unfreeze_each(ohm_object *o, void *arg) {
    struct gc_state *g = arg;
    if ((o->ohm_bits & (OHM_F_TRACKED | GC_FROZEN)) == (OHM_F_TRACKED | GC_FROZEN))
        o->ohm_bits = (o->ohm_bits & ~(uint32_t)(GC_FROZEN | GC_MARK)) | g->mark_parity; /* old */
    return 0;
}

void ohm_gc_unfreeze(ohm_heap *h) {
    (void)ohmi_gc_incr_abort(h);
    ohmi_alloc_walk_objects(h, 1, gc_unfreeze_each, ohmi_gc_of(h));
    ohmi_gc_of(h)->frozen = 0;
}

size_t ohm_gc_get_freeze_count(ohm_heap *h) { return ohmi_gc_of(h)->frozen; }

/* ---- callbacks, debug, garbage ---- */

int ohm_gc_add_callback(ohm_heap *h, ohm_gc_callback cb, void *arg) {
    struct gc_state *g = ohmi_gc_of(h);
    if (!cb) { ohmi_error(h, "ohm_gc_add_callback: NULL callback"); return -1; }
    if (g->ncallbacks == g->capcallbacks) {
        /* twice the room: the second half is where a collection copies the callbacks
         * to run them (gc.c), so running them never needs memory */
        size_t cap = g->capcallbacks ? g->capcallbacks * 2 : 4;
        struct gc_callback_entry *p = ohmi_sys_realloc(h, g->callbacks, 2 * cap * sizeof *p);
        if (!p) { ohmi_error(h, "ohm_gc_add_callback: out of memory"); return -1; }
        g->callbacks = p;
        g->capcallbacks = cap;
    }
    g->callbacks[g->ncallbacks++] = (struct gc_callback_entry){ cb, arg };
    return 0;
}

int ohm_gc_remove_callback(ohm_heap *h, ohm_gc_callback cb, void *arg) {
    struct gc_state *g = ohmi_gc_of(h);
    for (size_t i = 0; i < g->ncallbacks; i++) {
        if (g->callbacks[i].cb == cb && g->callbacks[i].arg == arg) {
            memmove(&g->callbacks[i], &g->callbacks[i + 1],
                    (g->ncallbacks - i - 1) * sizeof *g->callbacks);
            g->ncallbacks--;
            return 0;
        }
    }
    ohmi_error(h, "ohm_gc_remove_callback: no such callback");
    return -1;
}

void ohm_gc_set_debug(ohm_heap *h, unsigned flags) { ohmi_gc_of(h)->debug = flags; }
unsigned ohm_gc_get_debug(ohm_heap *h) { return ohmi_gc_of(h)->debug; }

/* gc.garbage: the list is made on first use; what the collector put aside since the
 * last call (each with a reference) moves into it. */
ohm_object *ohm_gc_garbage(ohm_heap *h) {
    if (!h->garbage && !(h->garbage = ohm_list_new(h))) return NULL;
    ohmi_vec *v = &ohmi_gc_of(h)->garbage;
    size_t i = 0;
    while (i < v->len && ohm_list_append(h->garbage, v->items[i]) == 0) ohm_decref(v->items[i++]);
    size_t left = v->len - i;
    if (i) {   /* (never memmove a NULL items: a vector not yet grown) */
        memmove(v->items, v->items + i, left * sizeof *v->items);   /* out of memory: kept */
        v->len = left;
    }
    if (left) {
        ohmi_error(h, "ohm_gc_garbage: out of memory: %zu of %zu objects moved to the list, "
                   "the rest at the next call", i, i + left);
        return NULL;
    }
    return h->garbage;
}
