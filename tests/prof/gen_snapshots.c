/*
 * gen_snapshots.c — snapshots with known allocations at known places, for the tests of
 * ohm-prof (test_prof.py): `gen_snapshots DIR` writes into DIR
 *
 *   lines_old.ohmsnap, lines_new.ohmsnap  C call sites of this file (limit 1):
 *       big     1 block of 1 MiB, then 3             (one line, called from a helper)
 *       small   10 blocks of 100 B in both
 *       freed   5 blocks of 4096 B, then none
 *       grown   1 block of 64 B; in the new one realloc'd to 200 B (line grown2)
 *   stacks_old.ohmsnap, stacks.ohmsnap    an interpreter's frames (a frame provider,
 *       limit 8), stacks given below, for the tree reports
 *   empty.ohmsnap                         tracing on, nothing allocated
 *   demo_old.ohmsnap, demo.ohmsnap         a word counter's stacks (frames of a made-up
 *       interpreter), for the pictures in docs/tools.md (make screenshots)
 *   manifest.json                         this file's path and the lines above
 *
 * Everything is exact (no sampling): sizes are the requested sizes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ohm.h"

static unsigned line_big, line_small, line_freed, line_grown, line_grown2;

static void *alloc_big(ohm_heap *h) {
    line_big = __LINE__; return ohm_malloc(h, 1 << 20);
}

static void dump(ohm_heap *h, const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ohm_snapshot *s = ohm_snapshot_take(h);
    if (!s || ohm_snapshot_dump(s, path) < 0) {
        fprintf(stderr, "gen_snapshots: %s: %s\n", path, ohm_last_error(h));
        exit(1);
    }
    ohm_snapshot_free(s);
}

static void c_sites(const char *dir) {
    ohm_heap *h = ohm_heap_new(NULL);
    if (!h || ohm_trace_start(h, 1) < 0) exit(1);
    void *big[3], *small[10], *freed[5], *grown;
    big[0] = alloc_big(h);
    for (int i = 0; i < 10; i++) { line_small = __LINE__; small[i] = ohm_malloc(h, 100); }
    for (int i = 0; i < 5; i++) { line_freed = __LINE__; freed[i] = ohm_malloc(h, 4096); }
    line_grown = __LINE__; grown = ohm_malloc(h, 64);
    dump(h, dir, "lines_old.ohmsnap");
    big[1] = alloc_big(h);
    big[2] = alloc_big(h);
    for (int i = 0; i < 5; i++) ohm_free(h, freed[i]);
    /* a realloc moves the trace to its own line, as tracemalloc does */
    line_grown2 = __LINE__; grown = ohm_realloc(h, grown, 200);
    dump(h, dir, "lines_new.ohmsnap");
    for (int i = 0; i < 3; i++) ohm_free(h, big[i]);
    for (int i = 0; i < 10; i++) ohm_free(h, small[i]);
    ohm_free(h, grown);
    ohm_heap_destroy(h);
}

/* ---------------------------------------------------------------- stacks */

struct frame { const char *file; unsigned line; const char *fn; };
static const struct frame *cur_stack;
static size_t cur_depth;

/* newest first, as a provider gives them */
static size_t provide(void *arg, ohm_frame *out, size_t max) {
    (void)arg;
    size_t n = 0;
    for (size_t i = cur_depth; i > 0 && n < max; i--, n++) {
        out[n].filename = cur_stack[i - 1].file;
        out[n].lineno = cur_stack[i - 1].line;
        out[n].function = cur_stack[i - 1].fn;
    }
    return cur_depth;
}

/* root first */
static const struct frame s_read[] = { { "main.py", 1, "main" }, { "load.py", 10, "load" }, { "load.py", 20, "read_chunk" } };
static const struct frame s_tok[] = { { "main.py", 1, "main" }, { "load.py", 10, "load" }, { "parse.py", 5, "tokenize" } };
static const struct frame s_render[] = { { "main.py", 2, "main" }, { "report.py", 7, "render" } };
static const struct frame s_tiny[] = { { "main.py", 3, "main" }, { "tiny.py", 1, "nibble" } };
static const struct frame s_gone[] = { { "main.py", 4, "main" }, { "gone.py", 9, "vanish" } };

static void **run(ohm_heap *h, const struct frame *st, size_t depth, int n, size_t size) {
    void **p = malloc((size_t)n * sizeof *p);
    cur_stack = st;
    cur_depth = depth;
    for (int i = 0; i < n; i++) p[i] = ohm_malloc(h, size);
    cur_depth = 0;
    return p;
}

#define RUN(h, st, n, size) run(h, st, sizeof st / sizeof st[0], n, size)

