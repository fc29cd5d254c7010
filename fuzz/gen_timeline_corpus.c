/*
 * gen_timeline_corpus.c — writes the seed corpus of fuzz_timeline_load into the
 * directory given as argv[1]: real recordings (a start and a stop only; marks, nested
 * scopes, one left open, and collections of each generation; tracing on, exact and
 * sampled; two chunks, from a recording that ran past the one-second write; a long
 * label), and edge files made from them (cut at a chunk boundary and inside a record,
 * a bad magic, a bad version). Not built by default; how the committed files were
 * made:
 *   cc -I include -I src fuzz/gen_timeline_corpus.c build/libohm.a -lpthread -lm -o gen
 *   ./gen fuzz/corpus/timeline
 */
#include "ohm.h"
#include "base/base.h"
#include "api/timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char dir[512];

static const char *path_of(const char *name) {
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static ohm_heap *start(const char *name, unsigned ms) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = 0;
    ohm_heap *h = ohm_heap_new(&cfg);
    if (!h || ohm_timeline_start(h, path_of(name), ms) != 0) {
        fprintf(stderr, "start %s: %s\n", name, h ? ohm_last_error(h) : ohm_last_error(NULL));
        exit(1);
    }
    return h;
}

static void stop(ohm_heap *h) {
    if (ohm_timeline_stop(h) != 0) { fprintf(stderr, "stop: %s\n", ohm_last_error(h)); exit(1); }
    ohm_heap_destroy(h);
}

static void cycles(ohm_heap *h, int n) {
    for (int i = 0; i < n; i++) {
        ohm_object *a = ohm_list_new(h), *b = ohm_list_new(h);
        ohm_list_append(a, b);
        ohm_list_append(b, a);
        ohm_decref(a);
        ohm_decref(b);
    }
}

static void churn(ohm_heap *h, double seconds) {
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    void *keep[32] = { 0 };
    for (unsigned i = 0;; i++) {
        ohm_free(h, keep[i & 31]);
        keep[i & 31] = ohm_malloc(h, 16 + (i * 13) % 480);
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) * 1e-9 > seconds) break;
    }
    for (int i = 0; i < 32; i++) ohm_free(h, keep[i]);
}

static unsigned char *slurp(const char *name, size_t *len) {
    char err[256];
    unsigned char *p = ohmi_file_read(path_of(name), len, err, sizeof err);
    if (!p) { fprintf(stderr, "%s\n", err); exit(1); }
    return p;
}

static void spit(const char *name, const unsigned char *p, size_t len) {
    FILE *f = fopen(path_of(name), "wb");
    if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0) { fprintf(stderr, "write %s failed\n", name); exit(1); }
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s DIR\n", argv[0]); return 2; }
    snprintf(dir, sizeof dir, "%s", argv[1]);

    stop(start("empty.ohmtl", 10));

    ohm_heap *h = start("events.ohmtl", 5);
    ohm_timeline_mark(h, "begin");
    ohm_timeline_enter(h, "load");
    cycles(h, 20);
    ohm_timeline_enter(h, "parse");
    ohm_gc_collect(h, 0);
    ohm_timeline_leave(h);
    ohm_gc_collect(h, 1);
    ohm_timeline_leave(h);
    ohm_timeline_mark(h, "");
    ohm_gc_collect(h, 2);
    ohm_timeline_enter(h, "left open");
    stop(h);

    h = start("traced.ohmtl", 1);
    ohm_trace_start(h, 1);
    churn(h, 0.004);
    ohm_timeline_mark(h, "sampled from here");
    ohm_trace_start_sampled(h, 1, 4096);
    churn(h, 0.004);
    stop(h);

    h = start("two-chunks.ohmtl", 200);
    churn(h, 1.1);
    ohm_timeline_mark(h, "after a second");
    stop(h);

    h = start("long-label.ohmtl", 10);
    char label[OHMI_TL_LABEL_MAX + 10];
    memset(label, 'L', sizeof label - 1);
    label[sizeof label - 1] = '\0';
    ohm_timeline_mark(h, label);
    stop(h);

    size_t len;
    unsigned char *p = slurp("events.ohmtl", &len);
    spit("cut-in-record.ohmtl", p, len - 20);
    unsigned char *q = malloc(len);
    memcpy(q, p, len);
    q[0] = 'X';
    spit("bad-magic.ohmtl", q, len);
    memcpy(q, p, len);
    q[8] = 2;
    spit("bad-version.ohmtl", q, len);
    free(q);
    free(p);
    p = slurp("two-chunks.ohmtl", &len);
    size_t first = OHMI_TL_HEADER + 4 + ohmi_le_get32(p + OHMI_TL_HEADER) + 8;
    if (first < len) spit("cut-at-chunk.ohmtl", p, first);
    else fprintf(stderr, "two-chunks.ohmtl has one chunk: no cut-at-chunk.ohmtl\n");
    free(p);
    return 0;
}
