/*
 * frames.c — the traceback of an allocation happening now, interned.
 *
 * Sources, newest frame first, at most ohmi_trace_of(h)->nframes frames:
 *  1. the host-language provider, when set and it returns frames: a frame provider's
 *     (strings interned), or a site provider's records (kept as call-site frames, like
 *     the macros' records) followed by the native frames it gives or asks for;
 *  2. else the call-site record the public macros leave in ohm_callsite_ (exact file,
 *     line, function of the calling line), followed, when the limit allows, by native
 *     return addresses starting at that function's caller (the recorded frame address
 *     anchors the walk past ohm's own frames);
 *  3. else native return addresses from the allocator's frame up (ohm's own frames
 *     dropped when ohm is a shared library).
 * Interning: a traceback is its raw frames plus total_nframe; their hash (tb_hash)
 * keys an index of ids (base's ohmi_index; words id + 1).
 * Traceback records live in the string table's arena and never move; ids index tbs[].
 * At limit 1 a direct-mapped cache from call-site record to id skips hashing: the hot
 * path of limit-1 tracing is a load, a compare and the traces-table insert.
 * Symbolized forms (ohm_traceback, oldest first) are built once per id, on demand.
 */
#include "trace/trace_impl.h"

#include <stdlib.h>

/* The index's view of the interned tracebacks: hash and equality of id + 1. */
static uint64_t tb_hash_of(const void *t, uintptr_t w) {
    return ((const struct trace_state *)t)->tbs[w - 1].hash;
}

/* A narrow record's frames: their words (trace_tb.narrow). */
static inline const uintptr_t *tb_words(const struct trace_tb *tb) {
    return (const uintptr_t *)(const void *)tb->f;
}
/* Frame i of tb (newest 0), whichever way it is kept. */
static inline struct trace_rawframe tb_frame(const struct trace_tb *tb, size_t i) {
    if (!tb->narrow) return tb->f[i];
    struct trace_rawframe r = { tb_words(tb)[i], 0, 0, i < tb->nsite ? FRAME_SITE : FRAME_NATIVE };
    return r;
}
/* The bytes of a record of n frames (narrow or not). */
static inline size_t tb_size(size_t n, int narrow) {
    return sizeof(struct trace_tb) + n * (narrow ? sizeof(uintptr_t) : sizeof(struct trace_rawframe));
}

struct tb_key {                       /* raw frames (tb_intern) */
    const struct trace_rawframe *raw;
    size_t n, total;
    uint64_t hv;
};
static int tb_eq(const void *t, const void *key, uintptr_t w) {
    const struct tb_key *k = key;
    const struct trace_tbref *r = &((const struct trace_state *)t)->tbs[w - 1];
    if (r->hash != k->hv) return 0;
    const struct trace_tb *tb = r->tb;
    if (tb->nframe != k->n || tb->total_nframe != k->total) return 0;
    if (!tb->narrow) return !memcmp(tb->f, k->raw, k->n * sizeof *k->raw);
    for (size_t i = 0; i < k->n; i++) {
        struct trace_rawframe f = tb_frame(tb, i);
        if (f.a != k->raw[i].a || f.b != k->raw[i].b || f.line != k->raw[i].line || f.kind != k->raw[i].kind)
            return 0;
    }
    return 1;
}

/* A word-at-a-time hash of raw frames (byte-wise FNV would cost ~1500 instructions
 * for 16 frames). Each frame is mixed on its own with its position and the parts are
 * summed: the mixes do not wait for one another (a chained mix costs a multiply's
 * latency per frame, what deep tracebacks paid most for). Each part must be a full
 * mix of (frame, position): with a part linear in its position (a word times a
 * per-position multiplier), a recursive stack whose frames take two values (left and
 * right calls of a tree builder) hashed by the count and index sum of one of them
 * alone, and 32k distinct 16-frame tracebacks shared a few hundred hashes.
 * tb_finish mixes the sum's bits down for the index. */
