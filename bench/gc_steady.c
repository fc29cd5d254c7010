/*
 * gc_steady.c — the steady-state benchmark of issue 15 (`make bench-steady`): pauses,
 * collector time, peak RSS and unreclaimed garbage, generational against incremental.
 *
 *   gc_steady N ITERATIONS [generational|incremental]  (default: OHM_GC, else generational)
 *   gc_steady scale N                                   (`make bench-scale`)
 *
 * Shape: a long-lived heap of N nodes (an ohm list holding all of them; each node has
 * two references to random nodes of it: one connected graph full of cycles). Then
 * ITERATIONS times (the same work for every collector: a replaced node stays reachable
 * through the edges that point to it until they move, so the live heap grows with the
 * iterations run, and a run of fixed duration would give the faster collector the
 * larger heap):
 *   - makes a 3-node cycle and drops it (short-lived cyclic garbage);
 *   - moves one edge of the long-lived graph (node[i].ref[k] = node[j]);
 *   - every 2nd iteration replaces a node of the list by a new one with random edges
 *     (the old one turns into long-lived garbage once no edge points to it).
 * Measured: each iteration's time; an iteration in which the collector ran (count[0]
 * went down) is a pause sample: longest and p99 of them; the longest iteration of all
 * (longest_iter_ms) shows the mutator's own stalls too (page faults). Collector time: the stats'
 * durations of all generations (incremental steps included) over the loop's time.
 * Peak RSS: VmHWM, reset (clear_refs 5) after each garbage census. Garbage at the end
 * of each second: nodes alive (dealloc counts them) minus nodes reachable from the
 * list, by a traversal outside the timed loop. Output: one line of key=value pairs.
 *
 * Garbage age (issue 15's "reclaimed within 2 s of being dropped"), for what the
 * collector frees (a node freed by refcounting, outside a collection, was freed as its
 * last reference went: it never waited):
 *   - a dropped cycle's nodes: exact, from the drop to the start of the collection that
 *     frees them (cyc_age_*);
 *   - a long-lived node (one that was in the list): it became unreachable at an unknown
 *     moment, bounded by the censuses: after the last census that reached it (or its
 *     creation), and, if a census found it unreachable (a heap walk after each census
 *     stamps those), before the first such. Its age at reclamation is reported as the
 *     upper bound (node_age_*; node_age_max_lb_s: the largest lower bound).
 * Both in log-linear histograms (3% wide bins); p99 is the bin's upper edge. Garbage
 * still alive at the end and older than 2 s: old_garbage_end (certainly older: exact
 * for cycles, the lower bound for nodes) and old_garbage_end_ub (possibly older);
 * reclaimed older than 2 s: cyc_over_2s, node_over_2s (the bound). The
 * clock read by the nodes' dealloc is a coarse one (refreshed every 256 iterations and
 * at each collection's start), so the cost inside timed pauses is a few stores per
 * freed node.
 *
 * scale N: the same heap of N nodes, timed: creation, linking, a full collection
 * (nothing to find), an incremental cycle driven to its end in 1 ms steps (the longest
 * step, its total), the release of everything; ns per object each, the peak RSS, and
 * the collector's own memory after the cycle (its vectors' capacities and the arena
 * list: bytes per object) and, for the full collection, its peak: the resident set's
 * growth during it (VmHWM reset before it; its mark stack and unreachable vector are
 * given back after). Reads the collector's state (gc/gc.h): build with -Isrc.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ohm.h"
#include "gc/gc.h"

typedef struct snode {
    ohm_object ob;
    ohm_object *ref[2];
    unsigned seen;       /* the last census epoch that reached it (new: the current one) */
    uint32_t drop_us;    /* a cycle's node: 1 + when it was dropped (µs); 0: long-lived */
    uint32_t lost;       /* long-lived: the first census epoch that found it unreachable */
} snode;   /* 44 bytes: the 48-byte class, as without the age fields */

static size_t alive_nodes;
static void age_reclaimed(const snode *n);

