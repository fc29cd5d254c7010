/*
 * repr.c — ohm_repr and ohm_str: Python's repr() and str() of every object.
 *
 * The text is built in one buffer (strbuf.c) by a recursive walk: atoms are written
 * directly (None, True, ints, floats in Python's shortest round-trip form, strs
 * quoted and escaped as Python does), containers write their items between their
 * brackets, and a user type's `repr` slot gives a str that is copied in.
 *
 * Recursion, as CPython's Py_ReprEnter: the objects being repr'd now form a per-heap
 * stack (obj_state.repr_stack), each frame on the C stack of the call that pushed it,
 * so it costs no memory and survives a user slot that calls ohm_repr again. A
 * container already on the stack is written as "[...]", "{...}" or "(...)". Every
 * level counts toward REPR_MAXDEPTH, user slots included, so runaway recursion (a
 * slot that reprs its own object) ends with an error instead of a crash.
 *
 * Items are held while they are written: a user slot may run any code, this
 * container's mutation included; lists and tuples are re-read at each index, dicts
 * walked with ohm_dict_next, which bounds the position.
 */
#include "obj/obj_impl.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define REPR_MAXDEPTH 1000

struct obj_repr_frame {
    const ohm_object *o;
    const struct obj_repr_frame *prev;
    unsigned depth;
};

/* ------------------------------------------------------------------ floats */

/* Python's repr of a double into out (>= 32 bytes): the fewest significant digits
 * that read back as the same double, then Python's layout: positional for decimal
 * exponents -4..15, with ".0" when integral ("1.0", "0.0001", "1e+16", "1.5e-07");
 * "inf", "nan".
 * The digits: printf rounds correctly, so its p-digit text is the nearest p-digit
 * decimal. When the shortest that round-trips has k <= 15 digits (DBL_DIG), the
 * 15-digit text is those k digits and zeros (a decimal of 15 digits survives the trip
 * through a double), so one try at 15 digits, trailing zeros dropped, finds it;
 * else 16, else 17 digits (which always round-trip). At most three printf/strtod
 * pairs, where a search from 1 digit up took up to 17. Subnormals have fewer bits
 * than 15 digits need (5e-324 would come out 4.94065645841247e-324): for them the
 * search starts at 1 digit. */
static void repr_double(double v, char *out) {
    if (isnan(v)) { strcpy(out, "nan"); return; }
    if (isinf(v)) { strcpy(out, v > 0 ? "inf" : "-inf"); return; }
    char e[40];
    for (int prec = v != 0 && fabs(v) < DBL_MIN ? 0 : 14; prec < 17; prec++) {   /* 14: 15 digits */
        snprintf(e, sizeof e, "%.*e", prec, v);
        if (strtod(e, NULL) == v) break;
    }
    /* e is "[-]d[.ddd]e[+-]xx": gather the digits and the exponent */
    const char *p = e;
    char *o = out;
    if (*p == '-') *o++ = *p++;
    char digits[24];
    size_t nd = 0;
    for (; *p != 'e'; p++)
        if (*p != '.') digits[nd++] = *p;
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;      /* "1.000e+16": no such zeros */
    int decpt = exp10 + 1;                             /* digits before the point */
    if (decpt <= -4 || decpt > 16) {
        *o++ = digits[0];
        if (nd > 1) { *o++ = '.'; memcpy(o, digits + 1, nd - 1); o += nd - 1; }
        sprintf(o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
        return;
    }
    if (decpt <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = decpt; i < 0; i++) *o++ = '0';
        memcpy(o, digits, nd);
        o += nd;
    } else if ((size_t)decpt >= nd) {
        memcpy(o, digits, nd);
        o += nd;
        for (size_t i = nd; i < (size_t)decpt; i++) *o++ = '0';
        *o++ = '.';
        *o++ = '0';
    } else {
        memcpy(o, digits, (size_t)decpt);
        o += decpt;
        *o++ = '.';
        memcpy(o, digits + decpt, nd - (size_t)decpt);
        o += nd - (size_t)decpt;
    }
    *o = '\0';
}

/* -------------------------------------------------------------------- strs */

/* Code points Python's repr escapes though they are not ASCII: those that are not
 * printable (str.isprintable): the C1 controls, the separators other than the space
 * (Zs, Zl, Zp), the format characters (Cf), private use (Co), surrogates and the
 * non-characters at the ends of the BMP. Unassigned code points are not listed (ohm
 * has no Unicode database): Python escapes them, ohm keeps them. */
