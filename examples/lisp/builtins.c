/*
 * builtins.c — the primitives, and the table that defines them in the global env. The
 * table's arity and first-argument type are checked by lisp_call_builtin, which also
 * names the primitive in an ohm call's error: "dict-set!: ohm_dict_set: unhashable
 * type: 'list'". ohm_bool_new and ohm_none cannot fail once made (main.c makes them).
 */
#include <string.h>
#include "lisp.h"

#define UNUSED __attribute__((unused))
#define PRIM(fname) static ohm_object *fname(UNUSED lisp *L, UNUSED const lisp_prim *p, UNUSED size_t n, UNUSED ohm_object **a)

static ohm_object *ref(ohm_object *o) { ohm_incref(o); return o; }

/* "car: expected a pair, got 5"; returns NULL */
static ohm_object *expected(lisp *L, const lisp_prim *p, const char *what, ohm_object *o) {
    char buf[80];
    return lisp_error(L, "%s: expected %s, got %s", p->name, what, lisp_print_to(L, o, buf, sizeof buf));
}

static int want(lisp *L, const lisp_prim *p, ohm_object *o, const ohm_type *t) {
    if (ohm_type_of(o) == t) return 0;
    expected(L, p, t == &lisp_cons_type ? "a pair" : t == &ohm_str_type ? "a string" : t == &ohm_list_type ? "a vector"
             : t == &ohm_dict_type ? "a dict" : t == &lisp_symbol_type ? "a symbol" : "an integer", o);
    return -1;
}

/* ---------------------------------------------------------------- numbers */

typedef struct num { int is_int; int64_t i; double d; } num;   /* d is set for ints too */

/* Scheme's booleans are not numbers, though ohm's are ints (as Python's are). */
static int get_num(lisp *L, const lisp_prim *p, ohm_object *o, num *x) {
    x->is_int = !LISP_IS(o, ohm_bool_type) && ohm_int_as(o, &x->i) == 0;
    if (x->is_int) x->d = (double)x->i;
    if (x->is_int || ohm_float_as(o, &x->d) == 0) return 0;
    expected(L, p, "a number", o);
    return -1;
}

/* acc op x: exact while both are ints and the result fits (else an error: no
 * bignums); / of ints gives an int when it divides exactly, a float otherwise. */
static int arith_step(lisp *L, char op, num *acc, num x) {
    int64_t r;
    if (acc->is_int && x.is_int && op != '/') {
        if (op == '+' ? __builtin_add_overflow(acc->i, x.i, &r) : op == '-' ? __builtin_sub_overflow(acc->i, x.i, &r)
                      : __builtin_mul_overflow(acc->i, x.i, &r))
            return lisp_error(L, "%c: integer overflow", op), -1;
        *acc = (num){ 1, r, (double)r };
    } else if (op == '/' && x.d == 0) {
        return lisp_error(L, "/: division by zero"), -1;
    } else if (op == '/' && acc->is_int && x.is_int && x.i != -1 && acc->i % x.i == 0) {
        *acc = (num){ 1, acc->i / x.i, (double)(acc->i / x.i) };
    } else {
        double u = acc->d, v = x.d;
        *acc = (num){ 0, 0, op == '+' ? u + v : op == '-' ? u - v : op == '*' ? u * v : u / v };
    }
    return 0;
}

/* + - * /: (+ ...) and (* ...) fold from 0 and 1; (- x) is 0 - x, (/ x) is 1 / x */
PRIM(p_arith) {
    char op = p->name[0];
    num acc = { 1, op == '*' || op == '/', op == '*' || op == '/' }, x;
    size_t i = n == 1 && (op == '-' || op == '/') ? 0 : 1;
    if (n > 0 && i == 1 && get_num(L, p, a[0], &acc) < 0) return NULL;
    for (; i < n; i++)
        if (get_num(L, p, a[i], &x) < 0 || arith_step(L, op, &acc, x) < 0) return NULL;
    return acc.is_int ? ohm_int_new(L->h, acc.i) : ohm_float_new(L->h, acc.d);
}

/* = < > <= >=: true when it holds for every adjacent pair, compared exactly by value
 * across ints and floats (ohm_compare, Python's rich comparison) */