static inline uint64_t tb_part(size_t i, uintptr_t a, uintptr_t b, uint32_t line, uint32_t kind) {
    uint64_t w = (a ^ (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ull) + (uint64_t)b * 0xc4ceb9fe1a85ec53ull +
                 ((uint64_t)line << 32 | kind) * 0xff51afd7ed558ccdull;
    w = (w ^ (w >> 32)) * 0xd6e8feb86659fd93ull;
    return (w ^ (w >> 32)) * 0xd6e8feb86659fd93ull;
}
/* The hash before the first frame: total_nframe's part. */
static inline uint64_t tb_hash_start(size_t total) {
    return 0x9e3779b97f4a7c15ull * (total + 1);
}
static inline uint64_t tb_finish(uint64_t h) {
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    return h ^ (h >> 29);
}

static uint64_t tb_hash(const struct trace_rawframe *raw, size_t n, size_t total) {
    uint64_t h = tb_hash_start(total);
    for (size_t i = 0; i < n; i++) h += tb_part(i, raw[i].a, raw[i].b, raw[i].line, raw[i].kind);
    return tb_finish(h);
}

/* Intern raw[0..n) with total and hash hv, known to be new. */
static uint32_t tb_insert(struct trace_state *t, const struct trace_rawframe *raw, size_t n,
                          size_t total, uint64_t hv) {
    if (t->tbs_len >= TRACE_MAX_TB) return TRACE_NO_TB;
    size_t slots = t->tb_index.cap;
    if (ohmi_index_reserve(trace_heap(t), &t->tb_index, 1, tb_hash_of, t) < 0) return TRACE_NO_TB;
    t->mem += (t->tb_index.cap - slots) * sizeof(uint32_t);
    if (t->tbs_len + 2 > t->tbs_cap) {   /* + 2: TRACE_TB_PENDING is skipped (below) */
        size_t cap = t->tbs_cap ? t->tbs_cap * 2 : 256;
        struct trace_tbref *a = ohmi_sys_realloc(trace_heap(t), t->tbs, cap * sizeof *a);
        if (!a) return TRACE_NO_TB;
        t->mem += (cap - t->tbs_cap) * sizeof *a;
        t->tbs = a;
        t->tbs_cap = cap;
    }
    /* call-site records then return addresses (every C traceback): their words alone,
     * a third of the bytes to write, fault in and compare */
    size_t nsite = 0, i = 0;
    while (nsite < n && raw[nsite].kind == FRAME_SITE) nsite++;
    for (i = 0; i < n; i++)
        if (raw[i].b || raw[i].line || raw[i].kind != (i < nsite ? FRAME_SITE : FRAME_NATIVE)) break;
    int narrow = i == n;
    struct trace_tb *tb = ohmi_strtab_alloc(&t->strs, tb_size(n, narrow));
    if (!tb) return TRACE_NO_TB;
    tb->narrow = (uint32_t)narrow;
    tb->nsite = (uint32_t)nsite;
    tb->hash = hv;
    tb->nframe = (uint32_t)n;
    tb->total_nframe = (uint32_t)total;
    tb->sym = NULL;
    if (narrow)
        for (i = 0; i < n; i++) ((uintptr_t *)(void *)tb->f)[i] = raw[i].a;
    else
        memcpy(tb->f, raw, n * sizeof *raw);
    uint32_t id = (uint32_t)t->tbs_len++;
    if (id == TRACE_TB_PENDING) {   /* pending blocks' id, never a traceback's: its slot */
        t->tbs[id].tb = tb;         /* repeats the next one, which no index word names */
        t->tbs[id].hash = hv;
        id = (uint32_t)t->tbs_len++;
    }
    t->tbs[id].tb = tb;
    t->tbs[id].hash = hv;
    ohmi_index_add(&t->tb_index, hv, (uintptr_t)id + 1);
    return id;
}

/* The id of raw[0..n) with total, interned now if new. */
static uint32_t tb_intern(struct trace_state *t, const struct trace_rawframe *raw, size_t n,
                          size_t total) {
    struct tb_key k = { raw, n, total, tb_hash(raw, n, total) };
    uintptr_t w = ohmi_index_find(&t->tb_index, k.hv, tb_eq, t, &k);
    return w ? (uint32_t)(w - 1) : tb_insert(t, raw, n, total, k.hv);
}

/* The id of a C traceback: the call site (NULL: none), then native return addresses.
 * Hashes and compares the addresses in place (the same hash tb_intern computes for
 * the equivalent raw frames); builds raw frames only for a new traceback. */
/* Whether tb is exactly (site, pcs[0..np), total). No kind check for native frames: a
 * return address (code) never equals a host frame's interned filename (tracer memory),
 * and the site frame is checked. */
static inline int tb_is_native(const struct trace_tb *tb, const ohm_callsite *site,
                               const uintptr_t *pcs, size_t np, size_t total) {
    size_t off = site != NULL;
    if (tb->nframe != np + off || tb->total_nframe != total) return 0;
    size_t i = 0;
    if (tb->narrow) {   /* the usual C traceback */
        const uintptr_t *w = tb_words(tb) + off;
        if (tb->nsite != off || (site && w[-1] != (uintptr_t)site)) return 0;
        while (i < np && w[i] == pcs[i]) i++;
        return i == np;
    }
    if (site && (tb->f[0].kind != FRAME_SITE || tb->f[0].a != (uintptr_t)site)) return 0;
    const struct trace_rawframe *f = tb->f + off;
    while (i < np && f[i].a == pcs[i]) i++;
    return i == np;
}

struct tb_native_key {                /* a call site and return addresses (tb_intern_native) */
    const ohm_callsite *site;
    const uintptr_t *pcs;
    size_t np, total;
    uint64_t hv;
};
static int tb_eq_native(const void *t, const void *key, uintptr_t w) {
    const struct tb_native_key *k = key;
    const struct trace_tbref *r = &((const struct trace_state *)t)->tbs[w - 1];
    return r->hash == k->hv && tb_is_native(r->tb, k->site, k->pcs, k->np, k->total);
}

static uint64_t tb_hash_native(const ohm_callsite *site, const uintptr_t *pcs, size_t np,
                               size_t total) {
    size_t off = site != NULL;
    uint64_t hv = tb_hash_start(total);
    if (site) hv += tb_part(0, (uintptr_t)site, 0, 0, FRAME_SITE);
    for (size_t i = 0; i < np; i++) hv += tb_part(off + i, pcs[i], 0, 0, FRAME_NATIVE);
    return tb_finish(hv);
}

/* The id of (site, pcs, total) whose hash is hv, interned now if new. */
static uint32_t tb_intern_native_hv(struct trace_state *t, const ohm_callsite *site,
                                    const uintptr_t *pcs, size_t np, size_t total, uint64_t hv) {
    size_t off = site != NULL, n = np + off;
    struct tb_native_key k = { site, pcs, np, total, hv };
    uintptr_t w = ohmi_index_find(&t->tb_index, hv, tb_eq_native, t, &k);
    if (w) return t->last_native = (uint32_t)(w - 1);
    struct trace_rawframe raw[OHM_TRACE_MAX_FRAMES + 1];
    if (site) { raw[0].a = (uintptr_t)site; raw[0].b = 0; raw[0].line = 0; raw[0].kind = FRAME_SITE; }
    for (size_t i = 0; i < np; i++) {
        raw[off + i].a = pcs[i];
        raw[off + i].b = 0;
        raw[off + i].line = 0;
        raw[off + i].kind = FRAME_NATIVE;
    }
    uint32_t id = tb_insert(t, raw, n, total, hv);
    if (id != TRACE_NO_TB) t->last_native = id;
    return id;
}

/* Whether (site, pcs, total) is the last native traceback interned: allocations in a
 * loop repeat it, and comparing costs less than hashing. */
static inline int tb_is_last_native(const struct trace_state *t, const ohm_callsite *site,
                                    const uintptr_t *pcs, size_t np, size_t total) {
    return t->last_native < t->tbs_len &&
           tb_is_native(t->tbs[t->last_native].tb, site, pcs, np, total);
}

static uint32_t tb_intern_native(struct trace_state *t, const ohm_callsite *site,
                                 const uintptr_t *pcs, size_t np, size_t total) {
    if (tb_is_last_native(t, site, pcs, np, total)) return t->last_native;
    return tb_intern_native_hv(t, site, pcs, np, total, tb_hash_native(site, pcs, np, total));
}

/* ---- deferred interning (deep stacks from a call site) ----
 * A deep traceback is looked up in an index of ids, then in the id's record: three
 * dependent loads (index slot, tbs[], record) that miss the caches when the program
 * has many distinct stacks (object trees at 16 frames: ~160k, each met again far
 * apart), ~80 ns each here. One lookup cannot hide them; several can, side by side.
 * So a traceback that is not the last one is only captured (walked and hashed) into
 * t->pend, and its block traced with the id TRACE_TB_PENDING (trace.c); when
 * TRACE_PEND entries wait, or before anything reads a trace, ohmi_frames_resolve
 * interns them together: it prefetches every entry's index slot, then the tbs[] entry
 * it names, then the record, and only then looks each up in turn, on hot lines. */
uint32_t ohmi_frames_resolve_one(ohm_heap *h, const struct trace_pend_tb *e) {
    struct trace_state *t = ohmi_trace_of(h);
    return tb_intern_native_hv(t, e->site, e->pcs, e->np, e->total, e->hv);
}

void ohmi_frames_prefetch(ohm_heap *h) {
    struct trace_state *t = ohmi_trace_of(h);
    const ohmi_index *x = &t->tb_index;
    if (!x->len) return;
    size_t mask = x->cap - 1;
    uintptr_t w[TRACE_PEND];
    for (size_t i = 0; i < t->npend; i++)
        __builtin_prefetch(x->wide ? (const void *)&((const uintptr_t *)x->slots)[t->pend[i].hv & mask]
                                   : (const void *)&((const uint32_t *)x->slots)[t->pend[i].hv & mask]);
    for (size_t i = 0; i < t->npend; i++)
        if ((w[i] = ohmi_index_at(x, t->pend[i].hv & mask)) != 0) __builtin_prefetch(&t->tbs[w[i] - 1]);
    for (size_t i = 0; i < t->npend; i++)
        if (w[i] && t->tbs[w[i] - 1].hash == t->pend[i].hv) {   /* the whole record */
            const char *r = (const char *)t->tbs[w[i] - 1].tb;
            size_t len = tb_size(t->pend[i].np + 1, 1);
            for (size_t o = 0; o < len; o += 64) __builtin_prefetch(r + o);
        }
}

/* The host provider's frames, interned; TRACE_NO_TB + 1 when it gave none. */
static OHM_NOINLINE uint32_t capture_host(struct trace_state *t) {
    ohm_frame hf[OHM_TRACE_MAX_FRAMES];
    struct trace_rawframe raw[OHM_TRACE_MAX_FRAMES];
    size_t got = t->provider(t->provider_arg, hf, (size_t)t->nframes);
    if (!got) return 0;
    size_t n = got < (size_t)t->nframes ? got : (size_t)t->nframes;
    for (size_t i = 0; i < n; i++) {
        const char *file = ohmi_strtab_intern(&t->strs, hf[i].filename ? hf[i].filename : "<unknown>");
        const char *fn = hf[i].function ? ohmi_strtab_intern(&t->strs, hf[i].function) : NULL;
        if (!file || (hf[i].function && !fn)) return TRACE_NO_TB + 1;
        raw[i].a = (uintptr_t)file;
        raw[i].b = (uintptr_t)fn;
        raw[i].line = hf[i].lineno;
        raw[i].kind = FRAME_HOST;
    }
    return tb_intern(t, raw, n, got) + 1;
}

/* A site provider's traceback: n records, then native return addresses (a[0..len)).
 * Hashed and compared in place, as tb_intern would the equivalent raw frames. */
struct tb_sites_key { const uintptr_t *a; size_t n, len; uint64_t hv; };

static inline int tb_is_sites(const struct trace_tb *tb, const uintptr_t *a, size_t n, size_t len) {
    if (tb->nframe != len || tb->total_nframe != len) return 0;
    for (size_t i = len; i-- > 0;)   /* the oldest first: the native ones differ most */
        if (tb_frame(tb, i).a != a[i] || tb_frame(tb, i).kind != (i < n ? FRAME_SITE : FRAME_NATIVE))
            return 0;
    return 1;
}

static int tb_eq_sites(const void *t, const void *key, uintptr_t w) {
    const struct tb_sites_key *k = key;
    const struct trace_tbref *r = &((const struct trace_state *)t)->tbs[w - 1];
    return r->hash == k->hv && tb_is_sites(r->tb, k->a, k->n, k->len);
}

static uint32_t tb_intern_sites(struct trace_state *t, const uintptr_t *a, size_t n, size_t len) {
    /* allocations in a loop repeat the last stack: compare before hashing */
    if (t->last_sites < t->tbs_len && tb_is_sites(t->tbs[t->last_sites].tb, a, n, len))
        return t->last_sites;
    uint64_t hv = tb_hash_start(len);
    for (size_t i = 0; i < len; i++) hv += tb_part(i, a[i], 0, 0, i < n ? FRAME_SITE : FRAME_NATIVE);
    hv = tb_finish(hv);
    struct tb_sites_key k = { a, n, len, hv };
    uintptr_t w = ohmi_index_find(&t->tb_index, hv, tb_eq_sites, t, &k);
    if (w) return t->last_sites = (uint32_t)(w - 1);
    struct trace_rawframe raw[OHM_TRACE_MAX_FRAMES];
    for (size_t i = 0; i < len; i++) {
        raw[i].a = a[i];
        raw[i].b = 0;
        raw[i].line = 0;
        raw[i].kind = i < n ? FRAME_SITE : FRAME_NATIVE;
    }
    uint32_t id = tb_insert(t, raw, len, len, hv);
    if (id != TRACE_NO_TB) t->last_sites = id;
    return id;
}

/* The site provider's records, then the native frames it gives or asks for,
 * interned; 0 when it gave none (or out of memory: the C frames are tried), else the
 * id + 1. One record and no native frame is the call-site macros' traceback: the site
 * cache serves it. */
static OHM_NOINLINE uint32_t capture_sites(struct trace_state *t) {
    const ohm_callsite *sites[OHM_TRACE_MAX_FRAMES];
    uintptr_t a[OHM_TRACE_MAX_FRAMES], given[OHM_TRACE_MAX_FRAMES];
    size_t max = (size_t)t->nframes, npcs = 0;
    size_t n = t->site_provider(t->site_provider_arg, sites, max, given, &npcs);
    if (!n) return 0;
    if (n > max) n = max;
    size_t room = max - n, np = 0;
    if (n == 1 && (!npcs || !room)) {
        const ohm_callsite *site = sites[0];
        size_t k = ohmi_tag_site_slot(site);
        if (t->tg->site[k].site == site) return t->tg->site[k].value + 1;
        uint32_t id = tb_intern_native(t, site, NULL, 0, 1);
        if (id != TRACE_NO_TB) { t->tg->site[k].site = site; t->tg->site[k].value = id; }
        return id + 1;
    }
    for (size_t i = 0; i < n; i++) a[i] = (uintptr_t)sites[i];
    if (npcs == OHM_UNWIND_NATIVE && room) {   /* from the allocator's frame, ohm's own dropped */
        uintptr_t pcs[OHM_TRACE_MAX_FRAMES + 16];
        size_t depth = 0, i = 0, extra = t->self_hi ? 16 : 0;
        size_t got = ohmi_unwind_capture(t->unwind, pcs, room + extra, NULL, 1, &depth);
        if (t->self_hi)
            while (i < got && pcs[i] >= t->self_lo && pcs[i] < t->self_hi) i++;
        for (; i < got && np < room; i++, np++) a[n + np] = pcs[i];
    } else if (npcs != OHM_UNWIND_NATIVE) {
        for (; np < npcs && np < room; np++) a[n + np] = given[np];
    }
    return tb_intern_sites(t, a, n, n + np) + 1;
}

#if defined(__GNUC__)
__attribute__((noinline))
#endif
uint32_t ohmi_frames_capture(ohm_heap *h) {
    struct trace_state *t = ohmi_trace_of(h);
    const ohm_callsite_frame *cf = trace_callsite();
    if (t->provider) {
        uint32_t id = capture_host(t);
        if (id) return id - 1;
    }
    if (t->site_provider) {
        uint32_t id = capture_sites(t);
        if (id) return id - 1;
    }
    if (cf && t->nframes == 1) {
        size_t k = ohmi_tag_site_slot(cf->site);
        if (t->tg->site[k].site == cf->site) return t->tg->site[k].value;
        uint32_t id = tb_intern_native(t, cf->site, NULL, 0, 1);
        if (id != TRACE_NO_TB) { t->tg->site[k].site = cf->site; t->tg->site[k].value = id; }
        return id;
    }
    /* Native frames: after the call site, from its function's caller on; without one,
     * from the allocator's frame (skip 1: trace_alloc_slow; ohmi_trace_on_alloc tail-calls
     * it or not, so ohm's own frames may remain, dropped when ohm is a shared library). */
    uintptr_t pcs[OHM_TRACE_MAX_FRAMES + 16];
    size_t want = (size_t)t->nframes - (cf != NULL), extra = 0, depth = 0, i = 0;
    if (!cf && t->self_hi) extra = 16;   /* room for ohm's frames, dropped below */
    if (OHM_LIKELY(cf && t->unwind == UNWIND_FP) && want < TRACE_PEND_FRAMES && t->defer) {
        /* the hot path of deep tracing: walk, then intern now or later (above) */
        struct trace_pend_tb *e = &t->pend[t->npend];
        e->np = (uint32_t)ohmi_unwind_fp(e->pcs, want, cf->frame, 0, &depth);
        e->total = (uint32_t)depth + 1;
        e->site = cf->site;
        if (tb_is_last_native(t, e->site, e->pcs, e->np, e->total)) return t->last_native;
        e->hv = tb_hash_native(e->site, e->pcs, e->np, e->total);
        return TRACE_TB_PENDING;   /* the caller fills in the block and counts it */
    }
    size_t got = OHM_LIKELY(cf && t->unwind == UNWIND_FP)   /* the hot path: no dispatch */
        ? ohmi_unwind_fp(pcs, want, cf->frame, 0, &depth)
        : ohmi_unwind_capture(t->unwind, pcs, want + extra, cf ? cf->frame : NULL, 1, &depth);
    if (!cf && t->self_hi)
        while (i < got && pcs[i] >= t->self_lo && pcs[i] < t->self_hi) { i++; depth--; }
    if (got - i > want) got = i + want;
    if (!cf && got == i) {   /* no frame at all: one unknown frame */
        pcs[0] = 0;
        return tb_intern_native(t, NULL, pcs, 1, 1);
    }
    return tb_intern_native(t, cf ? cf->site : NULL, pcs + i, got - i, depth + (cf != NULL));
}

const ohm_traceback *ohmi_frames_symbolized(ohm_heap *h, uint32_t id) {
    struct trace_state *t = ohmi_trace_of(h);
    if (id >= t->tbs_len) return NULL;
    struct trace_tb *tb = t->tbs[id].tb;
    if (tb->sym) return tb->sym;
    ohm_traceback *s = ohmi_strtab_alloc(&t->strs, sizeof *s + tb->nframe * sizeof(ohm_frame));
    if (!s) return NULL;
    ohm_frame *fr = (ohm_frame *)(s + 1);
    for (uint32_t i = 0; i < tb->nframe; i++) {
        const struct trace_rawframe fr_i = tb_frame(tb, tb->nframe - 1 - i);   /* oldest first */
        const struct trace_rawframe *r = &fr_i;
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
            if (r->a) ohmi_symbolize_pc(r->a, &t->strs, o);
            else { o->filename = "<unknown>"; o->lineno = 0; o->function = NULL; }
        }
    }
    s->nframe = tb->nframe;
    s->total_nframe = tb->total_nframe;
    s->frames = fr;
    tb->sym = s;
    return s;
}

