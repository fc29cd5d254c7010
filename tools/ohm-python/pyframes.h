/*
 * pyframes.h — what libohm-python.so's files share: the heap preload.c installs, the
 * Python frame reader (pyframes.c), and the exports the `ohm` module calls (pyapi.c).
 */
#ifndef OHM_PYFRAMES_H
#define OHM_PYFRAMES_H

#include "ohm.h"

/* The heap serving CPython's MEM and OBJ domains; NULL when none was installed. */
ohm_heap *ohmpy_heap(void);

/* The return address of the allocation under way: the C function that called
 * CPython's allocator (preload.c's wrappers set it before calling ohm). */
extern const void *ohmpy_caller;

/* Give h's tracer this CPython's Python frames (a site provider), when pyframes.c can
 * read them: CPython 3.7 to 3.13 (minor), 64-bit, not a debug build. Returns 1 when
 * installed; 0 (frames stay C frames) with the reason in ohmpy_frames_why(). Called
 * from the preload's constructor, before the interpreter runs. */
int ohmpy_frames_install(ohm_heap *h, int major, int minor);
const char *ohmpy_frames_why(void);   /* "" when installed */

/* Leave out the frames from the newest one running code (a code object) on: the
 * frames of a runner below the program (ohm-python -m ohm). NULL: keep every frame. */
void ohmpy_frames_root(const void *code);

/* Records and strings the reader interned (for tests and the `ohm` module's stats). */
void ohmpy_frames_counts(size_t *strings, size_t *sites);

#endif
