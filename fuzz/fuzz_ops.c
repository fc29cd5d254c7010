/*
 * fuzz_ops.c — libFuzzer target: byte strings decoded into operations on one heap,
 * run against a reference model kept in plain C data (malloc'ed, outside ohm).
 *
 * The input: byte 0 picks the configuration (bit 0: debug mode); then each operation
 * is an opcode byte followed by the argument bytes it reads (missing bytes read as 0;
 * the input ends the run). The program holds NSLOT object handles and NBLOCK blocks.
 *
 * The model. Every object ever made gets a model record (never reused, so a record's
 * index names one object for the whole run): its kind, whether it lives, ext (the
 * references the program holds: handles, plus the fuzzer's own reference to the
 * graveyard list), and its outgoing edges (list items, tuple items, dict entries, a
 * node's a and b). rc = ext + edges from live objects into it, kept incrementally.
 * What is exactly predictable, and checked after every operation:
 *  - ohm_refcount of every live object equals its rc (cyclic garbage included: it
 *    lives, with its counts, until a collection);
 *  - every live container holds what the model says (read back: list and tuple item
 *    by item, a dict in insertion order through ohm_dict_next, a node's fields); the
 *    graveyard, which finalizers fill in an order that is the collector's business,
 *    as a multiset;
 *  - a node is deallocated exactly when the model says it dies (its dealloc records
 *    its model index), never twice;
 *  - every live weakref: ohm_weakref_get gives its target while the model says the
 *    target lives and the weakref was not cleared, NULL after; each callback ran
 *    exactly as often as the model says (once, when its target died while it lived);
 *    ohm_weakref_count of every live object;
 *  - block contents (a fill pattern per block) before every free and realloc, the
 *    bytes a realloc keeps after it (a failed realloc: the whole block, untouched),
 *    and calloc's zeros;
 *  - ohm_heap_check(h) == 0 every CHECK_EVERY operations and at the end.
 * Deaths: a refcount reaching zero kills an object and cascades through its edges;
 * a full collection (ohm_gc_collect(h, 2)) kills what is unreachable from the roots
 * (ext > 0, or frozen by ohm_gc_freeze), except what a resurrecting finalizer saves:
 * each unreachable, not yet finalized "lazarus" node appends itself to the graveyard
 * list (only inside a collection: outside one it just dies, so that the order of
 * weakref clearing and finalization on the refcount path stays out of the model), and
 * it and all it reaches survive. A frozen object is a root there, yet no reference:
 * when only garbage held it, the collector's clear of the garbage drops its last
 * reference and it dies by refcounting inside the collection (a lazarus node's finalizer,
 * run first on that path, resurrects it with its weakrefs untouched); that cascade is
 * the model's ordinary one. Weakrefs to unreachable nodes and lists are cleared by
 * the collection even when the node is resurrected (the header's contract); weakrefs
 * to ints and strs when they die. The return value is bounded: at least the
 * unreachable nodes and lists, at most all unreachable objects.
 * What the model leaves out, to stay exact: collections of generations 0 and 1 run
 * only when the model has no unreachable objects (then they must return 0 and kill
 * nothing); weakrefs are held only by handles (never by containers) and target
 * nodes, lists, ints and strs (whether a tuple or dict is tracked decides whether a
 * collection clears its weakrefs); the automatic collector is off.
 * Fault injection: a FAULT operation makes the next operation run with
 * ohmi_alloc_fail_after(h, n); a failing call must return its error with a non-empty
 * ohm_last_error and change nothing the model can see; success applies as usual.
 * Any divergence: a message and abort().
 *
 * Built with -DOHM_FUZZ_REPLAY it is a plain program replaying files (fuzz_replay.h).
 */
#include "ohm.h"
#include "alloc/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...) do { fprintf(stderr, "fuzz_ops: op %zu: ", op_index); \
                       fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); abort(); } while (0)

enum { NSLOT = 12, NBLOCK = 8, MAXOBJ = 384, MAXOPS = 3000, CHECK_EVERY = 32 };
enum kind { K_INT, K_STR, K_TUPLE, K_LIST, K_DICT, K_NODE, K_LAZARUS, K_WEAKREF };

typedef struct mobj {
    ohm_object *p;
    enum kind kind;
    int live, frozen, finalized;
    long ext, rc;
    int64_t ival;            /* K_INT */
    char text[12];           /* K_STR, NUL-terminated */
    int *edges;              /* list/tuple items, node a,b; dict: key,value pairs; -1: NULL */
    size_t nedge, cap;
    int target, has_cb, cleared;  /* K_WEAKREF */
    long cb_expected, cb_seen;
    int dealloc_seen;        /* nodes: times dealloc ran */
    int mark;
} mobj;

