/*
 * cli.c — what every command needs around its report: messages and exit status,
 * numbers and filters from the command line, loading snapshots, the output file.
 */
#include "prof.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *prof_cmd = NULL;

void prof_usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ohm-prof%s%s: ", prof_cmd ? " " : "", prof_cmd ? prof_cmd : "");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'ohm-prof%s%s --help')\n", prof_cmd ? " " : "", prof_cmd ? prof_cmd : "");
    exit(PROF_EUSAGE);
}

void prof_fail(int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("ohm-prof: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(status);
}

void prof_filter_add(struct prof_filters *fl, int inclusive, const char *glob) {
    if (fl->n == sizeof fl->f / sizeof fl->f[0])
        prof_usage_error("more than %zu --include/--exclude filters", sizeof fl->f / sizeof fl->f[0]);
    ohm_trace_filter *f = &fl->f[fl->n++];
    memset(f, 0, sizeof *f);
    f->inclusive = inclusive;
    f->filename_pattern = glob;
    f->domain = -1;
}

size_t prof_parse_size(const char *opt, const char *text) {
    char *end;
    errno = 0;
    if (!text || !*text || *text == '-' || *text == '+') goto bad;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v > (size_t)-1 / 2) goto bad;
    return (size_t)v;
bad:
    prof_usage_error("%s needs a whole number, not '%s'", opt, text ? text : "");
}

ohm_snapshot *prof_load(const char *path, const struct prof_filters *fl) {
    char err[512];
    ohm_snapshot *s = ohm_snapshot_load(path, err, sizeof err);
    if (!s) {
        /* The loader says "offset N: why" for a bad file, "path: why" when it could not
         * read it at all; either way one line naming the file. */
        if (!strncmp(err, "offset ", 7)) prof_fail(PROF_EINPUT, "%s: %s", path, err);
        prof_fail(PROF_EINPUT, "%s", err[0] ? err : path);
    }
    if (!fl || !fl->n) return s;
    ohm_trace_filter f[sizeof fl->f / sizeof fl->f[0]];
    for (size_t i = 0; i < fl->n; i++) {
        f[i] = fl->f[i];
        f[i].all_frames = fl->all_frames;
    }
    ohm_snapshot *d = ohm_snapshot_filter(s, f, fl->n);
    ohm_snapshot_free(s);
    if (!d) prof_fail(PROF_EWRITE, "%s: out of memory filtering the snapshot", path);
    return d;
}

FILE *prof_open_out(const char *path) {
    if (!path || !strcmp(path, "-")) return stdout;
    FILE *f = fopen(path, "w");
    if (!f) prof_fail(PROF_EUSAGE, "%s: %s", path, strerror(errno));
    return f;
}

int prof_close_out(FILE *out, const char *path) {
    int bad = ferror(out);
    if (out == stdout) bad |= fflush(out) != 0;
    else bad |= fclose(out) != 0;
    if (bad) {
        fprintf(stderr, "ohm-prof: %s: write error\n", path && strcmp(path, "-") ? path : "<stdout>");
        return PROF_EWRITE;
    }
    return PROF_OK;
}

/* One table of long options for every command; each command says which it takes (by
 * the letters below, which are not short options: only -o and -h are). */
static const struct option all_options[] = {
    { "key", required_argument, 0, 'k' },      { "cumulative", no_argument, 0, 'c' },
    { "limit", required_argument, 0, 'n' },    { "include", required_argument, 0, 'i' },
    { "exclude", required_argument, 0, 'x' },  { "all-frames", no_argument, 0, 'a' },
    { "json", no_argument, 0, 'j' },           { "metric", required_argument, 0, 'm' },
    { "inverted", no_argument, 0, 'I' },       { "output", required_argument, 0, 'o' },
    { "title", required_argument, 0, 't' },    { "diff", required_argument, 0, 'd' },
    { "old", required_argument, 0, 'O' },      { "precision", required_argument, 0, 'p' },
    { "unit", required_argument, 0, 'u' },     { "help", no_argument, 0, 'h' },
    { 0, 0, 0, 0 },
};

void prof_parse(int argc, char **argv, const char *usage, const char *allowed, int min_pos, int max_pos,
                struct prof_args *a) {
    memset(a, 0, sizeof *a);
    a->key = OHM_KEY_LINENO;
    a->limit = (size_t)-1;      /* not given: each command has its default */
    a->precision = 1;
    opterr = 0;
    optind = 1;
    int c, idx;
    while ((c = getopt_long(argc, argv, ":ho:", all_options, &idx)) != -1) {
        const char *arg = argv[optind - 1];
        if (c == '?' || (c != ':' && c != 'h' && !strchr(allowed, c))) {
            /* a short option inside a cluster has no argv of its own: name the letter */
            if (c == '?' && optopt && optopt != '?' && strncmp(arg, "--", 2)) prof_usage_error("unknown option '-%c'", optopt);
            if (c != '?' && strncmp(arg, "--", 2)) prof_usage_error("unknown option '-%c'", c);
            prof_usage_error("unknown option '%s'", arg);
        }
        if (c == ':') prof_usage_error("option '%s' needs a value", arg);
        switch (c) {
        case 'h': fputs(usage, stdout); exit(PROF_OK);
        case 'k':
            if (!strcmp(optarg, "lineno")) a->key = OHM_KEY_LINENO;
            else if (!strcmp(optarg, "filename")) a->key = OHM_KEY_FILENAME;
            else if (!strcmp(optarg, "traceback")) a->key = OHM_KEY_TRACEBACK;
            else prof_usage_error("--key takes lineno, filename or traceback, not '%s'", optarg);
            break;
        case 'c': a->cumulative = 1; break;
        case 'n': a->limit = prof_parse_size("--limit", optarg); break;
        case 'i': prof_filter_add(&a->filters, 1, optarg); break;
        case 'x': prof_filter_add(&a->filters, 0, optarg); break;
        case 'a': a->filters.all_frames = 1; break;
        case 'j': a->json = 1; break;
        case 'm':
            if (!strcmp(optarg, "bytes")) a->metric = PROF_METRIC_BYTES;
            else if (!strcmp(optarg, "count")) a->metric = PROF_METRIC_COUNT;
            else prof_usage_error("--metric takes bytes or count, not '%s'", optarg);
            break;
        case 'I': a->inverted = 1; break;
        case 'o': a->output = optarg; break;
        case 't': a->title = optarg; break;
        case 'd': a->diff = optarg; break;
        case 'O': a->old = optarg; break;
        case 'p': {
            size_t p = prof_parse_size("--precision", optarg);
            if (p > 9) prof_usage_error("--precision takes 0..9, not '%s'", optarg);
            a->precision = (int)p;
            break;
        }
        case 'u':
            if (!strcmp(optarg, "MiB")) a->unit = PROF_UNIT_MIB;
            else if (!strcmp(optarg, "KiB")) a->unit = PROF_UNIT_KIB;
            else if (!strcmp(optarg, "B")) a->unit = PROF_UNIT_B;
            else prof_usage_error("--unit takes MiB, KiB or B, not '%s'", optarg);
            break;
        }
    }
    int n = argc - optind;
    if (n < min_pos)
        prof_usage_error("expects %d file argument%s, got %d", min_pos, min_pos == 1 ? "" : "s", n);
    if (n > max_pos) prof_usage_error("unexpected argument '%s'", argv[optind + max_pos]);
    for (int i = 0; i < n; i++) a->pos[i] = argv[optind + i];
    a->npos = n;
}
