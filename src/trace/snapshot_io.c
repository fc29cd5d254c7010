/*
 * snapshot_io.c — snapshots to and from files: the versioned binary format of
 * docs/snapshot-format.md (little-endian; magic, version, header, string table,
 * frames, tracebacks, traces, FNV-1a-64 checksum of everything before it).
 *
 * Loading trusts nothing: the whole file is read into memory and parsed with base's
 * cursor (ohmi_rd, base/bytes.c), which checks before every read that the bytes are
 * there; every count is checked
 * against the bytes left before anything is allocated for it, every index against the
 * table it indexes. The first problem ends the load with NULL and
 * "offset N: reason" in err, N being where the bad or missing data starts. The
 * checksum is verified last, so a truncation is reported where it is, and a flipped
 * bit that leaves the structure valid is still caught.
 *
 * Versions: ohm writes version 2. Version 1 files differ only in their checksum,
 * whose FNV-1a began from a mistyped offset basis; they still load, their checksum
 * checked that old way (snap_checksum is the one place that knows it).
 */
#include "trace/trace_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define SNAP_MAGIC "OHMSNAP"       /* 8 bytes with its NUL */
#define SNAP_VERSION 2             /* what ohm_snapshot_dump writes */
#define SNAP_VERSION_OLDEST 1      /* the oldest ohm_snapshot_load reads */
#define SNAP_NONE 0xFFFFFFFFu      /* no function name */

/* Version 1's checksum began from this offset basis: 14695981039346656037 with its
 * last digit dropped, a typo. The layout and every other byte are as in version 2. */
#define SNAP_V1_FNV_BASIS 1469598103934665603ull

/* The checksum a file of this version carries for data[0..n): FNV-1a 64. */
static uint64_t snap_checksum(uint32_t version, const void *data, size_t n) {
    return ohmi_hash_bytes(data, n, version == 1 ? SNAP_V1_FNV_BASIS : OHMI_FNV_BASIS);
}

/* ------------------------------------------------------------ writing */

struct wbuf { unsigned char *p; size_t len, cap; int oom; };

static void put(struct wbuf *w, const void *src, size_t n) {
    if (w->oom) return;
    if (w->cap - w->len < n) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap - w->len < n) cap *= 2;
        unsigned char *p = realloc(w->p, cap);
        if (!p) { w->oom = 1; return; }
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void put_u32(struct wbuf *w, uint32_t v) {
    unsigned char b[4];
    ohmi_le_put32(b, v);
    put(w, b, 4);
}

static void put_u64(struct wbuf *w, uint64_t v) {
    unsigned char b[8];
    ohmi_le_put64(b, v);
    put(w, b, 8);
}

int ohm_snapshot_dump(const ohm_snapshot *s, const char *path) {
    struct wbuf w = { 0 };
    const struct trace_strtab *st = &s->strs;
    put(&w, SNAP_MAGIC, 8);
    put_u32(&w, SNAP_VERSION);
    put_u32(&w, 0);                              /* flags, reserved */
    put_u32(&w, (uint32_t)s->limit);
    put_u32(&w, 0);                              /* reserved */
    put_u64(&w, s->sample_mean);
    put_u32(&w, (uint32_t)st->len);
    for (size_t i = 0; i < st->len; i++) {
        size_t n = strlen(st->strs[i]);
        put_u32(&w, (uint32_t)n);
        put(&w, st->strs[i], n);
    }
    size_t nframes = 0;
    for (size_t i = 0; i < s->ntbs; i++) nframes += s->tbs[i].nframe;
    put_u32(&w, (uint32_t)nframes);
    for (size_t i = 0; i < s->ntbs; i++)
        for (size_t f = 0; f < s->tbs[i].nframe; f++) {
            const ohm_frame *fr = &s->tbs[i].frames[f];
            put_u32(&w, ohmi_strtab_id(st, fr->filename));
            put_u32(&w, fr->lineno);
            put_u32(&w, fr->function ? ohmi_strtab_id(st, fr->function) : SNAP_NONE);
        }
    put_u32(&w, (uint32_t)s->ntbs);
    size_t first = 0;
    for (size_t i = 0; i < s->ntbs; i++) {
        put_u32(&w, (uint32_t)first);
        put_u32(&w, (uint32_t)s->tbs[i].nframe);
        put_u32(&w, (uint32_t)s->tbs[i].total_nframe);
        first += s->tbs[i].nframe;
    }
    put_u64(&w, s->ntraces);
    for (size_t i = 0; i < s->ntraces; i++) {
        const ohm_trace *t = &s->traces[i];
        uint64_t bits;
        memcpy(&bits, &t->count, 8);
        put_u32(&w, (uint32_t)(t->traceback - s->tbs));
        put_u32(&w, (uint32_t)t->domain);
        put_u64(&w, t->size);
        put_u64(&w, bits);
    }
    put_u64(&w, w.oom ? 0 : snap_checksum(SNAP_VERSION, w.p, w.len));
    if (w.oom) { free(w.p); errno = ENOMEM; return -1; }
    FILE *f = fopen(path, "wb");
    int rc = -1;
    if (f) {
        rc = fwrite(w.p, 1, w.len, f) == w.len ? 0 : -1;
        if (fclose(f) != 0) rc = -1;
    }
    free(w.p);
    return rc;
}

