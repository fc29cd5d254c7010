/*
 * tour.c — ohm in the order a Python programmer learns memory management:
 *
 *    1. the private heap           5. compact objects (__slots__)    9. why is it alive?
 *    2. reference counts           6. cycles and the collector      10. the top five lines
 *    3. small ints and interning   7. weak references               11. what grew
 *    4. free lists                 8. freeze                        12. memory over time
 *
 *   tour [OUTDIR]      (default "out"; `make demo` runs `build/examples/tour build/out`)
 *
 * The whole run is recorded from the start (ohm_timeline_start, a scope per chapter,
 * marks at the moments worth seeing) and, from chapter 2 on, every allocation is traced
 * (ohm_trace_start), so that the tour leaves what ohm-prof draws: OUTDIR/tour.ohmtl (the
 * timeline), OUTDIR/tour-before.ohmsnap and OUTDIR/tour.ohmsnap (the snapshots of
 * chapters 10 and 11). `make demo` then runs examples/demo.sh, which turns them into a
 * flame graph, a timeline plot and a line listing, and runs examples/wordfreq.c.
 * Each Python line in the output is what the C beside it does.
 */
#define _POSIX_C_SOURCE 200809L   /* mkdir, stat, sysconf */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ohm.h"

/* ------------------------------------------------------------------ helpers */

static ohm_heap *H;            /* the tour's one heap */
static size_t marks;           /* timeline marks made */
static char out_dir[512];

static void fail(const char *what) {
    fprintf(stderr, "tour: %s: %s\n", what, ohm_last_error(H));
    exit(1);
}
/* Every constructor below is checked: a tour that ran out of memory says where. */
static ohm_object *ok(ohm_object *o, const char *what) {
    if (!o) fail(what);
    return o;
}

/* 1234567 -> "1,234,567", in one of eight rotating buffers (several per printf). */
static const char *num(size_t v) {
    static char bufs[8][32];
    static int next;
    char *b = bufs[next++ & 7], tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%zu", v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) b[o++] = ',';
        b[o++] = tmp[i];
    }
    b[o] = '\0';
    return b;
}

static const char *out_path(const char *name) {
    static char bufs[4][640];
    static int next;
    char *b = bufs[next++ & 3];
    snprintf(b, sizeof bufs[0], "%s/%s", out_dir, name);
    return b;
}

static void mark(const char *label) {
    ohm_timeline_mark(H, label);
    marks++;
}

static size_t bytes_in_blocks(void) {
    ohm_heap_stats st;
    ohm_heap_stats_get(H, &st);
    return st.bytes_in_blocks + st.large_bytes;
}

/* Resident memory of this process in KiB (Linux; 0 elsewhere). */
static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ------------------------------------------------- the tour's call stack
 *
 * The tracer names each block by the line that allocated it (the ohm.h macros record
 * it); beyond that line it walks the native stack, which names a static program's own
 * functions only when ohm was built with libdw. So that the flame graph shows who
 * called whom on any machine, the tour keeps its own stack of calling lines, as an
 * interpreter keeps its frames, and hands it to the tracer with
 * ohm_trace_set_frame_provider. CALL(stmt) runs stmt with the calling line pushed. */

enum { STACK_MAX = 16 };
static struct { const char *function; unsigned line; } stack[STACK_MAX];
static size_t depth;
static void push_frame(const char *function, unsigned line) {
    if (depth < STACK_MAX) { stack[depth].function = function; stack[depth].line = line; }
    depth++;
}
#define CALL(...) do { push_frame(__func__, __LINE__); __VA_ARGS__; depth--; } while (0)

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Newest frame first: the allocating line (from the call-site record the ohm.h macro
 * left in ohm_callsite_), then the calling lines of the stack. */
static size_t tour_frames(void *arg, ohm_frame *frames, size_t max) {
    (void)arg;
    const ohm_callsite_frame *cs = ohm_callsite_;
    size_t n = 0, shown = depth < STACK_MAX ? depth : STACK_MAX;
    if (cs && n < max)
        frames[n++] = (ohm_frame){ base_name(cs->site->file), cs->site->line, cs->site->function };
    for (size_t i = shown; i-- > 0 && n < max;)
        frames[n++] = (ohm_frame){ base_name(__FILE__), stack[i].line, stack[i].function };
    return shown + (cs != NULL);
}