static mobj objs[MAXOBJ];
static size_t nobj;
static int slots[NSLOT];
static int grave = -1;                  /* the graveyard list's index */
static ohm_heap *heap;
static int in_collect;
static int resurrect_on;                /* off at the end, once the graveyard goes */
static size_t op_index;
static struct { unsigned char *p; size_t n; unsigned char fill; } blocks[NBLOCK];

/* ---------------------------------------------------------------- user GC types */

typedef struct node { ohm_object ob; ohm_object *a, *b; long id; } node;

static int node_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    node *n = (node *)self;
    if (n->a && visit(n->a, arg)) return 1;
    if (n->b && visit(n->b, arg)) return 1;
    return 0;
}
static int node_clear(ohm_object *self) {
    node *n = (node *)self;
    ohm_object *a = n->a, *b = n->b;
    n->a = n->b = NULL;
    ohm_xdecref(a);
    ohm_xdecref(b);
    return 0;
}
static void node_dealloc(ohm_object *self) {
    node *n = (node *)self;
    if (n->id >= 0 && (size_t)n->id < nobj) objs[n->id].dealloc_seen++;
    node_clear(self);
}
/* Resurrects itself into the graveyard, inside a collection only (see the opening). */
static void lazarus_finalize(ohm_object *self) {
    if (in_collect && resurrect_on)
        if (ohm_list_append(objs[grave].p, self) != 0) FAIL("graveyard append failed: %s", ohm_last_error(heap));
}
static const ohm_type node_type = {
    .name = "fznode", .basicsize = sizeof(node), .flags = OHM_TYPE_GC,
    .traverse = node_traverse, .clear = node_clear, .dealloc = node_dealloc,
};
static const ohm_type lazarus_type = {
    .name = "fzlazarus", .basicsize = sizeof(node), .flags = OHM_TYPE_GC,
    .traverse = node_traverse, .clear = node_clear, .finalize = lazarus_finalize,
    .dealloc = node_dealloc,
};

static void weak_cb(ohm_object *ref, void *arg) {
    long id = (long)(intptr_t)arg;
    if (id < 0 || (size_t)id >= nobj || objs[id].p != ref) FAIL("weakref callback with a wrong ref");
    objs[id].cb_seen++;
}

/* ---------------------------------------------------------------- the model */

static int is_node(const mobj *m) { return m->kind == K_NODE || m->kind == K_LAZARUS; }

static void edge_push(mobj *m, int to) {
    if (m->nedge == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4;
        m->edges = realloc(m->edges, m->cap * sizeof *m->edges);
        if (!m->edges) FAIL("model out of memory");
    }
    m->edges[m->nedge++] = to;
}

static void model_kill(int id);

/* A not yet finalized lazarus node's finalizer: inside a collection (and while the
 * graveyard stands) it appends the node to the graveyard, which keeps it alive. */
static int model_finalize(int id) {
    mobj *m = &objs[id];
    if (m->kind != K_LAZARUS || m->finalized || !in_collect || !resurrect_on) return 0;
    m->finalized = 1;
    edge_push(&objs[grave], id);
    m->rc++;
    return 1;
}

/* A count reaching zero: the release path runs the finalizer first (PEP 442), so a
 * resurrected node keeps its weakrefs; otherwise it dies. */
static void model_unref(int id) {
    if (id < 0) return;
    mobj *m = &objs[id];
    if (!m->live || m->rc <= 0) FAIL("model: unref of #%d (live %d rc %ld)", id, m->live, m->rc);
    if (--m->rc == 0 && !model_finalize(id)) model_kill(id);
}
static void model_ref(int id) { if (id >= 0) objs[id].rc++; }

/* id dies: weakrefs to it cleared (callbacks of live ones counted), edges dropped. */
static void model_kill(int id) {
    mobj *m = &objs[id];
    m->live = 0;
    for (size_t i = 0; i < nobj; i++)
        if (objs[i].live && objs[i].kind == K_WEAKREF && objs[i].target == id && !objs[i].cleared) {
            objs[i].cleared = 1;
            if (objs[i].has_cb) objs[i].cb_expected++;
        }
    size_t n = m->nedge;
    m->nedge = 0;
    for (size_t i = 0; i < n; i++) model_unref(m->edges[i]);
}

