/*
 * plot.c — mprof's plot of memory over time, as SVG, and as an HTML page that shows
 * the values under the pointer.
 *
 * Layout (SVG user units; the picture scales with its viewBox):
 *   - x: seconds since the recording started; left y: MiB (traced memory in blue,
 *     RSS in black, as mprof draws its one curve); right y: arenas mapped (green steps);
 *   - the peak: a dashed red line at the highest traced peak (RSS's peak when the
 *     recording did not trace), labelled;
 *   - collections: ticks under the curves, taller and warmer by generation (0 green,
 *     1 orange, 2 red);
 *   - marks: grey vertical lines labelled at the top;
 *   - scopes: brackets above the plot from their start to their end, one row per
 *     nesting depth, as mprof brackets @profile functions.
 * Everything is computed from the struct alone, so an empty timeline (no samples)
 * still draws its axes.
 */
#include "prof.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { W = 1000, H = 560, ML = 78, MR = 78, MB = 56 };
static const double MIB = 1048576.0;

struct frame {
    double t0, t1;            /* time range drawn */
    double ymax;              /* MiB at the top of the left axis */
    double amax;              /* arenas at the top of the right axis */
    double top, bottom;       /* plot area, y */
    double left, right;       /* plot area, x */
    int scope_rows;
};

/* A step of 1, 2 or 5 times a power of ten giving about `ticks` intervals. */
static double nice_step(double range, int ticks) {
    if (!(range > 0)) return 1;
    double raw = range / ticks, p = pow(10, floor(log10(raw))), m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}
static double nice_max(double v, int ticks) {
    if (!(v > 0)) return 1;
    double s = nice_step(v, ticks);
    return ceil(v / s - 1e-9) * s;
}

/* Times outside [0, 1e9 s] or not finite (a damaged recording) are drawn at the edge:
 * the SVG never holds "nan" or "inf". */
static double T(double t) { return isfinite(t) ? (t < 0 ? 0 : t > 1e9 ? 1e9 : t) : 0; }

static double X(const struct frame *f, double t) {
    double r = f->t1 > f->t0 ? (T(t) - f->t0) / (f->t1 - f->t0) : 0;
    return f->left + (f->right - f->left) * (r < 0 ? 0 : r > 1 ? 1 : r);
}
static double Y(const struct frame *f, double mib) { return f->bottom - (f->bottom - f->top) * mib / f->ymax; }
static double YA(const struct frame *f, double a) { return f->bottom - (f->bottom - f->top) * a / f->amax; }

/* The nesting depth of each scope (0: outermost), into depth[] (NULL when out of
 * memory: every scope then draws on one row). Scopes come in the order they were
 * entered; a stack of the open ones gives each its depth in one pass. */
static int *scope_depths(const struct prof_timeline *tl) {
    int *depth = malloc((tl->nscopes ? tl->nscopes : 1) * sizeof *depth);
    size_t *open = malloc((tl->nscopes ? tl->nscopes : 1) * sizeof *open), nopen = 0;
    if (!depth || !open) { free(depth); free(open); return NULL; }
    for (size_t i = 0; i < tl->nscopes; i++) {
        const struct prof_tl_scope *s = &tl->scopes[i];
        while (nopen) {
            const struct prof_tl_scope *o = &tl->scopes[open[nopen - 1]];
            if (o->end < 0 || !(o->end < s->start)) break;   /* still open when s starts */
            nopen--;
        }
        depth[i] = (int)nopen;
        open[nopen++] = i;
    }
    free(open);
    return depth;
}