static int snode_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    snode *n = (snode *)self;
    for (int i = 0; i < 2; i++)
        if (n->ref[i]) { int r = visit(n->ref[i], arg); if (r) return r; }
    return 0;
}
static int snode_clear(ohm_object *self) {
    snode *n = (snode *)self;
    for (int i = 0; i < 2; i++) {
        ohm_object *t = n->ref[i];
        n->ref[i] = NULL;
        ohm_xdecref(t);
    }
    return 0;
}
static void snode_dealloc(ohm_object *self) {
    alive_nodes--;
    age_reclaimed((const snode *)self);
    snode_clear(self);
}
static const ohm_type snode_type = {
    .name = "snode", .basicsize = sizeof(snode), .flags = OHM_TYPE_GC,
    .traverse = snode_traverse, .clear = snode_clear, .dealloc = snode_dealloc,
};

static ohm_heap *H;
static uint64_t t0_ns;        /* the loop's start (CLOCK_MONOTONIC) */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(uint64_t n) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return rng % n;
}
static uint64_t clock_ns(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
/* Iterations are timed in the thread's CPU time: the machine is shared, and a wall
 * clock would count the time other processes took the core as pauses. */
static uint64_t cpu_ns(void) { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }
static uint64_t wall_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

/* ---- garbage age ---- */
#define AGE_BINS (32 * 28)
typedef struct { uint64_t n[AGE_BINS], count; uint32_t max; } age_hist;
static age_hist age_cyc, age_node;
static uint32_t age_node_lb_max;
static uint32_t now_us;       /* the coarse clock: µs since the loop's start */
static uint32_t *census_us;   /* census_us[e]: when census e ran (e = 0: the loop's start) */
static size_t census_cap;
static int measuring, in_gc;
static unsigned epoch;
static uint32_t age_s_to_us(double s) { return (uint32_t)(s * 1e6); }

/* v < 32: bin v; else 32 bins per power of two */
static unsigned age_bin(uint32_t v) {
    if (v < 32) return v;
    unsigned e = 31u - (unsigned)__builtin_clz(v);
    return 32 + (e - 5) * 32 + ((v >> (e - 5)) & 31);
}
static uint32_t age_bin_high(unsigned b) {
    if (b < 32) return b;
    unsigned e = (b - 32) / 32 + 5, m = (b - 32) % 32;
    return (uint32_t)((((uint64_t)32 + m + 1) << (e - 5)) - 1);
}
static void age_add(age_hist *a, uint32_t v) {
    a->n[age_bin(v)]++;
    a->count++;
    if (v > a->max) a->max = v;
}
static double age_quantile_s(const age_hist *a, double q) {
    uint64_t want = (uint64_t)((double)a->count * q), seen = 0;
    for (unsigned b = 0; b < AGE_BINS; b++)
        if ((seen += a->n[b]) > want) return age_bin_high(b) < a->max ? age_bin_high(b) / 1e6 : a->max / 1e6;
    return a->max / 1e6;
}
/* A node's dealloc: inside a collection (the collector freed it, or what it freed
 * dropped the last reference to it), its age as garbage. */
static void age_reclaimed(const snode *n) {
    if (!in_gc || !measuring) return;
    if (n->drop_us) { age_add(&age_cyc, now_us - (n->drop_us - 1)); return; }
    age_add(&age_node, now_us - census_us[n->seen]);
    if (n->lost && now_us - census_us[n->lost] > age_node_lb_max) age_node_lb_max = now_us - census_us[n->lost];
}
/* How many were reclaimed older than us (bins whose low edge is past it: within 3%). */
static uint64_t age_count_over(const age_hist *a, uint32_t us) {
    uint64_t n = 0;
    for (unsigned b = AGE_BINS; b-- > 1 && age_bin_high(b - 1) >= us;) n += a->n[b];
    return n;
}
static void on_gc_age(ohm_heap *h, int phase, const ohm_gc_info *info, void *arg) {
    (void)h; (void)info; (void)arg;
    in_gc = phase == OHM_GC_START;
    if (in_gc && measuring) now_us = (uint32_t)((wall_ns() - t0_ns) / 1000);
}


static snode *snode_new(void) {
    snode *n = (snode *)ohm_new(H, &snode_type);
    if (!n) { fprintf(stderr, "out of memory\n"); exit(1); }
    alive_nodes++;
    n->seen = epoch;   /* it cannot have become unreachable before the last census */
    return n;
}
static void set_ref(snode *n, int k, ohm_object *t) {
    ohm_object *old = n->ref[k];
    ohm_xincref(t);
    n->ref[k] = t;
    ohm_xdecref(old);
}

static ohm_object *list;   /* the long-lived heap */
static size_t N;

static snode *node_at(size_t i) { return (snode *)ohm_list_get(list, i); }   /* borrowed */

/* ---- the census: nodes reachable from the list (an explicit stack, freed after) ---- */
static size_t census(void) {
    epoch++;
    if (epoch >= census_cap) {   /* one per second of the run, which has a length in iterations */
        census_cap = census_cap ? 2 * census_cap : 64;
        census_us = realloc(census_us, census_cap * sizeof *census_us);
        if (!census_us) { fprintf(stderr, "out of memory\n"); exit(1); }
    }
    census_us[epoch] = now_us = (uint32_t)((wall_ns() - t0_ns) / 1000);
    size_t cap = N + 16, len = 0, seen = 0;
    snode **st = malloc(cap * sizeof *st);
    for (size_t i = 0; i < N; i++) {
        snode *r = node_at(i);
        if (r->seen == epoch) continue;
        r->seen = epoch;
        seen++;
        st[len++] = r;
        while (len) {
            snode *p = st[--len];
            for (int k = 0; k < 2; k++) {
                snode *c = (snode *)p->ref[k];
                if (!c || c->seen == epoch) continue;
                c->seen = epoch;
                seen++;
                if (len == cap) st = realloc(st, (cap *= 2) * sizeof *st);
                st[len++] = c;
            }
        }
    }
    free(st);
    return seen;
}

/* After a census: long-lived nodes it did not reach are stamped with the epoch that
 * first found them unreachable; with `end`, count the garbage older than 2 s (certainly:
 * *old; possibly: *old_ub). A walk of the heap's objects (gc/gc.h's allocator). */
typedef struct { int end; size_t old, old_ub; } lost_walk;
static int stamp_lost(ohm_object *o, void *arg) {
    lost_walk *w = arg;
    if (o->ohm_type != &snode_type) return 0;
    snode *n = (snode *)o;
    if (n->seen == epoch) return 0;
    if (!n->drop_us && !n->lost) n->lost = epoch;
    if (!w->end) return 0;
    uint32_t two = age_s_to_us(2.0);
    uint32_t lb = n->drop_us ? now_us - (n->drop_us - 1) : now_us - census_us[n->lost];
    uint32_t ub = n->drop_us ? lb : now_us - census_us[n->seen];
    w->old += lb > two;
    w->old_ub += ub > two;
    return 0;
}

static long vm_status_kb(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, n)) kb = atol(line + n);
    if (f) fclose(f);
    return kb;
}
static long vm_hwm_kb(void) { return vm_status_kb("VmHWM:"); }
static void reset_hwm(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) { fputs("5", f); fclose(f); }
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double gc_seconds(void) {
    ohm_gc_stats st[3];
    ohm_gc_get_stats(H, st);
    return st[0].duration + st[1].duration + st[2].duration;
}

