# find-trace.cmake — optional extras for tracing (src/trace*.c, unwind.c, symbolize.c).
#
# Nothing here is required: without libunwind, native stacks come from the frame-pointer
# walk (or glibc backtrace() with OHM_TRACE_UNWIND=backtrace); without libdw, native
# frames are named by dladdr (module, symbol) instead of file:line.
#   OHM_WITH_LIBUNWIND  use libunwind's unw_backtrace when found (default ON)
#   OHM_WITH_LIBDW      use elfutils' libdw for file:line when found (default ON)
#   OHM_FRAME_POINTERS  build with -fno-omit-frame-pointer so the fast frame-pointer
#                       walk sees every frame (default ON; costs ~1%)
include(CheckCSourceCompiles)
include(CMakePushCheckState)
option(OHM_WITH_LIBUNWIND "Tracing: native stacks through libunwind when found" ON)
option(OHM_WITH_LIBDW "Tracing: file:line of native frames through elfutils libdw when found" ON)
option(OHM_FRAME_POINTERS "Build with frame pointers (fast native stacks for tracing)" ON)

if(OHM_FRAME_POINTERS AND CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  add_compile_options(-fno-omit-frame-pointer)
endif()

# exp/log for sampling weights; dladdr for naming native frames. By name, not by the
# path found, so the installed CMake package names no path of this machine.
find_library(OHM_LIBM m)
if(OHM_LIBM)
  list(APPEND OHM_EXTRA_LIBS m)
  ohm_pc_private("" m)
endif()
if(CMAKE_DL_LIBS)
  list(APPEND OHM_EXTRA_LIBS ${CMAKE_DL_LIBS})
  ohm_pc_private("" ${CMAKE_DL_LIBS})
endif()

find_package(PkgConfig QUIET)

# Look for a library by pkg-config, then find_library; keep it only if `code` compiles
# and links against it (a header or library of the wrong version falls back cleanly).
# Sets <var>_FOUND, <var>_INCS, <var>_LIBS, and <var>_PCMODULE: the pkg-config module
# it came from, or empty when find_library found it.
function(ohm_trace_find var pcname libname header code)
  set(${var}_FOUND OFF PARENT_SCOPE)
  set(incs "")
  set(libs "")
  set(module "")
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(OHM_PC_${var} QUIET ${pcname})
    if(OHM_PC_${var}_FOUND)
      set(incs ${OHM_PC_${var}_INCLUDE_DIRS})
      foreach(l ${OHM_PC_${var}_LIBRARIES})
        find_library(OHM_PCLIB_${var}_${l} ${l} HINTS ${OHM_PC_${var}_LIBRARY_DIRS})
        if(OHM_PCLIB_${var}_${l})
          list(APPEND libs ${OHM_PCLIB_${var}_${l}})
        endif()
      endforeach()
      if(libs)
        set(module ${pcname})
      endif()
    endif()
  endif()
  if(NOT libs)
    find_library(OHM_LIB_${var} ${libname})
    find_path(OHM_INC_${var} ${header})
    if(NOT OHM_LIB_${var} OR NOT OHM_INC_${var})
      return()
    endif()
    set(libs ${OHM_LIB_${var}})
    set(incs ${OHM_INC_${var}})
  endif()
  cmake_push_check_state(RESET)
  set(CMAKE_REQUIRED_INCLUDES ${incs})
  set(CMAKE_REQUIRED_LIBRARIES ${libs})
  set(CMAKE_REQUIRED_QUIET ON)
  check_c_source_compiles("${code}" OHM_COMPILES_${var})
  cmake_pop_check_state()
  if(OHM_COMPILES_${var})
    set(${var}_FOUND ON PARENT_SCOPE)
    set(${var}_INCS ${incs} PARENT_SCOPE)
    set(${var}_LIBS ${libs} PARENT_SCOPE)
    set(${var}_PCMODULE "${module}" PARENT_SCOPE)
  endif()
endfunction()

if(OHM_WITH_LIBUNWIND)
  ohm_trace_find(UNWIND libunwind unwind libunwind.h "
#define UNW_LOCAL_ONLY
#include <libunwind.h>
int main(void) { void *b[8]; return unw_backtrace(b, 8) < 0; }")
  if(UNWIND_FOUND)
    message(STATUS "ohm tracing: libunwind found, native stacks through unw_backtrace")
    list(APPEND OHM_EXTRA_DEFINES OHM_HAVE_LIBUNWIND=1)
    list(APPEND OHM_EXTRA_INCLUDES ${UNWIND_INCS})
    list(APPEND OHM_EXTRA_LIBS ${UNWIND_LIBS})
    ohm_pc_private("${UNWIND_PCMODULE}" ${UNWIND_LIBS})
  else()
    message(STATUS "ohm tracing: no libunwind, native stacks by frame-pointer walk")
  endif()
endif()

if(OHM_WITH_LIBDW)
  ohm_trace_find(LIBDW libdw dw elfutils/libdwfl.h "
#include <elfutils/libdwfl.h>
#include <unistd.h>
static const Dwfl_Callbacks cb = { .find_elf = dwfl_linux_proc_find_elf,
                                   .find_debuginfo = dwfl_standard_find_debuginfo };
int main(void) {
  Dwfl *d = dwfl_begin(&cb);
  dwfl_report_begin(d);
  dwfl_linux_proc_report(d, getpid());
  dwfl_report_end(d, NULL, NULL);
  Dwfl_Module *m = dwfl_addrmodule(d, (Dwarf_Addr)(unsigned long)&main);
  Dwfl_Line *l = m ? dwfl_module_getsrc(m, (Dwarf_Addr)(unsigned long)&main) : NULL;
  int line = 0;
  const char *f = l ? dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL) : NULL;
  const char *n = m ? dwfl_module_addrname(m, (Dwarf_Addr)(unsigned long)&main) : NULL;
  dwfl_end(d);
  return f == n;
}")
  if(LIBDW_FOUND)
    message(STATUS "ohm tracing: libdw found, native frames get file:line")
    list(APPEND OHM_EXTRA_DEFINES OHM_HAVE_LIBDW=1)
    list(APPEND OHM_EXTRA_INCLUDES ${LIBDW_INCS})
    list(APPEND OHM_EXTRA_LIBS ${LIBDW_LIBS})
    ohm_pc_private("${LIBDW_PCMODULE}" ${LIBDW_LIBS})
  else()
    message(STATUS "ohm tracing: no libdw, native frames named by dladdr")
  endif()
endif()
