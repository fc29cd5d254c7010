/*
 * sweep_timeline.c — fault sweep (sweep.h) of a timeline recording: start (the
 * recorder's block and its slot among the collector's callbacks are the allocations it
 * makes), objects and cycles, collections, marks, nested scopes, tracing switched on
 * and off, stop, and the file loaded back.
 *
 * What a failed allocation can do here: ohm_timeline_start fails (-1, nothing
 * recorded, no file), or one of the scenario's own allocations fails and it stops
 * early. Either way a recording that started must stop cleanly and leave a file that
 * loads, with exactly the marks, scopes and collections made before the failure: the
 * recorder takes no memory once started (its buffer is fixed, the collector runs its
 * callbacks without memory).
 */
#include "sweep.h"
#include "api/timeline.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static int sc_timeline(ohm_heap *h) {
    int r = -1;
    size_t marks = 0, scopes = 0, collections = 0;
    ohm_object *keep = NULL;
    unlink(path);
    if (ohm_timeline_start(h, path, 1) < 0) {
        SWEEP_OOM(h);
        CHECK(access(path, F_OK) != 0);   /* nothing left behind */
        return -1;
    }
    ohm_timeline_mark(h, "start");
    marks++;
    if (!(keep = ohm_list_new(h))) goto oom;
    ohm_timeline_enter(h, "build");
    scopes++;
    for (int i = 0; i < 40; i++) {
        ohm_object *a = ohm_list_new(h), *b = a ? ohm_dict_new(h) : NULL;
        if (!b) { ohm_xdecref(a); goto oom; }
        int e = ohm_list_append(a, b);
        ohm_object *k = e == 0 ? ohm_int_new(h, 1000 + i) : NULL;   /* not a cached small int */
        e = k ? ohm_dict_set(b, k, a) : -1;    /* a <-> b: a cycle */
        ohm_xdecref(k);
        if (e == 0 && (i & 3) == 0) e = ohm_list_append(keep, a);
        ohm_decref(a);
        ohm_decref(b);
        if (e < 0) goto oom;
    }
    ohm_timeline_enter(h, "collect");
    scopes++;
    ohm_gc_collect(h, 0);
    collections++;
    ohm_timeline_leave(h);
    ohm_timeline_leave(h);
    if (ohm_trace_start(h, 2) < 0) goto oom;
    ohm_timeline_mark(h, "tracing");
    marks++;
    void *v[16] = { 0 };
    for (int i = 0; i < 16; i++) v[i] = ohm_malloc(h, 24 + (size_t)i * 40);
    for (int i = 0; i < 16; i++) ohm_free(h, v[i]);
    ohm_trace_stop(h);
    ohm_timeline_enter(h, "left open");
    scopes++;
    ohm_gc_collect(h, 2);
    collections++;
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_xdecref(keep);
    ohm_trace_stop(h);
    CHECK_EQ_INT(ohm_timeline_stop(h), 0);
    char err[256];
    ohmi_timeline *t = ohmi_timeline_load(path, err, sizeof err);
    CHECK(t != NULL);
    if (!t) {
        fprintf(stderr, "load: %s\n", err);
        return r;
    }
    CHECK_EQ_SIZE(t->nmarks, marks);
    CHECK_EQ_SIZE(t->nscopes, scopes);
    /* a collection that ran out of memory still ran (and is recorded) */
    CHECK_EQ_SIZE(t->ncollections, collections);
    CHECK(t->nsamples >= 2 + marks + scopes);
    ohmi_timeline_free(t);
    return r;
}

int main(void) {
    snprintf(path, sizeof path, "/tmp/ohm-sweep-timeline-%d.ohmtl", (int)getpid());
    sweep_run("timeline", sc_timeline);
    unlink(path);
    return check_done();
}