/* ------------------------------------------------------------ reading */

static ohm_snapshot *snap_parse(ohmi_rd *r) {
    ohm_snapshot *s = NULL;
    const char **strs = NULL;
    ohm_frame *frames = NULL;
    size_t at;

    if (!ohmi_rd_need(r, 8, "magic")) goto fail;
    if (memcmp(r->p, SNAP_MAGIC, 8)) { ohmi_rd_fail(r, 0, "bad magic: not an ohm snapshot"); goto fail; }
    r->pos = 8;
    at = r->pos;
    uint32_t version = ohmi_rd_u32(r, "version");
    if (!r->failed && (version < SNAP_VERSION_OLDEST || version > SNAP_VERSION)) {
        ohmi_rd_fail(r, at, "unsupported version %u (this library reads %d..%d)", version,
                SNAP_VERSION_OLDEST, SNAP_VERSION);
        goto fail;
    }
    at = r->pos;
    uint32_t flags = ohmi_rd_u32(r, "flags");
    if (!r->failed && flags) { ohmi_rd_fail(r, at, "unknown flags 0x%x", flags); goto fail; }
    at = r->pos;
    uint32_t limit = ohmi_rd_u32(r, "traceback limit");
    if (!r->failed && (limit < 1 || limit > OHM_TRACE_MAX_FRAMES)) {
        ohmi_rd_fail(r, at, "traceback limit %u outside 1..%d", limit, OHM_TRACE_MAX_FRAMES);
        goto fail;
    }
    at = r->pos;
    uint32_t reserved = ohmi_rd_u32(r, "header");
    if (!r->failed && reserved) { ohmi_rd_fail(r, at, "reserved header field is %u, not 0", reserved); goto fail; }
    uint64_t mean = ohmi_rd_u64(r, "sample mean");
    if (r->failed) goto fail;
    if (mean > SIZE_MAX) { ohmi_rd_fail(r, r->pos - 8, "sample mean too large"); goto fail; }
    s = ohmi_snap_new(NULL, (int)limit, (size_t)mean);
    if (!s) { ohmi_rd_fail(r, r->pos, "out of memory"); goto fail; }

    /* strings */
    at = r->pos;
    uint32_t nstr = ohmi_rd_u32(r, "string count");
    if (!ohmi_rd_count_fits(r, at, nstr, 4, "strings")) goto fail;
    strs = malloc((nstr ? nstr : 1) * sizeof *strs);
    if (!strs) { ohmi_rd_fail(r, at, "out of memory"); goto fail; }
    for (uint32_t i = 0; i < nstr; i++) {
        at = r->pos;
        uint32_t n = ohmi_rd_u32(r, "string length");
        if (!ohmi_rd_need(r, n, "string")) goto fail;
        const char *b = (const char *)r->p + r->pos;
        if (memchr(b, '\0', n)) { ohmi_rd_fail(r, at, "string %u contains a NUL byte", i); goto fail; }
        strs[i] = ohmi_strtab_intern_len(&s->strs, b, n);
        if (!strs[i]) { ohmi_rd_fail(r, at, "out of memory"); goto fail; }
        r->pos += n;
    }

    /* frames */
    at = r->pos;
    uint32_t nframes = ohmi_rd_u32(r, "frame count");
    if (!ohmi_rd_count_fits(r, at, nframes, 12, "frames")) goto fail;
    frames = malloc((nframes ? nframes : 1) * sizeof *frames);
    if (!frames) { ohmi_rd_fail(r, at, "out of memory"); goto fail; }
    for (uint32_t i = 0; i < nframes; i++) {
        at = r->pos;
        uint32_t file = ohmi_rd_u32(r, "frame"), line = ohmi_rd_u32(r, "frame"), fn = ohmi_rd_u32(r, "frame");
        if (r->failed) goto fail;
        if (file >= nstr) { ohmi_rd_fail(r, at, "frame %u: filename string %u of %u", i, file, nstr); goto fail; }
        if (fn != SNAP_NONE && fn >= nstr) {
            ohmi_rd_fail(r, at + 8, "frame %u: function string %u of %u", i, fn, nstr);
            goto fail;
        }
        frames[i].filename = strs[file];
        frames[i].lineno = line;
        frames[i].function = fn == SNAP_NONE ? NULL : strs[fn];
    }

    /* tracebacks */
    at = r->pos;
    uint32_t ntb = ohmi_rd_u32(r, "traceback count");
    if (!ohmi_rd_count_fits(r, at, ntb, 12, "tracebacks")) goto fail;
    for (uint32_t i = 0; i < ntb; i++) {
        at = r->pos;
        uint32_t first = ohmi_rd_u32(r, "traceback"), nf = ohmi_rd_u32(r, "traceback"), total = ohmi_rd_u32(r, "traceback");
        if (r->failed) goto fail;
        /* Not nf <= limit: the limit is the one tracing had when the snapshot was
         * taken (tracemalloc's Snapshot.traceback_limit); traces made before
         * ohm_trace_start lowered it keep their longer tracebacks. */
        if (nf < 1 || nf > OHM_TRACE_MAX_FRAMES) {
            ohmi_rd_fail(r, at + 4, "traceback %u: %u frames, outside 1..%d", i, nf, OHM_TRACE_MAX_FRAMES);
            goto fail;
        }
        if (first > nframes || nf > nframes - first) {
            ohmi_rd_fail(r, at, "traceback %u: frames %u..%llu beyond the %u frames", i, first,
                    (unsigned long long)first + nf, nframes);
            goto fail;
        }
        if (total < nf) { ohmi_rd_fail(r, at + 8, "traceback %u: total_nframe %u < nframe %u", i, total, nf); goto fail; }
        ohm_traceback tb = { nf, total, &frames[first] };
        if (ohmi_snap_copy_traceback(s, &tb) < 0) { ohmi_rd_fail(r, at, "out of memory"); goto fail; }
    }

    /* traces */
    at = r->pos;
    uint64_t ntr = ohmi_rd_u64(r, "trace count");
    if (!ohmi_rd_count_fits(r, at, ntr, 24, "traces")) goto fail;
    for (uint64_t i = 0; i < ntr; i++) {
        at = r->pos;
        uint32_t tb = ohmi_rd_u32(r, "trace"), dom = ohmi_rd_u32(r, "trace");
        uint64_t size = ohmi_rd_u64(r, "trace"), bits = ohmi_rd_u64(r, "trace");
        if (r->failed) goto fail;
        double count;
        memcpy(&count, &bits, 8);
        if (tb >= ntb) { ohmi_rd_fail(r, at, "trace %llu: traceback %u of %u", (unsigned long long)i, tb, ntb); goto fail; }
        if (dom > OHM_DOMAIN_OBJ) { ohmi_rd_fail(r, at + 4, "trace %llu: bad domain %u", (unsigned long long)i, dom); goto fail; }
        if (size > SIZE_MAX) { ohmi_rd_fail(r, at + 8, "trace %llu: size too large", (unsigned long long)i); goto fail; }
        if (!isfinite(count) || count <= 0 || count > 1e300) {
            ohmi_rd_fail(r, at + 16, "trace %llu: bad count", (unsigned long long)i);
            goto fail;
        }
        if (ohmi_snap_add_trace(s, (long)tb, (size_t)size, count, (int)dom) < 0) {
            ohmi_rd_fail(r, at, "out of memory");
            goto fail;
        }
    }

    /* checksum, and nothing after it */
    at = r->pos;
    uint64_t sum = ohmi_rd_u64(r, "checksum");
    if (r->failed) goto fail;
    uint64_t want = snap_checksum(version, r->p, at);
    if (sum != want) {
        ohmi_rd_fail(r, at, "checksum mismatch: file says %016llx, contents give %016llx",
                (unsigned long long)sum, (unsigned long long)want);
        goto fail;
    }
    if (r->pos != r->len) { ohmi_rd_fail(r, r->pos, "%zu bytes after the checksum", r->len - r->pos); goto fail; }
    free(strs);
    free(frames);
    return ohmi_snap_finish(s);
fail:
    free(strs);
    free(frames);
    ohm_snapshot_free(s);
    return NULL;
}

ohm_snapshot *ohmi_snapshot_parse(const void *data, size_t len, char *err, size_t errlen) {
    ohmi_rd r = ohmi_rd_make(data, len, err, errlen);
    return snap_parse(&r);
}

ohm_snapshot *ohm_snapshot_load(const char *path, char *err, size_t errlen) {
    size_t len;
    unsigned char *buf = ohmi_file_read(path, &len, err, errlen);
    if (!buf) return NULL;
    ohm_snapshot *s = ohmi_snapshot_parse(buf, len, err, errlen);
    free(buf);
    return s;
}
