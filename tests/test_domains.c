/* test_domains.c — PEP 445 domains: counting allocators, the RAW domain, the arena
 * hook, the malloc bypass mode, fault injection, and OHM_MALLOCSTATS at destroy. */
#include "check.h"
#include "api/api.h"

#include <errno.h>
#include <stdint.h>

static ohm_heap *heap_with(int use_malloc, int debug) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.use_malloc = use_malloc;
    cfg.debug = debug;
    ohm_heap *h = ohm_heap_new(&cfg);
    CHECK(h != NULL);
    return h;
}

/* A counting allocator wrapping whatever the domain had. */
struct counter { ohm_allocator inner; size_t mallocs, callocs, reallocs, frees; };
static void *cnt_malloc(void *ctx, size_t n) { struct counter *c = ctx; c->mallocs++; return c->inner.malloc(c->inner.ctx, n); }
static void *cnt_calloc(void *ctx, size_t a, size_t b) { struct counter *c = ctx; c->callocs++; return c->inner.calloc(c->inner.ctx, a, b); }
static void *cnt_realloc(void *ctx, void *p, size_t n) { struct counter *c = ctx; c->reallocs++; return c->inner.realloc(c->inner.ctx, p, n); }
static void cnt_free(void *ctx, void *p) { struct counter *c = ctx; c->frees++; c->inner.free(c->inner.ctx, p); }

static void install(ohm_heap *h, ohm_domain d, struct counter *c) {
    memset(c, 0, sizeof *c);
    CHECK_EQ_INT(ohm_get_allocator(h, d, &c->inner), 0);
    ohm_allocator a = {c, cnt_malloc, cnt_calloc, cnt_realloc, cnt_free};
    CHECK_EQ_INT(ohm_set_allocator(h, d, &a), 0);
}

static void test_set_allocator(int debug) {
    ohm_heap *h = heap_with(0, debug);
    struct counter mem, raw;
    ohm_allocator got;
    CHECK_EQ_INT(ohm_get_allocator(h, (ohm_domain)7, &got), -1);
    CHECK_EQ_INT(ohm_set_allocator(h, (ohm_domain)-1, &got), -1);
    ohm_allocator bad = {NULL, NULL, NULL, NULL, NULL};
    CHECK_EQ_INT(ohm_set_allocator(h, OHM_DOMAIN_MEM, &bad), -1);
    CHECK_CONTAINS(ohm_last_error(h), "ohm_set_allocator");
    install(h, OHM_DOMAIN_MEM, &mem);
    CHECK_EQ_INT(ohm_get_allocator(h, OHM_DOMAIN_MEM, &got), 0);
    CHECK(got.ctx == &mem && got.malloc == cnt_malloc);
    void *p[10];
    for (int i = 0; i < 10; i++) p[i] = ohm_malloc(h, (size_t)i * 100);
    void *c = ohm_calloc(h, 3, 7);
    p[0] = ohm_realloc(h, p[0], 2000);
    for (int i = 0; i < 10; i++) ohm_free(h, p[i]);
    ohm_free(h, c);
    ohm_free(h, NULL);            /* no call for NULL */
    CHECK_EQ_SIZE(mem.mallocs, 10);
    CHECK_EQ_SIZE(mem.callocs, 1);
    CHECK_EQ_SIZE(mem.reallocs, 1);
    CHECK_EQ_SIZE(mem.frees, 11);
    install(h, OHM_DOMAIN_RAW, &raw);   /* after MEM's large blocks, which would come from it */
    void *r = ohm_raw_malloc(h, 50);
    r = ohm_raw_realloc(h, r, 5000);
    void *rc = ohm_raw_calloc(h, 2, 2);
    ohm_raw_free(h, r);
    ohm_raw_free(h, rc);
    CHECK_EQ_SIZE(raw.mallocs, 1);
    CHECK_EQ_SIZE(raw.reallocs, 1);
    CHECK_EQ_SIZE(raw.callocs, 1);
    CHECK_EQ_SIZE(raw.frees, 2);
    /* the internal entry points go through the tables too */
    void *o = ohmi_alloc_malloc(h, OHM_DOMAIN_MEM, 8);
    ohmi_alloc_free(h, OHM_DOMAIN_MEM, o);
    CHECK_EQ_SIZE(mem.mallocs, 11);
    CHECK_EQ_SIZE(mem.frees, 12);
    /* back to the original: counts stop */
    CHECK_EQ_INT(ohm_set_allocator(h, OHM_DOMAIN_MEM, &mem.inner), 0);
    ohm_free(h, ohm_malloc(h, 10));
    CHECK_EQ_SIZE(mem.mallocs, 11);
    CHECK_EQ_INT(ohm_set_allocator(h, OHM_DOMAIN_RAW, &raw.inner), 0);
    ohm_heap_destroy(h);
}

