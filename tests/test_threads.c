/* test_threads.c — many heaps, many threads: each thread churns its own heap (blocks,
 * objects, reallocs, trims) while the others do the same; run under TSan by
 * `make tsan`, it proves the fast paths share no mutable state between heaps. */
#include "check.h"
#include "api/api.h"

#include <pthread.h>
#include <stdint.h>

enum { THREADS = 4, LIVE = 2000, ROUNDS = 60000 };

static const ohm_type obj_t = {.name = "T", .basicsize = 32, .flags = OHM_TYPE_GC};

struct job { int id, debug; int errors; size_t walked; };

static int count(ohm_object *o, void *arg) { (void)o; (*(size_t *)arg)++; return 0; }

static void *worker(void *arg) {
    struct job *j = arg;
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.debug = j->debug;
    ohm_heap *h = ohm_heap_new(&cfg);
    if (!h) { j->errors++; return NULL; }
    static __thread unsigned char *slot[LIVE];
    static __thread size_t len[LIVE];
    static __thread ohm_object *objs[LIVE];
    uint64_t s = 0x9E3779B97F4A7C15ull * (uint64_t)(j->id + 1);
    for (int r = 0; r < ROUNDS; r++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        size_t k = s % LIVE, n = (s >> 20) % ((s >> 40) % 8 ? 200 : 1500);
        unsigned char tag = (unsigned char)(j->id * 16 + (r & 15));
        if (slot[k]) {
            for (size_t i = 0; i < len[k]; i++)
                if (slot[k][i] != slot[k][0]) { j->errors++; break; }
            if (r % 5 == 0) {
                unsigned char *q = ohm_realloc(h, slot[k], n);
                size_t keep = len[k] < n ? len[k] : n;
                for (size_t i = 0; i < keep; i++)
                    if (q[i] != q[0]) { j->errors++; break; }
                slot[k] = q;
            } else {
                ohm_free(h, slot[k]);
                slot[k] = ohm_malloc(h, n);
            }
        } else {
            slot[k] = ohm_malloc(h, n);
        }
        len[k] = n;
        memset(slot[k], tag, n);
        if (objs[k]) ohmi_alloc_object_free(h, objs[k]);
        objs[k] = ohmi_alloc_object(h, 16 + n % 100, (int)(s & 1));
        objs[k]->ohm_type = (s & 1) ? &obj_t : &obj_t;
        if (ohmi_alloc_heap_of(objs[k]) != h) j->errors++;
        if (r % 20000 == 0) ohmi_alloc_trim(h);
    }
    ohmi_alloc_walk_objects(h, 0, count, &j->walked);
    j->errors += ohmi_alloc_check(h, stderr);
    ohm_heap_destroy(h);   /* the live blocks go with it */
    memset(slot, 0, sizeof slot);
    memset(objs, 0, sizeof objs);
    return NULL;
}

int main(void) {
    unsetenv("OHM_MALLOC");
    unsetenv("OHM_MALLOCSTATS");
    unsetenv("OHM_TRACEMALLOC");
    pthread_t t[THREADS];
    struct job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct job){i, i == THREADS - 1, 0, 0};
        pthread_create(&t[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        CHECK_EQ_INT(jobs[i].errors, 0);
        CHECK_EQ_SIZE(jobs[i].walked, LIVE);
    }
    return check_done();
}
