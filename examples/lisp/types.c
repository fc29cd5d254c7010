/*
 * types.c — the interpreter's own object types: symbol, builtin, cons, env, closure.
 *
 * A type whose objects can (even indirectly) refer back to themselves must be a GC
 * type: reference counting alone never frees a cycle. The usual one here is
 *     global env -> vars dict -> closure -> env (the same one)
 * made by every (define (f) ...); a call of a closure that defines another one makes a
 * fresh such cycle. So cons, env and closure set OHM_TYPE_GC and give, as CPython's
 * tp_traverse, tp_clear and tp_dealloc:
 *   traverse  visit each object the struct holds (the collector counts the references
 *             held inside the heap this way, and finds the cycles nobody else holds);
 *   clear     break a cycle: set each field to NULL *then* drop the reference, so the
 *             object is valid (NULL fields) whatever the decref sets off;
 *   dealloc   drop what is still held; it runs after clear on collected objects, so it
 *             must accept NULL fields: here it is clear.
 * and two optional slots: edge_name, so that ohm_gc_explain says "field 'vars' of <env>",
 * and repr, which ohm_repr and ohm_str (and so the printer) call.
 * Symbol and builtin hold nothing that leads back to them: plain types, cheaper (no
 * collector bookkeeping) and freed by reference counting alone.
 */
#include <stdarg.h>
#include <string.h>
#include "lisp.h"

/* CPython's Py_VISIT: visit a field if set; a nonzero answer stops the traversal. */
#define VISIT(field) do { if ((field) && visit((field), arg)) return 1; } while (0)

/* CPython's Py_CLEAR: empty the field first, then drop the reference. */
static void drop(ohm_object **field) {
    ohm_object *o = *field;
    *field = NULL;
    ohm_xdecref(o);
}

/* For edge_name: the name of the field that holds ref, from ("name", field) pairs. */
static int field_name(const ohm_object *ref, char *buf, size_t len, ...) {
    va_list ap;
    const char *name;
    va_start(ap, len);
    while ((name = va_arg(ap, const char *)) && va_arg(ap, ohm_object *) != ref) {}
    va_end(ap);
    if (!name) return 0;
    snprintf(buf, len, "field '%s'", name);
    return 1;
}

/* ---- symbol: one per name (L->symbols), so symbols compare by identity */

static void symbol_dealloc(ohm_object *self) { drop(&LISP_NAME(self)); }
static ohm_object *symbol_repr(ohm_object *self) { ohm_incref(LISP_NAME(self)); return LISP_NAME(self); }

const ohm_type lisp_symbol_type = {
    .name = "symbol", .basicsize = sizeof(lisp_symbol), .dealloc = symbol_dealloc, .repr = symbol_repr,
};

ohm_object *lisp_intern(lisp *L, const char *name, size_t len) {
    ohm_object *str = ohm_str_intern(L->h, name, len), *sym = NULL;
    if (!str) return NULL;
    if ((sym = ohm_dict_get(L->symbols, str))) {
        ohm_incref(sym);
    } else if ((sym = ohm_new(L->h, &lisp_symbol_type))) {
        ohm_incref(LISP_NAME(sym) = str);
        if (ohm_dict_set(L->symbols, str, sym) < 0) {
            ohm_decref(sym);
            sym = NULL;
        }
    }
    ohm_decref(str);
    return sym;
}

/* ---- builtin: a primitive from builtins.c's static table */

static ohm_object *builtin_repr(ohm_object *self) {
    return ohm_str_from_format(ohm_heap_of(self), "#<builtin %s>", ((lisp_builtin *)self)->prim->name);
}

const ohm_type lisp_builtin_type = { .name = "builtin", .basicsize = sizeof(lisp_builtin), .repr = builtin_repr };

ohm_object *lisp_builtin_new(lisp *L, const lisp_prim *prim) {
    ohm_object *o = ohm_new(L->h, &lisp_builtin_type);
    if (o) ((lisp_builtin *)o)->prim = prim;
    return o;
}

/* ---- cons: a pair, and the line the reader found it on */

static int cons_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    VISIT(LISP_CAR(self));
    VISIT(LISP_CDR(self));
    return 0;
}
static int cons_clear(ohm_object *self) {
    drop(&LISP_CAR(self));
    drop(&LISP_CDR(self));
    return 0;
}
static void cons_dealloc(ohm_object *self) { cons_clear(self); }
static int cons_edge(ohm_object *self, const ohm_object *ref, char *buf, size_t len) {
    return field_name(ref, buf, len, "car", LISP_CAR(self), "cdr", LISP_CDR(self), NULL);
}

const ohm_type lisp_cons_type = {
    .name = "cons", .basicsize = sizeof(lisp_cons), .flags = OHM_TYPE_GC, .traverse = cons_traverse,
    .clear = cons_clear, .dealloc = cons_dealloc, .edge_name = cons_edge, .freelist_max = 100,
};