/* ------------------------------------------------ fixed-layout types
 *
 * A struct with three reference fields: a Python class with __slots__, in C. One
 * traverse, clear, dealloc and edge_name serve every such type; the field names, for
 * ohm_gc_explain, come with the type. */

typedef struct obj3 { ohm_object ob; ohm_object *f[3]; } obj3;
typedef struct tour_type { ohm_type t; const char *field[3]; } tour_type;

static int obj3_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    obj3 *o = (obj3 *)self;
    for (int i = 0; i < 3; i++)
        if (o->f[i]) { int r = visit(o->f[i], arg); if (r) return r; }
    return 0;
}
static int obj3_clear(ohm_object *self) {
    obj3 *o = (obj3 *)self;
    for (int i = 0; i < 3; i++) { ohm_object *x = o->f[i]; o->f[i] = NULL; ohm_xdecref(x); }
    return 0;
}
static void obj3_dealloc(ohm_object *self) { obj3_clear(self); }
static int obj3_edge_name(ohm_object *self, const ohm_object *ref, char *buf, size_t len) {
    const tour_type *t = (const tour_type *)ohm_type_of(self);
    obj3 *o = (obj3 *)self;
    for (int i = 0; i < 3; i++)
        if (o->f[i] == ref) { snprintf(buf, len, "field '%s'", t->field[i]); return 1; }
    return 0;
}
#define OBJ3_TYPE(NAME, A, B, C) { { .name = NAME, .basicsize = sizeof(obj3), .flags = OHM_TYPE_GC, \
    .traverse = obj3_traverse, .clear = obj3_clear, .dealloc = obj3_dealloc, \
    .edge_name = obj3_edge_name }, { A, B, C } }

static const tour_type Record = OBJ3_TYPE("Record", "x", "y", "name");
static const tour_type Node = OBJ3_TYPE("Node", "next", "value", "spare");
static const tour_type User = OBJ3_TYPE("User", "name", "email", "tags");
static const tour_type Session = OBJ3_TYPE("Session", "user", "cart", "token");

/* obj3_new(&User, a, b, c): a new object holding its own references to a, b, c. */
static ohm_object *obj3_new(const tour_type *t, ohm_object *a, ohm_object *b, ohm_object *c) {
    obj3 *o = (obj3 *)ok(ohm_new(H, &t->t), t->t.name);
    ohm_object *v[3] = { a, b, c };
    for (int i = 0; i < 3; i++) { ohm_xincref(v[i]); o->f[i] = v[i]; }
    return &o->ob;
}
static void obj3_set(ohm_object *self, int i, ohm_object *v) {
    obj3 *o = (obj3 *)self;
    ohm_object *old = o->f[i];
    ohm_xincref(v);
    o->f[i] = v;
    ohm_xdecref(old);
}

/* A plain value type with its own free list (ohm_type.freelist_max, chapter 4). */
typedef struct point { ohm_object ob; double x, y; } point;
static const ohm_type Point = { .name = "Point", .basicsize = sizeof(point), .freelist_max = 100 };

/* ------------------------------------------------- 1. the private heap */

/* A row of chapter 1's table: the label, then the four columns' figures. */
static void heap_row(const char *label, const size_t v[4], const char *prefix) {
    static const int width[4] = { 12, 16, 14, 11 };
    printf("  %-25s", label);
    for (int i = 0; i < 4; i++) {
        char b[40];
        snprintf(b, sizeof b, "%s%s", prefix, num(v[i]));
        printf(" %*s", width[i], b);
    }
    printf("\n");
}

