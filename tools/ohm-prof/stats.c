/*
 * stats.c — memray's `stats` for a snapshot: the totals, a histogram of block sizes,
 * the bytes of each domain, and the top sites (newest frame's line) by bytes and by
 * number of blocks.
 *
 * The histogram has one row per power of two between the smallest and the largest
 * block ("<= 64 B" holds 33..64 bytes), with a bar of '#' scaled to the fullest row.
 * For sampled snapshots every figure is an estimate; the header says so.
 */
#include "prof.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int by_count(const void *a, const void *b) {
    const ohm_stat *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    if (x->size != y->size) return x->size < y->size ? 1 : -1;
    return 0;
}

static void site(const ohm_stat *st, FILE *out) {
    const ohm_traceback *tb = st->traceback;
    const ohm_frame *f = tb && tb->nframe ? &tb->frames[tb->nframe - 1] : NULL;
    if (!f) { fputs("<unknown>", out); return; }
    fprintf(out, "%s:%u", f->filename ? f->filename : "<unknown>", f->lineno);
    if (f->function) fprintf(out, " (%s)", f->function);
}

static unsigned log2_ceil(size_t n) {
    unsigned k = 0;
    while (k < 63 && ((size_t)1 << k) < n) k++;
    return k;
}

static void histogram(const ohm_trace *tr, size_t n, FILE *out) {
    double rows[64] = { 0 };
    size_t lo = (size_t)-1, hi = 0;
    for (size_t i = 0; i < n; i++) {
        size_t sz = tr[i].size;
        /* a sampled trace's size is what it stands for; the block's own size is
         * size / count */
        if (tr[i].count > 1) sz = (size_t)prof_ll((double)sz / tr[i].count + 0.5);
        if (sz < lo) lo = sz;
        if (sz > hi) hi = sz;
        rows[log2_ceil(sz)] += tr[i].count;
    }
    char a[32];
    fputs("Histogram of block sizes:\n", out);
    if (!n) { fputs("  (no blocks)\n", out); return; }
    fprintf(out, "  min: %s\n", prof_size(prof_ll((double)lo), 0, a, sizeof a));
    double most = 0;
    for (unsigned k = log2_ceil(lo); k <= log2_ceil(hi); k++) if (rows[k] > most) most = rows[k];
    for (unsigned k = log2_ceil(lo); k <= log2_ceil(hi); k++) {
        char label[40];
        snprintf(label, sizeof label, "<= %s", prof_size(prof_ll(ldexp(1.0, (int)k)), 0, a, sizeof a));
        int bar = most > 0 ? (int)ceil(40.0 * rows[k] / most) : 0;
        fprintf(out, "  %-12s: %9.0f%s", label, rows[k], bar ? " " : "");
        for (int i = 0; i < bar; i++) fputc('#', out);
        fputc('\n', out);
    }
    fprintf(out, "  max: %s\n", prof_size(prof_ll((double)hi), 0, a, sizeof a));
}

int prof_write_stats(const ohm_snapshot *s, size_t ntop, FILE *out) {
    const ohm_trace *tr;
    size_t n = ohm_snapshot_traces(s, &tr);
    double bytes = 0, blocks = 0, dbytes[3] = { 0 }, dblocks[3] = { 0 };
    for (size_t i = 0; i < n; i++) {
        bytes += (double)tr[i].size;
        blocks += tr[i].count;
        unsigned d = tr[i].domain <= OHM_DOMAIN_OBJ ? (unsigned)tr[i].domain : 0;
        dbytes[d] += (double)tr[i].size;
        dblocks[d] += tr[i].count;
    }
    char a[32];
    size_t mean = ohm_snapshot_sample_mean(s);
    fprintf(out, "Total memory: %s in %.0f blocks (%s)\n", prof_size(prof_ll(bytes), 0, a, sizeof a),
            blocks, mean ? "estimated from a sample" : "exact");
    if (mean) fprintf(out, "Sampling: one sample every %zu bytes on average\n", mean);
    fprintf(out, "Traceback limit: %d frames\n\n", ohm_snapshot_traceback_limit(s));

    histogram(tr, n, out);

    static const char *const names[3] = { "RAW", "MEM", "OBJ" };
    fputs("\nBytes per domain:\n", out);
    for (int d = 0; d < 3; d++)
        fprintf(out, "  %s: %10s in %9.0f blocks (%5.1f%%)\n", names[d],
                prof_size(prof_ll(dbytes[d]), 0, a, sizeof a), dblocks[d],
                bytes > 0 ? 100.0 * dbytes[d] / bytes : 0.0);

    ohm_stat *st;
    size_t ns = ohm_snapshot_statistics(s, OHM_KEY_LINENO, 0, &st);
    size_t k = ntop && ntop < ns ? ntop : ns;
    fprintf(out, "\nTop %zu sites by bytes:\n", k);
    for (size_t i = 0; i < k; i++) {
        fprintf(out, "  %zu. ", i + 1);
        site(&st[i], out);
        fprintf(out, ": %s in %zu block%s\n", prof_size(prof_ll((double)st[i].size), 0, a, sizeof a), st[i].count,
                st[i].count == 1 ? "" : "s");
    }
    if (ns) qsort(st, ns, sizeof *st, by_count);
    fprintf(out, "\nTop %zu sites by number of blocks:\n", k);
    for (size_t i = 0; i < k; i++) {
        fprintf(out, "  %zu. ", i + 1);
        site(&st[i], out);
        fprintf(out, ": %zu block%s, %s\n", st[i].count, st[i].count == 1 ? "" : "s",
                prof_size(prof_ll((double)st[i].size), 0, a, sizeof a));
    }
    ohm_stats_free(st);
    return ferror(out) ? -1 : 0;
}
