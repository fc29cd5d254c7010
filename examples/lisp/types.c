/*
 * types.c — our own types: symbol and builtin (plain), cons, env and closure (GC types:
 * they make cycles, as global env -> vars -> closure -> env). A GC type gives, as
 * CPython's tp_traverse, tp_clear and tp_dealloc:
 *   traverse  visit each object held (how the collector finds the cycles nobody holds);
 *   clear     break a cycle: set each field to NULL, *then* drop the reference;
 *   dealloc   drop what is still held; it runs after clear on garbage, so it must
 *             accept NULL fields: here it is clear.
 * edge_name names the fields for ohm_gc_explain; repr is what ohm_str prints.
 */
#include "lisp.h"

/* CPython's Py_VISIT: visit a field if set; a nonzero answer stops the traversal. */
#define VISIT(field) do { if ((field) && visit((field), arg)) return 1; } while (0)

static void dealloc(ohm_object *self) { ohm_type_of(self)->clear(self); }

/* edge_name's answer: ref is one of the fields, so one test per field but the last */
static int field(char *buf, size_t len, const char *name) { return snprintf(buf, len, "field '%s'", name) > 0; }

/* ---- symbol: one per name (L->symbols), so symbols compare by identity */

static void symbol_dealloc(ohm_object *self) { lisp_clear(&LISP_NAME(self)); }
static ohm_object *symbol_repr(ohm_object *self) { ohm_incref(LISP_NAME(self)); return LISP_NAME(self); }

const ohm_type lisp_symbol_type = {
    .name = "symbol", .basicsize = sizeof(lisp_symbol), .dealloc = symbol_dealloc, .repr = symbol_repr,
};

ohm_object *lisp_intern(lisp *L, const char *name, size_t len) {
    ohm_object *str = ohm_str_intern(L->h, name, len), *sym = str ? ohm_dict_get(L->symbols, str) : NULL;
    if (sym) {
        ohm_incref(sym);
    } else if (str && (sym = ohm_new(L->h, &lisp_symbol_type))) {
        ohm_incref(LISP_NAME(sym) = str);
        if (ohm_dict_set(L->symbols, str, sym) < 0) lisp_clear(&sym);
    }
    ohm_xdecref(str);
    return sym;
}

/* ---- builtin: a primitive of builtins.c's table */

static ohm_object *builtin_repr(ohm_object *self) {
    return ohm_str_from_format(ohm_heap_of(self), "#<builtin %s>", ((lisp_builtin *)self)->prim->name);
}

const ohm_type lisp_builtin_type = { .name = "builtin", .basicsize = sizeof(lisp_builtin), .repr = builtin_repr };

/* ---- cons: a pair, and the line the reader found it on (0: made by the program) */

static int cons_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    VISIT(LISP_CAR(self));
    VISIT(LISP_CDR(self));
    return 0;
}
static int cons_clear(ohm_object *self) {
    lisp_clear(&LISP_CAR(self));
    lisp_clear(&LISP_CDR(self));
    return 0;
}
static int cons_edge(ohm_object *self, const ohm_object *ref, char *buf, size_t len) {
    return field(buf, len, ref == LISP_CAR(self) ? "car" : "cdr");
}

const ohm_type lisp_cons_type = {
    .name = "cons", .basicsize = sizeof(lisp_cons), .flags = OHM_TYPE_GC, .traverse = cons_traverse,
    .clear = cons_clear, .dealloc = dealloc, .edge_name = cons_edge,
};

ohm_object *lisp_cons_new(lisp *L, ohm_object *car, ohm_object *cdr, unsigned line) {
    ohm_object *o = ohm_new(L->h, &lisp_cons_type);
    if (!o) return NULL;
    ohm_incref(LISP_CAR(o) = car);
    ohm_incref(LISP_CDR(o) = cdr);
    LISP_LINE(o) = line;
    return o;
}

/* The length of a proper list, else LISP_NOT_A_LIST. Pairs cannot be changed once
 * made, so a list never loops back on itself. */
size_t lisp_list_length(lisp *L, ohm_object *list) {
    size_t n = 0;
    for (; LISP_IS(list, lisp_cons_type); list = LISP_CDR(list)) n++;
    return list == L->nil ? n : LISP_NOT_A_LIST;
}

