/*
 * format.c — ohm_str_from_format: printf into a new str, with PyUnicode_FromFormat's
 * object conversions: %R (repr), %S (str), %U (a str object).
 *
 * The format is read one conversion at a time. Text between conversions is copied.
 * A C conversion (d i u o x X c s p e E f F g G a A, with their flags, width,
 * precision and length modifiers hh h l ll z j t L) is taken apart, its argument
 * fetched with the type its length modifier says, and it is handed to snprintf on
 * its own, rebuilt with any `*` width or precision replaced by the number, so the
 * output is exactly printf's. The object conversions take an `ohm_object *`, no
 * flags, width or precision, and write what ohm_repr / ohm_str give (through
 * repr.c's walk, into the same buffer). %n is refused.
 */
#include "obj/obj_impl.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>

#define FMT_FN "ohm_str_from_format"
#define FMT_MAXNUM 100000000   /* widths and precisions up to this */

/* A decimal width or precision at *pp: the number, or -1 past FMT_MAXNUM. */
static int fmt_number(const char **pp) {
    long v = 0;
    for (; **pp >= '0' && **pp <= '9'; (*pp)++)
        if (v <= FMT_MAXNUM) v = v * 10 + (**pp - '0');
    return v > FMT_MAXNUM ? -1 : (int)v;
}

/* A C conversion spec: "%", flags, width, ".precision", length, conversion. */
struct fmt_spec {
    char flags[8];
    int width, prec;         /* -1: none */
    char len[3];             /* "", "hh", "h", "l", "ll", "z", "j", "t", "L" */
    char conv;
};

/* Parse the spec after the '%' at *pp (stars taken from ap); *pp moves past it.
 * 0, or -1 with a message. */
static int fmt_parse(ohm_heap *h, const char **pp, va_list *ap, struct fmt_spec *s) {
    const char *p = *pp;
    size_t nf = 0;
    while (*p && strchr("-+ #0", *p)) {
        if (nf < sizeof s->flags - 1) s->flags[nf++] = *p;
        p++;
    }
    s->flags[nf] = '\0';
    s->width = s->prec = -1;
    if (*p == '*') {
        int w = va_arg(*ap, int);
        p++;
        if (w < 0) {                    /* a negative width: left-justified */
            if (nf < sizeof s->flags - 1) { s->flags[nf++] = '-'; s->flags[nf] = '\0'; }
            w = w == INT_MIN ? INT_MAX : -w;
        }
        s->width = w;
    } else if (*p >= '0' && *p <= '9' && (s->width = fmt_number(&p)) < 0) {
        ohmi_error(h, FMT_FN ": width over %d", FMT_MAXNUM);
        return -1;
    }
    if (*p == '.') {
        p++;
        if (*p == '*') {
            int v = va_arg(*ap, int);
            s->prec = v < 0 ? -1 : v;   /* negative: as if none */
            p++;
        } else if ((s->prec = fmt_number(&p)) < 0) {
            ohmi_error(h, FMT_FN ": precision over %d", FMT_MAXNUM);
            return -1;
        }
    }
    size_t nl = 0;
    if ((p[0] == 'h' && p[1] == 'h') || (p[0] == 'l' && p[1] == 'l')) { s->len[nl++] = *p++; s->len[nl++] = *p++; }
    else if (*p && strchr("hlzjtL", *p)) s->len[nl++] = *p++;
    s->len[nl] = '\0';
    s->conv = *p;
    if (!*p) { ohmi_error(h, FMT_FN ": the format ends inside a conversion"); return -1; }
    *pp = p + 1;
    return 0;
}

