/* badmem — a CPython extension module with the memory errors OHM_MALLOC=debug
 * catches under ohm-python (test_extension.py builds it; docs/python.md shows what
 * ohm prints). Each function is exported so that a traced block's native frames
 * name it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Writes one byte past the end of a 24-byte PyMem_Malloc block, then frees it: the
 * guard bytes after the block are checked on the free. */
PyObject *badmem_overrun(PyObject *self, PyObject *arg) {
    Py_ssize_t past = PyLong_AsSsize_t(arg);   /* from Python: the compiler cannot see it */
    if (past < 0 && PyErr_Occurred()) return NULL;
    char *p = PyMem_Malloc(24);
    if (!p) return PyErr_NoMemory();
    memset(p, 'x', 24);
    p[23 + past] = '!';
    PyMem_Free(p);
    (void)self;
    Py_RETURN_NONE;
}

/* Frees a PyMem_Malloc block twice. */
PyObject *badmem_double_free(PyObject *self, PyObject *unused) {
    void *p = PyMem_Malloc(40);
    if (!p) return PyErr_NoMemory();
    PyMem_Free(p);
    PyMem_Free(p);
    (void)self; (void)unused;
    Py_RETURN_NONE;
}

/* The same calls used correctly: must run clean under the debug hooks. */
PyObject *badmem_clean(PyObject *self, PyObject *unused) {
    char *p = PyMem_Malloc(24);
    if (!p) return PyErr_NoMemory();
    memset(p, 'x', 24);
    p = PyMem_Realloc(p, 4000);
    if (!p) return PyErr_NoMemory();
    long sum = p[0] + p[23];
    PyMem_Free(p);
    (void)self; (void)unused;
    return PyLong_FromLong(sum);
}

/* A block of n bytes from PyMem_Malloc held by a capsule, freed with it: while it
 * lives, a snapshot shows who allocated it (test_pyprof.py: the Python line above
 * this function). */
static void badmem_release(PyObject *capsule) {
    PyMem_Free(PyCapsule_GetPointer(capsule, "badmem.block"));
}

PyObject *badmem_hold(PyObject *self, PyObject *arg) {
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n < 0) return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "negative size");
    void *p = PyMem_Malloc(n ? (size_t)n : 1);
    if (!p) return PyErr_NoMemory();
    PyObject *c = PyCapsule_New(p, "badmem.block", badmem_release);
    if (!c) PyMem_Free(p);
    (void)self;
    return c;
}

static PyMethodDef methods[] = {
    {"overrun", badmem_overrun, METH_O, "write past a PyMem_Malloc block by arg bytes (1: the first byte after it)"},
    {"double_free", badmem_double_free, METH_NOARGS, "free a PyMem_Malloc block twice"},
    {"clean", badmem_clean, METH_NOARGS, "malloc, realloc and free, correctly"},
    {"hold", badmem_hold, METH_O, "a PyMem_Malloc block of arg bytes, held by the capsule returned"},
    {NULL, NULL, 0, NULL}
};
static struct PyModuleDef module = { PyModuleDef_HEAD_INIT, "badmem", NULL, -1, methods,
                                     NULL, NULL, NULL, NULL };
PyMODINIT_FUNC PyInit_badmem(void) { return PyModule_Create(&module); }