PRIM(p_compare) {
    int op = p->name[0] == '=' ? OHM_EQ : p->name[0] == '<' ? (p->name[1] ? OHM_LE : OHM_LT) : (p->name[1] ? OHM_GE : OHM_GT);
    int holds = 1;
    num x;
    for (size_t i = 0; i < n; i++) {
        if (get_num(L, p, a[i], &x) < 0) return NULL;
        if (i > 0 && holds && (holds = ohm_compare(a[i - 1], a[i], op)) < 0) return NULL;
    }
    return ohm_bool_new(L->h, holds);
}

PRIM(p_remainder) {
    int64_t y;
    if (want(L, p, a[1], &ohm_int_type) < 0 || ohm_int_as(a[1], &y) < 0) return NULL;
    if (y == 0) return lisp_error(L, "remainder: division by zero");
    return ohm_int_new(L->h, y == -1 ? 0 : ohm_int_value(a[0]) % y);   /* INT64_MIN % -1 traps */
}

/* ----------------------------------------------------- equality and types */

/* The same type, pairs item by item, the rest as Python's == (ohm_compare): 1 and 1.0
 * are not equal?; vectors and dicts compare their items by value (pairs in them by
 * identity). */
static int equal(ohm_object *x, ohm_object *y, unsigned depth) {
    for (; LISP_IS(x, lisp_cons_type) && LISP_IS(y, lisp_cons_type); x = LISP_CDR(x), y = LISP_CDR(y))
        if (depth > 1000 || !equal(LISP_CAR(x), LISP_CAR(y), depth + 1)) return 0;
    return ohm_type_of(x) == ohm_type_of(y) && ohm_compare(x, y, OHM_EQ) == 1;
}
PRIM(p_equal) { return ohm_bool_new(L->h, equal(a[0], a[1], 0)); }
PRIM(p_eq) { return ohm_bool_new(L->h, a[0] == a[1]); }
PRIM(p_not) { return ohm_bool_new(L->h, a[0] == L->f); }
PRIM(p_numberp) { return ohm_bool_new(L->h, LISP_IS(a[0], ohm_int_type) || LISP_IS(a[0], ohm_float_type)); }
PRIM(p_stringp) { return ohm_bool_new(L->h, LISP_IS(a[0], ohm_str_type)); }
PRIM(p_symbolp) { return ohm_bool_new(L->h, LISP_IS(a[0], lisp_symbol_type)); }
PRIM(p_pairp) { return ohm_bool_new(L->h, LISP_IS(a[0], lisp_cons_type)); }
PRIM(p_nullp) { return ohm_bool_new(L->h, a[0] == L->nil); }

/* ------------------------------------------------------ lists and strings */

PRIM(p_cons) { return lisp_cons_new(L, a[0], a[1], 0); }
PRIM(p_car) { return ref(LISP_CAR(a[0])); }
PRIM(p_cdr) { return ref(LISP_CDR(a[0])); }
PRIM(p_list) {
    ohm_object *list = L->nil;   /* immortal: needs no reference */
    while (list && n--) {
        ohm_object *cell = lisp_cons_new(L, a[n], list, 0);
        ohm_decref(list);
        list = cell;
    }
    return list;
}
PRIM(p_length) {
    size_t len = lisp_list_length(L, a[0]);
    return len == LISP_NOT_A_LIST ? expected(L, p, "a list", a[0]) : ohm_int_new(L->h, (int64_t)len);
}

PRIM(p_string_length) { return ohm_int_new(L->h, (int64_t)ohm_str_len(a[0])); }   /* in bytes */
PRIM(p_string_append) {   /* a fold of ohm_str_concat (Python's a + b) */
    for (size_t i = 0; i < n; i++)
        if (want(L, p, a[i], &ohm_str_type) < 0) return NULL;
    ohm_object *s = ohm_str_new(L->h, "", 0);
    for (size_t i = 0; s && i < n; i++) {
        ohm_object *t = ohm_str_concat(s, a[i]);
        ohm_decref(s);
        s = t;
    }
    return s;
}
PRIM(p_number_to_string) { num x; return get_num(L, p, a[0], &x) < 0 ? NULL : ohm_str(a[0]); }   /* Python's str() */
PRIM(p_symbol_to_string) { return ref(LISP_NAME(a[0])); }
PRIM(p_string_to_symbol) { return lisp_intern(L, ohm_str_data(a[0]), ohm_str_len(a[0])); }

/* ---------------------------------------------- vectors and dicts: ohm's own */