/* ---- scale ---- */
static size_t collector_bytes(void) {
    const struct gc_state *g = ohmi_gc_of(H);
    size_t b = g->young[0].cap + g->young[1].cap + g->stack.cap + g->unreach.cap +
               g->incr.grey.cap + g->incr.big.cap;
    return b * sizeof(void *) + g->incr.narenas * sizeof(uintptr_t);
}

static int scale(size_t n) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = 0;   /* the phases timed alone */
    cfg.gc_incremental = 1;
    cfg.huge_pages = !getenv("STEADY_SMALL_PAGES");   /* the heap's walks miss the TLB less */
    H = ohm_heap_new(&cfg);
    N = n;
    uint64_t t = wall_ns();
    list = ohm_list_new(H);
    for (size_t i = 0; i < N; i++) {
        snode *x = snode_new();
        ohm_list_append(list, &x->ob);
        ohm_decref(&x->ob);
    }
    double create = (double)(wall_ns() - t) / (double)N;
    t = wall_ns();
    for (size_t i = 0; i < N; i++)
        for (int k = 0; k < 2; k++) set_ref(node_at(i), k, &node_at(rnd(N))->ob);
    double link = (double)(wall_ns() - t) / (double)N;
    ohm_gc_collect(H, 2);
    long hwm_before = vm_hwm_kb(), rss = vm_status_kb("VmRSS:");
    reset_hwm();   /* the peak above the heap during the full collection: its vectors */
    t = cpu_ns();
    ohm_gc_collect(H, 2);
    double full = (double)(cpu_ns() - t) / (double)N;
    double full_peak = (double)(vm_hwm_kb() - rss) * 1024.0 / (double)N;
    size_t full_mem = collector_bytes(), incr_mem = 0;   /* the full one's vectors are trimmed */
    uint64_t longest = 0, total = 0;
    size_t steps = 0;
    ohmi_gc_incr_start(H);
    while (ohmi_gc_of(H)->incr.phase != GC_INCR_IDLE) {
        uint64_t s0 = cpu_ns();
        ohmi_gc_incr_step(H, wall_ns() + 625000);   /* as the automatic steps: 5/8 of 1 ms */
        uint64_t d = cpu_ns() - s0;
        total += d;
        steps++;
        if (d > longest) longest = d;
        size_t m = collector_bytes();
        if (m > incr_mem) incr_mem = m;
    }
    long hwm = vm_hwm_kb() > hwm_before ? vm_hwm_kb() : hwm_before;
    t = wall_ns();
    ohm_decref(list);
    double release = (double)(wall_ns() - t) / (double)N;
    printf("scale huge_pages=%d N=%zu create_ns=%.1f link_ns=%.1f full_ns=%.1f full_ms=%.1f incr_ns=%.1f "
           "incr_steps=%zu incr_longest_ms=%.3f release_ns=%.1f peak_rss_mb=%.1f "
           "collector_bytes_per_object_after_full=%.2f collector_bytes_per_object_incr_peak=%.2f "
           "full_peak_bytes_per_object=%.2f\n",
           cfg.huge_pages, N, create, link, full, full * (double)N / 1e6, (double)total / (double)N, steps,
           longest / 1e6, release, hwm / 1024.0, (double)full_mem / (double)N,
           (double)incr_mem / (double)N, full_peak);
    ohm_heap_destroy(H);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "scale")) return scale(strtoull(argv[2], NULL, 10));
    if (argc < 3) { fprintf(stderr, "usage: gc_steady N ITERATIONS [generational|incremental]\n"); return 2; }
    N = strtoull(argv[1], NULL, 10);
    uint64_t total = strtoull(argv[2], NULL, 10);
    int seconds = 0;
    ohm_config cfg;
    ohm_config_init(&cfg);
    if (argc > 3) cfg.gc_incremental = !strcmp(argv[3], "incremental");
    H = ohm_heap_new(&cfg);
    if (!H) { fprintf(stderr, "%s\n", ohm_last_error(NULL)); return 1; }

    list = ohm_list_new(H);
    for (size_t i = 0; i < N; i++) {
        snode *n = snode_new();
        ohm_list_append(list, &n->ob);
        ohm_decref(&n->ob);
    }
    for (size_t i = 0; i < N; i++)
        for (int k = 0; k < 2; k++) set_ref(node_at(i), k, &node_at(rnd(N))->ob);
    ohm_gc_collect(H, 2);   /* the long-lived heap is old */
    census_cap = 64;
    census_us = calloc(census_cap, sizeof *census_us);
    ohm_gc_add_callback(H, on_gc_age, NULL);
    lost_walk lw = {0, 0, 0};

    size_t cap = 1 << 16, npause = 0;
    uint64_t *pause = malloc(cap * sizeof *pause);
    uint64_t longest = 0, loop_ns = 0, iters = 0, plain_ns = 0, nplain = 0, longest_iter = 0;
    size_t garbage_max = 0, garbage_last = 0, garbage_sum = 0;
    long hwm = 0;
    double gc0 = gc_seconds();
    reset_hwm();
    t0_ns = wall_ns();
    measuring = 1;
    for (; iters < total; seconds++) {
        uint64_t t_end = wall_ns() + 1000000000ull, t = cpu_ns();
        size_t c[3];
        ohm_gc_get_count(H, c);
        for (unsigned spin = 0; iters < total && ((spin & 255) || (now_us = (uint32_t)((wall_ns() - t0_ns) / 1000),
                                                                   now_us < (t_end - t0_ns) / 1000)); spin++) {
            size_t before = c[0];
            /* a 3-node cycle, dropped */
            snode *a = snode_new(), *b = snode_new(), *d = snode_new();
            set_ref(a, 0, &b->ob); set_ref(b, 0, &d->ob); set_ref(d, 0, &a->ob);
            a->drop_us = b->drop_us = d->drop_us = now_us + 1;
            ohm_decref(&a->ob); ohm_decref(&b->ob); ohm_decref(&d->ob);
            /* one edge of the long-lived graph moved */
            set_ref(node_at(rnd(N)), (int)rnd(2), &node_at(rnd(N))->ob);
            if ((iters & 1) == 0) {   /* a node of the list replaced */
                snode *n = snode_new();
                set_ref(n, 0, &node_at(rnd(N))->ob);
                set_ref(n, 1, &node_at(rnd(N))->ob);
                ohm_list_set(list, rnd(N), &n->ob);
                ohm_decref(&n->ob);
            }
            iters++;
            uint64_t t2 = cpu_ns(), d_ns = t2 - t;
            ohm_gc_get_count(H, c);
            if (c[0] < before) {   /* the collector ran in this iteration */
                if (npause == cap) pause = realloc(pause, (cap *= 2) * sizeof *pause);
                pause[npause++] = d_ns;
                if (d_ns > longest) longest = d_ns;
            } else if (d_ns < 1000000) {
                plain_ns += d_ns;
                nplain++;
            }
            loop_ns += d_ns;
            if (d_ns > longest_iter) longest_iter = d_ns;   /* the mutator's stalls too */
            t = t2;
        }
        long k = vm_hwm_kb();
        if (k > hwm) hwm = k;
        size_t garbage = alive_nodes - census();
        lw.end = iters >= total;   /* the last second */
        ohmi_alloc_walk_objects(H, 1, stamp_lost, &lw);
        garbage_last = garbage;
        garbage_sum += garbage;
        if (garbage > garbage_max) garbage_max = garbage;
        reset_hwm();
    }
    double gc_stats_s = gc_seconds() - gc0;
    measuring = 0;
    /* collector time: the iterations it ran in, less what such an iteration costs
     * without it (the mean of the others) */
    double plain = nplain ? (double)plain_ns / (double)nplain : 0, gc_s = 0;
    for (size_t i = 0; i < npause; i++) gc_s += ((double)pause[i] - plain) * 1e-9;
    qsort(pause, npause, sizeof *pause, cmp_u64);
    uint64_t p99 = npause ? pause[(size_t)((double)(npause - 1) * 0.99)] : 0;
    printf("mode=%s N=%zu seconds=%d iters=%llu pauses=%zu longest_ms=%.3f p99_ms=%.3f "
           "gc_share=%.4f gc_s=%.3f gc_stats_s=%.3f loop_s=%.3f peak_rss_mb=%.1f garbage_max=%zu garbage_last=%zu "
           "garbage_mean=%zu cyc_reclaimed=%llu cyc_age_p99_s=%.4f cyc_age_max_s=%.4f "
           "node_reclaimed=%llu node_age_p99_s=%.3f node_age_max_s=%.3f node_age_max_lb_s=%.3f "
           "old_garbage_end=%zu old_garbage_end_ub=%zu cyc_over_2s=%llu node_over_2s=%llu "
           "longest_iter_ms=%.3f\n",
           cfg.gc_incremental ? "incremental" : "generational", N, seconds,
           (unsigned long long)iters, npause, longest / 1e6, p99 / 1e6, gc_s / (loop_ns / 1e9),
           gc_s, gc_stats_s, loop_ns / 1e9, hwm / 1024.0, garbage_max, garbage_last,
           seconds ? garbage_sum / (size_t)seconds : 0, (unsigned long long)age_cyc.count,
           age_quantile_s(&age_cyc, 0.99), age_cyc.max / 1e6, (unsigned long long)age_node.count,
           age_quantile_s(&age_node, 0.99), age_node.max / 1e6, age_node_lb_max / 1e6, lw.old,
           lw.old_ub, (unsigned long long)age_count_over(&age_cyc, age_s_to_us(2.0)),
           (unsigned long long)age_count_over(&age_node, age_s_to_us(2.0)), longest_iter / 1e6);
    ohm_gc_stats st[3];
    ohm_gc_get_stats(H, st);
    printf("  collections: gen0 %zu gen1 %zu full %zu (full: %.3f s by the stats' clock)\n",
           st[0].collections, st[1].collections, st[2].collections, st[2].duration);
    free(pause);
    free(census_us);
    ohm_decref(list);
    ohm_heap_destroy(H);
    return 0;
}
