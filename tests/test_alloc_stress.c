/* test_alloc_stress.c — a deterministic random mix of every allocator call (malloc,
 * calloc, realloc, free, RAW blocks, objects, trims, injected failures) in the three
 * modes (pools, debug hooks, bypass), checking every block's contents and the whole
 * heap's invariants (ohmi_alloc_check) as it goes. */
#include "check.h"
#include "api/api.h"
#include "alloc/alloc_impl.h"

#include <stdint.h>

enum { SLOTS = 3000, OPS = 120000 };

static const ohm_type obj_t = {.name = "S", .basicsize = 16, .flags = OHM_TYPE_GC};

struct slot { unsigned char *p; size_t n; int kind; unsigned char tag; };   /* kind 0 MEM, 1 RAW, 2 object */

static uint64_t rs;
static uint64_t rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return rs; }

static size_t rsize(void) {
    uint64_t r = rnd();
    switch (r & 7) {
    case 0: return 0;
    case 1: return (r >> 8) % 3000;          /* large ones */
    default: return (r >> 8) % 520;           /* around the 512 line */
    }
}

static int intact(const struct slot *s) {
    size_t from = s->kind == 2 ? sizeof(ohm_object) : 0;
    for (size_t i = from; i < s->n; i++) if (s->p[i] != s->tag) return 0;
    return 1;
}

static void fill(struct slot *s) {
    size_t from = s->kind == 2 ? sizeof(ohm_object) : 0;
    s->tag = (unsigned char)rnd();
    memset(s->p + from, s->tag, s->n - from);
}

static void release(ohm_heap *h, struct slot *s) {
    if (!s->p) return;
    if (s->kind == 0) ohm_free(h, s->p);
    else if (s->kind == 1) ohm_raw_free(h, s->p);
    else ohmi_alloc_object_free(h, (ohm_object *)s->p);
    s->p = NULL;
}

static int count(ohm_object *o, void *arg) { (void)o; (*(size_t *)arg)++; return 0; }

static void run(int debug, int use_malloc, uint64_t seed) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.debug = debug;
    cfg.use_malloc = use_malloc;
    ohm_heap *h = ohm_heap_new(&cfg);
    CHECK(h != NULL);
    static struct slot s[SLOTS];
    memset(s, 0, sizeof s);
    rs = seed;
    int damaged = 0, failures = 0;
    for (int op = 0; op < OPS; op++) {
        struct slot *x = &s[rnd() % SLOTS];
        if (x->p && !intact(x)) damaged++;
        unsigned what = (unsigned)(rnd() % 16);
        if (op % 20000 == 10000) ohmi_alloc_fail_after(h, (long)(rnd() % 50));   /* a window of failures */
        if (op % 20000 == 10300) ohmi_alloc_fail_after(h, -1);
        if (x->p && what < 4 && x->kind != 2) {                  /* realloc */
            size_t n = rsize();
            unsigned char *q = x->kind == 0 ? ohm_realloc(h, x->p, n) : ohm_raw_realloc(h, x->p, n);
            if (!q) { failures++; continue; }                     /* p untouched */
            size_t keep = x->n < n ? x->n : n;
            for (size_t i = 0; i < keep; i++) if (q[i] != x->tag) { damaged++; break; }
            x->p = q;
            x->n = n;
            fill(x);
            continue;
        }
        release(h, x);
        if (what < 8) continue;                                  /* just a free */
        x->kind = what < 12 ? 0 : what < 13 ? 1 : 2;
        x->n = rsize();
        if (x->kind == 2) {
            if (x->n < sizeof(ohm_object)) x->n = sizeof(ohm_object);
            ohm_object *o = ohmi_alloc_object(h, x->n, (int)(rnd() & 1));
            if (o) { o->ohm_type = &obj_t; if (ohmi_alloc_heap_of(o) != h) damaged++; }
            x->p = (unsigned char *)o;
        } else if (what == 11) {
            x->p = ohm_calloc(h, 1, x->n);
            if (x->p) for (size_t i = 0; i < x->n; i++) if (x->p[i]) { damaged++; break; }
        } else {
            x->p = x->kind == 0 ? ohm_malloc(h, x->n) : ohm_raw_malloc(h, x->n);
        }
        if (!x->p) { failures++; continue; }
        if ((uintptr_t)x->p % 16) damaged++;
        fill(x);
        if (op % 10000 == 0) {
            CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
            if (op % 30000 == 0) ohmi_alloc_trim(h);
        }
    }
    CHECK_EQ_INT(damaged, 0);
    CHECK(failures > 0);                 /* the failure windows did fail some calls */
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    size_t objects = 0;
    for (int i = 0; i < SLOTS; i++) objects += s[i].p && s[i].kind == 2;
    size_t walked = 0;
    ohmi_alloc_walk_objects(h, 0, count, &walked);
    CHECK_EQ_SIZE(walked, objects);
    for (int i = 0; i < SLOTS; i += 2) release(h, &s[i]);       /* the rest: destroy */
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    unsetenv("OHM_MALLOCSTATS");
    unsetenv("OHM_TRACEMALLOC");
    run(0, 0, 0x1234567u);
    run(1, 0, 0x7654321u);
    run(0, 1, 0xabcdefu);
    return check_done();
}
