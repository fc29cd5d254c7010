/*
 * pyframes.c — the Python frames of the allocation happening now, for ohm's tracer:
 * a site provider (ohm.h) that reads the interpreter's own frame records, newest
 * first, as tracemalloc does, and names each frame by an interned record {filename,
 * function, line} that lives as long as the process.
 *
 * Why read the interpreter's frames rather than keep a shadow stack from a profile
 * hook (memray's way): the frames are already there, so nothing runs while tracing is
 * off, nothing runs per call or return while it is on, and sampled tracing pays only
 * at its samples (a profile hook costs every call of every function, which alone is
 * more than the 5% sampling may cost); no hook needs installing in each new thread,
 * and no stack can drift out of step after an exception or a greenlet switch. The
 * price is the layout of a few private structures per minor version: the generated
 * table pyframes_layout.h (tools/ohm-python/gen-layouts, from each version's headers),
 * chosen by Py_GetVersion(), and checked at run time where a check is cheap (the type
 * of every code object and string read).
 *
 * What is read (offsets from the table; functions found with dlsym, no headers):
 *  - the thread state holding the GIL: _PyThreadState_UncheckedGet() (3.7-3.12),
 *    PyThreadState_GetUnchecked() (3.13), a load of a global or a thread-local;
 *  - 3.7-3.10: tstate->frame, a PyFrameObject: f_code, f_lasti, f_back; the line from
 *    PyFrame_GetLineNumber(frame) (f_lineno while a tracer runs, else the line table);
 *  - 3.11, 3.12: tstate->cframe->current_frame; 3.13: tstate->current_frame; each an
 *    _PyInterpreterFrame: f_code (3.13: f_executable), prev_instr (3.13: instr_ptr),
 *    owner, previous; the line from PyCode_Addr2Line(code, byte offset). Frames not
 *    yet at their first traceable instruction, and 3.12's and 3.13's C-stack shims,
 *    are skipped, as tracemalloc skips them (_PyFrame_GetFirstComplete);
 *  - names: co_filename, and co_name (co_qualname from 3.11: "Service.handle"), as
 *    UTF-8 straight from the str objects (compact ASCII: the characters themselves;
 *    otherwise the cached UTF-8, or encoded here from the code points).
 *
 * Why it is safe inside the allocator:
 *  - it allocates nothing from Python and calls nothing that can allocate or raise:
 *    the three functions above only read. Its own tables (strings, records, caches)
 *    come from the C library and are never freed (the records must outlive every
 *    trace; the heap itself is never destroyed);
 *  - MEM and OBJ are called with the GIL held, so the thread state read is the
 *    allocating thread's, its frames are not changing under us, and the GIL also
 *    serializes the tables (free-threaded builds and own-GIL subinterpreters are
 *    refused by preload.c);
 *  - start-up, shutdown, a thread's start and end: no thread state, or no frame, is 0
 *    frames, and the tracer uses the C frames;
 *  - the collector, finalizers, weakref callbacks and Python-level signal handlers run
 *    as ordinary frames of the allocating thread; CPython keeps the frame chain
 *    consistent at every allocation point (tracemalloc depends on the same);
 *  - generators and coroutines: a running generator's frame is linked into the chain
 *    (f_back / previous) and counts as complete (owner check);
 *  - a layout that does not match (an unknown patch release that moved a field) shows
 *    as a code object or str of the wrong type: the walk stops there and keeps the
 *    frames read so far; a debug build (Py_TRACE_REFS moves every object field) and
 *    32-bit builds get no Python frames at all.
 * Code objects die and their addresses are reused: the caches compare the code's
 * address with its filename and name objects, so a stale entry needs a new code
 * object at the same address with the same filename and name objects, which is the
 * same source compiled again.
 */
