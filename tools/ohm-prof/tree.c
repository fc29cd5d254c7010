/*
 * tree.c — the call tree folded.c and flamegraph.c draw.
 *
 * Every trace's traceback is a path from the oldest frame (the root side) to the
 * newest (where the block was allocated); paths are merged into a tree where frames
 * are equal by content (file, line, function), so equal frames of two snapshots meet
 * in one node (the differential tree of --diff). Each node sums the traces whose path
 * passes through it: the root holds the snapshot's totals. Inverted trees take the
 * paths newest frame first (memray's --inverted: who allocates, then who called it).
 *
 * Children are kept in a growable array and found by a linear search: a node's
 * children are its distinct callees (or callers), a handful in real programs.
 */
#include "prof.h"

#include <stdlib.h>
#include <string.h>

static int frame_cmp(const ohm_frame *a, const ohm_frame *b) {
    int c = strcmp(a->function ? a->function : "", b->function ? b->function : "");
    if (c) return c;
    c = strcmp(a->filename ? a->filename : "", b->filename ? b->filename : "");
    if (c) return c;
    return (a->lineno > b->lineno) - (a->lineno < b->lineno);
}

static struct prof_node *child(struct prof_tree *t, struct prof_node *n, const ohm_frame *f) {
    for (size_t i = 0; i < n->nkids; i++)
        if (!frame_cmp(n->kids[i]->frame, f)) return n->kids[i];
    if (n->nkids == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 4;
        struct prof_node **k = realloc(n->kids, cap * sizeof *k);
        if (!k) return NULL;
        n->kids = k;
        n->cap = cap;
    }
    struct prof_node *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->frame = f;
    n->kids[n->nkids++] = c;
    t->nodes++;
    return c;
}

static int add_traces(struct prof_tree *t, const ohm_snapshot *s, int old) {
    const ohm_trace *tr;
    size_t n = ohm_snapshot_traces(s, &tr);
    for (size_t i = 0; i < n; i++) {
        const ohm_traceback *tb = tr[i].traceback;
        double bytes = (double)tr[i].size, count = tr[i].count;
        struct prof_node *node = &t->root;
        if (old) node->old_bytes += bytes;
        else { node->bytes += bytes; node->count += count; }
        size_t nf = tb ? tb->nframe : 0;
        for (size_t k = 0; k < nf; k++) {
            const ohm_frame *f = &tb->frames[t->inverted ? nf - 1 - k : k];
            node = child(t, node, f);
            if (!node) return -1;
            if (old) node->old_bytes += bytes;
            else { node->bytes += bytes; node->count += count; }
        }
        if (!old) { node->self_bytes += bytes; node->self_count += count; }
    }
    return 0;
}

static int kid_cmp(const void *a, const void *b) {
    return frame_cmp((*(struct prof_node *const *)a)->frame, (*(struct prof_node *const *)b)->frame);
}

static void sort_kids(struct prof_node *n) {
    if (n->nkids > 1) qsort(n->kids, n->nkids, sizeof *n->kids, kid_cmp);
    for (size_t i = 0; i < n->nkids; i++) sort_kids(n->kids[i]);
}

int prof_tree_build(struct prof_tree *t, const ohm_snapshot *s, const ohm_snapshot *old, int inverted) {
    memset(t, 0, sizeof *t);
    t->inverted = inverted;
    t->nodes = 1;
    if (add_traces(t, s, 0) < 0 || (old && add_traces(t, old, 1) < 0)) {
        prof_tree_free(t);
        return -1;
    }
    sort_kids(&t->root);
    return 0;
}

static void free_node(struct prof_node *n) {
    for (size_t i = 0; i < n->nkids; i++) {
        free_node(n->kids[i]);
        free(n->kids[i]);
    }
    free(n->kids);
}

void prof_tree_free(struct prof_tree *t) {
    free_node(&t->root);
    memset(t, 0, sizeof *t);
}
