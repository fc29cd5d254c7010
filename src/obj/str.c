/*
 * str.c — the str type and string interning.
 *
 * A str is UTF-8 bytes with a length (embedded NULs allowed) and a terminating NUL,
 * in one block: 16-byte header, length, cached hash (0 until first asked), the
 * interned mark, then the bytes. Strings are immutable. The empty string and the 128
 * one-character ASCII strings are immortal singletons made on first use.
 *
 * Interning (sys.intern): ohmi_obj_of(h)->intern is the set of the interned strs by
 * content (base's ohmi_index, its words the strs' addresses, keyed by their cached
 * hash), in C-library memory. It holds no reference, so an interned str is mortal,
 * as in CPython 3.12+: when it dies, its dealloc takes it out of the set. Immortalize
 * it to keep it for the heap's life. The singletons are their own interned copies.
 */
#include "obj/obj_impl.h"

static void str_unintern(ohm_heap *h, obj_str *s);

uint64_t ohmi_obj_str_hash(const ohm_object *o) {
    obj_str *s = (obj_str *)o;       /* the cache is not part of the value */
    if (!s->hash) {
        uint64_t x = ohmi_hash_bytes(s->data, s->len, OHMI_FNV_BASIS);
        s->hash = x ? x : 1;
    }
    return s->hash;
}

static uint64_t str_hash(const ohm_object *o) {
    return ohmi_obj_str_hash(o);
}

static int str_equal(const ohm_object *a, const ohm_object *b) {
    return ohmi_obj_equal(a, b);
}

static void str_dealloc(ohm_object *o) {
    obj_str *s = (obj_str *)o;
    if (s->interned == 1) str_unintern(ohmi_alloc_heap_of(o), s);
}

const ohm_type ohm_str_type = {
    .name = "str", .basicsize = sizeof(obj_str), .itemsize = 1,
    .flags = OBJ_KIND_FLAG(OBJ_K_STR),   /* release: no trashcan count (holds nothing) */
    .dealloc = str_dealloc, .hash = str_hash, .equal = str_equal,
};

/* memcpy, with short texts (most keys and names) copied by two overlapping loads and
 * stores instead of a libc call. */
static inline void str_copy(char *d, const char *p, size_t n) {
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, p, 8); memcpy(&b, p + n - 8, 8);
        memcpy(d, &a, 8); memcpy(d + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, p, 4); memcpy(&b, p + n - 4, 4);
        memcpy(d, &a, 4); memcpy(d + n - 4, &b, 4);
    } else if (n) {
        memcpy(d, p, n);
    }
}

static ohm_object *str_make(ohm_heap *h, const char *utf8, size_t len, const char *fn) {
    if (len > SIZE_MAX - sizeof(obj_str) - 1) {
        ohmi_error(h, "%s: length %zu is too large", fn, len);
        return NULL;
    }
    obj_str *s = (obj_str *)obj_alloc(h, &ohm_str_type, sizeof(obj_str) + len + 1);
    if (!s) { ohmi_error(h, "%s: out of memory (%zu bytes)", fn, len); return NULL; }
    s->len = len;
    s->hash = 0;
    s->interned = 0;
    str_copy(s->data, utf8, len);
    s->data[len] = '\0';
    return &s->ob;
}

/* The singleton for "" or a one-byte ASCII text, made on first use; NULL when the
 * text has none. *err is set when making it failed (the message names fn). */
static ohm_object *str_singleton(ohm_heap *h, const char *utf8, size_t len, int *err, const char *fn) {
    ohm_object **slot;
    if (len == 0) slot = &ohmi_obj_of(h)->empty_str;
    else if (len == 1 && (unsigned char)utf8[0] < 128) slot = &ohmi_obj_of(h)->char_str[(unsigned char)utf8[0]];
    else return NULL;
    if (!*slot) {
        ohm_object *o = str_make(h, utf8, len, fn);
        if (!o) { *err = 1; return NULL; }
        ((obj_str *)o)->interned = 2;   /* never in the table: it never dies */
        ohmi_obj_make_immortal(o);
        *slot = o;
    }
    return *slot;
}