static void chapter_heap(void) {
    printf("  Blocks of up to 512 B come from the heap's own arenas (1 MiB), cut into pools\n"
           "  (16 KiB) of one size class each (16, 32, ... 512 B); bigger ones from malloc.\n");
    enum { M = 1000000, KEEP = 1000 };
    void **p = malloc(M * sizeof *p);
    unsigned char *keep = calloc(M, 1);
    if (!p || !keep) fail("malloc");
    for (size_t i = 0; i < M; i++) p[i] = p;   /* our own array resident before the baseline */
    ohm_heap_stats st[4];
    long rss[4];
    ohm_heap_stats_get(H, &st[0]);
    rss[0] = rss_kib();
    for (size_t i = 0; i < M; i++) p[i] = ohm_malloc(H, 32);
    ohm_heap_stats_get(H, &st[1]);
    rss[1] = rss_kib();
    mark("1M blocks");
    srand(42);   /* KEEP survivors at random, the rest freed in order */
    for (size_t n = 0; n < KEEP;) {
        size_t i = ((size_t)rand() * ((size_t)RAND_MAX + 1) + (size_t)rand()) % M;
        if (!keep[i]) { keep[i] = 1; n++; }
    }
    for (size_t i = 0; i < M; i++) if (!keep[i]) ohm_free(H, p[i]);
    ohm_heap_stats_get(H, &st[2]);
    rss[2] = rss_kib();
    mark("99.9% freed");
    for (size_t i = 0; i < M; i++) if (keep[i]) ohm_free(H, p[i]);
    ohm_heap_stats_get(H, &st[3]);
    rss[3] = rss_kib();
    free(keep);
    free(p);

    size_t arenas[4], bytes[4], resident[4];
    for (int i = 0; i < 4; i++) {
        arenas[i] = st[i].arenas_current;
        bytes[i] = st[i].bytes_in_blocks;
        resident[i] = (size_t)(rss[i] > rss[0] ? rss[i] - rss[0] : 0);
    }
    printf("  %-25s %12s %16s %14s %11s\n", "sys._debugmallocstats()", "fresh heap",
           "1,000,000 x 32 B", "1,000 left", "none left");
    heap_row("arenas mapped", arenas, "");
    heap_row("bytes in blocks", bytes, "");
    heap_row("resident memory (KiB)", resident, "+");
    printf("  With 0.1%% of the blocks left, %.0f%% of the memory stays resident: the pages\n"
           "  emptied go back to the OS (CPython keeps nearly all of it until an arena is empty).\n",
           rss[1] > rss[0] ? 100.0 * (double)(rss[2] - rss[0]) / (double)(rss[1] - rss[0]) : 0.0);
}

/* -------------------------------------------------- 2. reference counts */

static void step(const char *python, const char *c, const ohm_object *l) {
    printf("  %-16s %-34s %zu\n", python, c, ohm_refcount(l));
}

static void chapter_refcounts(void) {
    printf("  %-16s %-34s %s\n", "Python", "C", "refcount(l)");
    ohm_object *l = ok(ohm_list_new(H), "list");
    step("l = []", "l = ohm_list_new(h)", l);
    ohm_object *outer = ok(ohm_list_new(H), "list");
    ohm_list_append(outer, l);
    ohm_list_append(outer, l);
    step("outer = [l, l]", "ohm_list_append(outer, l), twice", l);
    ohm_object *d = ok(ohm_dict_new(H), "dict"), *k = ok(ohm_str_new(H, "k", 1), "str");
    ohm_dict_set(d, k, l);
    step("d = {'k': l}", "ohm_dict_set(d, k, l)", l);
    ohm_decref(outer);
    step("del outer", "ohm_decref(outer)", l);
    ohm_dict_del(d, k);
    step("del d['k']", "ohm_dict_del(d, k)", l);
    size_t before = ohm_live_objects(H);
    ohm_decref(l);
    printf("  %-16s %-34s 0: freed on the spot\n", "del l", "ohm_decref(l)");
    printf("  Live objects went from %zu to %zu there and then: no collector was needed.\n",
           before, ohm_live_objects(H));
    ohm_decref(d);
    ohm_decref(k);
    printf("  None is immortal (PEP 683): its refcount stays %zu whatever is done to it.\n",
           ohm_refcount(ohm_none(H)));
}

/* ---------------------------------------- 3. small ints and interning */

