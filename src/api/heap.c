/*
 * heap.c — heaps: configuration from the environment, creation (and OHM_TIMELINE's
 * recording from it), destruction, and sys._debugmallocstats.
 *
 * A heap owns everything it hands out. Creation runs each layer's init bottom up
 * (alloc, trace, gc, obj); destruction runs their fini top down, and ohmi_alloc_fini
 * gives every arena and large block back, so nothing a heap got outlives it.
 */
#include "api/api.h"
#include "api/timeline.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

/* OHM_MALLOC takes PYTHONMALLOC's values. */
static void config_malloc(ohm_config *cfg, const char *v) {
    if (!strcmp(v, "pymalloc") || !strcmp(v, "default") || !*v) return;
    if (!strcmp(v, "debug") || !strcmp(v, "pymalloc_debug")) { cfg->debug = 1; return; }
    if (!strcmp(v, "malloc")) { cfg->use_malloc = 1; return; }
    if (!strcmp(v, "malloc_debug")) { cfg->use_malloc = 1; cfg->debug = 1; return; }
    cfg->config_error = "OHM_MALLOC: unknown value; expected one of debug, malloc, "
                        "pymalloc, malloc_debug, pymalloc_debug";
}

/* A decimal in [lo, hi]; -1 when the text is not one. */
static long config_number(const char *v, long lo, long hi) {
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi) return -1;
    return n;
}

void ohm_config_init(ohm_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->gc_threshold[0] = 2000;
    cfg->gc_threshold[1] = 10;
    cfg->gc_threshold[2] = 10;
    cfg->gc_enabled = 1;
    const char *v;
    if ((v = getenv("OHM_MALLOC"))) config_malloc(cfg, v);
    if ((v = getenv("OHM_MALLOCSTATS")) && *v) {
        long n = config_number(v, 0, 1);
        if (n < 0) cfg->config_error = "OHM_MALLOCSTATS: expected 0 or 1";
        else cfg->print_stats = (int)n;
    }
    if ((v = getenv("OHM_TRACEMALLOC")) && *v) {
        long n = config_number(v, 0, OHM_TRACE_MAX_FRAMES);
        if (n < 0) cfg->config_error = "OHM_TRACEMALLOC: expected a number of frames, 0..128";
        else cfg->trace_frames = (int)n;
    }
    if ((v = getenv("OHM_GC_STRESS")) && *v) {
        long n = config_number(v, 0, 1);
        if (n < 0) cfg->config_error = "OHM_GC_STRESS: expected 0 or 1";
        else cfg->gc_stress = (int)n;
    }
    if ((v = getenv("OHM_GC_POLICY")) && *v) {
        if (!strcmp(v, "adaptive")) cfg->gc_policy = OHM_GC_POLICY_ADAPTIVE;
        else if (!strcmp(v, "cpython")) cfg->gc_policy = OHM_GC_POLICY_CPYTHON;
        else cfg->config_error = "OHM_GC_POLICY: expected adaptive or cpython";
    }
    if ((v = getenv("OHM_GC")) && *v) {
        if (!strcmp(v, "incremental")) cfg->gc_incremental = 1;
        else if (!strcmp(v, "generational")) cfg->gc_incremental = 0;
        else cfg->config_error = "OHM_GC: expected generational or incremental";
    }
    if ((v = getenv("OHM_TIMELINE")) && *v) {
        char path[PATH_MAX];
        unsigned ms;
        const char *why;
        if (ohmi_timeline_parse_spec(v, path, sizeof path, &ms, &why) < 0) cfg->config_error = why;
        else cfg->timeline = v;
    }
}

/* cfg.timeline (OHM_TIMELINE): record from the heap's creation. */
static int heap_timeline(ohm_heap *h, const char *spec) {
    char path[PATH_MAX], why[sizeof ohmi_base_of(h)->error];
    unsigned ms;
    const char *bad;
    if (ohmi_timeline_parse_spec(spec, path, sizeof path, &ms, &bad) < 0) {
        ohmi_error(h, "%s", bad);
        return -1;
    }
    if (ohm_timeline_start(h, path, ms) == 0) return 0;
    snprintf(why, sizeof why, "%s", ohm_last_error(h));
    ohmi_error(h, "OHM_TIMELINE=%s: %s", spec, why);
    return -1;
}

/* The heap structure itself. A debug heap's is a mapping of its own, so that when the
 * heap is destroyed it can become a tombstone (base/os.c): any later use of the heap
 * is then reported as such instead of reading freed memory. Sanitizer builds keep
 * the C library's memory, where ASan reports a use after free itself. */