static void layout(const struct prof_timeline *tl, struct frame *f) {
    memset(f, 0, sizeof *f);
    double tmax = 0, ymax = 0, amax = 0;
    for (size_t i = 0; i < tl->nsamples; i++) {
        const struct prof_tl_sample *s = &tl->samples[i];
        if (T(s->t) > tmax) tmax = T(s->t);
        double m = (double)(s->rss > s->traced_peak ? s->rss : s->traced_peak);
        if ((double)s->traced > m) m = (double)s->traced;
        if (m / MIB > ymax) ymax = m / MIB;
        if ((double)s->arenas > amax) amax = (double)s->arenas;
    }
    for (size_t i = 0; i < tl->ncollections; i++) if (T(tl->collections[i].t) > tmax) tmax = T(tl->collections[i].t);
    for (size_t i = 0; i < tl->nmarks; i++) if (T(tl->marks[i].t) > tmax) tmax = T(tl->marks[i].t);
    int *depth = scope_depths(tl);
    for (size_t i = 0; i < tl->nscopes; i++) {
        if (T(tl->scopes[i].end) > tmax) tmax = T(tl->scopes[i].end);
        if (T(tl->scopes[i].start) > tmax) tmax = T(tl->scopes[i].start);
        int d = (depth ? depth[i] : 0) + 1;
        if (d > f->scope_rows) f->scope_rows = d;
    }
    free(depth);
    if (f->scope_rows > 6) f->scope_rows = 6;
    f->t0 = 0;
    f->t1 = nice_max(tmax, 10);
    f->ymax = nice_max(ymax * 1.05, 6);
    f->amax = nice_max(amax < 1 ? 1 : amax * 1.05, 6);
    f->left = ML;
    f->right = W - MR;
    f->top = 70 + 18.0 * f->scope_rows;
    f->bottom = H - MB;
}

static void num(FILE *out, double v) {
    /* short numbers for tick labels: 0.25, 12, 1500 */
    char b[32];
    snprintf(b, sizeof b, "%.6g", fabs(v) < 1e-12 ? 0.0 : v);
    fputs(b, out);
}

static void axes(const struct frame *f, FILE *out) {
    fprintf(out, "<g class=\"axes\" font-size=\"12\" fill=\"#333\">\n");
    fprintf(out, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"#fff\" stroke=\"#999\"/>\n", f->left,
            f->top, f->right - f->left, f->bottom - f->top);
    double st = nice_step(f->t1 - f->t0, 10);
    for (double t = f->t0; t <= f->t1 + st * 1e-6; t += st) {
        double x = X(f, t);
        fprintf(out, "<line x1=\"%.2f\" y1=\"%g\" x2=\"%.2f\" y2=\"%g\" stroke=\"#eee\"/>", x, f->top, x, f->bottom);
        fprintf(out, "<text x=\"%.2f\" y=\"%g\" text-anchor=\"middle\">", x, f->bottom + 16);
        num(out, t);
        fputs("</text>\n", out);
    }
    double sy = nice_step(f->ymax, 6);
    for (double m = 0; m <= f->ymax + sy * 1e-6; m += sy) {
        double y = Y(f, m);
        fprintf(out, "<line x1=\"%g\" y1=\"%.2f\" x2=\"%g\" y2=\"%.2f\" stroke=\"#eee\"/>", f->left, y, f->right, y);
        fprintf(out, "<text x=\"%g\" y=\"%.2f\" text-anchor=\"end\">", f->left - 6, y + 4);
        num(out, m);
        fputs("</text>\n", out);
    }
    double sa = nice_step(f->amax, 6);
    for (double a = 0; a <= f->amax + sa * 1e-6; a += sa) {
        fprintf(out, "<text x=\"%g\" y=\"%.2f\" fill=\"#2e7d32\">", f->right + 6, YA(f, a) + 4);
        num(out, a);
        fputs("</text>\n", out);
    }
    fprintf(out, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">time (s)</text>\n", (f->left + f->right) / 2,
            f->bottom + 38);
    fprintf(out, "<text transform=\"translate(%g %g) rotate(-90)\" text-anchor=\"middle\">memory (MiB)</text>\n",
            f->left - 52.0, (f->top + f->bottom) / 2);
    fprintf(out, "<text transform=\"translate(%g %g) rotate(90)\" text-anchor=\"middle\" fill=\"#2e7d32\">arenas</text>\n",
            f->right + 52.0, (f->top + f->bottom) / 2);
    fputs("</g>\n", out);
}

static double value_y(const struct frame *f, const struct prof_tl_sample *s, int which) {
    if (which == 2) return YA(f, (double)s->arenas);
    return Y(f, (double)(which == 0 ? s->traced : s->rss) / MIB);
}

/* One curve. Up to 4 samples per pixel column every sample is a point (arenas as
 * steps: the count holds until the next sample). Past that (an hour at 10 ms is
 * 360,000 samples) each column keeps its lowest and highest point in time order, so
 * the file stays small and no spike is lost. */
