/* test_htab.c — base's hash table in both forms (ohmi_ptrmap, ohmi_index), against a
 * plain array: random adds and removals, hashes made to collide so that probe runs
 * are long and wrap around the array's end, and after each step the invariant that
 * makes lookups stop early: every slot between an entry's home and the entry is taken. */
#include "check.h"
#include "base/base.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ------------------------------------------------------------ ohmi_ptrmap */

#define NKEYS 600

/* A key whose home slot is the last one in any array up to 4096 slots (the top 12
 * bits of its hash set), so that runs wrap around to slot 0. */
static uintptr_t key_homed_last(void) {
    uint64_t inv = 0x9E3779B97F4A7C15ull;              /* its inverse mod 2^64, by Newton */
    for (int i = 0; i < 6; i++) inv *= 2 - 0x9E3779B97F4A7C15ull * inv;
    for (;;) {
        uint64_t want = ~(uint64_t)0 - (next_rand() >> 12);   /* top 12 bits set */
        uint64_t x = want * inv;                         /* ohmi_hash_ptr(x << 4) == want */
        if (x >> 43 == 0 && x) return (uintptr_t)(x << 4);   /* a plausible address */
    }
}

/* Whether the run from each entry's home slot to the entry has no hole. */
static int ptrmap_runs_ok(const ohmi_ptrmap *m) {
    size_t n = 0;
    for (size_t j = 0; j < m->cap; j++) {
        if (!m->ents[j].key) continue;
        n++;
        size_t home = (size_t)(ohmi_hash_ptr(m->ents[j].key) >> m->shift);
        for (size_t i = home; i != j; i = (i + 1) & (m->cap - 1))
            if (!m->ents[i].key) return 0;
    }
    return n == m->len && m->len * 2 <= m->cap;
}

static void test_ptrmap(void) {
    ohmi_ptrmap m = { 0 };
    uintptr_t keys[NKEYS], vals[NKEYS];
    int in[NKEYS] = { 0 };
    for (size_t i = 0; i < NKEYS; i++)
        keys[i] = i % 3 ? 0x10000 + 16 * (uintptr_t)i : key_homed_last();
    CHECK(ohmi_hash_ptr(keys[0]) >> 52 == 0xFFF);
    CHECK(ohmi_ptrmap_find(&m, (void *)keys[0]) == NULL);   /* empty, no array */
    CHECK_EQ_INT(ohmi_ptrmap_del(&m, (void *)keys[0]), -1);
    size_t bad = 0, live = 0;
    for (int step = 0; step < 20000; step++) {
        size_t i = (size_t)(next_rand() % NKEYS);
        int op = (int)(next_rand() % 3);
        if (op == 0 || !in[i]) {            /* put: add or replace */
            vals[i] = (uintptr_t)next_rand();
            if (ohmi_ptrmap_put(NULL, &m, (void *)keys[i], vals[i]) < 0) bad++;
            if (!in[i]) live++;
            in[i] = 1;
        } else if (op == 1) {               /* del by key */
            if (ohmi_ptrmap_del(&m, (void *)keys[i]) != 0) bad++;
            in[i] = 0;
            live--;
        } else {                            /* remove the entry found */
            ohmi_ptrmap_ent *e = ohmi_ptrmap_get(&m, (void *)keys[i]);
            if (!e || e->key != keys[i]) { bad++; continue; }
            ohmi_ptrmap_remove(&m, e);
            in[i] = 0;
            live--;
        }
        if (step % 97 == 0 && !ptrmap_runs_ok(&m)) bad++;
    }
    CHECK_EQ_SIZE(bad, 0);
    CHECK_EQ_SIZE(m.len, live);
    CHECK(ptrmap_runs_ok(&m));
    size_t wrong = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        const uintptr_t *v = ohmi_ptrmap_find(&m, (void *)keys[i]);
        if (in[i] ? (!v || *v != vals[i]) : v != NULL) wrong++;
    }
    CHECK_EQ_SIZE(wrong, 0);
    CHECK(ohmi_ptrmap_find(&m, NULL) == NULL);
    CHECK(ohmi_ptrmap_find(&m, (void *)0x8) == NULL);

    /* reserve, then add without growing; a table of > 1024 slots emptied goes back */
    ohmi_ptrmap_free(&m);
    CHECK_EQ_INT(ohmi_ptrmap_reserve(NULL, &m, NKEYS), 0);
    size_t cap = m.cap;
    CHECK(cap >= 2 * NKEYS);
    for (size_t i = 0; i < NKEYS; i++) ohmi_ptrmap_add(&m, (void *)keys[i], i);
    CHECK_EQ_SIZE(m.cap, cap);
    CHECK(ptrmap_runs_ok(&m));
    for (size_t i = 0; i < NKEYS; i++) CHECK_EQ_INT(ohmi_ptrmap_del(&m, (void *)keys[i]), 0);
    CHECK(m.ents == NULL);
    CHECK_EQ_SIZE(m.cap, 0);
    ohmi_ptrmap_free(&m);
}

