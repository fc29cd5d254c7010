/*
 * fuzz_prof.c — libFuzzer target for what ohm-prof does with its inputs beyond the
 * snapshot loader (which fuzz_snapshot_load covers): every report writer over any
 * snapshot the loader accepts, the `lines` listing over any source text, and the
 * timeline plot over any values a recording could hold.
 *
 * Input: byte 0 chooses the options (key, cumulative, inverted, metric, unit,
 * precision); bytes 1-2 (little-endian) are the length L of a snapshot file that
 * follows; the rest is the source text for `lines`, and is also read as raw numbers
 * for a timeline (samples of 7 doubles-or-counts, collections, marks and scopes whose
 * labels are slices of the text). The snapshot's checksum is put right before parsing
 * (as fuzz_snapshot_load does), so mutations reach the writers.
 *
 * Checked, beyond the sanitizers: folded lines all parse as "frames;... N" and add up
 * to the snapshot's total (exact snapshots); the JSON of top/diff and of the pages'
 * data is balanced, with no raw control byte in a string; the pages' data never holds
 * "</" (it would end the script); the SVG holds no "nan" or "inf". A failure is abort()
 * with a message.
 *
 * Built with -DOHM_FUZZ_REPLAY it is a plain program replaying files (fuzz_replay.h).
 */
#include "prof.h"
#include "base/base.h"
#include "trace/trace_impl.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...) do { fprintf(stderr, "fuzz_prof: " __VA_ARGS__); fputc('\n', stderr); abort(); } while (0)

struct buf { char *p; size_t n; FILE *f; };
static FILE *buf_open(struct buf *b) {
    b->p = NULL;
    b->n = 0;
    b->f = open_memstream(&b->p, &b->n);
    if (!b->f) FAIL("open_memstream");
    return b->f;
}
static void buf_close(struct buf *b) {
    if (fclose(b->f)) FAIL("fclose of a memory stream");
}

/* Balanced {} and [] outside strings; strings closed; no raw control byte inside. */
static void check_json(const char *s, size_t n, const char *what) {
    int depth = 0, in = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (in) {
            if (c == '\\') { i++; continue; }
            if (c == '"') in = 0;
            else if (c < 0x20) FAIL("%s: raw control byte 0x%02x in a JSON string at %zu", what, c, i);
            continue;
        }
        if (c == '"') in = 1;
        else if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') { if (--depth < 0) FAIL("%s: unbalanced at %zu", what, i); }
    }
    if (in || depth) FAIL("%s: JSON left open (in string %d, depth %d)", what, in, depth);
}

/* The data of a page: between the ohm-data script's opening tag and the next "</script". */
static void check_page(const struct buf *b, const char *what) {
    const char *tag = "<script id=\"ohm-data\" type=\"application/json\">";
    const char *p = b->p ? strstr(b->p, tag) : NULL;
    if (!p) FAIL("%s: no data script", what);
    p += strlen(tag);
    const char *end = strstr(p, "</script>");
    if (!end) FAIL("%s: the data script is not closed", what);
    const char *close = strstr(p, "</");
    if (close != end) FAIL("%s: '</' inside the data at %zu", what, (size_t)(close - b->p));
    check_json(p, (size_t)(end - p), what);
}

static void check_folded(const struct buf *b, double total, int exact) {
    double sum = 0;
    for (const char *l = b->p; l && *l;) {
        const char *nl = strchr(l, '\n');
        if (!nl) FAIL("folded: last line without a newline");
        const char *sp = nl;
        while (sp > l && sp[-1] != ' ') sp--;
        if (sp == l || sp == nl || sp - 1 == l) FAIL("folded: line without 'frames N': %.*s", (int)(nl - l), l);
        double v = 0;
        for (const char *d = sp; d < nl; d++) {
            if (*d < '0' || *d > '9') FAIL("folded: count is not a number: %.*s", (int)(nl - l), l);
            v = v * 10 + (*d - '0');
        }
        for (const char *c = l; c < sp - 1; c++)
            if (*c == ';' && (c == l || c[-1] == ';' || c + 1 == sp - 1)) FAIL("folded: empty frame: %.*s", (int)(nl - l), l);
        sum += v;
        l = nl + 1;
    }
    if (exact && sum != total) FAIL("folded: lines add up to %.0f, the snapshot holds %.0f", sum, total);
}

static void reports(const ohm_snapshot *s, const ohm_snapshot *old, unsigned opt, const char *text, size_t tlen) {
    struct buf b;
    const ohm_trace *tr;
    size_t nt = ohm_snapshot_traces(s, &tr);
    double total = 0;
    for (size_t i = 0; i < nt; i++) total += (double)tr[i].size;

    struct prof_top_opts to = { (ohm_key)(opt % 3), (opt >> 2) & 1, (opt >> 3) & 3, 1, "now<", "old\"" };
    prof_write_top(s, NULL, &to, buf_open(&b));
    buf_close(&b);
    check_json(b.p, b.n, "top --json");
    free(b.p);
    prof_write_top(s, old, &to, buf_open(&b));
    buf_close(&b);
    check_json(b.p, b.n, "diff --json");
    free(b.p);
    to.json = 0;
    prof_write_top(s, old, &to, buf_open(&b));
    buf_close(&b);
    free(b.p);

    prof_write_stats(s, (opt >> 3) & 7, buf_open(&b));
    buf_close(&b);
    free(b.p);
    prof_write_leaks(s, (opt >> 5) & 3, buf_open(&b));
    buf_close(&b);
    free(b.p);

    prof_write_folded(s, (opt >> 4) & 1 ? PROF_METRIC_COUNT : PROF_METRIC_BYTES, (opt >> 5) & 1, buf_open(&b));
    buf_close(&b);
    /* sums are exact while they fit a double's 53 bits */
    if (!((opt >> 4) & 1)) check_folded(&b, total, ohm_snapshot_sample_mean(s) == 0 && total < 0x1p52);
    free(b.p);

    struct prof_flame_opts fo = { "t</script><x>", "a&b", "c\"d", (opt >> 6) & 1 };
    prof_write_flamegraph(s, (opt >> 7) ? old : NULL, &fo, buf_open(&b));
    buf_close(&b);
    check_page(&b, "flamegraph");
    free(b.p);

    /* lines: the file named by the first frame, so the listing has lines to fill */
    const char *name = nt && tr[0].traceback && tr[0].traceback->nframe ? tr[0].traceback->frames[0].filename : "x.c";
    struct prof_lines_opts lo = { name, (int)(opt % 10), (enum prof_unit)((opt >> 1) % 3) };
    prof_write_lines(s, (opt & 1) ? old : NULL, text, tlen, name, &lo, buf_open(&b));
    buf_close(&b);
    free(b.p);
}

