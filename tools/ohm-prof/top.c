/*
 * top.c — tracemalloc's top list (Snapshot.statistics) and diff (compare_to), as text
 * or JSON.
 *
 * Text: one line per statistic exactly as tracemalloc's str(Statistic) and
 * str(StatisticDiff) print it ("file.c:42: size=1536 KiB, count=3, average=512 KiB"),
 * each followed by its traceback when the key is "traceback", then what --limit left
 * out and the total:
 *     12 other: size=..., count=...
 *     Total: size=..., count=...
 * Sizes of sampled snapshots are estimates, marked "~" as ohm_stat_format marks them.
 */
#include "prof.h"

#include <stdlib.h>
#include <string.h>

static const char *key_name(ohm_key k) {
    return k == OHM_KEY_FILENAME ? "filename" : k == OHM_KEY_TRACEBACK ? "traceback" : "lineno";
}

static void put_stat_line(const ohm_stat *st, unsigned flags, FILE *out) {
    char small[512];
    int n = ohm_stat_format(st, flags, small, sizeof small);
    if (n < 0) return;
    if ((size_t)n < sizeof small) { fprintf(out, "%s\n", small); return; }
    char *big = malloc((size_t)n + 1);   /* long file names */
    if (!big) return;
    ohm_stat_format(st, flags, big, (size_t)n + 1);
    fprintf(out, "%s\n", big);
    free(big);
}

static void put_traceback(const ohm_traceback *tb, FILE *out) {
    int n = ohm_traceback_format(tb, NULL, 0);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!buf) return;
    ohm_traceback_format(tb, buf, (size_t)n + 1);
    fputs(buf, out);
    free(buf);
}

static void json_frame(const ohm_frame *f, FILE *out) {
    fputs("{\"filename\": ", out);
    prof_json_str(out, f->filename);
    fprintf(out, ", \"lineno\": %u, \"function\": ", f->lineno);
    if (f->function) prof_json_str(out, f->function);
    else fputs("null", out);
    fputc('}', out);
}

static void json_stat(const ohm_stat *st, ohm_key key, int diff, FILE *out) {
    const ohm_traceback *tb = st->traceback;
    const ohm_frame *f = tb && tb->nframe ? &tb->frames[tb->nframe - 1] : NULL;
    fputs("    {", out);
    if (f) {
        fputs("\"filename\": ", out);
        prof_json_str(out, f->filename);
        if (key != OHM_KEY_FILENAME) {
            fprintf(out, ", \"lineno\": %u, \"function\": ", f->lineno);
            if (f->function) prof_json_str(out, f->function);
            else fputs("null", out);
        }
        fputs(", ", out);
    }
    fprintf(out, "\"size\": %zu, \"count\": %zu", st->size, st->count);
    if (diff) fprintf(out, ", \"size_diff\": %lld, \"count_diff\": %lld", st->size_diff, st->count_diff);
    if (key == OHM_KEY_TRACEBACK && tb) {
        fputs(", \"traceback\": [", out);
        for (size_t i = 0; i < tb->nframe; i++) {
            if (i) fputs(", ", out);
            json_frame(&tb->frames[i], out);
        }
        fputc(']', out);
    }
    fputc('}', out);
}

/* Sum of the statistics from index `from` on; in doubles, clamped, so that a damaged
 * snapshot's sizes cannot overflow the sums. */
static void sum(const ohm_stat *st, size_t from, size_t n, ohm_stat *acc) {
    double size = 0, count = 0, sd = 0, cd = 0;
    for (size_t i = from; i < n; i++) {
        size += (double)st[i].size;
        count += (double)st[i].count;
        sd += (double)st[i].size_diff;
        cd += (double)st[i].count_diff;
    }
    memset(acc, 0, sizeof *acc);
    acc->size = (size_t)prof_ll(size);
    acc->count = (size_t)prof_ll(count);
    acc->size_diff = prof_ll(sd);
    acc->count_diff = prof_ll(cd);
}

