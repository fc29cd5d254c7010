# build-each.cmake — build each benchmark program on its own (cmake -P script).
# A program that fails to compile or link is reported and its old binary removed, so
# bench/run.sh reports it as failed instead of running a stale build; the others are
# built all the same. Inputs: BUILD_DIR, BENCH_DIR, TARGETS (comma-separated).
string(REPLACE "," ";" targets "${TARGETS}")
foreach(t ${targets})
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env --unset=MAKEFLAGS --unset=MFLAGS --unset=MAKELEVEL
            ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${t} --parallel 2
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0)
    file(REMOVE ${BENCH_DIR}/${t}.build-failed)
  else()
    file(WRITE ${BENCH_DIR}/${t}.build-failed "${out}")
    file(REMOVE ${BENCH_DIR}/${t})
    message(STATUS "bench: ${t} did not build (log: ${BENCH_DIR}/${t}.build-failed)")
  endif()
endforeach()
