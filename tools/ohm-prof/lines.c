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
 * leaves the lines it never saw run. Every line of the file is listed.
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

struct line_acc {
    double bytes, count, old_bytes;
    unsigned char seen;
};

struct acc {
    struct line_acc *l;
    size_t n;                 /* lines allocated in l */
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

static int grow(struct acc *a, size_t line) {
    if (line < a->n) return 0;
    size_t n = a->n ? a->n : 64;
    while (n <= line) n *= 2;
    struct line_acc *l = realloc(a->l, n * sizeof *l);
    if (!l) return -1;
    memset(l + a->n, 0, (n - a->n) * sizeof *l);
    a->l = l;
    a->n = n;
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
            if (grow(a, fr->lineno) < 0) return -1;
            struct line_acc *l = &a->l[fr->lineno];
            if (old) l->old_bytes += (double)tr[i].size;
            else { l->bytes += (double)tr[i].size; l->count += tr[i].count; }
            l->seen = 1;
        }
    }
    return 0;
}

static void mem_cell(char *buf, size_t len, double bytes, const struct prof_lines_opts *o) {
    int p = o->precision;
    switch (o->unit) {
    case PROF_UNIT_B: snprintf(buf, len, "%.0f B", bytes); break;
    case PROF_UNIT_KIB: snprintf(buf, len, "%*.*f KiB", p + 4, p, bytes / 1024.0); break;
    default: snprintf(buf, len, "%*.*f MiB", p + 4, p, bytes / 1048576.0); break;
    }
}

int prof_write_lines(const ohm_snapshot *s, const ohm_snapshot *old, const char *text, size_t len,
                     const char *source, const struct prof_lines_opts *o, FILE *out) {
    struct acc a;
    memset(&a, 0, sizeof a);
    a.source = source;
    if (add(&a, s, 0) < 0 || (old && add(&a, old, 1) < 0)) { free(a.l); return -1; }

    char header[128];
    snprintf(header, sizeof header, "%6s %12s %12s  %10s   %s", "Line #", "Mem usage", "Increment",
             "Occurrences", "Line Contents");
    fprintf(out, "Filename: %s\n\n%s\n", o->name, header);
    for (size_t i = strlen(header); i > 0; i--) fputc('=', out);
    fputc('\n', out);

    size_t lineno = 1, pos = 0, last_traced = 0;
    for (size_t i = 1; i < a.n; i++) if (a.l[i].seen) last_traced = i;
    while (pos < len || lineno <= last_traced) {
        const char *line = pos < len ? text + pos : "";
        const char *nl = pos < len ? memchr(line, '\n', len - pos) : NULL;
        size_t n = nl ? (size_t)(nl - line) : pos < len ? len - pos : 0;
        char mem[64] = "", inc[64] = "", occ[32] = "";
        if (lineno < a.n && a.l[lineno].seen) {
            const struct line_acc *l = &a.l[lineno];
            mem_cell(mem, sizeof mem, l->bytes, o);
            mem_cell(inc, sizeof inc, l->bytes - l->old_bytes, o);
            snprintf(occ, sizeof occ, "%.0f", l->count);
        }
        fprintf(out, "%6zu %12s %12s  %10s   ", lineno, mem, inc, occ);
        fwrite(line, 1, n, out);
        fputc('\n', out);
        pos += n + (nl ? 1 : 0);
        lineno++;
    }
    fputs("\n\n", out);
    free(a.l);
    return ferror(out) ? -1 : 0;
}
