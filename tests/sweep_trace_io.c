/*
 * sweep_trace_io.c — fault sweeps (sweep.h) of snapshots, ported from
 * test_trace_snapshot and test_trace_io: tracing with a host frame provider (two script
 * files), two snapshots, filters, statistics by each key, a comparison, a dump to a
 * temporary file and its load, exact and sampled.
 *
 * What a failed allocation can do here: ohm_trace_start fails (-1), a trace is lost
 * (absorbed: the tracer counts it), ohm_snapshot_take fails (NULL), or an allocation
 * of the scenario's own fails. Snapshots once taken belong to no heap, so what follows
 * (filter, statistics, compare, dump, load) must then work whatever was lost: the
 * checks are the invariants that hold either way (an inclusive filter and its exclusive
 * twin split the traces; a loaded dump equals what was dumped).
 */
#include "sweep.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char dump_path[64];

struct script { const char *file; unsigned line; };
static size_t script_frames(void *arg, ohm_frame *fr, size_t max) {
    const struct script *sc = arg;
    if (!sc->line) return 0;
    ohm_frame all[2] = { { sc->file, sc->line, "update" }, { "main.lua", 1, "main" } };
    for (size_t i = 0; i < 2 && i < max; i++) fr[i] = all[i];
    return 2;
}

static size_t total_count(const ohm_snapshot *s, size_t *bytes) {
    const ohm_trace *t;
    size_t n = ohm_snapshot_traces(s, &t), b = 0;
    for (size_t i = 0; i < n; i++) b += t[i].size;
    if (bytes) *bytes = b;
    return n;
}

/* s dumped and loaded back: the same traces, sizes and statistics. */
static void check_round_trip(const ohm_snapshot *s) {
    CHECK_EQ_INT(ohm_snapshot_dump(s, dump_path), 0);
    char err[256] = "";
    ohm_snapshot *l = ohm_snapshot_load(dump_path, err, sizeof err);
    CHECK(l != NULL);
    if (!l) { fprintf(stderr, "load: %s\n", err); return; }
    size_t b1, b2;
    CHECK_EQ_SIZE(total_count(l, &b2), total_count(s, &b1));
    CHECK_EQ_SIZE(b2, b1);
    CHECK_EQ_INT(ohm_snapshot_traceback_limit(l), ohm_snapshot_traceback_limit(s));
    CHECK_EQ_SIZE(ohm_snapshot_sample_mean(l), ohm_snapshot_sample_mean(s));
    ohm_stat *a = NULL, *b = NULL;
    size_t na = ohm_snapshot_statistics(s, OHM_KEY_TRACEBACK, 0, &a);
    size_t nb = ohm_snapshot_statistics(l, OHM_KEY_TRACEBACK, 0, &b);
    CHECK_EQ_SIZE(nb, na);
    for (size_t i = 0; i < na && i < nb; i++) {
        char x[256], y[256];
        ohm_stat_format(&a[i], 0, x, sizeof x);
        ohm_stat_format(&b[i], 0, y, sizeof y);
        CHECK_EQ_STR(y, x);
    }
    ohm_stats_free(a);
    ohm_stats_free(b);
    ohm_snapshot_free(l);
}

