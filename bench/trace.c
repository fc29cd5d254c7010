/*
 * trace.c — the tracing benchmarks of issue 5 (bench_trace): what tracing costs the
 * allocator churn (bench/workloads.h) and the object trees (bench/onode.h). Each
 * workload runs on a fresh heap per mode, after one untimed run that warms the heap
 * up: tracing off, 1 frame, 16 frames,
 * and sampled at a mean of 512 KiB (16 frames; only when ohm.h has
 * ohm_trace_start_sampled: OHM_HAVE_TRACE_SAMPLED, or bench/CMakeLists.txt found the
 * declaration). Rows give the slowdown against "off" in the same process.
 * Cases:
 *   churn    10k live, 8..512 B, 2M free+malloc pairs
 *   trees    object trees, depth 18, once (quick: depth 15)
 *   memory   tracing's own memory per live traced block: 1M blocks of 32 B at 1 and
 *            16 frames, ohm_trace_get_memory() growth / blocks
 */
#include "common.h"
#include "ohm.h"

static ohm_heap *H;
#define B_MALLOC(n) ohm_malloc(H, (n))
#define B_FREE(p) ohm_free(H, (p))
#define B_REALLOC(p, n) ohm_realloc(H, (p), (n))
#include "workloads.h"
#include "onode.h"

/* (25 frames, once measured too, cost the run more than it told: 16 is the deep case) */
enum { MODE_OFF, MODE_1, MODE_16, MODE_SAMPLED, MODE_COUNT };
static const char *const mode_names[MODE_COUNT] = { "off", "1", "16", "sampled" };

/* Start tracing on H in the given mode; 0 when the mode is not built. */
static int start_mode(int mode) {
    int rc = 0;
    switch (mode) {
    case MODE_OFF: return 1;
    case MODE_1: rc = ohm_trace_start(H, 1); break;
    case MODE_16: rc = ohm_trace_start(H, 16); break;
    case MODE_SAMPLED:
#if defined(OHM_HAVE_TRACE_SAMPLED) || defined(BENCH_HAVE_TRACE_SAMPLED)
        rc = ohm_trace_start_sampled(H, 16, 512 * 1024);
        break;
#else
        return 0;
#endif
    }
    if (rc < 0) { fprintf(stderr, "bench_trace: trace start: %s\n", ohm_last_error(H)); exit(2); }
    return 1;
}

/* Each mode gets a fresh heap, warmed up by one untimed run of the workload before
 * tracing starts (a fresh heap's first big release pays for page releases until the
 * allocator's retention adapts, which would dilute every ratio alike). */
static void by_mode(const char *work, double (*run)(void)) {
    double base = 0;
    char key[64];
    for (int m = 0; m < MODE_COUNT; m++) {
        snprintf(key, sizeof key, "trace.%s.%s", work, mode_names[m]);
        H = ohm_heap_new(NULL);
        if (!H) { fprintf(stderr, "bench_trace: %s\n", ohm_last_error(NULL)); exit(2); }
        (void)run();
        if (!start_mode(m)) { row_na(key, "ohm"); ohm_heap_destroy(H); continue; }
        double t = run();
        size_t cur = 0, peak = 0;
        if (m != MODE_OFF) ohm_trace_get_traced_memory(H, &cur, &peak);
        ohm_heap_destroy(H);
        H = NULL;
        fprintf(stderr, "%s, tracing %s: %.1f ns, traced peak %zu bytes\n", work, mode_names[m], t, peak);
        if (m == MODE_OFF) { base = t; row(key, "ohm", t); }
        else if (peak == 0) row_text(key, "ohm", "failed: nothing traced");
        else row(key, "ohm", t / base);
    }
}

static double churn_once(void) {
    long pairs = scaled(2000000);
    return churn_run(10000, pairs) / (double)pairs;
}
static double trees_once(void) { return otrees_run(bench_quick() ? 15 : 18, 1); }

static void case_churn(int argc, char **argv) { (void)argc; (void)argv; by_mode("churn", churn_once); }
static void case_trees(int argc, char **argv) { (void)argc; (void)argv; by_mode("trees", trees_once); }

static void case_memory(int argc, char **argv) {
    (void)argc; (void)argv;
    long n = scaled(1000000);
    void **p = malloc((size_t)n * sizeof *p);
    if (!p) bench_die("out of memory");
    const int frames[2] = { 1, 16 };
    for (int f = 0; f < 2; f++) {
        H = ohm_heap_new(NULL);
        if (!H || ohm_trace_start(H, frames[f]) < 0) {
            fprintf(stderr, "bench_trace: %s\n", H ? ohm_last_error(H) : ohm_last_error(NULL));
            exit(2);
        }
        size_t m0 = ohm_trace_get_memory(H);
        for (long i = 0; i < n; i++) p[i] = ohm_malloc(H, 32);
        size_t m1 = ohm_trace_get_memory(H);
        char key[32];
        snprintf(key, sizeof key, "trace.memory.%d", frames[f]);
        size_t cur = 0, peak = 0;
        ohm_trace_get_traced_memory(H, &cur, &peak);
        if (cur == 0) row_text(key, "ohm", "failed: nothing traced");
        else row(key, "ohm", ((double)m1 - (double)m0) / (double)n);
        for (long i = 0; i < n; i++) ohm_free(H, p[i]);
        ohm_heap_destroy(H);
    }
    free(p);
}

static const bench_case cases[] = {
    { "churn", case_churn }, { "trees", case_trees }, { "memory", case_memory }, { NULL, NULL }
};

int main(int argc, char **argv) { return bench_main(cases, argc, argv); }