/* ---- env: the variables, and the enclosing env. The variables are an identity dict
 * keyed by the symbol's name: interned strs are one per text, so identity is the right
 * test, and ohm_gc_explain then names the variable ("value of key 'x' in <dict ..>"). */

#define ENV(o) ((lisp_env *)(o))

static int env_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    VISIT(ENV(self)->vars);
    VISIT(ENV(self)->parent);
    return 0;
}
static int env_clear(ohm_object *self) {
    lisp_clear(&ENV(self)->vars);
    lisp_clear(&ENV(self)->parent);
    return 0;
}
static int env_edge(ohm_object *self, const ohm_object *ref, char *buf, size_t len) {
    return field(buf, len, ref == ENV(self)->vars ? "vars" : "parent");
}

const ohm_type lisp_env_type = {
    .name = "env", .basicsize = sizeof(lisp_env), .flags = OHM_TYPE_GC, .traverse = env_traverse,
    .clear = env_clear, .dealloc = dealloc, .edge_name = env_edge,
};

ohm_object *lisp_env_new(lisp *L, ohm_object *parent) {
    ohm_object *vars = ohm_dict_new_identity(L->h), *env = vars ? ohm_new(L->h, &lisp_env_type) : NULL;
    if (!env) {
        ohm_xdecref(vars);
        return NULL;
    }
    ENV(env)->vars = vars;     /* our reference moves into the env */
    ohm_xincref(ENV(env)->parent = parent);
    return env;
}

int lisp_env_define(ohm_object *env, ohm_object *sym, ohm_object *value) {
    return ohm_dict_set(ENV(env)->vars, LISP_NAME(sym), value);
}

/* The env binding sym, env or an enclosing one, with the value in *value (both
 * borrowed); NULL when none does (an identity dict's get cannot fail: NULL is absent). */
ohm_object *lisp_env_find(ohm_object *env, ohm_object *sym, ohm_object **value) {
    for (; env; env = ENV(env)->parent)
        if ((*value = ohm_dict_get(ENV(env)->vars, LISP_NAME(sym)))) return env;
    return NULL;
}

/* ---- closure: parameters, body, the env it was made in, and its name once defined */

#define CLOSURE(o) ((lisp_closure *)(o))

static int closure_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    VISIT(CLOSURE(self)->params);
    VISIT(CLOSURE(self)->body);
    VISIT(CLOSURE(self)->env);
    VISIT(CLOSURE(self)->name);   /* a plain symbol, but every owned reference is visited */
    return 0;
}
static int closure_clear(ohm_object *self) {
    lisp_clear(&CLOSURE(self)->params);
    lisp_clear(&CLOSURE(self)->body);
    lisp_clear(&CLOSURE(self)->env);
    lisp_clear(&CLOSURE(self)->name);
    return 0;
}
static int closure_edge(ohm_object *self, const ohm_object *ref, char *buf, size_t len) {
    lisp_closure *c = CLOSURE(self);
    return field(buf, len, ref == c->params ? "params" : ref == c->body ? "body" : ref == c->env ? "env" : "name");
}
static ohm_object *closure_repr(ohm_object *self) {
    return ohm_str_from_format(ohm_heap_of(self), "#<procedure %s>", lisp_closure_name(CLOSURE(self)));
}

const ohm_type lisp_closure_type = {
    .name = "closure", .basicsize = sizeof(lisp_closure), .flags = OHM_TYPE_GC, .traverse = closure_traverse,
    .clear = closure_clear, .dealloc = dealloc, .edge_name = closure_edge, .repr = closure_repr,
};

ohm_object *lisp_closure_new(lisp *L, ohm_object *params, ohm_object *body, ohm_object *env) {
    ohm_object *o = ohm_new(L->h, &lisp_closure_type);
    if (!o) return NULL;
    ohm_incref(CLOSURE(o)->params = params);
    ohm_incref(CLOSURE(o)->body = body);
    ohm_incref(CLOSURE(o)->env = env);
    return o;
}

const char *lisp_closure_name(lisp_closure *c) { return c->name ? ohm_str_data(LISP_NAME(c->name)) : "lambda"; }
