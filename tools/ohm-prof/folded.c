/*
 * folded.c — collapsed stacks, the text flamegraph.pl, inferno and speedscope read:
 * one line per distinct stack, "root;caller;...;allocator N", where N is the bytes (or
 * blocks) of the traces whose stack is exactly that one. Lines come in the call tree's
 * order (children sorted by function, file, line), so the output is the same for the
 * same snapshot; the numbers add up to the snapshot's total.
 */
#include "prof.h"

#include <math.h>

void prof_frame_name(const ohm_frame *f, FILE *out) {
    /* ';' separates frames and the last space separates the number: keep the line
     * parseable whatever the names hold */
    const char *parts[2] = { f->function, f->filename ? f->filename : "<unknown>" };
    for (int k = 0; k < 2; k++) {
        const char *s = parts[k];
        if (!s) continue;
        if (k == 1 && parts[0]) fputs(" (", out);
        for (; *s; s++) {
            char c = *s;
            if (c == ';') c = ',';
            else if (c == '\n' || c == '\r') c = ' ';
            fputc(c, out);
        }
        if (k == 1) fprintf(out, ":%u%s", f->lineno, parts[0] ? ")" : "");
    }
}

struct walk {
    const ohm_frame *path[OHM_TRACE_MAX_FRAMES + 1];
    enum prof_metric metric;
    FILE *out;
};

static void walk(struct walk *w, const struct prof_node *n, size_t depth) {
    double v = w->metric == PROF_METRIC_COUNT ? n->self_count : n->self_bytes;
    long long iv = llround(v);
    if (iv > 0 && depth > 0) {
        for (size_t i = 0; i < depth; i++) {
            if (i) fputc(';', w->out);
            prof_frame_name(w->path[i], w->out);
        }
        fprintf(w->out, " %lld\n", iv);
    }
    if (depth >= OHM_TRACE_MAX_FRAMES + 1) return;
    for (size_t i = 0; i < n->nkids; i++) {
        w->path[depth] = n->kids[i]->frame;
        walk(w, n->kids[i], depth + 1);
    }
}

int prof_write_folded(const ohm_snapshot *s, enum prof_metric m, int inverted, FILE *out) {
    struct prof_tree t;
    if (prof_tree_build(&t, s, NULL, inverted) < 0) return -1;
    struct walk w = { .metric = m, .out = out };
    walk(&w, &t.root, 0);
    prof_tree_free(&t);
    return ferror(out) ? -1 : 0;
}
