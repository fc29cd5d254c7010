/*
 * timeline.c — memory over time (mprof's recording): ohm_timeline_start, _mark, _enter,
 * _leave and _stop, and OHM_TIMELINE's "path[:ms]".
 *
 * While a recording runs, a sample — traced memory now and at its peak (when tracing),
 * the resident set, arenas and pools in use, bytes in large blocks, live tracked
 * objects — is taken every interval, and also at each collection's end, at each mark,
 * at each scope's entry and exit, and at the start and the stop, so a short program
 * still gets points. The records go to a file in the format of
 * docs/timeline-format.md (timeline_io.c encodes them).
 *
 * No thread, no timer, no cost when nothing records: samples are taken on the heap's
 * own thread, inside allocations. The recorder is the allocator's ticker (alloc.h,
 * "the byte countdown"): the fast paths already count every block's bytes down for
 * sampled tracing, so the ticker only asks them to stop after some bytes; then it
 * reads the clock (a vDSO call, ~20 ns) and samples when the interval has passed.
 * How many bytes it waits for adapts to the rate the program allocates at: it aims at
 * TL_LOOKS looks per interval, between TL_TICK_MIN and TL_TICK_MAX bytes apart. A
 * program that stops allocating gets no interval samples until it allocates again (or
 * marks, enters, leaves, collects, or stops): what it did meanwhile did not change the
 * heap's figures, except RSS and what other threads did to the RAW domain.
 *
 * Cost: the samples are a few loads each, but for the resident set, a system call of
 * ~2 us, which is read at most every tenth of the interval (a sample taken sooner
 * repeats the last reading): a program that collects generation 0 every 100 us would
 * otherwise pay it at every collection.
 *
 * Memory: one block with a fixed buffer of TL_BUF bytes; when a record does not fit,
 * or a second has passed since the last write, the buffer goes to the file as one
 * chunk (stdio unbuffered: one write per chunk, no buffer of its own). So the recorder
 * holds at most ~64 KiB however long it runs; its allocations are the block, the
 * collector's callback slot and the FILE.
 *
 * Collections: the recorder is one of the collector's callbacks (ohm_gc_add_callback):
 * at a collection's start it notes the generation's total duration, at its stop it
 * writes the collection (the duration is the difference: exactly what the collector
 * measured) and a sample. The callback finds the recording through the heap, so a
 * stop from inside another callback leaves it nothing to touch.
 *
 * Failures: a write that fails is remembered (errno and where); nothing more is
 * written, and ohm_timeline_stop reports it.
 */
#include "api/api.h"
#include "api/timeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define TL_BUF (64 * 1024)               /* records held before a chunk is written */
#define TL_FLUSH_NS 1000000000ull        /* ... and a chunk at least every second */
#define TL_TICK_FIRST 4096               /* bytes before the ticker's first look */
#define TL_TICK_MIN 64                   /* its bounds, in bytes allocated */
#define TL_TICK_MAX (1 << 20)
#define TL_LOOKS 8                       /* looks at the clock it aims at per interval */

struct ohmi_timeline_rec {
    FILE *f;
    uint64_t t0;               /* the monotonic clock at the start */
    uint64_t last_ns;          /* the latest record's time, since t0 */
    uint64_t interval_ns;
    uint64_t next_due;         /* the next interval sample's time, since t0 */
    uint64_t last_flush;       /* when the last chunk was written (monotonic) */
    uint64_t tick_ns;          /* when the ticker last looked at the clock (monotonic) */
    long long tick_bytes;      /* the bytes it asked to wait for then */
    uint64_t sum;              /* checksum of everything written */
    uint64_t written;          /* bytes written */
    uint64_t nsamples, ncollections, nmarks, nscopes;
    unsigned depth;            /* scopes open */
    int rss_fd;                /* ohmi_os_rss_open's handle */
    uint64_t rss, rss_ns;      /* the last reading of the resident set, and its time */
    int have_rss;
    int io_error;              /* errno of the first write that failed; 0: none */
    int in_gc;                 /* between a collection's start and stop callbacks */
    double gc_dur0;            /* its generation's total duration at the start */
    size_t len;                /* bytes of records in buf */
    unsigned char buf[4 + TL_BUF + 8];  /* a chunk: its length, records, its checksum */
    char path[];               /* the file, for messages */
};

/* ------------------------------------------------------------ writing */

