/* test_trace_io.c — snapshot dump and load: equality after a round trip, the same
 * bytes when dumped again, and EVERY truncation and every single-bit flip of a small
 * dump rejected with "offset N: reason". The version and the checksum are checked
 * against the spec (docs/snapshot-format.md), and version 1 files, whose checksum
 * used a mistyped FNV offset basis, still load. */
#include "check.h"
#include "trace/trace_impl.h"

/* Make the file path names (a mkstemp template) and close it: the dumps go there. */
static void temp_file(char *path) {
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) close(fd);
}

static ohm_heap *new_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    ohm_heap *h = ohm_heap_new(&cfg);
    CHECK(h != NULL);
    return h;
}

static int frames_equal(const ohm_traceback *a, const ohm_traceback *b) {
    if (a->nframe != b->nframe || a->total_nframe != b->total_nframe) return 0;
    for (size_t i = 0; i < a->nframe; i++) {
        const ohm_frame *x = &a->frames[i], *y = &b->frames[i];
        if (strcmp(x->filename, y->filename) || x->lineno != y->lineno) return 0;
        if ((x->function == NULL) != (y->function == NULL)) return 0;
        if (x->function && strcmp(x->function, y->function)) return 0;
    }
    return 1;
}

static void check_equal(const ohm_snapshot *a, const ohm_snapshot *b) {
    const ohm_trace *ta, *tb;
    size_t na = ohm_snapshot_traces(a, &ta), nb = ohm_snapshot_traces(b, &tb);
    CHECK_EQ_SIZE(na, nb);
    CHECK_EQ_INT(ohm_snapshot_traceback_limit(a), ohm_snapshot_traceback_limit(b));
    CHECK_EQ_SIZE(ohm_snapshot_sample_mean(a), ohm_snapshot_sample_mean(b));
    size_t bad = 0;
    for (size_t i = 0; i < na && i < nb; i++)
        if (ta[i].size != tb[i].size || ta[i].count != tb[i].count || ta[i].domain != tb[i].domain ||
            !frames_equal(ta[i].traceback, tb[i].traceback))
            bad++;
    CHECK_EQ_SIZE(bad, 0);
}

static unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) return NULL;
    static unsigned char buf[1 << 20];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unsigned char *p = malloc(*len);
    memcpy(p, buf, *len);
    return p;
}

struct script { unsigned line; };
static size_t script_frames(void *arg, ohm_frame *fr, size_t max) {
    struct script *sc = arg;
    if (!sc->line) return 0;
    ohm_frame all[3] = { { "game.lua", sc->line, "update" }, { "game.lua", 40, NULL },
                         { "main.lua", 1, "main" } };
    for (size_t i = 0; i < 3 && i < max; i++) fr[i] = all[i];
    return 3;
}

