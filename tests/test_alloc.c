/* test_alloc.c — the pool allocator through the public API: size classes, alignment,
 * zero size, calloc overflow, realloc across 512 B, arenas and their release, pool
 * reuse, several heaps, destroy, the stats table. */
#include "check.h"
#include "api/api.h"
#include "alloc/alloc_impl.h"

#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>

static ohm_heap *new_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    ohm_heap *h = ohm_heap_new(&cfg);
    CHECK(h != NULL);
    return h;
}

static void fill(void *p, size_t n, unsigned seed) {
    unsigned char *c = p;
    for (size_t i = 0; i < n; i++) c[i] = (unsigned char)(seed * 31 + i * 7);
}
static int filled(const void *p, size_t n, unsigned seed) {
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i] != (unsigned char)(seed * 31 + i * 7)) return 0;
    return 1;
}

/* Every size 0..600: aligned, distinct, usable, contents kept while others change. */
static void test_sizes(void) {
    ohm_heap *h = new_heap();
    enum { N = 601 };
    static void *p[N];
    for (size_t n = 0; n < N; n++) {
        p[n] = ohm_malloc(h, n);
        CHECK(p[n] != NULL);
        CHECK_EQ_INT((uintptr_t)p[n] % 16, 0);
        size_t us = ohmi_alloc_usable_size(h, p[n]);
        CHECK(us >= n);
        if (n > 0 && n <= OHM_SMALL_MAX) CHECK_EQ_SIZE(us, (n + 15) / 16 * 16);
        fill(p[n], n, (unsigned)n);
    }
    for (size_t n = 0; n < N; n++) CHECK(filled(p[n], n, (unsigned)n));
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    /* the table: every class in use */
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    for (int c = 0; c < OHM_NB_CLASSES; c++) {
        CHECK_EQ_SIZE(st.classes[c].size, (size_t)(c + 1) * 16);
        CHECK_EQ_SIZE(st.classes[c].pools, 1);
        CHECK_EQ_SIZE(st.classes[c].blocks_in_use, c == 0 ? 17 : 16);   /* 0..16 -> class 0 */
    }
    CHECK_EQ_SIZE(st.large_blocks, N - 1 - OHM_SMALL_MAX);
    CHECK_EQ_SIZE(st.bytes_in_blocks + st.bytes_available + st.bytes_unused_pools +
                  st.bytes_pool_headers + st.bytes_quantization + st.bytes_arena_alignment,
                  st.bytes_total);
    for (size_t n = 0; n < N; n++) ohm_free(h, p[n]);
    ohm_heap_stats_get(h, &st);
    for (int c = 0; c < OHM_NB_CLASSES; c++) CHECK_EQ_SIZE(st.classes[c].blocks_in_use, 0);
    CHECK_EQ_SIZE(st.large_blocks, 0);
    CHECK_EQ_SIZE(st.large_bytes, 0);
    ohm_free(h, NULL);
    ohm_heap_destroy(h);
}

static void test_zero_and_calloc(void) {
    ohm_heap *h = new_heap();
    void *a = ohm_malloc(h, 0), *b = ohm_malloc(h, 0);
    CHECK(a && b && a != b);
    /* calloc zeroes even reused blocks */
    unsigned char *d = ohm_malloc(h, 100);
    memset(d, 0xff, 100);
    ohm_free(h, d);
    unsigned char *z = ohm_calloc(h, 10, 10);
    CHECK(z != NULL);
    int zero = 1;
    for (int i = 0; i < 100; i++) zero &= z[i] == 0;
    CHECK(zero);
    unsigned char *big = ohm_calloc(h, 1000, 3);
    CHECK(big && big[0] == 0 && big[2999] == 0);
    errno = 0;
    CHECK(ohm_calloc(h, SIZE_MAX / 2, 3) == NULL);
    CHECK_EQ_INT(errno, ENOMEM);
    errno = 0;
    CHECK(ohm_calloc(h, (size_t)1 << 33, (size_t)1 << 33) == NULL);
    CHECK_EQ_INT(errno, ENOMEM);
    void *c0 = ohm_calloc(h, 0, 5);
    CHECK(c0 != NULL);
    errno = 0;
    CHECK(ohm_malloc(h, SIZE_MAX - 8) == NULL);
    CHECK_EQ_INT(errno, ENOMEM);
    ohm_free(h, a); ohm_free(h, b); ohm_free(h, z); ohm_free(h, big); ohm_free(h, c0);
    ohm_heap_destroy(h);
}