static void tl_flush(struct ohmi_timeline_rec *rec, uint64_t now) {
    rec->last_flush = now;
    if (!rec->len) return;
    size_t n = 4 + rec->len + 8;
    ohmi_le_put32(rec->buf, (uint32_t)rec->len);
    rec->sum = ohmi_tl_checksum(rec->sum, rec->buf, 4 + rec->len);
    ohmi_le_put64(rec->buf + 4 + rec->len, rec->sum);
    /* the next chunk's checksum covers this one's too (docs/timeline-format.md) */
    rec->sum = ohmi_tl_checksum(rec->sum, rec->buf + 4 + rec->len, 8);
    rec->len = 0;
    if (rec->io_error) return;
    errno = 0;
    if (fwrite(rec->buf, 1, n, rec->f) != n) rec->io_error = errno ? errno : EIO;
    else rec->written += n;
}

/* Room for a record of n bytes (<= TL_BUF) at the end of the buffer. It may write the
 * buffer out and empty it: call it in a statement of its own before adding to len (in
 * `len += put(tl_room(...))` the compiler may read len before the call). */
static unsigned char *tl_room(struct ohmi_timeline_rec *rec, size_t n) {
    if (rec->len + n > TL_BUF) tl_flush(rec, ohmi_os_now_ns());
    return rec->buf + 4 + rec->len;
}

/* The time of a record taken at monotonic `now`: never before the last one. */
static uint64_t tl_time(struct ohmi_timeline_rec *rec, uint64_t now) {
    uint64_t t = now > rec->t0 ? now - rec->t0 : 0;
    if (t < rec->last_ns) t = rec->last_ns;
    return rec->last_ns = t;
}

static void tl_sample(ohm_heap *h, struct ohmi_timeline_rec *rec, int reason, uint64_t t) {
    const struct alloc_state *a = ohmi_alloc_of(h);
    const struct trace_state *tr = ohmi_trace_of(h);
    ohmi_timeline_sample s;
    memset(&s, 0, sizeof s);
    s.time_ns = t;
    s.reason = reason;
    if (tr->active) {
        s.flags = OHMI_TL_TRACING | (tr->sample_mean ? OHMI_TL_SAMPLED : 0);
        s.traced_current = tr->tg->bytes;
        s.traced_peak = tr->tg->peak > tr->tg->bytes ? tr->tg->peak : tr->tg->bytes;
    }
    /* a system call of ~2 us: read at most every tenth of the interval (samples at
     * collections can come every few tens of microseconds) */
    if (!rec->have_rss || t - rec->rss_ns >= rec->interval_ns / 10) {
        rec->rss = ohmi_os_rss_read(rec->rss_fd);
        rec->rss_ns = t;
        rec->have_rss = 1;
    }
    s.rss = rec->rss;
    s.arenas = a->narenas;
    s.pools = a->pools_used;
    s.large_bytes = a->large_bytes;
    s.objects = ohmi_gc_of(h)->tracked;
    unsigned char *at = tl_room(rec, OHMI_TL_SAMPLE_SIZE);
    rec->len += ohmi_tl_put_sample(at, &s);
    rec->nsamples++;
}

/* A mark's label or a scope's name: at most OHMI_TL_LABEL_MAX bytes, cut between
 * UTF-8 characters. */
static void tl_text(struct ohmi_timeline_rec *rec, int type, uint64_t t, const char *text) {
    size_t len = text ? strlen(text) : 0;
    if (len > OHMI_TL_LABEL_MAX) {
        len = OHMI_TL_LABEL_MAX;
        while (len && ((unsigned char)text[len] & 0xC0) == 0x80) len--;
    }
    unsigned char *at = tl_room(rec, OHMI_TL_TEXT_SIZE + len);
    rec->len += ohmi_tl_put_text(at, type, t, text ? text : "", len);
}

/* ------------------------------------------------------------ the ticker */

/* The allocator's ticker: look at the clock; sample when the interval has passed;
 * write a chunk once a second; return the bytes until the next look. */
static long long tl_tick(ohm_heap *h) {
    struct ohmi_timeline_rec *rec = h->timeline;
    uint64_t now = ohmi_os_now_ns();
    uint64_t since = now - rec->tick_ns;
    rec->tick_ns = now;
    uint64_t t = now > rec->t0 ? now - rec->t0 : 0;
    if (t >= rec->next_due) {
        t = tl_time(rec, now);
        tl_sample(h, rec, OHMI_TL_INTERVAL, t);
        rec->next_due += rec->interval_ns;
        if (rec->next_due <= t) rec->next_due = t + rec->interval_ns;   /* missed ones skipped */
    }
    if (now - rec->last_flush >= TL_FLUSH_NS) tl_flush(rec, now);
    /* tick_bytes took `since`: at that rate, how many bytes make interval / TL_LOOKS
     * (moving at most 4x per look, so one odd gap does not throw it far) */
    double want = (double)rec->tick_bytes * ((double)rec->interval_ns / TL_LOOKS) /
                  (double)(since ? since : 1);
    double lo = (double)rec->tick_bytes / 4, hi = (double)rec->tick_bytes * 4;
    want = want < lo ? lo : want > hi ? hi : want;
    want = want < TL_TICK_MIN ? TL_TICK_MIN : want > TL_TICK_MAX ? TL_TICK_MAX : want;
    rec->tick_bytes = (long long)want;
    return rec->tick_bytes;
}

