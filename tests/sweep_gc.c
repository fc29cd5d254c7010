/*
 * sweep_gc.c — fault sweeps (sweep.h) of the collector and what runs inside it, ported
 * from test_gc, test_weakref, test_release and test_reentrancy: finalizers that
 * resurrect, an uncollectable cycle moved to gc.garbage, freeze and unfreeze, collection
 * callbacks, the enumerations, ohm_gc_explain; weakref callbacks, shared weakrefs and
 * weakrefs that are garbage themselves; deep chains released through the trashcan.
 *
 * A collection out of memory frees nothing and says so ("ohm_gc_collect: out of
 * memory") with a 0 result; its garbage waits, intact. The fault sweep fails one
 * allocation only, so a scenario's cleanup collects again (which then succeeds) and
 * drops whatever a finalizer resurrected, so that nothing outlives it.
 */
#include "sweep.h"
#include "gc_types.h"
#include "api/api.h"   /* h->garbage: gc.garbage is the heap's; dropped for the baseline */

#include <stdio.h>
#include <string.h>

/* The collection failed out of memory (0 found, the documented message). */
static int collect_failed(ohm_heap *h, size_t found) {
    if (found != 0 || !ohm_last_error(h)[0]) return 0;
    CHECK_CONTAINS(ohm_last_error(h), "ohm_gc_collect: out of memory");
    return 1;
}

/* Collect (no faults are left after one failed) and drop what resurrected. */
static void settle(ohm_heap *h) {
    for (int i = 0; i < 3; i++) {
        ohm_gc_collect(h, 2);
        ohm_object *r = resurrect_slot;
        resurrect_slot = NULL;
        ohm_xdecref(r);
    }
}

/* Empty gc.garbage, breaking the uncollectable cycles by hand, and drop the list. */
static void drop_garbage(ohm_heap *h) {
    ohm_object *g;
    while ((g = ohm_gc_garbage(h)) != NULL && ohm_list_len(g) > 0) {
        for (ohm_object *o; ohm_list_len(g) > 0 && (o = ohm_list_pop(g)) != NULL;) {
            if (ohm_type_of(o) == &noclear_type) node_clear(o);
            ohm_decref(o);
        }
        if (ohmi_gc_of(h)->garbage.len == 0) break;
    }
    ohmi_error_clear(h);
    ohm_object *l = h->garbage;
    h->garbage = NULL;
    ohm_xdecref(l);
}

/* ------------------------------------------------------------------ gc */

static int cb_start, cb_stop;
static void on_gc(ohm_heap *h, int phase, const ohm_gc_info *info, void *arg) {
    (void)h; (void)info; (void)arg;
    if (phase == OHM_GC_START) cb_start++;
    else cb_stop++;
}
static int counted;
static int count_one(ohm_object *o, void *arg) { (void)o; (void)arg; counted++; return 0; }

/* A ring of n nodes of type t, dropped (only the ring holds it); NULL and -1 when out
 * of memory (the nodes made so far released). */
static int ring(ohm_heap *h, const ohm_type *t, int n) {
    node *first = NULL, *prev = NULL;
    for (int i = 0; i < n; i++) {
        node *x = node_new(h, t);
        if (!x) {
            SWEEP_OOM(h);
            if (first) {
                prev->a = NULL;                    /* an open chain: releases by refcount */
                ohm_decref(&first->ob);
            }
            return -1;
        }
        x->id = i;
        if (prev) prev->a = &x->ob;                /* prev's reference: ours passes on */
        else first = x;
        prev = x;
    }
    prev->a = &first->ob;                          /* ours on first passes to the ring */
    return 0;
}

