/*
 * symbolize.c — native return addresses to frames, when a report is made.
 *
 * Tracing stores native frames as bare return addresses (cheap at allocation time);
 * this file names them once per distinct traceback, at snapshot or report time:
 *  - with elfutils' libdw (OHM_HAVE_LIBDW, found by cmake/find-trace.cmake): the
 *    source file and line of the call, and the function, from the debug info;
 *  - else dladdr(): filename = the module's path, lineno = 0, function = the nearest
 *    dynamic symbol, or "0x<offset in module>" when there is none (feed it to
 *    `addr2line -f -e module 0x...`).
 * The address looked up is pc - 1: a return address points after the call, possibly
 * into the next line or function.
 * The libdw session is process-wide (modules are the process's), built on first use
 * and guarded by a mutex: the RAW-domain exception to "no shared mutable state".
 */
#include "trace/trace_impl.h"

#include <dlfcn.h>
#include <stdio.h>

#ifdef OHM_HAVE_LIBDW
#  include <elfutils/libdwfl.h>
#  include <pthread.h>
#  include <unistd.h>

static pthread_mutex_t symbolize_lock = PTHREAD_MUTEX_INITIALIZER;
static Dwfl *symbolize_dwfl;
static pid_t symbolize_pid;

/* The source location through libdw; 0 when unknown. Caller holds the lock. */
static int symbolize_dw(uintptr_t pc, struct trace_strtab *t, ohm_frame *out) {
    static const Dwfl_Callbacks cb = {
        .find_elf = dwfl_linux_proc_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
    };
    if (!symbolize_dwfl || symbolize_pid != getpid()) {
        if (symbolize_dwfl) dwfl_end(symbolize_dwfl);
        symbolize_dwfl = dwfl_begin(&cb);
        if (!symbolize_dwfl) return 0;
        symbolize_pid = getpid();
        dwfl_report_begin(symbolize_dwfl);
        dwfl_linux_proc_report(symbolize_dwfl, symbolize_pid);
        dwfl_report_end(symbolize_dwfl, NULL, NULL);
    }
    Dwfl_Module *m = dwfl_addrmodule(symbolize_dwfl, (Dwarf_Addr)pc);
    if (!m) return 0;
    Dwfl_Line *l = dwfl_module_getsrc(m, (Dwarf_Addr)pc);
    if (!l) return 0;
    int line = 0;
    const char *file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
    if (!file) return 0;
    const char *fn = dwfl_module_addrname(m, (Dwarf_Addr)pc);
    out->filename = ohmi_strtab_intern(t, file);
    out->lineno = line > 0 ? (unsigned)line : 0;
    out->function = fn ? ohmi_strtab_intern(t, fn) : NULL;
    return out->filename != NULL;
}
#endif

void ohmi_symbolize_pc(uintptr_t pc, struct trace_strtab *t, ohm_frame *out) {
    uintptr_t at = pc ? pc - 1 : 0;
    out->filename = NULL;
    out->lineno = 0;
    out->function = NULL;
#ifdef OHM_HAVE_LIBDW
    pthread_mutex_lock(&symbolize_lock);
    int ok = symbolize_dw(at, t, out);
    pthread_mutex_unlock(&symbolize_lock);
    if (ok) return;
#endif
    Dl_info info;
    char buf[64];
    if (dladdr((void *)at, &info) && info.dli_fname) {
        out->filename = ohmi_strtab_intern(t, *info.dli_fname ? info.dli_fname : "<main>");
        if (info.dli_sname) {
            out->function = ohmi_strtab_intern(t, info.dli_sname);
        } else {
            snprintf(buf, sizeof buf, "0x%lx", (unsigned long)(at - (uintptr_t)info.dli_fbase));
            out->function = ohmi_strtab_intern(t, buf);
        }
    } else {
        snprintf(buf, sizeof buf, "0x%lx", (unsigned long)at);
        out->function = ohmi_strtab_intern(t, buf);
    }
    if (!out->filename) out->filename = "<unknown>";
}