static void stacks(const char *dir) {
    /* old: read 2 x 1000, render 3 x 500, gone 1 x 700 */
    ohm_heap *h = ohm_heap_new(NULL);
    if (!h || ohm_trace_start(h, 8) < 0) exit(1);
    ohm_trace_set_frame_provider(h, provide, NULL);
    void **a = RUN(h, s_read, 2, 1000), **b = RUN(h, s_render, 3, 500), **c = RUN(h, s_gone, 1, 700);
    dump(h, dir, "stacks_old.ohmsnap");
    ohm_heap_destroy(h);
    free(a); free(b); free(c);
    /* new: read 4 x 1000, tokenize 2 x 3000, render 1 x 500, tiny 1 x 5 */
    h = ohm_heap_new(NULL);
    if (!h || ohm_trace_start(h, 8) < 0) exit(1);
    ohm_trace_set_frame_provider(h, provide, NULL);
    void **d = RUN(h, s_read, 4, 1000), **e = RUN(h, s_tok, 2, 3000), **f = RUN(h, s_render, 1, 500),
         **g = RUN(h, s_tiny, 1, 5);
    dump(h, dir, "stacks.ohmsnap");
    ohm_heap_destroy(h);
    free(d); free(e); free(f); free(g);
    /* nothing */
    h = ohm_heap_new(NULL);
    if (!h || ohm_trace_start(h, 1) < 0) exit(1);
    dump(h, dir, "empty.ohmsnap");
    ohm_heap_destroy(h);
}

/* A word counter as an interpreter would report it: main reads a text, splits it,
 * tallies the words in a dict and renders a report; `grow` scales the tally. */
static const struct frame d_read[] = { { "wordcount.py", 12, "main" }, { "wordcount.py", 30, "count_words" },
                                       { "wordcount.py", 18, "read_text" }, { "io.py", 88, "read" } };
static const struct frame d_split[] = { { "wordcount.py", 12, "main" }, { "wordcount.py", 30, "count_words" },
                                        { "wordcount.py", 22, "tokenize" }, { "text.py", 41, "split" } };
static const struct frame d_lower[] = { { "wordcount.py", 12, "main" }, { "wordcount.py", 30, "count_words" },
                                        { "wordcount.py", 22, "tokenize" }, { "text.py", 57, "lower" } };
static const struct frame d_tally[] = { { "wordcount.py", 12, "main" }, { "wordcount.py", 30, "count_words" },
                                        { "wordcount.py", 25, "tally" }, { "dict.py", 10, "setitem" },
                                        { "dict.py", 44, "resize" } };
static const struct frame d_key[] = { { "wordcount.py", 12, "main" }, { "wordcount.py", 30, "count_words" },
                                      { "wordcount.py", 25, "tally" }, { "str.py", 7, "intern" } };
static const struct frame d_sort[] = { { "wordcount.py", 14, "main" }, { "report.py", 5, "top_words" },
                                       { "list.py", 31, "sorted" } };
static const struct frame d_fmt[] = { { "wordcount.py", 16, "main" }, { "report.py", 20, "render" },
                                      { "fmt.py", 3, "format_line" } };
static const struct frame d_cfg[] = { { "wordcount.py", 9, "main" }, { "config.py", 4, "load_config" },
                                      { "json.py", 50, "parse" }, { "json.py", 70, "parse_object" } };
static const struct frame d_log[] = { { "wordcount.py", 10, "main" }, { "log.py", 2, "setup" } };

static void demo_one(const char *dir, const char *name, int grow) {
    ohm_heap *h = ohm_heap_new(NULL);
    if (!h || ohm_trace_start(h, 16) < 0) exit(1);
    ohm_trace_set_frame_provider(h, provide, NULL);
    void **p[9];
    p[0] = RUN(h, d_read, grow ? 6 : 8, 65536);
    p[1] = RUN(h, d_split, 2400 * (grow + 1), 48);
    p[2] = RUN(h, d_lower, 900 * (grow + 1), 40);
    p[3] = RUN(h, d_tally, 3 + 2 * grow, 49152);
    p[4] = RUN(h, d_key, 1300 * (grow + 1), 56);
    p[5] = RUN(h, d_sort, 2 + grow, 24000);
    p[6] = RUN(h, d_fmt, 400, 96);
    p[7] = RUN(h, d_cfg, 40, 120);
    p[8] = RUN(h, d_log, 2, 64);
    dump(h, dir, name);
    ohm_heap_destroy(h);
    for (int i = 0; i < 9; i++) free(p[i]);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: gen_snapshots DIR\n"); return 2; }
    c_sites(argv[1]);
    stacks(argv[1]);
    demo_one(argv[1], "demo_old.ohmsnap", 0);
    demo_one(argv[1], "demo.ohmsnap", 1);
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", argv[1]);
    FILE *f = fopen(path, "w");
    if (!f) return 1;
    fprintf(f, "{\"source\": \"%s\", \"big\": %u, \"small\": %u, \"freed\": %u, \"grown\": %u, \"grown2\": %u}\n",
            __FILE__, line_big, line_small, line_freed, line_grown, line_grown2);
    return fclose(f) != 0;
}
