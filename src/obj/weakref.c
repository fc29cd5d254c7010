/*
 * weakref.c — weak references: any object may be weakly referenced, and an object
 * never weakly referenced pays nothing for the possibility.
 *
 * A weak reference is an object of ohm_weakref_type holding its target's address (no
 * reference), an optional callback, and links in its target's list of weakrefs, newest
 * first. The list's head is found through a per-heap side table (ohmi_ptrmap: target address
 * -> newest weakref), allocated outside the scanned heap; OHM_F_WEAKREFD on the target
 * says "look in the table". So the cost for other objects is one flag test at release.
 *
 * Target dies (ohmi_weakref_on_release, called by the release path after a finalizer that
 * did not resurrect): its entry leaves the table, every weakref is cleared (target
 * NULL), then the callbacks run, newest weakref first, each with a reference held on
 * its weakref (so a callback may drop the last reference to anything, other weakrefs
 * included). A weakref whose count is already 0 (being released) gets no callback.
 * Weakref dies first: its dealloc unlinks it; no callback ever runs for it.
 * In a collection (ohmi_weakref_clear_for_gc): all weakrefs to garbage are cleared before any
 * finalizer or clear runs; callbacks run only for weakrefs that are not garbage.
 * The weakrefs whose callbacks are to run wait in a chain through their own `next`
 * (free once a weakref is cleared: a cleared weakref is in no target's list), so
 * running callbacks needs no memory and none is lost when memory runs out.
 *
 * Weakrefs are GC objects with nothing to traverse: that is how the collector knows
 * whether a weakref is itself garbage. A callback-less weakref is shared, as CPython's
 * weakref.ref(o) is: ohm_weakref_new(h, o, NULL, NULL) twice gives the same object.
 */
#include "obj/obj_impl.h"

#include <stdlib.h>

typedef struct weakref_obj {
    ohm_object ob;
    ohm_object *target;              /* NULL once the target died */
    ohm_weakref_callback cb;         /* may be NULL */
    void *arg;
    struct weakref_obj *prev, *next; /* the target's list, newest first */
} weakref_obj;

static void weakref_dealloc(ohm_object *self);

/* A weakref owns no strong reference: nothing to visit, nothing to clear. It is a GC
 * type all the same, so that a weakref held only by garbage is garbage (and its
 * callback is not run). Both slots are there because ohm_new requires traverse of a GC
 * type, and the collector takes a GC type with traverse but no clear for one that
 * cannot break a cycle (gc.c): a weakref never stops one from being freed. */
static int weakref_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    (void)self; (void)visit; (void)arg;
    return 0;
}
static int weakref_clear(ohm_object *self) {
    (void)self;
    return 0;
}

const ohm_type ohm_weakref_type = {
    .name = "weakref",
    .basicsize = sizeof(weakref_obj),
    .flags = OHM_TYPE_GC,
    .traverse = weakref_traverse,
    .clear = weakref_clear,
    .dealloc = weakref_dealloc,
};

static weakref_obj *weakref_head(ohm_heap *h, const ohm_object *target) {
    uintptr_t *slot = ohmi_ptrmap_find(&ohmi_obj_of(h)->weakrefs, target);
    return slot ? (weakref_obj *)*slot : NULL;
}

/* Take w out of its target's list (the target is alive). */
static void weakref_unlink(ohm_heap *h, weakref_obj *w) {
    ohm_object *t = w->target;
    if (w->prev) {
        w->prev->next = w->next;
    } else if (w->next) {
        ohmi_ptrmap_put(h, &ohmi_obj_of(h)->weakrefs, t, (uintptr_t)w->next);   /* key exists: cannot fail */
    } else {
        ohmi_ptrmap_del(&ohmi_obj_of(h)->weakrefs, t);
        t->ohm_bits &= ~OHM_F_WEAKREFD;
    }
    if (w->next) w->next->prev = w->prev;
    w->target = NULL;
    w->prev = w->next = NULL;
}

