/*
 * eval.c — the evaluator: special forms, calls, proper tail calls, and errors.
 *
 * lisp_eval is a loop: a form in tail position (an if branch, the last form of a begin,
 * let or closure body) becomes its next form, and a closure called there replaces the
 * env and the Lisp frame, so tail recursion runs in constant C stack. `form` is
 * borrowed, from the caller or from the body of `fn`, the closure being run, which the
 * loop holds (redefined while it runs, it must not free the code being run).
 *
 * The Lisp call stack (for errors and the frame provider): frames[0] is the top level;
 * a call pushes a frame, a tail call overwrites it; a form from the script sets its line.
 */
#include <stdarg.h>
#include <string.h>
#include "lisp.h"

#define TRACEBACK_FRAMES 10   /* frames an error message shows, newest first */

/* The special forms, marked on their symbols, and the arguments each takes. */
static const struct { const char *name; unsigned min, max; } special[] = {
    [LISP_QUOTE] = { "quote", 1, 1 },   [LISP_IF] = { "if", 2, 3 },       [LISP_DEFINE] = { "define", 2, LISP_MANY },
    [LISP_SET] = { "set!", 2, 2 },      [LISP_LAMBDA] = { "lambda", 2, LISP_MANY },
    [LISP_BEGIN] = { "begin", 0, LISP_MANY }, [LISP_LET] = { "let", 2, LISP_MANY },
};

int lisp_forms_init(lisp *L) {
    for (int k = LISP_QUOTE; k <= LISP_LET; k++) {
        ohm_object *sym = lisp_intern(L, special[k].name, strlen(special[k].name));
        if (!sym) return -1;
        ((lisp_symbol *)sym)->form = k;
        ohm_decref(sym);   /* L->symbols keeps it, and so its mark, until teardown */
    }
    return 0;
}

/* "file:line: error: message", then the stack, newest first, into L->error (cut to
 * fit). Formatted now, while the frames that led here are on the stack. Returns NULL. */
ohm_object *lisp_error(lisp *L, const char *fmt, ...) {
    FILE *out = fmemopen(L->error, sizeof L->error - 1, "w");   /* the last byte stays 0 */
    va_list ap;
    if (!out) return NULL;
    fprintf(out, "%s:%u: error: ", L->file, L->frames[L->depth - 1].line);
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < L->depth; i++) {
        const lisp_frame *f = &L->frames[L->depth - 1 - i];
        if (i == TRACEBACK_FRAMES) {
            fprintf(out, "\n  ... %zu more", L->depth - i);
            break;
        }
        fprintf(out, "\n  %s:%u: in %s", L->file, f->line, f->function);
    }
    fputc('\n', out);
    fclose(out);
    return NULL;
}

ohm_object *lisp_arity_error(lisp *L, const char *name, unsigned min, unsigned max, size_t got) {
    char want[40];
    if (min == max) snprintf(want, sizeof want, "%u", min);
    else if (max == LISP_MANY) snprintf(want, sizeof want, "at least %u", min);
    else snprintf(want, sizeof want, "%u to %u", min, max);
    return lisp_error(L, "%s: expected %s argument%s, got %zu", name, want, max == 1 ? "" : "s", got);
}

static ohm_object *syntax_error(lisp *L, int form) { return lisp_error(L, "%s: bad syntax", special[form].name); }

/* The top frame is at the line of form, if it has one (it is from the script). */
static void at(lisp *L, ohm_object *form) {
    if (LISP_LINE(form)) L->frames[L->depth - 1].line = LISP_LINE(form);
}

/* Evaluate every form but the last; return the last (borrowed), the tail. */
static ohm_object *body(lisp *L, ohm_object *forms, ohm_object *env) {
    for (; LISP_CDR(forms) != L->nil; forms = LISP_CDR(forms)) {
        ohm_object *v = lisp_eval(L, LISP_CAR(forms), env);
        if (!v) return NULL;
        ohm_decref(v);
    }
    return LISP_CAR(forms);
}

/* (lambda (param...) body...); the body is a non-empty list (the form table saw to it). */
static ohm_object *lambda(lisp *L, ohm_object *params, ohm_object *body, ohm_object *env) {
    ohm_object *p = params;
    while (LISP_IS(p, lisp_cons_type) && LISP_IS(LISP_CAR(p), lisp_symbol_type)) p = LISP_CDR(p);
    return p == L->nil ? lisp_closure_new(L, params, body, env) : syntax_error(L, LISP_LAMBDA);
}

