/*
 * trace_frames.c — the traceback of an allocation happening now, interned.
 *
 * Sources, newest frame first, at most h->trace.nframes frames:
 *  1. the host-language provider, when set and it returns frames (strings interned);
 *  2. else the call-site record the public macros leave in ohm_callsite_ (exact file,
 *     line, function of the calling line), followed, when the limit allows, by native
 *     return addresses starting at that function's caller (the recorded frame address
 *     anchors the walk past ohm's own frames);
 *  3. else native return addresses from the allocator's frame up (ohm's own frames
 *     dropped when ohm is a shared library).
 * Interning: a traceback is its raw frames plus total_nframe; the FNV-1a hash of those
 * bytes indexes an open-addressing table of ids (id + 1, 0 empty, at most half full).
 * Traceback records live in the string table's arena and never move; ids index tbs[].
 * At limit 1 a direct-mapped cache from call-site record to id skips hashing: the hot
 * path of limit-1 tracing is a load, a compare and the traces-table insert.
 * Symbolized forms (ohm_traceback, oldest first) are built once per id, on demand.
 */
#include "trace_impl.h"

#include <stdlib.h>

OHM_API _Thread_local const ohm_callsite_frame *ohm_callsite_
    __attribute__((tls_model("initial-exec")));

static int tb_index_grow(struct trace_state *t) {
    size_t cap = t->tb_index_cap ? t->tb_index_cap * 2 : 256;
    uint32_t *ix = calloc(cap, sizeof *ix);
    if (!ix) return -1;
    for (size_t i = 0; i < t->tbs_len; i++) {
        size_t j = t->tbs[i]->hash & (cap - 1);
        while (ix[j]) j = (j + 1) & (cap - 1);
        ix[j] = (uint32_t)i + 1;
    }
    free(t->tb_index);
    t->mem += (cap - t->tb_index_cap) * sizeof *ix;
    t->tb_index = ix;
    t->tb_index_cap = cap;
    return 0;
}

/* The id of raw[0..n) with total, interned now if new. */
static uint32_t tb_intern(struct trace_state *t, const struct trace_rawframe *raw, size_t n,
                          size_t total) {
    uint64_t hv = trace_hash_bytes(raw, n * sizeof *raw, 0x9e3779b97f4a7c15ull ^ total);
    if (t->tb_index_cap) {
        for (size_t j = hv & (t->tb_index_cap - 1); t->tb_index[j];
             j = (j + 1) & (t->tb_index_cap - 1)) {
            struct trace_tb *tb = t->tbs[t->tb_index[j] - 1];
            if (tb->hash == hv && tb->nframe == n && tb->total_nframe == total &&
                !memcmp(tb->f, raw, n * sizeof *raw))
                return t->tb_index[j] - 1;
        }
    }
    if (t->tbs_len >= TRACE_NO_TB - 1) return TRACE_NO_TB;
    if ((t->tbs_len + 1) * 2 > t->tb_index_cap && tb_index_grow(t) < 0) return TRACE_NO_TB;
    if (t->tbs_len == t->tbs_cap) {
        size_t cap = t->tbs_cap ? t->tbs_cap * 2 : 256;
        struct trace_tb **a = realloc(t->tbs, cap * sizeof *a);
        if (!a) return TRACE_NO_TB;
        t->mem += (cap - t->tbs_cap) * sizeof *a;
        t->tbs = a;
        t->tbs_cap = cap;
    }
    struct trace_tb *tb = strtab_alloc(&t->strs, sizeof *tb + n * sizeof *raw);
    if (!tb) return TRACE_NO_TB;
    tb->hash = hv;
    tb->nframe = (uint32_t)n;
    tb->total_nframe = (uint32_t)total;
    tb->sym = NULL;
    memcpy(tb->f, raw, n * sizeof *raw);
    uint32_t id = (uint32_t)t->tbs_len++;
    t->tbs[id] = tb;
    size_t j = hv & (t->tb_index_cap - 1);
    while (t->tb_index[j]) j = (j + 1) & (t->tb_index_cap - 1);
    t->tb_index[j] = id + 1;
    return id;
}

/* Native frames into raw[n..limit); returns the new n and adds the depth to *total. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t capture_native(struct trace_state *t, struct trace_rawframe *raw, size_t n,
                             void *frame, size_t *total) {
    uintptr_t pcs[OHM_TRACE_MAX_FRAMES + 16];
    size_t want = (size_t)t->nframes - n, extra = 0, depth = 0;
    if (!frame && t->self_hi) extra = 16;   /* room for ohm's frames, dropped below */
    /* skip 1: trace_on_alloc, the hook that called frames_capture */
    size_t got = unwind_capture(t->unwind, pcs, want + extra, frame, 1, &depth);
    size_t i = 0;
    if (!frame && t->self_hi)
        while (i < got && pcs[i] >= t->self_lo && pcs[i] < t->self_hi) { i++; depth--; }
    for (; i < got && n < (size_t)t->nframes; i++) {
        raw[n].a = pcs[i];
        raw[n].b = 0;
        raw[n].line = 0;
        raw[n].kind = FRAME_NATIVE;
        n++;
    }
    *total += depth;
    return n;
}