static void weakref_dealloc(ohm_object *self) {
    weakref_obj *w = (weakref_obj *)self;
    if (w->target) weakref_unlink(ohmi_alloc_heap_of(self), w);
}

ohm_object *ohm_weakref_new(ohm_heap *h, ohm_object *target, ohm_weakref_callback cb, void *arg) {
    if (!target) { ohmi_error(h, "ohm_weakref_new: NULL target"); return NULL; }
    if (target->ohm_rc == 0) {           /* being released: it could not be cleared */
        ohmi_error(h, "ohm_weakref_new: the target is being released");
        return NULL;
    }
    if (ohmi_alloc_heap_of(target) != h) {
        ohmi_error(h, "ohm_weakref_new: the target belongs to another heap");
        return NULL;
    }
    if (!cb) {
        for (weakref_obj *w = weakref_head(h, target); w; w = w->next)
            if (!w->cb && w->ob.ohm_rc > 0) { ohm_incref(&w->ob); return &w->ob; }
    }
    /* ohm_new may collect; the target is held by the caller and survives */
    weakref_obj *w = (weakref_obj *)ohm_new(h, &ohm_weakref_type);
    if (!w) return NULL;
    w->cb = cb;
    w->arg = arg;
    w->prev = NULL;
    w->next = weakref_head(h, target);
    if (ohmi_ptrmap_put(h, &ohmi_obj_of(h)->weakrefs, target, (uintptr_t)w) < 0) {
        w->next = NULL;                     /* target stays NULL: dealloc has nothing to do */
        ohm_decref(&w->ob);
        ohmi_error(h, "ohm_weakref_new: out of memory");
        return NULL;
    }
    if (w->next) w->next->prev = w;
    w->target = target;
    target->ohm_bits |= OHM_F_WEAKREFD;
    return &w->ob;
}

ohm_object *ohm_weakref_get(ohm_object *ref) {
    if (!ref || ref->ohm_type != &ohm_weakref_type) {
        ohmi_obj_type_error("ohm_weakref_get", "a weakref", ref);
        return NULL;
    }
    ohmi_error_clear(ohmi_alloc_heap_of(ref));   /* NULL with "": the target died */
    ohm_object *t = ((weakref_obj *)ref)->target;
    if (!t || t->ohm_rc == 0) return NULL;   /* dead, or being released */
    ohm_incref(t);
    return t;
}

size_t ohm_weakref_count(const ohm_object *o) {
    if (!o || !(o->ohm_bits & OHM_F_WEAKREFD)) return 0;
    size_t n = 0;
    for (weakref_obj *w = weakref_head(ohmi_alloc_heap_of(o), o); w; w = w->next)
        n += w->ob.ohm_rc > 0;   /* not those being released */
    return n;
}

/* Detach o's whole list from the table and clear every weakref in it; append the ones
 * whose callback should run (with a reference) to the chain cbs (first, last), linked
 * by their `next`. skip_garbage: not those in the collection's unreachable set. */
static void weakref_detach(ohm_heap *h, ohm_object *o, ohm_object *cbs[2], int skip_garbage) {
    weakref_obj *w = weakref_head(h, o);
    o->ohm_bits &= ~OHM_F_WEAKREFD;
    if (!w) return;
    ohmi_ptrmap_del(&ohmi_obj_of(h)->weakrefs, o);
    while (w) {
        weakref_obj *next = w->next;
        w->target = NULL;
        w->prev = w->next = NULL;
        int garbage = skip_garbage && gc_is_unreach_state(&w->ob);
        if (w->cb && w->ob.ohm_rc > 0 && !garbage) {
            ohm_incref(&w->ob);
            if (cbs[1]) ((weakref_obj *)cbs[1])->next = w;
            else cbs[0] = &w->ob;
            cbs[1] = &w->ob;
        }
        w = next;
    }
}