/* A user RAW allocator gets the large blocks of MEM (they come from RAW). */
static void test_raw_hook_large(void) {
    ohm_heap *h = heap_with(0, 0);
    struct counter raw;
    install(h, OHM_DOMAIN_RAW, &raw);
    void *big = ohm_malloc(h, 10000);
    CHECK(big != NULL);
    CHECK_EQ_SIZE(raw.mallocs, 1);
    big = ohm_realloc(h, big, 20000);
    CHECK_EQ_SIZE(raw.reallocs, 1);
    ohm_free(h, big);
    CHECK_EQ_SIZE(raw.frees, 1);
    void *small = ohm_malloc(h, 100);
    CHECK_EQ_SIZE(raw.mallocs, 1);    /* pools, not RAW */
    ohm_free(h, small);
    ohm_malloc(h, 3000);              /* left for destroy, which frees it through the hook */
    ohm_heap_destroy(h);
    CHECK_EQ_SIZE(raw.frees, 2);
}

/* Arena hook: counts, alignment, set-before-use. */
struct arena_counter { size_t allocs, frees, live; };
static void *ar_alloc(void *ctx, size_t size, size_t align) {
    struct arena_counter *c = ctx;
    void *p = aligned_alloc(align, size);
    if (p) { c->allocs++; c->live++; }
    return p;
}
static void ar_free(void *ctx, void *p, size_t size) {
    struct arena_counter *c = ctx;
    (void)size;
    c->frees++;
    c->live--;
    free(p);
}

static void test_arena_hook(void) {
    ohm_heap *h = heap_with(0, 0);
    struct arena_counter ac = {0, 0, 0};
    ohm_arena_allocator a = {&ac, ar_alloc, ar_free}, got;
    CHECK_EQ_INT(ohm_set_arena_allocator(h, &a), 0);
    ohm_get_arena_allocator(h, &got);
    CHECK(got.ctx == &ac && got.alloc == ar_alloc);
    enum { N = 100000 };
    void **v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++) v[i] = ohm_malloc(h, 48);   /* 4.8 MB: 5 arenas */
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(ac.allocs, st.arenas_allocated);
    CHECK(ac.allocs >= 5);
    for (int i = 0; i < N; i++) ohm_free(h, v[i]);
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(ac.frees, st.arenas_reclaimed);
    CHECK_EQ_SIZE(ac.live, st.arenas_current);
    CHECK(ac.frees >= 3);
    /* too late for another hook */
    CHECK_EQ_INT(ohm_set_arena_allocator(h, &a), -1);
    CHECK_CONTAINS(ohm_last_error(h), "already has arenas");
    ohm_heap_destroy(h);
    CHECK_EQ_SIZE(ac.live, 0);
    CHECK_EQ_SIZE(ac.allocs, ac.frees);
    free(v);
}

/* A hook that returns failures: the heap reports out of memory. */
static void *ar_fail(void *ctx, size_t size, size_t align) { (void)ctx; (void)size; (void)align; return NULL; }
static void test_arena_hook_fails(void) {
    ohm_heap *h = heap_with(0, 0);
    ohm_arena_allocator a = {NULL, ar_fail, ar_free};
    CHECK_EQ_INT(ohm_set_arena_allocator(h, &a), 0);
    errno = 0;
    CHECK(ohm_malloc(h, 10) == NULL);
    CHECK_EQ_INT(errno, ENOMEM);
    CHECK_CONTAINS(ohm_last_error(h), "out of memory");
    void *big = ohm_malloc(h, 1000);     /* large blocks do not need arenas */
    CHECK(big != NULL);
    ohm_free(h, big);
    ohm_heap_destroy(h);
}

static int count_obj(ohm_object *o, void *arg) { (void)o; (*(size_t *)arg)++; return 0; }

/* OHM_MALLOC=malloc: no arenas, everything large, objects flagged and walkable. */
static void test_bypass(void) {
    setenv("OHM_MALLOC", "malloc", 1);
    ohm_config cfg;
    ohm_config_init(&cfg);
    unsetenv("OHM_MALLOC");
    CHECK_EQ_INT(cfg.use_malloc, 1);
    ohm_heap *h = ohm_heap_new(&cfg);
    void *p[100];
    for (int i = 0; i < 100; i++) { p[i] = ohm_malloc(h, (size_t)i * 8); CHECK_EQ_INT((uintptr_t)p[i] % 16, 0); }
    p[5] = ohm_realloc(h, p[5], 100);
    memset(p[5], 1, 100);
    p[5] = ohm_realloc(h, p[5], 5000);
    CHECK(((unsigned char *)p[5])[99] == 1);
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(st.arenas_allocated, 0);
    CHECK_EQ_SIZE(st.large_blocks, 100);
    static const ohm_type t = {.name = "T", .basicsize = 32, .flags = OHM_TYPE_GC};
    ohm_object *o = ohmi_alloc_object(h, 32, 1);
    CHECK(o && (o->ohm_bits & OHM_F_LARGE));
    CHECK(ohmi_alloc_heap_of(o) == h);
    o->ohm_type = &t;
    size_t n = 0;
    ohmi_alloc_walk_objects(h, 1, count_obj, &n);
    CHECK_EQ_SIZE(n, 1);
    ohmi_alloc_object_free(h, o);
    for (int i = 0; i < 100; i++) ohm_free(h, p[i]);
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(st.large_blocks, 0);
    ohm_heap_destroy(h);
}

