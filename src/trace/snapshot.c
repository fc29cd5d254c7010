/*
 * snapshot.c — tracemalloc's Snapshot: take, filter, statistics, compare, formatting.
 *
 * A snapshot is self-contained: its traces, its tracebacks (symbolized, oldest frame
 * first) and every string, all in memory it owns (a trace_strtab arena), so it outlives
 * ohm_trace_stop and the heap. Strings are interned per snapshot, so within one
 * snapshot equal strings are the same pointer; across snapshots (compare) they are
 * matched by content.
 *
 * Statistics (tracemalloc's Snapshot.statistics): traces are first summed per
 * traceback, then per key: the whole traceback (OHM_KEY_TRACEBACK), or the newest
 * frame's (filename, 0) / (filename, lineno). Cumulative statistics count a trace once
 * under every distinct key among all its frames. Sorted by size, then count, both
 * descending, then by key (ascending, so ties read in file order). Compare orders by
 * |size_diff|, size, |count_diff|, count, all descending, as tracemalloc does.
 * Results are one malloc block (stats, then any synthesized tracebacks and frames):
 * ohm_stats_free is free(). Their strings belong to the snapshots compared.
 */
#include "trace/trace_impl.h"

#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

/* ------------------------------------------------------------ building */

ohm_snapshot *ohmi_snap_new(ohm_heap *h, int limit, size_t sample_mean) {
    ohm_snapshot *s = ohmi_sys_calloc(h, 1, sizeof *s);
    if (!s) return NULL;
    s->strs.heap = h;
    s->limit = limit;
    s->sample_mean = sample_mean;
    return s;
}

long ohmi_snap_copy_traceback(ohm_snapshot *s, const ohm_traceback *tb) {
    if (s->ntbs == s->tbs_cap) {
        size_t cap = s->tbs_cap ? s->tbs_cap * 2 : 64;
        ohm_traceback *a = ohmi_sys_realloc(s->strs.heap, s->tbs, cap * sizeof *a);
        if (!a) return -1;
        s->tbs = a;
        s->tbs_cap = cap;
    }
    ohm_frame *fr = ohmi_strtab_alloc(&s->strs, (tb->nframe ? tb->nframe : 1) * sizeof *fr);
    if (!fr) return -1;
    for (size_t i = 0; i < tb->nframe; i++) {
        const ohm_frame *f = &tb->frames[i];
        fr[i].filename = ohmi_strtab_intern(&s->strs, f->filename ? f->filename : "<unknown>");
        fr[i].function = f->function ? ohmi_strtab_intern(&s->strs, f->function) : NULL;
        fr[i].lineno = f->lineno;
        if (!fr[i].filename || (f->function && !fr[i].function)) return -1;
    }
    ohm_traceback *d = &s->tbs[s->ntbs];
    d->nframe = tb->nframe;
    d->total_nframe = tb->total_nframe;
    d->frames = fr;
    return (long)s->ntbs++;
}

long ohmi_snap_add_traceback(ohm_snapshot *s, const ohm_traceback *tb) {
    const uintptr_t *seen = ohmi_ptrmap_find(&s->map, tb);
    if (seen) return (long)*seen;
    if (ohmi_ptrmap_reserve(s->strs.heap, &s->map, 1) < 0) return -1;
    long i = ohmi_snap_copy_traceback(s, tb);
    if (i < 0) return -1;
    ohmi_ptrmap_add(&s->map, tb, (uintptr_t)i);
    return i;
}

int ohmi_snap_add_trace(ohm_snapshot *s, long tbi, size_t size, double count, int domain) {
    if (s->ntraces == s->traces_cap) {
        size_t cap = s->traces_cap ? s->traces_cap * 2 : 256;
        ohm_trace *a = ohmi_sys_realloc(s->strs.heap, s->traces, cap * sizeof *a);
        if (!a) return -1;
        s->traces = a;
        s->traces_cap = cap;
    }
    ohm_trace *t = &s->traces[s->ntraces++];
    t->traceback = (const ohm_traceback *)(uintptr_t)tbi;   /* a pointer at ohmi_snap_finish */
    t->size = size;
    t->count = count;
    t->domain = (ohm_domain)domain;
    return 0;
}

