/*
 * sweep_objects.c — fault sweeps (sweep.h) of objects: containers and their growth
 * (list, tuple, dict), strs and interning, a collection of cycles, finalizers and
 * weak references with callbacks.
 */
#include "sweep.h"
#include "gc_types.h"

#include <stdio.h>

/* A list of 60 ints, a dict of 40 str -> float, a tuple holding both, interning. */
static int sc_containers(ohm_heap *h) {
    ohm_object *l = NULL, *d = NULL, *t = NULL, *s1 = NULL, *s2 = NULL, *x = NULL, *k = NULL;
    int r = -1;
    if (!(l = ohm_list_new(h))) goto oom;
    for (int i = 0; i < 60; i++) {
        if (!(x = ohm_int_new(h, 1000 + i))) goto oom;
        if (ohm_list_append(l, x) < 0) {
            CHECK_EQ_SIZE(ohm_list_len(l), (size_t)i);   /* a failed append changes nothing */
            goto oom;
        }
        ohm_decref(x);
        x = NULL;
    }
    if (!(d = ohm_dict_new(h))) goto oom;
    for (int i = 0; i < 40; i++) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "key-%d", i);
        if (!(k = ohm_str_new(h, buf, (size_t)n))) goto oom;
        if (!(x = ohm_float_new(h, i + 0.5))) goto oom;
        if (ohm_dict_set(d, k, x) < 0) {
            CHECK_EQ_SIZE(ohm_dict_len(d), (size_t)i);   /* nor does a failed set */
            SWEEP_OOM(h);
            CHECK(ohm_dict_get(d, k) == NULL);           /* (absent: the message is "") */
            goto out;
        }
        ohm_decref(k);
        ohm_decref(x);
        k = x = NULL;
    }
    CHECK_EQ_SIZE(ohm_dict_len(d), 40);
    if (!(s1 = ohm_str_intern(h, "an interned name", 16))) goto oom;
    if (!(s2 = ohm_str_intern(h, "an interned name", 16))) goto oom;
    CHECK(s1 == s2);
    if (!(t = ohm_tuple_new(h, 3))) goto oom;
    if (ohm_tuple_set(t, 0, l) < 0 || ohm_tuple_set(t, 1, d) < 0 || ohm_tuple_set(t, 2, s1) < 0)
        goto oom;
    for (int i = 0; i < 20; i++) {
        ohm_object *p = ohm_list_pop(l);
        if (!p) goto oom;
        ohm_decref(p);
    }
    CHECK_EQ_SIZE(ohm_list_len(l), 40);
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_xdecref(x);
    ohm_xdecref(k);
    ohm_xdecref(t);
    ohm_xdecref(s1);
    ohm_xdecref(s2);
    ohm_xdecref(d);
    ohm_xdecref(l);
    return r;
}

/* Rings of nodes and list cycles, dropped, then collected. */
static int sc_cycles(ohm_heap *h) {
    int r = 0;
    for (int ring = 0; ring < 5 && r == 0; ring++) {
        ohm_object *first = NULL, *prev = NULL;
        for (int i = 0; i < 10; i++) {
            node *n = (node *)ohm_new(h, &node_type);
            if (!n) { SWEEP_OOM(h); r = -1; break; }
            n->id = i;
            if (!first) first = &n->ob;
            if (prev) ((node *)prev)->a = &n->ob;   /* prev's reference: ours passes on */
            else ohm_incref(&n->ob);                  /* first: one for the ring's end */
            prev = &n->ob;
        }
        if (prev) {
            ((node *)prev)->a = first;               /* close the ring with first's extra */
            ohm_decref(first);                        /* drop ours: only the ring holds it */
        }
        ohm_object *l = ohm_list_new(h);             /* a list holding itself */
        if (!l) { SWEEP_OOM(h); r = -1; continue; }
        if (ohm_list_append(l, l) < 0) { SWEEP_OOM(h); r = -1; }
        ohm_decref(l);
    }
    ohm_gc_collect(h, 2);   /* whatever its vectors get, every cycle must go */
    return r;
}

/* Finalizers and weakrefs whose callbacks run, by refcount and by a collection. */
static int calls;
static void on_dead(ohm_object *ref, void *arg) { (void)ref; (void)arg; calls++; }

