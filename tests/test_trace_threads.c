/* test_trace_threads.c — tracing with RAW-domain calls from other threads: four
 * threads malloc/realloc/free RAW blocks (some freed by another thread than the one
 * that allocated them) while the owner allocates MEM blocks and takes snapshots. At
 * the end the traced memory is exactly what is still held, and snapshots count the
 * blocks the threads kept by their allocating line. Run under TSan by `make tsan`. */
#include "check.h"
#include "ohm.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { THREADS = 4, OPS = 20000, LIVE = 64, SHARED = 256, KEEP = 10, KEEP_SIZE = 100,
       OWNER_LIVE = 500 };

static ohm_heap *h;
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static void *shared[SHARED];             /* blocks handed between threads */
static int done_threads;
static void *kept[THREADS * KEEP];
static const unsigned keep_line = 49;   /* the ohm_raw_malloc line in worker */

static void *worker(void *arg) {
    uint64_t s = 0x9E3779B97F4A7C15ull * (uint64_t)((intptr_t)arg + 1);
    void *live[LIVE] = {0};
    for (int r = 0; r < OPS; r++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        size_t k = s % LIVE, n = 1 + (s >> 20) % 3000;
        if (!live[k]) {
            live[k] = (s >> 40) & 1 ? ohm_raw_malloc(h, n) : ohm_raw_calloc(h, 1, n);
        } else if (r % 3 == 0) {
            void *q = ohm_raw_realloc(h, live[k], n);
            if (q) live[k] = q;
        } else if (r % 3 == 1) {   /* hand it over: free whatever was there */
            pthread_mutex_lock(&shared_lock);
            void *old = shared[(s >> 30) % SHARED];
            shared[(s >> 30) % SHARED] = live[k];
            pthread_mutex_unlock(&shared_lock);
            live[k] = NULL;
            ohm_raw_free(h, old);
        } else {
            ohm_raw_free(h, live[k]);
            live[k] = NULL;
        }
    }
    for (int k = 0; k < LIVE; k++) ohm_raw_free(h, live[k]);
    for (int k = 0; k < KEEP; k++) {   /* left for the owner to count, then free */
        void *p = ohm_raw_malloc(h, KEEP_SIZE);
        kept[(intptr_t)arg * KEEP + k] = p;   /* read by the owner after the join */
    }
    pthread_mutex_lock(&shared_lock);
    done_threads++;
    pthread_mutex_unlock(&shared_lock);
    return NULL;
}

static size_t line_count(ohm_snapshot *s, unsigned line, size_t *bytes) {
    ohm_stat *st;
    size_t n = ohm_snapshot_statistics(s, OHM_KEY_LINENO, 0, &st), count = 0;
    *bytes = 0;
    for (size_t i = 0; i < n; i++)
        if (st[i].traceback->nframe && st[i].traceback->frames[0].lineno == line) {
            count += st[i].count;
            *bytes += st[i].size;
        }
    ohm_stats_free(st);
    return count;
}

/* A snapshot taken right after another thread queued a RAW block whose traceback
 * is new to the heap: the snapshot's walk applies the queue first, interning that
 * traceback, so the snapshot's map from traceback ids must cover ids made during
 * the walk. (It was sized before: a read and write past its end, found by ASan in
 * `make matrix`.) The foreign block counts by its size at its own traceback. */
static void *foreign_alloc(void *arg) {
    void **slot = arg;
    *slot = ohm_raw_malloc(*(ohm_heap **)slot, 77);
    return NULL;
}

