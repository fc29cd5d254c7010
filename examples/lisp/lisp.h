/*
 * lisp.h — a small Scheme on ohm (README.md): the values, the state, what files share.
 *
 * Every value is an ohm_object: ohm's int, float, str, list (vectors) and dict; its True,
 * False and None for #t, #f and the unspecified value; its empty tuple for (); and our
 * own symbol, builtin, cons, env and closure (types.c).
 *
 * Ownership is ohm's rule: a function returning an object returns a new reference, and
 * nothing steals one. NULL is an error, whose message lisp_error put in L->error; when
 * L->error is still "", an ohm call failed, and the first caller that can name the
 * place (lisp_eval, lisp_call_builtin, main's run) reports ohm_last_error.
 */
#ifndef LISP_H
#define LISP_H

#include <stdio.h>
#include "ohm.h"

#define LISP_MAX_NESTING 10000          /* nested lisp_eval calls (C recursion) */
#define LISP_NOT_A_LIST ((size_t)-1)    /* lisp_list_length of an improper list */
#define LISP_MANY 0xffffffffu           /* no upper bound on the number of arguments */

typedef struct lisp lisp;

/* A primitive: the arguments are borrowed; a new reference or NULL is returned. */
typedef struct lisp_prim {
    const char *name;
    ohm_object *(*fn)(lisp *L, const struct lisp_prim *p, size_t n, ohm_object **a);
    unsigned min, max;         /* the number of arguments */
    const ohm_type *type;      /* the first argument's, checked first; NULL: any */
} lisp_prim;

enum { LISP_QUOTE = 1, LISP_IF, LISP_DEFINE, LISP_SET, LISP_LAMBDA, LISP_BEGIN, LISP_LET };

typedef struct lisp_symbol { ohm_object ob; ohm_object *name; int form; } lisp_symbol;  /* form: LISP_IF.. or 0 */
typedef struct lisp_cons { ohm_object ob; ohm_object *car, *cdr; unsigned line; } lisp_cons;
typedef struct lisp_env { ohm_object ob; ohm_object *vars, *parent; } lisp_env;
typedef struct lisp_closure { ohm_object ob; ohm_object *params, *body, *env, *name; } lisp_closure;
typedef struct lisp_builtin { ohm_object ob; const lisp_prim *prim; } lisp_builtin;

extern const ohm_type lisp_symbol_type, lisp_cons_type, lisp_env_type, lisp_closure_type, lisp_builtin_type;

typedef struct lisp_frame { const char *function; unsigned line; } lisp_frame;

struct lisp {
    ohm_heap *h;
    const char *file;            /* the source being run: "prog.scm" or "<stdin>" */
    ohm_object *nil, *t, *f, *none;   /* (), #t, #f, the unspecified value: immortal */
    ohm_object *symbols;         /* dict: name (an interned str) -> its one symbol */
    ohm_object *global;          /* the global env */
    size_t depth;                /* frames in use; frames[0] is the top level */
    size_t nesting;              /* lisp_eval calls under way */
    char error[1024];            /* the error being reported; "" while none */
    lisp_frame frames[LISP_MAX_NESTING + 1];   /* the Lisp call stack (eval.c) */
};

#define LISP_IS(o, type) (ohm_type_of(o) == &(type))
#define LISP_CAR(o) (((lisp_cons *)(o))->car)
#define LISP_CDR(o) (((lisp_cons *)(o))->cdr)
#define LISP_LINE(o) (((lisp_cons *)(o))->line)
#define LISP_NAME(sym) (((lisp_symbol *)(sym))->name)   /* the interned str */

/* CPython's Py_CLEAR: empty the slot first, then drop the reference it held. */
static inline void lisp_clear(ohm_object **slot) {
    ohm_object *o = *slot;
    *slot = NULL;
    ohm_xdecref(o);
}

/* types.c */
ohm_object *lisp_intern(lisp *L, const char *name, size_t len);
ohm_object *lisp_cons_new(lisp *L, ohm_object *car, ohm_object *cdr, unsigned line);
size_t      lisp_list_length(lisp *L, ohm_object *list);
ohm_object *lisp_env_new(lisp *L, ohm_object *parent);
int         lisp_env_define(ohm_object *env, ohm_object *sym, ohm_object *value);
ohm_object *lisp_env_find(ohm_object *env, ohm_object *sym, ohm_object **value);
ohm_object *lisp_closure_new(lisp *L, ohm_object *params, ohm_object *body, ohm_object *env);
const char *lisp_closure_name(lisp_closure *c);

/* read.c: one form from a stream, its lines counted from r->line */
typedef struct lisp_reader { FILE *in; unsigned line; } lisp_reader;
enum { LISP_READ_OK, LISP_READ_EOF, LISP_READ_ERROR };
int lisp_read(lisp *L, lisp_reader *r, ohm_object **out);

/* print.c: write quotes strings, display does not */
void lisp_print(lisp *L, ohm_object *o, int write, FILE *out);
const char *lisp_print_to(lisp *L, ohm_object *o, char *buf, size_t len);   /* for messages */

/* eval.c */
int lisp_forms_init(lisp *L);   /* marks the special forms' symbols */
ohm_object *lisp_eval(lisp *L, ohm_object *form, ohm_object *env);
ohm_object *lisp_error(lisp *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
ohm_object *lisp_arity_error(lisp *L, const char *name, unsigned min, unsigned max, size_t got);

/* builtins.c */
int lisp_builtins_init(lisp *L);
ohm_object *lisp_call_builtin(lisp *L, const lisp_prim *p, size_t argc, ohm_object **argv);

#endif