static int sc_weakrefs(ohm_heap *h) {
    int r = -1;
    ohm_object *a = NULL, *w1 = NULL, *w2 = NULL, *w3 = NULL;
    node *b = NULL, *c = NULL;
    calls = 0;
    if (!(a = ohm_list_new(h))) goto oom;
    if (!(w1 = ohm_weakref_new(h, a, on_dead, NULL))) goto oom;
    if (!(w2 = ohm_weakref_new(h, a, NULL, NULL))) goto oom;
    ohm_decref(a);                                   /* dies: w1's callback runs */
    a = NULL;
    CHECK_EQ_INT(calls, 1);
    CHECK(ohm_weakref_get(w1) == NULL);
    /* a cycle of finalizable nodes with a weakref and callback to one of them */
    if (!(b = (node *)ohm_new(h, &fin_type))) goto oom;
    if (!(c = (node *)ohm_new(h, &fin_type))) goto oom;
    b->a = &c->ob;
    ohm_incref(&c->ob);
    c->a = &b->ob;
    ohm_incref(&b->ob);
    if (!(w3 = ohm_weakref_new(h, &b->ob, on_dead, NULL))) goto oom;
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_xdecref(a);
    ohm_xdecref(b ? &b->ob : NULL);
    ohm_xdecref(c ? &c->ob : NULL);
    ohmi_error_clear(h);
    size_t found = ohm_gc_collect(h, 2);
    char err[256];
    snprintf(err, sizeof err, "%s", ohm_last_error(h));   /* ohm_weakref_get clears it */
    ohm_object *t = w3 ? ohm_weakref_get(w3) : NULL;
    if (t) {                                         /* the collection ran out of memory */
        CHECK_EQ_SIZE(found, 0);
        CHECK(err[0] != '\0');                       /* and said so */
        ohm_decref(t);
        r = -1;
    }
    ohm_xdecref(w1);
    ohm_xdecref(w2);
    ohm_xdecref(w3);
    return r;
}

/* The collector's queries: enumerations (gathered first, so they need memory), explain,
 * freeze, callbacks. An enumeration out of memory lists nothing and says so. */
static int counted;
static int count_one(ohm_object *o, void *arg) { (void)o; (void)arg; counted++; return 0; }
static void on_gc(ohm_heap *h, int phase, const ohm_gc_info *info, void *arg) {
    (void)h; (void)phase; (void)info; (void)arg;
}

static int sc_gc_queries(ohm_heap *h) {
    int r = 0;
    ohm_object *outer = NULL, *inner = NULL;
    if (!(outer = ohm_list_new(h)) || !(inner = ohm_list_new(h)) || ohm_list_append(outer, inner) < 0) {
        SWEEP_OOM(h);
        r = -1;
        goto out;
    }
    for (int i = 0; i < 3; i++) {
        counted = 0;
        ohmi_error_clear(h);
        if (i == 0) ohm_gc_get_objects(h, -1, count_one, NULL);
        if (i == 1) ohm_gc_get_referrers(h, inner, count_one, NULL);
        if (i == 2) ohm_gc_get_referents(outer, count_one, NULL);
        if (counted == 0) {       /* out of memory: nothing listed, and it says so */
            SWEEP_OOM(h);
            r = -1;
        }
    }
    ohmi_error_clear(h);
    int len = ohm_gc_explain(h, inner, NULL);
    if (len < 0) { CHECK_CONTAINS(ohm_last_error(h), "ohm_gc_explain: out of memory"); r = -1; }
    else CHECK_EQ_INT(len, 0);   /* inner is held from here too */
    if (ohm_gc_add_callback(h, on_gc, NULL) < 0) { SWEEP_OOM(h); r = -1; }
    ohm_gc_collect(h, 0);
out:
    ohm_xdecref(inner);
    ohm_xdecref(outer);
    return r;
}

/* A dict that grows, loses keys and grows again, walked with an iterator; a
 * variable-size object; nested tuples; a range. */
static const ohm_type blob_type = { .name = "blob", .basicsize = sizeof(ohm_object), .itemsize = 8 };

static int sc_churn(ohm_heap *h) {
    ohm_object *d = NULL, *it = NULL, *t = NULL, *b = NULL, *rg = NULL, *x = NULL;
    int r = -1;
    if (!(d = ohm_dict_new(h))) goto oom;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 30; i++) {
            if (!(x = ohm_int_new(h, 5000 + round * 100 + i))) goto oom;
            size_t before = ohm_dict_len(d);
            if (ohm_dict_set(d, x, x) < 0) { CHECK_EQ_SIZE(ohm_dict_len(d), before); goto oom; }
            ohm_decref(x);
            x = NULL;
        }
        for (int i = 0; i < 30; i += 2) {
            ohm_object *k = ohm_int_new(h, 5000 + round * 100 + i);
            if (!k) goto oom;
            CHECK_EQ_INT(ohm_dict_del(d, k), 0);
            ohm_decref(k);
        }
    }
    CHECK_EQ_SIZE(ohm_dict_len(d), 45);
    if (!(it = ohm_iter(d))) goto oom;
    size_t n = 0;
    for (ohm_object *k; (k = ohm_iter_next(it)) != NULL; n++) ohm_decref(k);
    if (ohm_last_error(h)[0]) goto oom;
    CHECK_EQ_SIZE(n, 45);
    if (!(b = ohm_new_var(h, &blob_type, 100))) goto oom;
    if (!(t = ohm_tuple_new(h, 2))) goto oom;
    for (size_t i = 0; i < 2; i++) {
        ohm_object *in = ohm_tuple_new(h, 1);
        if (!in) goto oom;
        int e = ohm_tuple_set(in, 0, b) < 0 || ohm_tuple_set(t, i, in) < 0;
        ohm_decref(in);
        if (e) goto oom;
    }
    if (!(rg = ohm_range_new(h, 0, 1000, 7))) goto oom;
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_xdecref(x);
    ohm_xdecref(rg);
    ohm_xdecref(t);
    ohm_xdecref(b);
    ohm_xdecref(it);
    ohm_xdecref(d);
    return r;
}