#define OHM_NO_CALLSITE
#include "pyframes.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pyf_layout {
    int minor;
    int ts_frame;             /* thread state: frame (3.7-3.10, 3.13), cframe (3.11, 3.12) */
    int cf_current;           /* _PyCFrame.current_frame; -1: no cframe */
    int fr_back, fr_code, fr_instr, fr_owner;   /* fr_owner -1: PyFrameObject (f_lasti) */
    int co_filename, co_func, co_firsttraceable, co_code;
    int str_ascii, str_compact, str_utf8;       /* sizeof PyASCIIObject, ...; utf8 */
};
#include "pyframes_layout.h"

enum { OWNED_BY_GENERATOR = 1, OWNED_BY_CSTACK = 3 };   /* _PyInterpreterFrame.owner */
enum { WALK_MAX = 100000 };   /* frames looked at in one walk, whatever the chain says */

typedef void *(*tstate_fn)(void);
typedef int (*addr2line_fn)(void *code, int byte_offset);
typedef int (*frame_line_fn)(void *frame);

static struct {
    const struct pyf_layout *L;
    tstate_fn tstate;
    addr2line_fn addr2line;     /* 3.11 on */
    frame_line_fn frame_line;   /* 3.7-3.10 */
    const void *code_type, *str_type;
    const void *root_code;      /* frames from the first one running this code on are
                                   left out (ohm -m's runner); NULL: none */
    size_t native;              /* native frames after the Python ones: 1 (the caller of
                                   the allocator), or OHM_UNWIND_NATIVE */
    const char *why;            /* why there are no Python frames; "" when there are */
    size_t nstrings, nsites;
} pf = { .why = "not installed" };

/* ------------------------------------------------------- interned strings, records */

/* A bump arena from the C library: strings and records, never freed. */
static char *arena_cur, *arena_end;

static void *arena_alloc(size_t n) {
    n = (n + 15) & ~(size_t)15;
    if ((size_t)(arena_end - arena_cur) < n) {
        size_t size = n > 65536 ? n : 65536;
        char *c = malloc(size);
        if (!c) return NULL;
        arena_cur = c;
        arena_end = c + size;
    }
    void *p = arena_cur;
    arena_cur += n;
    return p;
}

static uint64_t hash_bytes(const char *s, size_t n, uint64_t h) {
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

/* Open addressing over pointers to interned items, kept at most half full. */
struct itab { void **slot; size_t cap, len; };

static int itab_grow(struct itab *t, uint64_t (*hash)(const void *)) {
    size_t cap = t->cap ? t->cap * 2 : 1024;
    void **s = calloc(cap, sizeof *s);
    if (!s) return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slot[i]) continue;
        size_t j = (size_t)hash(t->slot[i]) & (cap - 1);
        while (s[j]) j = (j + 1) & (cap - 1);
        s[j] = t->slot[i];
    }
    free(t->slot);
    t->slot = s;
    t->cap = cap;
    return 0;
}

/* Strings: a length word, then the NUL-terminated bytes; the item is the bytes. */
static struct itab strs;

static uint64_t str_hash(const void *p) {
    const char *s = p;
    return hash_bytes(s, ((const size_t *)(const void *)s)[-1], 0xcbf29ce484222325ull);
}

static const char *intern_str(const char *s, size_t n) {
    if ((strs.len + 1) * 2 > strs.cap && itab_grow(&strs, str_hash) < 0) return NULL;
    size_t i = (size_t)hash_bytes(s, n, 0xcbf29ce484222325ull) & (strs.cap - 1);
    for (; strs.slot[i]; i = (i + 1) & (strs.cap - 1)) {
        const char *c = strs.slot[i];
        if (((const size_t *)(const void *)c)[-1] == n && !memcmp(c, s, n)) return c;
    }
    size_t *rec = arena_alloc(sizeof(size_t) + n + 1);
    if (!rec) return NULL;
    rec[0] = n;
    char *c = (char *)(rec + 1);
    memcpy(c, s, n);
    c[n] = '\0';
    strs.slot[i] = c;
    strs.len++;
    pf.nstrings++;
    return c;
}

