/*
 * types.c — the interpreter's own object types: symbol, cons, env, closure, builtin.
 *
 * A type whose objects can (even indirectly) refer back to themselves must be a GC
 * type: reference counting alone never frees a cycle. The usual one here is
 *     global env -> vars dict -> closure -> env (the same one)
 * made by every (define (f) ...), and each call of a closure that makes another one
 * makes a fresh such cycle. So cons, env and closure set OHM_TYPE_GC and give:
 *   traverse  visit each object the struct holds (the collector counts the references
 *             held inside the heap this way, and finds the cycles nobody else holds);
 *   clear     break the cycle: set each field to NULL *then* drop the reference, so
 *             the object is valid (NULL fields) whatever the decref sets off;
 *   dealloc   drop what is still held; runs after clear on collected objects, so it
 *             must accept NULL fields.
 * Symbol and builtin hold nothing that can lead back to them: plain types, cheaper
 * (no collector bookkeeping) and freed by reference counting alone.
 */
#include "lisp.h"

/* CPython's Py_VISIT: visit a field if set; a nonzero answer stops the traversal. */
#define VISIT(field) do { if ((field) && visit((field), arg)) return 1; } while (0)

/* CPython's Py_CLEAR: empty the field first, then drop the reference, so that whatever
 * the release sets off (it may reach this object again) finds the field NULL. */
static void drop(ohm_object **field) {
    ohm_object *o = *field;
    *field = NULL;
    ohm_xdecref(o);
}

/* ---- symbol: one per name, so symbols compare (and hash, as dict keys) by identity */

static void symbol_dealloc(ohm_object *self) { drop(&((lisp_symbol *)self)->name); }

const ohm_type lisp_symbol_type = {
    .name = "symbol", .basicsize = sizeof(lisp_symbol), .dealloc = symbol_dealloc,
};

ohm_object *lisp_intern(lisp *L, const char *name, size_t len) {
    ohm_object *str = ohm_str_intern(L->h, name, len);
    if (!str) return lisp_ohm_error(L, "symbol");
    ohm_object *sym = ohm_dict_get(L->symbols, str);
    if (sym) {
        ohm_incref(sym);
    } else if ((sym = ohm_new(L->h, &lisp_symbol_type))) {
        ((lisp_symbol *)sym)->name = str;
        ohm_incref(str);
        if (ohm_dict_set(L->symbols, str, sym) < 0) {
            ohm_decref(sym);
            sym = NULL;
        }
    }
    ohm_decref(str);
    return sym ? sym : lisp_ohm_error(L, "symbol");
}

/* ---- cons: a pair; line is where the reader found it (0: made by the program) */

static int cons_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    lisp_cons *c = (lisp_cons *)self;
    VISIT(c->car);
    VISIT(c->cdr);
    return 0;
}
static int cons_clear(ohm_object *self) {
    lisp_cons *c = (lisp_cons *)self;
    drop(&c->car);
    drop(&c->cdr);
    return 0;
}
static void cons_dealloc(ohm_object *self) { cons_clear(self); }

const ohm_type lisp_cons_type = {
    .name = "cons", .basicsize = sizeof(lisp_cons), .flags = OHM_TYPE_GC,
    .traverse = cons_traverse, .clear = cons_clear, .dealloc = cons_dealloc,
};

ohm_object *lisp_cons_new(lisp *L, ohm_object *car, ohm_object *cdr, unsigned line) {
    ohm_object *o = ohm_new(L->h, &lisp_cons_type);
    if (!o) return lisp_ohm_error(L, "cons");
    lisp_cons *c = (lisp_cons *)o;
    ohm_incref(car);
    ohm_incref(cdr);
    c->car = car;
    c->cdr = cdr;
    c->line = line;
    return o;
}

/* Pairs cannot be changed once made, so a list never loops back on itself. */
size_t lisp_list_length(lisp *L, ohm_object *list) {
    size_t n = 0;
    for (; LISP_IS(list, lisp_cons_type); list = LISP_CDR(list)) n++;
    return list == L->nil ? n : LISP_NOT_A_LIST;
}