/* ------------------------------------------------------------ collections */

static void tl_gc(ohm_heap *h, int phase, const ohm_gc_info *info, void *arg) {
    struct ohmi_timeline_rec *rec = h->timeline;
    (void)arg;
    if (!rec || info->generation < 0 || info->generation > 2) return;
    double total = ohmi_gc_of(h)->stats[info->generation].duration;
    if (phase == OHM_GC_START) {
        rec->in_gc = 1;
        rec->gc_dur0 = total;
        return;
    }
    if (!rec->in_gc) return;   /* it started before this recording */
    rec->in_gc = 0;
    uint64_t t = tl_time(rec, ohmi_os_now_ns());
    double d = (total - rec->gc_dur0) * 1e9;
    ohmi_timeline_collection c = { t, d > 0 ? (uint64_t)d : 0, info->collected,
                                   info->uncollectable, info->generation };
    if (c.duration_ns > t) c.duration_ns = t;
    unsigned char *at = tl_room(rec, OHMI_TL_COLLECTION_SIZE);
    rec->len += ohmi_tl_put_collection(at, &c);
    rec->ncollections++;
    tl_sample(h, rec, OHMI_TL_AT_COLLECTION, t);
}

/* ------------------------------------------------------------ public */

int ohm_timeline_start(ohm_heap *h, const char *path, unsigned interval_ms) {
    if (h->timeline) {
        ohmi_error(h, "ohm_timeline_start: already recording to '%s' (ohm_timeline_stop first)",
                   h->timeline->path);
        return -1;
    }
    if (!path || !*path) { ohmi_error(h, "ohm_timeline_start: no path"); return -1; }
    if (interval_ms == 0) interval_ms = OHMI_TL_INTERVAL_DEFAULT;
    if (interval_ms > OHMI_TL_INTERVAL_MAX) {
        ohmi_error(h, "ohm_timeline_start: interval_ms must be in 1..%u (0: %u), not %u",
                   OHMI_TL_INTERVAL_MAX, OHMI_TL_INTERVAL_DEFAULT, interval_ms);
        return -1;
    }
    size_t plen = strlen(path);
    struct ohmi_timeline_rec *rec = ohmi_sys_malloc(h, sizeof *rec + plen + 1);
    if (!rec) { ohmi_error(h, "ohm_timeline_start: out of memory"); return -1; }
    memset(rec, 0, offsetof(struct ohmi_timeline_rec, buf));
    memcpy(rec->path, path, plen + 1);
    if (ohm_gc_add_callback(h, tl_gc, NULL) < 0) {
        free(rec);
        ohmi_error(h, "ohm_timeline_start: out of memory");
        return -1;
    }
    /* the file last: a failure before it leaves no file behind */
    unsigned char head[OHMI_TL_HEADER];
    ohmi_tl_put_header(head, interval_ms, ohmi_os_wall_ns());
    errno = 0;
    FILE *f = fopen(path, "wb");
    int e = errno;
    if (f && (setvbuf(f, NULL, _IONBF, 0) != 0 || fwrite(head, 1, sizeof head, f) != sizeof head)) {
        e = errno ? errno : EIO;
        fclose(f);
        remove(path);
        f = NULL;
    }
    if (!f) {
        ohm_gc_remove_callback(h, tl_gc, NULL);
        free(rec);
        ohmi_error(h, "ohm_timeline_start: cannot write '%s': %s", path, strerror(e ? e : EIO));
        return -1;
    }
    uint64_t now = ohmi_os_now_ns();
    rec->f = f;
    rec->t0 = rec->last_flush = rec->tick_ns = now;
    rec->interval_ns = (uint64_t)interval_ms * 1000000u;
    rec->next_due = rec->interval_ns;
    rec->tick_bytes = TL_TICK_FIRST;
    rec->sum = ohmi_tl_checksum(OHMI_FNV_BASIS, head, sizeof head);
    rec->written = sizeof head;
    rec->rss_fd = ohmi_os_rss_open();
    h->timeline = rec;
    tl_sample(h, rec, OHMI_TL_START, 0);
    ohmi_alloc_set_ticker(h, tl_tick, TL_TICK_FIRST);
    return 0;
}