/* (define name expr) or (define (name param...) body...) */
static ohm_object *define(lisp *L, ohm_object *args, size_t n, ohm_object *env) {
    ohm_object *target = LISP_CAR(args), *name = LISP_IS(target, lisp_cons_type) ? LISP_CAR(target) : target;
    if (!LISP_IS(name, lisp_symbol_type) || (name == target && n != 2)) return syntax_error(L, LISP_DEFINE);
    ohm_object *value = name == target ? lisp_eval(L, LISP_CAR(LISP_CDR(args)), env)
                                       : lambda(L, LISP_CDR(target), LISP_CDR(args), env);
    if (!value) return NULL;
    if (LISP_IS(value, lisp_closure_type) && !((lisp_closure *)value)->name)
        ohm_incref(((lisp_closure *)value)->name = name);   /* for tracebacks and the frame provider */
    int rc = lisp_env_define(env, name, value);
    ohm_decref(value);
    return rc < 0 ? NULL : ohm_none(L->h);
}

/* (set! name expr): changes the binding where it was made */
static ohm_object *set(lisp *L, ohm_object *args, ohm_object *env) {
    ohm_object *name = LISP_CAR(args), *value, *old;
    if (!LISP_IS(name, lisp_symbol_type)) return syntax_error(L, LISP_SET);
    if (!(value = lisp_eval(L, LISP_CAR(LISP_CDR(args)), env))) return NULL;
    ohm_object *where = lisp_env_find(env, name, &old);
    int rc = where ? lisp_env_define(where, name, value) : -1;
    if (!where) lisp_error(L, "set!: unbound variable: %s", ohm_str_data(LISP_NAME(name)));
    ohm_decref(value);
    return rc < 0 ? NULL : ohm_none(L->h);
}

/* (if test then [else]): evaluate the test, return the branch to continue with. */
static ohm_object *if_branch(lisp *L, ohm_object *args, size_t n, ohm_object *env) {
    ohm_object *test = lisp_eval(L, LISP_CAR(args), env);
    if (!test) return NULL;
    int yes = test != L->f;     /* only #f is false */
    ohm_decref(test);
    args = LISP_CDR(args);
    return yes ? LISP_CAR(args) : n == 3 ? LISP_CAR(LISP_CDR(args)) : L->none;   /* None evaluates to itself */
}

/* (let ((name expr) ...) body...): the inits are evaluated in *env and bound in a new
 * env, which replaces *env; returns the body's last form. */
static ohm_object *let(lisp *L, ohm_object *args, ohm_object **env) {
    ohm_object *b, *inner, *value;
    for (b = LISP_CAR(args); LISP_IS(b, lisp_cons_type); b = LISP_CDR(b))
        if (lisp_list_length(L, LISP_CAR(b)) != 2 || !LISP_IS(LISP_CAR(LISP_CAR(b)), lisp_symbol_type)) break;
    if (b != L->nil) return syntax_error(L, LISP_LET);
    if (!(inner = lisp_env_new(L, *env))) return NULL;
    for (b = LISP_CAR(args); b != L->nil; b = LISP_CDR(b)) {
        if (!(value = lisp_eval(L, LISP_CAR(LISP_CDR(LISP_CAR(b))), *env))) break;
        int rc = lisp_env_define(inner, LISP_CAR(LISP_CAR(b)), value);
        ohm_decref(value);
        if (rc < 0) break;
    }
    if (b != L->nil) {   /* stopped by an error */
        ohm_decref(inner);
        return NULL;
    }
    ohm_decref(*env);
    *env = inner;
    return body(L, LISP_CDR(args), inner);
}

/* A new env for a call of c: its parameters bound to the arguments. */
static ohm_object *bind(lisp *L, lisp_closure *c, size_t argc, ohm_object **argv) {
    size_t want = lisp_list_length(L, c->params);
    if (argc != want) return lisp_arity_error(L, lisp_closure_name(c), (unsigned)want, (unsigned)want, argc);
    ohm_object *env = lisp_env_new(L, c->env), *p = c->params;
    for (size_t i = 0; env && i < argc; i++, p = LISP_CDR(p))
        if (lisp_env_define(env, LISP_CAR(p), argv[i]) < 0) lisp_clear(&env);
    return env;
}