void ohmi_frames_clear(ohm_heap *h) {
    struct trace_state *t = ohmi_trace_of(h);
    free(t->tbs);
    t->mem -= t->tbs_cap * sizeof *t->tbs + t->tb_index.cap * sizeof(uint32_t);
    ohmi_index_free(&t->tb_index);
    t->tbs = NULL;
    t->tbs_len = t->tbs_cap = 0;
    ohmi_strtab_free(&t->strs);
    memset(t->tg->site, 0, sizeof t->tg->site);
    t->last_native = t->last_sites = TRACE_NO_TB;
}

size_t ohmi_frames_memory(ohm_heap *h) {
    return ohmi_trace_of(h)->strs.mem;
}

size_t ohmi_frames_capture_native(ohm_heap *h, const void **site, uintptr_t *pcs, size_t *total) {
    const struct trace_state *t = ohmi_trace_of(h);
    const ohm_callsite_frame *cf = trace_callsite();
    *site = cf ? (const void *)cf->site : NULL;
    if (cf && t->nframes == 1) { *total = 1; return 0; }
    uintptr_t buf[OHM_TRACE_MAX_FRAMES + 16];
    size_t want = (size_t)t->nframes - (cf != NULL), extra = 0, depth = 0, i = 0;
    if (!cf && t->self_hi) extra = 16;
    size_t got = ohmi_unwind_capture(t->unwind, buf, want + extra, cf ? cf->frame : NULL, 1, &depth);
    if (!cf && t->self_hi)
        while (i < got && buf[i] >= t->self_lo && buf[i] < t->self_hi) { i++; depth--; }
    if (got - i > want) got = i + want;
    if (!cf && got == i) { pcs[0] = 0; *total = 1; return 1; }
    memcpy(pcs, buf + i, (got - i) * sizeof *pcs);
    *total = depth + (cf != NULL);
    return got - i;
}

uint32_t ohmi_frames_intern_native(ohm_heap *h, const void *site, const uintptr_t *pcs, size_t np,
                              size_t total) {
    return tb_intern_native(ohmi_trace_of(h), (const ohm_callsite *)site, pcs, np, total);
}