static int sc_gc(ohm_heap *h) {
    int r = -1;
    size_t found;
    ohm_object *outer = NULL, *inner = NULL;
    resurrect_slot = NULL;
    finalized_count = nodes_freed = 0;
    cb_start = cb_stop = 0;
    if (ohm_gc_add_callback(h, on_gc, NULL) < 0) {
        CHECK_CONTAINS(ohm_last_error(h), "ohm_gc_add_callback: out of memory");
        goto out;
    }
    /* a ring whose finalizers resurrect it: found, finalized once, survives */
    if (ring(h, &resurrect_type, 3) < 0) goto out;
    ohmi_error_clear(h);
    found = ohm_gc_collect(h, 2);
    if (collect_failed(h, found)) goto out;
    CHECK_EQ_SIZE(found, 3);
    CHECK_EQ_INT(finalized_count, 3);
    CHECK(resurrect_slot != NULL);
    CHECK_EQ_INT(nodes_freed, 0);
    CHECK_EQ_INT(ohm_gc_is_finalized(resurrect_slot), 1);
    ohm_object *back = resurrect_slot;             /* dropped: collected, not finalized again */
    resurrect_slot = NULL;
    ohm_decref(back);
    ohmi_error_clear(h);
    found = ohm_gc_collect(h, 2);
    if (collect_failed(h, found)) goto out;
    CHECK_EQ_SIZE(found, 3);
    CHECK_EQ_INT(finalized_count, 3);
    CHECK_EQ_INT(nodes_freed, 3);
    /* an uncollectable ring (no clear) goes to gc.garbage untouched */
    if (ring(h, &noclear_type, 4) < 0) goto out;
    ohmi_error_clear(h);
    found = ohm_gc_collect(h, 2);
    if (collect_failed(h, found)) goto out;
    CHECK_EQ_SIZE(found, 4);
    if (ohm_last_error(h)[0]) {                    /* gc.garbage could not grow: they wait */
        CHECK_CONTAINS(ohm_last_error(h), "ohm_gc_collect: out of memory; 4 objects for "
                       "gc.garbage wait for the next collection");
        goto out;
    }
    ohm_object *g = ohm_gc_garbage(h);
    if (!g || ohmi_gc_of(h)->garbage.len != 0) {   /* the list or its growth: memory */
        SWEEP_OOM(h);
        goto out;
    }
    CHECK_EQ_SIZE(ohm_list_len(g), 4);
    CHECK_EQ_INT(nodes_freed, 3);
    /* freeze: a cycle made now is out of the collector's reach until unfrozen */
    if (!(outer = ohm_list_new(h)) || !(inner = ohm_list_new(h))) goto oom;
    if (ohm_list_append(outer, inner) < 0) { CHECK_EQ_SIZE(ohm_list_len(outer), 0); goto oom; }
    if (ohm_list_append(inner, outer) < 0) { CHECK_EQ_SIZE(ohm_list_len(inner), 0); goto oom; }
    ohm_gc_freeze(h);
    size_t frozen = ohm_gc_get_freeze_count(h);
    CHECK(frozen >= 2);
    ohm_decref(inner);
    inner = NULL;
    ohm_decref(outer);                             /* garbage, but frozen */
    ohmi_error_clear(h);
    found = ohm_gc_collect(h, 2);
    if (collect_failed(h, found)) { ohm_gc_unfreeze(h); goto out; }
    CHECK_EQ_SIZE(found, 0);
    ohm_gc_unfreeze(h);
    CHECK_EQ_SIZE(ohm_gc_get_freeze_count(h), 0);
    ohmi_error_clear(h);
    found = ohm_gc_collect(h, 2);
    if (collect_failed(h, found)) goto out;
    CHECK_EQ_SIZE(found, 2);
    /* the enumerations and explain on a live pair */
    if (!(outer = ohm_list_new(h)) || !(inner = ohm_list_new(h))) goto oom;
    if (ohm_list_append(outer, inner) < 0) goto oom;
    const char *names[3] = { "ohm_gc_get_objects: out of memory",
                             "ohm_gc_get_referrers: out of memory",
                             "ohm_gc_get_referents: out of memory" };
    for (int i = 0; i < 3; i++) {
        counted = 0;
        ohmi_error_clear(h);
        if (i == 0) ohm_gc_get_objects(h, -1, count_one, NULL);
        if (i == 1) ohm_gc_get_referrers(h, inner, count_one, NULL);
        if (i == 2) ohm_gc_get_referents(outer, count_one, NULL);
        if (ohm_last_error(h)[0]) {
            CHECK_CONTAINS(ohm_last_error(h), names[i]);
            goto out;
        }
        CHECK_EQ_INT(counted, i == 0 ? 2 + 1 + 4 : 1);   /* the pair, gc.garbage, its ring */
    }
    ohmi_error_clear(h);
    int len = ohm_gc_explain(h, inner, NULL);
    if (len < 0) { CHECK_CONTAINS(ohm_last_error(h), "ohm_gc_explain: out of memory"); goto out; }
    CHECK_EQ_INT(len, 0);                          /* inner is held from here too */
    ohm_decref(inner);
    inner = NULL;
    char buf[1024] = "";
    FILE *f = fmemopen(buf, sizeof buf, "w");
    CHECK(f != NULL);
    ohmi_error_clear(h);
    len = ohm_gc_explain(h, ohm_list_get(outer, 0), f);
    fclose(f);
    if (len < 0) { CHECK_CONTAINS(ohm_last_error(h), "ohm_gc_explain: out of memory"); goto out; }
    CHECK_EQ_INT(len, 1);
    CHECK_CONTAINS(buf, "is reached through 1 reference");
    CHECK(cb_start >= 5 && cb_start == cb_stop);
    CHECK_EQ_INT(ohm_gc_remove_callback(h, on_gc, NULL), 0);
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_gc_remove_callback(h, on_gc, NULL);
    ohm_xdecref(inner);
    ohm_xdecref(outer);
    settle(h);
    drop_garbage(h);
    settle(h);
    return r;
}

