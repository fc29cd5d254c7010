/*
 * consts.c — nil, #t, #f and the unspecified value (what define, set! and display
 * return): four immortal objects of one small type, made once per interpreter.
 *
 * Immortal (ohm_immortalize) so that reference counting ignores them: the hot paths
 * incref and decref them freely, and they do not count as live objects at exit.
 * When ohm has None/True/False singletons, #t, #f and the unspecified value can be
 * those; nil stays our own (Scheme's empty list is not None).
 */
#include "lisp.h"

typedef struct lisp_const { ohm_object ob; const char *text; } lisp_const;

static const ohm_type const_type = { .name = "lisp-const", .basicsize = sizeof(lisp_const) };

static ohm_object *make_const(lisp *L, const char *text) {
    ohm_object *o = ohm_new(L->h, &const_type);
    if (!o) return NULL;
    ((lisp_const *)o)->text = text;
    ohm_immortalize(o);
    return o;
}

int lisp_consts_init(lisp *L) {
    L->nil = make_const(L, "()");
    L->t = make_const(L, "#t");
    L->f = make_const(L, "#f");
    L->unspecified = make_const(L, "#<unspecified>");
    return L->nil && L->t && L->f && L->unspecified ? 0 : -1;
}

int lisp_is_const(lisp *L, ohm_object *o) {
    (void)L;
    return LISP_IS(o, const_type);
}

const char *lisp_const_text(lisp *L, ohm_object *o) {
    (void)L;
    return ((lisp_const *)o)->text;
}

/* A new reference to #t or #f (the incref of an immortal object changes nothing, but
 * keeps the ownership rule uniform for the callers). */
ohm_object *lisp_bool(lisp *L, int b) {
    ohm_object *o = b ? L->t : L->f;
    ohm_incref(o);
    return o;
}
