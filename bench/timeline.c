/*
 * timeline.c — what recording memory over time costs (issue 11, bench_timeline): the
 * allocator churn (bench/workloads.h) and the object trees (bench/onode.h) with no
 * recording, and with ohm_timeline_start at 10 ms and at 1 ms. One heap per case,
 * warmed up by an untimed run; then the modes take turns for ROUNDS rounds, each
 * keeping its best (so a disturbance of the shared machine hits no mode alone). Rows
 * give "off" in ns and the others as the slowdown against it. CPU time, so the
 * recorder's system calls (resident-set reads, a write per chunk) are counted.
 * Cases:
 *   churn    10k live, 8..512 B, 2M free+malloc pairs
 *   trees    object trees, depth 18, twice (with their collections, each recorded)
 */
#include "common.h"
#include "ohm.h"

static ohm_heap *H;
#define B_MALLOC(n) ohm_malloc(H, (n))
#define B_FREE(p) ohm_free(H, (p))
#define B_REALLOC(p, n) ohm_realloc(H, (p), (n))
#include "workloads.h"
#include "onode.h"

#define ROUNDS 3   /* in the process, modes alternated; run.sh takes the median of 5 processes */
enum { MODES = 3 };
static const char *const mode_names[MODES] = { "off", "10ms", "1ms" };
static const unsigned mode_ms[MODES] = { 0, 10, 1 };

static void by_mode(const char *work, double (*run)(void)) {
    char path[64], key[64];
    snprintf(path, sizeof path, "/tmp/ohm-bench-timeline-%d.ohmtl", (int)getpid());
    H = ohm_heap_new(NULL);
    if (!H) { fprintf(stderr, "bench_timeline: %s\n", ohm_last_error(NULL)); exit(2); }
    (void)run();
    double best[MODES];
    long bytes[MODES] = { 0 };
    for (int m = 0; m < MODES; m++) best[m] = 1e300;
    for (int r = 0; r < ROUNDS; r++) {
        for (int m = 0; m < MODES; m++) {
            if (mode_ms[m] && ohm_timeline_start(H, path, mode_ms[m]) < 0) {
                fprintf(stderr, "bench_timeline: %s\n", ohm_last_error(H));
                exit(2);
            }
            best[m] = min_d(best[m], run());
            if (mode_ms[m]) {
                if (ohm_timeline_stop(H) < 0) { fprintf(stderr, "bench_timeline: %s\n", ohm_last_error(H)); exit(2); }
                FILE *f = fopen(path, "rb");
                if (f) { fseek(f, 0, SEEK_END); bytes[m] = ftell(f); fclose(f); }
            }
        }
    }
    ohm_heap_destroy(H);
    remove(path);
    for (int m = 0; m < MODES; m++) {
        snprintf(key, sizeof key, "timeline.%s.%s", work, mode_names[m]);
        fprintf(stderr, "%s, timeline %s: %.2f ns%s", work, mode_names[m], best[m], m ? "" : "\n");
        if (m) fprintf(stderr, " (%.3fx), file of the last round %ld bytes\n", best[m] / best[0], bytes[m]);
        row(key, "ohm", m ? best[m] / best[0] : best[0]);
    }
}

static double churn_once(void) {
    long pairs = scaled(2000000);
    return churn_run(10000, pairs) / (double)pairs;
}
static double trees_once(void) { return otrees_run(18, bench_quick() ? 1 : 2); }

static void case_churn(int argc, char **argv) { (void)argc; (void)argv; by_mode("churn", churn_once); }
static void case_trees(int argc, char **argv) { (void)argc; (void)argv; by_mode("trees", trees_once); }

static const bench_case cases[] = { { "churn", case_churn }, { "trees", case_trees }, { NULL, NULL } };

int main(int argc, char **argv) { return bench_main(cases, argc, argv); }
