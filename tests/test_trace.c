/* test_trace.c — tracing core: start/stop, exact statistics of a scripted pattern,
 * realloc and free, peak, tracebacks (call sites, native frames, a host provider, a
 * host site provider),
 * OHM_TRACEMALLOC, the traces table under churn. */
#include "check.h"
#include "trace/trace_impl.h"

static ohm_heap *new_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    ohm_heap *h = ohm_heap_new(&cfg);
    CHECK(h != NULL);
    return h;
}

static const ohm_frame *newest(const ohm_traceback *tb) {
    return &tb->frames[tb->nframe - 1];
}

static void test_start_stop(void) {
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_is_tracing(h), 0);
    CHECK_EQ_INT(ohm_trace_start(h, 0), -1);
    CHECK_CONTAINS(ohm_last_error(h), "nframes must be in 1..128, not 0");
    CHECK_EQ_INT(ohm_trace_start(h, OHM_TRACE_MAX_FRAMES + 1), -1);
    CHECK_CONTAINS(ohm_last_error(h), "not 129");
    CHECK_EQ_INT(ohm_trace_start_sampled(h, -3, 100), -1);
    CHECK_CONTAINS(ohm_last_error(h), "ohm_trace_start_sampled: nframes");
    CHECK_EQ_INT(ohm_trace_is_tracing(h), 0);
    CHECK(ohm_snapshot_take(h) == NULL);
    CHECK_CONTAINS(ohm_last_error(h), "tracing is off");
    setenv("OHM_TRACE_UNWIND", "bogus", 1);
    CHECK_EQ_INT(ohm_trace_start(h, 1), -1);
    CHECK_CONTAINS(ohm_last_error(h), "OHM_TRACE_UNWIND");
    unsetenv("OHM_TRACE_UNWIND");
    CHECK_EQ_INT(ohm_trace_start(h, OHM_TRACE_MAX_FRAMES), 0);
    CHECK_EQ_INT(ohm_trace_get_traceback_limit(h), OHM_TRACE_MAX_FRAMES);
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);   /* changes the limit */
    CHECK_EQ_INT(ohm_trace_get_traceback_limit(h), 1);
    CHECK_EQ_INT(ohm_trace_is_tracing(h), 1);
    void *p = ohm_malloc(h, 10);
    size_t cur, peak;
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, 10);
    ohm_trace_stop(h);
    CHECK_EQ_INT(ohm_trace_is_tracing(h), 0);
    CHECK_EQ_INT(ohm_trace_get_traceback_limit(h), 0);
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, 0);
    CHECK_EQ_SIZE(peak, 0);
    CHECK(ohm_trace_get_traceback(h, p) == NULL);
    ohm_free(h, p);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* 10 x 100 B at line la, 5 x 1000 B at line lb, 3 x 7 B at lc in another function. */
static unsigned lc;
static void *alloc_small(ohm_heap *h) {
    lc = __LINE__; return ohm_malloc(h, 7);
}