PRIM(p_vector) {
    ohm_object *v = ohm_list_new(L->h);
    for (size_t i = 0; v && i < n; i++)
        if (ohm_list_append(v, a[i]) < 0) lisp_clear(&v);
    return v;
}
static int index_of(lisp *L, const lisp_prim *p, ohm_object **a, size_t *i) {
    int64_t k;
    if (want(L, p, a[1], &ohm_int_type) < 0 || ohm_int_as(a[1], &k) < 0) return -1;
    *i = (size_t)k;
    if (k >= 0 && *i < ohm_list_len(a[0])) return 0;
    lisp_error(L, "%s: index %lld out of range (length %zu)", p->name, (long long)k, ohm_list_len(a[0]));
    return -1;
}
PRIM(p_vector_ref) { size_t i; return index_of(L, p, a, &i) < 0 ? NULL : ref(ohm_list_get(a[0], i)); }
PRIM(p_vector_set) { size_t i; return index_of(L, p, a, &i) < 0 || ohm_list_set(a[0], i, a[2]) < 0 ? NULL : ohm_none(L->h); }
PRIM(p_vector_length) { return ohm_int_new(L->h, (int64_t)ohm_list_len(a[0])); }

PRIM(p_make_dict) { return ohm_dict_new(L->h); }
PRIM(p_dict_get) {   /* (dict-get d key [default]): ohm_dict_get's NULL is "absent" when ohm_last_error is "" */
    char buf[80];
    ohm_object *v = ohm_dict_get(a[0], a[1]);
    if (!v && *ohm_last_error(L->h)) return NULL;   /* an unhashable key */
    if (!v && n < 3) return lisp_error(L, "dict-get: no key %s", lisp_print_to(L, a[1], buf, sizeof buf));
    return ref(v ? v : a[2]);
}
PRIM(p_dict_set) { return ohm_dict_set(a[0], a[1], a[2]) < 0 ? NULL : ohm_none(L->h); }
PRIM(p_dict_has) { int r = ohm_dict_contains(a[0], a[1]); return r < 0 ? NULL : ohm_bool_new(L->h, r); }
PRIM(p_dict_count) { return ohm_int_new(L->h, (int64_t)ohm_dict_len(a[0])); }
PRIM(p_dict_keys) { return ohm_dict_keys(a[0]); }   /* a vector, in insertion order */

/* ------------------------------------------------------- output and errors */

PRIM(p_display) { lisp_print(L, a[0], 0, stdout); return ohm_none(L->h); }
PRIM(p_write) { lisp_print(L, a[0], 1, stdout); return ohm_none(L->h); }
PRIM(p_newline) { putchar('\n'); return ohm_none(L->h); }
PRIM(p_error) {   /* (error message irritant...) */
    char msg[400] = "";
    FILE *out = fmemopen(msg, sizeof msg - 1, "w");
    for (size_t i = 0; out && i < n; i++) {
        if (i) putc(' ', out);
        lisp_print(L, a[i], i > 0 || !LISP_IS(a[0], ohm_str_type), out);
    }
    if (out) fclose(out);
    return lisp_error(L, "%s", msg);
}

/* ------------------------------------- memory: the collector and the tracer */

PRIM(p_gc_collect) { return ohm_int_new(L->h, (int64_t)ohm_gc_collect(L->h, 2)); }   /* what it found unreachable */
PRIM(p_live_objects) { return ohm_int_new(L->h, (int64_t)ohm_live_objects(L->h)); }
PRIM(p_arena_count) {
    ohm_heap_stats st;
    ohm_heap_stats_get(L->h, &st);
    return ohm_int_new(L->h, (int64_t)st.arenas_current);
}
/* (explain x): why x is alive, the chain of references from a root down to it (the
 * reference this call holds is not counted) */
PRIM(p_explain) { ohm_gc_explain_ex(L->h, a[0], stdout, OHM_EXPLAIN_OWN_REF); return ohm_none(L->h); }
/* (trace-start frames): trace every allocation from now on */
PRIM(p_trace_start) { return ohm_trace_start(L->h, (int)ohm_int_value(a[0])) < 0 ? NULL : ohm_none(L->h); }
/* (trace-top n): print the n lines holding the most memory, as tracemalloc does */
PRIM(p_trace_top) {
    ohm_stat *stats = NULL;
    ohm_snapshot *snap = ohm_snapshot_take(L->h);
    if (!snap) return NULL;
    size_t count = ohm_snapshot_statistics(snap, OHM_KEY_LINENO, 0, &stats);
    ohm_stats_print(stats, count, (size_t)ohm_int_value(a[0]), 0, stdout);
    ohm_stats_free(stats);
    ohm_snapshot_free(snap);
    return ohm_none(L->h);
}