/* One C conversion through snprintf: the spec rebuilt, the argument of its type. */
static int fmt_c(ohm_heap *h, obj_buf *b, const struct fmt_spec *s, va_list *ap) {
    char spec[48];
    int n = snprintf(spec, sizeof spec, "%%%s", s->flags);
    if (s->width >= 0) n += snprintf(spec + n, sizeof spec - (size_t)n, "%d", s->width);
    if (s->prec >= 0) n += snprintf(spec + n, sizeof spec - (size_t)n, ".%d", s->prec);
    snprintf(spec + n, sizeof spec - (size_t)n, "%s%c", s->len, s->conv);
    const char *l = s->len;
    switch (s->conv) {
    case 'd': case 'i':
        if (!strcmp(l, "l")) ohmi_obj_buf_printf(b, spec, va_arg(*ap, long));
        else if (!strcmp(l, "ll")) ohmi_obj_buf_printf(b, spec, va_arg(*ap, long long));
        else if (!strcmp(l, "z")) ohmi_obj_buf_printf(b, spec, va_arg(*ap, ssize_t));
        else if (!strcmp(l, "j")) ohmi_obj_buf_printf(b, spec, va_arg(*ap, intmax_t));
        else if (!strcmp(l, "t")) ohmi_obj_buf_printf(b, spec, va_arg(*ap, ptrdiff_t));
        else if (!*l || *l == 'h') ohmi_obj_buf_printf(b, spec, va_arg(*ap, int));
        else goto bad;
        return 0;
    case 'u': case 'o': case 'x': case 'X':
        if (!strcmp(l, "l")) ohmi_obj_buf_printf(b, spec, va_arg(*ap, unsigned long));
        else if (!strcmp(l, "ll")) ohmi_obj_buf_printf(b, spec, va_arg(*ap, unsigned long long));
        else if (!strcmp(l, "z")) ohmi_obj_buf_printf(b, spec, va_arg(*ap, size_t));
        else if (!strcmp(l, "j")) ohmi_obj_buf_printf(b, spec, va_arg(*ap, uintmax_t));
        else if (!strcmp(l, "t")) ohmi_obj_buf_printf(b, spec, va_arg(*ap, ptrdiff_t));
        else if (!*l || *l == 'h') ohmi_obj_buf_printf(b, spec, va_arg(*ap, unsigned));
        else goto bad;
        return 0;
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
        if (!strcmp(l, "L")) ohmi_obj_buf_printf(b, spec, va_arg(*ap, long double));
        else if (!*l || !strcmp(l, "l")) ohmi_obj_buf_printf(b, spec, va_arg(*ap, double));
        else goto bad;
        return 0;
    case 'c':
        if (*l) goto bad;
        ohmi_obj_buf_printf(b, spec, va_arg(*ap, int));
        return 0;
    case 's': {
        if (*l) goto bad;
        const char *str = va_arg(*ap, const char *);
        ohmi_obj_buf_printf(b, spec, str ? str : "(null)");
        return 0;
    }
    case 'p':
        if (*l) goto bad;
        ohmi_obj_buf_printf(b, spec, va_arg(*ap, void *));
        return 0;
    default:
        break;
    }
bad:
    if (s->conv == 'n') ohmi_error(h, FMT_FN ": %%n is not supported");
    else ohmi_error(h, FMT_FN ": unknown conversion '%%%s%c'", s->len, s->conv);
    return -1;
}

/* %R, %S or %U of the object argument. */
static int fmt_object(ohm_heap *h, obj_buf *b, const struct fmt_spec *s, va_list *ap) {
    if (s->flags[0] || s->width >= 0 || s->prec >= 0 || s->len[0]) {
        ohmi_error(h, FMT_FN ": %%%c takes no flags, width, precision or length", s->conv);
        return -1;
    }
    const ohm_object *o = va_arg(*ap, const ohm_object *);
    if (!o) { ohmi_error(h, FMT_FN ": the object for %%%c is NULL", s->conv); return -1; }
    if (ohmi_alloc_heap_of(o) != h) {
        ohmi_error(h, FMT_FN ": the object for %%%c belongs to another heap", s->conv);
        return -1;
    }
    if (s->conv == 'U' && o->ohm_type != &ohm_str_type) {
        ohmi_error(h, FMT_FN ": %%U expects a str, got '%s'", o->ohm_type ? o->ohm_type->name : "?");
        return -1;
    }
    return ohmi_obj_repr_into(b, o, s->conv != 'R', FMT_FN);
}

ohm_object *ohm_str_from_formatv(ohm_heap *h, const char *fmt, va_list ap) {
    if (!h) { ohmi_error(NULL, FMT_FN ": heap is NULL"); return NULL; }
    if (!fmt) { ohmi_error(h, FMT_FN ": format is NULL"); return NULL; }
    obj_buf b;
    ohmi_obj_buf_init(&b, h);
    va_list args;
    va_copy(args, ap);
    int r = 0;
    for (const char *p = fmt; *p && r == 0;) {
        const char *pct = strchr(p, '%');
        size_t run = pct ? (size_t)(pct - p) : strlen(p);
        ohmi_obj_buf_put(&b, p, run);
        if (!pct) break;
        p = pct + 1;
        if (*p == '%') { ohmi_obj_buf_put(&b, "%", 1); p++; continue; }
        struct fmt_spec s;
        if ((r = fmt_parse(h, &p, &args, &s)) < 0) break;
        r = s.conv == 'R' || s.conv == 'S' || s.conv == 'U' ? fmt_object(h, &b, &s, &args)
                                                             : fmt_c(h, &b, &s, &args);
    }
    va_end(args);
    if (r < 0) {
        ohmi_obj_buf_free(&b);
        return NULL;
    }
    return ohmi_obj_buf_finish(&b, FMT_FN);
}

ohm_object *ohm_str_from_format(ohm_heap *h, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ohm_object *s = ohm_str_from_formatv(h, fmt, ap);
    va_end(ap);
    return s;
}
