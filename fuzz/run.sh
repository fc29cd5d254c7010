#!/usr/bin/env bash
# fuzz/run.sh — what `make fuzz` runs: build the libFuzzer targets with clang in
# build-fuzz (OHM_BUILD_FUZZ=ON: the library instrumented, ASan and UBSan on), then run
# each fuzzer for FUZZ_SECONDS seconds (default 60), one after the other, on a copy of
# its seed corpus (so the repository's corpus only changes when someone commits new
# seeds). Crash reproducers land in build-fuzz/crashes/<target>/; to keep one, copy it to
# fuzz/regress/<target>/ with the fix: the ctest fuzz_<target> replays it from then on.
# Without clang or libFuzzer it prints a skip line and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
CMAKE=${CMAKE:-cmake}
JOBS=${JOBS:-2}

if ! command -v clang >/dev/null 2>&1; then
  echo "fuzz: skipped: clang not found"
  exit 0
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' > "$probe/p.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
  echo "fuzz: skipped: clang cannot link libFuzzer (install libclang-rt-dev)"
  exit 0
fi

$CMAKE -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DOHM_BUILD_FUZZ=ON \
  -DOHM_BUILD_TESTS=OFF -DOHM_BUILD_EXAMPLES=OFF ${CMFLAGS:-}
$CMAKE --build build-fuzz -j "$JOBS"

for bin in build-fuzz/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  target=${name#fuzz_}; target=${target%%_*}
  work=build-fuzz/corpus/$target
  mkdir -p "$work" "build-fuzz/crashes/$target"
  cp -n fuzz/corpus/"$target"/* "$work"/ 2>/dev/null || true
  extra=""
  # operation sequences need length to reach deep states: long inputs from the start
  [ "$target" = ops ] && extra="-max_len=4096 -len_control=0"
  echo "fuzz: $name for ${SECONDS_EACH}s"
  # grep hides libFuzzer's progress lines. The fuzzer's own status decides: grep finding
  # nothing is no failure (hence the group's || true, which covers grep alone), and
  # pipefail makes the pipeline's status the fuzzer's (a crash, leak or model mismatch).
  # No `|| true` after the whole pipeline: it would hide that status.
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 $extra \
    -artifact_prefix="build-fuzz/crashes/$target/" "$work" 2>&1 | \
    { grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|==[0-9]+==|SUMMARY|.*ERROR|fuzz_)' || true; }; then
    echo "fuzz: $name FAILED (reproducer in build-fuzz/crashes/$target/)"
    exit 1
  fi
done