static void curve(const struct prof_timeline *tl, const struct frame *f, int which, const char *cls,
                  const char *attrs, FILE *out) {
    if (!tl->nsamples) return;
    fprintf(out, "<polyline class=\"%s\" fill=\"none\" %s points=\"", cls, attrs);
    if (tl->nsamples <= 4 * (size_t)(f->right - f->left)) {
        for (size_t i = 0; i < tl->nsamples; i++) {
            double x = X(f, tl->samples[i].t);
            if (which == 2 && i) fprintf(out, "%.2f,%.2f ", x, value_y(f, &tl->samples[i - 1], which));
            fprintf(out, "%.2f,%.2f ", x, value_y(f, &tl->samples[i], which));
        }
    } else {
        long col = 0;
        double lo = 0, hi = 0;
        size_t lo_at = 0, hi_at = 0;
        for (size_t i = 0; i <= tl->nsamples; i++) {
            long c = i < tl->nsamples ? lround(X(f, tl->samples[i].t)) : col + 1;
            double y = i < tl->nsamples ? value_y(f, &tl->samples[i], which) : 0;
            if (i && c != col) {   /* the column is complete */
                double first = lo_at <= hi_at ? lo : hi, second = lo_at <= hi_at ? hi : lo;
                fprintf(out, "%ld,%.2f %ld,%.2f ", col, first, col, second);
            }
            if (i == tl->nsamples) break;
            if (!i || c != col) { col = c; lo = hi = y; lo_at = hi_at = i; continue; }
            if (y < lo) { lo = y; lo_at = i; }
            if (y > hi) { hi = y; hi_at = i; }
        }
    }
    fputs("\"/>\n", out);
}

static void peak(const struct prof_timeline *tl, const struct frame *f, FILE *out) {
    uint64_t best = 0;
    double at = 0;
    for (size_t i = 0; i < tl->nsamples; i++) {
        const struct prof_tl_sample *s = &tl->samples[i];
        uint64_t v = tl->tracing ? (s->traced_peak > s->traced ? s->traced_peak : s->traced) : s->rss;
        if (v > best) { best = v; at = s->t; }
    }
    if (!best) return;
    double y = Y(f, (double)best / MIB);
    fprintf(out, "<g class=\"peak\"><line x1=\"%g\" y1=\"%.2f\" x2=\"%g\" y2=\"%.2f\" stroke=\"#d32f2f\" "
            "stroke-dasharray=\"6 4\"/>", f->left, y, f->right, y);
    fprintf(out, "<text x=\"%g\" y=\"%.2f\" font-size=\"12\" fill=\"#d32f2f\">peak %s %.2f MiB at %.3g s</text></g>\n",
            f->left + 6, y - 5, tl->tracing ? "traced" : "RSS", (double)best / MIB, T(at));
}

static const char *const gen_colour[3] = { "#43a047", "#fb8c00", "#e53935" };

static void collections(const struct prof_timeline *tl, const struct frame *f, FILE *out) {
    fputs("<g class=\"collections\">\n", out);
    for (size_t i = 0; i < tl->ncollections; i++) {
        const struct prof_tl_collection *c = &tl->collections[i];
        int g = c->generation < 0 ? 0 : c->generation > 2 ? 2 : c->generation;
        double x = X(f, c->t);
        fprintf(out, "<line x1=\"%.2f\" y1=\"%g\" x2=\"%.2f\" y2=\"%g\" stroke=\"%s\" stroke-width=\"1.5\">", x,
                f->bottom, x, f->bottom - 8.0 - 6.0 * g, gen_colour[g]);
        fprintf(out, "<title>collection of generation %d at %.3f s: %llu collected in %.3g ms</title></line>\n", g,
                T(c->t), (unsigned long long)c->collected, isfinite(c->duration) ? c->duration * 1e3 : 0.0);
    }
    fputs("</g>\n", out);
}

/* Each mark is a dotted line with its label in a <title>; the label is written on the
 * first of three rows where it does not run into the one before it, else only hovered. */
