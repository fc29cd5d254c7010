/*
 * timeline_io.c — the timeline file format (docs/timeline-format.md): the encoder the
 * recorder writes records with, and the loader ohm's tools read them with.
 *
 * A file is a 32-byte header, then chunks: a u32 length, that many bytes of whole
 * records, and a u64 checksum, FNV-1a 64 of every byte of the file before it. The
 * recorder fills a fixed buffer with records and writes it out as one chunk whenever
 * it is full (or a second has passed, or the recording stops), so its memory stays
 * bounded however long it runs; each checksum carries on from the one before, so it
 * costs nothing to compute and covers the whole file up to it. The last chunk ends
 * with the end record, which holds the counts of everything before it.
 *
 * Loading trusts nothing (as the snapshot loader, through base's cursor): it parses
 * twice, first to check every byte and count what it will need, then to fill arrays
 * of exactly that size, so no count read from the file decides an allocation. The
 * first problem ends the load with "offset N: reason". Within a chunk the records are
 * checked before the chunk's checksum, so a damaged record is named, and a flip that
 * leaves the records valid is still caught by the checksum.
 */
#include "api/timeline.h"
#include "base/base.h"

#include <stdlib.h>

/* ------------------------------------------------------------ encoding */

size_t ohmi_tl_put_header(unsigned char *p, unsigned interval_ms, uint64_t start_unix_ns) {
    memcpy(p, OHMI_TL_MAGIC, 8);
    ohmi_le_put32(p + 8, OHMI_TL_VERSION);
    ohmi_le_put32(p + 12, 0);                /* flags */
    ohmi_le_put32(p + 16, interval_ms);
    ohmi_le_put32(p + 20, 0);                /* reserved */
    ohmi_le_put64(p + 24, start_unix_ns);
    return OHMI_TL_HEADER;
}

/* The first 8 bytes of every record: type, a byte, a u16 and a u32. */
static void tl_put_head(unsigned char *p, int type, unsigned b, unsigned w16, uint32_t w32) {
    p[0] = (unsigned char)type;
    p[1] = (unsigned char)b;
    p[2] = (unsigned char)w16;
    p[3] = (unsigned char)(w16 >> 8);
    ohmi_le_put32(p + 4, w32);
}

size_t ohmi_tl_put_sample(unsigned char *p, const ohmi_timeline_sample *s) {
    tl_put_head(p, OHMI_TL_SAMPLE, (unsigned)s->reason, s->flags,
                s->arenas > UINT32_MAX ? UINT32_MAX : (uint32_t)s->arenas);
    ohmi_le_put64(p + 8, s->time_ns);
    ohmi_le_put64(p + 16, s->rss);
    ohmi_le_put64(p + 24, s->traced_current);
    ohmi_le_put64(p + 32, s->traced_peak);
    ohmi_le_put64(p + 40, s->pools);
    ohmi_le_put64(p + 48, s->large_bytes);
    ohmi_le_put64(p + 56, s->objects);
    return OHMI_TL_SAMPLE_SIZE;
}

size_t ohmi_tl_put_collection(unsigned char *p, const ohmi_timeline_collection *c) {
    tl_put_head(p, OHMI_TL_COLLECTION, (unsigned)c->generation, 0, 0);
    ohmi_le_put64(p + 8, c->time_ns);
    ohmi_le_put64(p + 16, c->duration_ns);
    ohmi_le_put64(p + 24, c->collected);
    ohmi_le_put64(p + 32, c->uncollectable);
    return OHMI_TL_COLLECTION_SIZE;
}

size_t ohmi_tl_put_text(unsigned char *p, int type, uint64_t time_ns, const char *text, size_t len) {
    OHMI_ASSERT(len <= OHMI_TL_LABEL_MAX);
    tl_put_head(p, type, 0, (unsigned)len, 0);
    ohmi_le_put64(p + 8, time_ns);
    memcpy(p + OHMI_TL_TEXT_SIZE, text, len);
    return OHMI_TL_TEXT_SIZE + len;
}

