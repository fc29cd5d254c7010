/*
 * lisp.h — a small Scheme on ohm: the values, the interpreter's state, what the files share.
 *
 * Every Lisp value is an ohm_object. Numbers, strings, vectors and dicts are ohm's int,
 * float, str, list and dict; #t, #f and the unspecified value are ohm's True, False and
 * None; () is ohm's empty tuple. All of those are builtin. Ours (types.c):
 *   symbol   plain: it holds only its name (an interned str), so it is never in a cycle
 *   builtin  plain: a C function, holding no objects
 *   cons     GC: a pair can hold anything, itself included
 *   env      GC: its variables can hold closures that hold the env back
 *   closure  GC: it holds the env it was made in
 *
 * Ownership is ohm's rule: a function returning an object returns a new reference;
 * nothing steals one. NULL is an error. Its message is in L->error, formatted by
 * lisp_error with the script's file:line and the Lisp frames; or, when an ohm call
 * failed, L->error is still "" and the first caller that can name the place adds
 * ohm_last_error's message (lisp_eval, the call of a builtin, the top level).
 */
#ifndef LISP_H
#define LISP_H

#include <stdio.h>
#include "ohm.h"

#define LISP_MAX_NESTING 10000          /* nested lisp_eval calls (C recursion) */
#define LISP_NOT_A_LIST ((size_t)-1)    /* lisp_list_length of an improper list */
#define LISP_MANY 0xffffffffu            /* no upper bound on the number of arguments */

typedef struct lisp lisp;

/* A primitive gets its arguments borrowed and returns a new reference, or NULL (see
 * above). The table checks the count and the first argument's type (NULL: any). */
typedef struct lisp_prim {
    const char *name;
    ohm_object *(*fn)(lisp *L, const struct lisp_prim *p, size_t n, ohm_object **a);
    unsigned min, max;
    const ohm_type *type;
} lisp_prim;

enum { LISP_QUOTE = 1, LISP_IF, LISP_DEFINE, LISP_SET, LISP_LAMBDA, LISP_BEGIN, LISP_LET };

typedef struct lisp_symbol { ohm_object ob; ohm_object *name; int form; } lisp_symbol;  /* form: LISP_IF.. or 0 */
typedef struct lisp_cons { ohm_object ob; ohm_object *car, *cdr; unsigned line; } lisp_cons;  /* line 0: made by the program */
typedef struct lisp_env { ohm_object ob; ohm_object *vars, *parent; } lisp_env;
typedef struct lisp_closure { ohm_object ob; ohm_object *params, *body, *env, *name; } lisp_closure;  /* name: once defined */
typedef struct lisp_builtin { ohm_object ob; const lisp_prim *prim; } lisp_builtin;

extern const ohm_type lisp_symbol_type, lisp_cons_type, lisp_env_type, lisp_closure_type, lisp_builtin_type;

/* One frame of the Lisp call stack: what errors show and the frame provider hands ohm. */
typedef struct lisp_frame { const char *function; unsigned line; } lisp_frame;

struct lisp {
    ohm_heap *h;
    const char *file;            /* the source being run: "prog.scm" or "<stdin>" */
    ohm_object *nil, *t, *f, *none;   /* (), #t, #f, the unspecified value: immortal */
    ohm_object *symbols;         /* dict: name (interned str) -> its one symbol */
    ohm_object *global;          /* the global env */
    size_t depth;                /* frames in use; frames[0] is the top level */
    size_t nesting;              /* lisp_eval calls under way */
    char error[1024];            /* the error being reported, "" when none */
    lisp_frame frames[LISP_MAX_NESTING + 1];   /* never moves: the provider reads it */
};

#define LISP_IS(o, type) (ohm_type_of(o) == &(type))
#define LISP_CAR(o) (((lisp_cons *)(o))->car)
#define LISP_CDR(o) (((lisp_cons *)(o))->cdr)
#define LISP_LINE(o) (((lisp_cons *)(o))->line)
#define LISP_NAME(sym) (((lisp_symbol *)(sym))->name)   /* the interned str */

/* types.c */
ohm_object *lisp_intern(lisp *L, const char *name, size_t len);
ohm_object *lisp_cons_new(lisp *L, ohm_object *car, ohm_object *cdr, unsigned line);
ohm_object *lisp_env_new(lisp *L, ohm_object *parent);
int         lisp_env_define(ohm_object *env, ohm_object *sym, ohm_object *value);
ohm_object *lisp_env_find(ohm_object *env, ohm_object *sym, ohm_object **value);
ohm_object *lisp_closure_new(lisp *L, ohm_object *params, ohm_object *body, ohm_object *env);
ohm_object *lisp_builtin_new(lisp *L, const lisp_prim *prim);
size_t      lisp_list_length(lisp *L, ohm_object *list);

/* read.c: one form from text; lines counted from r->line */
typedef struct lisp_reader { const char *p, *end; unsigned line; } lisp_reader;
enum { LISP_READ_OK, LISP_READ_EOF, LISP_READ_INCOMPLETE, LISP_READ_ERROR };
int lisp_read(lisp *L, lisp_reader *r, ohm_object **out);

/* print.c: write quotes strings as the reader reads them; display does not */
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
