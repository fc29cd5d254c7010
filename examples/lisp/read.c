/*
 * read.c — the reader: text to forms.
 *
 *   form  := atom | '(' form* ')' | "'" form
 *   atom  := integer | float | string | #t | #f | symbol       ; comments: ';' to eol
 *
 * Lists become cons cells, and each cell keeps the line it was read on (the first cell
 * of a list: the line of its '('). Eval reads the line of the form it evaluates from
 * there, for error messages and for the frame provider; that is why the cells are our
 * own type rather than ohm lists: the line travels with the code, even into closures
 * and quoted data, with no side table to keep in step.
 *
 * Errors: LISP_READ_ERROR or LISP_READ_INCOMPLETE (the text ended inside a form) with
 * the message in L->error; LISP_READ_ERROR with L->error "" when an ohm call failed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lisp.h"

#define MAX_NESTING 1000   /* lists inside lists: the reader recurses once per level */

static int read_form(lisp *L, lisp_reader *r, ohm_object **out, unsigned depth);

static int syntax_error(lisp *L, lisp_reader *r, int status, const char *what, unsigned from) {
    L->frames[L->depth - 1].line = r->line;
    if (from) lisp_error(L, "%s (opened on line %u)", what, from);
    else lisp_error(L, "%s", what);
    return status;
}

static void skip_space(lisp_reader *r) {
    while (r->p < r->end) {
        if (*r->p == ';')
            while (r->p < r->end && *r->p != '\n') r->p++;
        else if (isspace((unsigned char)*r->p))
            r->line += *r->p++ == '\n';
        else
            break;
    }
}

int lisp_read(lisp *L, lisp_reader *r, ohm_object **out) {
    skip_space(r);
    if (r->p == r->end) return LISP_READ_EOF;
    return read_form(L, r, out, 0);
}

static int read_list(lisp *L, lisp_reader *r, ohm_object **out, unsigned depth) {
    unsigned open_line = r->line;
    ohm_object *head = L->nil;    /* immortal: no reference to manage until replaced */
    lisp_cons *tail = NULL;
    for (r->p++;;) {
        skip_space(r);
        if (r->p == r->end) {
            ohm_decref(head);   /* frees the cells read so far (a no-op on nil) */
            return syntax_error(L, r, LISP_READ_INCOMPLETE, "unclosed '('", open_line);
        }
        if (*r->p == ')') {
            r->p++;
            *out = head;
            return LISP_READ_OK;
        }
        unsigned line = tail ? r->line : open_line;
        ohm_object *item, *cell;
        int status = read_form(L, r, &item, depth + 1);
        if (status != LISP_READ_OK) {
            ohm_decref(head);
            return status;
        }
        cell = lisp_cons_new(L, item, L->nil, line);
        ohm_decref(item);
        if (!cell) {
            ohm_decref(head);
            return LISP_READ_ERROR;
        }
        if (tail) tail->cdr = cell;   /* the cell's one reference moves to the list; the
                                          replaced cdr was nil, immortal */
        else head = cell;
        tail = (lisp_cons *)cell;
    }
}

/* A string literal: escapes \n \t \\ \"; it may span lines. */
static int read_string(lisp *L, lisp_reader *r, ohm_object **out) {
    unsigned open_line = r->line;
    const char *s = ++r->p;
    while (r->p < r->end && *r->p != '"') {
        if (*r->p == '\\' && r->p + 1 < r->end) r->p++;   /* an escaped character, '"' too */
        r->line += *r->p++ == '\n';
    }
    if (r->p >= r->end) return syntax_error(L, r, LISP_READ_INCOMPLETE, "unclosed string", open_line);
    size_t n = 0, raw = (size_t)(r->p++ - s);
    char *buf = ohm_malloc(L->h, raw + 1);
    if (!buf) return LISP_READ_ERROR;
    for (size_t i = 0; i < raw; i++) {
        char c = s[i];
        if (c == '\\') {
            c = s[++i];
            if (c == 'n') c = '\n';
            else if (c == 't') c = '\t';
            else if (c != '\\' && c != '"') {
                ohm_free(L->h, buf);
                return syntax_error(L, r, LISP_READ_ERROR, "unknown escape in string", 0);
            }
        }
        buf[n++] = c;
    }
    *out = ohm_str_new(L->h, buf, n);
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
    if (n >= sizeof tok) return syntax_error(L, r, LISP_READ_ERROR, "token too long", 0);
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
            if (*end != '\0') return syntax_error(L, r, LISP_READ_ERROR, "bad number", 0);
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
    if (r->p == r->end) return syntax_error(L, r, LISP_READ_INCOMPLETE, "unexpected end of input", 0);
    if (depth > MAX_NESTING) return syntax_error(L, r, LISP_READ_ERROR, "lists nested too deep", 0);
    switch (*r->p) {
    case '(': return read_list(L, r, out, depth);
    case ')': r->p++; return syntax_error(L, r, LISP_READ_ERROR, "unexpected ')'", 0);
    case '"': return read_string(L, r, out);
    case '\'': {   /* 'x is (quote x) */
        unsigned line = r->line;
        ohm_object *x, *quote, *rest = NULL, *form = NULL;
        r->p++;
        int status = read_form(L, r, &x, depth + 1);
        if (status != LISP_READ_OK) return status;
        if ((quote = lisp_intern(L, "quote", 5)) && (rest = lisp_cons_new(L, x, L->nil, line)))
            form = lisp_cons_new(L, quote, rest, line);
        ohm_decref(x);
        ohm_xdecref(quote);
        ohm_xdecref(rest);
        *out = form;
        return form ? LISP_READ_OK : LISP_READ_ERROR;
    }
    default: return read_atom(L, r, out);
    }
}