size_t ohmi_tl_put_leave(unsigned char *p, uint64_t time_ns) {
    tl_put_head(p, OHMI_TL_LEAVE, 0, 0, 0);
    ohmi_le_put64(p + 8, time_ns);
    return OHMI_TL_LEAVE_SIZE;
}

size_t ohmi_tl_put_end(unsigned char *p, uint64_t time_ns, uint64_t samples, uint64_t collections,
                       uint64_t marks, uint64_t scopes) {
    tl_put_head(p, OHMI_TL_END, 0, 0, 0);
    ohmi_le_put64(p + 8, time_ns);
    ohmi_le_put64(p + 16, samples);
    ohmi_le_put64(p + 24, collections);
    ohmi_le_put64(p + 32, marks);
    ohmi_le_put64(p + 40, scopes);
    return OHMI_TL_END_SIZE;
}

uint64_t ohmi_tl_checksum(uint64_t sum, const void *data, size_t n) {
    return ohmi_hash_bytes(data, n, sum);
}

/* ------------------------------------------------------------ loading */

/* One pass over the file. The first (t == NULL) checks and counts; the second fills
 * t's arrays, sized from the first pass's counts, and cannot fail. */
struct tl_pass {
    ohmi_rd r;
    ohmi_timeline *t;          /* NULL: the checking pass */
    size_t nsamples, ncollections, nmarks, nscopes, ntext;
    unsigned depth, max_depth;
    size_t *open;              /* filling: the open scopes' indexes, innermost last */
    uint64_t last_ns;          /* the latest time seen */
    uint64_t sum;              /* the checksum of the bytes [0, sum_pos) */
    size_t sum_pos;
    int ended;                 /* the end record was read */
};

/* The next record of `size` bytes within the chunk ending at `end`, or NULL. */
static const unsigned char *tl_record(struct tl_pass *p, size_t end, size_t size, const char *what) {
    if (end - p->r.pos >= size) return p->r.p + p->r.pos;
    ohmi_rd_fail(&p->r, p->r.pos, "truncated %s record: %zu bytes needed in its chunk, %zu left",
                 what, size, end - p->r.pos);
    return NULL;
}

/* The time at b + 8 of the record at `at`: it may not go back. */
static int tl_time(struct tl_pass *p, size_t at, const unsigned char *b, uint64_t *t) {
    *t = ohmi_le_get64(b + 8);
    if (*t < p->last_ns) {
        ohmi_rd_fail(&p->r, at + 8, "time goes back: %llu ns after %llu ns",
                     (unsigned long long)*t, (unsigned long long)p->last_ns);
        return -1;
    }
    p->last_ns = *t;
    return 0;
}

/* The bytes of a record's head that must be zero (from byte `from` of the 8). */
static int tl_zero_head(struct tl_pass *p, size_t at, const unsigned char *b, int from, const char *what) {
    for (int i = from; i < 8; i++)
        if (b[i]) {
            ohmi_rd_fail(&p->r, at + (size_t)i, "%s record: reserved byte %d is %u, not 0", what, i, b[i]);
            return -1;
        }
    return 0;
}

static void tl_sample(struct tl_pass *p, size_t at, size_t end) {
    const unsigned char *b = tl_record(p, end, OHMI_TL_SAMPLE_SIZE, "sample");
    uint64_t t;
    if (!b || tl_time(p, at, b, &t) < 0) return;
    ohmi_timeline_sample s;
    s.reason = b[1];
    s.flags = (unsigned)b[2] | (unsigned)b[3] << 8;
    s.arenas = ohmi_le_get32(b + 4);
    s.time_ns = t;
    s.rss = ohmi_le_get64(b + 16);
    s.traced_current = ohmi_le_get64(b + 24);
    s.traced_peak = ohmi_le_get64(b + 32);
    s.pools = ohmi_le_get64(b + 40);
    s.large_bytes = ohmi_le_get64(b + 48);
    s.objects = ohmi_le_get64(b + 56);
    if (s.reason >= OHMI_TL_NREASONS) { ohmi_rd_fail(&p->r, at + 1, "sample: unknown reason %d", s.reason); return; }
    if (s.flags & ~(OHMI_TL_TRACING | OHMI_TL_SAMPLED) ||
        (s.flags & OHMI_TL_SAMPLED && !(s.flags & OHMI_TL_TRACING))) {
        ohmi_rd_fail(&p->r, at + 2, "sample: bad flags 0x%x", s.flags);
        return;
    }
    if (!(s.flags & OHMI_TL_TRACING) && (s.traced_current || s.traced_peak)) {
        ohmi_rd_fail(&p->r, at + 24, "sample: traced bytes while not tracing");
        return;
    }
    if (s.traced_peak < s.traced_current) {
        ohmi_rd_fail(&p->r, at + 32, "sample: traced peak %llu below the current %llu",
                     (unsigned long long)s.traced_peak, (unsigned long long)s.traced_current);
        return;
    }
    if (p->t) p->t->samples[p->nsamples] = s;
    p->nsamples++;
    p->r.pos += OHMI_TL_SAMPLE_SIZE;
}