static void put_summary(const char *label, const ohm_stat *acc, int diff, unsigned flags, FILE *out) {
    char a[32], b[32];
    const char *est = (flags & OHM_FORMAT_ESTIMATE) ? "~" : "";
    fprintf(out, "%s: size=%s%s", label, est, prof_size(prof_ll((double)acc->size), 0, a, sizeof a));
    if (diff)
        fprintf(out, " (%s%s), count=%s%zu (%s%+lld)\n", est, prof_size(acc->size_diff, 1, b, sizeof b),
                est, acc->count, est, acc->count_diff);
    else
        fprintf(out, ", count=%s%zu\n", est, acc->count);
}

int prof_write_top(const ohm_snapshot *s, const ohm_snapshot *old, const struct prof_top_opts *o, FILE *out) {
    ohm_stat *st = NULL;
    int diff = old != NULL;
    size_t n = diff ? ohm_snapshot_compare(s, old, o->key, o->cumulative, &st)
                    : ohm_snapshot_statistics(s, o->key, o->cumulative, &st);
    /* st is NULL when n is 0 (nothing traced, or no memory to group: the same report) */
    size_t shown = o->limit && o->limit < n ? o->limit : n;
    unsigned flags = diff ? OHM_FORMAT_DIFF : 0;
    if (ohm_snapshot_sample_mean(s) || (old && ohm_snapshot_sample_mean(old))) flags |= OHM_FORMAT_ESTIMATE;
    ohm_stat rest, total;
    sum(st, shown, n, &rest);
    sum(st, 0, n, &total);
    if (o->cumulative) {
        /* cumulative statistics count a trace under several keys: the total is the
         * snapshot's own */
        const ohm_trace *tr;
        size_t nt = ohm_snapshot_traces(s, &tr);
        double c = 0, b = 0;
        memset(&total, 0, sizeof total);
        for (size_t i = 0; i < nt; i++) { b += (double)tr[i].size; c += tr[i].count; }
        total.size = (size_t)prof_ll(b);
        total.count = (size_t)prof_ll(c + 0.5);
        if (old) {
            nt = ohm_snapshot_traces(old, &tr);
            double oc = 0, ob = 0;
            for (size_t i = 0; i < nt; i++) { ob += (double)tr[i].size; oc += tr[i].count; }
            total.size_diff = prof_ll(b - ob);
            total.count_diff = prof_ll((double)total.count - (double)prof_ll(oc + 0.5));
        }
    }
    if (o->json) {
        fputs("{\n  \"command\": ", out);
        prof_json_str(out, diff ? "diff" : "top");
        fputs(",\n  \"snapshot\": ", out);
        prof_json_str(out, o->source);
        if (diff) { fputs(",\n  \"old\": ", out); prof_json_str(out, o->old_source); }
        fprintf(out, ",\n  \"key\": \"%s\",\n  \"cumulative\": %s,\n  \"estimated\": %s,\n",
                key_name(o->key), o->cumulative ? "true" : "false",
                (flags & OHM_FORMAT_ESTIMATE) ? "true" : "false");
        fprintf(out, "  \"total\": {\"size\": %zu, \"count\": %zu", total.size, total.count);
        if (diff) fprintf(out, ", \"size_diff\": %lld, \"count_diff\": %lld", total.size_diff, total.count_diff);
        fprintf(out, "},\n  \"other\": {\"entries\": %zu, \"size\": %zu, \"count\": %zu", n - shown, rest.size, rest.count);
        if (diff) fprintf(out, ", \"size_diff\": %lld, \"count_diff\": %lld", rest.size_diff, rest.count_diff);
        fputs("},\n  \"stats\": [", out);
        for (size_t i = 0; i < shown; i++) {
            fputs(i ? ",\n" : "\n", out);
            json_stat(&st[i], o->key, diff, out);
        }
        fputs(shown ? "\n  ]\n}\n" : "]\n}\n", out);
    } else {
        for (size_t i = 0; i < shown; i++) {
            put_stat_line(&st[i], flags, out);
            if (o->key == OHM_KEY_TRACEBACK && st[i].traceback) put_traceback(st[i].traceback, out);
        }
        if (shown < n) {
            char label[48];
            snprintf(label, sizeof label, "%zu other", n - shown);
            put_summary(label, &rest, diff, flags, out);
        }
        put_summary("Total", &total, diff, flags, out);
    }
    ohm_stats_free(st);
    return ferror(out) ? -1 : 0;
}
