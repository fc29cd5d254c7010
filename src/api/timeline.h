/*
 * timeline.h — memory over time, mprof's recording for ohm: the recorder behind
 * ohm_timeline_* (timeline.c), and the file format's encoder and loader
 * (timeline_io.c; the format is docs/timeline-format.md).
 *
 * The loader is internal API for ohm's own tools (ohm-prof's `timeline` command),
 * which link the static library and have src/ on their include path:
 *
 *     char err[256];
 *     ohmi_timeline *t = ohmi_timeline_load("run.ohmtl", err, sizeof err);
 *     if (!t) { fprintf(stderr, "%s\n", err); exit(2); }   // "offset N: reason"
 *     for (size_t i = 0; i < t->nsamples; i++) plot(t->samples[i].time_ns, ...);
 *     ohmi_timeline_free(t);
 *
 * What a loaded timeline guarantees (the loader rejects any file where it would not
 * hold): times never go back (each array is in file order, which is time order);
 * every scope has an end (end_ns >= start_ns) and scopes nest: a scope of depth d+1
 * lies within the last scope of depth d entered before it; traced_peak >=
 * traced_current; the traced fields are 0 in samples without OHMI_TL_TRACING; every
 * label is NUL-terminated UTF-8 bytes as the program gave them (no NUL inside, at
 * most OHMI_TL_LABEL_MAX bytes); a collection's duration_ns <= its time_ns.
 */
#ifndef OHM_API_TIMELINE_H
#define OHM_API_TIMELINE_H

#include "ohm.h"

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- the format */

#define OHMI_TL_MAGIC "OHMTIME"         /* 8 bytes with its NUL */
#define OHMI_TL_VERSION 1
#define OHMI_TL_HEADER 32               /* bytes before the first chunk */
#define OHMI_TL_INTERVAL_MAX 3600000u   /* ms: an hour */
#define OHMI_TL_INTERVAL_DEFAULT 10u    /* ms, when 0 or none is given */
#define OHMI_TL_LABEL_MAX 1024          /* bytes of a mark's label or a scope's name */
#define OHMI_TL_CHUNK_MAX (16u << 20)   /* the largest chunk a loader accepts */

/* Record types (the first byte of each record). */
enum { OHMI_TL_SAMPLE = 1, OHMI_TL_COLLECTION = 2, OHMI_TL_MARK = 3, OHMI_TL_ENTER = 4,
       OHMI_TL_LEAVE = 5, OHMI_TL_END = 6 };
/* Record sizes, text excluded. */
enum { OHMI_TL_SAMPLE_SIZE = 64, OHMI_TL_COLLECTION_SIZE = 40, OHMI_TL_TEXT_SIZE = 16,
       OHMI_TL_LEAVE_SIZE = 16, OHMI_TL_END_SIZE = 48 };
/* Why a sample was taken. */
enum { OHMI_TL_INTERVAL = 0, OHMI_TL_START = 1, OHMI_TL_STOP = 2, OHMI_TL_AT_COLLECTION = 3,
       OHMI_TL_AT_MARK = 4, OHMI_TL_AT_ENTER = 5, OHMI_TL_AT_LEAVE = 6, OHMI_TL_NREASONS = 7 };
/* A sample's flags. */
#define OHMI_TL_TRACING 1u   /* tracing was on: traced_current and traced_peak hold */
#define OHMI_TL_SAMPLED 2u   /* ... sampled tracing: they are estimates */

/* ------------------------------------------------------- a loaded timeline */

typedef struct ohmi_timeline_sample {
    uint64_t time_ns;          /* since the recording started */
    uint64_t rss;              /* the process's resident bytes; 0: unknown */
    uint64_t traced_current;   /* bytes traced now and at most (tracemalloc's */
    uint64_t traced_peak;      /* get_traced_memory), when flags has OHMI_TL_TRACING */
    uint64_t arenas;           /* arenas mapped (1 MiB each) */
    uint64_t pools;            /* pools in use (16 KiB each) */
    uint64_t large_bytes;      /* bytes in blocks over 512 B, as requested */
    uint64_t objects;          /* live objects tracked by the collector */
    unsigned flags;            /* OHMI_TL_TRACING, OHMI_TL_SAMPLED */
    int reason;                /* OHMI_TL_INTERVAL, _START, _STOP, _AT_* */
} ohmi_timeline_sample;

