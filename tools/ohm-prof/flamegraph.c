/*
 * flamegraph.c — memray-style flame graph: one self-contained HTML file (no network,
 * no external script), flamegraph.html filled with the call tree as JSON.
 *
 * The data, in the <script id="ohm-data"> element:
 *   {"title", "source", "old", "diff", "inverted", "estimated",
 *    "strings": [file and function names],
 *    "root": [file, line, function, bytes, count, self_bytes, old_bytes, [children]]}
 * where file and function index "strings" (-1: none). The page draws it with one
 * positioned element per frame; what it does with hover, click, search and the
 * orientation is in the template. Frames under 0.1% of the zoomed view are hidden
 * by the page, not dropped here, so zooming in shows them.
 */
#include "prof.h"

#include <stdlib.h>
#include <string.h>

/* Strings by content, numbered in order of first use (two snapshots' interned strings
 * are different pointers for the same text). */
struct strset {
    const char **slot;   /* open addressing; the index is in idx */
    size_t *idx, cap, n;
    const char **order;
};

static size_t str_hash(const char *s) {
    size_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int strset_grow(struct strset *ss) {
    size_t cap = ss->cap ? ss->cap * 2 : 256;
    const char **slot = calloc(cap, sizeof *slot);
    size_t *idx = calloc(cap, sizeof *idx);
    const char **order = realloc(ss->order, cap / 2 * sizeof *order);
    if (!slot || !idx || !order) { free(slot); free(idx); if (order) ss->order = order; return -1; }
    ss->order = order;
    for (size_t i = 0; i < ss->cap; i++) {
        if (!ss->slot[i]) continue;
        size_t j = str_hash(ss->slot[i]) & (cap - 1);
        while (slot[j]) j = (j + 1) & (cap - 1);
        slot[j] = ss->slot[i];
        idx[j] = ss->idx[i];
    }
    free(ss->slot);
    free(ss->idx);
    ss->slot = slot;
    ss->idx = idx;
    ss->cap = cap;
    return 0;
}

static long strset_add(struct strset *ss, const char *s) {
    if (!s) return -1;
    if ((ss->n + 1) * 2 > ss->cap && strset_grow(ss) < 0) return -2;
    size_t j = str_hash(s) & (ss->cap - 1);
    while (ss->slot[j]) {
        if (!strcmp(ss->slot[j], s)) return (long)ss->idx[j];
        j = (j + 1) & (ss->cap - 1);
    }
    ss->slot[j] = s;
    ss->idx[j] = ss->n;
    ss->order[ss->n] = s;
    return (long)ss->n++;
}

static int number_strings(struct strset *ss, const struct prof_node *n) {
    if (n->frame && (strset_add(ss, n->frame->filename) == -2 || strset_add(ss, n->frame->function) == -2))
        return -1;
    for (size_t i = 0; i < n->nkids; i++)
        if (number_strings(ss, n->kids[i]) < 0) return -1;
    return 0;
}

static void put_node(struct strset *ss, const struct prof_node *n, FILE *out) {
    const ohm_frame *f = n->frame;
    fprintf(out, "[%ld,%u,%ld,%.17g,%.17g,%.17g,%.17g,[", f ? strset_add(ss, f->filename) : -1L, f ? f->lineno : 0,
            f ? strset_add(ss, f->function) : -1L, n->bytes, n->count, n->self_bytes, n->old_bytes);
    for (size_t i = 0; i < n->nkids; i++) {
        if (i) fputc(',', out);
        put_node(ss, n->kids[i], out);
    }
    fputs("]]", out);
}

struct fill {
    const struct prof_flame_opts *o;
    const ohm_snapshot *s, *old;
    struct strset *ss;
    const struct prof_tree *t;
};

static void fill(const char *name, size_t len, void *arg, FILE *out) {
    struct fill *f = arg;
    const char *title = f->o->title ? f->o->title : "ohm-prof flame graph";
    if (len == 5 && !memcmp(name, "TITLE", 5)) { prof_html_str(out, title); return; }
    if (len != 4 || memcmp(name, "DATA", 4)) return;
    fputs("{\"title\": ", out);
    prof_json_str(out, title);
    fputs(", \"source\": ", out);
    prof_json_str(out, f->o->source ? f->o->source : "");
    fputs(", \"old\": ", out);
    prof_json_str(out, f->o->old_source ? f->o->old_source : "");
    fprintf(out, ", \"diff\": %s, \"inverted\": %s, \"estimated\": %s,\n\"strings\": [", f->old ? "true" : "false",
            f->o->inverted ? "true" : "false", ohm_snapshot_sample_mean(f->s) ? "true" : "false");
    for (size_t i = 0; i < f->ss->n; i++) {
        if (i) fputc(',', out);
        prof_json_str(out, f->ss->order[i]);
    }
    fputs("],\n\"root\": ", out);
    put_node(f->ss, &f->t->root, out);
    fputc('}', out);
}

int prof_write_flamegraph(const ohm_snapshot *s, const ohm_snapshot *old, const struct prof_flame_opts *o,
                          FILE *out) {
    struct prof_tree t;
    if (prof_tree_build(&t, s, old, o->inverted) < 0) return -1;
    struct strset ss = { 0 };
    int rc = -1;
    if (number_strings(&ss, &t.root) == 0) {
        struct fill f = { o, s, old, &ss, &t };
        rc = prof_fill_template(prof_flamegraph_html, out, fill, &f);
    }
    free(ss.slot);
    free(ss.idx);
    free(ss.order);
    prof_tree_free(&t);
    return rc;
}