static void tl_collection(struct tl_pass *p, size_t at, size_t end) {
    const unsigned char *b = tl_record(p, end, OHMI_TL_COLLECTION_SIZE, "collection");
    uint64_t t;
    if (!b || tl_zero_head(p, at, b, 2, "collection") < 0 || tl_time(p, at, b, &t) < 0) return;
    ohmi_timeline_collection c = { t, ohmi_le_get64(b + 16), ohmi_le_get64(b + 24),
                                   ohmi_le_get64(b + 32), b[1] };
    if (c.generation > 2) { ohmi_rd_fail(&p->r, at + 1, "collection: generation %d", c.generation); return; }
    if (c.duration_ns > t) {
        ohmi_rd_fail(&p->r, at + 16, "collection: %llu ns long, ending %llu ns after the start",
                     (unsigned long long)c.duration_ns, (unsigned long long)t);
        return;
    }
    if (p->t) p->t->collections[p->ncollections] = c;
    p->ncollections++;
    p->r.pos += OHMI_TL_COLLECTION_SIZE;
}

/* A mark or the entry into a scope: a record with text. */
static void tl_text(struct tl_pass *p, size_t at, size_t end, int type) {
    const char *what = type == OHMI_TL_MARK ? "mark" : "enter";
    const unsigned char *b = tl_record(p, end, OHMI_TL_TEXT_SIZE, what);
    uint64_t t;
    if (!b) return;
    if (b[1]) { ohmi_rd_fail(&p->r, at + 1, "%s record: reserved byte 1 is %u, not 0", what, b[1]); return; }
    if (tl_zero_head(p, at, b, 4, what) < 0) return;
    size_t len = (size_t)b[2] | (size_t)b[3] << 8;
    if (len > OHMI_TL_LABEL_MAX) {
        ohmi_rd_fail(&p->r, at + 2, "%s: text of %zu bytes, more than %d", what, len, OHMI_TL_LABEL_MAX);
        return;
    }
    if (!tl_record(p, end, OHMI_TL_TEXT_SIZE + len, what) || tl_time(p, at, b, &t) < 0) return;
    const char *text = (const char *)b + OHMI_TL_TEXT_SIZE;
    if (memchr(text, '\0', len)) { ohmi_rd_fail(&p->r, at + OHMI_TL_TEXT_SIZE, "%s: a NUL byte in its text", what); return; }
    if (p->t) {
        char *dst = p->t->text + p->ntext;
        memcpy(dst, text, len);
        dst[len] = '\0';
        if (type == OHMI_TL_MARK) {
            p->t->marks[p->nmarks] = (ohmi_timeline_mark){ t, dst };
        } else {
            p->t->scopes[p->nscopes] = (ohmi_timeline_scope){ t, 0, dst, p->depth };
            p->open[p->depth] = p->nscopes;
        }
    }
    p->ntext += len + 1;
    if (type == OHMI_TL_MARK) {
        p->nmarks++;
    } else {
        p->nscopes++;
        if (++p->depth > p->max_depth) p->max_depth = p->depth;
    }
    p->r.pos += OHMI_TL_TEXT_SIZE + len;
}