ohm_object *lisp_cons_new(lisp *L, ohm_object *car, ohm_object *cdr, unsigned line) {
    ohm_object *o = ohm_new(L->h, &lisp_cons_type);
    if (!o) return NULL;
    ohm_incref(LISP_CAR(o) = car);
    ohm_incref(LISP_CDR(o) = cdr);
    ((lisp_cons *)o)->line = line;
    return o;
}

/* The length of a proper list, else LISP_NOT_A_LIST. Pairs cannot be changed once
 * made, so a list never loops back on itself. */
size_t lisp_list_length(lisp *L, ohm_object *list) {
    size_t n = 0;
    for (; LISP_IS(list, lisp_cons_type); list = LISP_CDR(list)) n++;
    return list == L->nil ? n : LISP_NOT_A_LIST;
}

/* ---- env: the variables (an identity dict: symbol name -> value), and the enclosing env */

static int env_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    VISIT(((lisp_env *)self)->vars);
    VISIT(((lisp_env *)self)->parent);
    return 0;
}
static int env_clear(ohm_object *self) {
    drop(&((lisp_env *)self)->vars);
    drop(&((lisp_env *)self)->parent);
    return 0;
}
static void env_dealloc(ohm_object *self) { env_clear(self); }
static int env_edge(ohm_object *self, const ohm_object *ref, char *buf, size_t len) {
    lisp_env *e = (lisp_env *)self;
    return field_name(ref, buf, len, "vars", e->vars, "parent", e->parent, NULL);
}

const ohm_type lisp_env_type = {
    .name = "env", .basicsize = sizeof(lisp_env), .flags = OHM_TYPE_GC, .traverse = env_traverse,
    .clear = env_clear, .dealloc = env_dealloc, .edge_name = env_edge, .freelist_max = 100,
};

ohm_object *lisp_env_new(lisp *L, ohm_object *parent) {
    ohm_object *vars = ohm_dict_new_identity(L->h);
    ohm_object *env = vars ? ohm_new(L->h, &lisp_env_type) : NULL;
    if (!env) {
        ohm_xdecref(vars);
        return NULL;
    }
    ((lisp_env *)env)->vars = vars;     /* our reference moves into the env */
    ohm_xincref(((lisp_env *)env)->parent = parent);
    return env;
}

/* The variables are keyed by the symbol's interned name, not the symbol: interned strs
 * are unique per text, so identity is the right comparison, and ohm_gc_explain then
 * shows the variable's name ("value of key 'counter' in <dict ..>"). */
int lisp_env_define(ohm_object *env, ohm_object *sym, ohm_object *value) {
    return ohm_dict_set(((lisp_env *)env)->vars, LISP_NAME(sym), value);
}

/* The env binding sym, env or an enclosing one, with the value in *value (both
 * borrowed); NULL when none does (an identity dict's get cannot fail: NULL is absent). */
ohm_object *lisp_env_find(ohm_object *env, ohm_object *sym, ohm_object **value) {
    for (; env; env = ((lisp_env *)env)->parent)
        if ((*value = ohm_dict_get(((lisp_env *)env)->vars, LISP_NAME(sym)))) return env;
    return NULL;
}

/* ---- closure: parameters, body, the env it was made in, and its name once defined */

static int closure_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    lisp_closure *c = (lisp_closure *)self;
    VISIT(c->params);
    VISIT(c->body);
    VISIT(c->env);
    VISIT(c->name);     /* a plain symbol, but every owned reference is visited */
    return 0;
}
static int closure_clear(ohm_object *self) {
    lisp_closure *c = (lisp_closure *)self;
    drop(&c->params);
    drop(&c->body);
    drop(&c->env);
    drop(&c->name);
    return 0;
}
static void closure_dealloc(ohm_object *self) { closure_clear(self); }
static int closure_edge(ohm_object *self, const ohm_object *ref, char *buf, size_t len) {
    lisp_closure *c = (lisp_closure *)self;
    return field_name(ref, buf, len, "params", c->params, "body", c->body, "env", c->env, "name", c->name, NULL);
}
static ohm_object *closure_repr(ohm_object *self) {
    ohm_object *name = ((lisp_closure *)self)->name;
    return ohm_str_from_format(ohm_heap_of(self), "#<procedure %s>", name ? ohm_str_data(LISP_NAME(name)) : "lambda");
}

const ohm_type lisp_closure_type = {
    .name = "closure", .basicsize = sizeof(lisp_closure), .flags = OHM_TYPE_GC, .traverse = closure_traverse,
    .clear = closure_clear, .dealloc = closure_dealloc, .edge_name = closure_edge, .repr = closure_repr,
};

ohm_object *lisp_closure_new(lisp *L, ohm_object *params, ohm_object *body, ohm_object *env) {
    ohm_object *o = ohm_new(L->h, &lisp_closure_type);
    if (!o) return NULL;
    lisp_closure *c = (lisp_closure *)o;
    ohm_incref(c->params = params);
    ohm_incref(c->body = body);
    ohm_incref(c->env = env);
    return o;
}
