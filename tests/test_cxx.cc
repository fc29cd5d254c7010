// test_cxx.cc — ohm.h from C++: the header compiles as C++ (g++ and clang++ with
// -Wall -Wextra -pedantic -Werror, C++11 on) and its inline accessors, call-site
// macros and scope-bound references behave there as in C. Built only when CMake finds
// a C++ compiler (the library itself needs none).
#include "ohm.h"

#include <cstdio>
#include <cstring>

static int failures = 0;
#define CHECK(c) do { if (!(c)) { std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

int main() {
    ohm_heap *h = ohm_heap_new(nullptr);
    CHECK(h != nullptr);

    // the inline accessors and the type word, read through the C++ member name
    ohm_object *l = ohm_list_new(h);
    for (int i = 0; i < 10; i++) {
        ohm_object *v = ohm_int_new(h, i * 1000);
        CHECK(ohm_list_append(l, v) == 0);
        ohm_decref(v);
    }
    CHECK(ohm_type_of(l) == &ohm_list_type);
    CHECK(ohm_list_len(l) == 10);
    CHECK(ohm_int_value(ohm_list_get(l, 7)) == 7000);

    ohm_object *t = ohm_tuple_new(h, 2);
    CHECK(ohm_tuple_set(t, 0, ohm_int_new(h, 5)) == 0);   // -5..256: immortal
    CHECK(ohm_tuple_set(t, 1, l) == 0);    // the tuple's own reference
    ohm_decref(l);
    CHECK(ohm_tuple_len(t) == 2);
    CHECK(ohm_tuple_get(t, 1) == l);
    CHECK(ohm_int_new(h, 5) == ohm_tuple_get(t, 0));   // one object

    // an error through the inline path: index out of range, then ohm_last_error
    CHECK(ohm_tuple_get(t, 2) == nullptr);
    CHECK(std::strstr(ohm_last_error(h), "index") != nullptr);

    // a cycle through C++, found by the collector
    ohm_object *a = ohm_list_new(h), *b = ohm_list_new(h);
    ohm_list_append(a, b);
    ohm_list_append(b, a);
    ohm_decref(a);
    ohm_decref(b);
    CHECK(ohm_gc_collect(h, 2) == 2);

    ohm_decref(t);
    CHECK(ohm_live_objects(h) == 0);
    ohm_heap_destroy(h);
    if (!failures) std::printf("test_cxx: ok\n");
    return failures != 0;
}