static void chapter_interning(void) {
    ohm_object *a = ok(ohm_int_new(H, 256), "int"), *b = ok(ohm_int_new(H, 256), "int");
    ohm_object *c = ok(ohm_int_new(H, 257), "int"), *d = ok(ohm_int_new(H, 257), "int");
    printf("  256 is 256: %s, immortal: %s (ints -5..256 are made once, as in CPython)\n",
           a == b ? "True" : "False", ohm_is_immortal(a) ? "yes" : "no");
    printf("  257 is 257: %s (two objects)\n", c == d ? "True" : "False");
    ohm_object *s1 = ok(ohm_str_new(H, "rabbit", 6), "str"), *s2 = ok(ohm_str_new(H, "rabbit", 6), "str");
    ohm_object *i1 = ok(ohm_str_intern(H, "rabbit", 6), "str"), *i2 = ok(ohm_str_intern(H, "rabbit", 6), "str");
    printf("  'rabbit' made twice: %s; sys.intern('rabbit') twice: %s\n",
           s1 == s2 ? "one object" : "two objects", i1 == i2 ? "one object" : "two objects");
    ohm_object *objs[] = { a, b, c, d, s1, s2, i1, i2 };
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) ohm_decref(objs[i]);

    enum { N = 10000 };
    static ohm_object *copies[N];
    size_t b0 = bytes_in_blocks();
    for (size_t i = 0; i < N; i++) copies[i] = ok(ohm_str_new(H, "wonderland", 10), "str");
    size_t separate = bytes_in_blocks() - b0;
    for (size_t i = 0; i < N; i++) ohm_decref(copies[i]);
    b0 = bytes_in_blocks();
    for (size_t i = 0; i < N; i++) copies[i] = ok(ohm_str_intern(H, "wonderland", 10), "str");
    size_t interned = bytes_in_blocks() - b0;
    for (size_t i = 0; i < N; i++) ohm_decref(copies[i]);
    printf("  10,000 words 'wonderland': %s bytes as separate strs, %s interned\n",
           num(separate), num(interned));
}

/* ---------------------------------------------------------- 4. free lists */

static void chapter_freelists(void) {
    ohm_object *x = ok(ohm_float_new(H, 1.5), "float");
    uintptr_t where = (uintptr_t)x;
    ohm_decref(x);
    ohm_object *y = ok(ohm_float_new(H, 2.5), "float");
    printf("  x = 1.5; del x; y = 2.5: y is where x was: %s (the float free list)\n",
           (uintptr_t)y == where ? "yes" : "no");
    ohm_decref(y);

    enum { N = 100 };
    ohm_object *pts[N];
    uintptr_t first[N];
    for (size_t i = 0; i < N; i++) pts[i] = ok(ohm_new(H, &Point), "Point");
    for (size_t i = 0; i < N; i++) { first[i] = (uintptr_t)pts[i]; ohm_decref(pts[i]); }
    size_t b0 = bytes_in_blocks(), reused = 0;
    for (size_t i = 0; i < N; i++) pts[i] = ok(ohm_new(H, &Point), "Point");
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) if ((uintptr_t)pts[i] == first[j]) { reused++; break; }
    printf("  Point, a user type with freelist_max = %zu: %zu made and dropped, %zu made again:\n"
           "    %zu of them in the dropped ones' memory, the pools untouched (%s bytes more)\n",
           Point.freelist_max, (size_t)N, (size_t)N, reused, num(bytes_in_blocks() - b0));
    for (size_t i = 0; i < N; i++) ohm_decref(pts[i]);
    printf("  ohm_clear_freelists(h) gave %zu blocks back to the pools (a full collection does too)\n",
           ohm_clear_freelists(H));
}

/* ------------------------------------------ 5. compact objects: __slots__ */