static int new_record(enum kind k) {
    if (nobj == MAXOBJ) return -1;
    mobj *m = &objs[nobj];
    memset(m, 0, sizeof *m);
    m->kind = k;
    m->target = -1;
    return (int)nobj++;
}
static void record_commit(int id, ohm_object *p) {
    mobj *m = &objs[id];
    m->p = p;
    m->live = 1;
    for (size_t i = 0; i < nobj; i++)
        if ((int)i != id && objs[i].live && objs[i].p == p) FAIL("new object %p is live #%zu's address", (void *)p, i);
}

/* Handle slot s takes a reference to id (the reference exists already on the ohm side). */
static void slot_store(int s, int id) {
    int old = slots[s];
    slots[s] = id;
    if (id >= 0) { objs[id].ext++; objs[id].rc++; }
    if (old >= 0) {
        objs[old].ext--;
        ohm_object *op = objs[old].p;
        model_unref(old);
        ohm_decref(op);
    }
}

static int keys_equal(const mobj *a, const mobj *b) {
    if (a->kind != b->kind) return 0;
    if (a->kind == K_INT) return a->ival == b->ival;
    return strcmp(a->text, b->text) == 0;
}

/* --------------------------------------------------------------- checks */

static size_t wcount[MAXOBJ];

/* The type's name for a report: the object may be freed (a NULL or tagged type word). */
static const char *tname(const ohm_object *o) {
    const ohm_type *t = ohm_type_of(o);
    return !t || ((uintptr_t)t & 1) ? "a freed object" : t->name;
}

static void check_object(int id) {
    mobj *m = &objs[id];
    if (ohm_refcount(m->p) != (size_t)m->rc)
        FAIL("#%d (%s, model kind %d) refcount %zu, model %ld", id, tname(m->p), (int)m->kind,
             ohm_refcount(m->p), m->rc);
    size_t nw = wcount[id];
    if (m->kind != K_WEAKREF && ohm_weakref_count(m->p) != nw)
        FAIL("#%d weakref count %zu, model %zu", id, ohm_weakref_count(m->p), nw);
    switch (m->kind) {
    case K_LIST:
        if (id == grave) {
            size_t n = ohm_list_len(m->p);
            if (n != m->nedge) FAIL("graveyard holds %zu, model %zu", n, m->nedge);
            for (size_t i = 0; i < nobj; i++) objs[i].mark = 0;
            for (size_t i = 0; i < m->nedge; i++) objs[m->edges[i]].mark++;
            for (size_t i = 0; i < n; i++) {
                ohm_object *it = ohm_list_get(m->p, i);
                size_t j;
                for (j = 0; j < nobj; j++)
                    if (objs[j].live && objs[j].p == it && objs[j].mark > 0) { objs[j].mark--; break; }
                if (j == nobj) FAIL("graveyard item %zu is not in the model's graveyard", i);
            }
            break;
        }
        if (ohm_list_len(m->p) != m->nedge) FAIL("list #%d len %zu, model %zu", id, ohm_list_len(m->p), m->nedge);
        for (size_t i = 0; i < m->nedge; i++)
            if (ohm_list_get(m->p, i) != objs[m->edges[i]].p) FAIL("list #%d item %zu differs", id, i);
        break;
    case K_TUPLE:
        if (ohm_tuple_len(m->p) != m->nedge) FAIL("tuple #%d len %zu, model %zu", id, ohm_tuple_len(m->p), m->nedge);
        for (size_t i = 0; i < m->nedge; i++) {
            ohm_object *want = m->edges[i] >= 0 ? objs[m->edges[i]].p : NULL;
            if (ohm_tuple_get(m->p, i) != want) FAIL("tuple #%d item %zu differs", id, i);
        }
        break;
    case K_DICT: {
        if (ohm_dict_len(m->p) != m->nedge / 2) FAIL("dict #%d len %zu, model %zu", id, ohm_dict_len(m->p), m->nedge / 2);
        size_t pos = 0, i = 0;
        ohm_object *k, *v;
        while (ohm_dict_next(m->p, &pos, &k, &v)) {
            if (i + 1 >= m->nedge) FAIL("dict #%d has more entries than the model", id);
            if (k != objs[m->edges[i]].p || v != objs[m->edges[i + 1]].p) FAIL("dict #%d entry %zu differs", id, i / 2);
            i += 2;
        }
        if (i != m->nedge) FAIL("dict #%d walk gave %zu entries, model %zu", id, i / 2, m->nedge / 2);
        break;
    }
    case K_NODE: case K_LAZARUS: {
        node *n = (node *)m->p;
        ohm_object *a = m->edges[0] >= 0 ? objs[m->edges[0]].p : NULL;
        ohm_object *b = m->edges[1] >= 0 ? objs[m->edges[1]].p : NULL;
        if (n->a != a || n->b != b) FAIL("node #%d fields differ", id);
        if (m->dealloc_seen) FAIL("node #%d deallocated, model says it lives", id);
        break;
    }
    case K_WEAKREF: {
        ohm_object *t = ohm_weakref_get(m->p);
        int alive = !m->cleared && m->target >= 0 && objs[m->target].live;
        if (alive != (t != NULL) || (t && t != objs[m->target].p))
            FAIL("weakref #%d gives %p, model %s", id, (void *)t, alive ? "its target" : "NULL");
        if (t) ohm_decref(t);
        if (m->cb_seen != m->cb_expected) FAIL("weakref #%d callback ran %ld times, model %ld", id, m->cb_seen, m->cb_expected);
        break;
    }
    default:
        break;
    }
}