static void test_realloc(void) {
    ohm_heap *h = new_heap();
    static const size_t seq[] = {1, 16, 17, 100, 511, 512, 513, 1000, 4096, 100000, 600,
                                 512, 300, 16, 0, 40, 2000, 8, 520, 510, 70000, 24};
    unsigned char *p = ohm_realloc(h, NULL, 10);      /* NULL: malloc */
    CHECK(p != NULL);
    size_t cur = 10;
    fill(p, cur, 1);
    for (size_t i = 0; i < sizeof seq / sizeof *seq; i++) {
        size_t n = seq[i];
        unsigned char *q = ohm_realloc(h, p, n);
        CHECK(q != NULL);
        CHECK_EQ_INT((uintptr_t)q % 16, 0);
        size_t keep = cur < n ? cur : n;
        CHECK(filled(q, keep, (unsigned)i + 1));
        fill(q, n, (unsigned)i + 2);
        p = q;
        cur = n;
    }
    /* same class: in place */
    unsigned char *s = ohm_malloc(h, 33);
    CHECK(ohm_realloc(h, s, 40) == s);
    CHECK(ohm_realloc(h, s, 48) == s);
    /* n == 0 resizes: non-NULL */
    void *r0 = ohm_realloc(h, s, 0);
    CHECK(r0 != NULL);
    ohm_free(h, r0);
    ohm_free(h, p);
    errno = 0;
    void *t = ohm_malloc(h, 64);
    CHECK(ohm_realloc(h, t, SIZE_MAX - 4) == NULL);
    CHECK_EQ_INT(errno, ENOMEM);
    ohm_free(h, t);
    ohm_heap_destroy(h);
}

/* Arenas: fill several, free all, see them go back (one spare stays). */
static void test_arena_release(void) {
    ohm_heap *h = new_heap();
    ohm_heap_stats st0, st1, st2, st3;
    ohm_heap_stats_get(h, &st0);
    CHECK_EQ_SIZE(st0.arenas_current, 0);
    enum { N = 200000 };   /* 200k * 32 B = 6.4 MB: 7 arenas */
    void **v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++) v[i] = ohm_malloc(h, 32);
    ohm_heap_stats_get(h, &st1);
    CHECK(st1.arenas_current >= 7);
    CHECK_EQ_SIZE(st1.arenas_allocated, st1.arenas_current);
    CHECK_EQ_SIZE(st1.arenas_highwater, st1.arenas_current);
    CHECK_EQ_SIZE(st1.classes[1].blocks_in_use, N);
    CHECK_EQ_SIZE(st1.arenas_reclaimed, 0);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    for (int i = 0; i < N; i++) ohm_free(h, v[i]);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohm_heap_stats_get(h, &st2);
    CHECK_EQ_SIZE(st2.classes[1].blocks_in_use, 0);
    /* every arena but the spare and the one holding the class's last pool is gone */
    CHECK(st2.arenas_current <= 2);
    CHECK_EQ_SIZE(st2.arenas_reclaimed, st1.arenas_current - st2.arenas_current);
    CHECK_EQ_SIZE(st2.arenas_highwater, st1.arenas_current);
    ohmi_alloc_trim(h);
    ohm_heap_stats_get(h, &st3);
    CHECK_EQ_SIZE(st3.arenas_current, 0);
    CHECK_EQ_SIZE(st3.arenas_reclaimed, st3.arenas_allocated);
    /* and it comes back on demand */
    void *p = ohm_malloc(h, 32);
    ohm_heap_stats_get(h, &st3);
    CHECK_EQ_SIZE(st3.arenas_current, 1);
    ohm_free(h, p);
    free(v);
    ohm_heap_destroy(h);
}

/* With cfg.huge_pages, a heap past 64 arenas maps the next ones in 2 MiB-aligned pairs
 * (huge pages, arena.c): both halves are arenas (the second one taken before any new
 * mapping), blocks in them work, and they go back as single arenas do; the half never
 * used dies with the heap. */
