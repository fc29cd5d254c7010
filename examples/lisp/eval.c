/*
 * eval.c — the evaluator: special forms, application, and proper tail calls.
 *
 * lisp_eval is a loop. A form in tail position (the branch of an if, the last form of
 * a begin, let or closure body) is not evaluated by a recursive call: the loop takes
 * it as its next form, and a closure called in tail position replaces the env (and
 * the Lisp frame) of the current iteration. So the C stack grows only with calls in
 * argument and test positions, and a loop written as tail recursion runs in constant
 * C stack however long it runs.
 *
 * References: `form` is borrowed. It belongs to the caller's form, or to the body of
 * `fn`, the closure this call is running, which the loop holds for exactly that
 * reason (a closure redefined while it runs must not free the code being run).
 * `env` is held by the loop and replaced on each tail call.
 */
#include "lisp.h"

static ohm_object *syntax_error(lisp *L, const char *form) {
    return lisp_error(L, "%s: bad syntax", form);
}

/* Evaluate every form but the last; return the last (borrowed), the tail. forms is a
 * non-empty proper list (lambda, let and begin check it). */
static ohm_object *body(lisp *L, ohm_object *forms, ohm_object *env) {
    for (; LISP_CDR(forms) != L->nil; forms = LISP_CDR(forms)) {
        ohm_object *v = lisp_eval(L, LISP_CAR(forms), env);
        if (!v) return NULL;
        ohm_decref(v);
    }
    return LISP_CAR(forms);
}

/* (lambda (param...) body...): the params are symbols, the body is not empty. */
static ohm_object *lambda(lisp *L, ohm_object *params, ohm_object *forms, ohm_object *env) {
    size_t n = lisp_list_length(L, forms);
    if (n == 0 || n == LISP_NOT_A_LIST || lisp_list_length(L, params) == LISP_NOT_A_LIST) return syntax_error(L, "lambda");
    for (ohm_object *p = params; p != L->nil; p = LISP_CDR(p))
        if (!LISP_IS(LISP_CAR(p), lisp_symbol_type)) return syntax_error(L, "lambda");
    return lisp_closure_new(L, params, forms, env);
}

/* (define name expr) or (define (name params...) body...) */
static ohm_object *define(lisp *L, ohm_object *args, ohm_object *env) {
    size_t n = lisp_list_length(L, args);
    if (n < 2 || n == LISP_NOT_A_LIST) return syntax_error(L, "define");
    ohm_object *name = LISP_CAR(args), *value;
    if (LISP_IS(name, lisp_cons_type)) {
        value = lambda(L, LISP_CDR(name), LISP_CDR(args), env);
        name = LISP_CAR(name);
    } else if (n == 2) {
        value = lisp_eval(L, LISP_CAR(LISP_CDR(args)), env);
    } else {
        return syntax_error(L, "define");
    }
    if (!value) return NULL;
    if (!LISP_IS(name, lisp_symbol_type)) {
        ohm_decref(value);
        return syntax_error(L, "define");
    }
    if (LISP_IS(value, lisp_closure_type) && !((lisp_closure *)value)->name) {
        ohm_incref(name);   /* the closure's name, for tracebacks and the frame provider */
        ((lisp_closure *)value)->name = name;
    }
    int rc = lisp_env_define(L, env, name, value);
    ohm_decref(value);
    if (rc < 0) return NULL;
    ohm_incref(L->unspecified);
    return L->unspecified;
}

/* (set! name expr) */
static ohm_object *set(lisp *L, ohm_object *args, ohm_object *env) {
    if (lisp_list_length(L, args) != 2 || !LISP_IS(LISP_CAR(args), lisp_symbol_type))
        return syntax_error(L, "set!");
    ohm_object *value = lisp_eval(L, LISP_CAR(LISP_CDR(args)), env);
    if (!value) return NULL;
    int rc = lisp_env_set(L, env, LISP_CAR(args), value);
    ohm_decref(value);
    if (rc < 0) return NULL;
    ohm_incref(L->unspecified);
    return L->unspecified;
}

/* (if test then [else]): evaluate the test, return the branch to continue with. */
static ohm_object *if_branch(lisp *L, ohm_object *args, ohm_object *env) {
    size_t n = lisp_list_length(L, args);
    if (n != 2 && n != 3) return syntax_error(L, "if");
    ohm_object *test = lisp_eval(L, LISP_CAR(args), env);
    if (!test) return NULL;
    int yes = test != L->f;
    ohm_decref(test);
    args = LISP_CDR(args);
    if (yes) return LISP_CAR(args);
    return n == 3 ? LISP_CAR(LISP_CDR(args)) : L->unspecified;  /* a constant evaluates to itself */
}

/* (let ((name expr) ...) body...): the new env, the inits evaluated in the old one. */
static ohm_object *let_env(lisp *L, ohm_object *args, ohm_object *env) {
    size_t n = lisp_list_length(L, args);
    if (n < 2 || n == LISP_NOT_A_LIST || lisp_list_length(L, LISP_CAR(args)) == LISP_NOT_A_LIST)
        return syntax_error(L, "let");
    ohm_object *inner = lisp_env_new(L, env);
    if (!inner) return NULL;
    for (ohm_object *b = LISP_CAR(args); b != L->nil; b = LISP_CDR(b)) {
        ohm_object *binding = LISP_CAR(b), *value;
        if (lisp_list_length(L, binding) != 2 || !LISP_IS(LISP_CAR(binding), lisp_symbol_type)) {
            ohm_decref(inner);
            return syntax_error(L, "let");
        }
        if (!(value = lisp_eval(L, LISP_CAR(LISP_CDR(binding)), env))) {
            ohm_decref(inner);
            return NULL;
        }
        int rc = lisp_env_define(L, inner, LISP_CAR(binding), value);
        ohm_decref(value);
        if (rc < 0) { ohm_decref(inner); return NULL; }
    }
    return inner;
}