/* Records: one ohm_callsite per (file, function, line), the strings interned. */
static struct itab sites;

static uint64_t site_key(const char *file, const char *func, unsigned line) {
    uint64_t h = ((uintptr_t)file * 0x9e3779b97f4a7c15ull) ^ ((uintptr_t)func * 0xc4ceb9fe1a85ec53ull);
    return (h ^ line) * 0xff51afd7ed558ccdull;
}
static uint64_t site_hash(const void *p) {
    const ohm_callsite *c = p;
    return site_key(c->file, c->function, c->line);
}

static const ohm_callsite *intern_site(const char *file, const char *func, unsigned line) {
    if ((sites.len + 1) * 2 > sites.cap && itab_grow(&sites, site_hash) < 0) return NULL;
    size_t i = (size_t)site_key(file, func, line) & (sites.cap - 1);
    for (; sites.slot[i]; i = (i + 1) & (sites.cap - 1)) {
        const ohm_callsite *c = sites.slot[i];
        if (c->file == file && c->function == func && c->line == line) return c;
    }
    ohm_callsite *c = arena_alloc(sizeof *c);
    if (!c) return NULL;
    c->file = file;
    c->function = func;
    c->line = line;
    sites.slot[i] = c;
    sites.len++;
    pf.nsites++;
    return c;
}

/* ------------------------------------------------------------ reading objects */

#define FIELD(p, off, T) (*(T const *)(const void *)((const char *)(p) + (off)))
#define OB_TYPE(o) FIELD(o, 8, const void *)

/* o's characters as UTF-8 (*len bytes, not NUL-terminated), or NULL when o is not a
 * compact str. buf (cap bytes) holds them when they must be encoded here; longer
 * strings are cut at a character boundary. */
static const char *str_utf8(const char *o, char *buf, size_t cap, size_t *len) {
    const struct pyf_layout *L = pf.L;
    if (!o || OB_TYPE(o) != pf.str_type) return NULL;
    uint32_t state = FIELD(o, 32, uint32_t);
    unsigned kind = (state >> 2) & 7, compact = (state >> 5) & 1, ascii = (state >> 6) & 1;
    size_t n = (size_t)FIELD(o, 16, intptr_t);
    if (!compact) return NULL;
    if (ascii) { *len = n; return o + L->str_ascii; }
    const char *u = FIELD(o, L->str_utf8, const char *);
    if (u) { *len = (size_t)FIELD(o, L->str_utf8 - 8, intptr_t); return u; }
    const unsigned char *d = (const unsigned char *)o + L->str_compact;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = kind == 1 ? d[i] : kind == 2 ? ((const uint16_t *)(const void *)d)[i]
                                                  : ((const uint32_t *)(const void *)d)[i];
        if (w + 4 > cap) break;
        if (c < 0x80) buf[w++] = (char)c;
        else if (c < 0x800) { buf[w++] = (char)(0xc0 | c >> 6); buf[w++] = (char)(0x80 | (c & 63)); }
        else if (c < 0x10000) {
            buf[w++] = (char)(0xe0 | c >> 12);
            buf[w++] = (char)(0x80 | ((c >> 6) & 63));
            buf[w++] = (char)(0x80 | (c & 63));
        } else {
            buf[w++] = (char)(0xf0 | c >> 18);
            buf[w++] = (char)(0x80 | ((c >> 12) & 63));
            buf[w++] = (char)(0x80 | ((c >> 6) & 63));
            buf[w++] = (char)(0x80 | (c & 63));
        }
    }
    *len = w;
    return buf;
}

static const char *intern_name(const void *o, const char *missing) {
    char buf[1024];
    size_t n;
    const char *s = str_utf8(o, buf, sizeof buf, &n);
    return s ? intern_str(s, n) : intern_str(missing, strlen(missing));
}

/* Names of a code object: (filename, function) interned, cached by the code's address
 * and its two name objects (direct-mapped). */
