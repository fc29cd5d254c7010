/*
 * fuzz_snapshot_load.c — libFuzzer target for the snapshot loader (snapshot_io.c).
 *
 * Each input is parsed twice by the in-memory parser ohmi_snapshot_parse: as it is,
 * and with its last 8 bytes replaced by the right checksum for the rest (FNV-1a 64,
 * with version 1's basis when the version field says 1), so that mutations get past
 * the checksum and reach the structure checks and everything after a successful
 * load. A rejected input must leave a message "offset N: ..." in err.
 *
 * A loaded snapshot is then exercised: statistics by each key, cumulative and not;
 * compare with itself (every diff must be 0); formatting of every statistic and
 * traceback; a filter; and a dump to a temporary file loaded back, whose statistics
 * must equal the original's (as sorted formatted lines: the order of ties is not part
 * of the contract) and which must dump to the same bytes. Any divergence is abort()
 * with a message; the sanitizers catch the rest.
 *
 * Built with -DOHM_FUZZ_REPLAY it is a plain program replaying files (fuzz_replay.h).
 */
#include "ohm.h"
#include "base/base.h"
#include "trace/trace_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...) do { fprintf(stderr, "fuzz_snapshot_load: " __VA_ARGS__); \
                       fputc('\n', stderr); abort(); } while (0)

static const char *tmp_path(void) {
    static char path[64];
    if (!path[0]) snprintf(path, sizeof path, "/tmp/ohm_fuzz_snap_%ld.bin", (long)getpid());
    return path;
}

static int str_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The statistics of s by key, as sorted lines "<stat>|<traceback>", in *lines. */
static size_t stat_lines(const ohm_snapshot *s, ohm_key key, int cumulative, char ***lines) {
    ohm_stat *st = NULL;
    size_t n = ohm_snapshot_statistics(s, key, cumulative, &st);
    char **l = calloc(n ? n : 1, sizeof *l);
    if (!l) FAIL("out of memory");
    for (size_t i = 0; i < n; i++) {
        char a[512], b[2048];
        int na = ohm_stat_format(&st[i], 0, a, sizeof a);
        int nb = ohm_traceback_format(st[i].traceback, b, sizeof b);
        if (na < 0 || nb < 0) FAIL("format returned a negative length");
        if ((size_t)na < sizeof a && strlen(a) != (size_t)na) FAIL("ohm_stat_format length %d, wrote %zu", na, strlen(a));
        if ((size_t)nb < sizeof b && strlen(b) != (size_t)nb) FAIL("ohm_traceback_format length %d, wrote %zu", nb, strlen(b));
        size_t m = strlen(a) + strlen(b) + 2;
        l[i] = malloc(m);
        if (!l[i]) FAIL("out of memory");
        snprintf(l[i], m, "%s|%s", a, b);
    }
    if (n) qsort(l, n, sizeof *l, str_cmp);
    ohm_stats_free(st);
    *lines = l;
    return n;
}

static void free_lines(char **l, size_t n) {
    for (size_t i = 0; i < n; i++) free(l[i]);
    free(l);
}