/* ---- env: a dict of variables (symbol -> value) and the enclosing env */

static int env_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    lisp_env *e = (lisp_env *)self;
    VISIT(e->vars);
    VISIT(e->parent);
    return 0;
}
static int env_clear(ohm_object *self) {
    lisp_env *e = (lisp_env *)self;
    drop(&e->vars);
    drop(&e->parent);
    return 0;
}
static void env_dealloc(ohm_object *self) { env_clear(self); }

const ohm_type lisp_env_type = {
    .name = "env", .basicsize = sizeof(lisp_env), .flags = OHM_TYPE_GC,
    .traverse = env_traverse, .clear = env_clear, .dealloc = env_dealloc,
};

ohm_object *lisp_env_new(lisp *L, ohm_object *parent) {
    ohm_object *vars = ohm_dict_new(L->h);
    ohm_object *env = vars ? ohm_new(L->h, &lisp_env_type) : NULL;
    if (!env) {
        ohm_xdecref(vars);
        return lisp_ohm_error(L, "env");
    }
    ((lisp_env *)env)->vars = vars;     /* our reference moves into the env */
    ohm_xincref(parent);
    ((lisp_env *)env)->parent = parent;
    return env;
}

int lisp_env_define(lisp *L, ohm_object *env, ohm_object *sym, ohm_object *value) {
    if (ohm_dict_set(((lisp_env *)env)->vars, sym, value) == 0) return 0;
    lisp_ohm_error(L, "define");
    return -1;
}

/* The env, env or an enclosing one, that binds sym; NULL if none. */
static lisp_env *env_find(ohm_object *env, ohm_object *sym) {
    for (lisp_env *e = (lisp_env *)env; e; e = (lisp_env *)e->parent)
        if (ohm_dict_get(e->vars, sym)) return e;
    return NULL;
}

ohm_object *lisp_env_lookup(lisp *L, ohm_object *env, ohm_object *sym) {
    lisp_env *e = env_find(env, sym);
    if (!e) return lisp_error(L, "unbound variable: %s", LISP_SYMBOL_NAME(sym));
    ohm_object *v = ohm_dict_get(e->vars, sym);
    ohm_incref(v);
    return v;
}

int lisp_env_set(lisp *L, ohm_object *env, ohm_object *sym, ohm_object *value) {
    lisp_env *e = env_find(env, sym);
    if (!e) {
        lisp_error(L, "set!: unbound variable: %s", LISP_SYMBOL_NAME(sym));
        return -1;
    }
    return lisp_env_define(L, (ohm_object *)e, sym, value);
}

/* ---- closure: parameters, body and the env it was made in */

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

const ohm_type lisp_closure_type = {
    .name = "closure", .basicsize = sizeof(lisp_closure), .flags = OHM_TYPE_GC,
    .traverse = closure_traverse, .clear = closure_clear, .dealloc = closure_dealloc,
};

ohm_object *lisp_closure_new(lisp *L, ohm_object *params, ohm_object *body, ohm_object *env) {
    ohm_object *o = ohm_new(L->h, &lisp_closure_type);
    if (!o) return lisp_ohm_error(L, "lambda");
    lisp_closure *c = (lisp_closure *)o;
    ohm_incref(params);
    ohm_incref(body);
    ohm_incref(env);
    c->params = params;
    c->body = body;
    c->env = env;
    return o;
}

/* ---- builtin: a primitive from builtins.c's static table */

const ohm_type lisp_builtin_type = { .name = "builtin", .basicsize = sizeof(lisp_builtin) };

ohm_object *lisp_builtin_new(lisp *L, const lisp_prim *prim) {
    ohm_object *o = ohm_new(L->h, &lisp_builtin_type);
    if (!o) return lisp_ohm_error(L, "builtin");
    ((lisp_builtin *)o)->prim = prim;
    return o;
}