static int sc_snapshots(ohm_heap *h) {
    struct script sc = { "lib/util.lua", 10 };
    ohm_snapshot *s1 = NULL, *s2 = NULL, *in = NULL, *ex = NULL;
    ohm_stat *st = NULL;
    ohm_object *l = NULL;
    void *v[24] = { 0 };
    int r = -1;
    ohm_trace_set_frame_provider(h, script_frames, &sc);
    if (ohm_trace_start(h, 4) < 0) goto oom;
    if (!(l = ohm_list_new(h))) goto oom;
    for (int i = 0; i < 12; i++) {
        sc.file = (i & 1) ? "lib/util.lua" : "game.lua";
        sc.line = 10 + (unsigned)(i % 3);
        if (!(v[i] = ohm_malloc(h, 40 + (size_t)i * 16))) goto oom;
    }
    if (!(s1 = ohm_snapshot_take(h))) goto oom;
    for (int i = 12; i < 24; i++) {
        sc.file = "game.lua";
        sc.line = 50 + (unsigned)(i % 4);
        ohm_object *x = ohm_float_new(h, i);
        if (!x) goto oom;
        int e = ohm_list_append(l, x);
        ohm_decref(x);
        if (e < 0) goto oom;
        if (!(v[i] = ohm_malloc(h, 700))) goto oom;
    }
    ohm_free(h, v[0]);
    v[0] = NULL;
    sc.line = 0;                                   /* C frames from here */
    if (!(s2 = ohm_snapshot_take(h))) goto oom;
    /* filters: "lib/" globbed and its exclusive twin split the traces */
    ohm_trace_filter fin = { 1, "lib/*", 0, 0, -1 }, fex = { 0, "lib/*", 0, 0, -1 };
    CHECK((in = ohm_snapshot_filter(s2, &fin, 1)) != NULL);
    CHECK((ex = ohm_snapshot_filter(s2, &fex, 1)) != NULL);
    if (in && ex) {
        size_t bi, be, b2;
        CHECK_EQ_SIZE(total_count(in, &bi) + total_count(ex, &be), total_count(s2, &b2));
        CHECK_EQ_SIZE(bi + be, b2);
    }
    /* statistics by each key, plain and cumulative: their sizes add up to the total */
    size_t total;
    total_count(s2, &total);
    for (int key = OHM_KEY_FILENAME; key <= OHM_KEY_TRACEBACK; key++) {
        for (int cum = 0; cum < 2; cum++) {
            size_t n = ohm_snapshot_statistics(s2, (ohm_key)key, cum, &st), sum = 0;
            for (size_t i = 0; i < n; i++) sum += st[i].size;
            if (!cum) CHECK_EQ_SIZE(sum, total);
            else CHECK(sum >= total);
            ohm_stats_free(st);
            st = NULL;
        }
    }
    /* the comparison: the diffs add up to the change */
    size_t n = ohm_snapshot_compare(s2, s1, OHM_KEY_LINENO, 0, &st);
    long long diff = 0;
    for (size_t i = 0; i < n; i++) diff += st[i].size_diff;
    size_t old;
    total_count(s1, &old);
    CHECK(diff == (long long)total - (long long)old);
    char buf[256];
    if (n > 0) CHECK(ohm_stat_format(&st[0], OHM_FORMAT_DIFF, buf, sizeof buf) > 0);
    check_round_trip(s2);
    check_round_trip(in ? in : s2);
    /* sampled tracing: dump and load keep the mean */
    ohm_snapshot_free(s1);
    s1 = NULL;
    if (ohm_trace_start_sampled(h, 2, 256) < 0) goto oom;
    for (int i = 0; i < 24; i++) {
        ohm_free(h, v[i]);
        if (!(v[i] = ohm_malloc(h, 64 + (size_t)i * 8))) goto oom;
    }
    if (!(s1 = ohm_snapshot_take(h))) goto oom;
    CHECK_EQ_SIZE(ohm_snapshot_sample_mean(s1), 256);
    check_round_trip(s1);
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_stats_free(st);
    ohm_snapshot_free(ex);
    ohm_snapshot_free(in);
    ohm_snapshot_free(s2);
    ohm_snapshot_free(s1);
    ohm_xdecref(l);
    for (int i = 0; i < 24; i++) ohm_free(h, v[i]);
    ohm_trace_stop(h);
    ohm_trace_set_frame_provider(h, NULL, NULL);
    return r;
}

int main(void) {
    snprintf(dump_path, sizeof dump_path, "/tmp/ohm-sweep-trace-io-%d.snap", (int)getpid());
    sweep_run("trace io: snapshots", sc_snapshots);
    unlink(dump_path);
    return check_done();
}
