#!/bin/sh
# walkthrough.sh — docs/python.md's profiling walkthrough, run: examples/python/service.py
# under ohm-python, then the ohm-prof reports that find its leaking line, then the fix
# checked. tests/python/test_pyprof.py runs it into a scratch folder and checks what it
# wrote; tests/python/screenshots.py takes the pictures of docs/python.md from it.
#
#   examples/python/walkthrough.sh [BUILD_DIR [OUT_DIR]]   (defaults: build, BUILD_DIR/out/python)
#
# OHM_PYTHON names the interpreter as for ohm-python (default: python3 from PATH).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
out=${2:-$build/out/python}
mkdir -p "$out"
cd "$out"
cp "$src/examples/python/service.py" service.py
ohmpy=$build/ohm-python prof=$build/ohm-prof

step() { printf '\n$ %s\n' "$*"; }

step "ohm-python -m ohm -o service-10k.ohmsnap service.py 10000"
"$ohmpy" -m ohm -o service-10k.ohmsnap service.py 10000
step "ohm-python -m ohm -o service.ohmsnap --timeline service.ohmtl:5 service.py 20000"
"$ohmpy" -m ohm -o service.ohmsnap --timeline service.ohmtl:5 service.py 20000
step "ohm-prof top service.ohmsnap --limit 5"
"$prof" top service.ohmsnap --limit 5 | tee top.txt
step "ohm-prof diff service-10k.ohmsnap service.ohmsnap --limit 5"
"$prof" diff service-10k.ohmsnap service.ohmsnap --limit 5 | tee diff.txt
step "ohm-prof top service.ohmsnap --key traceback --limit 1"
"$prof" top service.ohmsnap --key traceback --limit 1 | tee traceback.txt
step "ohm-prof lines service.ohmsnap service.py"
"$prof" lines service.ohmsnap service.py | tee lines.txt
"$prof" flamegraph service.ohmsnap -o flamegraph.html --inverted \
    --title "service.py: memory held after 20,000 requests, by the line that allocated it"
"$prof" timeline service.ohmtl -o timeline.svg --title "service.py: memory over time"

# the fix: a bounded cache
sed 's/lru_cache(maxsize=None)/lru_cache(maxsize=256)/' service.py > service_fixed.py
step "ohm-python -m ohm -o fixed.ohmsnap service_fixed.py 20000"
"$ohmpy" -m ohm -o fixed.ohmsnap service_fixed.py 20000
step "ohm-prof top fixed.ohmsnap --limit 3"
"$prof" top fixed.ohmsnap --limit 3 | tee fixed.txt
printf '\nWritten to %s: the snapshots, flamegraph.html, timeline.svg, and each report as .txt\n' "$out"
