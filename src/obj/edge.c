/*
 * edge.c — naming the reference from one object to another, for ohm_gc_explain:
 * "item [3] of <list 0x..>", "value of key 'name' in <dict 0x..>", a user type's own
 * name for its field (ohm_type.edge_name), or else the reference's place in the
 * order traverse visits them.
 */
#include "obj/obj_impl.h"

/* A short description of a dict key: its text, its value, or its type and address. */
static void edge_key(const ohm_object *k, char *buf, size_t len) {
    const ohm_type *t = k->ohm_type;
    if (t == &ohm_str_type) {
        const obj_str *s = (const obj_str *)k;
        int n = s->len > 40 ? 40 : (int)s->len;
        snprintf(buf, len, "'%.*s%s'", n, s->data, s->len > 40 ? "..." : "");
    } else if (t == &ohm_int_type) {
        snprintf(buf, len, "%lld", (long long)((const obj_int *)k)->value);
    } else if (t == &ohm_float_type) {
        snprintf(buf, len, "%.17g", ((const obj_float *)k)->value);
    } else {
        snprintf(buf, len, "<%s %p>", t && t->name ? t->name : "object", (const void *)k);
    }
}

struct edge_find { const ohm_object *child; size_t seen, found; };

static int edge_visit(ohm_object *r, void *arg) {
    struct edge_find *f = arg;
    f->seen++;
    if (r == f->child) { f->found = f->seen; return 1; }
    return 0;
}

void ohmi_obj_edge_name(ohm_object *parent, const ohm_object *child, char *buf, size_t len) {
    const ohm_type *t = parent->ohm_type;
    const char *pn = t->name ? t->name : "object";
    buf[0] = '\0';
    if (t == &ohm_list_type || t == &ohm_tuple_type) {
        size_t n = t == &ohm_list_type ? ((const obj_list *)parent)->len : ((const obj_tuple *)parent)->len;
        ohm_object *const *items = t == &ohm_list_type ? ((const obj_list *)parent)->items
                                                       : ((const obj_tuple *)parent)->items;
        for (size_t i = 0; i < n; i++)
            if (items[i] == child) { snprintf(buf, len, "item [%zu] of <%s %p>", i, pn, (void *)parent); return; }
    } else if (t == &ohm_dict_type) {
        ohm_object *k, *v;
        char key[96];
        for (size_t pos = 0; ohm_dict_next(parent, &pos, &k, &v);) {
            if (v == child || k == child) {
                edge_key(k, key, sizeof key);
                snprintf(buf, len, "%s %s in <%s %p>", v == child ? "value of key" : "key", key, pn,
                         (void *)parent);
                return;
            }
        }
    } else if (t->edge_name) {
        char field[128];
        field[0] = '\0';
        if (t->edge_name(parent, child, field, sizeof field) == 1 && field[0]) {
            snprintf(buf, len, "%s of <%s %p>", field, pn, (void *)parent);
            return;
        }
    }
    if (t->traverse) {
        struct edge_find f = { child, 0, 0 };
        t->traverse(parent, edge_visit, &f);
        if (f.found) {
            snprintf(buf, len, "reference #%zu (in traverse order) of <%s %p>", f.found, pn, (void *)parent);
            return;
        }
    }
    snprintf(buf, len, "a reference of <%s %p>", pn, (void *)parent);
}