static void test_pattern(void) {
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    void *a[10], *b[5], *c[3];
    unsigned la = 0, lb = 0;
    for (int i = 0; i < 10; i++) { la = __LINE__; a[i] = ohm_malloc(h, 100); }
    for (int i = 0; i < 5; i++) { lb = __LINE__; b[i] = ohm_calloc(h, 10, 100); }
    for (int i = 0; i < 3; i++) c[i] = alloc_small(h);
    size_t cur, peak;
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, 1000 + 5000 + 21);
    CHECK_EQ_SIZE(peak, cur);

    const ohm_traceback *tb = ohm_trace_get_traceback(h, a[3]);
    CHECK(tb != NULL);
    CHECK_EQ_SIZE(tb->nframe, 1);
    CHECK_EQ_SIZE(tb->total_nframe, 1);
    CHECK_EQ_STR(tb->frames[0].filename, __FILE__);
    CHECK_EQ_INT(tb->frames[0].lineno, la);
    CHECK_EQ_STR(tb->frames[0].function, "test_pattern");
    tb = ohm_trace_get_traceback(h, c[0]);
    CHECK_EQ_INT(tb->frames[0].lineno, lc);
    CHECK_EQ_STR(tb->frames[0].function, "alloc_small");
    CHECK(ohm_trace_get_traceback(h, &cur) == NULL);

    ohm_snapshot *s = ohm_snapshot_take(h);
    CHECK(s != NULL);
    const ohm_trace *tr;
    CHECK_EQ_SIZE(ohm_snapshot_traces(s, &tr), 18);
    CHECK_EQ_INT(ohm_snapshot_traceback_limit(s), 1);
    CHECK_EQ_SIZE(ohm_snapshot_sample_mean(s), 0);
    ohm_stat *st;
    size_t n = ohm_snapshot_statistics(s, OHM_KEY_LINENO, 0, &st);
    CHECK_EQ_SIZE(n, 3);
    if (n == 3) {
        CHECK_EQ_STR(st[0].traceback->frames[0].filename, __FILE__);
        CHECK_EQ_INT(st[0].traceback->frames[0].lineno, lb);
        CHECK_EQ_SIZE(st[0].size, 5000);
        CHECK_EQ_SIZE(st[0].count, 5);
        CHECK_EQ_INT(st[1].traceback->frames[0].lineno, la);
        CHECK_EQ_SIZE(st[1].size, 1000);
        CHECK_EQ_SIZE(st[1].count, 10);
        CHECK_EQ_INT(st[2].traceback->frames[0].lineno, lc);
        CHECK_EQ_SIZE(st[2].size, 21);
        CHECK_EQ_SIZE(st[2].count, 3);
        char line[256], want[256];
        ohm_stat_format(&st[0], 0, line, sizeof line);
        snprintf(want, sizeof want, "%s:%u: size=5000 B, count=5, average=1000 B", __FILE__, lb);
        CHECK_EQ_STR(line, want);
    }
    ohm_stats_free(st);
    n = ohm_snapshot_statistics(s, OHM_KEY_FILENAME, 0, &st);
    CHECK_EQ_SIZE(n, 1);
    if (n == 1) {
        CHECK_EQ_STR(st[0].traceback->frames[0].filename, __FILE__);
        CHECK_EQ_INT(st[0].traceback->frames[0].lineno, 0);
        CHECK_EQ_SIZE(st[0].size, 6021);
        CHECK_EQ_SIZE(st[0].count, 18);
    }
    ohm_stats_free(st);
    n = ohm_snapshot_statistics(s, OHM_KEY_TRACEBACK, 0, &st);
    CHECK_EQ_SIZE(n, 3);
    if (n == 3) {
        CHECK_EQ_SIZE(st[0].size, 5000);
        CHECK_EQ_STR(st[0].traceback->frames[0].function, "test_pattern");
    }
    ohm_stats_free(st);
    ohm_snapshot_free(s);

    /* frees drop traces */
    for (int i = 0; i < 10; i++) ohm_free(h, a[i]);
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, 5021);
    CHECK_EQ_SIZE(peak, 6021);
    CHECK(ohm_trace_get_traceback(h, a[0]) == NULL);
    ohm_trace_reset_peak(h);
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(peak, 5021);
    void *big = ohm_malloc(h, 100000);
    ohm_free(h, big);
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, 5021);
    CHECK_EQ_SIZE(peak, 105021);

    /* realloc moves the trace to the realloc's line and size */
    unsigned lr = __LINE__; void *r = ohm_realloc(h, b[0], 3000);
    CHECK(r != NULL);
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, 7021);
    tb = ohm_trace_get_traceback(h, r);
    CHECK(tb && tb->frames[0].lineno == lr);
    if (r != b[0]) CHECK(ohm_trace_get_traceback(h, b[0]) == NULL);

    /* clear forgets traces but keeps tracing */
    ohm_trace_clear(h);
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, 0);
    CHECK_EQ_SIZE(peak, 0);
    CHECK_EQ_INT(ohm_trace_is_tracing(h), 1);
    CHECK(ohm_trace_get_traceback(h, r) == NULL);
    ohm_free(h, r);               /* untraced now: no effect */
    void *x = ohm_malloc(h, 5);
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, 5);
    ohm_free(h, x);
    for (int i = 1; i < 5; i++) ohm_free(h, b[i]);
    for (int i = 0; i < 3; i++) ohm_free(h, c[i]);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* Native frames past the call site: the caller of the allocating function. */
