/*
 * strbuf.c — a growable byte buffer for building strs (repr, format): the first
 * OBJ_BUF_SMALL bytes in the buffer struct itself (on the caller's stack), beyond
 * that a MEM-domain block that doubles. An append that cannot get memory marks the
 * buffer failed, and every later append does nothing, so a builder checks once, at
 * ohmi_obj_buf_finish. A failed or finished buffer holds no memory.
 */
#include "obj/obj_impl.h"

#include <stdarg.h>
#include <stdio.h>

void ohmi_obj_buf_init(obj_buf *b, ohm_heap *h) {
    b->h = h;
    b->p = b->small;
    b->len = 0;
    b->cap = sizeof b->small;
    b->failed = 0;
}

/* Room for n more bytes and a NUL: 0, or -1 (the buffer is then failed). */
static int buf_reserve(obj_buf *b, size_t n) {
    if (b->failed) return -1;
    if (n < b->cap - b->len) return 0;
    size_t want = b->len + n + 1, cap = b->cap;
    if (want < b->len) goto fail;                       /* overflow */
    while (cap < want) {
        if (cap > SIZE_MAX / 2) { cap = want; break; }
        cap *= 2;
    }
    char *p = ohmi_alloc_realloc(b->h, OHM_DOMAIN_MEM, b->p == b->small ? NULL : b->p, cap);
    if (!p) goto fail;
    if (b->p == b->small) memcpy(p, b->small, b->len);
    b->p = p;
    b->cap = cap;
    return 0;
fail:
    ohmi_obj_buf_free(b);
    b->failed = 1;
    return -1;
}

void ohmi_obj_buf_put(obj_buf *b, const char *s, size_t n) {
    if (buf_reserve(b, n) < 0) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

void ohmi_obj_buf_vprintf(obj_buf *b, const char *fmt, va_list ap) {
    if (b->failed) return;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap2);
    va_end(ap2);
    if (n < 0) { ohmi_obj_buf_free(b); b->failed = 1; return; }
    if ((size_t)n >= b->cap - b->len) {                /* it did not fit: grow, again */
        if (buf_reserve(b, (size_t)n) < 0) return;
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    }
    b->len += (size_t)n;
}

void ohmi_obj_buf_printf(obj_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ohmi_obj_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void ohmi_obj_buf_free(obj_buf *b) {
    if (b->p != b->small) ohmi_alloc_free(b->h, OHM_DOMAIN_MEM, b->p);
    b->p = b->small;
    b->len = 0;
    b->cap = sizeof b->small;
}

ohm_object *ohmi_obj_buf_finish(obj_buf *b, const char *fn) {
    if (b->failed) {
        ohmi_error(b->h, "%s: out of memory", fn);
        return NULL;
    }
    ohm_object *s = ohmi_obj_str_from(b->h, b->p, b->len, fn);
    ohmi_obj_buf_free(b);
    return s;
}