/* ------------------------------------------------------------- weakrefs */

static int order[8], norder;
static void on_dead(ohm_object *ref, void *arg) {
    (void)ref;
    if (norder < 8) order[norder++] = (int)(intptr_t)arg;
}

static int sc_weakrefs(ohm_heap *h) {
    int r = -1;
    ohm_object *t = NULL, *s1 = NULL, *s2 = NULL, *wa = NULL, *wb = NULL, *wc = NULL;
    node *c1 = NULL, *c2 = NULL;
    norder = 0;
    if (!(t = ohm_list_new(h))) goto oom;
    /* shared: callback-less weakrefs to one target are one object */
    if (!(s1 = ohm_weakref_new(h, t, NULL, NULL))) goto oom;
    if (!(s2 = ohm_weakref_new(h, t, NULL, NULL))) goto oom;
    CHECK(s1 == s2);
    CHECK_EQ_SIZE(ohm_refcount(s1), 2);
    if (!(wa = ohm_weakref_new(h, t, on_dead, (void *)1))) goto oom;
    if (!(wb = ohm_weakref_new(h, t, on_dead, (void *)2))) goto oom;
    CHECK_EQ_SIZE(ohm_weakref_count(t), 3);
    ohm_object *got = ohm_weakref_get(wa);
    CHECK(got == t);
    ohm_xdecref(got);
    ohm_decref(t);                                 /* dies: newest callback first */
    t = NULL;
    CHECK_EQ_INT(norder, 2);
    CHECK(order[0] == 2 && order[1] == 1);
    CHECK(ohm_weakref_get(s1) == NULL && ohm_weakref_get(wb) == NULL);
    /* in a collection: c1 <-> c2, c2 holding wg (a weakref to c1: garbage too, its
     * callback never runs); wc is held here, its callback runs */
    norder = 0;
    if (!(c1 = node_new(h, &node_type)) || !(c2 = node_new(h, &node_type))) goto oom;
    node_set_a(c1, &c2->ob);
    node_set_a(c2, &c1->ob);
    ohm_object *wg = ohm_weakref_new(h, &c1->ob, on_dead, (void *)3);
    if (!wg) goto oom;
    c2->b = wg;                                    /* our reference passes to c2 */
    if (!(wc = ohm_weakref_new(h, &c1->ob, on_dead, (void *)4))) goto oom;
    ohm_decref(&c1->ob);
    ohm_decref(&c2->ob);
    c1 = c2 = NULL;
    ohmi_error_clear(h);
    size_t found = ohm_gc_collect(h, 2);
    if (collect_failed(h, found)) goto out;
    CHECK_EQ_SIZE(found, 3);
    CHECK_EQ_INT(norder, 1);
    CHECK_EQ_INT(order[0], 4);
    CHECK(ohm_weakref_get(wc) == NULL);
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_xdecref(c1 ? &c1->ob : NULL);
    ohm_xdecref(c2 ? &c2->ob : NULL);
    ohm_xdecref(t);
    settle(h);
    ohm_xdecref(s1);
    ohm_xdecref(s2);
    ohm_xdecref(wa);
    ohm_xdecref(wb);
    ohm_xdecref(wc);
    return r;
}