ohm_snapshot *ohmi_snap_finish(ohm_snapshot *s) {
    for (size_t i = 0; i < s->ntraces; i++)
        s->traces[i].traceback = &s->tbs[(uintptr_t)s->traces[i].traceback];
    ohmi_ptrmap_free(&s->map);
    s->strs.heap = NULL;   /* it outlives its heap: no heap's from now on */
    return s;
}

void ohm_snapshot_free(ohm_snapshot *s) {
    if (!s) return;
    free(s->traces);
    free(s->tbs);
    ohmi_ptrmap_free(&s->map);
    ohmi_strtab_free(&s->strs);
    free(s);
}

/* ------------------------------------------------------------ take */

/* map: traceback id -> index in the snapshot + 1, len ids. The walk first applies
 * what other threads queued, which interns tracebacks: ids past the length the map
 * had when the snapshot began grow it here. */
struct take_ctx { ohm_heap *h; ohm_snapshot *s; uint32_t *map; size_t len; };

static int take_one(void *arg, uintptr_t ptr, size_t size, uint32_t id, int domain) {
    struct take_ctx *c = arg;
    struct trace_state *t = ohmi_trace_of(c->h);
    (void)ptr;
    if (id >= c->len) {
        size_t len = t->tbs_len > id ? t->tbs_len : (size_t)id + 1;
        uint32_t *map = ohmi_sys_realloc(c->h, c->map, len * sizeof *map);
        if (!map) return -1;
        memset(map + c->len, 0, (len - c->len) * sizeof *map);
        c->map = map;
        c->len = len;
    }
    if (!c->map[id]) {
        const ohm_traceback *tb = ohmi_frames_symbolized(c->h, id);
        long k = tb ? ohmi_snap_copy_traceback(c->s, tb) : -1;
        if (k < 0) return -1;
        c->map[id] = (uint32_t)k + 1;
    }
    return ohmi_snap_add_trace(c->s, c->map[id] - 1, ohmi_trace_weight_size(t->sample_mean, size),
                          ohmi_trace_weight_count(t->sample_mean, size), domain) < 0 ? -1 : 0;
}

ohm_snapshot *ohm_snapshot_take(ohm_heap *h) {
    struct trace_state *t = ohmi_trace_of(h);
    if (!t->active) {
        ohmi_error(h, "ohm_snapshot_take: tracing is off; call ohm_trace_start first");
        return NULL;
    }
    ohm_snapshot *s = ohmi_snap_new(h, t->nframes, t->sample_mean);
    size_t len = t->tbs_len ? t->tbs_len : 1;
    struct take_ctx c = { h, s, s ? ohmi_sys_calloc(h, len, sizeof(uint32_t)) : NULL, len };   /* id -> index + 1 */
    if (!s || !c.map) goto oom;
    if (ohmi_trace_walk(h, take_one, &c)) goto oom;
    free(c.map);
    return ohmi_snap_finish(s);
oom:
    free(c.map);
    ohm_snapshot_free(s);
    ohmi_error(h, "ohm_snapshot_take: out of memory");
    return NULL;
}

size_t ohm_snapshot_traces(const ohm_snapshot *s, const ohm_trace **traces) {
    *traces = s->traces;
    return s->ntraces;
}
int ohm_snapshot_traceback_limit(const ohm_snapshot *s) { return s->limit; }
size_t ohm_snapshot_sample_mean(const ohm_snapshot *s) { return s->sample_mean; }

/* ------------------------------------------------------------ filter */

static int filter_frame(const ohm_trace_filter *f, const ohm_frame *fr) {
    if (f->filename_pattern && fnmatch(f->filename_pattern, fr->filename, 0) != 0) return 0;
    if (f->lineno && fr->lineno != f->lineno) return 0;
    return 1;
}

/* tracemalloc's Filter._match (and DomainFilter's): for an inclusive filter, whether
 * the trace matches; for an exclusive one, whether it does NOT (it passes). */
static int filter_match(const ohm_trace_filter *f, const ohm_trace *tr) {
    const ohm_traceback *tb = tr->traceback;
    int incl = f->inclusive != 0, res;
    if (f->all_frames) {
        int any = 0;
        for (size_t i = 0; i < tb->nframe && !any; i++) any = filter_frame(f, &tb->frames[i]);
        res = any ? incl : !incl;
    } else {
        int m = tb->nframe ? filter_frame(f, &tb->frames[tb->nframe - 1]) : 0;
        res = m ^ !incl;
    }
    if (f->domain >= 0)
        res = incl ? (res && (int)tr->domain == f->domain) : (res || (int)tr->domain != f->domain);
    return res;
}