/* A new env for a call of c: its parameters bound to the arguments. */
static ohm_object *bind(lisp *L, lisp_closure *c, size_t argc, ohm_object **argv) {
    size_t want = lisp_list_length(L, c->params);
    if (argc != want)
        return lisp_error(L, "%s: expected %zu argument%s, got %zu",
                          c->name ? LISP_SYMBOL_NAME(c->name) : "lambda", want, want == 1 ? "" : "s", argc);
    ohm_object *env = lisp_env_new(L, c->env), *p = c->params;
    for (size_t i = 0; env && i < argc; i++, p = LISP_CDR(p)) {
        if (lisp_env_define(L, env, LISP_CAR(p), argv[i]) < 0) {
            ohm_decref(env);
            env = NULL;
        }
    }
    return env;
}

static int eval_args(lisp *L, ohm_object *args, ohm_object *env, ohm_object **argv) {
    for (size_t i = 0; args != L->nil; args = LISP_CDR(args), i++) {
        if (!(argv[i] = lisp_eval(L, LISP_CAR(args), env))) {
            while (i) ohm_decref(argv[--i]);
            return -1;
        }
    }
    return 0;
}

ohm_object *lisp_eval(lisp *L, ohm_object *form, ohm_object *env) {
    if (L->nesting == LISP_MAX_NESTING) return lisp_error(L, "recursion too deep");
    L->nesting++;
    size_t depth = L->depth;    /* frames below ours; we push at most one */
    ohm_object *fn = NULL, *result = NULL;
    ohm_incref(env);
    for (;;) {
        if (LISP_IS(form, lisp_symbol_type)) { result = lisp_env_lookup(L, env, form); break; }
        if (!LISP_IS(form, lisp_cons_type)) { ohm_incref(form); result = form; break; }
        lisp_cons *c = (lisp_cons *)form;
        ohm_object *op = c->car, *args = c->cdr;
        if (c->line) L->frames[L->depth - 1].line = c->line;
        if (op == L->s_quote) {
            if (lisp_list_length(L, args) != 1) { result = syntax_error(L, "quote"); break; }
            ohm_incref(result = LISP_CAR(args));
            break;
        }
        if (op == L->s_define) { result = define(L, args, env); break; }
        if (op == L->s_set) { result = set(L, args, env); break; }
        if (op == L->s_lambda) {
            if (args == L->nil) { result = syntax_error(L, "lambda"); break; }
            result = lambda(L, LISP_CAR(args), LISP_CDR(args), env);
            break;
        }
        if (op == L->s_if) {
            if (!(form = if_branch(L, args, env))) break;
            continue;
        }
        if (op == L->s_begin) {
            size_t n = lisp_list_length(L, args);
            if (n == LISP_NOT_A_LIST) { result = syntax_error(L, "begin"); break; }
            if (!(form = n ? body(L, args, env) : L->unspecified)) break;
            continue;
        }
        if (op == L->s_let) {
            ohm_object *inner = let_env(L, args, env);
            if (!inner) break;
            ohm_decref(env);
            env = inner;
            if (!(form = body(L, LISP_CDR(args), env))) break;
            continue;
        }

        /* An application: the operator, then the arguments, left to right. */
        size_t argc = lisp_list_length(L, args);
        if (argc == LISP_NOT_A_LIST) { result = syntax_error(L, "call"); break; }
        ohm_object *f = lisp_eval(L, op, env);
        if (!f) break;
        ohm_object *small[8], **argv = argc <= 8 ? small : ohm_malloc(L->h, argc * sizeof *argv);
        if (!argv || eval_args(L, args, env, argv) < 0) {
            if (!argv) lisp_ohm_error(L, "call");
            if (argv != small) ohm_free(L->h, argv);
            ohm_decref(f);
            break;
        }
        if (c->line) L->frames[L->depth - 1].line = c->line;   /* back from the arguments */
        ohm_object *inner = NULL;
        if (LISP_IS(f, lisp_builtin_type))
            result = lisp_call_builtin(L, ((lisp_builtin *)f)->prim, argc, argv);
        else if (LISP_IS(f, lisp_closure_type))
            inner = bind(L, (lisp_closure *)f, argc, argv);
        else {
            char buf[80];
            lisp_error(L, "not a procedure: %s", lisp_print_to(L, f, buf, sizeof buf));
        }
        for (size_t i = 0; i < argc; i++) ohm_decref(argv[i]);
        if (argv != small) ohm_free(L->h, argv);
        if (!inner) { ohm_decref(f); break; }

        /* A closure: continue with its body, in its new env, as its frame. */
        lisp_closure *cl = (lisp_closure *)f;
        const char *name = cl->name ? LISP_SYMBOL_NAME(cl->name) : "lambda";
        ohm_decref(env);
        env = inner;
        ohm_xdecref(fn);
        fn = f;
        unsigned line = ((lisp_cons *)cl->body)->line;
        if (L->depth > depth) L->frames[L->depth - 1] = (lisp_frame){ name, line };   /* a tail call */
        else lisp_frame_push(L, name, line);
        if (!(form = body(L, cl->body, env))) break;
    }
    if (L->depth > depth) lisp_frame_pop(L);
    ohm_decref(env);
    ohm_xdecref(fn);
    L->nesting--;
    return result;
}
