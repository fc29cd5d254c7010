/*
 * heap.c — heaps: configuration from the environment, creation, destruction, errors.
 *
 * A heap owns everything it hands out. Creation runs each subsystem's init in order
 * (alloc, obj, gc, trace); destruction runs their fini in reverse, and alloc_fini
 * gives every arena and large block back, so nothing a heap got outlives it.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

static _Thread_local char heap_new_error[256]; /* ohm_last_error(NULL) */

void heap_error(ohm_heap *h, const char *fmt, ...) {
    char *buf = h ? h->error : heap_new_error;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof h->error, fmt, ap);
    va_end(ap);
}

void heap_error_clear(ohm_heap *h) {
    (h ? h->error : heap_new_error)[0] = '\0';
}

void ohm_fatal(const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fputs("ohm: fatal error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

const char *ohm_last_error(ohm_heap *h) {
    return h ? h->error : heap_new_error;
}

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
}

ohm_heap *ohm_heap_new(const ohm_config *cfg) {
    ohm_config defaults;
    if (!cfg) { ohm_config_init(&defaults); cfg = &defaults; }
    if (cfg->config_error) { heap_error(NULL, "%s", cfg->config_error); return NULL; }
    if (cfg->trace_frames < 0 || cfg->trace_frames > OHM_TRACE_MAX_FRAMES) {
        heap_error(NULL, "ohm_heap_new: trace_frames must be in 0..%d, not %d",
                   OHM_TRACE_MAX_FRAMES, cfg->trace_frames);
        return NULL;
    }
    ohm_heap *h = calloc(1, sizeof *h);
    if (!h) { heap_error(NULL, "ohm_heap_new: out of memory"); return NULL; }
    h->cfg = *cfg;
    for (int i = 0; i < 3; i++)
        if (!h->cfg.gc_threshold[i]) h->cfg.gc_threshold[i] = i ? 10 : 2000;
    if (alloc_init(h) < 0) goto fail_alloc;
    if (obj_init(h) < 0) goto fail_obj;
    if (gc_init(h) < 0) goto fail_gc;
    if (trace_init(h) < 0) goto fail_trace;
    if (h->cfg.trace_frames > 0 && ohm_trace_start(h, h->cfg.trace_frames) < 0) goto fail_start;
    return h;
fail_start:
    trace_fini(h);
fail_trace:
    gc_fini(h);
fail_gc:
    obj_fini(h);
fail_obj:
    alloc_fini(h);
fail_alloc:
    heap_error(NULL, "%s", h->error);
    free(h);
    return NULL;
}

void ohm_heap_destroy(ohm_heap *h) {
    if (!h) return;
    h->destroying = 1;
    if (h->cfg.print_stats) ohm_debug_mallocstats(h, stderr);
    trace_fini(h);
    gc_fini(h);
    obj_fini(h);
    alloc_fini(h);
    free(h);
}