struct names_slot { const void *code, *file_o, *func_o; const char *file, *func; };
static struct names_slot names_cache[1024];

static int code_names(const char *code, const void *file_o, const void *func_o,
                      const char **file, const char **func) {
    struct names_slot *e = &names_cache[((uintptr_t)code >> 4) & 1023];
    if (e->code != code || e->file_o != file_o || e->func_o != func_o) {
        const char *f = intern_name(file_o, "<unknown>"), *g = intern_name(func_o, "<unknown>");
        if (!f || !g) return -1;
        e->code = code; e->file_o = file_o; e->func_o = func_o; e->file = f; e->func = g;
    }
    *file = e->file;
    *func = e->func;
    return 0;
}

/* The record of a frame running code at instruction lasti (f_lasti up to 3.10, the
 * byte offset after), cached by (code, lasti, name objects): most allocations repeat a
 * line seen before, and cost a probe. */
struct line_slot { const void *code, *file_o, *func_o; intptr_t lasti; const ohm_callsite *site; };
static struct line_slot line_cache[4096];

static const ohm_callsite *frame_site(const char *frame, const char *code, intptr_t lasti) {
    const struct pyf_layout *L = pf.L;
    const void *file_o = FIELD(code, L->co_filename, const void *);
    const void *func_o = FIELD(code, L->co_func, const void *);
    struct line_slot *e = &line_cache[(((uintptr_t)code >> 4) ^ (uintptr_t)lasti * 0x9e3779b1u) & 4095];
    if (e->code == code && e->lasti == lasti && e->file_o == file_o && e->func_o == func_o)
        return e->site;
    const char *file, *func;
    if (code_names(code, file_o, func_o, &file, &func) < 0) return NULL;
    int line = pf.frame_line ? pf.frame_line((void *)(uintptr_t)frame)
                             : pf.addr2line((void *)(uintptr_t)code, (int)lasti);
    const ohm_callsite *site = intern_site(file, func, line > 0 ? (unsigned)line : 0);
    if (!site) return NULL;
    e->code = code; e->lasti = lasti; e->file_o = file_o; e->func_o = func_o; e->site = site;
    return site;
}

/* ------------------------------------------------------------ the walk */

/* Frames seen lately, by address (direct-mapped, small enough for the L1 cache): the
 * callers of the allocating frame seldom change between two allocations, so a frame
 * found at the same address running the same code at the same instruction reuses its
 * record without probing the line cache. */
struct memo { const void *frame, *code; intptr_t lasti; const ohm_callsite *site; };
static struct memo memo[256];

/* Up to max records of the running thread's Python frames, newest first. */
static size_t walk(const ohm_callsite **out, size_t max) {
    const struct pyf_layout *L = pf.L;
    const char *ts = pf.tstate();
    if (!ts) return 0;
    const char *fr = FIELD(ts, L->ts_frame, const char *);
    if (L->cf_current >= 0 && fr) fr = FIELD(fr, L->cf_current, const char *);
    size_t n = 0;
    int top = 1;   /* only the newest frames can be incomplete: a frame that called
                      another has run its first instructions */
    for (int seen = 0; fr && n < max && seen < WALK_MAX; seen++, fr = FIELD(fr, L->fr_back, const char *)) {
        char owner = L->fr_owner >= 0 ? FIELD(fr, L->fr_owner, char) : 0;
        if (owner == OWNED_BY_CSTACK && L->minor >= 12) continue;   /* a shim, no code */
        const char *code = FIELD(fr, L->fr_code, const char *);
        if (!code || code == pf.root_code) break;   /* (root: the runner's frames) */
        intptr_t lasti;
        if (L->fr_owner < 0) {
            lasti = FIELD(fr, L->fr_instr, int);
        } else {
            const char *start = code + L->co_code, *at = FIELD(fr, L->fr_instr, const char *);
            if (top) {
                if (OB_TYPE(code) != pf.code_type) break;   /* not the layout expected */
                if (owner != OWNED_BY_GENERATOR && at < start + 2 * FIELD(code, L->co_firsttraceable, int))
                    continue;   /* incomplete: not yet at its first traceable instruction */
                top = 0;
            }
            lasti = at - start;
        }
        /* a hit needs no type check: the memo only holds code objects checked before,
         * and a running frame keeps its code alive */
        struct memo *m = &memo[((uintptr_t)fr >> 4 ^ (uintptr_t)fr >> 12) & 255];
        if (m->frame != fr || m->code != code || m->lasti != lasti) {
            if (OB_TYPE(code) != pf.code_type) break;       /* not the layout expected */
            const ohm_callsite *site = frame_site(fr, code, lasti);
            if (!site) break;
            m->frame = fr; m->code = code; m->lasti = lasti; m->site = site;
        }
        out[n++] = m->site;
    }
    return n;
}