static int filter_pass(const ohm_trace_filter *fs, size_t n, const ohm_trace *tr) {
    int has_incl = 0, incl_ok = 0;
    for (size_t i = 0; i < n; i++) {
        if (fs[i].inclusive) {
            has_incl = 1;
            if (!incl_ok && filter_match(&fs[i], tr)) incl_ok = 1;
        } else if (!filter_match(&fs[i], tr)) {
            return 0;
        }
    }
    return !has_incl || incl_ok;
}

ohm_snapshot *ohm_snapshot_filter(const ohm_snapshot *s, const ohm_trace_filter *filters, size_t n) {
    ohm_snapshot *d = ohmi_snap_new(NULL, s->limit, s->sample_mean);
    if (!d) return NULL;
    for (size_t i = 0; i < s->ntraces; i++) {
        const ohm_trace *tr = &s->traces[i];
        if (!filter_pass(filters, n, tr)) continue;
        long k = ohmi_snap_add_traceback(d, tr->traceback);
        if (k < 0 || ohmi_snap_add_trace(d, k, tr->size, tr->count, (int)tr->domain) < 0) {
            ohm_snapshot_free(d);
            return NULL;
        }
    }
    return ohmi_snap_finish(d);
}

/* ------------------------------------------------------------ grouping */

/* One statistic being summed: a key (a whole traceback, or one key frame). */
struct agg {
    const ohm_traceback *tb;   /* OHM_KEY_TRACEBACK: the key; else NULL */
    ohm_frame kf;              /* the key frame (filename, lineno or 0) */
    size_t size;
    double count;
};

struct group {
    struct agg *a;
    size_t n, cap;
    ohmi_index index;          /* agg number + 1, by key */
    ohm_key key;
};

static uint64_t hash_str(const char *s, uint64_t h) {
    return ohmi_hash_bytes(s ? s : "", s ? strlen(s) : 0, h);
}

static int str_eq(const char *a, const char *b) {
    return a == b || (a && b && !strcmp(a, b));
}

static uint64_t frame_hash(const ohm_frame *f, uint64_t h) {
    h = hash_str(f->filename, h);
    return ohmi_hash_bytes(&f->lineno, sizeof f->lineno, h);
}

static uint64_t agg_hash(const struct agg *a) {
    if (!a->tb) return frame_hash(&a->kf, OHMI_FNV_BASIS);
    uint64_t h = ohmi_hash_bytes(&a->tb->nframe, sizeof a->tb->nframe, OHMI_FNV_BASIS);
    for (size_t i = 0; i < a->tb->nframe; i++) h = frame_hash(&a->tb->frames[i], h);
    return h;
}

static int frame_eq(const ohm_frame *x, const ohm_frame *y) {
    return x->lineno == y->lineno && str_eq(x->filename, y->filename);
}

static int agg_eq(const struct agg *x, const struct agg *y) {
    if (!x->tb || !y->tb) return !x->tb && !y->tb && frame_eq(&x->kf, &y->kf);
    if (x->tb->nframe != y->tb->nframe) return 0;
    for (size_t i = 0; i < x->tb->nframe; i++)
        if (!frame_eq(&x->tb->frames[i], &y->tb->frames[i]) ||
            !str_eq(x->tb->frames[i].function, y->tb->frames[i].function))
            return 0;
    return 1;
}

static uint64_t group_hash(const void *g, uintptr_t w) {
    return agg_hash(&((const struct group *)g)->a[w - 1]);
}

static int group_eq(const void *g, const void *k, uintptr_t w) {
    return agg_eq(&((const struct group *)g)->a[w - 1], k);
}

/* The number of the agg with key k (hash hv), or -1. */
static long group_find(const struct group *g, const struct agg *k, uint64_t hv) {
    return (long)ohmi_index_find(&g->index, hv, group_eq, g, k) - 1;
}