/* (f arg...): evaluate the operator and the arguments, left to right, and call. A
 * builtin's value goes to *result. For a closure, the new env of the call is returned
 * (the caller goes on with the body) and *fn holds the closure. */
static ohm_object *call(lisp *L, ohm_object *form, size_t argc, ohm_object *env, ohm_object **fn, ohm_object **result) {
    ohm_object *small[8], **argv = argc <= 8 ? small : ohm_malloc(L->h, argc * sizeof *argv);
    if (!argv) return lisp_error(L, "out of memory");
    ohm_object *f = lisp_eval(L, LISP_CAR(form), env), *args = LISP_CDR(form), *inner = NULL;
    size_t got = 0;
    for (; f && got < argc && (argv[got] = lisp_eval(L, LISP_CAR(args), env)); args = LISP_CDR(args)) got++;
    if (f && got == argc) {
        char buf[80];
        at(L, form);   /* back from the arguments */
        if (LISP_IS(f, lisp_builtin_type)) *result = lisp_call_builtin(L, ((lisp_builtin *)f)->prim, argc, argv);
        else if (LISP_IS(f, lisp_closure_type)) inner = bind(L, (lisp_closure *)f, argc, argv);
        else lisp_error(L, "not a procedure: %s", lisp_print_to(L, f, buf, sizeof buf));
    }
    while (got) ohm_decref(argv[--got]);
    if (argv != small) ohm_free(L->h, argv);
    if (inner) *fn = f;
    else ohm_xdecref(f);
    return inner;
}

ohm_object *lisp_eval(lisp *L, ohm_object *form, ohm_object *env) {
    if (L->nesting == LISP_MAX_NESTING) return lisp_error(L, "recursion too deep");
    L->nesting++;
    size_t depth = L->depth;    /* frames below ours; we push at most one */
    ohm_object *fn = NULL, *result = NULL, *value;
    ohm_incref(env);
    for (;;) {
        if (LISP_IS(form, lisp_symbol_type)) {
            if (lisp_env_find(env, form, &value)) ohm_incref(result = value);
            else lisp_error(L, "unbound variable: %s", ohm_str_data(LISP_NAME(form)));
            break;
        }
        if (!LISP_IS(form, lisp_cons_type)) {   /* anything else evaluates to itself */
            ohm_incref(result = form);
            break;
        }
        ohm_object *op = LISP_CAR(form), *args = LISP_CDR(form), *f = NULL, *inner;
        size_t n = lisp_list_length(L, args);
        int kind = LISP_IS(op, lisp_symbol_type) ? ((lisp_symbol *)op)->form : 0;
        at(L, form);
        if (n == LISP_NOT_A_LIST || (kind && (n < special[kind].min || n > special[kind].max))) {
            lisp_error(L, "%s: bad syntax", kind ? special[kind].name : "call");
            break;
        }
        switch (kind) {   /* a tail form continues the loop; the others break out of it */
        case LISP_QUOTE: ohm_incref(result = LISP_CAR(args)); break;
        case LISP_DEFINE: result = define(L, args, n, env); break;
        case LISP_SET: result = set(L, args, env); break;
        case LISP_LAMBDA: result = lambda(L, LISP_CAR(args), LISP_CDR(args), env); break;
        case LISP_IF: if ((form = if_branch(L, args, n, env))) continue; break;
        case LISP_BEGIN: if ((form = n ? body(L, args, env) : L->none)) continue; break;
        case LISP_LET: if ((form = let(L, args, &env))) continue; break;
        default:
            if (!(inner = call(L, form, n, env, &f, &result))) break;
            /* A closure: go on with its body, in its new env, as its frame. */
            if (L->depth == depth) L->depth++;   /* else a tail call: our frame is reused */
            lisp_closure *c = (lisp_closure *)f;
            L->frames[L->depth - 1] = (lisp_frame){ lisp_closure_name(c), LISP_LINE(c->body) };
            ohm_decref(env);
            env = inner;
            ohm_xdecref(fn);   /* after the frame stopped naming it */
            fn = f;
            if ((form = body(L, c->body, env))) continue;
        }
        break;
    }
    if (!result && !L->error[0]) lisp_error(L, "%s", ohm_last_error(L->h));   /* an ohm call failed */
    L->depth = depth;
    ohm_decref(env);
    ohm_xdecref(fn);
    L->nesting--;
    return result;
}
