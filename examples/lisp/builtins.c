/*
 * builtins.c — the primitives and the table that defines them in the global env.
 *
 * The table gives each primitive its arity and the type its first argument must have,
 * checked once in lisp_call_builtin. A primitive gets its arguments borrowed and
 * returns a new reference, or NULL after lisp_error. Where ohm reports the error (an
 * unhashable key, out of memory) its message is passed on:
 *     dict-set!: ohm_dict_set: unhashable type: 'list'
 */
#include <stdint.h>
#include <string.h>
#include "lisp.h"

#define MANY 0xffffffffu
#define UNUSED __attribute__((unused))
#define PRIM(fname) static ohm_object *fname(UNUSED lisp *L, UNUSED size_t n, UNUSED ohm_object **a)

static const char *type_word(const ohm_type *t) {
    return t == &lisp_cons_type ? "a pair" : t == &ohm_str_type ? "a string" : t == &ohm_list_type ? "a vector"
         : t == &ohm_dict_type ? "a dict" : t == &lisp_symbol_type ? "a symbol" : "an integer";
}

static int want(lisp *L, const char *fn, ohm_object *o, const ohm_type *t) {
    char buf[80];
    if (ohm_type_of(o) == t) return 0;
    lisp_error(L, "%s: expected %s, got %s", fn, type_word(t), lisp_print_to(L, o, buf, sizeof buf));
    return -1;
}

/* o (a new reference), or the error ohm gave when it could not make it */
static ohm_object *made(lisp *L, const char *fn, ohm_object *o) { return o ? o : lisp_ohm_error(L, fn); }
static ohm_object *new_int(lisp *L, const char *fn, int64_t v) { return made(L, fn, ohm_int_new(L->h, v)); }
static ohm_object *ref(ohm_object *o) { ohm_incref(o); return o; }
static ohm_object *done(lisp *L, int rc, const char *fn) { return rc < 0 ? lisp_ohm_error(L, fn) : ref(L->unspecified); }

/* ---------------------------------------------------------------- numbers */

typedef struct num { int is_int; int64_t i; double d; } num;   /* d is set for ints too */

static int get_num(lisp *L, const char *fn, ohm_object *o, num *x) {
    char buf[80];
    if (LISP_IS(o, ohm_int_type)) { *x = (num){ 1, ohm_int_value(o), (double)ohm_int_value(o) }; return 0; }
    if (LISP_IS(o, ohm_float_type)) { *x = (num){ 0, 0, ohm_float_value(o) }; return 0; }
    lisp_error(L, "%s: expected a number, got %s", fn, lisp_print_to(L, o, buf, sizeof buf));
    return -1;
}

/* acc op x: exact while both are ints and the result fits (else an error: no
 * bignums); / of ints gives an int when it divides exactly, a float otherwise. */
static int arith_step(lisp *L, const char *fn, num *acc, num x) {
    int64_t r;
    if (acc->is_int && x.is_int && *fn != '/') {
        if (*fn == '+' ? __builtin_add_overflow(acc->i, x.i, &r) : *fn == '-' ? __builtin_sub_overflow(acc->i, x.i, &r)
                       : __builtin_mul_overflow(acc->i, x.i, &r))
            return lisp_error(L, "%s: integer overflow", fn), -1;
        *acc = (num){ 1, r, (double)r };
    } else if (*fn == '/' && x.d == 0) {
        return lisp_error(L, "/: division by zero"), -1;
    } else if (*fn == '/' && acc->is_int && x.is_int && x.i != -1 && acc->i % x.i == 0) {
        *acc = (num){ 1, acc->i / x.i, (double)(acc->i / x.i) };
    } else {
        double p = acc->d, q = x.d;
        *acc = (num){ 0, 0, *fn == '+' ? p + q : *fn == '-' ? p - q : *fn == '*' ? p * q : p / q };
    }
    return 0;
}

/* (+ ...) (* ...) fold from 0 and 1; (- x) is 0 - x and (/ x) is 1 / x */
static ohm_object *arith(lisp *L, const char *fn, size_t n, ohm_object **a) {
    num acc = { 1, *fn == '*' || *fn == '/', *fn == '*' || *fn == '/' }, x;
    size_t i = n == 1 && (*fn == '-' || *fn == '/') ? 0 : 1;
    if (n > 0 && i == 1 && get_num(L, fn, a[0], &acc) < 0) return NULL;
    for (; i < n; i++)
        if (get_num(L, fn, a[i], &x) < 0 || arith_step(L, fn, &acc, x) < 0) return NULL;
    return made(L, fn, acc.is_int ? ohm_int_new(L->h, acc.i) : ohm_float_new(L->h, acc.d));
}
PRIM(p_add) { return arith(L, "+", n, a); }
PRIM(p_sub) { return arith(L, "-", n, a); }
PRIM(p_mul) { return arith(L, "*", n, a); }
PRIM(p_div) { return arith(L, "/", n, a); }