/* The builtin types' C API of issue 10: each allocating call of list_ops.c,
 * list_sort.c, dict_views.c, the identity dict, tuple pack, str concat and format,
 * repr of nested and self-containing containers. Each failure must change nothing
 * (checked where it is cheap to) and say why. */
#define BAPI_TRY(call) do { if (!(call)) goto oom; } while (0)
#define BAPI_OK(call) do { if ((call) < 0) goto oom; } while (0)

static int sc_builtins_api(ohm_heap *h) {
    ohm_object *l = NULL, *c = NULL, *s = NULL, *t = NULL, *d = NULL, *dc = NULL, *v = NULL;
    ohm_object *id = NULL, *k = NULL, *r = NULL, *str = NULL, *rg = NULL, *x = NULL;
    int ret = -1;
    BAPI_TRY(rg = ohm_range_new(h, 1000, 1040, 1));
    BAPI_TRY(l = ohm_list_new(h));
    BAPI_OK(ohm_list_extend(l, rg));                   /* gathers 40 ints, then splices */
    BAPI_TRY(x = ohm_float_new(h, 0.5));
    for (int i = 0; i < 12; i++) {
        size_t before = ohm_list_len(l);
        if (ohm_list_insert(l, -3 * i, x) < 0) { CHECK_EQ_SIZE(ohm_list_len(l), before); goto oom; }
    }
    BAPI_TRY(c = ohm_list_copy(l));
    BAPI_TRY(s = ohm_list_get_slice(l, 5, 30));
    if (ohm_list_set_slice(c, 2, 40, s) < 0) {         /* 38 replaced: a buffer for them */
        CHECK_EQ_SIZE(ohm_list_len(c), 52);
        goto oom;
    }
    BAPI_OK(ohm_list_set_slice(c, 0, 0, c));            /* itself: copied first */
    BAPI_OK(ohm_list_del(c, 3));
    BAPI_OK(ohm_list_reverse(c));
    if (ohm_list_sort(c) < 0) {                         /* the sort's scratch array */
        CHECK(ohm_list_get(c, 0) != NULL);
        goto oom;
    }
    BAPI_TRY(t = ohm_tuple_pack(h, 3, l, x, rg));
    BAPI_TRY(d = ohm_dict_new(h));
    for (int i = 0; i < 20; i++) {
        BAPI_TRY(k = ohm_str_from_format(h, "key-%d-%R", i, x));
        BAPI_OK(ohm_dict_set(d, k, i % 2 ? t : x));
        ohm_decref(k);
        k = NULL;
    }
    BAPI_TRY(dc = ohm_dict_copy(d));
    BAPI_TRY(v = ohm_dict_items(dc));
    ohm_decref(v);
    BAPI_TRY(v = ohm_dict_keys(dc));
    ohm_decref(v);
    BAPI_TRY(v = ohm_dict_values(dc));
    BAPI_TRY(id = ohm_dict_new_identity(h));
    for (size_t i = 0; i < ohm_list_len(v); i++) BAPI_OK(ohm_dict_set(id, ohm_list_get(v, i), d));
    BAPI_OK(ohm_dict_set(id, l, c));                    /* a list as a key */
    CHECK_EQ_INT(ohm_dict_contains(id, l), 1);
    BAPI_OK(ohm_list_append(l, l));                     /* [..., [...]] */
    BAPI_OK(ohm_dict_set(d, rg, d));                    /* {..., range: {...}} */
    BAPI_TRY(r = ohm_repr(d));
    BAPI_TRY(str = ohm_str_concat(r, r));
    ohm_decref(r);
    BAPI_TRY(r = ohm_str_from_format(h, "%S and %R: %zu", str, id, ohm_dict_len(id)));
    ret = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    if (l && ohm_list_len(l) && ohm_list_get(l, ohm_list_len(l) - 1) == l) ohm_decref(ohm_list_pop(l));
    if (d) ohm_dict_clear(d);                           /* the cycles through d and l */
    if (dc) ohm_dict_clear(dc);
    ohm_object *all[] = { l, c, s, t, d, dc, v, id, k, r, str, rg, x };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ohm_xdecref(all[i]);
    return ret;
}

/* The singletons the scenario meets, made before the baseline (they live as long as
 * the heap): small ints, one-character strs, the empty tuple. */
static void warm(ohm_heap *h) {
    ohm_object *o[4] = { ohm_int_new(h, 1), ohm_str_new(h, "", 0), ohm_tuple_new(h, 0), ohm_none(h) };
    for (int i = 0; i < 4; i++) ohm_xdecref(o[i]);
}

int main(void) {
    sweep_run("objects: containers", sc_containers);
    sweep_run("objects: cycles", sc_cycles);
    sweep_run("objects: weakrefs", sc_weakrefs);
    sweep_run("objects: gc queries", sc_gc_queries);
    sweep_run("objects: churn", sc_churn);
    sweep_prepare = warm;
    sweep_run("objects: builtins api", sc_builtins_api);
    return check_done();
}