#if defined(OHM_SANITIZER)
#  define HEAP_TOMBSTONES 0
#else
#  define HEAP_TOMBSTONES 1
#endif
static size_t heap_map_size(void) {
    return (sizeof(struct ohm_heap) + 4095) & ~(size_t)4095;
}

static ohm_heap *heap_alloc(int debug) {
    if (HEAP_TOMBSTONES && debug) return ohmi_os_map(heap_map_size());   /* zeroed */
    return calloc(1, sizeof(struct ohm_heap));
}

/* destroyed: a debug heap becomes a tombstone; else its memory goes back. */
static void heap_free(ohm_heap *h, int destroyed) {
    if (!(HEAP_TOMBSTONES && ohmi_base_of(h)->cfg.debug)) free(h);
    else if (destroyed) ohmi_os_tombstone(h, heap_map_size());
    else ohmi_os_unmap(h, heap_map_size());
}

ohm_heap *ohm_heap_new(const ohm_config *cfg) {
    ohm_config defaults;
    if (!cfg) { ohm_config_init(&defaults); cfg = &defaults; }
    if (cfg->config_error) { ohmi_error(NULL, "%s", cfg->config_error); return NULL; }
    if (cfg->trace_frames < 0 || cfg->trace_frames > OHM_TRACE_MAX_FRAMES) {
        ohmi_error(NULL, "ohm_heap_new: trace_frames must be in 0..%d, not %d",
                   OHM_TRACE_MAX_FRAMES, cfg->trace_frames);
        return NULL;
    }
    if (cfg->gc_policy != OHM_GC_POLICY_ADAPTIVE && cfg->gc_policy != OHM_GC_POLICY_CPYTHON) {
        ohmi_error(NULL, "ohm_heap_new: gc_policy must be OHM_GC_POLICY_ADAPTIVE or "
                   "OHM_GC_POLICY_CPYTHON, not %d", cfg->gc_policy);
        return NULL;
    }
    ohm_heap *h = heap_alloc(cfg->debug);
    if (!h) { ohmi_error(NULL, "ohm_heap_new: out of memory"); return NULL; }
    ohmi_base_of(h)->cfg = *cfg;
    for (int i = 0; i < 3; i++)
        if (!ohmi_base_of(h)->cfg.gc_threshold[i]) ohmi_base_of(h)->cfg.gc_threshold[i] = i ? 10 : 2000;
    if (ohmi_alloc_init(h) < 0) goto fail_alloc;
    if (ohmi_trace_init(h) < 0) goto fail_trace;
    if (ohmi_gc_init(h) < 0) goto fail_gc;
    if (ohmi_obj_init(h) < 0) goto fail_obj;
    if (ohmi_base_of(h)->cfg.trace_frames > 0 &&
        ohm_trace_start(h, ohmi_base_of(h)->cfg.trace_frames) < 0)
        goto fail_start;
    if (cfg->timeline && *cfg->timeline && heap_timeline(h, cfg->timeline) < 0) goto fail_start;
    return h;
fail_start:
    ohmi_obj_fini(h);
fail_obj:
    ohmi_gc_fini(h);
fail_gc:
    ohmi_trace_fini(h);
fail_trace:
    ohmi_alloc_fini(h);
fail_alloc:
    ohmi_error(NULL, "%s", ohm_last_error(h));
    heap_free(h, 0);
    return NULL;
}

/* CPython's shutdown report of gc.garbage, shown when uncollectable objects are
 * being watched (CPython's is a ResourceWarning, hidden by default). */
static void heap_report_garbage(ohm_heap *h) {
    unsigned debug = ohmi_gc_of(h)->debug;
    if (!(debug & OHM_GC_DEBUG_UNCOLLECTABLE) || (debug & OHM_GC_DEBUG_SAVEALL)) return;
    size_t n = ohmi_gc_of(h)->garbage.len + (h->garbage ? ohm_list_len(h->garbage) : 0);
    if (n) fprintf(stderr, "gc: %zu uncollectable objects at shutdown\n", n);
}

void ohm_heap_destroy(ohm_heap *h) {
    if (!h) return;
    ohmi_timeline_fini(h);   /* the file completed while every figure is still there */
    ohmi_base_of(h)->destroying = 1;
    if (ohmi_base_of(h)->cfg.debug) ohmi_debug_check_all(h);   /* guards and fills */
    if (ohmi_base_of(h)->cfg.print_stats) ohm_debug_mallocstats(h, stderr);
    heap_report_garbage(h);
    ohmi_obj_fini(h);
    ohmi_gc_fini(h);
    ohmi_trace_fini(h);
    ohmi_alloc_fini(h);
    heap_free(h, 1);
}

void ohm_debug_mallocstats(ohm_heap *h, FILE *out) {
    ohmi_alloc_print_stats(h, out);
    ohmi_obj_print_freelists(h, out);
}
