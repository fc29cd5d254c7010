/*
 * read.c — text to forms:
 *   form  := atom | '(' form* ')' | "'" form          ; comments: ';' to the line's end
 *   atom  := integer | float | string | #t | #f | symbol
 * Lists become cons cells, each keeping the line it was read on: the line travels with
 * the code, into closures and quoted data, for errors and the frame provider.
 * LISP_READ_INCOMPLETE: the text ended inside a form (the REPL then reads more).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lisp.h"

#define MAX_NESTING 1000   /* lists inside lists: the reader recurses once per level */

/* Report an error at the reader's line; evaluates to status. */
#define READ_ERROR(status, ...) (L->frames[L->depth - 1].line = r->line, lisp_error(L, __VA_ARGS__), (status))

static int read_form(lisp *L, lisp_reader *r, ohm_object **out, unsigned depth);

static void skip_space(lisp_reader *r) {
    while (r->p < r->end && (*r->p == ';' || isspace((unsigned char)*r->p))) {
        if (*r->p == ';')
            while (r->p < r->end && *r->p != '\n') r->p++;
        else
            r->line += *r->p++ == '\n';
    }
}

int lisp_read(lisp *L, lisp_reader *r, ohm_object **out) {
    skip_space(r);
    return r->p == r->end ? LISP_READ_EOF : read_form(L, r, out, 0);
}

static int read_list(lisp *L, lisp_reader *r, ohm_object **out, unsigned depth) {
    unsigned open_line = r->line;
    ohm_object *item, **next = out;   /* where the next cell goes: *out, then the last cdr */
    int status = LISP_READ_OK;
    *out = L->nil;                    /* immortal: a cdr holding it needs no decref */
    for (r->p++; status == LISP_READ_OK;) {
        skip_space(r);
        if (r->p == r->end) {
            status = READ_ERROR(LISP_READ_INCOMPLETE, "unclosed '(' (opened on line %u)", open_line);
        } else if (*r->p == ')') {
            r->p++;
            return LISP_READ_OK;
        } else {
            unsigned line = next == out ? open_line : r->line;
            if ((status = read_form(L, r, &item, depth + 1)) != LISP_READ_OK) break;
            if (!(*next = lisp_cons_new(L, item, L->nil, line))) status = LISP_READ_ERROR;
            else next = &LISP_CDR(*next);
            ohm_decref(item);
        }
    }
    ohm_xdecref(*out);   /* the cells read so far (a failed cons left a NULL cdr) */
    *out = NULL;
    return status;
}

/* A string literal: escapes \n \t \\ \"; it may span lines. */
static int read_string(lisp *L, lisp_reader *r, ohm_object **out) {
    unsigned open_line = r->line;
    const char *s = ++r->p;
    while (r->p < r->end && *r->p != '"') {
        if (*r->p == '\\' && r->p + 1 < r->end) r->p++;   /* an escaped character, '"' too */
        r->line += *r->p++ == '\n';
    }
    if (r->p == r->end) return READ_ERROR(LISP_READ_INCOMPLETE, "unclosed string (opened on line %u)", open_line);
    size_t n = 0, raw = (size_t)(r->p++ - s);
    char *buf = ohm_malloc(L->h, raw + 1);
    for (size_t i = 0; buf && i < raw; i++) {
        char c = s[i];
        if (c == '\\') {
            if (!strchr("nt\\\"", c = s[++i])) {
                ohm_free(L->h, buf);
                return READ_ERROR(LISP_READ_ERROR, "unknown escape in string");
            }
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
        }
        buf[n++] = c;
    }
    *out = buf ? ohm_str_new(L->h, buf, n) : NULL;
    ohm_free(L->h, buf);
    return *out ? LISP_READ_OK : LISP_READ_ERROR;
}

static int is_delimiter(char c) {
    return isspace((unsigned char)c) || c == '(' || c == ')' || c == '\'' || c == '"' || c == ';';
}

/* A number (an int, else a float: also an int too big for 64 bits), #t, #f or a symbol. */
static int read_atom(lisp *L, lisp_reader *r, ohm_object **out) {
    char tok[256], *end;
    const char *s = r->p, *digits;
    while (r->p < r->end && !is_delimiter(*r->p)) r->p++;
    size_t n = (size_t)(r->p - s);
    if (n >= sizeof tok) return READ_ERROR(LISP_READ_ERROR, "token too long");
    memcpy(tok, s, n);
    tok[n] = '\0';
    digits = tok + (*tok == '+' || *tok == '-');
    if (isdigit((unsigned char)digits[*digits == '.'])) {   /* it starts like a number */
        errno = 0;
        long long v = strtoll(tok, &end, 10);
        if (*end == '\0' && errno == 0) {
            *out = ohm_int_new(L->h, v);
        } else {
            double d = strtod(tok, &end);
            if (*end != '\0') return READ_ERROR(LISP_READ_ERROR, "bad number");
            *out = ohm_float_new(L->h, d);
        }
    } else if (strcmp(tok, "#t") == 0 || strcmp(tok, "#f") == 0) {
        *out = ohm_bool_new(L->h, tok[1] == 't');
    } else {
        *out = lisp_intern(L, tok, n);
    }
    return *out ? LISP_READ_OK : LISP_READ_ERROR;
}

static int read_form(lisp *L, lisp_reader *r, ohm_object **out, unsigned depth) {
    skip_space(r);
    if (r->p == r->end) return READ_ERROR(LISP_READ_INCOMPLETE, "unexpected end of input");
    if (depth > MAX_NESTING) return READ_ERROR(LISP_READ_ERROR, "lists nested too deep");
    if (*r->p == '(') return read_list(L, r, out, depth);
    if (*r->p == '"') return read_string(L, r, out);
    if (*r->p == ')') {
        r->p++;
        return READ_ERROR(LISP_READ_ERROR, "unexpected ')'");
    }
    if (*r->p != '\'') return read_atom(L, r, out);
    /* 'x is (quote x) */
    unsigned line = r->line;
    ohm_object *x, *quote, *rest = NULL;
    r->p++;
    int status = read_form(L, r, &x, depth + 1);
    if (status != LISP_READ_OK) return status;
    *out = NULL;
    if ((quote = lisp_intern(L, "quote", 5)) && (rest = lisp_cons_new(L, x, L->nil, line)))
        *out = lisp_cons_new(L, quote, rest, line);
    ohm_decref(x);
    ohm_xdecref(quote);
    ohm_xdecref(rest);
    return *out ? LISP_READ_OK : LISP_READ_ERROR;
}