static const uint32_t repr_unprintable[][2] = {
    { 0x80, 0xA0 }, { 0xAD, 0xAD }, { 0x600, 0x605 }, { 0x61C, 0x61C }, { 0x6DD, 0x6DD },
    { 0x70F, 0x70F }, { 0x890, 0x891 }, { 0x8E2, 0x8E2 }, { 0x1680, 0x1680 },
    { 0x180E, 0x180E }, { 0x2000, 0x200F }, { 0x2028, 0x202F }, { 0x205F, 0x2064 },
    { 0x2066, 0x206F }, { 0x3000, 0x3000 }, { 0xD800, 0xF8FF }, { 0xFEFF, 0xFEFF },
    { 0xFFF9, 0xFFFB }, { 0xFFFE, 0xFFFF }, { 0x110BD, 0x110BD }, { 0x110CD, 0x110CD },
    { 0x13430, 0x1343F }, { 0x1BCA0, 0x1BCA3 }, { 0x1D173, 0x1D17A }, { 0xE0001, 0xE0001 },
    { 0xE0020, 0xE007F }, { 0xF0000, 0x10FFFF },
};

static int repr_printable(uint32_t c) {
    for (size_t i = 0; i < sizeof repr_unprintable / sizeof repr_unprintable[0]; i++) {
        if (c < repr_unprintable[i][0]) return 1;
        if (c <= repr_unprintable[i][1]) return 0;
    }
    return 1;
}

/* The code point of the well-formed UTF-8 sequence at p (n bytes left, p[0] >= 0x80)
 * and its length in *len; 0 with *len 0 when it is malformed (a stray continuation
 * byte, a truncated or overlong sequence, a surrogate, beyond U+10FFFF). */
static uint32_t repr_decode(const unsigned char *p, size_t n, size_t *len) {
    static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    size_t k = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC0 ? 2 : 0;
    *len = 0;
    if (!k || p[0] > 0xF4 || k > n) return 0;
    uint32_t c = p[0] & (0x7F >> k);
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        c = c << 6 | (p[i] & 0x3F);
    }
    if (c < min[k] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *len = k;
    return c;
}

/* Python's repr of a str: single quotes unless the text has ' and no "; the quote,
 * the backslash, \t \n \r escaped; other controls and unprintable code points as
 * \xhh, \uhhhh or \Uhhhhhhhh; printable non-ASCII text kept as it is. A byte that is
 * not part of well-formed UTF-8 is written \xhh (which Python would read as the code
 * point U+00hh: ohm's strs are not checked on creation). */
static void repr_str(obj_buf *b, const obj_str *s) {
    const unsigned char *p = (const unsigned char *)s->data;
    size_t n = s->len;
    char quote = memchr(p, '\'', n) && !memchr(p, '"', n) ? '"' : '\'';
    ohmi_obj_buf_put(b, &quote, 1);
    size_t run = 0;                            /* bytes copied as they are, pending */
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t len = 1;
        uint32_t cp = c;
        const char *esc = NULL;
        if (c >= 0x80) {
            cp = repr_decode(p + i, n - i, &len);
            if (!len) { len = 1; cp = c; esc = "x"; }
            else if (!repr_printable(cp)) esc = cp <= 0xFF ? "x" : cp <= 0xFFFF ? "u" : "U";
        } else if (c == (unsigned char)quote || c == '\\' || c == '\t' || c == '\n' || c == '\r' ||
                   c < 0x20 || c == 0x7F) {
            esc = "x";
        }
        if (!esc) { run += len; i += len; continue; }
        ohmi_obj_buf_put(b, (const char *)p + i - run, run);
        run = 0;
        switch (cp) {
        case '\t': ohmi_obj_buf_put(b, "\\t", 2); break;
        case '\n': ohmi_obj_buf_put(b, "\\n", 2); break;
        case '\r': ohmi_obj_buf_put(b, "\\r", 2); break;
        case '\\': ohmi_obj_buf_put(b, "\\\\", 2); break;
        case '\'': case '"': ohmi_obj_buf_printf(b, "\\%c", (char)cp); break;
        default:
            ohmi_obj_buf_printf(b, "\\%s%0*x", esc, *esc == 'x' ? 2 : *esc == 'u' ? 4 : 8, (unsigned)cp);
        }
        i += len;
    }
    ohmi_obj_buf_put(b, (const char *)p + n - run, run);
    ohmi_obj_buf_put(b, &quote, 1);
}

