/*
 * commands.c — the command lines: each command's usage text (what --help prints, and
 * what the man page says in more words) and what it does with its arguments: parse,
 * load, call its report's writer, close the output.
 */
#include "prof.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FILTER_HELP \
    "  --include GLOB     keep only traces whose newest frame's file matches GLOB\n" \
    "                     (fnmatch; repeatable: a trace matching any is kept)\n" \
    "  --exclude GLOB     drop traces whose newest frame's file matches GLOB (repeatable)\n" \
    "  --all-frames       let --include/--exclude match any frame, not only the newest\n"
#define OUTPUT_HELP "  -o, --output FILE  write there instead of to standard output\n"
#define FILTERS "ixa"
#define NOT_GIVEN ((size_t)-1)

static const char top_usage[] =
    "usage: ohm-prof top SNAP [options]\n"
    "\n"
    "tracemalloc's top list: where the memory still held in snapshot SNAP was\n"
    "allocated, biggest first, one line per place as tracemalloc prints a Statistic:\n"
    "  file.c:42: size=1536 KiB, count=3, average=512 KiB\n"
    "then what --limit left out and the total.\n"
    "\n"
    "  --key KEY          group by lineno (default), filename or traceback (each place\n"
    "                     followed by its frames, oldest first)\n"
    "  --cumulative       count a trace under every frame of its traceback, not only\n"
    "                     the newest\n"
    "  --limit N          show the first N places (default 10; 0: all)\n"
    FILTER_HELP
    "  --json             one JSON object: totals, and per place filename, lineno,\n"
    "                     function, size, count (and the traceback with --key traceback)\n"
    OUTPUT_HELP;

static const char diff_usage[] =
    "usage: ohm-prof diff OLD NEW [options]\n"
    "\n"
    "tracemalloc's compare_to: what grew and what shrank from snapshot OLD to snapshot\n"
    "NEW, biggest change first, one line per place:\n"
    "  file.c:42: size=1536 KiB (+1024 KiB), count=3 (+2), average=512 KiB\n"
    "then what --limit left out and the total with its change.\n"
    "\n"
    "  --key KEY          group by lineno (default), filename or traceback\n"
    "  --cumulative       count a trace under every frame of its traceback\n"
    "  --limit N          show the first N places (default 10; 0: all)\n"
    FILTER_HELP
    "  --json             one JSON object, as top's with size_diff and count_diff\n"
    OUTPUT_HELP;

static const char stats_usage[] =
    "usage: ohm-prof stats SNAP [options]\n"
    "\n"
    "memray's stats for snapshot SNAP: the memory held and its blocks, a histogram of\n"
    "block sizes (one row per power of two), the bytes of each domain (RAW, MEM, OBJ),\n"
    "and the top places by bytes and by number of blocks.\n"
    "\n"
    "  --limit N          places in each top list (default 5; 0: all)\n"
    FILTER_HELP OUTPUT_HELP;

static const char leaks_usage[] =
    "usage: ohm-prof leaks SNAP [options]\n"
    "\n"
    "What is still alive in snapshot SNAP, by allocation site, each with its whole\n"
    "traceback (most recent call last), biggest first. Take SNAP at the program's end\n"
    "(after everything should have been released) to read it as a leak report.\n"
    "\n"
    "  --limit N          list the first N sites (default 0: all)\n"
    FILTER_HELP OUTPUT_HELP;

static const char folded_usage[] =
    "usage: ohm-prof folded SNAP [options]\n"
    "\n"
    "Collapsed stacks of snapshot SNAP, as flamegraph.pl, inferno and speedscope read\n"
    "them: one line per distinct traceback, frames root first separated by ';', then a\n"
    "space and the number:\n"
    "  main (prog.c:40);load (prog.c:12) 4096\n"
    "A frame is 'function (file:line)', or 'file:line' without a function name. The\n"
    "numbers add up to the snapshot's total.\n"
    "\n"
    "  --metric bytes|count  bytes held (default) or blocks\n"
    "  --inverted         newest frame first (who allocated, then its callers)\n"
    FILTER_HELP OUTPUT_HELP;

static const char flamegraph_usage[] =
    "usage: ohm-prof flamegraph SNAP -o OUT.html [options]\n"
    "\n"
    "A flame graph of snapshot SNAP: one self-contained HTML file that works offline.\n"
    "Each frame's width is the memory held by blocks allocated under it. Hover a frame\n"
    "for its file, line, function, bytes, blocks and share of the total; click to zoom,\n"
    "'Reset zoom' (or Esc) to go back; type in the search box to highlight matching\n"
    "frames and see their total share; switch between icicle (root at the top) and\n"
    "flame (root at the bottom). Frames under 0.1% of the view are hidden.\n"
    "\n"
    "  -o, --output FILE  the HTML file to write (required; '-' for standard output)\n"
    "  --inverted         allocating lines at the root, their callers above\n"
    "  --title TEXT       the page's title (default 'ohm-prof flame graph')\n"
    "  --diff OLD         differential: colour each frame by its change since snapshot\n"
    "                     OLD (red grew, blue shrank); widths are SNAP's\n"
    FILTER_HELP;