static void chapter_slots(void) {
    enum { N = 100000 };
    ohm_object *kx = ok(ohm_str_intern(H, "x", 1), "str"), *ky = ok(ohm_str_intern(H, "y", 1), "str");
    ohm_object *kname = ok(ohm_str_intern(H, "name", 4), "str");
    ohm_object *vx = ok(ohm_float_new(H, 1.5), "float"), *vy = ok(ohm_float_new(H, -2.0), "float");
    ohm_object *vname = ok(ohm_str_new(H, "a point", 7), "str");
    ohm_object **keep = malloc(N * sizeof *keep);   /* outside the heap: only records count */
    if (!keep) fail("malloc");

    size_t b0 = bytes_in_blocks();
    for (size_t i = 0; i < N; i++) {
        ohm_object *d = keep[i] = ok(ohm_dict_new(H), "dict");   /* self.__dict__ */
        ohm_dict_set(d, kx, vx);
        ohm_dict_set(d, ky, vy);
        ohm_dict_set(d, kname, vname);
    }
    size_t as_dict = bytes_in_blocks() - b0, dict_sizeof = ohm_sizeof(keep[0]);
    mark("100k dicts");
    for (size_t i = 0; i < N; i++) ohm_decref(keep[i]);
    b0 = bytes_in_blocks();
    for (size_t i = 0; i < N; i++)
        keep[i] = obj3_new(&Record, vx, vy, vname);   /* __slots__ = ('x', 'y', 'name') */
    size_t as_slots = bytes_in_blocks() - b0, slots_sizeof = ohm_sizeof(keep[0]);
    mark("100k Records");
    for (size_t i = 0; i < N; i++) ohm_decref(keep[i]);
    free(keep);
    printf("  100,000 records of three fields (x, y, name), the same three values in each:\n");
    printf("    a dict per record (a Python instance's __dict__): %4zu bytes each (ohm_sizeof %zu)\n",
           as_dict / N, dict_sizeof);
    printf("    a fixed-layout ohm type (a class with __slots__): %4zu bytes each (ohm_sizeof %zu)\n",
           as_slots / N, slots_sizeof);
    printf("  %.1f times less: for many small objects, declare an ohm_type with a field per\n"
           "  attribute, as __slots__ does (bytes per record: ohm_heap_stats before and after).\n",
           (double)as_dict / (double)as_slots);
    ohm_object *objs[] = { kx, ky, kname, vx, vy, vname };
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) ohm_decref(objs[i]);
}

/* -------------------------------------------- 6. cycles and the collector */

static void on_gc(ohm_heap *h, int phase, const ohm_gc_info *info, void *arg) {
    (void)h;
    if (arg) {   /* counting quietly: runs[generation], collected */
        size_t *runs = arg;
        if (phase == OHM_GC_STOP) { runs[info->generation]++; runs[3] += info->collected; }
        return;
    }
    if (phase == OHM_GC_START) printf("  callback: start, generation %d\n", info->generation);
    else printf("  callback: stop, %zu collected, %zu uncollectable\n", info->collected, info->uncollectable);
}

static void make_cycle(void) {
    ohm_object *a = obj3_new(&Node, NULL, NULL, NULL), *b = obj3_new(&Node, a, NULL, NULL);
    obj3_set(a, 0, b);   /* a.next = b; b.next = a */
    ohm_decref(a);
    ohm_decref(b);
}

static void chapter_cycles(void) {
    ohm_gc_disable(H);
    make_cycle();
    printf("  a = Node(); b = Node(a); a.next = b; del a, b\n"
           "  live objects after the dels: %zu (each holds the other: refcount 1 each)\n",
           ohm_live_objects(H));
    printf("  gc.set_debug(gc.DEBUG_STATS); gc.callbacks.append(cb); gc.collect():\n");
    ohm_gc_add_callback(H, on_gc, NULL);
    ohm_gc_set_debug(H, OHM_GC_DEBUG_STATS);
    fflush(stdout);   /* the debug lines go to stderr: keep them in order */
    size_t found = ohm_gc_collect(H, 2);
    fflush(stderr);
    ohm_gc_set_debug(H, 0);
    ohm_gc_remove_callback(H, on_gc, NULL);
    printf("  gc.collect() returned %zu; live objects now: %zu\n", found, ohm_live_objects(H));

    enum { N = 30000 };
    mark("cycles, gc off");
    for (size_t i = 0; i < N; i++) make_cycle();
    size_t piled = ohm_live_objects(H);
    ohm_gc_collect(H, 2);
    ohm_gc_enable(H);
    mark("cycles, gc on");
    size_t runs[4] = { 0 };
    ohm_gc_add_callback(H, on_gc, runs);
    for (size_t i = 0; i < N; i++) make_cycle();
    ohm_gc_remove_callback(H, on_gc, runs);
    size_t left = ohm_live_objects(H);
    ohm_gc_collect(H, 2);
    printf("  30,000 cycles with the collector off: %s objects pile up until gc.collect();\n"
           "  30,000 more with it on: it ran %zu times by itself (generation 0: %zu, 1: %zu, 2: %zu),\n"
           "  freed %s objects, and left %s to the next collection\n",
           num(piled), runs[0] + runs[1] + runs[2], runs[0], runs[1], runs[2], num(runs[3]), num(left));
}

/* --------------------------------------------------- 7. weak references */

static void on_death(ohm_object *ref, void *arg) {
    (void)ref;
    printf("    callback: %s died\n", (const char *)arg);
}

