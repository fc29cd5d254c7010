/*
 * str.c — the str type and string interning.
 *
 * A str is UTF-8 bytes with a length (embedded NULs allowed) and a terminating NUL,
 * in one block: 16-byte header, length, cached hash (0 until first asked), the
 * interned mark, then the bytes. Strings are immutable. The empty string and the 128
 * one-character ASCII strings are immortal singletons made on first use.
 *
 * Interning (sys.intern): ohmi_obj_of(h)->intern is an open-addressing set (linear probing,
 * at most half full) of the interned strs. It holds no reference, so an interned
 * str is mortal, as in CPython 3.12+: when it dies, its dealloc takes it out of the
 * set (backward-shift deletion, so probe chains never hold tombstones). Immortalize
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
 * text has none. *err is set when making it failed. */
static ohm_object *str_singleton(ohm_heap *h, const char *utf8, size_t len, int *err) {
    ohm_object **slot;
    if (len == 0) slot = &ohmi_obj_of(h)->empty_str;
    else if (len == 1 && (unsigned char)utf8[0] < 128) slot = &ohmi_obj_of(h)->char_str[(unsigned char)utf8[0]];
    else return NULL;
    if (!*slot) {
        ohm_object *o = str_make(h, utf8, len, "ohm_str_new");
        if (!o) { *err = 1; return NULL; }
        ((obj_str *)o)->interned = 2;   /* never in the table: it never dies */
        ohmi_obj_make_immortal(o);
        *slot = o;
    }
    return *slot;
}

ohm_object *ohm_str_new(ohm_heap *h, const char *utf8, size_t len) {
    if (!utf8 && len) { ohmi_error(h, "ohm_str_new: NULL text with length %zu", len); return NULL; }
    if (len <= 1) {
        int err = 0;
        ohm_object *o = str_singleton(h, utf8, len, &err);
        if (o || err) return o;
    }
    return str_make(h, utf8, len, "ohm_str_new");
}

/* ------------------------------------------------------------- interning */

/* The slot holding a str equal to (p, n), or the empty slot where it would go. */
static size_t intern_find(const struct obj_state *st, const char *p, size_t n, uint64_t hash) {
    size_t mask = st->intern_cap - 1, i = (size_t)hash & mask;
    for (;;) {
        obj_str *s = (obj_str *)st->intern[i];
        if (!s) return i;
        if (s->hash == hash && s->len == n && memcmp(s->data, p, n) == 0) return i;
        i = (i + 1) & mask;
    }
}

static int intern_grow(ohm_heap *h) {
    struct obj_state *st = ohmi_obj_of(h);
    size_t cap = st->intern_cap ? st->intern_cap * 2 : 64;
    ohm_object **old = st->intern, **tab = ohmi_alloc_calloc(h, OHM_DOMAIN_MEM, cap, sizeof *tab);
    if (!tab) return -1;
    size_t oldcap = st->intern_cap;
    st->intern = tab;
    st->intern_cap = cap;
    for (size_t i = 0; i < oldcap; i++) {
        obj_str *s = (obj_str *)old[i];
        if (s) tab[intern_find(st, s->data, s->len, s->hash)] = &s->ob;
    }
    ohmi_alloc_free(h, OHM_DOMAIN_MEM, old);
    return 0;
}

ohm_object *ohm_str_intern(ohm_heap *h, const char *utf8, size_t len) {
    if (!utf8 && len) { ohmi_error(h, "ohm_str_intern: NULL text with length %zu", len); return NULL; }
    if (len <= 1) {
        int err = 0;
        ohm_object *o = str_singleton(h, utf8, len, &err);
        if (o || err) return o;
    }
    struct obj_state *st = ohmi_obj_of(h);
    if ((st->intern_used + 1) * 2 > st->intern_cap && intern_grow(h) < 0) {
        ohmi_error(h, "ohm_str_intern: out of memory");
        return NULL;
    }
    uint64_t hash = ohmi_hash_bytes(utf8, len, OHMI_FNV_BASIS);
    if (!hash) hash = 1;
    size_t i = intern_find(st, utf8, len, hash);
    if (st->intern[i]) {
        ohm_incref(st->intern[i]);
        return st->intern[i];
    }
    ohm_object *o = str_make(h, utf8, len, "ohm_str_intern");
    if (!o) return NULL;
    ((obj_str *)o)->hash = hash;
    ((obj_str *)o)->interned = 1;
    st->intern[i] = o;
    st->intern_used++;
    return o;
}

/* Take a dying str out of the set; later entries of its probe chain move back. */
static void str_unintern(ohm_heap *h, obj_str *s) {
    struct obj_state *st = ohmi_obj_of(h);
    if (!st->intern_cap) return;
    size_t mask = st->intern_cap - 1, i = intern_find(st, s->data, s->len, s->hash);
    if (st->intern[i] != &s->ob) return;
    st->intern[i] = NULL;
    st->intern_used--;
    for (size_t j = (i + 1) & mask; st->intern[j]; j = (j + 1) & mask) {
        size_t home = (size_t)((obj_str *)st->intern[j])->hash & mask;
        /* j's entry may move to the hole i unless its home lies in (i, j]. */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            st->intern[i] = st->intern[j];
            st->intern[j] = NULL;
            i = j;
        }
    }
}

void ohmi_obj_str_fini(ohm_heap *h) {
    struct obj_state *st = ohmi_obj_of(h);
    ohmi_alloc_free(h, OHM_DOMAIN_MEM, st->intern);
    st->intern = NULL;
    st->intern_cap = st->intern_used = 0;
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