PRIM(p_remainder) {
    if (want(L, "remainder", a[1], &ohm_int_type) < 0) return NULL;
    int64_t y = ohm_int_value(a[1]);
    if (y == 0) return lisp_error(L, "remainder: division by zero");
    return new_int(L, "remainder", y == -1 ? 0 : ohm_int_value(a[0]) % y);   /* INT64_MIN % -1 traps */
}

/* = < > <= >= hold for every adjacent pair */
static ohm_object *compare(lisp *L, const char *fn, size_t n, ohm_object **a) {
    int ok = 1;
    for (size_t i = 0; i + 1 < n; i++) {
        num x, y;
        if (get_num(L, fn, a[i], &x) < 0 || get_num(L, fn, a[i + 1], &y) < 0) return NULL;
        int c = x.is_int && y.is_int ? (x.i > y.i) - (x.i < y.i) : (x.d > y.d) - (x.d < y.d);
        ok &= fn[0] == '=' ? c == 0 : fn[0] == '<' ? (fn[1] ? c <= 0 : c < 0) : (fn[1] ? c >= 0 : c > 0);
    }
    return lisp_bool(L, ok);
}
PRIM(p_num_eq) { return compare(L, "=", n, a); }
PRIM(p_lt) { return compare(L, "<", n, a); }
PRIM(p_gt) { return compare(L, ">", n, a); }
PRIM(p_le) { return compare(L, "<=", n, a); }
PRIM(p_ge) { return compare(L, ">=", n, a); }

/* ----------------------------------------------------- equality and types */

/* Same type and value; pairs and vectors item by item (not cyclic ones). */
static int equal(ohm_object *x, ohm_object *y, unsigned depth) {
    for (; x != y; x = LISP_CDR(x), y = LISP_CDR(y)) {   /* along a list: a loop */
        const ohm_type *t = ohm_type_of(x);
        if (t != ohm_type_of(y) || depth > 1000) return 0;
        if (t == &ohm_int_type || t == &ohm_float_type || t == &ohm_str_type) return ohm_equal(x, y);
        if (t == &ohm_list_type) {
            size_t len = ohm_list_len(x), i = 0;
            while (i < len && len == ohm_list_len(y) && equal(ohm_list_get(x, i), ohm_list_get(y, i), depth + 1)) i++;
            return i == len && len == ohm_list_len(y);
        }
        if (t != &lisp_cons_type || !equal(LISP_CAR(x), LISP_CAR(y), depth + 1)) return 0;
    }
    return 1;
}
PRIM(p_equal) { return lisp_bool(L, equal(a[0], a[1], 0)); }
PRIM(p_eq) { return lisp_bool(L, a[0] == a[1]); }
PRIM(p_not) { return lisp_bool(L, a[0] == L->f); }
PRIM(p_numberp) { return lisp_bool(L, LISP_IS(a[0], ohm_int_type) || LISP_IS(a[0], ohm_float_type)); }
PRIM(p_stringp) { return lisp_bool(L, LISP_IS(a[0], ohm_str_type)); }
PRIM(p_symbolp) { return lisp_bool(L, LISP_IS(a[0], lisp_symbol_type)); }
PRIM(p_pairp) { return lisp_bool(L, LISP_IS(a[0], lisp_cons_type)); }
PRIM(p_nullp) { return lisp_bool(L, a[0] == L->nil); }

/* ------------------------------------------------------------------ lists */

PRIM(p_cons) { return lisp_cons_new(L, a[0], a[1], 0); }
PRIM(p_car) { return ref(LISP_CAR(a[0])); }
PRIM(p_cdr) { return ref(LISP_CDR(a[0])); }
PRIM(p_list) {
    ohm_object *list = ref(L->nil);
    while (list && n--) {
        ohm_object *cell = lisp_cons_new(L, a[n], list, 0);
        ohm_decref(list);
        list = cell;
    }
    return list;
}
PRIM(p_length) {
    char buf[80];
    size_t len = lisp_list_length(L, a[0]);
    if (len == LISP_NOT_A_LIST) return lisp_error(L, "length: expected a list, got %s", lisp_print_to(L, a[0], buf, sizeof buf));
    return new_int(L, "length", (int64_t)len);
}

