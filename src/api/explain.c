/*
 * explain.c — "why is this object alive?": the shortest chain of references from an
 * object held from outside the heap graph down to a given object (what objgraph's
 * find_backref_chain gives Python users).
 *
 * Algorithm:
 *  1. Count, for every object referenced by a tracked object, the references it gets
 *     from tracked objects (a walk of the GC pools, traverse on each tracked object).
 *  2. The roots are the objects whose refcount exceeds that count: something outside
 *     the graph (a C variable, an untracked container) holds them. Immortal objects
 *     are roots too.
 *  3. A breadth-first search from all roots at once, following traverse, remembers
 *     each object's parent; the first time it meets the object, the parent chain is a
 *     shortest chain. Each link is printed with the name of the reference
 *     (ohmi_obj_edge_name: the list index, the dict key, the user type's field). Nothing is written into the objects: the bookkeeping lives in two
 *     ohmi_ptrmaps outside the heap, so explain runs at any time, even from a finalizer.
 * Cost: linear in the tracked heap; memory: two maps over the objects it meets.
 */
#include "api/api.h"

#include <stdlib.h>

struct explain {
    ohm_heap *h;            /* the heap explained: its tables count as its allocations */
    ohmi_ptrmap counts;     /* object -> references from tracked objects */
    ohmi_ptrmap parent;     /* object -> the object BFS reached it from (itself for a root) */
    ohmi_vec queue;      /* BFS order; expanded from the front */
    ohm_object *from;  /* the object being expanded */
    const ohm_object *target;
    const ohm_object *own;  /* the object whose one reference from the caller does not count */
    int failed;
};

static int explain_visit_count(ohm_object *r, void *arg) {
    struct explain *e = arg;
    if (!r) return 0;
    uintptr_t *slot = ohmi_ptrmap_find(&e->counts, r);
    if (slot) (*slot)++;
    else if (ohmi_ptrmap_put(e->h, &e->counts, r, 1) < 0) e->failed = 1;
    return 0;
}

static int explain_count_each(ohm_object *o, void *arg) {
    if ((o->ohm_bits & OHM_F_TRACKED) && o->ohm_type->traverse)
        o->ohm_type->traverse(o, explain_visit_count, arg);
    return 0;
}

static size_t explain_internal(const struct explain *e, const ohm_object *o) {
    uintptr_t *slot = ohmi_ptrmap_find(&e->counts, o);
    return slot ? *slot : 0;
}

/* References to o from outside the graph: its count less those from tracked objects
 * (and less the caller's own, with OHM_EXPLAIN_OWN_REF). */
static size_t explain_external(const struct explain *e, const ohm_object *o) {
    size_t rc = o->ohm_rc - (o == e->own && o->ohm_rc > 0), in = explain_internal(e, o);
    return rc > in ? rc - in : 0;
}

static int explain_is_root(const struct explain *e, const ohm_object *o) {
    return OHM_IS_IMMORTAL(o) || explain_external(e, o) > 0;
}

static int explain_root_each(ohm_object *o, void *arg) {
    struct explain *e = arg;
    if (!(o->ohm_bits & OHM_F_TRACKED) || !explain_is_root(e, o)) return 0;
    if (ohmi_ptrmap_put(e->h, &e->parent, o, (uintptr_t)o) < 0 || ohmi_vec_push(e->h, &e->queue, o) < 0) {
        e->failed = 1;
        return 1;
    }
    return 0;
}

/* BFS edge: returns 1 (stop traversing) once the target is reached. */
static int explain_visit_bfs(ohm_object *r, void *arg) {
    struct explain *e = arg;
    ohm_object *from = e->from;
    if (!r || ohmi_ptrmap_find(&e->parent, r)) return 0;
    if (ohmi_ptrmap_put(e->h, &e->parent, r, (uintptr_t)from) < 0) { e->failed = 1; return 1; }
    if (r == e->target) return 1;
    if (gc_is_gc_type(r) && r->ohm_type->traverse && ohmi_vec_push(e->h, &e->queue, r) < 0) {
        e->failed = 1;
        return 1;
    }
    return 0;
}