static void check_all(int deep) {
    memset(wcount, 0, sizeof wcount);
    for (size_t i = 0; i < nobj; i++)
        if (objs[i].live && objs[i].kind == K_WEAKREF && objs[i].target >= 0 && !objs[i].cleared) wcount[objs[i].target]++;
    for (size_t i = 0; i < nobj; i++) {
        if (objs[i].live) check_object((int)i);
        else if (is_node(&objs[i]) && objs[i].p && objs[i].dealloc_seen != 1)
            FAIL("node #%zu dead in the model, deallocated %d times", i, objs[i].dealloc_seen);
    }
    if (deep && ohm_heap_check(heap, stderr) != 0) FAIL("ohm_heap_check failed");
}

/* ------------------------------------------------------------- collections */

static void mark_from(int id) {
    if (id < 0 || objs[id].mark) return;
    objs[id].mark = 1;
    for (size_t i = 0; i < objs[id].nedge; i++) mark_from(objs[id].edges[i]);
}

/* Marks what is reachable from the roots; returns the number of unreachable objects. */
static size_t mark_reachable(void) {
    for (size_t i = 0; i < nobj; i++) objs[i].mark = 0;
    for (size_t i = 0; i < nobj; i++)
        if (objs[i].live && (objs[i].ext > 0 || objs[i].frozen)) mark_from((int)i);
    size_t n = 0;
    for (size_t i = 0; i < nobj; i++) n += objs[i].live && !objs[i].mark;
    return n;
}

static void full_collect(int gen) {
    in_collect = 1;     /* the model's deaths below are the collection's */
    size_t ngarbage = mark_reachable(), lo = 0;
    int *garbage = malloc((nobj + 1) * sizeof *garbage);
    size_t ng = 0;
    for (size_t i = 0; i < nobj; i++)
        if (objs[i].live && !objs[i].mark) {
            garbage[ng++] = (int)i;
            lo += is_node(&objs[i]) || objs[i].kind == K_LIST;
        }
    /* weakrefs to unreachable nodes and lists: cleared at once, resurrected or not */
    for (size_t g = 0; g < ng; g++) {
        mobj *t = &objs[garbage[g]];
        if (!is_node(t) && t->kind != K_LIST) continue;
        for (size_t i = 0; i < nobj; i++)
            if (objs[i].live && objs[i].kind == K_WEAKREF && objs[i].target == garbage[g] && !objs[i].cleared) {
                objs[i].cleared = 1;
                if (objs[i].has_cb) objs[i].cb_expected++;
            }
    }
    /* finalizers: the lazarus nodes not finalized yet go to the graveyard */
    for (size_t g = 0; g < ng; g++) model_finalize(garbage[g]);
    /* what stays unreachable dies; its edges go (refcounts of survivors drop) */
    mark_reachable();
    for (size_t g = 0; g < ng; g++) if (!objs[garbage[g]].mark) objs[garbage[g]].live = 0;
    for (size_t g = 0; g < ng; g++) {
        mobj *t = &objs[garbage[g]];
        if (t->mark) continue;
        for (size_t i = 0; i < nobj; i++)
            if (objs[i].live && objs[i].kind == K_WEAKREF && objs[i].target == garbage[g] && !objs[i].cleared) {
                objs[i].cleared = 1;
                if (objs[i].has_cb) objs[i].cb_expected++;
            }
        /* Edges into fellow garbage go with it. A survivor can lose its last reference
         * here: a frozen object (a root of the marking, yet counted by nothing) that
         * only garbage held. The collector's clear drops that reference and it dies by
         * refcounting, taking what it alone holds (or, a lazarus node, resurrects). */
        size_t n = t->nedge;
        t->nedge = 0;
        for (size_t e = 0; e < n; e++)
            if (t->edges[e] >= 0 && objs[t->edges[e]].live) model_unref(t->edges[e]);
    }
    size_t got = ohm_gc_collect(heap, gen);
    in_collect = 0;
    if (got < lo || got > ngarbage)
        FAIL("ohm_gc_collect found %zu unreachable, model between %zu and %zu", got, lo, ngarbage);
    free(garbage);
}