/* ---------------------------------------------------------------- strings */

PRIM(p_string_length) { return new_int(L, "string-length", (int64_t)ohm_str_len(a[0])); }

/* Into a buffer, then one str. (With a str concat in ohm, a fold over the args.) */
PRIM(p_string_append) {
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (want(L, "string-append", a[i], &ohm_str_type) < 0) return NULL;
        len += ohm_str_len(a[i]);
    }
    char *buf = ohm_malloc(L->h, len), *p = buf;
    if (!buf) return lisp_ohm_error(L, "string-append");
    for (size_t i = 0; i < n; p += ohm_str_len(a[i++])) memcpy(p, ohm_str_data(a[i]), ohm_str_len(a[i]));
    ohm_object *s = ohm_str_new(L->h, buf, len);
    ohm_free(L->h, buf);
    return made(L, "string-append", s);
}

/* Through the printer's text. (With ohm_str_from_format in ohm: one call.) */
PRIM(p_number_to_string) {
    char buf[64];
    num x;
    if (get_num(L, "number->string", a[0], &x) < 0) return NULL;
    return made(L, "number->string", ohm_str_new(L->h, buf, (size_t)lisp_format_number(a[0], buf, sizeof buf)));
}
PRIM(p_symbol_to_string) { return ref(((lisp_symbol *)a[0])->name); }
PRIM(p_string_to_symbol) { return lisp_intern(L, ohm_str_data(a[0]), ohm_str_len(a[0])); }

/* ---------------------------------------------------- vectors: ohm lists */

PRIM(p_vector) {
    ohm_object *v = ohm_list_new(L->h);
    for (size_t i = 0; v && i < n; i++)
        if (ohm_list_append(v, a[i]) < 0) { ohm_decref(v); v = NULL; }
    return made(L, "vector", v);
}
static int index_of(lisp *L, const char *fn, ohm_object **a, size_t *i) {
    if (want(L, fn, a[1], &ohm_int_type) < 0) return -1;
    int64_t k = ohm_int_value(a[1]);
    if (k >= 0 && (uint64_t)k < ohm_list_len(a[0])) return *i = (size_t)k, 0;
    return lisp_error(L, "%s: index %lld out of range (length %zu)", fn, (long long)k, ohm_list_len(a[0])), -1;
}
PRIM(p_vector_ref) { size_t i; return index_of(L, "vector-ref", a, &i) < 0 ? NULL : ref(ohm_list_get(a[0], i)); }
PRIM(p_vector_set) { size_t i; return index_of(L, "vector-set!", a, &i) < 0 ? NULL : done(L, ohm_list_set(a[0], i, a[2]), "vector-set!"); }
PRIM(p_vector_length) { return new_int(L, "vector-length", (int64_t)ohm_list_len(a[0])); }

/* ------------------------------------------------------- dicts: ohm dicts */

PRIM(p_make_dict) { return made(L, "make-dict", ohm_dict_new(L->h)); }
/* (dict-get d key [default]): absent without a default is an error. ohm_dict_get's
 * NULL is "absent" when ohm_last_error is "", else an error (an unhashable key). */
PRIM(p_dict_get) {
    char buf[80];
    ohm_object *v = ohm_dict_get(a[0], a[1]);
    if (!v && *ohm_last_error(L->h)) return lisp_ohm_error(L, "dict-get");
    if (!v && n < 3) return lisp_error(L, "dict-get: no key %s", lisp_print_to(L, a[1], buf, sizeof buf));
    return ref(v ? v : a[2]);
}
PRIM(p_dict_set) { return done(L, ohm_dict_set(a[0], a[1], a[2]), "dict-set!"); }
PRIM(p_dict_has) {
    ohm_object *v = ohm_dict_get(a[0], a[1]);
    return !v && *ohm_last_error(L->h) ? lisp_ohm_error(L, "dict-has?") : lisp_bool(L, v != NULL);
}
PRIM(p_dict_count) { return new_int(L, "dict-count", (int64_t)ohm_dict_len(a[0])); }
PRIM(p_dict_keys) {   /* in insertion order */
    size_t len = ohm_dict_len(a[0]), pos = 0, i = 0;
    ohm_object **keys = ohm_malloc(L->h, len * sizeof *keys);   /* borrowed from the dict */
    if (!keys) return lisp_ohm_error(L, "dict-keys");
    while (ohm_dict_next(a[0], &pos, &keys[i], NULL)) i++;
    ohm_object *list = p_list(L, len, keys);
    ohm_free(L->h, keys);
    return list;
}