static size_t provide(void *arg, const ohm_callsite **out, size_t max, uintptr_t *pcs,
                      size_t *npcs) {
    (void)arg;
    size_t n = walk(out, max);
    if (n && n < max && pf.native) {
        if (pf.native == OHM_UNWIND_NATIVE) {
            *npcs = OHM_UNWIND_NATIVE;
        } else {
            pcs[0] = (uintptr_t)ohmpy_caller;
            *npcs = 1;
        }
    }
    return n;
}

/* ------------------------------------------------------------ installing */

int ohmpy_frames_install(ohm_heap *h, int major, int minor) {
    pf.L = NULL;
    for (size_t i = 0; i < sizeof pyf_layouts / sizeof *pyf_layouts; i++)
        if (major == 3 && pyf_layouts[i].minor == minor) pf.L = &pyf_layouts[i];
    if (sizeof(void *) != 8) { pf.why = "a 32-bit build"; return 0; }
    if (!pf.L) { pf.why = "no frame layout for this version (3.7 to 3.13 have one)"; return 0; }
    if (dlsym(RTLD_DEFAULT, "_Py_NegativeRefcount")) {
        pf.why = "a debug build of CPython (its objects' fields are elsewhere)";
        return 0;
    }
    pf.tstate = (tstate_fn)dlsym(RTLD_DEFAULT, minor >= 13 ? "PyThreadState_GetUnchecked"
                                                           : "_PyThreadState_UncheckedGet");
    pf.code_type = dlsym(RTLD_DEFAULT, "PyCode_Type");
    pf.str_type = dlsym(RTLD_DEFAULT, "PyUnicode_Type");
    if (pf.L->fr_owner < 0) pf.frame_line = (frame_line_fn)dlsym(RTLD_DEFAULT, "PyFrame_GetLineNumber");
    else pf.addr2line = (addr2line_fn)dlsym(RTLD_DEFAULT, "PyCode_Addr2Line");
    if (!pf.tstate || !pf.code_type || !pf.str_type || !(pf.frame_line || pf.addr2line)) {
        pf.why = "a function or type it reads with is not exported";
        return 0;
    }
    /* Native frames after the Python ones: the C function that called the allocator,
     * which preload.c's wrappers note (ohmpy_caller). CPython is built without frame
     * pointers, so the frames past it take a DWARF unwinder, at a cost (docs/python.md):
     * asked for by name, ohm unwinds them all. */
    const char *u = getenv("OHM_TRACE_UNWIND");
    int dwarf = u && (!strcmp(u, "backtrace") || !strcmp(u, "libunwind"));
    pf.native = dwarf ? OHM_UNWIND_NATIVE : 1;
    ohm_trace_set_site_provider(h, provide, NULL);
    pf.why = "";
    return 1;
}

const char *ohmpy_frames_why(void) { return pf.why; }

void ohmpy_frames_root(const void *code) { pf.root_code = code; }

void ohmpy_frames_counts(size_t *strings, size_t *nsites) {
    if (strings) *strings = pf.nstrings;
    if (nsites) *nsites = pf.nsites;
}