/* Add size/count under key k (found or new). -1 when out of memory. */
static int group_add(struct group *g, const struct agg *k, size_t size, double count) {
    uint64_t hv = agg_hash(k);
    long i = group_find(g, k, hv);
    if (i < 0) {
        if (ohmi_index_reserve(NULL, &g->index, 1, group_hash, g) < 0) return -1;
        if (g->n == g->cap) {
            size_t cap = g->cap ? g->cap * 2 : 64;
            struct agg *a = realloc(g->a, cap * sizeof *a);
            if (!a) return -1;
            g->a = a;
            g->cap = cap;
        }
        g->a[g->n] = *k;
        g->a[g->n].size = 0;
        g->a[g->n].count = 0;
        ohmi_index_add(&g->index, hv, g->n + 1);
        i = (long)g->n++;
    }
    /* Frames of one (filename, line) may name different functions: the statistic
     * names one only when all agree, so that it does not depend on trace order. */
    if (!k->tb && !str_eq(g->a[i].kf.function, k->kf.function)) g->a[i].kf.function = NULL;
    g->a[i].size += size;
    g->a[i].count += count;
    return 0;
}

static void group_free(struct group *g) {
    free(g->a);
    ohmi_index_free(&g->index);
}

/* Sum s's traces per key into g. 0, or -1 when out of memory. */
static int group_snapshot(const ohm_snapshot *s, ohm_key key, int cumulative, struct group *g) {
    memset(g, 0, sizeof *g);
    g->key = key;
    /* per traceback first: few tracebacks, many traces */
    size_t *tsize = calloc(s->ntbs ? s->ntbs : 1, sizeof *tsize);
    double *tcount = calloc(s->ntbs ? s->ntbs : 1, sizeof *tcount);
    ohm_frame *seen = NULL;
    int rc = -1;
    if (!tsize || !tcount) goto out;
    for (size_t i = 0; i < s->ntraces; i++) {
        size_t k = (size_t)(s->traces[i].traceback - s->tbs);
        tsize[k] += s->traces[i].size;
        tcount[k] += s->traces[i].count;
    }
    seen = malloc(OHM_TRACE_MAX_FRAMES * sizeof *seen);
    if (!seen) goto out;
    for (size_t t = 0; t < s->ntbs; t++) {
        if (tcount[t] == 0 && tsize[t] == 0) continue;
        const ohm_traceback *tb = &s->tbs[t];
        struct agg k = { 0 };
        if (key == OHM_KEY_TRACEBACK) {
            k.tb = tb;
            if (group_add(g, &k, tsize[t], tcount[t]) < 0) goto out;
            continue;
        }
        size_t nf = tb->nframe, first = cumulative ? 0 : (nf ? nf - 1 : 0), nseen = 0;
        for (size_t f = first; f < nf; f++) {
            ohm_frame kf = tb->frames[f];
            if (key == OHM_KEY_FILENAME) { kf.lineno = 0; kf.function = NULL; }
            int dup = 0;   /* count a trace once per distinct key */
            for (size_t m = 0; m < nseen && !dup; m++) dup = frame_eq(&seen[m], &kf);
            if (dup) continue;
            if (nseen < (size_t)OHM_TRACE_MAX_FRAMES) seen[nseen++] = kf;
            k.kf = kf;
            if (group_add(g, &k, tsize[t], tcount[t]) < 0) goto out;
        }
    }
    rc = 0;
out:
    free(tsize);
    free(tcount);
    free(seen);
    if (rc < 0) group_free(g);
    return rc;
}

/* ------------------------------------------------------------ sorting */

static int frame_cmp(const ohm_frame *x, const ohm_frame *y) {
    int c = strcmp(x->filename ? x->filename : "", y->filename ? y->filename : "");
    if (c) return c;
    return (x->lineno > y->lineno) - (x->lineno < y->lineno);
}

static int tb_cmp(const ohm_traceback *x, const ohm_traceback *y) {
    size_t n = x->nframe < y->nframe ? x->nframe : y->nframe;
    for (size_t i = 1; i <= n; i++) {   /* newest frame first */
        int c = frame_cmp(&x->frames[x->nframe - i], &y->frames[y->nframe - i]);
        if (c) return c;
    }
    return (x->nframe > y->nframe) - (x->nframe < y->nframe);
}

#define CMP_DESC(a, b) do { if ((a) != (b)) return (a) > (b) ? -1 : 1; } while (0)

static int stat_cmp(const void *pa, const void *pb) {
    const ohm_stat *a = pa, *b = pb;
    CMP_DESC(a->size, b->size);
    CMP_DESC(a->count, b->count);
    return tb_cmp(a->traceback, b->traceback);
}