ohm_object *ohmi_obj_str_from(ohm_heap *h, const char *utf8, size_t len, const char *fn) {
    if (len <= 1) {
        int err = 0;
        ohm_object *o = str_singleton(h, utf8, len, &err, fn);
        if (o || err) return o;
    }
    return str_make(h, utf8, len, fn);
}

ohm_object *ohm_str_new(ohm_heap *h, const char *utf8, size_t len) {
    if (!utf8 && len) { ohmi_error(h, "ohm_str_new: NULL text with length %zu", len); return NULL; }
    return ohmi_obj_str_from(h, utf8, len, "ohm_str_new");
}

/* ------------------------------------------------------------- interning */

/* The set's view of an interned str (a word is its address): its hash, and whether it
 * is the text k. */
static uint64_t intern_hash(const void *ctx, uintptr_t w) {
    (void)ctx;
    return ((const obj_str *)w)->hash;
}

struct intern_key { const char *p; size_t n; uint64_t hash; };
static int intern_eq(const void *ctx, const void *key, uintptr_t w) {
    const struct intern_key *k = key;
    const obj_str *s = (const obj_str *)w;
    (void)ctx;
    return s->hash == k->hash && s->len == k->n && memcmp(s->data, k->p, k->n) == 0;
}

ohm_object *ohm_str_intern(ohm_heap *h, const char *utf8, size_t len) {
    if (!utf8 && len) { ohmi_error(h, "ohm_str_intern: NULL text with length %zu", len); return NULL; }
    if (len <= 1) {
        int err = 0;
        ohm_object *o = str_singleton(h, utf8, len, &err, "ohm_str_intern");
        if (o || err) return o;
    }
    struct obj_state *st = ohmi_obj_of(h);
    uint64_t hash = ohmi_hash_bytes(utf8, len, OHMI_FNV_BASIS);
    if (!hash) hash = 1;
    struct intern_key k = { utf8, len, hash };
    ohm_object *o = (ohm_object *)ohmi_index_find(&st->intern, hash, intern_eq, NULL, &k);
    if (o) {
        ohm_incref(o);
        return o;
    }
    if (ohmi_index_reserve(h, &st->intern, 1, intern_hash, NULL) < 0) {
        ohmi_error(h, "ohm_str_intern: out of memory");
        return NULL;
    }
    o = str_make(h, utf8, len, "ohm_str_intern");
    if (!o) return NULL;
    ((obj_str *)o)->hash = hash;
    ((obj_str *)o)->interned = 1;
    ohmi_index_add(&st->intern, hash, (uintptr_t)o);
    return o;
}

/* Take a dying str out of the set. */
static void str_unintern(ohm_heap *h, obj_str *s) {
    ohmi_index_remove(&ohmi_obj_of(h)->intern, s->hash, (uintptr_t)&s->ob, intern_hash, NULL);
}

void ohmi_obj_str_fini(ohm_heap *h) {
    ohmi_index_free(&ohmi_obj_of(h)->intern);
}

/* ------------------------------------------------------------- access */

const char *ohm_str_data(const ohm_object *o) {
    if (!o || o->ohm_type != &ohm_str_type) {
        ohmi_obj_type_error("ohm_str_data", "a str", o);
        return NULL;
    }
    return ((const obj_str *)o)->data;
}

size_t ohm_str_len(const ohm_object *o) {
    if (!o || o->ohm_type != &ohm_str_type) {
        ohmi_obj_type_error("ohm_str_len", "a str", o);
        return 0;
    }
    return ((const obj_str *)o)->len;
}

int ohm_str_is_interned(const ohm_object *o) {
    if (!o || o->ohm_type != &ohm_str_type) {
        ohmi_obj_type_error("ohm_str_is_interned", "a str", o);
        return -1;
    }
    return ((const obj_str *)o)->interned != 0;   /* 2: a singleton, its own interned copy */
}

/* ------------------------------------------------------------- operations */