static OHM_NOINLINE void *native_leaf(ohm_heap *h, unsigned *line) {
    *line = __LINE__; return ohm_malloc(h, 48);
}
static OHM_NOINLINE void *native_mid(ohm_heap *h, unsigned *line) {
    void *p = native_leaf(h, line);
    __asm__ volatile("" ::: "memory");   /* keep this frame (no tail call) */
    return p;
}

static void check_native(const char *method) {
    if (method) setenv("OHM_TRACE_UNWIND", method, 1);
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start(h, 16), 0);
    unsigned line;
    void *pq[2];
    for (volatile int i = 0; i < 2; i++) pq[i] = native_mid(h, &line);   /* one call site */
    void *p = pq[0], *q = pq[1];
    const ohm_traceback *tb = ohm_trace_get_traceback(h, p);
    CHECK(tb != NULL);
    if (tb) {
        CHECK(tb->nframe >= 3);
        CHECK(tb->total_nframe >= tb->nframe);
        CHECK_EQ_STR(newest(tb)->filename, __FILE__);
        CHECK_EQ_INT(newest(tb)->lineno, line);
        CHECK_EQ_STR(newest(tb)->function, "native_leaf");
        /* the next frame is native_mid: in the test program, not in ohm's internals */
        const ohm_frame *f = &tb->frames[tb->nframe - 2];
        CHECK(f->filename != NULL && f->function != NULL);
        CHECK_CONTAINS(f->filename, "test_trace");
    }
    /* same stack, same interned traceback */
    CHECK(ohm_trace_get_traceback(h, q) == tb);
    /* without the macro: native frames only, still traced */
    void *r = (ohm_malloc)(h, 24);
    tb = ohm_trace_get_traceback(h, r);
    CHECK(tb != NULL && tb->nframe >= 1);
    FILE *out = tmpfile();
    ohmi_trace_print_origin(h, p, out);
    char buf[4096] = { 0 };
    rewind(out);
    size_t got = fread(buf, 1, sizeof buf - 1, out);
    buf[got] = '\0';
    fclose(out);
    CHECK_CONTAINS(buf, "    allocated at ");
    CHECK_CONTAINS(buf, "(native_leaf)");
    ohm_free(h, p);
    ohm_free(h, q);
    ohm_free(h, r);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
    unsetenv("OHM_TRACE_UNWIND");
}

static void test_native(void) {
    check_native(NULL);
    check_native("fp");
    check_native("backtrace");
}

/* A host-language provider: two frames of a script, newest first. */
struct script { const char *file; unsigned line[2]; ohm_heap *h; int allocate; int calls; };
static size_t script_frames(void *arg, ohm_frame *fr, size_t max) {
    struct script *sc = arg;
    sc->calls++;
    if (sc->allocate) {   /* a provider allocating from the traced heap: not traced */
        void *p = ohm_malloc(sc->h, 64);
        ohm_free(sc->h, p);
    }
    if (!sc->file) return 0;
    ohm_frame all[2] = { { sc->file, sc->line[0], "f" }, { sc->file, sc->line[1], "<module>" } };
    for (size_t i = 0; i < 2 && i < max; i++) fr[i] = all[i];
    return 2;
}