/* Fault injection: the Nth allocation fails cleanly, in every domain, and the heap
 * stays consistent; then every allocation in a scenario is failed in turn. */
static void test_fault_injection(void) {
    ohm_heap *h = heap_with(0, 0);
    void *p[5];
    ohmi_alloc_fail_after(h, 5);
    for (int i = 0; i < 5; i++) { p[i] = ohm_malloc(h, 24); CHECK(p[i] != NULL); }
    errno = 0;
    CHECK(ohm_malloc(h, 24) == NULL);
    CHECK_EQ_INT(errno, ENOMEM);
    CHECK_CONTAINS(ohm_last_error(h), "injected");
    CHECK(ohm_calloc(h, 2, 2) == NULL);
    CHECK(ohm_raw_malloc(h, 10) == NULL);
    CHECK(ohmi_alloc_object(h, 32, 1) == NULL);
    memset(p[0], 7, 24);
    CHECK(ohm_realloc(h, p[0], 4000) == NULL);            /* p[0] untouched */
    CHECK(((unsigned char *)p[0])[23] == 7);
    for (int i = 0; i < 5; i++) ohm_free(h, p[i]);
    ohmi_alloc_fail_after(h, -1);
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(st.classes[1].blocks_in_use, 0);
    void *q = ohm_malloc(h, 24);
    CHECK(q != NULL);
    ohm_free(h, q);

    /* SQLite style: a scenario of 50 allocations, failing each one in turn */
    for (long k = 0; k < 50; k++) {
        void *v[50];
        int got = 0;
        ohmi_alloc_fail_after(h, k);
        for (int i = 0; i < 50; i++) {
            v[i] = (i % 3 == 0) ? ohm_malloc(h, (size_t)i * 40) : ohm_raw_malloc(h, (size_t)i);
            if (v[i]) got++;
        }
        CHECK_EQ_INT(got, k);
        for (int i = 0; i < 50; i++) {
            if (!v[i]) continue;
            if (i % 3 == 0) ohm_free(h, v[i]); else ohm_raw_free(h, v[i]);
        }
    }
    ohmi_alloc_fail_after(h, -1);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(st.large_blocks, 0);
    for (int c = 0; c < OHM_NB_CLASSES; c++) CHECK_EQ_SIZE(st.classes[c].blocks_in_use, 0);
    ohm_heap_destroy(h);
}

/* A memory cap: allocations beyond it fail, the heap stays usable under it. */
static void test_limit(void) {
    ohm_heap *h = heap_with(0, 0);
    ohmi_alloc_set_limit(h, 3 * 1024 * 1024);       /* three arenas' worth */
    enum { N = 200000 };
    void **v = malloc(N * sizeof *v);
    int got = 0;
    for (int i = 0; i < N; i++) { v[i] = ohm_malloc(h, 64); if (v[i]) got++; else break; }
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(st.arenas_current, 3);
    CHECK_EQ_SIZE((size_t)got, st.classes[3].blocks_in_use);
    CHECK(got > 40000 && got < 50000);         /* 3 MiB / 64 B = 49152, minus headers */
    errno = 0;
    CHECK(ohm_malloc(h, 64) == NULL);
    CHECK_EQ_INT(errno, ENOMEM);
    CHECK(ohm_malloc(h, 100000) == NULL);      /* large blocks count too */
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    for (int i = 0; i < got; i++) ohm_free(h, v[i]);
    ohmi_alloc_trim(h);
    void *big = ohm_malloc(h, 2 * 1024 * 1024); /* room again */
    CHECK(big != NULL);
    CHECK(ohm_realloc(h, big, 4 * 1024 * 1024) == NULL);
    ohm_free(h, big);
    ohmi_alloc_set_limit(h, 0);
    free(v);
    ohm_heap_destroy(h);
}