typedef struct ohmi_timeline_collection {
    uint64_t time_ns;          /* when it ended */
    uint64_t duration_ns;      /* it began at time_ns - duration_ns */
    uint64_t collected, uncollectable;
    int generation;            /* 0..2 */
} ohmi_timeline_collection;

typedef struct ohmi_timeline_mark {
    uint64_t time_ns;
    const char *label;
} ohmi_timeline_mark;

typedef struct ohmi_timeline_scope {
    uint64_t start_ns, end_ns; /* ohm_timeline_enter, the matching leave (or the stop) */
    const char *name;
    unsigned depth;            /* 0: outermost */
} ohmi_timeline_scope;

typedef struct ohmi_timeline {
    unsigned version;          /* of the file */
    unsigned interval_ms;      /* the sampling interval asked for */
    uint64_t start_unix_ns;    /* the wall clock when recording started (ns since 1970) */
    uint64_t end_ns;           /* when it stopped, since the start */
    ohmi_timeline_sample *samples;         size_t nsamples;
    ohmi_timeline_collection *collections; size_t ncollections;
    ohmi_timeline_mark *marks;             size_t nmarks;
    ohmi_timeline_scope *scopes;           size_t nscopes;   /* in the order entered */
    unsigned max_depth;        /* the deepest scope's depth + 1; 0 without scopes */
    char *text;                /* where the labels and names live */
} ohmi_timeline;

/* Parse a timeline file's bytes. NULL on any problem, with "offset N: reason" in err
 * (errlen bytes, NUL-terminated; err may be NULL), N being where the bad or missing
 * data starts: a foreign file (bad magic), an unknown version, a truncation (every
 * proper prefix of a file is rejected: the file ends with an end record), a corrupt
 * record, a checksum mismatch, bytes after the end. On success err is "". Needs no
 * heap; memory from the C library, less than twice the file's size. */
ohmi_timeline *ohmi_timeline_parse(const void *data, size_t len, char *err, size_t errlen);
/* ohmi_timeline_parse of the file at path; a file that cannot be read gives
 * "path: reason" instead (no offset). */
ohmi_timeline *ohmi_timeline_load(const char *path, char *err, size_t errlen);
/* Free a loaded timeline and everything it points to. NULL: no-op. */
void ohmi_timeline_free(ohmi_timeline *t);

/* ------------------------------------------------ the encoder (the recorder's) */

/* Each writes one record (or the header) at p, which has room for it, and returns its
 * size; text records take at most OHMI_TL_LABEL_MAX bytes of text (the caller cuts). */
size_t ohmi_tl_put_header(unsigned char *p, unsigned interval_ms, uint64_t start_unix_ns);
size_t ohmi_tl_put_sample(unsigned char *p, const ohmi_timeline_sample *s);
size_t ohmi_tl_put_collection(unsigned char *p, const ohmi_timeline_collection *c);
size_t ohmi_tl_put_text(unsigned char *p, int type, uint64_t time_ns, const char *text, size_t len);
size_t ohmi_tl_put_leave(unsigned char *p, uint64_t time_ns);
size_t ohmi_tl_put_end(unsigned char *p, uint64_t time_ns, uint64_t samples, uint64_t collections,
                       uint64_t marks, uint64_t scopes);
/* The checksum after a chunk: FNV-1a 64 of every byte of the file before it, carried
 * on from `sum` (start from the offset basis) over data[0..n). */
uint64_t ohmi_tl_checksum(uint64_t sum, const void *data, size_t n);

/* ----------------------------------------------------------- the recorder */

struct ohmi_timeline_rec;   /* timeline.c; struct ohm_heap points at it while recording */

/* "path[:ms]" (OHM_TIMELINE, ohm_config.timeline): the path into path (pathlen bytes)
 * and the interval into *ms (OHMI_TL_INTERVAL_DEFAULT when left out). 0, or -1 with
 * *why saying what is wrong. The last ':' followed by digits only starts the
 * interval; a path that itself contains ':' needs an explicit ":ms" after it. */
int ohmi_timeline_parse_spec(const char *spec, char *path, size_t pathlen, unsigned *ms,
                             const char **why);
/* At ohm_heap_destroy: stop a recording still running (completing its file), with a
 * message on stderr when that fails (no caller is left to tell). */
void ohmi_timeline_fini(ohm_heap *h);

#endif
