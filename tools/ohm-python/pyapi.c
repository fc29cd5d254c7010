/*
 * pyapi.c — what the `ohm` Python module (tools/ohm-python/ohm/__init__.py) calls:
 * libohm-python.so's exports besides the Py_NewInterpreterFromConfig wrapper, each a
 * thin call on the one heap preload.c installed.
 *
 * The module loads them with ctypes.PyDLL, which keeps the GIL across the call: the
 * GIL is what serializes every use of the heap (preload.c), so these must never be
 * called without it (a ctypes.CDLL would release it). Names are ohmpy_*, not ohm_*,
 * so that they cannot clash with a libohm.so an extension module loads. Failures
 * return -1 (or NULL) with ohm's message in ohmpy_error(), which the module raises.
 * Before the heap exists (a process where the constructor did nothing) every call
 * fails or reports nothing; the module checks ohmpy_served() when imported.
 */
#define OHM_NO_CALLSITE
#include "pyframes.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define OHMPY_EXPORT __attribute__((visibility("default")))

/* The interface version the module checks, so that a module and a library from
 * different builds fail plainly. */
OHMPY_EXPORT int ohmpy_abi(void);
int ohmpy_abi(void) { return 1; }

OHMPY_EXPORT const char *ohmpy_error(void);
const char *ohmpy_error(void) {
    return ohmpy_heap() ? ohm_last_error(ohmpy_heap()) : "ohm-python installed no heap in this process";
}

/* 1 when ohm serves this interpreter's MEM and OBJ domains (CPython did not replace
 * them at start-up, PYTHONMALLOC in a child for instance). */
OHMPY_EXPORT int ohmpy_served(void);
int ohmpy_served(void) {
    ohm_heap *h = ohmpy_heap();
    if (!h) return 0;
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    return st.arenas_allocated > 0 || st.large_blocks > 0;
}

/* "" when tracebacks get Python frames, else why not (pyframes.c). */
OHMPY_EXPORT const char *ohmpy_frames(void);
const char *ohmpy_frames(void) { return ohmpy_frames_why(); }

OHMPY_EXPORT int ohmpy_start(int nframes, size_t sample_bytes);
int ohmpy_start(int nframes, size_t sample_bytes) {
    ohm_heap *h = ohmpy_heap();
    if (!h) return -1;
    return sample_bytes ? ohm_trace_start_sampled(h, nframes, sample_bytes)
                        : ohm_trace_start(h, nframes);
}

OHMPY_EXPORT void ohmpy_stop(void);
void ohmpy_stop(void) { if (ohmpy_heap()) ohm_trace_stop(ohmpy_heap()); }

OHMPY_EXPORT int ohmpy_is_tracing(void);
int ohmpy_is_tracing(void) { return ohmpy_heap() ? ohm_trace_is_tracing(ohmpy_heap()) : 0; }

OHMPY_EXPORT int ohmpy_traceback_limit(void);
int ohmpy_traceback_limit(void) {
    return ohmpy_heap() ? ohm_trace_get_traceback_limit(ohmpy_heap()) : 0;
}

OHMPY_EXPORT size_t ohmpy_sample_mean(void);
size_t ohmpy_sample_mean(void) { return ohmpy_heap() ? ohm_trace_get_sample_mean(ohmpy_heap()) : 0; }

OHMPY_EXPORT void ohmpy_traced_memory(size_t *current, size_t *peak);
void ohmpy_traced_memory(size_t *current, size_t *peak) {
    *current = *peak = 0;
    if (ohmpy_heap()) ohm_trace_get_traced_memory(ohmpy_heap(), current, peak);
}

OHMPY_EXPORT void ohmpy_reset_peak(void);
void ohmpy_reset_peak(void) { if (ohmpy_heap()) ohm_trace_reset_peak(ohmpy_heap()); }

OHMPY_EXPORT void ohmpy_clear_traces(void);
void ohmpy_clear_traces(void) { if (ohmpy_heap()) ohm_trace_clear(ohmpy_heap()); }

/* Bytes tracing itself uses (tracemalloc.get_tracemalloc_memory()). */
OHMPY_EXPORT size_t ohmpy_tracing_memory(void);
size_t ohmpy_tracing_memory(void) { return ohmpy_heap() ? ohm_trace_get_memory(ohmpy_heap()) : 0; }

/* Write a snapshot of the live traces to path (ohm-prof's input). 0, or -1. */
OHMPY_EXPORT int ohmpy_take_snapshot(const char *path);
int ohmpy_take_snapshot(const char *path) {
    ohm_heap *h = ohmpy_heap();
    if (!h) return -1;
    ohm_snapshot *s = ohm_snapshot_take(h);
    if (!s) return -1;
    int r = ohm_snapshot_dump(s, path);
    ohm_snapshot_free(s);
    return r;
}

OHMPY_EXPORT int ohmpy_timeline_start(const char *path, unsigned interval_ms);
int ohmpy_timeline_start(const char *path, unsigned interval_ms) {
    return ohmpy_heap() ? ohm_timeline_start(ohmpy_heap(), path, interval_ms) : -1;
}

OHMPY_EXPORT int ohmpy_timeline_stop(void);
int ohmpy_timeline_stop(void) { return ohmpy_heap() ? ohm_timeline_stop(ohmpy_heap()) : -1; }

OHMPY_EXPORT void ohmpy_mark(const char *label);
void ohmpy_mark(const char *label) { if (ohmpy_heap()) ohm_timeline_mark(ohmpy_heap(), label); }

OHMPY_EXPORT void ohmpy_enter(const char *scope);
void ohmpy_enter(const char *scope) { if (ohmpy_heap()) ohm_timeline_enter(ohmpy_heap(), scope); }

/* 0, or -1 when no scope was open (ohm_timeline_leave's message). */
OHMPY_EXPORT int ohmpy_leave(void);
int ohmpy_leave(void) {
    ohm_heap *h = ohmpy_heap();
    if (!h) return -1;
    ohm_clear_error(h);
    ohm_timeline_leave(h);
    return *ohm_last_error(h) ? -1 : 0;
}

/* ohm's own full collection: its free lists emptied, a sample on the timeline. (The
 * module runs CPython's gc.collect() first: CPython's objects are CPython's.) */
OHMPY_EXPORT size_t ohmpy_collect(void);
size_t ohmpy_collect(void) { return ohmpy_heap() ? ohm_gc_collect(ohmpy_heap(), 2) : 0; }

/* ohm_debug_mallocstats as text, malloc'd (ohmpy_free_text), or NULL. */
OHMPY_EXPORT char *ohmpy_mallocstats(void);
char *ohmpy_mallocstats(void) {
    ohm_heap *h = ohmpy_heap();
    char *text = NULL;
    size_t len = 0;
    FILE *f = h ? open_memstream(&text, &len) : NULL;
    if (!f) return NULL;
    ohm_debug_mallocstats(h, f);
    fclose(f);
    return text;
}

OHMPY_EXPORT void ohmpy_free_text(char *text);
void ohmpy_free_text(char *text) { free(text); }

/* Tracebacks stop below the newest frame running this code object (its address, as
 * id() gives it; the caller keeps it alive); 0: they don't. */
OHMPY_EXPORT void ohmpy_root(uintptr_t code);
void ohmpy_root(uintptr_t code) { ohmpy_frames_root((const void *)code); }

/* Strings and records the frame reader has interned (for the tests). */
OHMPY_EXPORT void ohmpy_frame_counts(size_t *strings, size_t *sites);
void ohmpy_frame_counts(size_t *strings, size_t *sites) { ohmpy_frames_counts(strings, sites); }