static void tl_leave(struct tl_pass *p, size_t at, size_t end) {
    const unsigned char *b = tl_record(p, end, OHMI_TL_LEAVE_SIZE, "leave");
    uint64_t t;
    if (!b || tl_zero_head(p, at, b, 1, "leave") < 0 || tl_time(p, at, b, &t) < 0) return;
    if (!p->depth) { ohmi_rd_fail(&p->r, at, "leave: no scope is open"); return; }
    p->depth--;
    if (p->t) p->t->scopes[p->open[p->depth]].end_ns = t;
    p->r.pos += OHMI_TL_LEAVE_SIZE;
}

/* The end record: the counts of everything before it, all scopes closed, and the
 * last record of its chunk. */
static void tl_end(struct tl_pass *p, size_t at, size_t end) {
    const unsigned char *b = tl_record(p, end, OHMI_TL_END_SIZE, "end");
    uint64_t t;
    if (!b || tl_zero_head(p, at, b, 1, "end") < 0 || tl_time(p, at, b, &t) < 0) return;
    static const char *const names[4] = { "samples", "collections", "marks", "scopes" };
    size_t have[4] = { p->nsamples, p->ncollections, p->nmarks, p->nscopes };
    for (int i = 0; i < 4; i++) {
        uint64_t says = ohmi_le_get64(b + 16 + 8 * i);
        if (says != have[i]) {
            ohmi_rd_fail(&p->r, at + 16 + 8 * (size_t)i, "end: says %llu %s, the file has %zu",
                         (unsigned long long)says, names[i], have[i]);
            return;
        }
    }
    if (p->depth) { ohmi_rd_fail(&p->r, at, "end: %u scopes still open", p->depth); return; }
    if (at + OHMI_TL_END_SIZE != end) {
        ohmi_rd_fail(&p->r, at + OHMI_TL_END_SIZE, "%zu bytes of records after the end record",
                     end - at - OHMI_TL_END_SIZE);
        return;
    }
    if (p->t) p->t->end_ns = t;
    p->ended = 1;
    p->r.pos += OHMI_TL_END_SIZE;
}

static void tl_records(struct tl_pass *p, size_t end) {
    while (!p->r.failed && p->r.pos < end) {
        size_t at = p->r.pos;
        switch (p->r.p[at]) {
        case OHMI_TL_SAMPLE: tl_sample(p, at, end); break;
        case OHMI_TL_COLLECTION: tl_collection(p, at, end); break;
        case OHMI_TL_MARK: tl_text(p, at, end, OHMI_TL_MARK); break;
        case OHMI_TL_ENTER: tl_text(p, at, end, OHMI_TL_ENTER); break;
        case OHMI_TL_LEAVE: tl_leave(p, at, end); break;
        case OHMI_TL_END: tl_end(p, at, end); break;
        default: ohmi_rd_fail(&p->r, at, "unknown record type %u", p->r.p[at]); break;
        }
    }
}

static void tl_header(struct tl_pass *p) {
    ohmi_rd *r = &p->r;
    if (!ohmi_rd_need(r, 8, "header")) return;
    if (memcmp(r->p, OHMI_TL_MAGIC, 8)) { ohmi_rd_fail(r, 0, "bad magic: not an ohm timeline"); return; }
    r->pos = 8;
    uint32_t version = ohmi_rd_u32(r, "header");
    if (!r->failed && version != OHMI_TL_VERSION) {
        ohmi_rd_fail(r, 8, "unsupported version %u (this library reads %d)", version, OHMI_TL_VERSION);
        return;
    }
    uint32_t flags = ohmi_rd_u32(r, "header");
    if (!r->failed && flags) { ohmi_rd_fail(r, 12, "unknown flags 0x%x", flags); return; }
    uint32_t ms = ohmi_rd_u32(r, "header");
    if (!r->failed && (ms < 1 || ms > OHMI_TL_INTERVAL_MAX)) {
        ohmi_rd_fail(r, 16, "interval %u ms outside 1..%u", ms, OHMI_TL_INTERVAL_MAX);
        return;
    }
    uint32_t reserved = ohmi_rd_u32(r, "header");
    if (!r->failed && reserved) { ohmi_rd_fail(r, 20, "reserved header field is %u, not 0", reserved); return; }
    uint64_t wall = ohmi_rd_u64(r, "header");
    if (p->t) {
        p->t->version = version;
        p->t->interval_ms = ms;
        p->t->start_unix_ns = wall;
    }
}