/* ------------------------------------------------------------------ the table */

#define ANY NULL
static const lisp_prim prims[] = {
    { "+", p_arith, 0, LISP_MANY, ANY }, { "-", p_arith, 1, LISP_MANY, ANY }, { "*", p_arith, 0, LISP_MANY, ANY },
    { "/", p_arith, 1, LISP_MANY, ANY }, { "remainder", p_remainder, 2, 2, &ohm_int_type },
    { "=", p_compare, 1, LISP_MANY, ANY }, { "<", p_compare, 1, LISP_MANY, ANY }, { ">", p_compare, 1, LISP_MANY, ANY },
    { "<=", p_compare, 1, LISP_MANY, ANY }, { ">=", p_compare, 1, LISP_MANY, ANY },
    { "eq?", p_eq, 2, 2, ANY }, { "equal?", p_equal, 2, 2, ANY }, { "not", p_not, 1, 1, ANY },
    { "number?", p_numberp, 1, 1, ANY }, { "string?", p_stringp, 1, 1, ANY }, { "symbol?", p_symbolp, 1, 1, ANY },
    { "pair?", p_pairp, 1, 1, ANY }, { "null?", p_nullp, 1, 1, ANY }, { "cons", p_cons, 2, 2, ANY },
    { "car", p_car, 1, 1, &lisp_cons_type }, { "cdr", p_cdr, 1, 1, &lisp_cons_type },
    { "list", p_list, 0, LISP_MANY, ANY }, { "length", p_length, 1, 1, ANY },
    { "string-length", p_string_length, 1, 1, &ohm_str_type }, { "string-append", p_string_append, 0, LISP_MANY, ANY },
    { "number->string", p_number_to_string, 1, 1, ANY }, { "symbol->string", p_symbol_to_string, 1, 1, &lisp_symbol_type },
    { "string->symbol", p_string_to_symbol, 1, 1, &ohm_str_type }, { "vector", p_vector, 0, LISP_MANY, ANY },
    { "vector-ref", p_vector_ref, 2, 2, &ohm_list_type }, { "vector-set!", p_vector_set, 3, 3, &ohm_list_type },
    { "vector-length", p_vector_length, 1, 1, &ohm_list_type }, { "make-dict", p_make_dict, 0, 0, ANY },
    { "dict-get", p_dict_get, 2, 3, &ohm_dict_type }, { "dict-set!", p_dict_set, 3, 3, &ohm_dict_type },
    { "dict-has?", p_dict_has, 2, 2, &ohm_dict_type }, { "dict-count", p_dict_count, 1, 1, &ohm_dict_type },
    { "dict-keys", p_dict_keys, 1, 1, &ohm_dict_type }, { "display", p_display, 1, 1, ANY },
    { "write", p_write, 1, 1, ANY }, { "newline", p_newline, 0, 0, ANY }, { "error", p_error, 1, LISP_MANY, ANY },
    { "gc-collect", p_gc_collect, 0, 0, ANY }, { "live-objects", p_live_objects, 0, 0, ANY },
    { "arena-count", p_arena_count, 0, 0, ANY }, { "explain", p_explain, 1, 1, ANY },
    { "trace-start", p_trace_start, 1, 1, &ohm_int_type }, { "trace-top", p_trace_top, 1, 1, &ohm_int_type },
};

ohm_object *lisp_call_builtin(lisp *L, const lisp_prim *p, size_t argc, ohm_object **argv) {
    if (argc < p->min || argc > p->max) return lisp_arity_error(L, p->name, p->min, p->max, argc);
    if (p->type && want(L, p, argv[0], p->type) < 0) return NULL;
    ohm_object *r = p->fn(L, p, argc, argv);
    if (!r && !L->error[0]) lisp_error(L, "%s: %s", p->name, ohm_last_error(L->h));   /* an ohm call failed */
    return r;
}

int lisp_builtins_init(lisp *L) {
    for (size_t i = 0; i < sizeof prims / sizeof *prims; i++) {
        ohm_object *sym = lisp_intern(L, prims[i].name, strlen(prims[i].name));
        ohm_object *fn = sym ? ohm_new(L->h, &lisp_builtin_type) : NULL;
        if (fn) ((lisp_builtin *)fn)->prim = &prims[i];
        int rc = fn ? lisp_env_define(L->global, sym, fn) : -1;
        ohm_xdecref(sym);
        ohm_xdecref(fn);
        if (rc < 0) return -1;
    }
    return 0;
}
