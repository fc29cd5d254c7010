/* test_trace_sample.c — sampled tracing: a Poisson process over bytes with a fixed
 * seed; statistics are unbiased estimates, checked within bounds (several standard
 * deviations: the seed is fixed, so the outcome is too). */
#include "check.h"
#include "trace/trace_impl.h"

#include <math.h>

static ohm_heap *new_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    ohm_heap *h = ohm_heap_new(&cfg);
    CHECK(h != NULL);
    return h;
}

static int within(double est, double truth, double rel) {
    int ok = fabs(est - truth) <= rel * truth;
    if (!ok) fprintf(stderr, "estimate %.0f vs truth %.0f: off by more than %.0f%%\n", est, truth, rel * 100);
    return ok;
}

enum { NSMALL = 200000, NBIG = 300 };
static void *small[NSMALL], *big[NBIG];

static void test_sampled(void) {
    ohm_heap *h = new_heap();
    const size_t mean = 64 * 1024;
    CHECK_EQ_INT(ohm_trace_start_sampled(h, 1, mean), 0);
    CHECK_EQ_SIZE(ohm_trace_get_sample_mean(h), mean);
    unsigned ls = 0, lb = 0;
    for (int i = 0; i < NSMALL; i++) { ls = __LINE__; small[i] = ohm_malloc(h, 64); }
    for (int i = 0; i < NBIG; i++) { lb = __LINE__; big[i] = ohm_malloc(h, 100 * 1024); }
    const double small_bytes = 64.0 * NSMALL, big_bytes = 102400.0 * NBIG;

    ohm_snapshot *s = ohm_snapshot_take(h);
    const ohm_trace *tr;
    size_t ntr = ohm_snapshot_traces(s, &tr);
    /* about 12.8 MB / 64 KiB = 195 small samples + ~79% of 300 big blocks */
    CHECK(ntr > 250 && ntr < 700);
    printf("%zu traces for %d blocks\n", ntr, NSMALL + NBIG);
    ohm_stat *st;
    size_t n = ohm_snapshot_statistics(s, OHM_KEY_LINENO, 0, &st);
    CHECK_EQ_SIZE(n, 2);
    size_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned line = st[i].traceback->frames[0].lineno;
        sum += st[i].size;
        if (line == ls) {
            CHECK(within((double)st[i].size, small_bytes, 0.25));
            CHECK(within((double)st[i].count, NSMALL, 0.25));
        } else {
            CHECK_EQ_INT(line, lb);
            CHECK(within((double)st[i].size, big_bytes, 0.15));
            CHECK(within((double)st[i].count, NBIG, 0.15));
        }
        char buf[256];
        ohm_stat_format(&st[i], OHM_FORMAT_ESTIMATE, buf, sizeof buf);
        CHECK_CONTAINS(buf, "size=~");
        printf("%s\n", buf);
    }
    ohm_stats_free(st);
    size_t cur, peak;
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, sum);                         /* the same estimate, kept exactly */
    CHECK(within((double)cur, small_bytes + big_bytes, 0.15));
    ohm_snapshot_free(s);

    /* freeing the small blocks takes their estimate away, exactly */
    for (int i = 0; i < NSMALL; i++) ohm_free(h, small[i]);
    s = ohm_snapshot_take(h);
    n = ohm_snapshot_statistics(s, OHM_KEY_LINENO, 0, &st);
    CHECK_EQ_SIZE(n, 1);
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK(n == 1 && cur == st[0].size);
    CHECK(peak >= cur);
    ohm_stats_free(st);
    ohm_snapshot_free(s);

    /* the same seed gives the same samples */
    for (int i = 0; i < NBIG; i++) ohm_free(h, big[i]);
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(cur, 0);
    ohm_trace_stop(h);
    size_t first = 0, second = 0;
    for (int round = 0; round < 2; round++) {
        CHECK_EQ_INT(ohm_trace_start_sampled(h, 1, 4096), 0);
        for (int i = 0; i < 20000; i++) small[i] = ohm_malloc(h, 1 + (size_t)(i % 100));
        s = ohm_snapshot_take(h);
        *(round ? &second : &first) = ohm_snapshot_traces(s, &tr);
        ohm_snapshot_free(s);
        for (int i = 0; i < 20000; i++) ohm_free(h, small[i]);
        ohm_trace_stop(h);
    }
    CHECK(first > 0);
    CHECK_EQ_SIZE(first, second);

    /* switching exact <-> sampled clears; sampled -> exact counts exactly again */
    CHECK_EQ_INT(ohm_trace_start_sampled(h, 1, 1 << 20), 0);
    void *p = ohm_malloc(h, 4 << 20);   /* far above the mean: always sampled, weight ~1 */
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK(within((double)cur, 4 << 20, 0.02));
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(cur, 0);
    void *q = ohm_malloc(h, 1000);
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(cur, 1000);
    ohm_free(h, p);
    ohm_free(h, q);
    ohm_heap_destroy(h);
}