/* ---------------------------------------------------------------- decoding */

static const uint8_t *in;
static size_t in_left;

static unsigned byte(void) {
    if (!in_left) return 0;
    in_left--;
    return *in++;
}

static int slot_obj(unsigned b) { return slots[b % NSLOT]; }

static void expect_failure(const char *what, int failed, int faulting) {
    if (!failed) return;
    if (!faulting) FAIL("%s failed without a fault: %s", what, ohm_last_error(heap));
    if (!ohm_last_error(heap)[0]) FAIL("%s failed with an empty ohm_last_error", what);
}

static void block_check(int b) {
    for (size_t i = 0; i < blocks[b].n; i++)
        if (blocks[b].p[i] != (unsigned char)(blocks[b].fill + i))
            FAIL("block %d byte %zu changed", b, i);
}
static void block_fill(int b, size_t from) {
    for (size_t i = from; i < blocks[b].n; i++) blocks[b].p[i] = (unsigned char)(blocks[b].fill + i);
}

static void trace_op(unsigned sub) {
    switch (sub % 4) {
    case 0: {
        int n = 1 + (int)(byte() % 4);
        if (ohm_trace_start(heap, n) != 0) FAIL("ohm_trace_start(%d): %s", n, ohm_last_error(heap));
        return;
    }
    case 1: ohm_trace_stop(heap); return;
    default: {
        if (!ohm_trace_is_tracing(heap)) return;
        ohm_snapshot *s = ohm_snapshot_take(heap);
        if (!s) FAIL("ohm_snapshot_take: %s", ohm_last_error(heap));
        ohm_stat *st;
        size_t n = ohm_snapshot_statistics(s, OHM_KEY_LINENO, sub & 4 ? 1 : 0, &st);
        ohm_stats_free(st);
        (void)n;
        char path[64];
        snprintf(path, sizeof path, "/tmp/ohm_fuzz_ops_%ld.bin", (long)getpid());
        if (ohm_snapshot_dump(s, path) != 0) FAIL("ohm_snapshot_dump failed");
        char err[256];
        ohm_snapshot *l = ohm_snapshot_load(path, err, sizeof err);
        unlink(path);
        if (!l) FAIL("a fresh dump does not load: %s", err);
        const ohm_trace *t;
        if (ohm_snapshot_traces(s, &t) != ohm_snapshot_traces(l, &t)) FAIL("trace count changed by dump/load");
        for (int k = 0; k < 3; k++) {
            size_t a = ohm_snapshot_compare(l, s, (ohm_key)k, 0, &st);
            for (size_t i = 0; i < a; i++)
                if (st[i].size_diff || st[i].count_diff) FAIL("dump/load changed statistic %zu of key %d", i, k);
            ohm_stats_free(st);
        }
        ohm_snapshot_free(l);
        ohm_snapshot_free(s);
        return;
    }
    }
}