/* The queue is consumed from the front: `head` is the next to expand. */
static int explain_bfs(struct explain *e) {
    for (size_t head = 0; head < e->queue.len; head++) {
        ohm_object *o = e->queue.items[head];
        if (o == e->target) return 1;
        if (!gc_is_gc_type(o) || !o->ohm_type->traverse) continue;
        e->from = o;
        o->ohm_type->traverse(o, explain_visit_bfs, e);
        if (e->failed) return 0;
        if (ohmi_ptrmap_find(&e->parent, e->target)) return 1;
    }
    return 0;
}

/* One object of the chain: the root (parent NULL), or o with the name of the
 * reference its parent holds: "-> <list 0x..> refcount 1, value of key 'xs' in <dict 0x..>". */
static void explain_line(FILE *out, const struct explain *e, const ohm_object *o, ohm_object *parent) {
    fprintf(out, "  %s", parent ? "-> " : "");
    ohmi_gc_print_object(out, o);
    if (OHM_IS_IMMORTAL(o)) fprintf(out, " immortal");
    else fprintf(out, " refcount %u", o->ohm_rc);
    if (!parent) {
        if (OHM_IS_IMMORTAL(o)) fprintf(out, ", held from outside the heap graph");
        else fprintf(out, ", held from outside the heap graph (%zu of %u references%s)",
                     explain_external(e, o), o->ohm_rc, o == e->own ? ", not counting yours" : "");
    } else {
        char edge[256];
        ohmi_obj_edge_name(parent, o, edge, sizeof edge);
        fprintf(out, ", %s", edge);
    }
    fputc('\n', out);
}

int ohm_gc_explain(ohm_heap *h, const ohm_object *obj, FILE *out) {
    return ohm_gc_explain_ex(h, obj, out, 0);
}

int ohm_gc_explain_ex(ohm_heap *h, const ohm_object *obj, FILE *out, unsigned flags) {
    if (!obj) { ohmi_error(h, "ohm_gc_explain: NULL object"); return -1; }
    struct explain e = { .h = h, .target = obj, .own = (flags & OHM_EXPLAIN_OWN_REF) ? obj : NULL };
    int len = -1;
    ohmi_alloc_walk_objects(h, 1, explain_count_each, &e);
    if (e.failed) goto oom;
    if (explain_is_root(&e, obj)) {
        if (out) {
            fprintf(out, "ohm_gc_explain: ");
            ohmi_gc_print_object(out, obj);
            fprintf(out, " is held directly from outside the heap graph:\n");
            explain_line(out, &e, obj, NULL);
        }
        len = 0;
        goto done;
    }
    ohmi_alloc_walk_objects(h, 1, explain_root_each, &e);
    if (e.failed) goto oom;
    if (!explain_bfs(&e)) {
        if (e.failed) goto oom;
        if (out) {
            fprintf(out, "ohm_gc_explain: no chain of references from outside the heap graph reaches ");
            ohmi_gc_print_object(out, obj);
            fprintf(out, ": only garbage (an unreachable cycle) refers to it\n");
        }
        goto done;
    }
    /* walk the parents back from obj, then print root first */
    ohmi_vec chain = { NULL, 0, 0, 0 };
    for (const ohm_object *o = obj;;) {
        if (ohmi_vec_push(h, &chain, (ohm_object *)o) < 0) { ohmi_vec_free(&chain); goto oom; }
        const ohm_object *p = (const ohm_object *)*ohmi_ptrmap_find(&e.parent, o);
        if (p == o) break;
        o = p;
    }
    len = (int)chain.len - 1;
    if (out) {
        fprintf(out, "ohm_gc_explain: ");
        ohmi_gc_print_object(out, obj);
        fprintf(out, " is reached through %d reference%s:\n", len, len == 1 ? "" : "s");
        for (size_t i = chain.len; i-- > 0;)
            explain_line(out, &e, chain.items[i], i == chain.len - 1 ? NULL : chain.items[i + 1]);
    }
    ohmi_vec_free(&chain);
    goto done;
oom:
    ohmi_error(h, "ohm_gc_explain: out of memory");
    len = -1;
done:
    ohmi_ptrmap_free(&e.counts);
    ohmi_ptrmap_free(&e.parent);
    ohmi_vec_free(&e.queue);
    return len;
}
