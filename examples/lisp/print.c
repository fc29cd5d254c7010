/*
 * print.c — the printer: display (strings raw) and write (strings quoted, as read).
 *
 *   42  2.5  "text"  name  (1 2 . 3)  #(vector items)  #dict((key . value) ...)
 *   #<procedure name>  #<builtin car>  #t  #f  ()
 *
 * A container met again inside itself prints as "..." (as Python's repr prints a
 * self-containing list as [...]): the containers being printed are kept on a stack.
 * When ohm has ohm_repr, the builtin types' part can be it.
 */
#include <stdlib.h>
#include <string.h>
#include "lisp.h"

#define MAX_DEPTH 64

typedef struct path { const ohm_object *at[MAX_DEPTH]; unsigned n; } path;

static void print(lisp *L, ohm_object *o, int write, FILE *out, path *p);

/* The shortest of %.15g..%.17g that reads back as the same double, with a ".0" when it
 * would read back as an integer. */
int lisp_format_number(ohm_object *o, char *buf, size_t len) {
    if (LISP_IS(o, ohm_int_type)) return snprintf(buf, len, "%lld", (long long)ohm_int_value(o));
    double d = ohm_float_value(o);
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, len, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    if (!strpbrk(buf, ".ein")) n += snprintf(buf + n, len - (size_t)n, ".0");   /* not inf, nan */
    return n;
}

static void print_string(ohm_object *s, FILE *out) {
    const char *d = ohm_str_data(s);
    size_t n = ohm_str_len(s);
    putc('"', out);
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '"' || d[i] == '\\') putc('\\', out);
        if (d[i] == '\n') fputs("\\n", out);
        else if (d[i] == '\t') fputs("\\t", out);
        else putc(d[i], out);
    }
    putc('"', out);
}

static void print_cons(lisp *L, ohm_object *o, int write, FILE *out, path *p) {
    putc('(', out);
    for (;;) {
        print(L, LISP_CAR(o), write, out, p);
        o = LISP_CDR(o);
        if (!LISP_IS(o, lisp_cons_type)) break;
        putc(' ', out);
    }
    if (o != L->nil) {
        fputs(" . ", out);
        print(L, o, write, out, p);
    }
    putc(')', out);
}

static void print_vector(lisp *L, ohm_object *o, int write, FILE *out, path *p) {
    fputs("#(", out);
    for (size_t i = 0; i < ohm_list_len(o); i++) {
        if (i) putc(' ', out);
        print(L, ohm_list_get(o, i), write, out, p);
    }
    putc(')', out);
}

static void print_dict(lisp *L, ohm_object *o, int write, FILE *out, path *p) {
    ohm_object *k, *v;
    size_t pos = 0;
    fputs("#dict(", out);
    for (int first = 1; ohm_dict_next(o, &pos, &k, &v); first = 0) {
        fputs(first ? "(" : " (", out);
        print(L, k, write, out, p);
        fputs(" . ", out);
        print(L, v, write, out, p);
        putc(')', out);
    }
    putc(')', out);
}

/* The containers: cons, vector, dict. Guarded against cycles and depth. */
static void print_container(lisp *L, ohm_object *o, int write, FILE *out, path *p) {
    for (unsigned i = 0; i < p->n; i++)
        if (p->at[i] == o) { fputs("...", out); return; }
    if (p->n == MAX_DEPTH) { fputs("...", out); return; }
    p->at[p->n++] = o;
    if (LISP_IS(o, lisp_cons_type)) print_cons(L, o, write, out, p);
    else if (LISP_IS(o, ohm_list_type)) print_vector(L, o, write, out, p);
    else print_dict(L, o, write, out, p);
    p->n--;
}

static void print(lisp *L, ohm_object *o, int write, FILE *out, path *p) {
    const ohm_type *t = ohm_type_of(o);
    char num[64];
    if (t == &ohm_int_type || t == &ohm_float_type) {
        lisp_format_number(o, num, sizeof num);
        fputs(num, out);
    } else if (t == &ohm_str_type) {
        if (write) print_string(o, out);
        else fwrite(ohm_str_data(o), 1, ohm_str_len(o), out);
    } else if (t == &lisp_symbol_type) {
        fputs(LISP_SYMBOL_NAME(o), out);
    } else if (t == &lisp_cons_type || t == &ohm_list_type || t == &ohm_dict_type) {
        print_container(L, o, write, out, p);
    } else if (t == &lisp_closure_type) {
        lisp_closure *c = (lisp_closure *)o;
        fprintf(out, "#<procedure %s>", c->name ? LISP_SYMBOL_NAME(c->name) : "lambda");
    } else if (t == &lisp_builtin_type) {
        fprintf(out, "#<builtin %s>", ((lisp_builtin *)o)->prim->name);
    } else if (lisp_is_const(L, o)) {
        fputs(lisp_const_text(L, o), out);
    } else {
        fprintf(out, "#<%s>", t->name);
    }
}

void lisp_print(lisp *L, ohm_object *o, int write, FILE *out) {
    path p = { .n = 0 };
    print(L, o, write, out, &p);
}

/* o as write prints it, cut to fit buf: for error messages. */
const char *lisp_print_to(lisp *L, ohm_object *o, char *buf, size_t len) {
    FILE *f = fmemopen(buf, len - 1, "w");   /* what does not fit is dropped */
    memset(buf, 0, len);
    if (f) {
        lisp_print(L, o, 1, f);
        fclose(f);
    }
    return buf;
}