ohm_object *ohm_str_concat(const ohm_object *a, const ohm_object *b) {
    if (!a || a->ohm_type != &ohm_str_type) { ohmi_obj_type_error("ohm_str_concat", "a str", a); return NULL; }
    if (!b || b->ohm_type != &ohm_str_type) { ohmi_obj_type_error("ohm_str_concat", "a str", b); return NULL; }
    const obj_str *x = (const obj_str *)a, *y = (const obj_str *)b;
    ohm_heap *h = ohmi_alloc_heap_of(a);
    if (ohmi_alloc_heap_of(b) != h) { ohmi_error(h, "ohm_str_concat: b belongs to another heap"); return NULL; }
    /* "" + s is s, as in CPython: strs are immutable, so the object itself will do */
    if (!x->len || !y->len) {
        ohm_object *r = (ohm_object *)(uintptr_t)(x->len ? a : b);
        ohm_incref(r);
        return r;
    }
    if (x->len > SIZE_MAX - sizeof(obj_str) - 1 - y->len) {
        ohmi_error(h, "ohm_str_concat: length %zu + %zu is too large", x->len, y->len);
        return NULL;
    }
    obj_str *s = (obj_str *)obj_alloc(h, &ohm_str_type, sizeof(obj_str) + x->len + y->len + 1);
    if (!s) { ohmi_error(h, "ohm_str_concat: out of memory (%zu bytes)", x->len + y->len); return NULL; }
    s->len = x->len + y->len;
    s->hash = 0;
    s->interned = 0;
    memcpy(s->data, x->data, x->len);
    memcpy(s->data + x->len, y->data, y->len);
    s->data[s->len] = '\0';
    return &s->ob;
}

int ohm_str_compare(const ohm_object *a, const ohm_object *b, int *out) {
    if (!a || a->ohm_type != &ohm_str_type) { ohmi_obj_type_error("ohm_str_compare", "a str", a); return -1; }
    if (!b || b->ohm_type != &ohm_str_type) { ohmi_obj_type_error("ohm_str_compare", "a str", b); return -1; }
    if (!out) { ohmi_error(ohmi_alloc_heap_of(a), "ohm_str_compare: out is NULL"); return -1; }
    int c = obj_str_cmp((const obj_str *)a, (const obj_str *)b);
    *out = (c > 0) - (c < 0);
    return 0;
}

/* ohmi_obj_check's part: each word of the interning set is a live str of h, marked
 * interned, whose cached hash is its text's, found from its hash's home slot with no
 * empty slot between; the set's count is right. */
int ohmi_obj_str_check(ohm_heap *h, FILE *out) {
    const ohmi_index *x = &ohmi_obj_of(h)->intern;
    int bad = 0;
    size_t n = 0, mask = x->cap - 1;
    for (size_t i = 0; i < x->cap; i++) {
        uintptr_t w = ohmi_index_at(x, i);
        if (!w) continue;
        n++;
        const obj_str *s = (const obj_str *)w;
        if (!ohmi_alloc_usable_size(h, s) ||
            s->ob.ohm_type != &ohm_str_type || s->ob.ohm_rc == 0) {
            ohmi_obj_bad(out, &bad, "interned set slot %zu: %p is not a live str of the heap", i, (const void *)s);
            return bad;
        }
        uint64_t hv = ohmi_hash_bytes(s->data, s->len, OHMI_FNV_BASIS);
        if (!hv) hv = 1;
        if (s->interned != 1 || s->hash != hv) {
            ohmi_obj_bad(out, &bad, "interned str %p '%.*s': %s (hash %#llx, its text's %#llx)",
                         (const void *)s, s->len > 32 ? 32 : (int)s->len, s->data,
                         s->interned != 1 ? "not marked interned" : "wrong hash",
                         (unsigned long long)s->hash, (unsigned long long)hv);
            return bad;
        }
        for (size_t j = (size_t)hv & mask; j != i; j = (j + 1) & mask)
            if (!ohmi_index_at(x, j)) {
                ohmi_obj_bad(out, &bad, "interned str %p '%.*s': not found from its hash (slot %zu empty)",
                             (const void *)s, s->len > 32 ? 32 : (int)s->len, s->data, j);
                return bad;
            }
    }
    if (n != x->len) ohmi_obj_bad(out, &bad, "interned set: %zu strs, %zu counted", n, x->len);
    return bad;
}