static void chapter_weakrefs(void) {
    ohm_object *node = obj3_new(&Node, NULL, NULL, NULL);
    ohm_object *w = ok(ohm_weakref_new(H, node, on_death, "the node"), "weakref");
    ohm_object *got = ohm_weakref_get(w);   /* a new reference, or NULL */
    printf("  w = weakref.ref(node, cb); w() is node: %s\n", got == node ? "True" : "False");
    ohm_xdecref(got);
    printf("  del node\n");
    ohm_decref(node);
    got = ohm_weakref_get(w);
    printf("  w() is None: %s; the weakref did not keep it alive\n", got ? "False" : "True");
    ohm_xdecref(got);
    ohm_decref(w);

    ohm_gc_disable(H);
    ohm_object *a = obj3_new(&Node, NULL, NULL, NULL), *b = obj3_new(&Node, a, NULL, NULL);
    obj3_set(a, 0, b);
    w = ok(ohm_weakref_new(H, a, on_death, "the cycle's node"), "weakref");
    ohm_decref(a);
    ohm_decref(b);
    got = ohm_weakref_get(w);
    printf("  a weakref to a node of a dropped cycle: w() is still the node: %s; gc.collect():\n",
           got ? "True" : "False");
    ohm_xdecref(got);
    ohm_gc_collect(H, 2);
    ohm_gc_enable(H);
    got = ohm_weakref_get(w);
    printf("  w() is None: %s (weakrefs to garbage are cleared before it is freed)\n", got ? "False" : "True");
    ohm_xdecref(got);
    ohm_decref(w);
}

/* --------------------------------------------------------------- 8. freeze */

static size_t examined_by_full_collection(double *ms) {
    ohm_gc_stats before[3], after[3];
    ohm_gc_get_stats(H, before);
    ohm_gc_collect(H, 2);
    ohm_gc_get_stats(H, after);
    *ms = (after[2].duration - before[2].duration) * 1e3;
    return after[2].candidates - before[2].candidates;
}

static void chapter_freeze(void) {
    enum { N = 200000 };
    ohm_object *config = ok(ohm_list_new(H), "list");
    for (size_t i = 0; i < N; i++) {
        ohm_object *r = obj3_new(&Record, NULL, NULL, NULL);
        ohm_list_append(config, r);
        ohm_decref(r);
    }
    double ms;
    size_t n = examined_by_full_collection(&ms);
    printf("  200,000 long-lived objects, loaded once (a server's tables):\n"
           "  gc.collect() examines %s objects (%.1f ms)\n", num(n), ms);
    ohm_gc_freeze(H);
    mark("frozen");
    size_t frozen = ohm_gc_get_freeze_count(H);
    n = examined_by_full_collection(&ms);
    printf("  gc.freeze(): %s objects moved to the permanent generation;\n"
           "  gc.collect() examines %s objects (%.1f ms)\n", num(frozen), num(n), ms);
    printf("  (Python's advice: gc.freeze() before os.fork(), so that the children's\n"
           "  collections never write to, and so never copy, the pages they share)\n");
    ohm_gc_unfreeze(H);
    ohm_decref(config);
}

/* --------------------------------------------------- 9. why is it alive? */

static void chapter_explain(void) {
    ohm_object *sessions = ok(ohm_dict_new(H), "dict");
    const char *names[] = { "alice", "bob" };
    ohm_object *bob = NULL;
    for (int i = 0; i < 2; i++) {
        ohm_object *name = ok(ohm_str_new(H, names[i], strlen(names[i])), "str");
        ohm_object *user = obj3_new(&User, name, NULL, NULL);
        ohm_object *cart = ok(ohm_list_new(H), "list");
        ohm_object *s = obj3_new(&Session, user, cart, NULL);
        ohm_dict_set(sessions, name, s);
        if (i == 1) { bob = user; ohm_incref(bob); }
        ohm_decref(s); ohm_decref(cart); ohm_decref(user); ohm_decref(name);
    }
    printf("  bob logged out and his User was dropped, but it is still alive: why?\n");
    fflush(stdout);
    ohm_gc_explain_ex(H, bob, stdout, OHM_EXPLAIN_OWN_REF);   /* not counting our reference */
    printf("  the sessions dict still holds his Session: del sessions['bob'] frees them\n");
    ohm_decref(bob);
    ohm_decref(sessions);
}

