/*
 * unwind.c — native call stacks as return addresses: the one OS/arch-specific place.
 *
 * Three unwinders, chosen when tracing starts (OHM_TRACE_UNWIND=fp|backtrace|libunwind):
 *  - fp: walk the frame-pointer chain (x86-64, AArch64: [fp] = caller's fp, [fp+8] =
 *    return address). A few loads per frame: the one fast enough for 16 frames per
 *    allocation. Every frame address is checked to lie inside this thread's stack,
 *    8-aligned and strictly above the previous one before it is read, so code built
 *    without frame pointers gives short or odd stacks, never a bad read. ohm itself is
 *    built with -fno-omit-frame-pointer (cmake/find-trace.cmake); build your code so
 *    too for full native stacks.
 *  - backtrace: glibc's backtrace() (DWARF CFI through libgcc): right without frame
 *    pointers, slow (about 50-100 ns a frame).
 *  - libunwind: unw_backtrace(), when CMake found libunwind (OHM_HAVE_LIBUNWIND).
 * With a call-site frame (the frame address a call-site macro recorded in the caller's
 * function) the stack starts at that function's return address, which skips ohm's own
 * frames exactly: fp starts walking there, the others look for that return address.
 */
#include "trace/trace_impl.h"

#include <link.h>
#include <pthread.h>
#include <stdlib.h>

#if defined(__GLIBC__) || defined(__linux__)
#  include <execinfo.h>
#  define UNWIND_HAVE_BACKTRACE 1
#endif
#ifdef OHM_HAVE_LIBUNWIND
#  define UNW_LOCAL_ONLY
#  include <libunwind.h>
#endif

#define UNWIND_DEPTH_CAP 256    /* total_nframe counts no deeper than this */

int ohmi_unwind_method_from_env(void) {
    const char *v = getenv("OHM_TRACE_UNWIND");
    if (!v || !*v) {
#ifdef OHM_HAVE_LIBUNWIND
        return UNWIND_LIBUNWIND;
#else
        return UNWIND_FP;
#endif
    }
    if (!strcmp(v, "fp")) return UNWIND_FP;
#ifdef UNWIND_HAVE_BACKTRACE
    if (!strcmp(v, "backtrace")) return UNWIND_BACKTRACE;
#endif
#ifdef OHM_HAVE_LIBUNWIND
    if (!strcmp(v, "libunwind")) return UNWIND_LIBUNWIND;
#endif
    return -1;
}

/* This thread's stack bounds, found once per thread. */
static _Thread_local uintptr_t stack_lo, stack_hi;

static void stack_bounds(void) {
#if defined(__GLIBC__)
    pthread_attr_t a;
    void *addr;
    size_t size;
    if (!pthread_getattr_np(pthread_self(), &a)) {
        if (!pthread_attr_getstack(&a, &addr, &size)) {
            stack_lo = (uintptr_t)addr;
            stack_hi = (uintptr_t)addr + size;
        }
        pthread_attr_destroy(&a);
    }
#endif
    if (!stack_hi) {   /* unknown: allow 8 MiB above here */
        stack_lo = (uintptr_t)__builtin_frame_address(0) - 65536;
        stack_hi = (uintptr_t)__builtin_frame_address(0) + (8u << 20);
    }
}

/* The frame-pointer walk. Not instrumented by ASan: with code built without frame
 * pointers a "frame" may be any in-bounds stack word, redzones included. Three tight
 * loops: skip, collect, then count the rest for total_nframe (up to the cap). */