/* -------------------------------------------------------------- the walk */

static int repr_into(obj_buf *b, const ohm_object *o, const char *fn);

/* One item of a container, held while written. */
static int repr_item(obj_buf *b, ohm_object *o, const char *fn) {
    if (!o) return repr_into(b, NULL, fn);
    ohm_incref(o);
    int r = repr_into(b, o, fn);
    ohm_decref(o);
    return r;
}

static int repr_list_or_tuple(obj_buf *b, const ohm_object *o, const char *fn) {
    int tuple = o->ohm_type == &ohm_tuple_type;
    ohmi_obj_buf_put(b, tuple ? "(" : "[", 1);
    size_t i;
    for (i = 0;; i++) {
        size_t n = tuple ? ((const obj_tuple *)o)->len : ((const obj_list *)o)->len;
        if (i >= n) break;
        if (i) ohmi_obj_buf_put(b, ", ", 2);
        ohm_object *x = tuple ? ((const obj_tuple *)o)->items[i] : ((const obj_list *)o)->items[i];
        if (repr_item(b, x, fn) < 0) return -1;
    }
    if (tuple && i == 1) ohmi_obj_buf_put(b, ",", 1);   /* (x,) */
    ohmi_obj_buf_put(b, tuple ? ")" : "]", 1);
    return 0;
}

static int repr_dict(obj_buf *b, const ohm_object *o, const char *fn) {
    ohmi_obj_buf_put(b, "{", 1);
    size_t pos = 0;
    ohm_object *k, *v;
    for (int first = 1; ohm_dict_next(o, &pos, &k, &v); first = 0) {
        if (!first) ohmi_obj_buf_put(b, ", ", 2);
        ohm_incref(v);                  /* held while the key's repr runs */
        int r = repr_item(b, k, fn);
        if (r == 0) {
            ohmi_obj_buf_put(b, ": ", 2);
            r = repr_into(b, v, fn);
        }
        ohm_decref(v);
        if (r < 0) return -1;
    }
    ohmi_obj_buf_put(b, "}", 1);
    return 0;
}

/* A user type's slot: its str copied in. */
static int repr_slot(obj_buf *b, const ohm_object *o, const char *fn) {
    const ohm_type *t = o->ohm_type;
    ohm_heap *h = ohmi_alloc_heap_of(o);
    ohmi_error_clear(h);
    ohm_object *s = t->repr((ohm_object *)(uintptr_t)o);
    if (!s) {
        if (!ohm_last_error(h)[0])
            ohmi_error(h, "%s: the repr slot of '%s' returned NULL", fn, t->name ? t->name : "?");
        return -1;
    }
    if (s->ohm_type != &ohm_str_type) {
        ohmi_error(h, "%s: the repr slot of '%s' returned a '%s', not a str", fn,
                   t->name ? t->name : "?", s->ohm_type ? s->ohm_type->name : "?");
        ohm_decref(s);
        return -1;
    }
    ohmi_obj_buf_put(b, ((const obj_str *)s)->data, ((const obj_str *)s)->len);
    ohm_decref(s);
    return 0;
}

static void repr_weakref(obj_buf *b, const ohm_object *o) {
    ohm_object *t = ohm_weakref_get((ohm_object *)(uintptr_t)o);
    if (!t) {
        ohmi_obj_buf_printf(b, "<weakref at %p; dead>", (const void *)o);
        return;
    }
    ohmi_obj_buf_printf(b, "<weakref at %p; to '%s' at %p>", (const void *)o,
                        t->ohm_type->name ? t->ohm_type->name : "?", (const void *)t);
    ohm_decref(t);
}

static void repr_range(obj_buf *b, const ohm_object *o) {
    int64_t start, step;
    uint64_t len;
    ohmi_obj_range_parts(o, &start, &step, &len);
    /* the stop is not kept: the first value past the last one stands for it */
    int64_t stop = (int64_t)((uint64_t)start + len * (uint64_t)step);
    if (step == 1) ohmi_obj_buf_printf(b, "range(%lld, %lld)", (long long)start, (long long)stop);
    else ohmi_obj_buf_printf(b, "range(%lld, %lld, %lld)", (long long)start, (long long)stop, (long long)step);
}