static void marks(const struct prof_timeline *tl, const struct frame *f, FILE *out) {
    fputs("<g class=\"marks\" font-size=\"11\" fill=\"#555\">\n", out);
    double label_end[3] = { -1e9, -1e9, -1e9 };   /* per row: where the last label ends */
    for (size_t i = 0; i < tl->nmarks; i++) {
        double x = X(f, tl->marks[i].t);
        fprintf(out, "<line x1=\"%.2f\" y1=\"%g\" x2=\"%.2f\" y2=\"%g\" stroke=\"#888\" stroke-dasharray=\"2 3\"><title>",
                x, f->top, x, f->bottom);
        prof_html_str(out, tl->marks[i].label);
        fprintf(out, " at %.3f s</title></line>", T(tl->marks[i].t));
        for (int r = 0; r < 3; r++) {
            if (x + 3 < label_end[r]) continue;
            fprintf(out, "<text x=\"%.2f\" y=\"%g\">", x + 3, f->top + 12 + 12.0 * r);
            prof_html_str(out, tl->marks[i].label);
            fputs("</text>", out);
            label_end[r] = x + 3 + 6.5 * (double)strlen(tl->marks[i].label) + 6;
            break;
        }
        fputs("\n", out);
    }
    fputs("</g>\n", out);
}

static const char *const scope_colour[6] = { "#5e35b1", "#00897b", "#c0ca33", "#6d4c41", "#1e88e5", "#d81b60" };

/* Each scope is a bracket with its name in a <title> (shown on hover). The name is
 * also written above the bracket when it fits before the next scope on its row starts
 * (scopes come in start order), so that scopes a few pixels apart do not write over
 * each other; those keep their brackets, and the hover names them. */
static void scopes(const struct prof_timeline *tl, const struct frame *f, FILE *out) {
    fputs("<g class=\"scopes\" font-size=\"11\">\n", out);
    int *depth = scope_depths(tl);
    double *room = malloc((tl->nscopes ? tl->nscopes : 1) * sizeof *room);
    double next_start[6];   /* per row, going backwards: where the next scope starts */
    for (int r = 0; r < 6; r++) next_start[r] = f->right + 60;   /* the right axis' labels' side */
    for (size_t i = tl->nscopes; room && i-- > 0;) {
        int d = depth ? depth[i] : 0;
        if (d >= f->scope_rows) d = f->scope_rows - 1;
        double x0 = X(f, tl->scopes[i].start);
        room[i] = next_start[d] - x0;
        next_start[d] = x0;
    }
    for (size_t i = 0; i < tl->nscopes; i++) {
        const struct prof_tl_scope *s = &tl->scopes[i];
        int d = depth ? depth[i] : 0;
        if (d >= f->scope_rows) d = f->scope_rows - 1;
        double y = f->top - 8 - 18.0 * (f->scope_rows - 1 - d);
        double end = s->end < 0 || !isfinite(s->end) ? f->t1 : s->end;
        double x0 = X(f, s->start), x1 = X(f, end);
        const char *c = scope_colour[i % 6];
        fprintf(out, "<path d=\"M%.2f %.2f V%.2f H%.2f V%.2f\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"><title>",
                x0, y + 6, y, x1, y + 6, c);
        prof_html_str(out, s->name);
        fprintf(out, ": %.3f s to %.3f s</title></path>", T(s->start), T(end));
        if (!room || room[i] >= 6.5 * (double)strlen(s->name) + 8) {   /* ~6.5 px a character at 11 px */
            fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" fill=\"%s\">", x0 + 2, y - 3, c);
            prof_html_str(out, s->name);
            fputs("</text>", out);
        }
        fputs("\n", out);
    }
    free(room);
    free(depth);
    fputs("</g>\n", out);
}