static void test_snapshot_applies_queue(void) {
    ohm_heap *h2 = ohm_heap_new(NULL);
    CHECK_EQ_SIZE(ohm_trace_start(h2, 1), 0);
    void *mine = ohm_malloc(h2, 33);   /* the owner's own traceback: id 0 */
    void *slot = h2;                   /* in: the heap; out: the foreign block */
    pthread_t th;
    CHECK_EQ_SIZE(pthread_create(&th, NULL, foreign_alloc, &slot), 0);
    pthread_join(th, NULL);
    ohm_snapshot *snap = ohm_snapshot_take(h2);
    CHECK(snap != NULL);
    ohm_stat *st;
    CHECK_EQ_SIZE(ohm_snapshot_statistics(snap, OHM_KEY_TRACEBACK, 0, &st), 2);
    CHECK_EQ_SIZE(st[0].size, 77);     /* largest first */
    CHECK_EQ_SIZE(st[0].count, 1);
    CHECK_EQ_SIZE(st[1].size, 33);
    CHECK(st[0].traceback != st[1].traceback);
    ohm_stats_free(st);
    ohm_snapshot_free(snap);
    ohm_raw_free(h2, slot);
    ohm_free(h2, mine);
    ohm_heap_destroy(h2);
}

int main(void) {
    test_snapshot_applies_queue();
    h = ohm_heap_new(NULL);
    CHECK(h != NULL);
    CHECK_EQ_SIZE(ohm_trace_start(h, 1), 0);
    pthread_t th[THREADS];
    for (intptr_t i = 0; i < THREADS; i++)
        CHECK_EQ_SIZE(pthread_create(&th[i], NULL, worker, (void *)i), 0);

    /* the owner: MEM blocks (pool and large), snapshots, traced memory */
    static void *mine[OWNER_LIVE];
    static size_t mine_n[OWNER_LIVE];
    unsigned mem_line = 0;
    uint64_t s = 12345;
    int busy = 1, round = 0;
    while (busy || round < 2000) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        size_t k = s % OWNER_LIVE, n = 1 + (s >> 20) % ((s >> 40) % 4 ? 400 : 2000);
        if (mine[k]) { ohm_free(h, mine[k]); mine[k] = NULL; }
        else { mine[k] = ohm_malloc(h, n); mem_line = __LINE__; mine_n[k] = n; }
        if (++round % 500 == 0) {
            ohm_snapshot *snap = ohm_snapshot_take(h);
            CHECK(snap != NULL);
            ohm_snapshot_free(snap);
            size_t cur, peak;
            ohm_trace_get_traced_memory(h, &cur, &peak);
            CHECK(cur <= peak);
        }
        pthread_mutex_lock(&shared_lock);
        busy = done_threads < THREADS;
        pthread_mutex_unlock(&shared_lock);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);

    size_t held = 0, nheld = 0;
    for (int k = 0; k < OWNER_LIVE; k++)
        if (mine[k]) { held += mine_n[k]; nheld++; }

    /* the kept blocks are traced at their line; free every other handed-over block */
    ohm_snapshot *snap = ohm_snapshot_take(h);
    CHECK(snap != NULL);
    size_t bytes;
    CHECK_EQ_SIZE(line_count(snap, keep_line, &bytes), (size_t)THREADS * KEEP);
    CHECK_EQ_SIZE(bytes, (size_t)THREADS * KEEP * KEEP_SIZE);
    CHECK_EQ_SIZE(line_count(snap, mem_line, &bytes), nheld);
    CHECK_EQ_SIZE(bytes, held);
    ohm_snapshot_free(snap);
    for (int j = 0; j < SHARED; j++) { ohm_raw_free(h, shared[j]); shared[j] = NULL; }
    for (int j = 0; j < THREADS * KEEP; j++) ohm_raw_free(h, kept[j]);

    size_t cur, peak;
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, held);
    CHECK(peak >= cur);
    snap = ohm_snapshot_take(h);
    CHECK_EQ_SIZE(line_count(snap, keep_line, &bytes), 0);
    CHECK_EQ_SIZE(line_count(snap, mem_line, &bytes), nheld);
    CHECK_EQ_SIZE(bytes, held);
    ohm_snapshot_free(snap);

    for (int k = 0; k < OWNER_LIVE; k++) ohm_free(h, mine[k]);
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, 0);
    ohm_trace_stop(h);
    ohm_heap_destroy(h);
    return check_done();
}