#if defined(__GNUC__)
__attribute__((noinline))
#endif
uint32_t frames_capture(ohm_heap *h) {
    struct trace_state *t = &h->trace;
    const ohm_callsite_frame *cf = ohm_callsite_;
    struct trace_rawframe raw[OHM_TRACE_MAX_FRAMES];
    size_t n = 0, total = 0;

    if (t->provider) {
        ohm_frame hf[OHM_TRACE_MAX_FRAMES];
        size_t got = t->provider(t->provider_arg, hf, (size_t)t->nframes);
        if (got) {
            n = got < (size_t)t->nframes ? got : (size_t)t->nframes;
            total = got;
            for (size_t i = 0; i < n; i++) {
                const char *file = strtab_intern(&t->strs, hf[i].filename ? hf[i].filename : "<unknown>");
                const char *fn = hf[i].function ? strtab_intern(&t->strs, hf[i].function) : NULL;
                if (!file) return TRACE_NO_TB;
                raw[i].a = (uintptr_t)file;
                raw[i].b = (uintptr_t)fn;
                raw[i].line = hf[i].lineno;
                raw[i].kind = FRAME_HOST;
            }
            return tb_intern(t, raw, n, total);
        }
    }
    if (cf) {
        if (t->nframes == 1) {
            size_t k = ((uintptr_t)cf->site >> 4) & 255;
            if (t->site_cache[k].site == cf->site) return t->site_cache[k].tb;
            raw[0].a = (uintptr_t)cf->site;
            raw[0].b = 0;
            raw[0].line = 0;
            raw[0].kind = FRAME_SITE;
            uint32_t id = tb_intern(t, raw, 1, 1);
            if (id != TRACE_NO_TB) { t->site_cache[k].site = cf->site; t->site_cache[k].tb = id; }
            return id;
        }
        raw[0].a = (uintptr_t)cf->site;
        raw[0].b = 0;
        raw[0].line = 0;
        raw[0].kind = FRAME_SITE;
        n = 1;
        total = 1;
        n = capture_native(t, raw, n, cf->frame, &total);
    } else {
        n = capture_native(t, raw, 0, NULL, &total);
    }
    if (n == 0) {   /* no frame at all: one unknown frame */
        raw[0].a = 0; raw[0].b = 0; raw[0].line = 0; raw[0].kind = FRAME_NATIVE;
        n = 1;
        total = 1;
    }
    return tb_intern(t, raw, n, total);
}

const ohm_traceback *frames_symbolized(ohm_heap *h, uint32_t id) {
    struct trace_state *t = &h->trace;
    if (id >= t->tbs_len) return NULL;
    struct trace_tb *tb = t->tbs[id];
    if (tb->sym) return tb->sym;
    ohm_traceback *s = strtab_alloc(&t->strs, sizeof *s + tb->nframe * sizeof(ohm_frame));
    if (!s) return NULL;
    ohm_frame *fr = (ohm_frame *)(s + 1);
    for (uint32_t i = 0; i < tb->nframe; i++) {
        const struct trace_rawframe *r = &tb->f[tb->nframe - 1 - i];   /* oldest first */
        ohm_frame *o = &fr[i];
        switch (r->kind) {
        case FRAME_SITE: {
            const ohm_callsite *cs = (const ohm_callsite *)r->a;
            o->filename = cs->file;
            o->lineno = cs->line;
            o->function = cs->function;
            break;
        }
        case FRAME_HOST:
            o->filename = (const char *)r->a;
            o->lineno = r->line;
            o->function = (const char *)r->b;
            break;
        default:
            if (r->a) symbolize_pc(r->a, &t->strs, o);
            else { o->filename = "<unknown>"; o->lineno = 0; o->function = NULL; }
        }
    }
    s->nframe = tb->nframe;
    s->total_nframe = tb->total_nframe;
    s->frames = fr;
    tb->sym = s;
    return s;
}

void frames_clear(ohm_heap *h) {
    struct trace_state *t = &h->trace;
    free(t->tbs);
    free(t->tb_index);
    t->mem -= t->tbs_cap * sizeof *t->tbs + t->tb_index_cap * sizeof *t->tb_index;
    t->tbs = NULL;
    t->tb_index = NULL;
    t->tbs_len = t->tbs_cap = t->tb_index_cap = 0;
    strtab_free(&t->strs);
    memset(t->site_cache, 0, sizeof t->site_cache);
}

size_t frames_memory(ohm_heap *h) {
    return h->trace.strs.mem;
}