static size_t arena_pairs(ohm_heap *h) {
    size_t pairs = 0;
    for (struct alloc_arena *ar = ohmi_alloc_of(h)->arenas; ar; ar = ar->next)
        if (!((uintptr_t)ar & (2 * ARENA_SIZE - 1)) && ar->next == (void *)((char *)ar + ARENA_SIZE)) pairs++;
    return pairs;
}

static void test_huge_arena_pairs(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.huge_pages = 1;
    ohm_heap *h = ohm_heap_new(&cfg);
    CHECK(h != NULL);
    enum { N = 2800000 };   /* 2.8M * 32 B = 90 MB: ~86 arenas */
    void **v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++) {
        v[i] = ohm_malloc(h, 32);
        CHECK(v[i] != NULL);
        *(int *)v[i] = i;
    }
    struct alloc_state *a = ohmi_alloc_of(h);
    CHECK(a->narenas > 64 + 8);
    CHECK(arena_pairs(h) >= (a->narenas - 64) / 2 - 1);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    for (int i = 0; i < N; i++) CHECK_EQ_INT(*(int *)v[i], i);
    for (int i = 0; i < N; i++) ohm_free(h, v[i]);
    ohmi_alloc_trim(h);
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(st.arenas_current, 0);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    free(v);
    ohm_heap_destroy(h);
}

/* 0.1% random survivors: the free pages go back (pages_released), and the blocks
 * still read right. */
static void test_survivors(void) {
    ohm_heap *h = new_heap();
    enum { N = 300000 };
    uint32_t **v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++) { v[i] = ohm_malloc(h, 32); v[i][0] = (uint32_t)i; }
    unsigned seed = 12345;
    int kept = 0;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 1000 == 0) { kept++; continue; }
        ohm_free(h, v[i]);
        v[i] = NULL;
    }
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(st.classes[1].blocks_in_use, (size_t)kept);
    /* pages of a 9.6 MB peak: most must have gone back */
    size_t peak_pages = (size_t)N * 32 / 4096;
    CHECK(st.pages_released > peak_pages / 2);
    ohmi_alloc_trim(h);
    int ok = 1;
    for (int i = 0; i < N; i++) if (v[i] && v[i][0] != (uint32_t)i) ok = 0;
    CHECK(ok);
    /* released pages come back into use */
    for (int i = 0; i < N; i++) if (!v[i]) { v[i] = ohm_malloc(h, 32); v[i][0] = (uint32_t)i; }
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohmi_alloc_trim(h);      /* no release may land on pages in use again */
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ok = 1;
    for (int i = 0; i < N; i++) if (v[i][0] != (uint32_t)i) ok = 0;
    CHECK(ok);
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(st.classes[1].blocks_in_use, N);
    for (int i = 0; i < N; i++) ohm_free(h, v[i]);
    free(v);
    ohm_heap_destroy(h);
}

/* Build and free everything, over and over (binary trees): the first round gives the
 * memory back, the second needs it again, and from then on it is kept. */
static void test_retention(void) {
    ohm_heap *h = new_heap();
    enum { N = 100000 };
    void **v = malloc(N * sizeof *v);
    size_t allocated[6], released[6];
    for (int round = 0; round < 6; round++) {
        for (int i = 0; i < N; i++) v[i] = ohm_malloc(h, 32);
        for (int i = 0; i < N; i++) ohm_free(h, v[i]);
        ohm_heap_stats st;
        ohm_heap_stats_get(h, &st);
        allocated[round] = st.arenas_allocated;
        CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
        released[round] = st.pages_released;
    }
    CHECK(released[0] > 0);                     /* round 0: given back */
    CHECK(allocated[1] > allocated[0]);         /* round 1: needed again */
    CHECK_EQ_SIZE(allocated[5], allocated[2]);  /* then kept: no new arenas... */
    CHECK_EQ_SIZE(released[5], released[2]);    /* ...and no more madvise */
    /* an explicit trim still gives everything back */
    ohmi_alloc_trim(h);
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(st.arenas_current, 0);
    free(v);
    ohm_heap_destroy(h);
}

/* Resident pages of h's arenas (mincore: what the OS really holds). */
static size_t resident_pages(ohm_heap *h) {
    size_t n = 0;
    unsigned char vec[ARENA_SIZE / PAGE_SIZE];
    for (struct alloc_arena *ar = ohmi_alloc_of(h)->arenas; ar; ar = ar->next) {
        if (mincore(ar, ARENA_SIZE, vec) != 0) continue;
        for (size_t i = 0; i < sizeof vec; i++) n += vec[i] & 1;
    }
    return n;
}