static void same_statistics(const ohm_snapshot *a, const ohm_snapshot *b, const char *what) {
    static const ohm_key keys[] = { OHM_KEY_FILENAME, OHM_KEY_LINENO, OHM_KEY_TRACEBACK };
    for (int k = 0; k < 3; k++)
        for (int cum = 0; cum < 2; cum++) {
            if (keys[k] == OHM_KEY_TRACEBACK && cum) continue;
            char **la, **lb;
            size_t na = stat_lines(a, keys[k], cum, &la), nb = stat_lines(b, keys[k], cum, &lb);
            if (na != nb) FAIL("%s: key %d cumulative %d: %zu statistics, then %zu", what, k, cum, na, nb);
            for (size_t i = 0; i < na; i++)
                if (strcmp(la[i], lb[i])) FAIL("%s: key %d cumulative %d: '%s' became '%s'", what, k, cum, la[i], lb[i]);
            free_lines(la, na);
            free_lines(lb, nb);
        }
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) FAIL("cannot reopen %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(n > 0 ? (size_t)n : 1);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) FAIL("cannot read %s", path);
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* Dump s, load it back: the same statistics; dump the loaded one: the same bytes. */
static void round_trip(const ohm_snapshot *s, const char *what) {
    const char *path = tmp_path();
    if (ohm_snapshot_dump(s, path) != 0) FAIL("%s: dump failed", what);
    char err[256];
    ohm_snapshot *l = ohm_snapshot_load(path, err, sizeof err);
    if (!l) FAIL("%s: its own dump does not load: %s", what, err);
    if (ohm_snapshot_traceback_limit(l) != ohm_snapshot_traceback_limit(s) ||
        ohm_snapshot_sample_mean(l) != ohm_snapshot_sample_mean(s))
        FAIL("%s: limit or sample mean changed in the round trip", what);
    const ohm_trace *t;
    size_t nt = ohm_snapshot_traces(s, &t), nl = ohm_snapshot_traces(l, &t);
    if (nt != nl) FAIL("%s: %zu traces, %zu after the round trip", what, nt, nl);
    same_statistics(s, l, what);
    size_t n1, n2;
    unsigned char *d1 = read_file(path, &n1);
    if (ohm_snapshot_dump(l, path) != 0) FAIL("%s: dump of the loaded snapshot failed", what);
    unsigned char *d2 = read_file(path, &n2);
    if (n1 != n2 || memcmp(d1, d2, n1)) FAIL("%s: the loaded snapshot dumps to other bytes", what);
    free(d1);
    free(d2);
    ohm_snapshot_free(l);
    unlink(path);
}

static void exercise(ohm_snapshot *s) {
    /* compared with itself: every difference is zero */
    static const ohm_key keys[] = { OHM_KEY_FILENAME, OHM_KEY_LINENO, OHM_KEY_TRACEBACK };
    for (int k = 0; k < 3; k++) {
        ohm_stat *st = NULL;
        size_t n = ohm_snapshot_compare(s, s, keys[k], 0, &st);
        ohm_stat *st2 = NULL;
        size_t n2 = ohm_snapshot_statistics(s, keys[k], 0, &st2);
        if (n != n2) FAIL("compare with itself: %zu statistics, statistics: %zu", n, n2);
        for (size_t i = 0; i < n; i++) {
            if (st[i].size_diff || st[i].count_diff)
                FAIL("compare with itself: diff %lld, %lld", st[i].size_diff, st[i].count_diff);
            char buf[512];
            ohm_stat_format(&st[i], OHM_FORMAT_DIFF | OHM_FORMAT_ESTIMATE, buf, sizeof buf);
            ohm_stat_format(&st[i], 0, buf, 7);   /* truncated output */
        }
        ohm_stats_free(st);
        ohm_stats_free(st2);
    }
    round_trip(s, "loaded");

    /* a filter: keep the traces of the first trace's newest file, drop domain RAW */
    const ohm_trace *t;
    size_t nt = ohm_snapshot_traces(s, &t);
    ohm_trace_filter f[2] = {
        { 1, nt ? t[0].traceback->frames[t[0].traceback->nframe - 1].filename : "*", 0, 1, -1 },
        { 0, NULL, 0, 0, OHM_DOMAIN_RAW },
    };
    ohm_snapshot *fs = ohm_snapshot_filter(s, f, 2);
    if (!fs) FAIL("filter failed");
    const ohm_trace *ft;
    size_t nf = ohm_snapshot_traces(fs, &ft);
    if (nf > nt) FAIL("filter made %zu traces from %zu", nf, nt);
    for (size_t i = 0; i < nf; i++)
        if (ft[i].domain == OHM_DOMAIN_RAW) FAIL("filter kept a RAW trace");
    round_trip(fs, "filtered");
    ohm_snapshot *copy = ohm_snapshot_filter(s, NULL, 0);
    if (!copy) FAIL("copy failed");
    same_statistics(s, copy, "copy");
    ohm_snapshot_free(copy);
    ohm_snapshot_free(fs);
}

static void parse_one(const uint8_t *data, size_t size) {
    char err[256];
    err[0] = 'x';
    ohm_snapshot *s = ohmi_snapshot_parse(data, size, err, sizeof err);
    if (!s) {
        if (strncmp(err, "offset ", 7)) FAIL("rejected without an offset: '%s'", err);
        return;
    }
    if (err[0]) FAIL("loaded, yet err is '%s'", err);
    exercise(s);
    ohm_snapshot_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    parse_one(data, size);
    if (size < 16) return 0;
    uint8_t *c = malloc(size);
    if (!c) return 0;
    memcpy(c, data, size);
    uint32_t version = (uint32_t)c[8] | (uint32_t)c[9] << 8 | (uint32_t)c[10] << 16 | (uint32_t)c[11] << 24;
    uint64_t sum = ohmi_hash_bytes(c, size - 8,
                                   version == 1 ? 1469598103934665603ull : OHMI_FNV_BASIS);
    for (int i = 0; i < 8; i++) c[size - 8 + (size_t)i] = (uint8_t)(sum >> (8 * i));
    if (memcmp(c, data, size)) parse_one(c, size);
    free(c);
    return 0;
}

#include "fuzz_replay.h"