/* A timeline made of the text's bytes, drawn both ways. */
static void timeline(const uint8_t *d, size_t n, const char *text) {
    struct prof_tl_sample smp[64];
    struct prof_tl_collection col[8];
    struct prof_tl_mark mk[8];
    struct prof_tl_scope sc[8];
    size_t ns = 0, nc = 0, nm = 0, nsc = 0, pos = 0;
    while (pos + 1 + 2 * sizeof(double) <= n && ns < 64) {
        uint8_t kind = d[pos++];
        double a, b;
        memcpy(&a, d + pos, sizeof a);
        memcpy(&b, d + pos + sizeof a, sizeof b);
        pos += 2 * sizeof(double);
        switch (kind % 4) {
        case 0: smp[ns++] = (struct prof_tl_sample){ a, (uint64_t)kind << 20, (uint64_t)kind << 21,
                                                     (uint64_t)(pos << 12), kind % 7, kind, pos }; break;
        case 1: if (nc < 8) col[nc++] = (struct prof_tl_collection){ a, kind % 5 - 1, b, kind }; break;
        case 2: if (nm < 8) mk[nm++] = (struct prof_tl_mark){ a, text + (pos % (n + 1) / 2) }; break;
        default: if (nsc < 8) sc[nsc++] = (struct prof_tl_scope){ a, b, text + (pos % (n + 1) / 3) }; break;
        }
    }
    struct prof_timeline tl = { (int)(n & 1), smp, ns, col, nc, mk, nm, sc, nsc };
    struct buf b;
    prof_write_timeline_svg(&tl, text, buf_open(&b));
    buf_close(&b);
    if (b.p && (strstr(b.p, "nan") || strstr(b.p, "inf"))) {
        /* labels come from the text: only numbers matter, so look outside text elements */
        for (const char *p = b.p; (p = strstr(p, "=\"")) != NULL; p += 2)
            if (!strncmp(p + 2, "nan", 3) || !strncmp(p + 2, "-nan", 4) || !strncmp(p + 2, "inf", 3) ||
                !strncmp(p + 2, "-inf", 4))
                FAIL("timeline svg: a non-finite number in an attribute: ...%.60s", p > b.p + 40 ? p - 40 : b.p);
    }
    free(b.p);
    prof_write_timeline_html(&tl, text, buf_open(&b));
    buf_close(&b);
    check_page(&b, "timeline html");
    free(b.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    unsigned opt = data[0];
    size_t len = (size_t)data[1] | (size_t)data[2] << 8;
    if (len > size - 3) len = size - 3;
    const uint8_t *snap = data + 3, *rest = data + 3 + len;
    size_t nrest = size - 3 - len;
    char *text = malloc(nrest + 1);
    if (!text) return 0;
    memcpy(text, rest, nrest);
    text[nrest] = '\0';   /* labels are C strings; the listing takes the length */

    uint8_t *c = malloc(len ? len : 1);
    if (!c) { free(text); return 0; }
    memcpy(c, snap, len);
    if (len >= 16) {
        uint32_t version = (uint32_t)c[8] | (uint32_t)c[9] << 8 | (uint32_t)c[10] << 16 | (uint32_t)c[11] << 24;
        uint64_t sum = ohmi_hash_bytes(c, len - 8, version == 1 ? 1469598103934665603ull : OHMI_FNV_BASIS);
        for (int i = 0; i < 8; i++) c[len - 8 + (size_t)i] = (uint8_t)(sum >> (8 * i));
    }
    char err[256];
    ohm_snapshot *s = ohmi_snapshot_parse(c, len, err, sizeof err);
    if (s) {
        /* the old snapshot: s without some traces (a fixed glob: a file name used as a
         * pattern would make fnmatch's backtracking the thing being measured) */
        ohm_trace_filter f = { 0, (opt & 0x40) ? "*.py" : "*a*", 0, (int)(opt >> 7), -1 };
        ohm_snapshot *old = ohm_snapshot_filter(s, &f, 1);
        reports(s, old ? old : s, opt, text, nrest);
        ohm_snapshot_free(old);
        ohm_snapshot_free(s);
    } else if (strncmp(err, "offset ", 7)) {
        FAIL("a rejected snapshot without 'offset N:': %s", err);
    }
    timeline(rest, nrest, text);
    free(c);
    free(text);
    return 0;
}

#include "fuzz_replay.h"