/* 0.1% survivors freed in random order: at most 15% of the peak stays resident. */
static void test_survivors_random_order(void) {
    ohm_heap *h = new_heap();
    enum { N = 400000 };
    uint32_t **v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++) { v[i] = ohm_malloc(h, 32); v[i][0] = (uint32_t)i; }
    size_t peak = resident_pages(h);
    CHECK(peak >= (size_t)N * 32 / PAGE_SIZE);
    unsigned seed = 777;
    for (int i = N - 1; i > 0; i--) {
        seed = seed * 1103515245u + 12345u;
        int j = (int)((seed >> 8) % (unsigned)(i + 1));
        uint32_t *t = v[i]; v[i] = v[j]; v[j] = t;
    }
    for (int i = 0; i < N; i++) if (i % 1000) { ohm_free(h, v[i]); v[i] = NULL; }
    size_t kept = resident_pages(h);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    /* fill half the freed slots again (revived pages, pending releases), free some,
     * and check that nothing live was handed back */
    for (int i = 0; i < N; i += 2) if (!v[i]) { v[i] = ohm_malloc(h, 32); v[i][0] = (uint32_t)i; }
    for (int i = 0; i < N; i += 4) if (i % 1000) { ohm_free(h, v[i]); v[i] = NULL; }
    ohmi_alloc_trim(h);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    for (int i = 0; i < N; i += 2) if (v[i] && i % 1000 && v[i][0] != (uint32_t)i) { CHECK(0); break; }
    CHECK(kept * 100 <= peak * 15);
    fprintf(stderr, "random-order 0.1%% survivors: %zu of %zu pages resident (%.1f%%)\n",
            kept, peak, 100.0 * (double)kept / (double)peak);
    int ok = 1;
    for (int i = 0; i < N; i++) if (v[i] && v[i][0] >= N) ok = 0;
    CHECK(ok);
    for (int i = 0; i < N; i++) if (v[i]) ohm_free(h, v[i]);
    free(v);
    ohm_heap_destroy(h);
}

static void test_pool_reuse(void) {
    ohm_heap *h = new_heap();
    void *a = ohm_malloc(h, 48);
    ohm_free(h, a);
    CHECK(ohm_malloc(h, 40) == a);         /* LIFO within the class */
    ohm_free(h, a);
    /* fill a pool of 64-B blocks, empty it, then a 128-B class reuses the pool */
    enum { M = 1000 };
    void *v[M];
    for (int i = 0; i < M; i++) v[i] = ohm_malloc(h, 64);
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    size_t pools64 = st.classes[3].pools;
    CHECK(pools64 >= 4);
    size_t arenas = st.arenas_current;
    for (int i = 0; i < M; i++) ohm_free(h, v[i]);
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(st.classes[3].pools, 1);   /* the last one stays for the class */
    for (int i = 0; i < M; i++) v[i] = ohm_malloc(h, 128);
    ohm_heap_stats_get(h, &st);
    CHECK_EQ_SIZE(st.arenas_current, arenas);
    CHECK_EQ_SIZE(st.arenas_allocated, arenas);
    for (int i = 0; i < M; i++) ohm_free(h, v[i]);
    ohm_heap_destroy(h);
}

/* Several heaps at once: their blocks and objects never mix. */
static void test_many_heaps(void) {
    enum { H = 5, N = 3000 };
    ohm_heap *hs[H];
    static void *p[H][N];
    for (int k = 0; k < H; k++) hs[k] = new_heap();
    for (int i = 0; i < N; i++)
        for (int k = 0; k < H; k++) {
            size_t n = (size_t)(i * 7 + k * 13) % 700;
            p[k][i] = ohm_malloc(hs[k], n);
            fill(p[k][i], n, (unsigned)(i + k));
        }
    int ok = 1;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < H; k++) {
            size_t n = (size_t)(i * 7 + k * 13) % 700;
            if (!filled(p[k][i], n, (unsigned)(i + k))) ok = 0;
            for (int j = 0; j < H; j++)
                if ((j == k) != (ohmi_alloc_usable_size(hs[j], p[k][i]) != 0)) ok = 0;
        }
    CHECK(ok);
    for (int k = 0; k < H; k++) CHECK_EQ_INT(ohmi_alloc_check(hs[k], stderr), 0);
    ohm_object *o[H];
    for (int k = 0; k < H; k++) o[k] = ohmi_alloc_object(hs[k], 32 + 600 * (k & 1), k & 1);
    for (int k = 0; k < H; k++) CHECK(ohmi_alloc_heap_of(o[k]) == hs[k]);
    for (int k = 0; k < H; k++) {
        ohmi_alloc_object_free(hs[k], o[k]);
        for (int i = 0; i < N; i += 2) ohm_free(hs[k], p[k][i]);
        ohm_heap_destroy(hs[k]);    /* the odd ones are freed by destroy */
    }
}

