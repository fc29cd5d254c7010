/* test_timeline.c — memory over time: a recording with allocations, collections, marks
 * and nested scopes, loaded back with exact counts (collections, marks, scopes, the
 * samples each event took, the figures a sample holds); every truncation and a sweep
 * of single-bit flips of a recorded file rejected with "offset N: reason"; the errors
 * of ohm_timeline_*; OHM_TIMELINE; a write failing mid-run; recording while the heap is
 * slow (debug mode, exact tracing) and with sampled tracing sharing the countdown. */
#include "check.h"
#include "api/api.h"
#include "api/timeline.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

static char dir[] = "/tmp/ohm_tl_XXXXXX";

static const char *tmp(const char *name) {
    static char path[4][256];
    static int k;
    char *p = path[k++ & 3];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    return p;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Allocate and free in a loop until `ms` milliseconds have passed: the interval
 * samples come from allocations. */
static void churn_for(ohm_heap *h, double ms) {
    double end = now_s() + ms / 1000;
    void *keep[64] = { 0 };
    for (unsigned i = 0; now_s() < end; i++) {
        ohm_free(h, keep[i & 63]);
        keep[i & 63] = ohm_malloc(h, 16 + (i * 7) % 400);
    }
    for (int i = 0; i < 64; i++) ohm_free(h, keep[i]);
}

/* n two-object cycles, references dropped: garbage for the collector. */
static void make_cycles(ohm_heap *h, int n) {
    for (int i = 0; i < n; i++) {
        ohm_object *a = ohm_list_new(h), *b = ohm_list_new(h);
        ohm_list_append(a, b);
        ohm_list_append(b, a);
        ohm_decref(a);
        ohm_decref(b);
    }
}

static size_t count_reason(const ohmi_timeline *t, int reason) {
    size_t n = 0;
    for (size_t i = 0; i < t->nsamples; i++) n += t->samples[i].reason == reason;
    return n;
}

static ohmi_timeline *load_ok(const char *path) {
    char err[256];
    ohmi_timeline *t = ohmi_timeline_load(path, err, sizeof err);
    if (!t) fprintf(stderr, "load %s: %s\n", path, err);
    CHECK(t != NULL);
    if (t) CHECK_EQ_STR(err, "");
    return t;
}

/* Samples in time order, the first the start's, the last the stop's. */
static void check_shape(const ohmi_timeline *t) {
    CHECK(t->nsamples >= 2);
    if (t->nsamples < 2) return;
    size_t back = 0;
    for (size_t i = 1; i < t->nsamples; i++) back += t->samples[i].time_ns < t->samples[i - 1].time_ns;
    CHECK_EQ_SIZE(back, 0);
    CHECK_EQ_INT(t->samples[0].reason, OHMI_TL_START);
    CHECK_EQ_INT(t->samples[0].time_ns, 0);
    CHECK_EQ_INT(t->samples[t->nsamples - 1].reason, OHMI_TL_STOP);
    CHECK_EQ_INT(t->samples[t->nsamples - 1].time_ns, t->end_ns);
}

/* ------------------------------------------------------------ the recording */

static size_t objects_at_mark[3];

static void record(const char *path) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = 0;                   /* only the collections made here */
    ohm_heap *h = ohm_heap_new(&cfg);
    CHECK_EQ_INT(ohm_timeline_start(h, path, 1), 0);
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    ohm_object *keep = ohm_list_new(h);
    for (int i = 0; i < 1000; i++) {
        ohm_object *s = ohm_str_new(h, "timeline", 8);
        ohm_list_append(keep, s);
        ohm_decref(s);
    }
    objects_at_mark[0] = ohmi_gc_of(h)->tracked;
    ohm_timeline_mark(h, "built");
    ohm_timeline_enter(h, "outer");
    make_cycles(h, 50);
    ohm_timeline_enter(h, "inner");
    CHECK_EQ_SIZE(ohm_gc_collect(h, 0), 100);
    ohm_timeline_leave(h);
    churn_for(h, 20);
    ohm_timeline_enter(h, "inner2");
    make_cycles(h, 10);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 1), 20);
    ohm_timeline_leave(h);
    ohm_timeline_leave(h);
    objects_at_mark[1] = ohmi_gc_of(h)->tracked;
    ohm_timeline_mark(h, "collected");
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 0);
    ohm_decref(keep);
    objects_at_mark[2] = ohmi_gc_of(h)->tracked;
    ohm_timeline_mark(h, "dropped");
    ohm_timeline_enter(h, "left open");
    churn_for(h, 5);
    CHECK_EQ_INT(ohm_timeline_stop(h), 0);
    ohm_heap_destroy(h);
}