static const char lines_usage[] =
    "usage: ohm-prof lines SNAP SOURCE [options]\n"
    "\n"
    "memory_profiler's line-by-line listing of the source file SOURCE, from snapshot\n"
    "SNAP, exact:\n"
    "  Filename: SOURCE\n"
    "\n"
    "  Line #    Mem usage    Increment  Occurrences   Line Contents\n"
    "  =============================================================\n"
    "      12      3.0 MiB      3.0 MiB           3       p[i] = ohm_malloc(h, 1 << 20);\n"
    "Mem usage: memory still held by blocks allocated on that line (a line that calls\n"
    "a function holds what the call allocated, when the traceback reaches it);\n"
    "Increment: the change since --old (without it: since nothing); Occurrences: the\n"
    "blocks allocated there and still alive. Lines with nothing are left blank.\n"
    "Frames match SOURCE by path, resolved path, or one being a path suffix of the other.\n"
    "\n"
    "  --old SNAP         the snapshot to take the increment from\n"
    "  --precision N      digits after the point (default 1, as memory_profiler)\n"
    "  --unit MiB|KiB|B   the unit of the two memory columns (default MiB)\n"
    OUTPUT_HELP;

static const char timeline_usage[] =
    "usage: ohm-prof timeline REC -o PLOT.svg|PLOT.html [options]\n"
    "\n"
    "mprof's plot of a timeline recording REC (ohm_timeline_start, OHM_TIMELINE):\n"
    "time in seconds across, MiB up; the traced memory and the RSS as curves, arenas\n"
    "on a second axis, collections as ticks coloured by generation, marks as labelled\n"
    "vertical lines, named scopes as brackets from their start to their end, and a\n"
    "dashed line at the peak. The HTML version shows the values under the pointer.\n"
    "\n"
    "  -o, --output FILE  where to write; .svg gives SVG, .html or .htm an HTML page\n"
    "  --title TEXT       the plot's title (default 'ohm-prof timeline')\n";

/* ------------------------------------------------------------ the commands */

static int finish(int rc, FILE *out, const char *path) {
    int c = prof_close_out(out, path);
    if (rc < 0 && c == PROF_OK) {
        fprintf(stderr, "ohm-prof: %s: out of memory\n", prof_cmd);
        return PROF_EWRITE;
    }
    return c;
}

static int top_or_diff(int argc, char **argv, int diff) {
    struct prof_args a;
    prof_parse(argc, argv, diff ? diff_usage : top_usage, "kcn" FILTERS "jo", diff ? 2 : 1, diff ? 2 : 1, &a);
    ohm_snapshot *old = diff ? prof_load(a.pos[0], &a.filters) : NULL;
    ohm_snapshot *s = prof_load(a.pos[diff ? 1 : 0], &a.filters);
    struct prof_top_opts o = { a.key, a.cumulative, a.limit == NOT_GIVEN ? 10 : a.limit, a.json,
                               a.pos[diff ? 1 : 0], diff ? a.pos[0] : NULL };
    FILE *out = prof_open_out(a.output);
    int rc = prof_write_top(s, old, &o, out);
    ohm_snapshot_free(s);
    ohm_snapshot_free(old);
    return finish(rc, out, a.output);
}
static int cmd_top(int argc, char **argv) { return top_or_diff(argc, argv, 0); }
static int cmd_diff(int argc, char **argv) { return top_or_diff(argc, argv, 1); }

static int cmd_stats(int argc, char **argv) {
    struct prof_args a;
    prof_parse(argc, argv, stats_usage, "n" FILTERS "o", 1, 1, &a);
    ohm_snapshot *s = prof_load(a.pos[0], &a.filters);
    FILE *out = prof_open_out(a.output);
    int rc = prof_write_stats(s, a.limit == NOT_GIVEN ? 5 : a.limit, out);
    ohm_snapshot_free(s);
    return finish(rc, out, a.output);
}

static int cmd_leaks(int argc, char **argv) {
    struct prof_args a;
    prof_parse(argc, argv, leaks_usage, "n" FILTERS "o", 1, 1, &a);
    ohm_snapshot *s = prof_load(a.pos[0], &a.filters);
    FILE *out = prof_open_out(a.output);
    int rc = prof_write_leaks(s, a.limit == NOT_GIVEN ? 0 : a.limit, out);
    ohm_snapshot_free(s);
    return finish(rc, out, a.output);
}

