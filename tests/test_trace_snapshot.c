/* test_trace_snapshot.c — snapshots: compare, filters (file glob, line, all frames,
 * domain, inclusive/exclusive), formatting as tracemalloc formats. */
#include "check.h"
#include "trace/trace_impl.h"

static ohm_heap *new_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    ohm_heap *h = ohm_heap_new(&cfg);
    CHECK(h != NULL);
    return h;
}

static unsigned stat_line(const ohm_stat *st) {
    return st->traceback->frames[st->traceback->nframe - 1].lineno;
}

static void test_compare(void) {
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    void *a[8], *b[4], *c[6];
    unsigned la = 0, lb = 0, lc = 0;
    for (int i = 0; i < 8; i++) { la = __LINE__; a[i] = ohm_malloc(h, 64); }
    for (int i = 0; i < 4; i++) { lb = __LINE__; b[i] = ohm_malloc(h, 1024); }
    ohm_snapshot *old = ohm_snapshot_take(h);
    /* then: a loses 6 blocks, b is gone, c is new */
    for (int i = 2; i < 8; i++) ohm_free(h, a[i]);
    for (int i = 0; i < 4; i++) ohm_free(h, b[i]);
    for (int i = 0; i < 6; i++) { lc = __LINE__; c[i] = ohm_malloc(h, 512); }
    ohm_snapshot *now = ohm_snapshot_take(h);
    ohm_stat *st;
    size_t n = ohm_snapshot_compare(now, old, OHM_KEY_LINENO, 0, &st);
    CHECK_EQ_SIZE(n, 3);
    if (n == 3) {
        /* |size_diff|: b -4096, c +3072, a -384 */
        CHECK_EQ_INT(stat_line(&st[0]), lb);
        CHECK_EQ_SIZE(st[0].size, 0);
        CHECK_EQ_SIZE(st[0].count, 0);
        CHECK_EQ_INT(st[0].size_diff, -4096);
        CHECK_EQ_INT(st[0].count_diff, -4);
        CHECK_EQ_INT(stat_line(&st[1]), lc);
        CHECK_EQ_SIZE(st[1].size, 3072);
        CHECK_EQ_SIZE(st[1].count, 6);
        CHECK_EQ_INT(st[1].size_diff, 3072);
        CHECK_EQ_INT(st[1].count_diff, 6);
        CHECK_EQ_INT(stat_line(&st[2]), la);
        CHECK_EQ_SIZE(st[2].size, 128);
        CHECK_EQ_SIZE(st[2].count, 2);
        CHECK_EQ_INT(st[2].size_diff, -384);
        CHECK_EQ_INT(st[2].count_diff, -6);
        char line[256], want[256];
        ohm_stat_format(&st[1], OHM_FORMAT_DIFF, line, sizeof line);
        snprintf(want, sizeof want, "%s:%u: size=3072 B (+3072 B), count=6 (+6), average=512 B", __FILE__, lc);
        CHECK_EQ_STR(line, want);
        ohm_stat_format(&st[0], OHM_FORMAT_DIFF, line, sizeof line);
        snprintf(want, sizeof want, "%s:%u: size=0 B (-4096 B), count=0 (-4)", __FILE__, lb);
        CHECK_EQ_STR(line, want);
    }
    ohm_stats_free(st);
    /* by file: one entry, the net change */
    n = ohm_snapshot_compare(now, old, OHM_KEY_FILENAME, 0, &st);
    CHECK_EQ_SIZE(n, 1);
    if (n == 1) {
        CHECK_EQ_SIZE(st[0].size, 3200);
        CHECK_EQ_INT(st[0].size_diff, 3200 - 4608);
        CHECK_EQ_INT(st[0].count_diff, 8 - 12);
    }
    ohm_stats_free(st);
    /* compare with itself: all zero diffs, ordered by size */
    n = ohm_snapshot_compare(now, now, OHM_KEY_TRACEBACK, 0, &st);
    CHECK_EQ_SIZE(n, 2);
    if (n == 2) {
        CHECK_EQ_INT(stat_line(&st[0]), lc);
        CHECK_EQ_INT(st[0].size_diff, 0);
        CHECK_EQ_INT(st[1].count_diff, 0);
    }
    ohm_stats_free(st);
    /* snapshots outlive tracing */
    ohm_trace_stop(h);
    n = ohm_snapshot_statistics(old, OHM_KEY_LINENO, 0, &st);
    CHECK_EQ_SIZE(n, 2);
    if (n == 2) CHECK_EQ_STR(st[0].traceback->frames[0].filename, __FILE__);
    ohm_stats_free(st);
    ohm_snapshot_free(old);
    ohm_snapshot_free(now);
    for (int i = 0; i < 2; i++) ohm_free(h, a[i]);
    for (int i = 0; i < 6; i++) ohm_free(h, c[i]);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* Provider frames make tracebacks of two files to filter on. */
struct script { const char *f[2]; unsigned l[2]; };
static size_t script_frames(void *arg, ohm_frame *fr, size_t max) {
    struct script *sc = arg;
    for (size_t i = 0; i < 2 && i < max; i++) {
        fr[i].filename = sc->f[i];
        fr[i].lineno = sc->l[i];
        fr[i].function = NULL;
    }
    return 2;
}

static size_t filtered(const ohm_snapshot *s, const ohm_trace_filter *f, size_t nf, size_t *bytes) {
    ohm_snapshot *d = ohm_snapshot_filter(s, f, nf);
    CHECK(d != NULL);
    if (!d) return (size_t)-1;
    const ohm_trace *tr;
    size_t n = ohm_snapshot_traces(d, &tr);
    *bytes = 0;
    for (size_t i = 0; i < n; i++) *bytes += tr[i].size;
    ohm_snapshot_free(d);
    return n;
}

static void test_filters(void) {
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start(h, 4), 0);
    struct script sc = { { "lib/parse.py", "main.py" }, { 20, 5 } };   /* newest first */
    ohm_trace_set_frame_provider(h, script_frames, &sc);
    void *p[3], *q[2], *o[2];
    for (int i = 0; i < 3; i++) p[i] = ohm_malloc(h, 100);      /* parse.py:20 <- main.py:5 */
    sc.f[0] = "main.py"; sc.l[0] = 9;
    for (int i = 0; i < 2; i++) q[i] = ohm_malloc(h, 10);       /* main.py:9 <- main.py:5 */
    for (int i = 0; i < 2; i++) o[i] = ohmi_alloc_malloc(h, OHM_DOMAIN_OBJ, 1000);   /* OBJ domain */
    ohm_snapshot *s = ohm_snapshot_take(h);
    size_t bytes;

    CHECK_EQ_SIZE(filtered(s, NULL, 0, &bytes), 7);             /* no filters: a copy */
    CHECK_EQ_SIZE(bytes, 2320);
    ohm_trace_filter f1 = { 1, "lib/*", 0, 0, -1 };             /* inclusive glob, newest frame */
    CHECK_EQ_SIZE(filtered(s, &f1, 1, &bytes), 3);
    CHECK_EQ_SIZE(bytes, 300);
    ohm_trace_filter f2 = { 0, "lib/*", 0, 0, -1 };             /* exclusive */
    CHECK_EQ_SIZE(filtered(s, &f2, 1, &bytes), 4);
    CHECK_EQ_SIZE(bytes, 2020);
    ohm_trace_filter f3 = { 1, "main.py", 5, 0, -1 };           /* line 5 is never the newest */
    CHECK_EQ_SIZE(filtered(s, &f3, 1, &bytes), 0);
    f3.all_frames = 1;                                          /* but it is in every script stack */
    CHECK_EQ_SIZE(filtered(s, &f3, 1, &bytes), 7);
    ohm_trace_filter f4 = { 0, "main.py", 0, 1, -1 };           /* exclusive, any frame */
    CHECK_EQ_SIZE(filtered(s, &f4, 1, &bytes), 0);
    ohm_trace_filter f5 = { 1, NULL, 0, 0, OHM_DOMAIN_OBJ };    /* domain filters */
    CHECK_EQ_SIZE(filtered(s, &f5, 1, &bytes), 2);
    CHECK_EQ_SIZE(bytes, 2000);
    f5.inclusive = 0;
    CHECK_EQ_SIZE(filtered(s, &f5, 1, &bytes), 5);
    CHECK_EQ_SIZE(bytes, 320);
    /* two inclusive filters: either; plus an exclusive one: and not */
    ohm_trace_filter fs[3] = { { 1, "lib/*", 0, 0, -1 }, { 1, "main.py", 9, 0, -1 },
                               { 0, NULL, 0, 0, OHM_DOMAIN_OBJ } };
    CHECK_EQ_SIZE(filtered(s, fs, 2, &bytes), 7);
    CHECK_EQ_SIZE(filtered(s, fs, 3, &bytes), 5);
    CHECK_EQ_SIZE(bytes, 320);
    fs[0].filename_pattern = "*.c";
    CHECK_EQ_SIZE(filtered(s, fs, 3, &bytes), 2);
    CHECK_EQ_SIZE(bytes, 20);

    /* a filtered snapshot's statistics */
    ohm_snapshot *d = ohm_snapshot_filter(s, &f1, 1);
    ohm_snapshot_free(s);   /* the filtered copy owns its data */
    ohm_stat *st;
    size_t n = ohm_snapshot_statistics(d, OHM_KEY_TRACEBACK, 0, &st);
    CHECK_EQ_SIZE(n, 1);
    if (n == 1) {
        CHECK_EQ_SIZE(st[0].traceback->nframe, 2);
        CHECK_EQ_STR(st[0].traceback->frames[0].filename, "main.py");
        CHECK_EQ_STR(st[0].traceback->frames[1].filename, "lib/parse.py");
        CHECK_EQ_SIZE(st[0].count, 3);
        char buf[256];
        ohm_traceback_format(st[0].traceback, buf, sizeof buf);
        CHECK_EQ_STR(buf, "  File \"main.py\", line 5\n  File \"lib/parse.py\", line 20\n");
    }
    ohm_stats_free(st);
    ohm_snapshot_free(d);
    for (int i = 0; i < 3; i++) ohm_free(h, p[i]);
    for (int i = 0; i < 2; i++) ohm_free(h, q[i]);
    for (int i = 0; i < 2; i++) ohmi_alloc_free(h, OHM_DOMAIN_OBJ, o[i]);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_format(void) {
    ohm_frame fr[2] = { { "main.c", 7, "main" }, { "file.c", 42, "make" } };
    ohm_traceback tb = { 2, 3, fr };
    ohm_stat st = { &tb, 1536 * 1024, 3, 1024 * 1024, 2 };
    char buf[256];
    int n = ohm_stat_format(&st, 0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "file.c:42: size=1536 KiB, count=3, average=512 KiB");
    CHECK_EQ_INT(n, (int)strlen(buf));
    ohm_stat_format(&st, OHM_FORMAT_DIFF, buf, sizeof buf);
    CHECK_EQ_STR(buf, "file.c:42: size=1536 KiB (+1024 KiB), count=3 (+2), average=512 KiB");
    ohm_stat_format(&st, OHM_FORMAT_ESTIMATE, buf, sizeof buf);
    CHECK_EQ_STR(buf, "file.c:42: size=~1536 KiB, count=~3, average=~512 KiB");
    char small[10];
    n = ohm_stat_format(&st, 0, small, sizeof small);   /* truncated, NUL-terminated */
    CHECK_EQ_STR(small, "file.c:42");
    CHECK_EQ_INT(n, (int)strlen("file.c:42: size=1536 KiB, count=3, average=512 KiB"));
    ohm_traceback_format(&tb, buf, sizeof buf);
    CHECK_EQ_STR(buf, "  File \"main.c\", line 7, in main\n  File \"file.c\", line 42, in make\n");
    struct { long long v; int sign; const char *want; } sz[] = {
        { 0, 0, "0 B" }, { 100, 0, "100 B" }, { 10239, 0, "10239 B" }, { 15000, 0, "14.6 KiB" },
        { 1572864, 0, "1536 KiB" }, { 10485760, 0, "10.0 MiB" }, { -4096, 1, "-4096 B" },
        { 123, 1, "+123 B" }, { (long long)5 << 40, 0, "5120 GiB" }, { (long long)20000 << 40, 0, "20000 TiB" },
    };
    for (size_t i = 0; i < sizeof sz / sizeof *sz; i++) {
        ohm_format_size(sz[i].v, sz[i].sign, buf, sizeof buf);
        CHECK_EQ_STR(buf, sz[i].want);
    }
    FILE *out = tmpfile();
    ohm_stat two[2] = { st, st };
    ohm_stats_print(two, 2, 1, 0, out);
    rewind(out);
    size_t got = fread(buf, 1, sizeof buf - 1, out);
    buf[got] = '\0';
    fclose(out);
    CHECK_EQ_STR(buf, "file.c:42: size=1536 KiB, count=3, average=512 KiB\n");
}

/* One frame, x.py:7, in the function *arg names. */
static size_t one_frame(void *arg, ohm_frame *fr, size_t max) {
    if (max < 1) return 1;
    fr[0].filename = "x.py";
    fr[0].lineno = 7;
    fr[0].function = *(const char **)arg;
    return 1;
}

/* Statistics by line name a function only when every frame of that line agrees, so
 * that they do not depend on the order of the traces (found by fuzz_snapshot_load: a
 * copy of a snapshot gave another function than the original). */
static void test_lineno_function(void) {
    const char *fn = "f";
    for (int mixed = 0; mixed < 2; mixed++) {
        ohm_heap *h = new_heap();
        CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
        ohm_trace_set_frame_provider(h, one_frame, &fn);
        fn = "f";
        void *a = ohm_malloc(h, 100);
        fn = mixed ? "g" : "f";
        void *b = ohm_malloc(h, 60);
        ohm_snapshot *s = ohm_snapshot_take(h);
        ohm_stat *st = NULL;
        CHECK_EQ_SIZE(ohm_snapshot_statistics(s, OHM_KEY_LINENO, 0, &st), 1);
        CHECK_EQ_SIZE(st[0].size, 160);
        const char *shown = st[0].traceback->frames[0].function;
        if (mixed) CHECK(shown == NULL);
        else CHECK(shown && !strcmp(shown, "f"));
        ohm_stats_free(st);
        ohm_snapshot *c = ohm_snapshot_filter(s, NULL, 0);   /* a copy: the same answer */
        CHECK_EQ_SIZE(ohm_snapshot_statistics(c, OHM_KEY_LINENO, 1, &st), 1);
        shown = st[0].traceback->frames[0].function;
        if (mixed) CHECK(shown == NULL);
        else CHECK(shown && !strcmp(shown, "f"));
        ohm_stats_free(st);
        ohm_snapshot_free(c);
        ohm_snapshot_free(s);
        ohm_free(h, a);
        ohm_free(h, b);
        ohm_heap_destroy(h);
    }
}

int main(void) {
    unsetenv("OHM_TRACEMALLOC");
    unsetenv("OHM_TRACE_UNWIND");
    test_compare();
    test_filters();
    test_format();
    test_lineno_function();
    return check_done();
}
