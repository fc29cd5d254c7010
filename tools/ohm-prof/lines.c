/*
 * lines.c — memory_profiler's line-by-line listing, for a C source (or any file the
 * frames name), exact instead of sampled:
 *
 *   Filename: tests/prog.c
 *
 *   Line #    Mem usage    Increment  Occurrences   Line Contents
 *   =============================================================
 *       12      3.0 MiB      3.0 MiB           3       p[i] = ohm_malloc(h, 1 << 20);
 *
 * The columns are memory_profiler's, in its format ('{0:>6} {1:>12} {2:>12}  {3:>10}
 * {4:<}' with sizes '{:5.1f} MiB' at precision 1), with these meanings:
 *   Mem usage    bytes still held (in SNAP) by blocks allocated on that line;
 *   Increment    Mem usage minus the same in --old (without --old: against nothing,
 *                so equal to Mem usage); it is negative only when memory went away;
 *   Occurrences  blocks allocated on that line and still alive in SNAP.
 * Lines that hold nothing in either snapshot have blank cells, as memory_profiler
 * leaves the lines it never saw run. Every line of the file is listed, then any traced
 * line past its end (the file changed since the snapshot) with empty contents.
 */
#include "prof.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Path-suffix match at a '/' boundary: "a/b.c" and "/x/a/b.c". */
static int suffix_of(const char *longer, const char *shorter) {
    size_t n = strlen(longer), k = strlen(shorter);
    return k && k < n && longer[n - k - 1] == '/' && !strcmp(longer + n - k, shorter);
}

int prof_same_source(const char *traced, const char *given) {
    if (!traced || !given) return 0;
    while (given[0] == '.' && given[1] == '/') given += 2;
    const char *t = traced;
    while (t[0] == '.' && t[1] == '/') t += 2;
    if (!strcmp(t, given) || suffix_of(t, given) || suffix_of(given, t)) return 1;
    char a[PATH_MAX], b[PATH_MAX];
    return realpath(traced, a) && realpath(given, b) && !strcmp(a, b);
}

/* What the traces hold on one line: one entry per (trace, line) first, then sorted
 * by line and merged, so memory follows the traces, not the line numbers (a damaged
 * or foreign snapshot may name line 4000000000). */
struct line_acc {
    unsigned line;
    double bytes, count, old_bytes;
};

struct acc {
    struct line_acc *l;
    size_t n, cap;
    const char *source;
    /* file names already decided (strings are interned per snapshot, so one pointer
     * per distinct name and snapshot: few) */
    struct { const char *name; int match; } cache[64];
    size_t ncache;
};

static int matches(struct acc *a, const char *name) {
    for (size_t i = 0; i < a->ncache; i++)
        if (a->cache[i].name == name) return a->cache[i].match;
    int m = prof_same_source(name, a->source);
    if (a->ncache < sizeof a->cache / sizeof a->cache[0]) {
        a->cache[a->ncache].name = name;
        a->cache[a->ncache++].match = m;
    }
    return m;
}

static int push(struct acc *a, unsigned line, double bytes, double count, double old_bytes) {
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        struct line_acc *l = realloc(a->l, cap * sizeof *l);
        if (!l) return -1;
        a->l = l;
        a->cap = cap;
    }
    a->l[a->n++] = (struct line_acc){ line, bytes, count, old_bytes };
    return 0;
}

static int add(struct acc *a, const ohm_snapshot *s, int old) {
    const ohm_trace *tr;
    size_t n = ohm_snapshot_traces(s, &tr);
    for (size_t i = 0; i < n; i++) {
        const ohm_traceback *tb = tr[i].traceback;
        unsigned done[OHM_TRACE_MAX_FRAMES];
        size_t ndone = 0;
        for (size_t f = 0; tb && f < tb->nframe; f++) {
            const ohm_frame *fr = &tb->frames[f];
            if (!fr->lineno || !matches(a, fr->filename)) continue;
            size_t k = 0;
            while (k < ndone && done[k] != fr->lineno) k++;
            if (k < ndone || ndone == OHM_TRACE_MAX_FRAMES) continue;   /* once per line */
            done[ndone++] = fr->lineno;
            double b = (double)tr[i].size;
            if (push(a, fr->lineno, old ? 0 : b, old ? 0 : tr[i].count, old ? b : 0) < 0) return -1;
        }
    }
    return 0;
}

static int by_line(const void *x, const void *y) {
    unsigned a = ((const struct line_acc *)x)->line, b = ((const struct line_acc *)y)->line;
    return (a > b) - (a < b);
}

/* Sort by line and merge: one entry per line. */
static void merge(struct acc *a) {
    if (!a->n) return;
    qsort(a->l, a->n, sizeof *a->l, by_line);
    size_t k = 0;
    for (size_t i = 1; i < a->n; i++) {
        if (a->l[i].line == a->l[k].line) {
            a->l[k].bytes += a->l[i].bytes;
            a->l[k].count += a->l[i].count;
            a->l[k].old_bytes += a->l[i].old_bytes;
        } else {
            a->l[++k] = a->l[i];
        }
    }
    a->n = k + 1;
}

static void mem_cell(char *buf, size_t len, double bytes, const struct prof_lines_opts *o) {
    int p = o->precision;
    switch (o->unit) {
    case PROF_UNIT_B: snprintf(buf, len, "%.0f B", bytes); break;
    case PROF_UNIT_KIB: snprintf(buf, len, "%*.*f KiB", p + 4, p, bytes / 1024.0); break;
    default: snprintf(buf, len, "%*.*f MiB", p + 4, p, bytes / 1048576.0); break;
    }
}

static void row(FILE *out, size_t lineno, const struct line_acc *l, const char *text, size_t n,
                const struct prof_lines_opts *o) {
    char mem[64] = "", inc[64] = "", occ[32] = "";
    if (l) {
        mem_cell(mem, sizeof mem, l->bytes, o);
        mem_cell(inc, sizeof inc, l->bytes - l->old_bytes, o);
        snprintf(occ, sizeof occ, "%.0f", l->count);
    }
    fprintf(out, "%6zu %12s %12s  %10s   ", lineno, mem, inc, occ);
    fwrite(text, 1, n, out);
    fputc('\n', out);
}

int prof_write_lines(const ohm_snapshot *s, const ohm_snapshot *old, const char *text, size_t len,
                     const char *source, const struct prof_lines_opts *o, FILE *out) {
    struct acc a;
    memset(&a, 0, sizeof a);
    a.source = source;
    if (add(&a, s, 0) < 0 || (old && add(&a, old, 1) < 0)) { free(a.l); return -1; }
    merge(&a);

    char header[128];
    snprintf(header, sizeof header, "%6s %12s %12s  %10s   %s", "Line #", "Mem usage", "Increment",
             "Occurrences", "Line Contents");
    fprintf(out, "Filename: %s\n\n%s\n", o->name, header);
    for (size_t i = strlen(header); i > 0; i--) fputc('=', out);
    fputc('\n', out);

    /* every line of the file, then the traced lines past its end (the file changed
     * since the snapshot), each alone with empty contents */
    size_t lineno = 1, pos = 0, k = 0;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        while (k < a.n && a.l[k].line < lineno) k++;
        row(out, lineno, k < a.n && a.l[k].line == lineno ? &a.l[k] : NULL, line, n, o);
        pos += n + (nl ? 1 : 0);
        lineno++;
    }
    for (; k < a.n; k++)
        if (a.l[k].line >= lineno) row(out, a.l[k].line, &a.l[k], "", 0, o);
    fputs("\n\n", out);
    free(a.l);
    return ferror(out) ? -1 : 0;
}