/* ------------------------------- 10, 11: tracing, on a small service's data */

static ohm_object *new_user(int i) {
    ohm_object *name = ok(ohm_str_from_format(H, "user%05d", i), "str");
    ohm_object *email = ok(ohm_str_from_format(H, "user%05d@example.org", i), "str");
    ohm_object *tags = ok(ohm_list_new(H), "list");
    static const char *const tag[] = { "reader", "writer", "admin" };
    for (int t = 0; t <= i % 3; t++) {
        ohm_object *s = ok(ohm_str_intern(H, tag[t], strlen(tag[t])), "str");
        ohm_list_append(tags, s);
        ohm_decref(s);
    }
    ohm_object *user;
    CALL(user = obj3_new(&User, name, email, tags));
    ohm_decref(name); ohm_decref(email); ohm_decref(tags);
    return user;
}

static ohm_object *load_users(int n) {
    ohm_object *users = ok(ohm_list_new(H), "list");
    for (int i = 0; i < n; i++) {
        ohm_object *u;
        CALL(u = new_user(i));
        ohm_list_append(users, u);
        ohm_decref(u);
    }
    return users;
}

static ohm_object *build_index(ohm_object *users) {
    ohm_object *index = ok(ohm_dict_new(H), "dict");
    for (size_t i = 0; i < ohm_list_len(users); i++) {
        obj3 *u = (obj3 *)ohm_list_get(users, i);
        ohm_dict_set(index, u->f[0], &u->ob);   /* index[user.name] = user */
    }
    return index;
}

static void log_request(ohm_object *log, int i) {
    ohm_object *line = ok(ohm_str_from_format(H, "GET /users/user%05d 200 %d ms", i % 5000, i % 37), "str");
    ohm_list_append(log, line);
    ohm_decref(line);
}

static void handle_requests(ohm_object *index, ohm_object *log, int n) {
    for (int i = 0; i < n; i++) {
        ohm_object *key = ok(ohm_str_from_format(H, "user%05d", i * 7 % 5000), "str");
        ohm_object *found = ohm_dict_get(index, key);   /* borrowed */
        ohm_decref(key);
        if (found) CALL(log_request(log, i));
    }
}

static void print_stats(const ohm_snapshot *now, const ohm_snapshot *old, size_t limit) {
    ohm_stat *stats;
    size_t n = old ? ohm_snapshot_compare(now, old, OHM_KEY_LINENO, 0, &stats)
                   : ohm_snapshot_statistics(now, OHM_KEY_LINENO, 0, &stats);
    for (size_t i = 0; i < n && i < limit; i++) {
        char line[256];
        ohm_stat_format(&stats[i], old ? OHM_FORMAT_DIFF : 0, line, sizeof line);
        printf("  %s\n", line);
    }
    ohm_stats_free(stats);
}

static void dump(const ohm_snapshot *s, const char *name) {
    if (ohm_snapshot_dump(s, out_path(name)) < 0) fail(out_path(name));
}

/* What chapters 10 and 11 share: the service's data, and the first snapshot. */
static struct { ohm_object *users, *index; void *config; ohm_snapshot *before; } svc;

static void chapter_top_lines(void) {
    printf("  Tracing has been on since chapter 2 (ohm_trace_start(h, 8): tracemalloc.start(8)).\n"
           "  The tour hands the tracer its own call stack (ohm_trace_set_frame_provider), as an\n"
           "  interpreter hands it its frames. 5,000 users loaded and indexed, a config read:\n");
    CALL(svc.users = load_users(5000));
    CALL(svc.index = build_index(svc.users));
    svc.config = ohm_malloc(H, 64 * 1024);
    if (!svc.config) fail("config");
    svc.before = ohm_snapshot_take(H);
    if (!svc.before) fail("ohm_snapshot_take");
    print_stats(svc.before, NULL, 5);
    dump(svc.before, "tour-before.ohmsnap");
}