#if defined(__GNUC__)
__attribute__((no_sanitize_address, noinline))
#endif
size_t ohmi_unwind_fp(uintptr_t *pcs, size_t max, void *frame, size_t skip, size_t *total) {
    if (!stack_hi) stack_bounds();
    const uintptr_t lo = stack_lo, hi = stack_hi - 2 * sizeof(void *);
    uintptr_t fp = frame ? (uintptr_t)frame : (uintptr_t)__builtin_frame_address(0);
    size_t n = 0;
    if (!frame) skip++;   /* our own frame */
#define FP_OK(fp) ((fp) >= lo && (fp) <= hi && !((fp) & (sizeof(void *) - 1)))
    for (; skip; skip--) {
        if (!FP_OK(fp)) goto done;
        uintptr_t next = ((uintptr_t *)fp)[0];
        if (next <= fp) goto done;
        fp = next;
    }
    if (!FP_OK(fp)) goto done;
    while (n < max) {   /* fp is valid here; a next frame must be above it, in bounds */
        uintptr_t ra = ((uintptr_t *)fp)[1], next = ((uintptr_t *)fp)[0];
        if (ra < 4096) goto done;
        pcs[n++] = ra;
        if (next <= fp || next > hi || (next & (sizeof(void *) - 1))) goto done;
        fp = next;
    }
    if (total) {
        size_t depth = n;
        while (depth < UNWIND_DEPTH_CAP && FP_OK(fp) && ((uintptr_t *)fp)[1] >= 4096) {
            depth++;
            uintptr_t next = ((uintptr_t *)fp)[0];
            if (next <= fp) break;
            fp = next;
        }
        *total = depth;
        return n;
    }
#undef FP_OK
done:
    if (total) *total = n;
    return n;
}

#ifdef UNWIND_HAVE_BACKTRACE
/* Collect into a buffer and cut it: at the recorded frame's return address, or after
 * ohmi_unwind_capture, its caller and `skip` more. */
static size_t unwind_cut(void **buf, int got, uintptr_t *pcs, size_t max, void *frame,
                         size_t skip, size_t *total) {
    int start = (int)skip + 2;   /* + ohmi_unwind_capture, its caller */
    if (frame) {
        uintptr_t ra = ((uintptr_t *)frame)[1];
        start = got;
        for (int i = 0; i < got; i++)
            if ((uintptr_t)buf[i] == ra) { start = i; break; }
    }
    size_t n = 0;
    for (int i = start; i < got && n < max; i++) pcs[n++] = (uintptr_t)buf[i];
    if (total) *total = got > start ? (size_t)(got - start) : 0;
    return n;
}
#endif

#if defined(__GNUC__)
__attribute__((noinline))
#endif
size_t ohmi_unwind_capture(int method, uintptr_t *pcs, size_t max, void *frame, size_t skip,
                      size_t *total) {
    if (max == 0) { if (total) *total = 0; return 0; }
    switch (method) {
#ifdef UNWIND_HAVE_BACKTRACE
    case UNWIND_BACKTRACE: {
        void *buf[OHM_TRACE_MAX_FRAMES + 64];
        int got = backtrace(buf, (int)(sizeof buf / sizeof *buf));
        return unwind_cut(buf, got, pcs, max, frame, skip, total);
    }
#endif
#ifdef OHM_HAVE_LIBUNWIND
    case UNWIND_LIBUNWIND: {
        void *buf[OHM_TRACE_MAX_FRAMES + 64];
        int got = unw_backtrace(buf, (int)(sizeof buf / sizeof *buf));
        return unwind_cut(buf, got, pcs, max, frame, skip, total);
    }
#endif
    default:
        return ohmi_unwind_fp(pcs, max, frame, frame ? 0 : skip + 1, total); /* +1: our caller */
    }
}

/* The address range of ohm's own code when it is a shared library (libohm.so): frames
 * there are ohm's internals and are dropped from the top of a stack captured without
 * a call-site record. Linked statically, ohm's code is part of the program and cannot
 * be told apart: lo = hi = 0. */
struct unwind_range { uintptr_t self, lo, hi; };

static int unwind_range_cb(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    struct unwind_range *r = arg;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (r->self >= lo && r->self < hi) {
            if (info->dlpi_name && *info->dlpi_name) { r->lo = lo; r->hi = hi; }
            return 1;
        }
    }
    return 0;
}

void ohmi_unwind_self_range(uintptr_t *lo, uintptr_t *hi) {
    struct unwind_range r = { (uintptr_t)&ohmi_unwind_capture, 0, 0 };
    dl_iterate_phdr(unwind_range_cb, &r);
    *lo = r.lo;
    *hi = r.hi;
}
