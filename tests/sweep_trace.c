/*
 * sweep_trace.c — fault sweeps (sweep.h) of tracing: ohm_trace_start, traced blocks
 * and objects (the tracer's tables and interned tracebacks grow), ohm_snapshot_take,
 * statistics and dump. A failure inside a tracer hook loses that trace (counted by the
 * tracer), never the user's block; a failed snapshot is NULL with a message.
 */
#include "sweep.h"

#include <stdio.h>
#include <unistd.h>

static char dump_path[64];

static void *level3(ohm_heap *h, size_t n) { return ohm_malloc(h, n); }
static void *level2(ohm_heap *h, size_t n) { return level3(h, n + 1); }

static int sc_trace(ohm_heap *h) {
    void *v[40] = { 0 };
    ohm_object *l = NULL;
    ohm_snapshot *s = NULL;
    ohm_stat *st = NULL;
    int r = -1;
    if (ohm_trace_start(h, 5) < 0) goto oom;
    for (int i = 0; i < 40; i++)
        if (!(v[i] = (i & 1) ? level2(h, (size_t)i * 30) : ohm_calloc(h, 1, (size_t)i * 50 + 1)))
            goto oom;
    if (!(l = ohm_list_new(h))) goto oom;
    for (int i = 0; i < 10; i++) {
        ohm_object *x = ohm_float_new(h, i);
        if (!x) goto oom;
        int e = ohm_list_append(l, x);
        ohm_decref(x);
        if (e < 0) goto oom;
    }
    void *q = ohm_realloc(h, v[3], 3000);
    if (!q) goto oom;
    v[3] = q;
    if (!(s = ohm_snapshot_take(h))) goto oom;
    size_t n = ohm_snapshot_statistics(s, OHM_KEY_LINENO, 0, &st);
    CHECK(n > 0 && st != NULL);
    CHECK_EQ_INT(ohm_snapshot_dump(s, dump_path), 0);
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_stats_free(st);
    ohm_snapshot_free(s);
    ohm_xdecref(l);
    for (int i = 0; i < 40; i++) ohm_free(h, v[i]);
    ohm_trace_stop(h);
    return r;
}

/* Traced objects that die by refcount and in a collection, a traceback lookup, clear,
 * two snapshots compared and filtered, then tracing restarted sampled. */
static int sc_trace_objects(ohm_heap *h) {
    ohm_snapshot *s1 = NULL, *s2 = NULL, *f = NULL;
    ohm_stat *st = NULL;
    ohm_object *keep = NULL;
    int r = -1;
    if (ohm_trace_start(h, 3) < 0) goto oom;
    if (!(keep = ohm_list_new(h))) goto oom;
    if (!(s1 = ohm_snapshot_take(h))) goto oom;
    for (int i = 0; i < 20; i++) {
        ohm_object *l = ohm_list_new(h);
        if (!l) goto oom;
        int e = ohm_list_append(l, l);               /* a cycle */
        if (!e && i % 4 == 0) e = ohm_list_append(keep, l);
        ohm_decref(l);
        if (e < 0) goto oom;
    }
    ohm_gc_collect(h, 2);
    ohmi_error_clear(h);
    const ohm_traceback *tb = ohm_trace_get_traceback(h, keep);
    (void)tb;                                        /* NULL when its trace was lost */
    if (!(s2 = ohm_snapshot_take(h))) goto oom;
    size_t n = ohm_snapshot_compare(s2, s1, OHM_KEY_FILENAME, 1, &st);
    CHECK(n > 0 && st != NULL);
    ohm_trace_filter flt = { 1, "*sweep_trace.c", 0, 1, -1 };
    CHECK((f = ohm_snapshot_filter(s2, &flt, 1)) != NULL);
    ohm_trace_clear(h);
    ohm_trace_stop(h);
    if (ohm_trace_start_sampled(h, 2, 64) < 0) goto oom;
    for (int i = 0; i < 30; i++) {
        ohm_object *x = ohm_float_new(h, i * 0.25);
        if (!x) goto oom;
        int e = ohm_list_append(keep, x);
        ohm_decref(x);
        if (e < 0) goto oom;
    }
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_stats_free(st);
    ohm_snapshot_free(f);
    ohm_snapshot_free(s2);
    ohm_snapshot_free(s1);
    ohm_xdecref(keep);
    ohm_gc_collect(h, 2);
    ohm_trace_stop(h);
    return r;
}

int main(void) {
    snprintf(dump_path, sizeof dump_path, "/tmp/ohm-sweep-trace-%d.snap", (int)getpid());
    sweep_run("trace: start, snapshot", sc_trace);
    sweep_run("trace: objects, sampled", sc_trace_objects);
    unlink(dump_path);
    return check_done();
}