static void test_roundtrip(void) {
    char path[] = "/tmp/ohm_trace_io_XXXXXX";
    temp_file(path);
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start(h, 2), 0);
    void *p[6];
    for (int i = 0; i < 3; i++) p[i] = ohm_malloc(h, 24 + (size_t)i);
    struct script sc = { 12 };
    ohm_trace_set_frame_provider(h, script_frames, &sc);
    p[3] = ohm_malloc(h, 4000);
    sc.line = 13;
    p[4] = ohmi_alloc_malloc(h, OHM_DOMAIN_OBJ, 48);
    p[5] = ohmi_alloc_malloc(h, OHM_DOMAIN_RAW, 7);
    ohm_snapshot *s = ohm_snapshot_take(h);
    CHECK_EQ_INT(ohm_snapshot_dump(s, path), 0);
    char err[256] = "x";
    ohm_snapshot *l = ohm_snapshot_load(path, err, sizeof err);
    CHECK(l != NULL);
    CHECK_EQ_STR(err, "");
    if (l) {
        check_equal(s, l);
        ohm_stat *a, *b;
        size_t na = ohm_snapshot_statistics(s, OHM_KEY_LINENO, 1, &a);
        size_t nb = ohm_snapshot_statistics(l, OHM_KEY_LINENO, 1, &b);
        CHECK_EQ_SIZE(na, nb);
        for (size_t i = 0; i < na && i < nb; i++) {
            char x[256], y[256];
            ohm_stat_format(&a[i], 0, x, sizeof x);
            ohm_stat_format(&b[i], 0, y, sizeof y);
            CHECK_EQ_STR(x, y);
        }
        ohm_stats_free(a);
        ohm_stats_free(b);
    }

    /* dumping what was loaded gives the same bytes */
    size_t len1, len2;
    unsigned char *d1 = read_all(path, &len1);
    CHECK(l && ohm_snapshot_dump(l, path) == 0);
    unsigned char *d2 = read_all(path, &len2);
    CHECK_EQ_SIZE(len1, len2);
    CHECK(d1 && d2 && len1 == len2 && !memcmp(d1, d2, len1));

    /* every truncation */
    size_t bad = 0, noffset = 0;
    for (size_t n = 0; n < len1; n++) {
        err[0] = '\0';
        ohm_snapshot *t = ohmi_snapshot_parse(d1, n, err, sizeof err);
        if (t) { bad++; ohm_snapshot_free(t); }
        if (strncmp(err, "offset ", 7)) noffset++;
    }
    CHECK_EQ_SIZE(bad, 0);
    CHECK_EQ_SIZE(noffset, 0);
    ohmi_snapshot_parse(d1, 20, err, sizeof err);
    CHECK_EQ_STR(err, "offset 20: truncated header: 4 bytes needed, 0 left");
    ohmi_snapshot_parse(d1, len1 - 3, err, sizeof err);
    char want[128];
    snprintf(want, sizeof want, "offset %zu: truncated checksum: 8 bytes needed, 5 left", len1 - 8);
    CHECK_EQ_STR(err, want);

    /* every single-bit flip */
    unsigned char *c = malloc(len1);
    bad = 0;
    noffset = 0;
    for (size_t i = 0; i < len1; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(c, d1, len1);
            c[i] ^= (unsigned char)(1u << bit);
            err[0] = '\0';
            ohm_snapshot *t = ohmi_snapshot_parse(c, len1, err, sizeof err);
            if (t) { bad++; ohm_snapshot_free(t); }
            if (strncmp(err, "offset ", 7)) noffset++;
        }
    CHECK_EQ_SIZE(bad, 0);
    CHECK_EQ_SIZE(noffset, 0);
    /* a few named reasons */
    memcpy(c, d1, len1);
    c[0] = 'X';
    ohmi_snapshot_parse(c, len1, err, sizeof err);
    CHECK_EQ_STR(err, "offset 0: bad magic: not an ohm snapshot");
    memcpy(c, d1, len1);
    c[8] = 9;
    ohmi_snapshot_parse(c, len1, err, sizeof err);
    CHECK_EQ_STR(err, "offset 8: unsupported version 9 (this library reads 1..2)");
    memcpy(c, d1, len1);
    c[len1 - 1] ^= 0x80;
    ohmi_snapshot_parse(c, len1, err, sizeof err);
    CHECK_CONTAINS(err, "checksum mismatch");
    unsigned char *e = malloc(len1 + 1);   /* trailing garbage */
    memcpy(e, d1, len1);
    e[len1] = 0;
    ohmi_snapshot_parse(e, len1 + 1, err, sizeof err);
    snprintf(want, sizeof want, "offset %zu: 1 bytes after the checksum", len1);
    CHECK_EQ_STR(err, want);
    /* a string count far beyond the file */
    memcpy(c, d1, len1);
    c[32] = 0xff; c[33] = 0xff; c[34] = 0xff; c[35] = 0x7f;
    ohmi_snapshot_parse(c, len1, err, sizeof err);
    CHECK_CONTAINS(err, "offset 32: 2147483647 strings need");

    CHECK(ohm_snapshot_load("/nonexistent/ohm.snap", err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "/nonexistent/ohm.snap");
    free(c);
    free(e);
    free(d1);
    free(d2);
    ohm_snapshot_free(l);
    ohm_snapshot_free(s);
    for (int i = 0; i < 4; i++) ohm_free(h, p[i]);
    ohmi_alloc_free(h, OHM_DOMAIN_OBJ, p[4]);
    ohmi_alloc_free(h, OHM_DOMAIN_RAW, p[5]);
    ohm_heap_destroy(h);
    unlink(path);
}

