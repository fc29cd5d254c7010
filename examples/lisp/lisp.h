/*
 * lisp.h — a small Scheme on ohm: the values, the interpreter's state, and what the
 * files share.
 *
 * Every Lisp value is an ohm_object. Numbers, strings and vectors are ohm's builtin
 * int, float, str and list; dicts are ohm dicts. The rest are user types (types.c):
 *   symbol   not GC: it holds only its name (an interned str), so it is never in a cycle
 *   cons     GC: a pair can hold anything, itself included
 *   env      GC: its variables can hold closures that hold the env back
 *   closure  GC: it holds the env it was made in
 *   builtin  not GC: a C function, holding no objects
 * and nil, #t, #f and the unspecified value are immortal constants (consts.c).
 *
 * Ownership follows ohm's rule: every function returning an object returns a new
 * reference; NULL means an error, whose message (with the Lisp file:line and a
 * traceback) is in L->error. Nothing steals a reference.
 */
#ifndef LISP_H
#define LISP_H

#include <stddef.h>
#include <stdio.h>
#include "ohm.h"

#define LISP_MAX_NESTING 10000   /* nested evaluations (C recursion) before "too deep" */
#define LISP_NOT_A_LIST ((size_t)-1)   /* lisp_list_length of an improper list */

typedef struct lisp lisp;

/* A primitive: argc arguments, each borrowed; returns a new reference or NULL. The
 * table entry gives the arity and the type of the first argument (NULL: any). */
typedef ohm_object *(*lisp_prim_fn)(lisp *L, size_t argc, ohm_object **argv);
typedef struct lisp_prim {
    const char *name;
    lisp_prim_fn fn;
    unsigned min, max;
    const ohm_type *type;
} lisp_prim;

typedef struct lisp_symbol { ohm_object ob; ohm_object *name; } lisp_symbol;
typedef struct lisp_cons { ohm_object ob; ohm_object *car, *cdr; unsigned line; } lisp_cons;
typedef struct lisp_env { ohm_object ob; ohm_object *vars, *parent; } lisp_env;
typedef struct lisp_closure {
    ohm_object ob;
    ohm_object *params, *body, *env;
    ohm_object *name;             /* a symbol once the closure is defined; else NULL */
} lisp_closure;
typedef struct lisp_builtin { ohm_object ob; const lisp_prim *prim; } lisp_builtin;

extern const ohm_type lisp_symbol_type, lisp_cons_type, lisp_env_type,
    lisp_closure_type, lisp_builtin_type;

/* One frame of the Lisp call stack: what the frame provider hands to ohm's tracer. */
typedef struct lisp_frame { const char *function; unsigned line; } lisp_frame;

struct lisp {
    ohm_heap *h;
    const char *file;            /* the source being run: "prog.scm" or "<stdin>" */
    ohm_object *nil, *t, *f, *unspecified;   /* the constants (consts.c) */
    ohm_object *symbols;         /* dict: name str -> symbol, one symbol per name */
    ohm_object *global;          /* the global env */
    ohm_object *s_quote, *s_if, *s_define, *s_set, *s_lambda, *s_begin, *s_let;
    lisp_frame *frames;          /* frames[0] is the top level; LISP_MAX_NESTING + 1 */
    size_t depth;                /* frames in use */
    size_t nesting;              /* lisp_eval calls under way */
    char error[1024];            /* the last error, ready to print */
};

#define LISP_IS(o, type) (ohm_type_of(o) == &(type))
#define LISP_CAR(o) (((lisp_cons *)(o))->car)
#define LISP_CDR(o) (((lisp_cons *)(o))->cdr)
#define LISP_SYMBOL_NAME(o) ohm_str_data(((lisp_symbol *)(o))->name)

/* consts.c */
int lisp_consts_init(lisp *L);
int lisp_is_const(lisp *L, ohm_object *o);
const char *lisp_const_text(lisp *L, ohm_object *o);
ohm_object *lisp_bool(lisp *L, int b);

/* types.c */
ohm_object *lisp_intern(lisp *L, const char *name, size_t len);
ohm_object *lisp_cons_new(lisp *L, ohm_object *car, ohm_object *cdr, unsigned line);
ohm_object *lisp_env_new(lisp *L, ohm_object *parent);
int         lisp_env_define(lisp *L, ohm_object *env, ohm_object *sym, ohm_object *value);
ohm_object *lisp_env_lookup(lisp *L, ohm_object *env, ohm_object *sym);
int         lisp_env_set(lisp *L, ohm_object *env, ohm_object *sym, ohm_object *value);
ohm_object *lisp_closure_new(lisp *L, ohm_object *params, ohm_object *body, ohm_object *env);
ohm_object *lisp_builtin_new(lisp *L, const lisp_prim *prim);
size_t      lisp_list_length(lisp *L, ohm_object *list);  /* LISP_NOT_A_LIST: not a proper list */

/* read.c: one form from text; lines counted from r->line */
typedef struct lisp_reader { const char *p, *end; unsigned line; } lisp_reader;
enum { LISP_READ_OK, LISP_READ_EOF, LISP_READ_INCOMPLETE, LISP_READ_ERROR };
int lisp_read(lisp *L, lisp_reader *r, ohm_object **out);

/* print.c */
void lisp_print(lisp *L, ohm_object *o, int write, FILE *out);
const char *lisp_print_to(lisp *L, ohm_object *o, char *buf, size_t len);
int  lisp_format_number(ohm_object *o, char *buf, size_t len);

/* eval.c */
ohm_object *lisp_eval(lisp *L, ohm_object *form, ohm_object *env);

/* frames.c: the Lisp call stack, errors with file:line, the frame provider */
int  lisp_frames_init(lisp *L);
void lisp_frames_fini(lisp *L);
void lisp_frame_push(lisp *L, const char *function, unsigned line);
void lisp_frame_pop(lisp *L);
ohm_object *lisp_error(lisp *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
ohm_object *lisp_ohm_error(lisp *L, const char *what);   /* "what: " + ohm_last_error */

/* builtins.c */
int lisp_builtins_init(lisp *L);
ohm_object *lisp_call_builtin(lisp *L, const lisp_prim *p, size_t argc, ohm_object **argv);

/* stats.c */
size_t lisp_live_objects(ohm_heap *h);
size_t lisp_tracked_objects(ohm_heap *h);
void   lisp_print_stats(ohm_heap *h, FILE *out);

#endif
