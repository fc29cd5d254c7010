/*
 * print.c — display and write, in Lisp's syntax where it has one: #t #f, "strings"
 * (quoted by write only), (pairs . 3), #(vectors), #dict((key . value) ...). The rest
 * is ohm_str's text: numbers as Python prints them (the shortest text that reads back:
 * 0.1, 1e+21), () (ohm's empty tuple), and our types through their repr slots.
 * A container met again inside itself prints as "...", as Python's [...] does.
 */
#include <string.h>
#include "lisp.h"

#define MAX_DEPTH 64   /* containers nested deeper print as "..." too */

typedef struct path { const ohm_object *at[MAX_DEPTH]; unsigned n; } path;   /* being printed */

static void print(lisp *L, ohm_object *o, int write, FILE *out, path *p);

static void print_string(ohm_object *s, FILE *out) {
    const char *d = ohm_str_data(s);
    putc('"', out);
    for (size_t i = 0; i < ohm_str_len(s); i++) {
        if (d[i] && strchr("\"\\\n\t", d[i])) putc('\\', out);
        putc(d[i] == '\n' ? 'n' : d[i] == '\t' ? 't' : d[i], out);
    }
    putc('"', out);
}

static void print_items(lisp *L, ohm_object *o, int write, FILE *out, path *p) {
    ohm_object *k, *v;
    if (LISP_IS(o, lisp_cons_type)) {
        putc('(', out);
        for (;; putc(' ', out)) {
            print(L, LISP_CAR(o), write, out, p);
            if (!LISP_IS(o = LISP_CDR(o), lisp_cons_type)) break;
        }
        if (o != L->nil) {
            fputs(" . ", out);
            print(L, o, write, out, p);
        }
    } else if (LISP_IS(o, ohm_list_type)) {
        fputs("#(", out);
        for (size_t i = 0; i < ohm_list_len(o); i++) {
            if (i) putc(' ', out);
            print(L, ohm_list_get(o, i), write, out, p);
        }
    } else {
        fputs("#dict(", out);
        for (size_t pos = 0, i = 0; ohm_dict_next(o, &pos, &k, &v); i++) {
            fputs(i ? " (" : "(", out);
            print(L, k, write, out, p);
            fputs(" . ", out);
            print(L, v, write, out, p);
            putc(')', out);
        }
    }
    putc(')', out);
}

static void print(lisp *L, ohm_object *o, int write, FILE *out, path *p) {
    const ohm_type *t = ohm_type_of(o);
    unsigned i = 0;
    if (t == &ohm_bool_type || t == &ohm_none_type) {
        fputs(o == L->t ? "#t" : o == L->f ? "#f" : "#<unspecified>", out);
    } else if (t == &ohm_str_type && write) {
        print_string(o, out);
    } else if (t == &lisp_cons_type || t == &ohm_list_type || t == &ohm_dict_type) {
        while (i < p->n && p->at[i] != o) i++;
        if (i < p->n || p->n == MAX_DEPTH) {
            fputs("...", out);
            return;
        }
        p->at[p->n++] = o;
        print_items(L, o, write, out, p);
        p->n--;
    } else {
        ohm_object *s = ohm_str(o);   /* Python's str(): a str is itself, so display shows it raw */
        if (s) fwrite(ohm_str_data(s), 1, ohm_str_len(s), out);
        ohm_xdecref(s);
    }
}

void lisp_print(lisp *L, ohm_object *o, int write, FILE *out) {
    path p = { .n = 0 };
    print(L, o, write, out, &p);
}

/* o as write prints it, cut to fit buf: for error messages. */
const char *lisp_print_to(lisp *L, ohm_object *o, char *buf, size_t len) {
    memset(buf, 0, len);
    FILE *out = fmemopen(buf, len - 1, "w");   /* the last byte stays 0 */
    if (out) lisp_print(L, o, 1, out);
    if (out) fclose(out);
    return buf;
}