/* ------------------------------------------------------------- ohmi_index */

/* Entries: numbers 0..NENT-1, words number + 1. Their "content" is their number; the
 * hash collides on purpose (7 distinct values; one homes in the last slot, so its
 * run wraps around). */
#define NENT 300
struct ents { int present[NENT]; };

static uint64_t ent_hash(const void *ctx, uintptr_t w) {
    (void)ctx;
    size_t k = (w - 1) % 7;
    return k ? (uint64_t)k * 0x9249249249249249ull : ~(uint64_t)0;
}
static int ent_eq(const void *ctx, const void *key, uintptr_t w) {
    (void)ctx;
    return w - 1 == *(const size_t *)key;
}

static int index_runs_ok(const ohmi_index *x) {
    size_t n = 0;
    for (size_t j = 0; j < x->cap; j++) {
        if (!ohmi_index_at(x, j)) continue;
        n++;
        for (size_t i = (size_t)ent_hash(NULL, ohmi_index_at(x, j)) & (x->cap - 1); i != j;
             i = (i + 1) & (x->cap - 1))
            if (!ohmi_index_at(x, i)) return 0;
    }
    return n == x->len && x->len * 2 <= x->cap;
}

static void test_index(int wide) {
    ohmi_index x = { .wide = wide };
    struct ents e = { { 0 } };
    size_t key = 3, bad = 0, live = 0;
    CHECK_EQ_SIZE(ohmi_index_find(&x, ent_hash(NULL, 4), ent_eq, &e, &key), 0);
    CHECK_EQ_INT(ohmi_index_remove(&x, 0, 4, ent_hash, &e), -1);
    for (int step = 0; step < 20000; step++) {
        size_t i = (size_t)(next_rand() % NENT);
        uint64_t hv = ent_hash(NULL, i + 1);
        uintptr_t w = ohmi_index_find(&x, hv, ent_eq, &e, &i);
        if (w != (e.present[i] ? i + 1 : 0)) bad++;
        if (!e.present[i]) {
            if (ohmi_index_reserve(NULL, &x, 1, ent_hash, &e) < 0) { bad++; continue; }
            ohmi_index_add(&x, hv, i + 1);
            e.present[i] = 1;
            live++;
        } else if (next_rand() & 1) {
            if (ohmi_index_remove(&x, hv, i + 1, ent_hash, &e) != 0) bad++;
            e.present[i] = 0;
            live--;
        }
        if (step % 97 == 0 && !index_runs_ok(&x)) bad++;
    }
    CHECK_EQ_SIZE(bad, 0);
    CHECK_EQ_SIZE(x.len, live);
    CHECK(index_runs_ok(&x));
    size_t wrong = 0;
    for (size_t i = 0; i < NENT; i++)
        if (ohmi_index_find(&x, ent_hash(NULL, i + 1), ent_eq, &e, &i) != (e.present[i] ? i + 1 : 0))
            wrong++;
    CHECK_EQ_SIZE(wrong, 0);
    /* a word that is absent: not removed, nothing moves */
    size_t absent = NENT;
    for (size_t i = 0; i < NENT; i++) if (!e.present[i]) { absent = i; break; }
    CHECK(absent < NENT);
    if (absent < NENT) {
        size_t len = x.len;
        CHECK_EQ_INT(ohmi_index_remove(&x, ent_hash(NULL, absent + 1), absent + 1, ent_hash, &e), -1);
        CHECK_EQ_SIZE(x.len, len);
    }
    ohmi_index_free(&x);
    CHECK(x.slots == NULL);
    CHECK_EQ_SIZE(x.len, 0);
}

/* FNV-1a 64 against published test vectors. */
static void test_fnv(void) {
    CHECK(ohmi_hash_bytes("", 0, OHMI_FNV_BASIS) == 0xcbf29ce484222325ull);
    CHECK(ohmi_hash_bytes("a", 1, OHMI_FNV_BASIS) == 0xaf63dc4c8601ec8cull);
    CHECK(ohmi_hash_bytes("foobar", 6, OHMI_FNV_BASIS) == 0x85944171f73967e8ull);
    /* continuing from a hash is hashing the concatenation */
    CHECK(ohmi_hash_bytes("bar", 3, ohmi_hash_bytes("foo", 3, OHMI_FNV_BASIS)) == 0x85944171f73967e8ull);
}

int main(void) {
    test_ptrmap();
    test_index(0);
    test_index(1);
    test_fnv();
    return check_done();
}