/* One operation; faulting: allocations fail after the first few (set by the caller). */
static void run_op(unsigned opc, int faulting) {
    unsigned a = byte(), b = byte();
    int s = (int)(a % NSLOT);
    switch (opc % 22) {
    case 0: case 1: { /* new int / str */
        int str = opc % 22 == 1;
        int id = new_record(str ? K_STR : K_INT);
        if (id < 0) return;
        ohm_object *o;
        if (str) {
            size_t n = 2 + b % 6;
            for (size_t i = 0; i < n; i++) objs[id].text[i] = (char)('a' + (b >> (i % 4)) % 3);
            o = ohm_str_new(heap, objs[id].text, n);
        } else {
            objs[id].ival = 1000 + (int64_t)(b % 16);
            o = ohm_int_new(heap, objs[id].ival);
        }
        expect_failure("new int/str", !o, faulting);
        if (!o) { nobj--; return; }
        record_commit(id, o);
        slot_store(s, id);
        return;
    }
    case 2: case 3: case 4: case 5: case 6: { /* new tuple, list, dict, node, lazarus */
        static const enum kind kinds[] = { K_TUPLE, K_LIST, K_DICT, K_NODE, K_LAZARUS };
        enum kind k = kinds[opc % 22 - 2];
        int id = new_record(k);
        if (id < 0) return;
        ohm_object *o;
        size_t n = 1 + b % 4;
        if (k == K_TUPLE) o = ohm_tuple_new(heap, n);
        else if (k == K_LIST) o = ohm_list_new(heap);
        else if (k == K_DICT) o = ohm_dict_new(heap);
        else o = ohm_new(heap, k == K_NODE ? &node_type : &lazarus_type);
        expect_failure("new container", !o, faulting);
        if (!o) { nobj--; return; }
        if (k == K_TUPLE) for (size_t i = 0; i < n; i++) edge_push(&objs[id], -1);
        if (is_node(&objs[id])) { ((node *)o)->id = id; edge_push(&objs[id], -1); edge_push(&objs[id], -1); }
        record_commit(id, o);
        slot_store(s, id);
        return;
    }
    case 7: { /* weakref to a node, list, int or str, with or without a callback */
        int t = slot_obj(b);
        if (t < 0) return;
        enum kind tk = objs[t].kind;
        if (tk != K_NODE && tk != K_LAZARUS && tk != K_LIST && tk != K_INT && tk != K_STR) return;
        int cb = (a / NSLOT) & 1;
        int shared = -1;
        if (!cb)
            for (size_t i = 0; i < nobj; i++)
                if (objs[i].live && objs[i].kind == K_WEAKREF && objs[i].target == t && !objs[i].cleared && !objs[i].has_cb)
                    shared = (int)i;
        int id = shared >= 0 ? shared : new_record(K_WEAKREF);
        if (id < 0) return;
        ohm_object *w = ohm_weakref_new(heap, objs[t].p, cb ? weak_cb : NULL, (void *)(intptr_t)id);
        expect_failure("ohm_weakref_new", !w, faulting);
        if (!w) { if (shared < 0) nobj--; return; }
        if (shared >= 0) {
            if (w != objs[shared].p) FAIL("callback-less weakref not shared");
        } else {
            objs[id].target = t;
            objs[id].has_cb = cb;
            record_commit(id, w);
        }
        slot_store(s, id);
        return;
    }
    case 8: { /* dup: slot s takes another reference to slot b's object */
        int id = slot_obj(b);
        if (id < 0) return;
        ohm_incref(objs[id].p);
        slot_store(s, id);
        return;
    }
    case 9: /* drop */
        slot_store(s, -1);
        return;
    case 10: { /* list append */
        int l = slots[s], it = slot_obj(b);
        if (l < 0 || it < 0 || objs[l].kind != K_LIST || objs[it].kind == K_WEAKREF) return;
        int rc = ohm_list_append(objs[l].p, objs[it].p);
        expect_failure("ohm_list_append", rc != 0, faulting);
        if (rc == 0) { edge_push(&objs[l], it); model_ref(it); }
        return;
    }
    case 11: { /* list set */
        int l = slots[s], it = slot_obj(b);
        unsigned i = byte();
        if (l < 0 || it < 0 || objs[l].kind != K_LIST || objs[it].kind == K_WEAKREF || !objs[l].nedge) return;
        i %= (unsigned)objs[l].nedge;
        if (ohm_list_set(objs[l].p, i, objs[it].p) != 0) FAIL("ohm_list_set: %s", ohm_last_error(heap));
        int old = objs[l].edges[i];
        objs[l].edges[i] = it;
        model_ref(it);
        model_unref(old);
        return;
    }
    case 12: { /* list pop into slot b */
        int l = slots[s];
        if (l < 0 || objs[l].kind != K_LIST) return;
        ohm_object *o = ohm_list_pop(objs[l].p);
        if (!objs[l].nedge) {
            if (o || !ohm_last_error(heap)[0]) FAIL("pop from an empty list gave %p", (void *)o);
            return;
        }
        int it = objs[l].edges[--objs[l].nedge];
        if (o != objs[it].p) FAIL("ohm_list_pop gave the wrong item");
        objs[it].rc--;                 /* the list's reference becomes the slot's */
        slot_store((int)(b % NSLOT), it);
        return;
    }
    case 13: { /* tuple set */
        int t = slots[s], it = slot_obj(b);
        unsigned i = byte();
        if (t < 0 || it < 0 || objs[t].kind != K_TUPLE || objs[it].kind == K_WEAKREF) return;
        i %= (unsigned)objs[t].nedge;
        if (ohm_tuple_set(objs[t].p, i, objs[it].p) != 0) FAIL("ohm_tuple_set: %s", ohm_last_error(heap));
        int old = objs[t].edges[i];
        objs[t].edges[i] = it;
        model_ref(it);
        model_unref(old);
        return;
    }
    case 14: case 15: case 16: { /* dict set / del / get; keys are ints and strs */
        int d = slots[s], k = slot_obj(b), v = slot_obj(byte());
        if (d < 0 || k < 0 || objs[d].kind != K_DICT || (objs[k].kind != K_INT && objs[k].kind != K_STR)) return;
        mobj *m = &objs[d];
        size_t e;
        for (e = 0; e < m->nedge; e += 2) if (keys_equal(&objs[m->edges[e]], &objs[k])) break;
        int found = e < m->nedge;
        if (opc % 22 == 14) {
            if (v < 0 || objs[v].kind == K_WEAKREF) return;
            int rc = ohm_dict_set(m->p, objs[k].p, objs[v].p);
            expect_failure("ohm_dict_set", rc != 0, faulting);
            if (rc != 0) return;
            model_ref(v);
            if (found) { int old = m->edges[e + 1]; m->edges[e + 1] = v; model_unref(old); }
            else { edge_push(m, k); edge_push(&objs[d], v); model_ref(k); }
        } else if (opc % 22 == 15) {
            int rc = ohm_dict_del(m->p, objs[k].p);
            if ((rc == 0) != found) FAIL("ohm_dict_del returned %d, model: %s", rc, found ? "present" : "absent");
            if (!found) return;
            int ok = m->edges[e], ov = m->edges[e + 1];
            memmove(&m->edges[e], &m->edges[e + 2], (m->nedge - e - 2) * sizeof *m->edges);
            m->nedge -= 2;
            model_unref(ok);
            model_unref(ov);
        } else {
            ohm_object *got = ohm_dict_get(m->p, objs[k].p);
            if (got != (found ? objs[m->edges[e + 1]].p : NULL)) FAIL("ohm_dict_get differs");
        }
        return;
    }
    case 17: { /* node field a or b := slot b's object (or NULL) */
        int n = slots[s], it = slot_obj(b);
        if (n < 0 || !is_node(&objs[n])) return;
        if (it >= 0 && objs[it].kind == K_WEAKREF) return;
        if ((b / NSLOT) % 3 == 2) it = -1;
        int f = (a / NSLOT) & 1;
        node *nd = (node *)objs[n].p;
        ohm_object **field = f ? &nd->b : &nd->a, *oldp = *field;
        ohm_object *np = it >= 0 ? objs[it].p : NULL;
        ohm_xincref(np);
        *field = np;
        int old = objs[n].edges[f];
        objs[n].edges[f] = it;
        model_ref(it);
        model_unref(old);
        ohm_xdecref(oldp);
        return;
    }
    case 18: { /* collect */
        int gen = (int)(b % 4) - 1;
        if (gen == 2 || gen == -1) { full_collect(gen); return; }
        if (mark_reachable() != 0) return;   /* partial collections: only when exact */
        in_collect = 1;
        size_t got = ohm_gc_collect(heap, gen);
        in_collect = 0;
        if (got) FAIL("ohm_gc_collect(%d) found %zu unreachable, model none", gen, got);
        return;
    }
    case 19: /* freeze / unfreeze */
        if (b & 1) {
            ohm_gc_unfreeze(heap);
            for (size_t i = 0; i < nobj; i++) objs[i].frozen = 0;
        } else {
            ohm_gc_freeze(heap);
            size_t n = 0;
            for (size_t i = 0; i < nobj; i++)
                if (objs[i].live && ohm_gc_is_tracked(objs[i].p)) objs[i].frozen = 1;
            for (size_t i = 0; i < nobj; i++) n += objs[i].live && objs[i].frozen;
            if (ohm_gc_get_freeze_count(heap) != n)
                FAIL("freeze count %zu, model %zu", ohm_gc_get_freeze_count(heap), n);
        }
        return;
    case 20: { /* blocks: malloc, calloc, realloc, free */
        int k = (int)(a % NBLOCK);
        size_t n = (size_t)b * (b & 1 ? 9 : 1);
        switch ((a / NBLOCK) % 4) {
        case 0: case 1: {
            if (blocks[k].p) return;
            int z = (a / NBLOCK) % 4 == 1;
            unsigned char *p = z ? ohm_calloc(heap, 1, n) : ohm_malloc(heap, n);
            expect_failure("ohm_malloc/calloc", !p, faulting);
            if (!p) return;
            if (z) for (size_t i = 0; i < n; i++) if (p[i]) FAIL("ohm_calloc byte %zu not zero", i);
            blocks[k].p = p;
            blocks[k].n = n;
            blocks[k].fill = (unsigned char)(op_index * 7);
            block_fill(k, 0);
            return;
        }
        case 2: {
            if (!blocks[k].p) return;
            block_check(k);
            unsigned char *p = ohm_realloc(heap, blocks[k].p, n);
            expect_failure("ohm_realloc", !p, faulting);
            if (!p) { block_check(k); return; }
            size_t old = blocks[k].n;
            blocks[k].p = p;
            blocks[k].n = n < old ? n : old;
            block_check(k);
            blocks[k].n = n;
            block_fill(k, old < n ? old : n);
            return;
        }
        default:
            if (!blocks[k].p) return;
            block_check(k);
            ohm_free(heap, blocks[k].p);
            blocks[k].p = NULL;
            return;
        }
    }
    default: { /* 21: graveyard pop into a slot, or tracing */
        if (a & 1) { trace_op(b); return; }
        mobj *g = &objs[grave];
        if (!g->nedge) return;
        ohm_object *o = ohm_list_pop(g->p);
        size_t i;
        for (i = 0; i < g->nedge; i++) if (objs[g->edges[i]].p == o) break;
        if (i == g->nedge) FAIL("graveyard pop gave an object not in the model's graveyard");
        int it = g->edges[i];
        g->edges[i] = g->edges[--g->nedge];
        objs[it].rc--;
        slot_store(s, it);
        return;
    }
    }
}