/* The RAW domain from several threads at once on one heap. */
#include <pthread.h>
static void *raw_worker(void *arg) {
    ohm_heap *h = arg;
    for (int i = 0; i < 2000; i++) {
        void *p = ohm_raw_malloc(h, (size_t)(i % 300));
        p = ohm_raw_realloc(h, p, (size_t)(i % 500) + 1);
        if (i % 3) ohm_raw_free(h, p);   /* the rest: freed by destroy */
    }
    return NULL;
}
static void test_raw_threads(void) {
    ohm_heap *h = heap_with(0, 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, raw_worker, h);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    ohm_heap_destroy(h);
    CHECK(1);
}

/* While the heap is observed (tracing), every call leaves the fast path (the tracer
 * is the observer, but it is not tracing: here only the path is exercised). */
static void test_trace_path(void) {
    ohm_heap *h = heap_with(0, 0);
    ohmi_alloc_set_observing(h, 1, 0);
    CHECK(ohmi_alloc_of(h)->slow != 0);
    void *p = ohm_malloc(h, 10);
    p = ohm_realloc(h, p, 1000);
    ohm_object *o = ohmi_alloc_object(h, 32, 1);
    CHECK(o != NULL && ohmi_alloc_heap_of(o) == h);
    ohmi_alloc_object_free(h, o);
    ohm_free(h, p);
    ohmi_alloc_set_observing(h, 0, 0);
    ohmi_alloc_update_slow(h);
#ifndef OHM_SANITIZER
    if (!ohmi_alloc_of(h)->valgrind) CHECK(ohmi_alloc_of(h)->slow == 0);   /* tools keep the slow paths */
#endif
    ohm_heap_destroy(h);
}

static void stats_at_destroy(void *arg) {
    (void)arg;
    setenv("OHM_MALLOCSTATS", "1", 1);
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_malloc(h, 100);
    ohm_heap_destroy(h);
    abort();    /* expect_death wants an abort; the text is what is checked */
}

/* Issue 9 finding 2: a user's table returning NULL left ohm_last_error "" and errno
 * as it was. Each entry point now names itself, the size and the domain. */
static void *null_malloc(void *ctx, size_t n) { (void)ctx; (void)n; return NULL; }
static void *null_calloc(void *ctx, size_t a, size_t b) { (void)ctx; (void)a; (void)b; return NULL; }
static void *null_realloc(void *ctx, void *p, size_t n) { (void)ctx; (void)p; (void)n; return NULL; }
static void null_free(void *ctx, void *p) { (void)ctx; (void)p; }

static void test_table_returns_null(int debug) {
    ohm_heap *h = heap_with(0, debug);
    ohm_allocator nul = {NULL, null_malloc, null_calloc, null_realloc, null_free};
    CHECK_EQ_INT(ohm_set_allocator(h, OHM_DOMAIN_MEM, &nul), 0);
    CHECK_EQ_INT(ohm_set_allocator(h, OHM_DOMAIN_RAW, &nul), 0);
    errno = 0;
    CHECK(ohm_malloc(h, 40) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_malloc: out of memory (40 bytes, the MEM domain's allocator returned NULL)");
    CHECK_EQ_INT(errno, ENOMEM);
    errno = 0;
    CHECK(ohm_calloc(h, 3, 8) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_calloc: out of memory (24 bytes, the MEM domain's allocator returned NULL)");
    CHECK_EQ_INT(errno, ENOMEM);
    errno = 0;
    CHECK(ohm_realloc(h, NULL, 50) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_realloc: out of memory (50 bytes, the MEM domain's allocator returned NULL)");
    CHECK_EQ_INT(errno, ENOMEM);
    errno = 0;
    CHECK(ohm_raw_malloc(h, 70) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_raw_malloc: out of memory (70 bytes, the RAW domain's allocator returned NULL)");
    CHECK_EQ_INT(errno, ENOMEM);
    errno = 0;
    CHECK(ohm_raw_calloc(h, 2, 5) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_raw_calloc: out of memory (10 bytes, the RAW domain's allocator returned NULL)");
    CHECK_EQ_INT(errno, ENOMEM);
    errno = 0;
    CHECK(ohm_raw_realloc(h, NULL, 90) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_raw_realloc: out of memory (90 bytes, the RAW domain's allocator returned NULL)");
    CHECK_EQ_INT(errno, ENOMEM);
    ohm_heap_destroy(h);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    unsetenv("OHM_MALLOCSTATS");
    unsetenv("OHM_TRACEMALLOC");
    test_set_allocator(0);
    test_set_allocator(1);
    test_raw_hook_large();
    test_arena_hook();
    test_arena_hook_fails();
    test_bypass();
    test_fault_injection();
    test_limit();
    test_raw_threads();
    test_trace_path();
    test_table_returns_null(0);
    test_table_returns_null(1);
    expect_death(stats_at_destroy, NULL, "# arenas allocated total           =                    1");
    return check_done();
}