/* FNV-1a 64 as docs/snapshot-format.md states it, written here from the spec's
 * constants rather than taken from the library. */
#define SPEC_FNV_BASIS 14695981039346656037ull
#define SPEC_FNV_PRIME 1099511628211ull
#define SPEC_V1_BASIS 1469598103934665603ull   /* version 1's basis (the typo) */
static uint64_t spec_fnv1a(const unsigned char *p, size_t n, uint64_t basis) {
    uint64_t h = basis;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= SPEC_FNV_PRIME;
    }
    return h;
}

static uint64_t le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}
static void put_le32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put_le64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* A new dump is version 2 with the spec's checksum; the same bytes as version 1, with
 * the checksum computed the old way, load to the same snapshot; the checksum of the
 * other version is rejected, naming both values. */
static void test_versions(void) {
    char path[] = "/tmp/ohm_trace_io_XXXXXX";
    temp_file(path);
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start(h, 3), 0);
    struct script sc = { 21 };
    ohm_trace_set_frame_provider(h, script_frames, &sc);
    void *p = ohm_malloc(h, 100), *q = ohm_malloc(h, 3000);
    ohm_snapshot *s = ohm_snapshot_take(h);
    CHECK_EQ_INT(ohm_snapshot_dump(s, path), 0);
    size_t len;
    unsigned char *d = read_all(path, &len);
    CHECK(d != NULL && len > 60);
    if (!d || len <= 60) { ohm_snapshot_free(s); ohm_heap_destroy(h); return; }

    /* version 2, and the checksum of docs/snapshot-format.md */
    CHECK(!memcmp(d, "OHMSNAP", 8));
    CHECK_EQ_INT(d[8] | d[9] << 8 | d[10] << 16 | (uint32_t)d[11] << 24, 2);
    CHECK(le64(d + len - 8) == spec_fnv1a(d, len - 8, SPEC_FNV_BASIS));
    CHECK(spec_fnv1a((const unsigned char *)"a", 1, SPEC_FNV_BASIS) == 0xaf63dc4c8601ec8cull);
    char err[256];

    /* version 1: its checksum from the old basis; loads as the same snapshot */
    unsigned char *v1 = malloc(len);
    memcpy(v1, d, len);
    put_le32(v1 + 8, 1);
    uint64_t old_sum = spec_fnv1a(v1, len - 8, SPEC_V1_BASIS);
    put_le64(v1 + len - 8, old_sum);
    err[0] = 'x';
    ohm_snapshot *l = ohmi_snapshot_parse(v1, len, err, sizeof err);
    CHECK(l != NULL);
    CHECK_EQ_STR(err, "");
    if (l) check_equal(s, l);
    ohm_snapshot_free(l);

    /* version 1 with a version 2 checksum, and version 2 with a version 1 checksum */
    char want[256];
    uint64_t new_sum = spec_fnv1a(v1, len - 8, SPEC_FNV_BASIS);
    put_le64(v1 + len - 8, new_sum);
    CHECK(ohmi_snapshot_parse(v1, len, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "offset %zu: checksum mismatch: file says %016llx, contents give %016llx",
             len - 8, (unsigned long long)new_sum, (unsigned long long)old_sum);
    CHECK_EQ_STR(err, want);
    memcpy(v1, d, len);
    uint64_t v2_old_sum = spec_fnv1a(d, len - 8, SPEC_V1_BASIS);
    put_le64(v1 + len - 8, v2_old_sum);
    CHECK(ohmi_snapshot_parse(v1, len, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "offset %zu: checksum mismatch: file says %016llx, contents give %016llx",
             len - 8, (unsigned long long)v2_old_sum, (unsigned long long)le64(d + len - 8));
    CHECK_EQ_STR(err, want);

    /* version 0 and 3 are not read */
    memcpy(v1, d, len);
    put_le32(v1 + 8, 0);
    CHECK(ohmi_snapshot_parse(v1, len, err, sizeof err) == NULL);
    CHECK_EQ_STR(err, "offset 8: unsupported version 0 (this library reads 1..2)");
    put_le32(v1 + 8, 3);
    CHECK(ohmi_snapshot_parse(v1, len, err, sizeof err) == NULL);
    CHECK_EQ_STR(err, "offset 8: unsupported version 3 (this library reads 1..2)");

    /* a version 1 file built byte by byte: an empty snapshot, limit 5, sampled */
    unsigned char e[60] = "OHMSNAP";
    put_le32(e + 8, 1);      /* version */
    put_le32(e + 12, 0);     /* flags */
    put_le32(e + 16, 5);     /* traceback limit */
    put_le32(e + 20, 0);     /* reserved */
    put_le64(e + 24, 512);   /* sample mean */
    put_le32(e + 32, 0);     /* strings */
    put_le32(e + 36, 0);     /* frames */
    put_le32(e + 40, 0);     /* tracebacks */
    put_le64(e + 44, 0);     /* traces */
    put_le64(e + 52, spec_fnv1a(e, 52, SPEC_V1_BASIS));
    l = ohmi_snapshot_parse(e, sizeof e, err, sizeof err);
    CHECK(l != NULL);
    CHECK_EQ_STR(err, "");
    if (l) {
        const ohm_trace *tr;
        CHECK_EQ_SIZE(ohm_snapshot_traces(l, &tr), 0);
        CHECK_EQ_INT(ohm_snapshot_traceback_limit(l), 5);
        CHECK_EQ_SIZE(ohm_snapshot_sample_mean(l), 512);
    }
    ohm_snapshot_free(l);

    free(v1);
    free(d);
    ohm_snapshot_free(s);
    ohm_free(h, p);
    ohm_free(h, q);
    ohm_heap_destroy(h);
    unlink(path);
}

/* An empty snapshot round-trips too. */
static void test_empty(void) {
    char path[] = "/tmp/ohm_trace_io_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start_sampled(h, 3, 4096), 0);
    ohm_snapshot *s = ohm_snapshot_take(h);
    CHECK_EQ_INT(ohm_snapshot_dump(s, path), 0);
    char err[128];
    ohm_snapshot *l = ohm_snapshot_load(path, err, sizeof err);
    CHECK(l != NULL);
    if (l) {
        check_equal(s, l);
        CHECK_EQ_SIZE(ohm_snapshot_sample_mean(l), 4096);
        CHECK_EQ_INT(ohm_snapshot_traceback_limit(l), 3);
    }
    ohm_snapshot_free(l);
    ohm_snapshot_free(s);
    ohm_heap_destroy(h);
    unlink(path);
}

/* Issue 9 finding 1: the limit lowered by a second ohm_trace_start while older traces
 * keep 3 frames; the dump recorded limit 1 and the loader refused "offset 138:
 * traceback 0: 3 frames, outside 1..1". */
static void test_lowered_limit(void) {
    char path[] = "/tmp/ohm_trace_io_XXXXXX";
    temp_file(path);
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start(h, 3), 0);
    struct script sc = { 12 };
    ohm_trace_set_frame_provider(h, script_frames, &sc);
    void *p = ohm_malloc(h, 40);
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    sc.line = 13;
    void *q = ohm_malloc(h, 50);
    ohm_snapshot *s = ohm_snapshot_take(h);
    CHECK_EQ_INT(ohm_snapshot_traceback_limit(s), 1);
    const ohm_trace *t;
    size_t n = ohm_snapshot_traces(s, &t), longest = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i].traceback->nframe > longest) longest = t[i].traceback->nframe;
    CHECK_EQ_SIZE(longest, 3);
    CHECK_EQ_INT(ohm_snapshot_dump(s, path), 0);
    char err[256] = "x";
    ohm_snapshot *l = ohm_snapshot_load(path, err, sizeof err);
    CHECK(l != NULL);
    CHECK_EQ_STR(err, "");
    if (l) { check_equal(s, l); ohm_snapshot_free(l); }
    ohm_snapshot_free(s);
    ohm_free(h, p);
    ohm_free(h, q);
    ohm_heap_destroy(h);
    unlink(path);
}

int main(void) {
    unsetenv("OHM_TRACEMALLOC");
    unsetenv("OHM_TRACE_UNWIND");
    test_roundtrip();
    test_versions();
    test_empty();
    test_lowered_limit();
    return check_done();
}