/* Destroy with everything still allocated: ASan's leak check is the assertion. */
static void test_destroy_releases(void) {
    ohm_heap *h = new_heap();
    for (int i = 0; i < 20000; i++) ohm_malloc(h, (size_t)(i % 900));
    for (int i = 0; i < 100; i++) ohm_raw_malloc(h, (size_t)i * 10);
    for (int i = 0; i < 1000; i++) ohmi_alloc_object(h, 16 + (size_t)(i % 1000), i & 1);
    void *r = ohm_raw_malloc(h, 10);
    r = ohm_raw_realloc(h, r, 100000);
    CHECK(r != NULL);
    ohm_heap_destroy(h);
}

static void test_mallocstats_text(void) {
    ohm_heap *h = new_heap();
    void *a = ohm_malloc(h, 24), *b = ohm_malloc(h, 200), *c = ohm_malloc(h, 2000);
    char buf[8192];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    ohm_debug_mallocstats(h, f);
    fclose(f);
    CHECK_CONTAINS(buf, "Small block threshold = 512, in 32 size classes.");
    CHECK_CONTAINS(buf, "class   size   num pools   blocks in use  avail blocks");
    CHECK_CONTAINS(buf, "    1     32           1               1");
    CHECK_CONTAINS(buf, "   12    208           1               1");
    CHECK_CONTAINS(buf, "# arenas allocated total           =                    1");
    CHECK_CONTAINS(buf, "# arenas reclaimed                 =                    0");
    CHECK_CONTAINS(buf, "# arenas highwater mark            =                    1");
    CHECK_CONTAINS(buf, "1 arenas * 1048576 bytes/arena     =            1,048,576");
    CHECK_CONTAINS(buf, "# bytes in allocated blocks        =                  240");
    CHECK_CONTAINS(buf, "# bytes lost to pool headers");
    CHECK_CONTAINS(buf, "# bytes lost to quantization");
    CHECK_CONTAINS(buf, "# bytes lost to arena alignment    =                    0");
    CHECK_CONTAINS(buf, "Total                              =            1,048,576");
    CHECK_CONTAINS(buf, "# bytes in large blocks            =                2,000");
    CHECK(strstr(buf, "held back") == NULL);   /* debug mode's line only */
    ohm_free(h, a); ohm_free(h, b); ohm_free(h, c);
    ohm_heap_destroy(h);
}

/* In debug mode, freed blocks held back to catch writes after free are shown apart,
 * so that they do not read as a leak. */
static void test_mallocstats_debug_held(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.debug = 1;
    ohm_heap *h = ohm_heap_new(&cfg);
    for (int i = 0; i < 10; i++) ohm_free(h, ohm_malloc(h, 40));
    char buf[16384];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    ohm_debug_mallocstats(h, f);
    fclose(f);
    CHECK_CONTAINS(buf, "# debug: freed blocks held back    =                   10\n");
    CHECK_CONTAINS(buf, "# debug: their bytes (allocated)   =                  400\n");
    ohm_heap_destroy(h);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    unsetenv("OHM_MALLOCSTATS");
    unsetenv("OHM_TRACEMALLOC");
    test_sizes();
    test_mallocstats_debug_held();
    test_zero_and_calloc();
    test_realloc();
    test_arena_release();
    test_huge_arena_pairs();
    test_survivors();
    test_survivors_random_order();
    test_pool_reuse();
    test_retention();
    test_many_heaps();
    test_destroy_releases();
    test_mallocstats_text();
    return check_done();
}