static void legend(const struct prof_timeline *tl, FILE *out) {
    static const struct { const char *name, *colour, *dash; } items[] = {
        { "traced", "#1565c0", "" }, { "RSS", "#111", "" }, { "arenas (right axis)", "#2e7d32", "" },
        { "peak", "#d32f2f", "6 4" },
    };
    fputs("<g class=\"legend\" font-size=\"12\" fill=\"#333\">\n", out);
    double x = ML;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        if (i == 0 && !tl->tracing) continue;
        fprintf(out, "<line x1=\"%g\" y1=\"44\" x2=\"%g\" y2=\"44\" stroke=\"%s\" stroke-width=\"2\"%s%s%s/>", x,
                x + 22, items[i].colour, *items[i].dash ? " stroke-dasharray=\"" : "", items[i].dash,
                *items[i].dash ? "\"" : "");
        fprintf(out, "<text x=\"%g\" y=\"48\">%s</text>\n", x + 27, items[i].name);
        x += 40 + 7.0 * (double)strlen(items[i].name);
    }
    for (int g = 0; g < 3; g++) {
        fprintf(out, "<line x1=\"%g\" y1=\"50\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" stroke-width=\"1.5\"/>", x + 4, x + 4,
                40.0 - 4 * g, gen_colour[g]);
        fprintf(out, "<text x=\"%g\" y=\"48\">gen %d</text>\n", x + 10, g);
        x += 52;
    }
    fputs("</g>\n", out);
}

/* The <svg> element; `plot` receives the frame for the HTML page's script. */
static void svg(const struct prof_timeline *tl, const char *title, FILE *out, struct frame *plot) {
    struct frame f;
    layout(tl, &f);
    if (plot) *plot = f;
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"plot\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
            "font-family=\"system-ui, sans-serif\">\n", W, H, W, H);
    fputs("<title>", out);
    prof_html_str(out, title);
    fputs("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n", out);
    fprintf(out, "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">", ML);
    prof_html_str(out, title);
    fputs("</text>\n", out);
    legend(tl, out);
    axes(&f, out);
    scopes(tl, &f, out);
    marks(tl, &f, out);
    collections(tl, &f, out);
    curve(tl, &f, 2, "arenas", "stroke=\"#2e7d32\" stroke-width=\"1.2\" opacity=\"0.8\"", out);
    curve(tl, &f, 1, "rss", "stroke=\"#111\" stroke-width=\"1.6\"", out);
    if (tl->tracing) curve(tl, &f, 0, "traced", "stroke=\"#1565c0\" stroke-width=\"1.8\"", out);
    peak(tl, &f, out);
    if (!tl->nsamples)
        fprintf(out, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\" fill=\"#777\">no samples</text>\n",
                (f.left + f.right) / 2, (f.top + f.bottom) / 2);
    fputs("</svg>\n", out);
}

int prof_write_timeline_svg(const struct prof_timeline *tl, const char *title, FILE *out) {
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    svg(tl, title ? title : "ohm-prof timeline", out, NULL);
    return ferror(out) ? -1 : 0;
}

struct fill {
    const struct prof_timeline *tl;
    const char *title;
};

static void fill(const char *name, size_t len, void *arg, FILE *out) {
    struct fill *fl = arg;
    if (len == 5 && !memcmp(name, "TITLE", 5)) { prof_html_str(out, fl->title); return; }
    if (len != 4) return;
    if (!memcmp(name, "PLOT", 4)) { svg(fl->tl, fl->title, out, NULL); return; }
    if (memcmp(name, "DATA", 4)) return;
    struct frame f;
    layout(fl->tl, &f);
    /* the sample values for the hover readout, and how to turn x into seconds */
    fprintf(out, "{\"left\": %g, \"right\": %g, \"top\": %g, \"bottom\": %g, \"t0\": %g, \"t1\": %g, \"tracing\": %s,\n"
            "\"samples\": [", f.left, f.right, f.top, f.bottom, f.t0, f.t1, fl->tl->tracing ? "true" : "false");
    for (size_t i = 0; i < fl->tl->nsamples; i++) {
        const struct prof_tl_sample *s = &fl->tl->samples[i];
        fprintf(out, "%s[%.17g,%llu,%llu,%llu,%llu,%llu,%llu]", i ? ",\n" : "", T(s->t), (unsigned long long)s->traced,
                (unsigned long long)s->traced_peak, (unsigned long long)s->rss, (unsigned long long)s->arenas,
                (unsigned long long)s->pools, (unsigned long long)s->objects);
    }
    fputs("]}", out);
}

int prof_write_timeline_html(const struct prof_timeline *tl, const char *title, FILE *out) {
    struct fill fl = { tl, title ? title : "ohm-prof timeline" };
    return prof_fill_template(prof_timeline_html, out, fill, &fl);
}
