/*
 * read.c — text to forms, read from a stream as far as one form goes:
 *   form  := atom | '(' form* ')' | "'" form          ; comments: ';' to the line's end
 *   atom  := integer | float | string | #t | #f | symbol
 * Lists become cons cells, each keeping the line it was read on: the line travels with
 * the code, into closures and quoted data, for errors and the frame provider.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lisp.h"

#define MAX_NESTING 1000   /* lists inside lists: the reader recurses once per level */

/* Report an error at the reader's line; evaluates to LISP_READ_ERROR. */
#define READ_ERROR(...) (L->frames[L->depth - 1].line = r->line, lisp_error(L, __VA_ARGS__), LISP_READ_ERROR)

static int read_form(lisp *L, lisp_reader *r, int c, ohm_object **out, unsigned depth);

/* The next character that is not blank or in a comment, or EOF. */
static int next(lisp_reader *r) {
    for (;;) {
        int c = getc(r->in);
        if (c == ';')
            while ((c = getc(r->in)) != EOF && c != '\n') {}
        if (c == '\n') r->line++;
        else if (c == EOF || !isspace(c)) return c;
    }
}

int lisp_read(lisp *L, lisp_reader *r, ohm_object **out) {
    int c = next(r);
    return c == EOF ? LISP_READ_EOF : read_form(L, r, c, out, 0);
}

static int read_list(lisp *L, lisp_reader *r, ohm_object **out, unsigned depth) {
    unsigned open_line = r->line;
    ohm_object *item, **slot = out;   /* where the next cell goes: *out, then the last cdr */
    int c, status = LISP_READ_OK;
    *out = L->nil;                    /* immortal: a cdr holding it needs no decref */
    while (status == LISP_READ_OK && (c = next(r)) != ')') {
        unsigned line = slot == out ? open_line : r->line;
        if (c == EOF) status = READ_ERROR("unclosed '(' (opened on line %u)", open_line);
        else if ((status = read_form(L, r, c, &item, depth + 1)) == LISP_READ_OK) {
            if (!(*slot = lisp_cons_new(L, item, L->nil, line))) status = LISP_READ_ERROR;
            else slot = &LISP_CDR(*slot);
            ohm_decref(item);
        }
    }
    if (status != LISP_READ_OK) lisp_clear(out);   /* the cells read so far */
    return status;
}

/* A string literal: escapes \n \t \\ \"; it may span lines. The text gathers in the C
 * library's memory (open_memstream), then becomes one str. */
static int read_string(lisp *L, lisp_reader *r, ohm_object **out) {
    unsigned open_line = r->line;
    char *text = NULL;
    size_t len = 0;
    FILE *s = open_memstream(&text, &len);
    int c, status = s ? LISP_READ_OK : READ_ERROR("out of memory");
    while (status == LISP_READ_OK && (c = getc(r->in)) != '"') {
        r->line += c == '\n';
        if (c == '\\' && (c = getc(r->in)) != EOF) {
            if (!memchr("nt\\\"", c, 4)) status = READ_ERROR("unknown escape in string");
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
        }
        if (c == EOF) status = READ_ERROR("unclosed string (opened on line %u)", open_line);
        else putc(c, s);
    }
    if (s) fclose(s);
    *out = status == LISP_READ_OK ? ohm_str_new(L->h, text, len) : NULL;
    free(text);
    return *out ? LISP_READ_OK : LISP_READ_ERROR;
}

/* A number (an int, else a float: also an int too big for 64 bits), #t, #f or a symbol. */
static int read_atom(lisp *L, lisp_reader *r, int c, ohm_object **out) {
    char tok[256], *end;
    size_t n = 0;
    for (; c != EOF && !isspace(c) && !memchr("()'\";", c, 5); c = getc(r->in))
        if (n < sizeof tok - 1) tok[n++] = (char)c;
    ungetc(c, r->in);   /* the delimiter is the next form's, or a newline to count */
    tok[n] = '\0';
    if (n == sizeof tok - 1) return READ_ERROR("token too long");
    const char *digits = tok + (*tok == '+' || *tok == '-');
    if (isdigit((unsigned char)digits[*digits == '.'])) {   /* it starts like a number */
        errno = 0;
        long long v = strtoll(tok, &end, 10);
        if (*end == '\0' && errno == 0) {
            *out = ohm_int_new(L->h, v);
        } else {
            double d = strtod(tok, &end);
            if (*end != '\0') return READ_ERROR("bad number");
            *out = ohm_float_new(L->h, d);
        }
    } else if (strcmp(tok, "#t") == 0 || strcmp(tok, "#f") == 0) {
        *out = ohm_bool_new(L->h, tok[1] == 't');
    } else {
        *out = lisp_intern(L, tok, n);
    }
    return *out ? LISP_READ_OK : LISP_READ_ERROR;
}

static int read_form(lisp *L, lisp_reader *r, int c, ohm_object **out, unsigned depth) {
    if (depth > MAX_NESTING) return READ_ERROR("lists nested too deep");
    if (c == '(') return read_list(L, r, out, depth);
    if (c == '"') return read_string(L, r, out);
    if (c == ')') return READ_ERROR("unexpected ')'");
    if (c != '\'') return read_atom(L, r, c, out);
    /* 'x is (quote x) */
    unsigned line = r->line;
    ohm_object *x, *quote, *rest = NULL;
    if ((c = next(r)) == EOF) return READ_ERROR("unexpected end of input after '");
    int status = read_form(L, r, c, &x, depth + 1);
    if (status != LISP_READ_OK) return status;
    *out = NULL;
    if ((quote = lisp_intern(L, "quote", 5)) && (rest = lisp_cons_new(L, x, L->nil, line)))
        *out = lisp_cons_new(L, quote, rest, line);
    ohm_decref(x);
    ohm_xdecref(quote);
    ohm_xdecref(rest);
    return *out ? LISP_READ_OK : LISP_READ_ERROR;
}