static int cmd_folded(int argc, char **argv) {
    struct prof_args a;
    prof_parse(argc, argv, folded_usage, "mI" FILTERS "o", 1, 1, &a);
    ohm_snapshot *s = prof_load(a.pos[0], &a.filters);
    FILE *out = prof_open_out(a.output);
    int rc = prof_write_folded(s, (enum prof_metric)a.metric, a.inverted, out);
    ohm_snapshot_free(s);
    return finish(rc, out, a.output);
}

static int cmd_flamegraph(int argc, char **argv) {
    struct prof_args a;
    prof_parse(argc, argv, flamegraph_usage, "oItd" FILTERS, 1, 1, &a);
    if (!a.output) prof_usage_error("needs -o OUT.html (or -o - for standard output)");
    ohm_snapshot *old = a.diff ? prof_load(a.diff, &a.filters) : NULL;
    ohm_snapshot *s = prof_load(a.pos[0], &a.filters);
    struct prof_flame_opts o = { a.title, a.pos[0], a.diff, a.inverted };
    FILE *out = prof_open_out(a.output);
    int rc = prof_write_flamegraph(s, old, &o, out);
    ohm_snapshot_free(s);
    ohm_snapshot_free(old);
    return finish(rc, out, a.output);
}

/* The whole of a source file; exits 2 when it cannot be read. */
static char *read_source(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) prof_fail(PROF_EINPUT, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) prof_fail(PROF_EWRITE, "%s: out of memory", path);
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        char *b = realloc(buf, cap *= 2);
        if (!b) free(buf);
        buf = b;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) prof_fail(PROF_EINPUT, "%s: read error", path);
    *len = n;
    return buf;
}

static int cmd_lines(int argc, char **argv) {
    struct prof_args a;
    prof_parse(argc, argv, lines_usage, "Opuo", 2, 2, &a);
    ohm_snapshot *old = a.old ? prof_load(a.old, NULL) : NULL;
    ohm_snapshot *s = prof_load(a.pos[0], NULL);
    size_t len;
    char *text = read_source(a.pos[1], &len);
    struct prof_lines_opts o = { a.pos[1], a.precision, (enum prof_unit)a.unit };
    FILE *out = prof_open_out(a.output);
    int rc = prof_write_lines(s, old, text, len, a.pos[1], &o, out);
    free(text);
    ohm_snapshot_free(s);
    ohm_snapshot_free(old);
    return finish(rc, out, a.output);
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static int cmd_timeline(int argc, char **argv) {
    struct prof_args a;
    prof_parse(argc, argv, timeline_usage, "ot", 1, 1, &a);
    if (!a.output) prof_usage_error("needs -o PLOT.svg or -o PLOT.html");
    int html = ends_with(a.output, ".html") || ends_with(a.output, ".htm");
    if (!html && !ends_with(a.output, ".svg"))
        prof_usage_error("-o '%s': the name must end in .svg, .html or .htm", a.output);
    struct prof_timeline tl;
    char err[512];
    void *rec = prof_timeline_load(a.pos[0], &tl, err, sizeof err);
    if (!rec) {
        if (!strncmp(err, "offset ", 7)) prof_fail(PROF_EINPUT, "%s: %s", a.pos[0], err);
        prof_fail(PROF_EINPUT, "%s", err[0] ? err : a.pos[0]);
    }
    FILE *out = prof_open_out(a.output);
    int rc = html ? prof_write_timeline_html(&tl, a.title, out) : prof_write_timeline_svg(&tl, a.title, out);
    prof_timeline_free(rec);
    return finish(rc, out, a.output);
}

const struct prof_command prof_commands[] = {
    { "top", "where the memory is held, biggest first (tracemalloc's statistics)", cmd_top },
    { "diff", "what grew and what shrank between two snapshots (compare_to)", cmd_diff },
    { "stats", "totals, a size histogram, domains, top places (memray stats)", cmd_stats },
    { "leaks", "what is still alive, by site, with whole tracebacks", cmd_leaks },
    { "folded", "collapsed stacks for flamegraph.pl, inferno, speedscope", cmd_folded },
    { "flamegraph", "an interactive flame graph, one offline HTML file", cmd_flamegraph },
    { "lines", "memory_profiler's line-by-line listing of a source file", cmd_lines },
    { "timeline", "mprof's plot of memory over time, SVG or HTML", cmd_timeline },
    { NULL, NULL, NULL },
};
