/*
 * prof.h — what ohm-prof's files share.
 *
 * ohm-prof reads ohm's snapshot files (docs/snapshot-format.md) and, for `timeline`,
 * a recorder's file, and writes the reports people look at: tracemalloc's top list and
 * diff, memray's stats and flame graph, collapsed stacks, memory_profiler's line
 * listing and mprof's plot. It is built on ohm's public API only (include/ohm.h); it is
 * not one of libohm's layers.
 *
 * One file per job: main.c dispatches; cli.c holds the option and loading helpers every
 * command uses; each command is one file (top.c for top and diff, stats.c, leaks.c,
 * folded.c, flamegraph.c, lines.c, timeline.c); tree.c builds the call tree folded.c
 * and flamegraph.c draw; plot.c draws a timeline; out.c escapes text for JSON and HTML.
 *
 * Exit status, for every command: 0 success; 2 a usage error or an input that cannot
 * be read (one line on stderr: "ohm-prof: <file>: offset N: <reason>" for a corrupt,
 * truncated or foreign file); 1 when the output could not be written.
 * The renderers (prof_write_*) never exit: they take what they draw as arguments and
 * return 0, or -1 when writing failed, so tests and the fuzzer can call them.
 */
#ifndef OHM_PROF_H
#define OHM_PROF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ohm.h"

enum { PROF_OK = 0, PROF_EWRITE = 1, PROF_EUSAGE = 2, PROF_EINPUT = 2 };
enum prof_unit { PROF_UNIT_MIB, PROF_UNIT_KIB, PROF_UNIT_B };

/* ------------------------------------------------------------ cli.c */

/* The command running now ("top", ...), for messages. */
extern const char *prof_cmd;

/* "ohm-prof <cmd>: <message> (see 'ohm-prof <cmd> --help')" on stderr, then exit 2. */
void prof_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* "ohm-prof: <message>" on stderr, then exit with status. */
void prof_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* Options several commands take. */
struct prof_filters {
    ohm_trace_filter f[32];
    size_t n;
    int all_frames;       /* --all-frames: a glob may match any frame, not only the newest */
};
/* Parse "--include GLOB" / "--exclude GLOB" into fl (exits 2 past 32). */
void prof_filter_add(struct prof_filters *fl, int inclusive, const char *glob);

/* Parse a whole non-negative number for option opt; exits 2 when it is not one. */
size_t prof_parse_size(const char *opt, const char *text);

/* Load a snapshot; on failure print "ohm-prof: <path>: offset N: <reason>" (or the
 * system's reason for a file that cannot be opened) and exit 2. With filters, the
 * snapshot returned is the filtered one. */
ohm_snapshot *prof_load(const char *path, const struct prof_filters *fl);

/* Open the output file named by -o (NULL or "-": stdout); exits 2 when it cannot. */
FILE *prof_open_out(const char *path);
/* Close it; returns PROF_OK, or PROF_EWRITE after a message when writing failed. */
int prof_close_out(FILE *out, const char *path);

/* Everything a command line may say; each command takes some of it. */
struct prof_args {
    ohm_key key;              /* --key (lineno) */
    int cumulative;           /* --cumulative */
    size_t limit;             /* --limit (10) */
    struct prof_filters filters;  /* --include, --exclude, --all-frames */
    int json;                 /* --json */
    int metric;               /* --metric: enum prof_metric (bytes) */
    int inverted;             /* --inverted */
    const char *output;       /* -o, --output */
    const char *title;        /* --title */
    const char *diff;         /* --diff OLD (flamegraph) */
    const char *old;          /* --old SNAP (lines) */
    int precision;            /* --precision (1) */
    int unit;                 /* --unit: PROF_UNIT_* (MiB) */
    const char *pos[4];       /* the positional arguments */
    int npos;
};
/* Parse argv (argv[0] is the command's name) into *a, accepting the options whose
 * short letters are in `allowed` (h is always allowed: prints usage, exits 0) and
 * min_pos..max_pos positional arguments (max_pos <= 4); anything else exits 2 with
 * one line. */
void prof_parse(int argc, char **argv, const char *usage, const char *allowed, int min_pos, int max_pos,
                struct prof_args *a);

/* commands.c: each command's entry point (argv[0] is the command's name). */
struct prof_command {
    const char *name, *summary;
    int (*run)(int argc, char **argv);
};
extern const struct prof_command prof_commands[];

/* ------------------------------------------------------------ out.c */

/* Text escaped for a JSON string (quotes included) / for HTML text and attributes. */
void prof_json_str(FILE *out, const char *s);
void prof_html_str(FILE *out, const char *s);
/* v as a long long, clamped (a damaged snapshot's sizes may add up past 2^63). */
long long prof_ll(double v);
/* A size as tracemalloc prints it ("1.5 KiB"), into buf (32 bytes are enough). */
const char *prof_size(long long bytes, int sign, char *buf, size_t len);
/* The last component of a path. */
const char *prof_basename(const char *path);

/* ------------------------------------------------------------ template.c */

/* Write tpl to out, calling fill(name, len, arg, out) for each "{{name}}" in it. */
int prof_fill_template(const char *tpl, FILE *out,
                       void (*fill)(const char *name, size_t len, void *arg, FILE *out), void *arg);
/* The templates, generated from flamegraph.html and timeline.html at build time. */
extern const char prof_flamegraph_html[];
extern const char prof_timeline_html[];