/* -------------------------------------------------------- output, errors */

PRIM(p_display) { lisp_print(L, a[0], 0, stdout); return ref(L->unspecified); }
PRIM(p_write) { lisp_print(L, a[0], 1, stdout); return ref(L->unspecified); }
PRIM(p_newline) { putchar('\n'); return ref(L->unspecified); }
/* (error message irritant...) */
PRIM(p_error) {
    char msg[400], buf[120];
    size_t used = 0;
    for (size_t i = 0; i < n && used < sizeof msg; i++) {
        const char *text = i == 0 && LISP_IS(a[0], ohm_str_type) ? ohm_str_data(a[0]) : lisp_print_to(L, a[i], buf, sizeof buf);
        used += (size_t)snprintf(msg + used, sizeof msg - used, "%s%s", i ? " " : "", text);
    }
    return lisp_error(L, "%s", msg);
}

/* ------------------------------------- memory: the collector and the tracer */

PRIM(p_gc_collect) { return new_int(L, "gc-collect", (int64_t)ohm_gc_collect(L->h, 2)); }
PRIM(p_gc_live) { return new_int(L, "gc-live", (int64_t)lisp_tracked_objects(L->h)); }
PRIM(p_live_objects) { return new_int(L, "live-objects", (int64_t)lisp_live_objects(L->h)); }
PRIM(p_arena_count) {
    ohm_heap_stats st;
    ohm_heap_stats_get(L->h, &st);
    return new_int(L, "arena-count", (int64_t)st.arenas_current);
}
/* (trace-start frames): trace allocations from now on, keeping that many frames */
PRIM(p_trace_start) { return done(L, ohm_trace_start(L->h, (int)ohm_int_value(a[0])), "trace-start"); }

/* The traced memory by line, biggest first. The stats' strings are the snapshot's. */
typedef struct traced { ohm_snapshot *snap; ohm_stat *stats; size_t n; } traced;
static int trace_now(lisp *L, const char *fn, traced *t) {
    if (!(t->snap = ohm_snapshot_take(L->h))) return lisp_ohm_error(L, fn), -1;
    t->n = ohm_snapshot_statistics(t->snap, OHM_KEY_LINENO, 0, &t->stats);
    return 0;
}
static void trace_done(traced *t) {
    ohm_stats_free(t->stats);
    ohm_snapshot_free(t->snap);
}

/* (trace-top n): print the n lines holding the most, as tracemalloc does */
PRIM(p_trace_top) {
    traced t;
    if (trace_now(L, "trace-top", &t) < 0) return NULL;
    ohm_stats_print(t.stats, t.n, (size_t)ohm_int_value(a[0]), 0, stdout);
    trace_done(&t);
    return ref(L->unspecified);
}

/* (trace-lines): ((file line function count) ...), biggest first */
PRIM(p_trace_lines) {
    traced t;
    if (trace_now(L, "trace-lines", &t) < 0) return NULL;
    ohm_object *list = ref(L->nil);
    for (size_t i = t.n; list && i-- > 0;) {
        const ohm_frame *fr = &t.stats[i].traceback->frames[0];
        const char *file = fr->filename ? fr->filename : "?", *func = fr->function ? fr->function : "?";
        ohm_object *item[4] = { ohm_str_new(L->h, file, strlen(file)), ohm_int_new(L->h, fr->lineno),
                                ohm_str_new(L->h, func, strlen(func)), ohm_int_new(L->h, (int64_t)t.stats[i].count) };
        ohm_object *entry = item[0] && item[1] && item[2] && item[3] ? p_list(L, 4, item) : lisp_ohm_error(L, "trace-lines");
        ohm_object *cell = entry ? lisp_cons_new(L, entry, list, 0) : NULL;
        for (int k = 0; k < 4; k++) ohm_xdecref(item[k]);
        ohm_xdecref(entry);
        ohm_decref(list);
        list = cell;
    }
    trace_done(&t);
    return list;
}

/* ------------------------------------------------------------------ the table */