/* Traced bytes according to a snapshot, and how many of ptrs[0..n) have a trace. */
static size_t snapshot_bytes(ohm_heap *h, size_t *ntraces) {
    ohm_snapshot *s = ohm_snapshot_take(h);
    CHECK(s != NULL);
    const ohm_trace *tr;
    *ntraces = ohm_snapshot_traces(s, &tr);
    size_t sum = 0;
    for (size_t i = 0; i < *ntraces; i++) sum += tr[i].size;
    ohm_snapshot_free(s);
    return sum;
}

static size_t count_traced(ohm_heap *h, void **ptrs, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ptrs[i] && ohm_trace_get_traceback(h, ptrs[i]) != NULL;
    return k;
}

/* Sampling keeps the allocator's fast paths (a byte countdown; sampled blocks are
 * served off the fast free path): malloc, calloc, realloc, objects and frees all keep
 * the traces right — every live sampled block has exactly one trace, current equals
 * the snapshot's total, and after freeing everything nothing is traced. */
enum { NFAST = 20000, NOBJ = 5000 };
static void *fast[NFAST];
static ohm_object *objs[NOBJ];
static void test_sampled_fast_paths(void) {
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start_sampled(h, 1, 4096), 0);
    for (int i = 0; i < NFAST; i++) {
        fast[i] = (i % 4 == 0) ? ohm_calloc(h, 3, 24) : ohm_malloc(h, 64 + (size_t)(i % 7) * 16);
        CHECK(fast[i] != NULL);
        if (i % 4 == 0) {
            const unsigned char *c = fast[i];
            int zero = 1;
            for (int k = 0; k < 72; k++) zero &= c[k] == 0;
            CHECK(zero);
        }
    }
    for (int i = 0; i < NOBJ; i++) objs[i] = ohm_float_new(h, (double)i);
    size_t ntr, cur;
    size_t bytes = snapshot_bytes(h, &ntr);
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(bytes, cur);
    CHECK(ntr > 100);   /* ~1.7 MB at a 4 KiB mean: about 400 samples */
    size_t traced = count_traced(h, fast, NFAST);
    printf("sampled fast paths: %zu traces, %zu of them blocks\n", ntr, traced);
    CHECK(traced > 0 && traced <= ntr);
    /* free every other block (fast frees of unsampled blocks, slow ones of sampled) */
    for (int i = 0; i < NFAST; i += 2) { ohm_free(h, fast[i]); fast[i] = NULL; }
    for (int i = 0; i < NOBJ; i += 2) { ohm_decref(objs[i]); objs[i] = NULL; }
    bytes = snapshot_bytes(h, &ntr);
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(bytes, cur);
    /* realloc the rest: the old traces go, new samples come */
    for (int i = 1; i < NFAST; i += 2) {
        fast[i] = ohm_realloc(h, fast[i], (i % 3) ? 40 : 700);
        CHECK(fast[i] != NULL);
        ((char *)fast[i])[0] = 1;
    }
    bytes = snapshot_bytes(h, &ntr);
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(bytes, cur);
    CHECK_EQ_SIZE(count_traced(h, fast, NFAST) <= ntr, 1);
    for (int i = 0; i < NFAST; i++) ohm_free(h, fast[i]);
    for (int i = 0; i < NOBJ; i++) if (objs[i]) ohm_decref(objs[i]);
    ohm_gc_collect(h, -1);
    bytes = snapshot_bytes(h, &ntr);
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(ntr, 0);
    CHECK_EQ_SIZE(cur, 0);
    CHECK_EQ_SIZE(bytes, 0);
    ohm_trace_stop(h);
    ohm_heap_destroy(h);
}

/* A large buffer grown by realloc (a string builder, a big list) meets sample points
 * along the way: it is resized in place as a large block whatever the sampling, its
 * contents kept, and the traces stay right (one per sampled buffer at most). */
static void test_sampled_growing_buffer(void) {
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start_sampled(h, 2, 64 * 1024), 0);
    size_t n = 1024;
    unsigned char *b = ohm_malloc(h, n);
    for (size_t i = 0; i < n; i++) b[i] = (unsigned char)i;
    int kept = 1;
    for (int step = 0; step < 400; step++) {
        size_t m = n + 4096;
        b = ohm_realloc(h, b, m);
        CHECK(b != NULL);
        if (!b) break;
        for (size_t i = 0; i < n; i++) kept &= b[i] == (unsigned char)i;
        for (size_t i = n; i < m; i++) b[i] = (unsigned char)i;
        n = m;
    }
    CHECK(kept);
    size_t ntr, cur;
    size_t bytes = snapshot_bytes(h, &ntr);
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(bytes, cur);
    CHECK(ntr <= 1);
    CHECK_EQ_SIZE(ohm_trace_get_traceback(h, b) != NULL, 1);   /* ~1.6 MB over a 64 KiB mean */
    ohm_free(h, b);
    snapshot_bytes(h, &ntr);
    ohm_trace_get_traced_memory(h, &cur, NULL);
    CHECK_EQ_SIZE(ntr, 0);
    CHECK_EQ_SIZE(cur, 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

int main(void) {
    unsetenv("OHM_TRACEMALLOC");
    unsetenv("OHM_TRACE_UNWIND");
    test_sampled();
    test_sampled_fast_paths();
    test_sampled_growing_buffer();
    return check_done();
}