static void run(const uint8_t *data, size_t size) {
    in = data;
    in_left = size;
    unsigned cfgb = byte();
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.debug = cfgb & 1;
    cfg.gc_enabled = 0;
    heap = ohm_heap_new(&cfg);
    if (!heap) FAIL("ohm_heap_new: %s", ohm_last_error(NULL));
    ohm_gc_disable(heap);
    nobj = 0;
    for (int i = 0; i < NSLOT; i++) slots[i] = -1;
    memset(blocks, 0, sizeof blocks);
    resurrect_on = 1;
    grave = new_record(K_LIST);
    ohm_object *gl = ohm_list_new(heap);
    if (!gl) FAIL("graveyard");
    record_commit(grave, gl);
    objs[grave].ext = objs[grave].rc = 1;
    for (op_index = 0; in_left && op_index < MAXOPS; op_index++) {
        unsigned opc = byte();
        if (opc >= 0xF0) {   /* fault: the next operation with allocations failing */
            long n = (long)(opc & 3);
            opc = byte();
            unsigned c = opc % 22;
            int safe = c <= 7 || c == 10 || c == 14 || c == 20;
            if (safe) ohmi_alloc_fail_after(heap, n);
            run_op(opc, safe);
            if (safe) ohmi_alloc_fail_after(heap, -1);
        } else {
            run_op(opc, 0);
        }
        check_all(op_index % CHECK_EVERY == 0);
    }
    /* the end: drop everything; a full collection must leave no node alive */
    ohm_trace_stop(heap);
    ohm_gc_unfreeze(heap);
    for (size_t i = 0; i < nobj; i++) objs[i].frozen = 0;
    for (int i = 0; i < NSLOT; i++) slot_store(i, -1);
    for (int k = 0; k < NBLOCK; k++) if (blocks[k].p) { block_check(k); ohm_free(heap, blocks[k].p); }
    full_collect(2);
    check_all(1);
    resurrect_on = 0;
    objs[grave].ext = 0;
    ohm_object *gp = objs[grave].p;
    model_unref(grave);
    ohm_decref(gp);
    full_collect(2);
    check_all(1);
    for (size_t i = 0; i < nobj; i++)
        if (objs[i].live) FAIL("#%zu alive at the end with rc %ld", i, objs[i].rc);
    ohm_heap_destroy(heap);
    heap = NULL;
    for (size_t i = 0; i < nobj; i++) free(objs[i].edges);
    nobj = 0;
    grave = -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    run(data, size);
    return 0;
}

#include "fuzz_replay.h"