static void test_record_and_load(void) {
    const char *path = tmp("run.ohmtl");
    record(path);
    ohmi_timeline *t = load_ok(path);
    if (!t) return;
    check_shape(t);
    CHECK_EQ_INT(t->version, 1);
    CHECK_EQ_INT(t->interval_ms, 1);
    CHECK(t->start_unix_ns > 0);
    /* collections: 0, 1, 2, in order, with what each found */
    CHECK_EQ_SIZE(t->ncollections, 3);
    for (size_t i = 0; i < t->ncollections && i < 3; i++) {
        CHECK_EQ_INT(t->collections[i].generation, (int)i);
        CHECK(t->collections[i].duration_ns <= t->collections[i].time_ns);
    }
    if (t->ncollections == 3) {
        CHECK_EQ_INT(t->collections[0].collected, 100);
        CHECK_EQ_INT(t->collections[1].collected, 20);
        CHECK_EQ_INT(t->collections[2].collected, 0);
        CHECK_EQ_INT(t->collections[0].uncollectable, 0);
    }
    /* marks, and the live tracked objects each one's sample saw */
    CHECK_EQ_SIZE(t->nmarks, 3);
    static const char *const labels[3] = { "built", "collected", "dropped" };
    size_t m = 0;
    for (size_t i = 0; i < t->nsamples; i++) {
        if (t->samples[i].reason != OHMI_TL_AT_MARK || m >= 3) continue;
        CHECK_EQ_INT(t->samples[i].objects, objects_at_mark[m]);
        CHECK_EQ_INT(t->samples[i].time_ns, t->marks[m].time_ns);
        m++;
    }
    for (size_t i = 0; i < t->nmarks && i < 3; i++) CHECK_EQ_STR(t->marks[i].label, labels[i]);
    CHECK(objects_at_mark[0] >= 1);
    CHECK(objects_at_mark[1] == objects_at_mark[0]);      /* the garbage went, the list stayed */
    CHECK_EQ_INT(objects_at_mark[2], 0);
    /* scopes: names, depths, nesting, and the one left open closed at the stop */
    CHECK_EQ_SIZE(t->nscopes, 4);
    CHECK_EQ_INT(t->max_depth, 2);
    static const char *const names[4] = { "outer", "inner", "inner2", "left open" };
    static const unsigned depths[4] = { 0, 1, 1, 0 };
    for (size_t i = 0; i < t->nscopes && i < 4; i++) {
        CHECK_EQ_STR(t->scopes[i].name, names[i]);
        CHECK_EQ_INT(t->scopes[i].depth, depths[i]);
        CHECK(t->scopes[i].end_ns >= t->scopes[i].start_ns);
    }
    if (t->nscopes == 4) {
        for (int i = 1; i <= 2; i++)
            CHECK(t->scopes[i].start_ns >= t->scopes[0].start_ns && t->scopes[i].end_ns <= t->scopes[0].end_ns);
        CHECK(t->scopes[1].end_ns <= t->scopes[2].start_ns);
        CHECK_EQ_INT(t->scopes[3].end_ns, t->end_ns);
        CHECK(t->collections[0].time_ns >= t->scopes[1].start_ns && t->collections[0].time_ns <= t->scopes[1].end_ns);
    }
    /* the samples each event took */
    CHECK_EQ_SIZE(count_reason(t, OHMI_TL_START), 1);
    CHECK_EQ_SIZE(count_reason(t, OHMI_TL_STOP), 1);
    CHECK_EQ_SIZE(count_reason(t, OHMI_TL_AT_COLLECTION), 3);
    CHECK_EQ_SIZE(count_reason(t, OHMI_TL_AT_MARK), 3);
    CHECK_EQ_SIZE(count_reason(t, OHMI_TL_AT_ENTER), 4);
    CHECK_EQ_SIZE(count_reason(t, OHMI_TL_AT_LEAVE), 3);   /* not the scope the stop closed */
    CHECK(count_reason(t, OHMI_TL_INTERVAL) >= 1);        /* 25 ms of allocations, 1 ms apart */
    /* the figures: tracing from the second sample on, the pools in use, the RSS */
    CHECK_EQ_INT(t->samples[0].flags, 0);
    CHECK_EQ_INT(t->samples[0].traced_current, 0);
    size_t traced = 0, bad = 0, first_mark = 0;
    for (size_t i = 1; i < t->nsamples; i++) {
        const ohmi_timeline_sample *s = &t->samples[i];
        traced += s->flags == OHMI_TL_TRACING;
        bad += s->traced_peak < s->traced_current || !s->arenas || !s->pools || !s->rss;
        if (!first_mark && s->reason == OHMI_TL_AT_MARK) first_mark = i;
    }
    CHECK_EQ_SIZE(traced, t->nsamples - 1);
    CHECK_EQ_SIZE(bad, 0);
    CHECK(first_mark && t->samples[first_mark].traced_current >= 1000 * 32);   /* the strs */
    ohmi_timeline_free(t);
}