static void tl_run(struct tl_pass *p) {
    ohmi_rd *r = &p->r;
    tl_header(p);
    p->sum = OHMI_FNV_BASIS;
    p->sum_pos = 0;
    while (!r->failed && !p->ended) {
        size_t at = r->pos;
        if (at == r->len) {
            ohmi_rd_fail(r, at, "the file ends without its end record (cut short, or the "
                         "recording was never stopped)");
            break;
        }
        uint32_t n = ohmi_rd_u32(r, "chunk length");
        if (r->failed) break;
        if (n == 0 || n > OHMI_TL_CHUNK_MAX) {
            ohmi_rd_fail(r, at, "chunk of %u bytes, outside 1..%u", n, OHMI_TL_CHUNK_MAX);
            break;
        }
        if (r->len - r->pos < (size_t)n + 8) {
            ohmi_rd_fail(r, at, "truncated chunk: %u bytes and the checksum needed, %zu left",
                         n, r->len - r->pos);
            break;
        }
        size_t end = r->pos + n;
        tl_records(p, end);
        if (r->failed) break;
        p->sum = ohmi_tl_checksum(p->sum, r->p + p->sum_pos, end - p->sum_pos);
        p->sum_pos = end;
        uint64_t says = ohmi_rd_u64(r, "checksum");
        if (says != p->sum) {
            ohmi_rd_fail(r, end, "checksum mismatch: file says %016llx, contents give %016llx",
                         (unsigned long long)says, (unsigned long long)p->sum);
            break;
        }
    }
    if (!r->failed && r->pos != r->len)
        ohmi_rd_fail(r, r->pos, "%zu bytes after the end", r->len - r->pos);
}

void ohmi_timeline_free(ohmi_timeline *t) {
    if (!t) return;
    free(t->samples);
    free(t->collections);
    free(t->marks);
    free(t->scopes);
    free(t->text);
    free(t);
}

/* calloc of n items, one at least (so that NULL always means out of memory). */
static void *tl_array(size_t n, size_t each) {
    return calloc(n ? n : 1, each);
}

ohmi_timeline *ohmi_timeline_parse(const void *data, size_t len, char *err, size_t errlen) {
    struct tl_pass check = { .r = ohmi_rd_make(data, len, err, errlen) };
    tl_run(&check);
    if (check.r.failed) return NULL;
    ohmi_timeline *t = calloc(1, sizeof *t);
    struct tl_pass fill = { .r = ohmi_rd_make(data, len, err, errlen), .t = t };
    if (t) {
        t->samples = tl_array(check.nsamples, sizeof *t->samples);
        t->collections = tl_array(check.ncollections, sizeof *t->collections);
        t->marks = tl_array(check.nmarks, sizeof *t->marks);
        t->scopes = tl_array(check.nscopes, sizeof *t->scopes);
        t->text = tl_array(check.ntext, 1);
        fill.open = tl_array(check.max_depth, sizeof *fill.open);
    }
    if (!t || !t->samples || !t->collections || !t->marks || !t->scopes || !t->text || !fill.open) {
        ohmi_timeline_free(t);
        free(fill.open);
        if (err && errlen) snprintf(err, errlen, "out of memory");
        return NULL;
    }
    tl_run(&fill);
    free(fill.open);
    OHMI_ASSERT(!fill.r.failed && fill.nsamples == check.nsamples);
    t->nsamples = fill.nsamples;
    t->ncollections = fill.ncollections;
    t->nmarks = fill.nmarks;
    t->nscopes = fill.nscopes;
    t->max_depth = fill.max_depth;
    return t;
}

ohmi_timeline *ohmi_timeline_load(const char *path, char *err, size_t errlen) {
    size_t len;
    unsigned char *buf = ohmi_file_read(path, &len, err, errlen);
    if (!buf) return NULL;
    ohmi_timeline *t = ohmi_timeline_parse(buf, len, err, errlen);
    free(buf);
    return t;
}