static void test_provider(void) {
    ohm_heap *h = new_heap();
    char name[32];
    strcpy(name, "script.py");   /* the tracer copies: the host may reuse its buffer */
    struct script sc = { name, { 10, 3 }, h, 1, 0 };
    CHECK_EQ_INT(ohm_trace_start(h, 4), 0);
    ohm_trace_set_frame_provider(h, script_frames, &sc);
    void *p = ohm_malloc(h, 100);
    void *q = ohm_malloc(h, 50);
    sc.line[0] = 11;
    void *r = ohm_malloc(h, 25);
    strcpy(name, "other.py");
    sc.file = NULL;             /* provider gives nothing: the C call site is used */
    unsigned lc_ = __LINE__; void *c = ohm_malloc(h, 1);
    CHECK_EQ_INT(sc.calls, 4);
    size_t cur;
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(cur, 176);    /* the provider's own 64-byte blocks are not traced */
    const ohm_traceback *tb = ohm_trace_get_traceback(h, p);
    CHECK(tb && tb->nframe == 2 && tb->total_nframe == 2);
    if (tb && tb->nframe == 2) {
        CHECK_EQ_STR(tb->frames[0].filename, "script.py");
        CHECK_EQ_INT(tb->frames[0].lineno, 3);
        CHECK_EQ_STR(tb->frames[0].function, "<module>");
        CHECK_EQ_INT(tb->frames[1].lineno, 10);
        CHECK_EQ_STR(tb->frames[1].function, "f");
    }
    CHECK(ohm_trace_get_traceback(h, q) == tb);
    tb = ohm_trace_get_traceback(h, c);
    CHECK(tb && tb->frames[tb->nframe - 1].lineno == lc_);
    ohm_snapshot *s = ohm_snapshot_take(h);
    ohm_stat *st;
    size_t n = ohm_snapshot_statistics(s, OHM_KEY_LINENO, 0, &st);
    CHECK_EQ_SIZE(n, 3);
    if (n == 3) {
        CHECK_EQ_STR(st[0].traceback->frames[0].filename, "script.py");
        CHECK_EQ_INT(st[0].traceback->frames[0].lineno, 10);
        CHECK_EQ_SIZE(st[0].size, 150);
        CHECK_EQ_SIZE(st[0].count, 2);
        CHECK_EQ_INT(st[1].traceback->frames[0].lineno, 11);
        CHECK_EQ_SIZE(st[1].size, 25);
    }
    ohm_stats_free(st);
    /* cumulative: line 3 (<module>) holds all three script blocks */
    n = ohm_snapshot_statistics(s, OHM_KEY_LINENO, 1, &st);
    CHECK(n >= 4);
    if (n >= 4) {
        CHECK_EQ_INT(st[0].traceback->frames[0].lineno, 3);
        CHECK_EQ_SIZE(st[0].size, 175);
        CHECK_EQ_SIZE(st[0].count, 3);
    }
    ohm_stats_free(st);
    /* cumulative by file: script.py once per trace, though two frames name it */
    n = ohm_snapshot_statistics(s, OHM_KEY_FILENAME, 1, &st);
    CHECK(n >= 1);
    if (n >= 1) {
        CHECK_EQ_STR(st[0].traceback->frames[0].filename, "script.py");
        CHECK_EQ_SIZE(st[0].size, 175);
        CHECK_EQ_SIZE(st[0].count, 3);
    }
    ohm_stats_free(st);
    ohm_snapshot_free(s);
    ohm_trace_set_frame_provider(h, NULL, NULL);
    ohm_free(h, p); ohm_free(h, q); ohm_free(h, r); ohm_free(h, c);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* A host site provider: two records of a script, newest first, then sc->native native
 * frames: given (sc->pc, when set) or unwound by ohm. */
static const ohm_callsite site_handle = { "app.py", "handle", 12 };
static const ohm_callsite site_handle2 = { "app.py", "handle", 13 };
static const ohm_callsite site_module = { "app.py", "<module>", 30 };
struct sites { const ohm_callsite *newest; size_t native; uintptr_t pc; ohm_heap *h; int calls; int give; };
static size_t script_sites(void *arg, const ohm_callsite **out, size_t max, uintptr_t *pcs,
                           size_t *npcs) {
    struct sites *sc = arg;
    sc->calls++;
    void *p = ohm_malloc(sc->h, 48);   /* the provider's own block: not traced */
    ohm_free(sc->h, p);
    if (!sc->give) return 0;
    const ohm_callsite *all[2] = { sc->newest, &site_module };
    size_t n = 0;
    for (; n < 2 && n < max; n++) out[n] = all[n];
    CHECK_EQ_SIZE(*npcs, 0);
    if (sc->native && sc->pc) {
        size_t k = 0;
        for (; k < sc->native && n + k < max; k++) pcs[k] = sc->pc + k;
        *npcs = k;
    } else if (sc->native) {
        *npcs = OHM_UNWIND_NATIVE;
    }
    return n;
}

static void test_site_provider(void) {
    ohm_heap *h = new_heap();
    struct sites sc = { &site_handle, 0, 0, h, 0, 1 };
    /* limit 1: the newest record, through the call sites' cache */
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    ohm_trace_set_site_provider(h, script_sites, &sc);
    void *p = ohm_malloc(h, 100), *q = ohm_malloc(h, 700);   /* a pool block, a large one */
    sc.newest = &site_handle2;
    void *r = ohm_malloc(h, 20);
    CHECK(sc.calls >= 3);
    size_t cur;
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(cur, 820);
    const ohm_traceback *tb = ohm_trace_get_traceback(h, p);
    CHECK(tb && tb->nframe == 1 && tb->total_nframe == 1);
    if (tb && tb->nframe == 1) {
        CHECK_EQ_STR(tb->frames[0].filename, "app.py");
        CHECK_EQ_INT(tb->frames[0].lineno, 12);
        CHECK_EQ_STR(tb->frames[0].function, "handle");
    }
    CHECK(ohm_trace_get_traceback(h, q) == tb);   /* one record, one traceback */
    const ohm_traceback *tr = ohm_trace_get_traceback(h, r);
    CHECK(tr && tr != tb && tr->frames[0].lineno == 13);
    /* a C call site recorded by the macros does not hide the host's frame */
    static const ohm_callsite c_site = { "glue.c", "glue", 7 };
    ohm_callsite_frame cf = { &c_site, __builtin_frame_address(0), ohm_callsite_ };
    ohm_callsite_ = &cf;
    void *g = (ohm_malloc)(h, 16);
    ohm_callsite_ = cf.prev;
    tr = ohm_trace_get_traceback(h, g);
    CHECK(tr && tr->frames[0].lineno == 13 && !strcmp(tr->frames[0].filename, "app.py"));
    /* no host frame: the C frames */
    sc.give = 0;
    unsigned line_c = __LINE__; void *c = ohm_malloc(h, 8);
    sc.give = 1;
    tr = ohm_trace_get_traceback(h, c);
    CHECK(tr && newest(tr)->lineno == line_c && !strcmp(newest(tr)->filename, __FILE__));
    ohm_free(h, p); ohm_free(h, q); ohm_free(h, r); ohm_free(h, g); ohm_free(h, c);
    /* limit 4: both records, then the native frames ohm unwinds, up to the limit */
    CHECK_EQ_INT(ohm_trace_start(h, 4), 0);
    sc.newest = &site_handle;
    sc.native = 1;
    p = ohm_malloc(h, 64);
    tb = ohm_trace_get_traceback(h, p);
    CHECK(tb && tb->nframe == 4 && tb->total_nframe == 4);
    if (tb && tb->nframe == 4) {   /* oldest first: two native frames, <module>, handle */
        CHECK_EQ_INT(tb->frames[3].lineno, 12);
        CHECK_EQ_STR(tb->frames[2].function, "<module>");
        CHECK_EQ_INT(tb->frames[2].lineno, 30);
        CHECK(tb->frames[1].filename && strstr(tb->frames[1].filename, "test_trace"));
    }
    /* return addresses the provider gives itself: kept as native frames, cut to the limit */
    sc.pc = (uintptr_t)&test_site_provider + 8;
    q = ohm_malloc(h, 64);
    tr = ohm_trace_get_traceback(h, q);
    CHECK(tr && tr->nframe == 3 && tr->total_nframe == 3);
    if (tr && tr->nframe == 3) {   /* oldest first: the pc, <module>, handle */
        CHECK(tr->frames[0].filename && strstr(tr->frames[0].filename, "test_trace"));
        CHECK_EQ_INT(tr->frames[0].lineno, 0);
        CHECK_EQ_INT(tr->frames[1].lineno, 30);
    }
    sc.native = 5;
    void *gp = ohm_malloc(h, 64);
    tr = ohm_trace_get_traceback(h, gp);
    CHECK(tr && tr->nframe == 4 && tr->total_nframe == 4);
    if (tr && tr->nframe == 4) {   /* oldest first: the second pc, the first, <module>, handle */
        CHECK(tr->frames[0].filename && strstr(tr->frames[0].filename, "test_trace"));
        CHECK(tr->frames[1].filename && strstr(tr->frames[1].filename, "test_trace"));
        CHECK_EQ_INT(tr->frames[2].lineno, 30);
        CHECK_EQ_INT(tr->frames[3].lineno, 12);
    }
    ohm_free(h, gp);
    sc.pc = 0;
    sc.native = 0;
    r = ohm_malloc(h, 64);
    tr = ohm_trace_get_traceback(h, r);
    CHECK(tr && tr->nframe == 2 && tr->frames[0].lineno == 30 && tr->frames[1].lineno == 12);
    /* statistics by line: the newest record names them */
    ohm_snapshot *s = ohm_snapshot_take(h);
    ohm_stat *st;
    size_t n = ohm_snapshot_statistics(s, OHM_KEY_LINENO, 0, &st);
    CHECK_EQ_SIZE(n, 1);
    if (n == 1) {
        CHECK_EQ_STR(st[0].traceback->frames[0].filename, "app.py");
        CHECK_EQ_SIZE(st[0].size, 192);
    }
    ohm_stats_free(st);
    ohm_snapshot_free(s);
    /* sampled: the provider gives the frames of the blocks sampled */
    CHECK_EQ_INT(ohm_trace_start_sampled(h, 2, 64), 0);
    void *big = ohm_malloc(h, 4096);   /* a point falls in 4 KiB with p ~ 1 */
    tr = ohm_trace_get_traceback(h, big);
    CHECK(tr && tr->nframe == 2 && tr->frames[1].lineno == 12);
    /* a frame provider replaces it, and the other way round */
    ohm_trace_set_frame_provider(h, script_frames, &(struct script){ "x.py", { 1, 2 }, h, 0, 0 });
    ohm_trace_set_frame_provider(h, NULL, NULL);
    sc.calls = 0;
    void *u = ohm_malloc(h, 4096);
    CHECK_EQ_INT(sc.calls, 0);
    ohm_trace_set_site_provider(h, script_sites, &sc);
    ohm_trace_set_site_provider(h, NULL, NULL);
    void *v = ohm_malloc(h, 4096);
    CHECK_EQ_INT(sc.calls, 0);
    ohm_free(h, p); ohm_free(h, q); ohm_free(h, r); ohm_free(h, big); ohm_free(h, u); ohm_free(h, v);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_env(void) {
    setenv("OHM_TRACEMALLOC", "5", 1);
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_is_tracing(h), 1);
    CHECK_EQ_INT(ohm_trace_get_traceback_limit(h), 5);
    unsigned l = __LINE__; void *p = ohm_malloc(h, 33);
    const ohm_traceback *tb = ohm_trace_get_traceback(h, p);
    CHECK(tb && tb->frames[tb->nframe - 1].lineno == l);
    ohm_free(h, p);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
    setenv("OHM_TRACEMALLOC", "0", 1);
    h = new_heap();
    CHECK_EQ_INT(ohm_trace_is_tracing(h), 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
    unsetenv("OHM_TRACEMALLOC");
}

/* The traces table under churn: random frees (backward-shift deletion) keep every
 * live block findable, every freed one gone, and current exact. */
static void test_churn(void) {
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    enum { N = 20000 };
    static void *live[N];
    static size_t sz[N];
    uint64_t x = 88172645463325252ull;
    size_t want = 0, bad = 0;
    for (int round = 0; round < 6; round++) {
        for (int i = 0; i < N; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            if (live[i] && (x & 1)) { ohm_free(h, live[i]); want -= sz[i]; live[i] = NULL; }
            else if (!live[i]) { sz[i] = 1 + (x >> 40) % 600; live[i] = ohm_malloc(h, sz[i]); want += sz[i]; }
        }
        size_t cur;
        ohm_trace_get_traced_memory(h, &cur, NULL);
        CHECK_EQ_SIZE(cur, want);
        for (int i = 0; i < N; i++) if (live[i] && !ohm_trace_get_traceback(h, live[i])) bad++;
    }
    CHECK_EQ_SIZE(bad, 0);
    size_t nlive = 0;
    for (int i = 0; i < N; i++) nlive += live[i] != NULL;
    size_t mem = ohm_trace_get_memory(h);
    CHECK(mem > 0);
    printf("tracing memory: %zu bytes for %zu live traced blocks (%.1f bytes/block)\n", mem,
           nlive, (double)mem / (double)nlive);
    for (int i = 0; i < N; i++) if (live[i]) ohm_free(h, live[i]);
    size_t cur;
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(cur, 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* Deep stacks with many distinct tracebacks (frames.c's deferred interning): a block's
 * traceback is interned a few allocations later, together with others. Blocks freed,
 * reallocated at the same address or realloc'd while theirs wait keep exact traces:
 * every live block's newest frame and depth, current, and the heap check. */
static unsigned deep_line;
static OHM_NOINLINE void *deep_alloc(ohm_heap *h, unsigned d, unsigned path, size_t n) {
    void *p;
    if (d == 0) {
        deep_line = __LINE__ + 1;
        p = ohm_malloc(h, n);
    } else if (path & 1) {
        p = deep_alloc(h, d - 1, path >> 1, n);
    } else {
        p = deep_alloc(h, d - 1, path >> 1, n);
    }
    __asm__ volatile("" ::: "memory");   /* keep this frame (no tail call) */
    return p;
}

static void test_deep_churn(void) {
    ohm_heap *h = new_heap();
    setenv("OHM_TRACE_UNWIND", "fp", 1);
    CHECK_EQ_INT(ohm_trace_start(h, 16), 0);
    unsetenv("OHM_TRACE_UNWIND");
    void *p0 = deep_alloc(h, 0, 0, 8);
    const ohm_traceback *tb0 = ohm_trace_get_traceback(h, p0);
    CHECK(tb0 != NULL);
    size_t base = tb0 ? tb0->total_nframe : 0;
    ohm_free(h, p0);
    enum { N = 3000 };
    static void *live[N];
    static size_t sz[N];
    static unsigned depth[N];
    uint64_t x = 88172645463325252ull;
    size_t want = 0, bad = 0;
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < N; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            unsigned d = (unsigned)(x >> 20) % 24, path = (unsigned)(x >> 32);
            size_t n = 1 + (x >> 44) % 700;
            if (live[i] && (x & 3) == 1) {   /* realloc: a free and an allocation */
                void *q = ohm_realloc(h, live[i], n);
                CHECK(q != NULL);
                want += n - sz[i];
                live[i] = q, sz[i] = n, depth[i] = (unsigned)-1;   /* realloc's own line */
            } else if (live[i] && (x & 1)) {
                ohm_free(h, live[i]); want -= sz[i]; live[i] = NULL;
                if (x & 4) {   /* at once again, same size: most likely the same address */
                    live[i] = deep_alloc(h, d, path, sz[i]);
                    depth[i] = d;
                    want += sz[i];
                }
            } else if (!live[i]) {
                if (x & 2)   /* a block whose traceback waits, freed: its address again */
                    ohm_free(h, deep_alloc(h, (d + 5) % 24, ~path, n));
                live[i] = deep_alloc(h, d, path, n);
                sz[i] = n, depth[i] = d;
                want += n;
            }
        }
        size_t cur;
        ohm_trace_get_traced_memory(h, &cur, NULL);
        CHECK_EQ_SIZE(cur, want);
        for (int i = 0; i < N; i++) {
            if (!live[i]) continue;
            const ohm_traceback *tb = ohm_trace_get_traceback(h, live[i]);
            if (!tb) { bad++; continue; }
            if (depth[i] == (unsigned)-1) continue;
            size_t total = base + depth[i];
            bad += tb->total_nframe != total || tb->nframe != (total < 16 ? total : 16) ||
                   newest(tb)->lineno != deep_line;
        }
        CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    }
    CHECK_EQ_SIZE(bad, 0);
    for (int i = 0; i < N; i++) if (live[i]) ohm_free(h, live[i]);
    size_t cur;
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(cur, 0);
    ohm_heap_destroy(h);
}

/* The debug hooks' fatal message says where the bad block was allocated. */
static void overrun(void *arg) {
    (void)arg;
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.debug = 1;
    cfg.trace_frames = 1;
    ohm_heap *h = ohm_heap_new(&cfg);
    char *p = ohm_malloc(h, 24);
    p[24] = 'x';                 /* into the tail guard */
    ohm_free(h, p);
}

/* The same at 16 frames: the block's traceback is still waiting when it is freed. */
static void overrun_deep(void *arg) {
    (void)arg;
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.debug = 1;
    cfg.trace_frames = 16;
    ohm_heap *h = ohm_heap_new(&cfg);
    char *p = ohm_malloc(h, 24);
    p[24] = 'x';                 /* into the tail guard */
    ohm_free(h, p);
}

static void test_debug_origin(void) {
    char want[512];
    snprintf(want, sizeof want, "    allocated at %s:", __FILE__);
    expect_death(overrun, NULL, want, " (overrun)\n");
    expect_death(overrun_deep, NULL, want, " (overrun_deep)\n");
}

/* Blocks of 4 GiB and more (their sizes live beside the table), through the hooks
 * directly with addresses that are never dereferenced. */
static void test_big(void) {
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    const void *a = (const void *)(uintptr_t)0x100000, *b = (const void *)(uintptr_t)0x200000;
    size_t big = (size_t)5 << 30;
    ohmi_trace_on_alloc(h, OHM_DOMAIN_RAW, a, big);
    ohmi_trace_on_alloc(h, OHM_DOMAIN_RAW, b, 100);
    size_t cur, peak;
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, big + 100);
    ohmi_trace_on_alloc(h, OHM_DOMAIN_RAW, a, big + 1);     /* same address again: replaced */
    ohmi_trace_on_alloc(h, OHM_DOMAIN_RAW, b, big + 2);     /* small -> big */
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, 2 * big + 3);
    ohm_snapshot *s = ohm_snapshot_take(h);
    const ohm_trace *tr;
    size_t n = ohm_snapshot_traces(s, &tr), sum = 0;
    CHECK_EQ_SIZE(n, 2);
    for (size_t i = 0; i < n; i++) { sum += tr[i].size; CHECK_EQ_INT(tr[i].domain, OHM_DOMAIN_RAW); }
    CHECK_EQ_SIZE(sum, 2 * big + 3);
    ohm_snapshot_free(s);
    ohmi_trace_on_alloc(h, OHM_DOMAIN_RAW, a, 7);           /* big -> small */
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, big + 9);
    CHECK_EQ_SIZE(peak, 2 * big + 3);
    ohmi_trace_on_free(h, OHM_DOMAIN_RAW, b);
    ohmi_trace_on_free(h, OHM_DOMAIN_RAW, a);
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, 0);
    CHECK_EQ_SIZE(ohmi_trace_of(h)->nbig, 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

int main(void) {
    unsetenv("OHM_TRACEMALLOC");
    unsetenv("OHM_TRACE_UNWIND");
    test_start_stop();
    test_pattern();
    test_native();
    test_provider();
    test_site_provider();
    test_env();
    test_churn();
    test_deep_churn();
    test_big();
    test_debug_origin();
    return check_done();
}