static const lisp_prim prims[] = {
    { "+", p_add, 0, MANY, NULL }, { "-", p_sub, 1, MANY, NULL }, { "*", p_mul, 0, MANY, NULL },
    { "/", p_div, 1, MANY, NULL }, { "remainder", p_remainder, 2, 2, &ohm_int_type },
    { "=", p_num_eq, 1, MANY, NULL }, { "<", p_lt, 1, MANY, NULL }, { ">", p_gt, 1, MANY, NULL },
    { "<=", p_le, 1, MANY, NULL }, { ">=", p_ge, 1, MANY, NULL },
    { "eq?", p_eq, 2, 2, NULL }, { "equal?", p_equal, 2, 2, NULL }, { "not", p_not, 1, 1, NULL },
    { "number?", p_numberp, 1, 1, NULL }, { "string?", p_stringp, 1, 1, NULL },
    { "symbol?", p_symbolp, 1, 1, NULL }, { "pair?", p_pairp, 1, 1, NULL }, { "null?", p_nullp, 1, 1, NULL },
    { "cons", p_cons, 2, 2, NULL }, { "car", p_car, 1, 1, &lisp_cons_type }, { "cdr", p_cdr, 1, 1, &lisp_cons_type },
    { "list", p_list, 0, MANY, NULL }, { "length", p_length, 1, 1, NULL },
    { "string-length", p_string_length, 1, 1, &ohm_str_type }, { "string-append", p_string_append, 0, MANY, NULL },
    { "number->string", p_number_to_string, 1, 1, NULL },
    { "symbol->string", p_symbol_to_string, 1, 1, &lisp_symbol_type },
    { "string->symbol", p_string_to_symbol, 1, 1, &ohm_str_type },
    { "vector", p_vector, 0, MANY, NULL }, { "vector-ref", p_vector_ref, 2, 2, &ohm_list_type },
    { "vector-set!", p_vector_set, 3, 3, &ohm_list_type }, { "vector-length", p_vector_length, 1, 1, &ohm_list_type },
    { "make-dict", p_make_dict, 0, 0, NULL }, { "dict-get", p_dict_get, 2, 3, &ohm_dict_type },
    { "dict-set!", p_dict_set, 3, 3, &ohm_dict_type }, { "dict-has?", p_dict_has, 2, 2, &ohm_dict_type },
    { "dict-count", p_dict_count, 1, 1, &ohm_dict_type }, { "dict-keys", p_dict_keys, 1, 1, &ohm_dict_type },
    { "display", p_display, 1, 1, NULL }, { "write", p_write, 1, 1, NULL }, { "newline", p_newline, 0, 0, NULL },
    { "error", p_error, 1, MANY, NULL },
    { "gc-collect", p_gc_collect, 0, 0, NULL }, { "gc-live", p_gc_live, 0, 0, NULL },
    { "live-objects", p_live_objects, 0, 0, NULL }, { "arena-count", p_arena_count, 0, 0, NULL },
    { "trace-start", p_trace_start, 1, 1, &ohm_int_type }, { "trace-top", p_trace_top, 1, 1, &ohm_int_type },
    { "trace-lines", p_trace_lines, 0, 0, NULL },
};

ohm_object *lisp_call_builtin(lisp *L, const lisp_prim *p, size_t argc, ohm_object **argv) {
    if (argc < p->min || argc > p->max) {
        char want_n[32];
        if (p->max == MANY) snprintf(want_n, sizeof want_n, "at least %u", p->min);
        else if (p->min < p->max) snprintf(want_n, sizeof want_n, "%u to %u", p->min, p->max);
        else snprintf(want_n, sizeof want_n, "%u", p->min);
        return lisp_error(L, "%s: expected %s argument%s, got %zu", p->name, want_n, p->max == 1 ? "" : "s", argc);
    }
    if (p->type && want(L, p->name, argv[0], p->type) < 0) return NULL;
    return p->fn(L, argc, argv);
}

int lisp_builtins_init(lisp *L) {
    for (size_t i = 0; i < sizeof prims / sizeof *prims; i++) {
        ohm_object *sym = lisp_intern(L, prims[i].name, strlen(prims[i].name));
        ohm_object *fn = sym ? lisp_builtin_new(L, &prims[i]) : NULL;
        int rc = fn ? lisp_env_define(L, L->global, sym, fn) : -1;
        ohm_xdecref(sym);
        ohm_xdecref(fn);
        if (rc < 0) return -1;
    }
    return 0;
}