static void chapter_diff(void) {
    ohm_object *log = ok(ohm_list_new(H), "list");
    CALL(handle_requests(svc.index, log, 20000));
    ohm_free(H, svc.config);
    ohm_snapshot *after = ohm_snapshot_take(H);
    if (!after) fail("ohm_snapshot_take");
    printf("  20,000 requests handled (each one logged), the config freed:\n");
    print_stats(after, svc.before, 4);
    printf("  The log grows with every request: the kind of growth a diff finds.\n");
    dump(after, "tour.ohmsnap");
    ohm_snapshot_free(after);
    ohm_snapshot_free(svc.before);
    ohm_decref(log);
    ohm_decref(svc.index);
    ohm_decref(svc.users);
}

/* ------------------------------------------------- 12. memory over time */

static void chapter_timeline(void) {
    ohm_gc_stats gs[3];
    ohm_gc_get_stats(H, gs);
    size_t collections = gs[0].collections + gs[1].collections + gs[2].collections;
    if (ohm_timeline_stop(H) < 0) fail("ohm_timeline_stop");
    struct stat sb;
    size_t size = stat(out_path("tour.ohmtl"), &sb) == 0 ? (size_t)sb.st_size : 0;
    printf("  ohm_timeline_stop(h) closed %s (%s bytes): a sample every\n"
           "  2 ms and at each event, a scope per chapter, %zu marks, %zu collections.\n"
           "  ohm-prof timeline draws it, as mprof plot does.\n",
           out_path("tour.ohmtl"), num(size), marks, collections);
    printf("  Snapshots: %s (chapter 10), %s (chapter 11).\n",
           out_path("tour-before.ohmsnap"), out_path("tour.ohmsnap"));
}

/* -------------------------------------------------------------------- main */

static const struct chapter {
    const char *title;
    const char *scope;   /* its name on the timeline; NULL: none (the recording has stopped) */
    void (*run)(void);
} chapters[] = {
    { "The private heap", "1 heap", chapter_heap },
    { "Reference counts", "2 refcounts", chapter_refcounts },
    { "Small ints and interned strings", "3 interning", chapter_interning },
    { "Free lists", "4 free lists", chapter_freelists },
    { "Compact objects: __slots__ in C", "5 slots", chapter_slots },
    { "Cycles: what reference counting cannot free", "6 cycles", chapter_cycles },
    { "Weak references", "7 weakrefs", chapter_weakrefs },
    { "Freeze: objects the collector stops examining", "8 freeze", chapter_freeze },
    { "Why is it alive? ohm_gc_explain", "9 explain", chapter_explain },
    { "The top five lines: snapshot.statistics('lineno')", "10 top lines", chapter_top_lines },
    { "What grew: snapshot.compare_to(before, 'lineno')", "11 diff", chapter_diff },
    { "Memory over time: the whole tour, recorded", NULL, chapter_timeline },
};

int main(int argc, char **argv) {
    snprintf(out_dir, sizeof out_dir, "%s", argc > 1 ? argv[1] : "out");
    if (mkdir(out_dir, 0777) < 0 && errno != EEXIST) { perror(out_dir); return 1; }
    H = ohm_heap_new(NULL);
    if (!H) { fprintf(stderr, "tour: %s\n", ohm_last_error(NULL)); return 1; }
    if (ohm_timeline_start(H, out_path("tour.ohmtl"), 2) < 0) fail("ohm_timeline_start");
    printf("ohm tour: Python's memory management as a C library, chapter by chapter.\n"
           "Memory over time is recorded from here to the end, into %s.\n", out_path("tour.ohmtl"));
    for (size_t i = 0; i < sizeof chapters / sizeof *chapters; i++) {
        const struct chapter *c = &chapters[i];
        if (i == 1) {   /* after chapter 1, whose resident figures are the heap's alone */
            if (ohm_trace_start(H, 8) < 0) fail("ohm_trace_start");
            ohm_trace_set_frame_provider(H, tour_frames, NULL);
        }
        printf("\n== %zu. %s ==\n", i + 1, c->title);
        if (c->scope) ohm_timeline_enter(H, c->scope);
        CALL(c->run());
        if (c->scope) ohm_timeline_leave(H);
        size_t left = c->run == chapter_top_lines ? 0 : ohm_live_objects(H);   /* 10 keeps svc */
        if (left) printf("  (the chapter left %zu objects alive)\n", left);
    }
    ohm_trace_stop(H);
    printf("\nLive objects left at the end: %zu\n", ohm_live_objects(H));
    ohm_heap_destroy(H);
    return 0;
}