/* ------------------------------------------------- deep chains, trashcan */

static ohm_object *keep;
static int kept;
static void keep_ref(ohm_object *ref, void *arg) {
    (void)arg;
    kept++;
    if (ohm_list_append(keep, ref) < 0) SWEEP_OOM(ohm_heap_of(ref));
}

/* n lists nested in each other around inner (whose reference passes on); NULL when out
 * of memory (inner released). */
static ohm_object *nest(ohm_heap *h, ohm_object *inner, int n) {
    for (int i = 0; i < n; i++) {
        ohm_object *l = ohm_list_new(h);
        int e = !l || ohm_list_append(l, inner) < 0;
        ohm_decref(inner);
        if (e) {
            SWEEP_OOM(h);
            ohm_xdecref(l);
            return NULL;
        }
        inner = l;
    }
    return inner;
}

static int sc_release(ohm_heap *h) {
    int r = -1;
    ohm_object *t = NULL, *w0 = NULL, *w1 = NULL, *in = NULL, *chain = NULL;
    keep = NULL;
    kept = 0;
    /* a chain of 160 lists (the trashcan defers past depth 50), then one of tuples */
    ohm_object *leaf = ohm_str_new(h, "leaf", 4);
    if (!leaf) goto oom;
    if (!(chain = nest(h, leaf, 160))) goto out;
    ohm_decref(chain);
    chain = NULL;
    ohm_object *tup = ohm_float_new(h, 2.5);
    if (!tup) goto oom;
    for (int i = 0; i < 120; i++) {
        ohm_object *x = ohm_tuple_new(h, 1);
        if (!x) { ohm_decref(tup); goto oom; }
        ohm_tuple_set(x, 0, tup);
        ohm_decref(tup);
        tup = x;
    }
    ohm_decref(tup);
    /* test_reentrancy's: weakrefs whose callbacks keep them, inside a deep release */
    if (!(keep = ohm_list_new(h))) goto oom;
    if (!(t = ohm_list_new(h))) goto oom;
    if (!(w0 = ohm_weakref_new(h, t, keep_ref, NULL))) goto oom;
    if (!(w1 = ohm_weakref_new(h, t, keep_ref, NULL))) goto oom;
    if (!(in = ohm_list_new(h))) goto oom;
    /* [w0, w1, t]: a list releases its items last first, so t dies while both live */
    if (ohm_list_append(in, w0) < 0 || ohm_list_append(in, w1) < 0 || ohm_list_append(in, t) < 0)
        goto oom;
    ohm_decref(t); ohm_decref(w0); ohm_decref(w1);
    t = w0 = w1 = NULL;
    chain = nest(h, in, 55);
    in = NULL;
    if (!chain) goto out;
    ohm_decref(chain);
    chain = NULL;
    CHECK_EQ_INT(kept, 2);
    size_t n = ohm_list_len(keep);
    for (size_t i = 0; i < n; i++) {
        ohm_object *w = ohm_list_get(keep, i);
        CHECK(ohm_type_of(w) == &ohm_weakref_type);
        CHECK(ohm_weakref_get(w) == NULL);
        CHECK_EQ_SIZE(ohm_refcount(w), 1);
    }
    if (n != 2) goto out;                          /* a callback's append ran out */
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_xdecref(in);
    ohm_xdecref(t);
    ohm_xdecref(w0);
    ohm_xdecref(w1);
    ohm_xdecref(chain);
    ohm_xdecref(keep);
    keep = NULL;
    return r;
}

int main(void) {
    sweep_run("gc: finalizers, garbage", sc_gc);
    sweep_run("gc: weakrefs", sc_weakrefs);
    sweep_run("gc: deep release", sc_release);
    return check_done();
}