static int diff_cmp(const void *pa, const void *pb) {
    const ohm_stat *a = pa, *b = pb;
    CMP_DESC(llabs(a->size_diff), llabs(b->size_diff));
    CMP_DESC(a->size, b->size);
    CMP_DESC(llabs(a->count_diff), llabs(b->count_diff));
    CMP_DESC(a->count, b->count);
    return tb_cmp(a->traceback, b->traceback);
}

/* ------------------------------------------------------------ results */

/* One block for n stats plus, for frame keys, a 1-frame traceback per stat. */
static ohm_stat *stats_alloc(size_t n, int frame_key, ohm_traceback **tbs, ohm_frame **frames) {
    size_t bytes = (n ? n : 1) * sizeof(ohm_stat);
    if (frame_key) bytes += n * (sizeof(ohm_traceback) + sizeof(ohm_frame));
    ohm_stat *st = malloc(bytes);
    if (!st) return NULL;
    *tbs = (ohm_traceback *)(st + n);
    *frames = (ohm_frame *)(*tbs + (frame_key ? n : 0));
    return st;
}

static size_t count_of(double c) {
    return c <= 0 ? 0 : (size_t)llround(c);
}

/* The stat's traceback: the key traceback, or a 1-frame one from the result block. */
static const ohm_traceback *stat_tb(const struct agg *a, ohm_traceback *tbs, ohm_frame *frames,
                                    size_t i) {
    if (a->tb) return a->tb;
    frames[i] = a->kf;
    tbs[i].nframe = 1;
    tbs[i].total_nframe = 1;
    tbs[i].frames = &frames[i];
    return &tbs[i];
}

size_t ohm_snapshot_statistics(const ohm_snapshot *s, ohm_key key, int cumulative, ohm_stat **out) {
    struct group g;
    *out = NULL;
    if (key == OHM_KEY_TRACEBACK) cumulative = 0;
    if (group_snapshot(s, key, cumulative, &g) < 0) return 0;
    ohm_traceback *tbs;
    ohm_frame *frames;
    ohm_stat *st = stats_alloc(g.n, key != OHM_KEY_TRACEBACK, &tbs, &frames);
    if (!st) { group_free(&g); return 0; }
    for (size_t i = 0; i < g.n; i++) {
        st[i].traceback = stat_tb(&g.a[i], tbs, frames, i);
        st[i].size = g.a[i].size;
        st[i].count = count_of(g.a[i].count);
        st[i].size_diff = 0;
        st[i].count_diff = 0;
    }
    qsort(st, g.n, sizeof *st, stat_cmp);
    size_t n = g.n;
    group_free(&g);
    *out = st;
    return n;
}

/* now - old as a long long, saturated: sizes loaded from a file may be anything up to
 * 2^64 - 1 (a difference past 2^63 reads as the largest one). */
static long long stat_diff(size_t now, size_t old) {
    if (now >= old) return now - old > (size_t)LLONG_MAX ? LLONG_MAX : (long long)(now - old);
    return old - now > (size_t)LLONG_MAX ? LLONG_MIN : -(long long)(old - now);
}

size_t ohm_snapshot_compare(const ohm_snapshot *now, const ohm_snapshot *old, ohm_key key,
                            int cumulative, ohm_stat **out) {
    struct group gn, go;
    *out = NULL;
    if (key == OHM_KEY_TRACEBACK) cumulative = 0;
    if (group_snapshot(now, key, cumulative, &gn) < 0) return 0;
    if (group_snapshot(old, key, cumulative, &go) < 0) { group_free(&gn); return 0; }
    char *used = calloc(go.n ? go.n : 1, 1);
    ohm_traceback *tbs;
    ohm_frame *frames;
    ohm_stat *st = used ? stats_alloc(gn.n + go.n, key != OHM_KEY_TRACEBACK, &tbs, &frames) : NULL;
    size_t n = 0;
    if (st) {
        for (size_t i = 0; i < gn.n; i++) {
            const struct agg *a = &gn.a[i];
            long j = group_find(&go, a, agg_hash(a));
            size_t osize = 0, ocount = 0;
            if (j >= 0) { used[j] = 1; osize = go.a[j].size; ocount = count_of(go.a[j].count); }
            st[n].traceback = stat_tb(a, tbs, frames, n);
            st[n].size = a->size;
            st[n].count = count_of(a->count);
            st[n].size_diff = stat_diff(a->size, osize);
            st[n].count_diff = stat_diff(st[n].count, ocount);
            n++;
        }
        for (size_t j = 0; j < go.n; j++) {
            if (used[j]) continue;
            st[n].traceback = stat_tb(&go.a[j], tbs, frames, n);
            st[n].size = 0;
            st[n].count = 0;
            st[n].size_diff = stat_diff(0, go.a[j].size);
            st[n].count_diff = stat_diff(0, count_of(go.a[j].count));
            n++;
        }
        qsort(st, n, sizeof *st, diff_cmp);
    }
    free(used);
    group_free(&gn);
    group_free(&go);
    *out = st;
    return n;
}