/* Objects that may contain themselves, or run code (user slots): with a frame. */
static int repr_nested(obj_buf *b, const ohm_object *o, const char *fn) {
    ohm_heap *h = ohmi_alloc_heap_of(o);
    struct obj_state *st = ohmi_obj_of(h);
    const ohm_type *t = o->ohm_type;
    unsigned depth = st->repr_stack ? st->repr_stack->depth + 1 : 1;
    if (depth > REPR_MAXDEPTH) {
        ohmi_error(h, "%s: objects nested too deep (over %d levels)", fn, REPR_MAXDEPTH);
        return -1;
    }
    if (t == &ohm_list_type || t == &ohm_tuple_type || t == &ohm_dict_type) {
        for (const struct obj_repr_frame *f = st->repr_stack; f; f = f->prev) {
            if (f->o != o) continue;
            ohmi_obj_buf_puts(b, t == &ohm_list_type ? "[...]" : t == &ohm_dict_type ? "{...}" : "(...)");
            return 0;
        }
    }
    struct obj_repr_frame frame = { o, st->repr_stack, depth };
    st->repr_stack = &frame;
    int r;
    if (t == &ohm_list_type || t == &ohm_tuple_type) r = repr_list_or_tuple(b, o, fn);
    else if (t == &ohm_dict_type) r = repr_dict(b, o, fn);
    else r = repr_slot(b, o, fn);
    st->repr_stack = frame.prev;
    return r;
}

static int repr_into(obj_buf *b, const ohm_object *o, const char *fn) {
    if (!o) { ohmi_obj_buf_puts(b, "<NULL>"); return 0; }   /* an unset tuple item */
    const ohm_type *t = o->ohm_type;
    if (t == &ohm_int_type) {
        ohmi_obj_buf_printf(b, "%lld", (long long)((const obj_int *)o)->value);
    } else if (t == &ohm_str_type) {
        repr_str(b, (const obj_str *)o);
    } else if (t == &ohm_float_type) {
        char f[40];
        repr_double(((const obj_float *)o)->value, f);
        ohmi_obj_buf_puts(b, f);
    } else if (t == &ohm_none_type) {
        ohmi_obj_buf_puts(b, "None");
    } else if (t == &ohm_bool_type) {
        ohmi_obj_buf_puts(b, ((const obj_int *)o)->value ? "True" : "False");
    } else if (t == &ohm_list_type || t == &ohm_tuple_type || t == &ohm_dict_type || t->repr) {
        return repr_nested(b, o, fn);
    } else if (t == &ohm_weakref_type) {
        repr_weakref(b, o);
    } else if (t == &ohm_range_type) {
        repr_range(b, o);
    } else {
        ohmi_obj_buf_printf(b, "<%s object at %p>", t->name ? t->name : "?", (const void *)o);
    }
    return 0;
}

/* The walk into a fresh buffer, made a str. */
static ohm_object *repr_make(const ohm_object *o, const char *fn) {
    if (!o || !o->ohm_type) { ohmi_obj_type_error(fn, "an object", o); return NULL; }
    obj_buf b;
    ohmi_obj_buf_init(&b, ohmi_alloc_heap_of(o));
    if (repr_into(&b, o, fn) < 0) {
        ohmi_obj_buf_free(&b);
        return NULL;
    }
    return ohmi_obj_buf_finish(&b, fn);
}

ohm_object *ohm_repr(const ohm_object *o) {
    return repr_make(o, "ohm_repr");
}

ohm_object *ohm_str(const ohm_object *o) {
    if (o && o->ohm_type == &ohm_str_type) {         /* str(s) is s */
        ohm_incref((ohm_object *)(uintptr_t)o);
        return (ohm_object *)(uintptr_t)o;
    }
    return repr_make(o, "ohm_str");
}

int ohmi_obj_repr_into(obj_buf *b, const ohm_object *o, int str, const char *fn) {
    if (str && o && o->ohm_type == &ohm_str_type) {
        ohmi_obj_buf_put(b, ((const obj_str *)o)->data, ((const obj_str *)o)->len);
        return 0;
    }
    return repr_into(b, o, fn);
}
