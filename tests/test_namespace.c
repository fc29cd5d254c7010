/* test_namespace.c — a program with its own alloc_init, pool_alloc, gc_init,
 * heap_error, trace_start, release_flush, obj_hash and snapshot_parse links against
 * the static library (CMake links every test with libohm.a) and uses ohm beside them.
 *
 * Before the internal names took the ohmi_ prefix, libohm.a defined every one of these
 * names, and this program failed to link ("multiple definition of `gc_init'"). Linking
 * is half the test; the other half is that each call below reaches the program's own
 * function (its result and its call count are checked), never one of the library's,
 * and that the library never calls them while it creates a heap, allocates, collects
 * and takes a snapshot. Only ohm.h is included: this is what a user's program sees. */
#include "check.h"
#include "ohm.h"

/* The program's own "memory manager", with the names a C programmer picks first. */
struct toy_arena { char buf[256]; size_t used; };
struct toy_gc { int generations; };

void alloc_init(struct toy_arena *a);
void *pool_alloc(struct toy_arena *a, size_t n);
int gc_init(struct toy_gc *g, int generations);
int heap_error(const char *msg);
int trace_start(int depth);
int release_flush(void);
uint32_t obj_hash(const char *s);
int snapshot_parse(const char *text, int *out, int max);

static int own_calls;                 /* calls of the functions below, all of them */
static char last_error[64];
static int trace_depth, pending_releases = 3;

void alloc_init(struct toy_arena *a) { own_calls++; a->used = 0; }

void *pool_alloc(struct toy_arena *a, size_t n) {   /* 8-byte bump allocation */
    own_calls++;
    n = (n + 7) & ~(size_t)7;
    if (n > sizeof a->buf - a->used) return NULL;
    a->used += n;
    return a->buf + a->used - n;
}

int gc_init(struct toy_gc *g, int generations) {
    own_calls++;
    g->generations = generations;
    return 42;
}

int heap_error(const char *msg) {
    own_calls++;
    snprintf(last_error, sizeof last_error, "toy: %s", msg);
    return -7;
}

int trace_start(int depth) { own_calls++; int old = trace_depth; trace_depth = depth; return old; }

int release_flush(void) { own_calls++; int n = pending_releases; pending_releases = 0; return n; }

uint32_t obj_hash(const char *s) {    /* djb2 */
    own_calls++;
    uint32_t h = 5381;
    while (*s) h = h * 33 + (unsigned char)*s++;
    return h;
}

int snapshot_parse(const char *text, int *out, int max) {  /* "1,22,333" -> 3 numbers */
    own_calls++;
    int n = 0;
    while (*text && n < max) {
        out[n] = 0;
        while (*text >= '0' && *text <= '9') out[n] = out[n] * 10 + (*text++ - '0');
        n++;
        if (*text == ',') text++;
    }
    return n;
}

static void test_own_functions(void) {
    struct toy_arena a;
    alloc_init(&a);
    char *p = pool_alloc(&a, 5), *q = pool_alloc(&a, 16);
    CHECK(p == a.buf);
    CHECK(q == a.buf + 8);
    CHECK_EQ_SIZE(a.used, 24);
    CHECK(pool_alloc(&a, 300) == NULL);
    struct toy_gc g;
    CHECK_EQ_INT(gc_init(&g, 3), 42);
    CHECK_EQ_INT(g.generations, 3);
    CHECK_EQ_INT(heap_error("full"), -7);
    CHECK_EQ_STR(last_error, "toy: full");
    CHECK_EQ_INT(trace_start(5), 0);
    CHECK_EQ_INT(trace_start(1), 5);
    CHECK_EQ_INT(release_flush(), 3);
    CHECK_EQ_INT(release_flush(), 0);
    CHECK_EQ_INT(obj_hash(""), 5381);
    CHECK_EQ_INT(obj_hash("ab"), (5381u * 33 + 'a') * 33 + 'b');
    int v[4];
    CHECK_EQ_INT(snapshot_parse("1,22,333", v, 4), 3);
    CHECK_EQ_INT(v[0] + v[1] + v[2], 356);
    CHECK_EQ_INT(own_calls, 13);
}

/* ohm beside them: a heap, tracing, a block, a reference cycle, a snapshot. */
static void test_ohm_beside(void) {
    int before = own_calls;
    ohm_heap *h = ohm_heap_new(NULL);
    CHECK(h != NULL);
    if (!h) return;
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    unsigned line = __LINE__; void *block = ohm_malloc(h, 100);
    CHECK(block != NULL);

    ohm_object *l = ohm_list_new(h);
    CHECK_EQ_INT(ohm_list_append(l, l), 0);
    ohm_decref(l);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 1);

    ohm_snapshot *s = ohm_snapshot_take(h);
    CHECK(s != NULL);
    ohm_stat *st = NULL;
    size_t n = s ? ohm_snapshot_statistics(s, OHM_KEY_LINENO, 0, &st) : 0;
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        const ohm_traceback *tb = st[i].traceback;
        if (tb->nframe && tb->frames[tb->nframe - 1].lineno == line) {
            found++;
            CHECK_EQ_SIZE(st[i].size, 100);
            CHECK_EQ_SIZE(st[i].count, 1);
        }
    }
    CHECK_EQ_SIZE(found, 1);
    ohm_stats_free(st);
    ohm_snapshot_free(s);
    ohm_free(h, block);
    ohm_heap_destroy(h);
    CHECK_EQ_INT(own_calls, before);  /* the library called none of the program's functions */
}

int main(void) {
    test_own_functions();
    test_ohm_beside();
    return check_done();
}