void ohm_stats_free(ohm_stat *stats) {
    free(stats);
}

/* ------------------------------------------------------------ formatting */

/* Append to buf like snprintf, tracking the full length. */
struct fmt { char *buf; size_t len, pos; };

static void fmt_add(struct fmt *f, const char *fmt, ...) OHM_PRINTF(2, 3);
static void fmt_add(struct fmt *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *dst = f->pos < f->len ? f->buf + f->pos : NULL;
    int r = vsnprintf(dst, dst ? f->len - f->pos : 0, fmt, ap);
    va_end(ap);
    if (r > 0) f->pos += (size_t)r;
}

/* tracemalloc's _format_size. */
static int format_size(double v, int sign, char *buf, size_t len) {
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    for (int u = 0;; u++) {
        if (fabs(v) < 100 && u != 0)
            return snprintf(buf, len, sign ? "%+.1f %s" : "%.1f %s", v, units[u]);
        if (fabs(v) < 10 * 1024 || u == 4)
            return snprintf(buf, len, sign ? "%+.0f %s" : "%.0f %s", v, units[u]);
        v /= 1024;
    }
}

int ohm_format_size(long long size, int sign, char *buf, size_t len) {
    return format_size((double)size, sign, buf, len);
}

int ohm_stat_format(const ohm_stat *st, unsigned flags, char *buf, size_t len) {
    struct fmt f = { buf, len, 0 };
    char size[32], diff[32], avg[32];
    const char *est = (flags & OHM_FORMAT_ESTIMATE) ? "~" : "";
    const ohm_traceback *tb = st->traceback;
    const ohm_frame *fr = tb && tb->nframe ? &tb->frames[tb->nframe - 1] : NULL;
    if (len) buf[0] = '\0';
    ohm_format_size((long long)st->size, 0, size, sizeof size);
    fmt_add(&f, "%s:%u: size=%s%s", fr && fr->filename ? fr->filename : "<unknown>",
            fr ? fr->lineno : 0, est, size);
    if (flags & OHM_FORMAT_DIFF) {
        ohm_format_size(st->size_diff, 1, diff, sizeof diff);
        fmt_add(&f, " (%s%s), count=%s%zu (%s%+lld)", est, diff, est, st->count, est, st->count_diff);
    } else {
        fmt_add(&f, ", count=%s%zu", est, st->count);
    }
    if (st->count) {
        format_size((double)st->size / (double)st->count, 0, avg, sizeof avg);
        fmt_add(&f, ", average=%s%s", est, avg);
    }
    return (int)f.pos;
}

int ohm_traceback_format(const ohm_traceback *tb, char *buf, size_t len) {
    struct fmt f = { buf, len, 0 };
    if (len) buf[0] = '\0';
    for (size_t i = 0; i < tb->nframe; i++) {
        const ohm_frame *fr = &tb->frames[i];
        fmt_add(&f, "  File \"%s\", line %u", fr->filename ? fr->filename : "<unknown>", fr->lineno);
        if (fr->function) fmt_add(&f, ", in %s", fr->function);
        fmt_add(&f, "\n");
    }
    return (int)f.pos;
}

void ohm_stats_print(const ohm_stat *stats, size_t n, size_t limit, unsigned flags, FILE *out) {
    char line[1024];
    if (limit && limit < n) n = limit;
    for (size_t i = 0; i < n; i++) {
        ohm_stat_format(&stats[i], flags, line, sizeof line);
        fprintf(out, "%s\n", line);
    }
}