void ohm_timeline_mark(ohm_heap *h, const char *label) {
    struct ohmi_timeline_rec *rec = h->timeline;
    if (!rec) return;
    uint64_t t = tl_time(rec, ohmi_os_now_ns());
    tl_text(rec, OHMI_TL_MARK, t, label);
    rec->nmarks++;
    tl_sample(h, rec, OHMI_TL_AT_MARK, t);
}

void ohm_timeline_enter(ohm_heap *h, const char *scope) {
    struct ohmi_timeline_rec *rec = h->timeline;
    if (!rec) return;
    uint64_t t = tl_time(rec, ohmi_os_now_ns());
    tl_text(rec, OHMI_TL_ENTER, t, scope);
    rec->nscopes++;
    rec->depth++;
    tl_sample(h, rec, OHMI_TL_AT_ENTER, t);
}

void ohm_timeline_leave(ohm_heap *h) {
    struct ohmi_timeline_rec *rec = h->timeline;
    if (!rec) return;
    if (!rec->depth) { ohmi_error(h, "ohm_timeline_leave: no scope is open"); return; }
    uint64_t t = tl_time(rec, ohmi_os_now_ns());
    unsigned char *at = tl_room(rec, OHMI_TL_LEAVE_SIZE);
    rec->len += ohmi_tl_put_leave(at, t);
    rec->depth--;
    tl_sample(h, rec, OHMI_TL_AT_LEAVE, t);
}

int ohm_timeline_stop(ohm_heap *h) {
    struct ohmi_timeline_rec *rec = h->timeline;
    if (!rec) { ohmi_error(h, "ohm_timeline_stop: no timeline is recording"); return -1; }
    uint64_t now = ohmi_os_now_ns(), t = tl_time(rec, now);
    for (; rec->depth; rec->depth--) {   /* scopes still open end here */
        unsigned char *at = tl_room(rec, OHMI_TL_LEAVE_SIZE);
        rec->len += ohmi_tl_put_leave(at, t);
    }
    tl_sample(h, rec, OHMI_TL_STOP, t);
    unsigned char *end = tl_room(rec, OHMI_TL_END_SIZE);
    rec->len += ohmi_tl_put_end(end, t, rec->nsamples, rec->ncollections, rec->nmarks, rec->nscopes);
    tl_flush(rec, now);
    int e = rec->io_error;
    errno = 0;
    if (fclose(rec->f) != 0 && !e) e = errno ? errno : EIO;
    ohmi_alloc_set_ticker(h, NULL, 0);
    ohm_gc_remove_callback(h, tl_gc, NULL);
    ohmi_os_rss_close(rec->rss_fd);
    h->timeline = NULL;
    if (e) {
        ohmi_error(h, "ohm_timeline_stop: writing '%s' failed after %llu bytes: %s; the file "
                   "is incomplete", rec->path, (unsigned long long)rec->written, strerror(e));
        free(rec);
        return -1;
    }
    free(rec);
    return 0;
}

void ohmi_timeline_fini(ohm_heap *h) {
    if (h->timeline && ohm_timeline_stop(h) < 0) fprintf(stderr, "ohm: %s\n", ohm_last_error(h));
}

/* ------------------------------------------------------------ OHM_TIMELINE */

int ohmi_timeline_parse_spec(const char *spec, char *path, size_t pathlen, unsigned *ms,
                             const char **why) {
    const char *colon = strrchr(spec, ':');
    size_t plen = colon ? (size_t)(colon - spec) : strlen(spec);
    *ms = OHMI_TL_INTERVAL_DEFAULT;
    if (colon) {
        const char *d = colon + 1;
        unsigned long n = 0;
        size_t k = 0;
        for (; d[k] >= '0' && d[k] <= '9' && k < 8; k++) n = n * 10 + (unsigned long)(d[k] - '0');
        if (!k || d[k] || n < 1 || n > OHMI_TL_INTERVAL_MAX) {
            *why = "OHM_TIMELINE: expected path[:ms], ms a number of milliseconds in 1..3600000 "
                   "(a path with ':' in it needs the :ms)";
            return -1;
        }
        *ms = (unsigned)n;
    }
    if (!plen) { *why = "OHM_TIMELINE: expected path[:ms]; the path is empty"; return -1; }
    if (plen >= pathlen) { *why = "OHM_TIMELINE: the path is too long"; return -1; }
    memcpy(path, spec, plen);
    path[plen] = '\0';
    return 0;
}