ohm_object *ohmi_weakref_chain_next(ohm_object *ref) {
    weakref_obj *w = (weakref_obj *)ref, *next = w->next;
    w->next = NULL;   /* cleared weakrefs are in no list */
    return next ? &next->ob : NULL;
}

void ohmi_weakref_run_callback(ohm_object *ref) {
    weakref_obj *w = (weakref_obj *)ref;
    if (w->cb) w->cb(ref, w->arg);
}

void ohmi_weakref_clear_for_gc(ohm_heap *h, ohm_object *o, ohm_object *cbs[2]) {
    weakref_detach(h, o, cbs, 1);
}

void ohmi_weakref_on_release(ohm_object *o) {
    ohm_heap *h = ohmi_alloc_heap_of(o);
    ohm_object *cbs[2] = { NULL, NULL };
    weakref_detach(h, o, cbs, 0);
    for (ohm_object *ref = cbs[0], *next; ref; ref = next) {
        next = ohmi_weakref_chain_next(ref);
        ohmi_weakref_run_callback(ref);
        ohm_decref(ref);
    }
}

void ohmi_weakref_fini(ohm_heap *h) {
    ohmi_ptrmap_free(&ohmi_obj_of(h)->weakrefs);
}

/* ohmi_obj_check's part: every table entry's target is a live object of h that says
 * WEAKREFD; its list runs newest first through live weakrefs that name it, prev links
 * matching (so the list has no cycle); and every weakref with a target is in one such
 * list (the lists' lengths add up to the weakrefs found by a walk of the GC objects). */
struct weakref_census { const ohm_heap *h; size_t with_target; };

static int weakref_count_one(ohm_object *o, void *arg) {
    struct weakref_census *c = arg;
    if (o->ohm_type == &ohm_weakref_type && ((weakref_obj *)o)->target) c->with_target++;
    return 0;
}

int ohmi_weakref_check(ohm_heap *h, FILE *out) {
    const ohmi_ptrmap *m = &ohmi_obj_of(h)->weakrefs;
    int bad = 0;
    size_t entries = 0, listed = 0;
    for (size_t i = 0; i < m->cap; i++) {
        ohm_object *t = (ohm_object *)m->ents[i].key;
        if (!t) continue;
        entries++;
        if (!ohmi_alloc_usable_size(h, t) || !ohmi_alloc_live(t) ||
            t->ohm_rc == 0) {
            ohmi_obj_bad(out, &bad, "weakref table: target %p is not a live object of the heap",
                         (void *)t);
            return bad;
        }
        if (!(t->ohm_bits & OHM_F_WEAKREFD)) {
            ohmi_obj_bad(out, &bad, "weakref table: target <%s %p> lacks WEAKREFD", t->ohm_type->name,
                         (void *)t);
            return bad;
        }
        const weakref_obj *prev = NULL;
        for (const weakref_obj *w = (const weakref_obj *)m->ents[i].val; w; prev = w, w = w->next) {
            if (w->ob.ohm_type != &ohm_weakref_type || w->target != t || w->prev != prev) {
                ohmi_obj_bad(out, &bad, "weakref %p in the list of <%s %p>: %s", (const void *)w,
                             t->ohm_type->name, (void *)t,
                             w->ob.ohm_type != &ohm_weakref_type ? "not a live weakref"
                             : w->target != t ? "names another target" : "prev link is wrong");
                return bad;
            }
            listed++;
        }
    }
    if (entries != m->len) {
        ohmi_obj_bad(out, &bad, "weakref table: %zu entries, %zu counted", entries, m->len);
        return bad;
    }
    struct weakref_census c = { h, 0 };
    ohmi_alloc_walk_objects(h, 1, weakref_count_one, &c);
    if (c.with_target != listed)
        ohmi_obj_bad(out, &bad, "%zu weakrefs have a target, %zu are in the targets' lists",
                     c.with_target, listed);
    return bad;
}