/* ------------------------------------------------------------ corruption */

static int rejected(const unsigned char *p, size_t n, const char *want) {
    char err[256];
    err[0] = 'x';
    ohmi_timeline *t = ohmi_timeline_parse(p, n, err, sizeof err);
    if (t) { ohmi_timeline_free(t); return 0; }
    if (strncmp(err, "offset ", 7)) return 0;
    return !want || strstr(err, want) != NULL;
}

static void test_corruption(void) {
    const char *path = tmp("run.ohmtl");
    size_t len;
    char err[256];
    unsigned char *p = ohmi_file_read(path, &len, err, sizeof err);
    CHECK(p != NULL);
    if (!p) return;
    CHECK(len > OHMI_TL_HEADER + 64);
    /* every truncation */
    size_t bad = 0;
    for (size_t n = 0; n < len; n++) bad += !rejected(p, n, NULL);
    CHECK_EQ_SIZE(bad, 0);
    /* bytes after the end */
    unsigned char *q = malloc(len + 1);
    memcpy(q, p, len);
    q[len] = 0;
    CHECK(rejected(q, len + 1, "1 bytes after the end"));
    /* every bit of the first 2 KiB and of the end, and one bit per byte elsewhere */
    bad = 0;
    size_t tried = 0;
    for (size_t i = 0; i < len; i++) {
        int all = i < 2048 || i + 128 >= len;
        for (int b = 0; b < 8; b++) {
            if (!all && b != (int)(i % 8)) continue;
            memcpy(q, p, len);
            q[i] ^= (unsigned char)(1u << b);
            tried++;
            if (!rejected(q, len, NULL)) {
                if (bad++ < 5) fprintf(stderr, "flip of byte %zu bit %d accepted\n", i, b);
            }
        }
    }
    CHECK_EQ_SIZE(bad, 0);
    CHECK(tried >= 8 * (len < 2048 ? len : 2048));
    /* the messages, where they point */
    memcpy(q, p, len);
    q[0] = 'X';
    CHECK(rejected(q, len, "offset 0: bad magic: not an ohm timeline"));
    memcpy(q, p, len);
    q[8] = 9;
    CHECK(rejected(q, len, "offset 8: unsupported version 9 (this library reads 1)"));
    memcpy(q, p, len);
    q[16] = q[17] = q[18] = q[19] = 0;
    CHECK(rejected(q, len, "offset 16: interval 0 ms outside 1..3600000"));
    uint32_t first = ohmi_le_get32(p + OHMI_TL_HEADER);
    size_t boundary = OHMI_TL_HEADER + 4 + first + 8;
    if (boundary < len) {
        char want[64];
        snprintf(want, sizeof want, "offset %zu: the file ends without its end record", boundary);
        CHECK(rejected(p, boundary, want));
    }
    CHECK(rejected(p, OHMI_TL_HEADER - 1, "offset 24: truncated header: 8 bytes needed, 7 left"));
    memcpy(q, p, len);
    q[len - 1] ^= 1;
    char want[64];
    snprintf(want, sizeof want, "offset %zu: checksum mismatch", len - 8);
    CHECK(rejected(q, len, want));
    memcpy(q, p, len);
    q[OHMI_TL_HEADER + 4] = 77;   /* the first record's type */
    snprintf(want, sizeof want, "offset %d: unknown record type 77", OHMI_TL_HEADER + 4);
    CHECK(rejected(q, len, want));
    free(q);
    free(p);
    /* a foreign file, a missing one */
    FILE *f = fopen(tmp("foreign"), "wb");
    fwrite("OHMSNAP\0 not a timeline", 1, 24, f);
    fclose(f);
    CHECK(ohmi_timeline_load(tmp("foreign"), err, sizeof err) == NULL);
    CHECK_EQ_STR(err, "offset 0: bad magic: not an ohm timeline");
    CHECK(ohmi_timeline_load(tmp("missing"), err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "missing: No such file or directory");
}

/* ------------------------------------------------------------ errors */

static void test_errors(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    CHECK_EQ_INT(ohm_timeline_stop(h), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_timeline_stop: no timeline is recording");
    ohm_timeline_mark(h, "nothing");     /* not recording: no-ops */
    ohm_timeline_enter(h, "nothing");
    ohm_timeline_leave(h);
    CHECK_EQ_INT(ohm_timeline_start(h, "/nonexistent-dir/x.ohmtl", 10), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_timeline_start: cannot write '/nonexistent-dir/x.ohmtl': "
                 "No such file or directory");
    CHECK_EQ_INT(ohm_timeline_start(h, NULL, 10), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_timeline_start: no path");
    CHECK_EQ_INT(ohm_timeline_start(h, tmp("e.ohmtl"), 3600001), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_timeline_start: interval_ms must be in 1..3600000 (0: 10), not 3600001");
    CHECK(access(tmp("e.ohmtl"), F_OK) != 0);   /* a failed start leaves no file */
    struct stat st;
    if (stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode)) {   /* the header cannot be written */
        CHECK_EQ_INT(ohm_timeline_start(h, "/dev/full", 10), -1);
        CHECK_EQ_STR(ohm_last_error(h), "ohm_timeline_start: cannot write '/dev/full': No space left on device");
    } else {
        printf("skipped: /dev/full is not the device here\n");
    }
    CHECK_EQ_INT(ohm_timeline_start(h, tmp("e.ohmtl"), 0), 0);
    CHECK_EQ_INT(ohm_timeline_start(h, tmp("f.ohmtl"), 10), -1);
    CHECK_CONTAINS(ohm_last_error(h), "ohm_timeline_start: already recording to '");
    ohm_clear_error(h);
    ohm_timeline_leave(h);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_timeline_leave: no scope is open");
    /* labels: NULL is "", a long one is cut between UTF-8 characters */
    char big[2001];
    for (int i = 0; i < 2000; i += 2) { big[i] = (char)0xC3; big[i + 1] = (char)0xA9; }  /* é */
    big[2000] = '\0';
    big[1] = 'x';   /* so the cut at 1024 falls on the second byte of an é: 1023 kept */
    ohm_timeline_mark(h, NULL);
    ohm_timeline_mark(h, big + 1);
    ohm_timeline_enter(h, NULL);
    CHECK_EQ_INT(ohm_timeline_stop(h), 0);
    CHECK_EQ_INT(ohm_timeline_stop(h), -1);
    ohmi_timeline *t = load_ok(tmp("e.ohmtl"));
    if (t) {
        CHECK_EQ_INT(t->interval_ms, 10);   /* 0: the default */
        CHECK_EQ_SIZE(t->nmarks, 2);
        CHECK_EQ_SIZE(t->nscopes, 1);
        if (t->nmarks == 2) {
            CHECK_EQ_STR(t->marks[0].label, "");
            CHECK_EQ_SIZE(strlen(t->marks[1].label), 1023);
            CHECK(!memcmp(t->marks[1].label, big + 1, 1023));
        }
        if (t->nscopes == 1) CHECK_EQ_STR(t->scopes[0].name, "");
        ohmi_timeline_free(t);
    }
    ohm_heap_destroy(h);
}

/* A write that fails mid-run (the file size limit): stop says so, the recording ends,
 * and what is left is rejected. In a child, whose limit it is. */
static void write_fails(void *arg) {
    (void)arg;
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = { 4096, 4096 };
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) { fprintf(stderr, "setrlimit failed\n"); return; }
    ohm_heap *h = ohm_heap_new(NULL);
    if (ohm_timeline_start(h, tmp("full.ohmtl"), 10) != 0) { fprintf(stderr, "start: %s\n", ohm_last_error(h)); return; }
    char label[1001];
    memset(label, 'm', 1000);
    label[1000] = '\0';
    for (int i = 0; i < 100; i++) ohm_timeline_mark(h, label);   /* 100 KiB: a chunk goes out */
    int r = ohm_timeline_stop(h);
    fprintf(stderr, "stop %d: %s\n", r, ohm_last_error(h));
    ohm_timeline_mark(h, "after");
    fprintf(stderr, "again %d\n", ohm_timeline_stop(h));
    ohm_heap_destroy(h);
}

static void test_write_failure(void) {
    int sig;
    const char *out = run_child(write_fails, NULL, &sig);
    CHECK_EQ_INT(sig, 0);
    CHECK_CONTAINS(out, "stop -1: ohm_timeline_stop: writing '");
    CHECK_CONTAINS(out, "full.ohmtl' failed after 32 bytes: File too large; the file is incomplete");
    CHECK_CONTAINS(out, "again -1");
    char err[256];
    CHECK(ohmi_timeline_load(tmp("full.ohmtl"), err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "offset 32: truncated chunk: ");   /* what the limit let through */
}

/* ------------------------------------------------------------ OHM_TIMELINE */

static const char *heap_with_env(const char *value) {
    static char msg[512];
    setenv("OHM_TIMELINE", value, 1);
    ohm_heap *h = ohm_heap_new(NULL);
    unsetenv("OHM_TIMELINE");
    snprintf(msg, sizeof msg, "%s", h ? "" : ohm_last_error(NULL));
    if (h) {
        make_cycles(h, 10);
        ohm_gc_collect(h, 2);
        ohm_timeline_mark(h, "env");
        ohm_heap_destroy(h);   /* completes the file */
    }
    return msg;
}

static void test_env(void) {
    char spec[300];
    snprintf(spec, sizeof spec, "%s:5", tmp("env.ohmtl"));
    CHECK_EQ_STR(heap_with_env(spec), "");
    ohmi_timeline *t = load_ok(tmp("env.ohmtl"));
    if (t) {
        check_shape(t);
        CHECK_EQ_INT(t->interval_ms, 5);
        CHECK_EQ_SIZE(t->ncollections, 1);
        CHECK_EQ_SIZE(t->nmarks, 1);
        ohmi_timeline_free(t);
    }
    CHECK_EQ_STR(heap_with_env(tmp("env2.ohmtl")), "");      /* no :ms: 10 */
    t = load_ok(tmp("env2.ohmtl"));
    if (t) { CHECK_EQ_INT(t->interval_ms, 10); ohmi_timeline_free(t); }
    static const char *const bad[] = { ":5", "x.ohmtl:0", "x.ohmtl:abc", "x.ohmtl:", "x.ohmtl:3600001",
                                       "a:b.ohmtl" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *msg = heap_with_env(bad[i]);
        CHECK_CONTAINS(msg, "OHM_TIMELINE: ");
    }
    CHECK_EQ_STR(heap_with_env(":5"), "OHM_TIMELINE: expected path[:ms]; the path is empty");
    CHECK_EQ_STR(heap_with_env("/nonexistent-dir/x:5"), "OHM_TIMELINE=/nonexistent-dir/x:5: "
                 "ohm_timeline_start: cannot write '/nonexistent-dir/x': No such file or directory");
    CHECK_EQ_STR(heap_with_env(""), "");   /* empty: off */
    ohm_config cfg;
    setenv("OHM_TIMELINE", "x:0", 1);
    ohm_config_init(&cfg);
    unsetenv("OHM_TIMELINE");
    CHECK(cfg.config_error != NULL);
    CHECK(cfg.timeline == NULL);
}

/* ------------------------------------------------------------ slow heaps */

/* While the heap's allocations leave the fast paths (debug hooks, exact tracing), the
 * slow paths count for the recorder; with sampled tracing both share the countdown. */
static void record_mode(const char *name, int debug, int trace) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.debug = debug;
    ohm_heap *h = ohm_heap_new(&cfg);
    const char *path = tmp(name);
    CHECK_EQ_INT(ohm_timeline_start(h, path, 1), 0);
    if (trace == 1) CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    if (trace == 2) CHECK_EQ_INT(ohm_trace_start_sampled(h, 1, 4096), 0);
    for (int round = 0; round < 3; round++) {
        churn_for(h, 4);
        ohm_object *l = ohm_list_new(h);
        for (int i = 0; i < 200; i++) {
            ohm_object *x = ohm_float_new(h, i);
            ohm_list_append(l, x);
            ohm_decref(x);
        }
        ohm_decref(l);
    }
    size_t cur = 0, peak = 0;
    ohm_trace_get_traced_memory(h, &cur, &peak);
    if (trace) CHECK(peak > 0);
    CHECK_EQ_INT(ohm_timeline_stop(h), 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
    ohmi_timeline *t = load_ok(path);
    if (!t) return;
    check_shape(t);
    size_t iv = count_reason(t, OHMI_TL_INTERVAL);
    if (iv < 2) fprintf(stderr, "%s: %zu interval samples\n", name, iv);
    CHECK(iv >= 2);   /* 12 ms of allocations, 1 ms apart */
    if (trace == 2) CHECK_EQ_INT(t->samples[t->nsamples - 1].flags, OHMI_TL_TRACING | OHMI_TL_SAMPLED);
    ohmi_timeline_free(t);
}

static void test_modes(void) {
    record_mode("fast.ohmtl", 0, 0);
    record_mode("debug.ohmtl", 1, 0);
    record_mode("exact.ohmtl", 0, 1);
    record_mode("sampled.ohmtl", 0, 2);
    record_mode("debug-sampled.ohmtl", 1, 2);
}

/* A collector callback that stops the recording: the recorder's own callback, which
 * runs after it, finds nothing to record into. */
static void stop_in_callback(ohm_heap *h, int phase, const ohm_gc_info *info, void *arg) {
    (void)info;
    if (phase == OHM_GC_STOP) *(int *)arg = ohm_timeline_stop(h);
}

static void test_stop_in_callback(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    int r = 1;
    CHECK_EQ_INT(ohm_gc_add_callback(h, stop_in_callback, &r), 0);
    CHECK_EQ_INT(ohm_timeline_start(h, tmp("cb.ohmtl"), 10), 0);
    make_cycles(h, 3);
    ohm_gc_collect(h, 2);
    CHECK_EQ_INT(r, 0);
    CHECK(h->timeline == NULL);
    ohm_gc_collect(h, 2);
    CHECK_EQ_INT(r, -1);   /* no recording left to stop */
    ohmi_timeline *t = load_ok(tmp("cb.ohmtl"));
    if (t) { CHECK_EQ_SIZE(t->ncollections, 0); ohmi_timeline_free(t); }
    ohm_heap_destroy(h);
}

/* A recording of several chunks (the buffer fills: 100 marks of 1000 bytes): each
 * chunk's checksum covers the chunks before it with their checksums, as the format
 * says, so the loader takes the file whole. (The recorder once left the earlier
 * checksums out: every file of more than one chunk was rejected, as a tour run under
 * ASan, past the one-second write, showed.) */
static void test_chunks(void) {
    const char *path = tmp("chunks.ohmtl");
    ohm_heap *h = ohm_heap_new(NULL);
    CHECK_EQ_INT(ohm_timeline_start(h, path, 10), 0);
    char label[1001];
    memset(label, 'm', 1000);
    label[1000] = '\0';
    for (int i = 0; i < 100; i++) {
        label[0] = (char)('0' + i % 10);
        ohm_timeline_mark(h, label);
    }
    CHECK_EQ_INT(ohm_timeline_stop(h), 0);
    ohm_heap_destroy(h);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    size_t chunks = 0;
    if (f) {   /* walk the chunks by their lengths */
        unsigned char len[4];
        long pos = 32;
        while (fseek(f, pos, SEEK_SET) == 0 && fread(len, 1, 4, f) == 4) {
            chunks++;
            pos += 4 + (long)(len[0] | len[1] << 8 | len[2] << 16 | (unsigned long)len[3] << 24) + 8;
        }
        fclose(f);
    }
    CHECK(chunks >= 2);
    ohmi_timeline *t = load_ok(path);
    if (t) {
        CHECK_EQ_SIZE(t->nmarks, 100);
        CHECK_EQ_INT(t->marks[99].label[0], '9');
        CHECK_EQ_SIZE(strlen(t->marks[99].label), 1000);
        check_shape(t);
        ohmi_timeline_free(t);
    }
}

int main(void) {
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 2; }
    unsetenv("OHM_TIMELINE");
    test_record_and_load();
    test_corruption();
    test_errors();
    test_write_failure();
    test_env();
    test_modes();
    test_stop_in_callback();
    test_chunks();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_done();
}