/* ------------------------------------------------------------ tree.c */

/* The call tree of a snapshot: each path of frames from the oldest (root) to the
 * newest, merged where frames are equal (file, line, function), with the bytes and
 * blocks of the traces that end at or below each node. With `old`, the same paths of
 * another snapshot are merged in as old_bytes (a differential tree; nodes only in old
 * exist with bytes 0). */
struct prof_node {
    const ohm_frame *frame;        /* NULL for the root */
    double bytes, count;           /* under this node, itself included */
    double self_bytes, self_count; /* of traces whose stack ends here */
    double old_bytes;              /* in the old snapshot (diff trees) */
    struct prof_node **kids;
    size_t nkids, cap;
};
struct prof_tree {
    struct prof_node root;
    int inverted;                  /* built newest frame first */
    size_t nodes;
};
/* Build the tree of s (and old, may be NULL); inverted: paths newest frame first.
 * Returns 0, or -1 out of memory. Children are sorted by name then line. */
int  prof_tree_build(struct prof_tree *t, const ohm_snapshot *s, const ohm_snapshot *old, int inverted);
void prof_tree_free(struct prof_tree *t);

/* ------------------------------------------------------------ the renderers */

enum prof_metric { PROF_METRIC_BYTES, PROF_METRIC_COUNT };
/* Collapsed stacks: "frame;frame;... N" per distinct path, root first (leaf first when
 * inverted), sorted. The numbers add up to the snapshot's total bytes (or blocks). */
int prof_write_folded(const ohm_snapshot *s, enum prof_metric m, int inverted, FILE *out);
/* One frame as folded.c names it: "function (file:line)" or "file:line", with ';'
 * and line breaks replaced so the line still parses. */
void prof_frame_name(const ohm_frame *f, FILE *out);

struct prof_flame_opts {
    const char *title;        /* NULL: "ohm-prof flame graph" */
    const char *source;       /* the snapshot's path, shown under the title */
    const char *old_source;   /* --diff OLD's path, or NULL */
    int inverted;
};
int prof_write_flamegraph(const ohm_snapshot *s, const ohm_snapshot *old,
                          const struct prof_flame_opts *o, FILE *out);

struct prof_top_opts {
    ohm_key key;
    int cumulative;
    size_t limit;             /* 0: all */
    int json;
    const char *source, *old_source;
};
/* top (old == NULL) and diff. */
int prof_write_top(const ohm_snapshot *s, const ohm_snapshot *old, const struct prof_top_opts *o, FILE *out);
int prof_write_stats(const ohm_snapshot *s, size_t ntop, FILE *out);
int prof_write_leaks(const ohm_snapshot *s, size_t limit, FILE *out);

/* lines: memory_profiler's listing of one source file. text/len is its contents; the
 * frames that belong to it are those whose file name is `source` (the same path, the
 * same file once resolved, or one a path suffix of the other: "tests/x.c" matches
 * "/home/me/ohm/tests/x.c"). A trace counts once on every line of the file among its
 * frames (a line that calls a function holds what the call allocated, as
 * memory_profiler measures a line). */
struct prof_lines_opts {
    const char *name;         /* what the "Filename:" line says */
    int precision;            /* digits after the point (memory_profiler's precision: 1) */
    enum prof_unit unit;
};
int prof_write_lines(const ohm_snapshot *s, const ohm_snapshot *old, const char *text, size_t len,
                     const char *source, const struct prof_lines_opts *o, FILE *out);
/* Whether a frame's file name and a path given on the command line name one file. */
int prof_same_source(const char *traced, const char *given);

/* ------------------------------------------------------------ timelines (plot.c) */

/* What `ohm-prof timeline` draws, whatever file it came from (timeline_load.c turns a
 * recorder's file into this). Times are seconds from the start of the recording;
 * bytes and counts are exact. Arrays are in time order. */
struct prof_tl_sample {
    double t;
    uint64_t traced, traced_peak;   /* traced memory now and its peak (0 when not tracing) */
    uint64_t rss;                   /* resident set size of the process */
    uint64_t arenas, pools;         /* arenas mapped and pools in use */
    uint64_t objects;               /* live objects tracked by the collector */
};
struct prof_tl_collection { double t; int generation; double duration; uint64_t collected; };
struct prof_tl_mark { double t; const char *label; };
struct prof_tl_scope { double start, end; const char *name; };  /* end < 0: never left */
struct prof_timeline {
    int tracing;                    /* samples hold traced memory */
    const struct prof_tl_sample *samples;         size_t nsamples;
    const struct prof_tl_collection *collections; size_t ncollections;
    const struct prof_tl_mark *marks;             size_t nmarks;
    const struct prof_tl_scope *scopes;           size_t nscopes;
};
/* mprof's plot as SVG (a standalone document), or as an HTML page with the same
 * SVG inline and the values under the pointer shown on hover. */
int prof_write_timeline_svg(const struct prof_timeline *tl, const char *title, FILE *out);
int prof_write_timeline_html(const struct prof_timeline *tl, const char *title, FILE *out);

/* timeline_load.c: read a recorder's file into *tl (its arrays and strings owned by
 * the returned handle, freed by prof_timeline_free). NULL with "offset N: reason" (or
 * the system's reason) in err when it cannot. */
void *prof_timeline_load(const char *path, struct prof_timeline *tl, char *err, size_t errlen);
void  prof_timeline_free(void *handle);

#endif
