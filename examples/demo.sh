#!/bin/sh
# demo.sh — what `make demo` shows, after the build: the tour (examples/tour.c), a real
# program (examples/wordfreq.c over examples/data/alice.txt), then ohm-prof's reports
# drawn from the files both wrote, and how to open each. (The Makefile then runs the
# Lisp demo.) The ctest `demo` runs it too, into a scratch folder, and checks it.
#
#   examples/demo.sh [BUILD_DIR [OUT_DIR]]     (defaults: build, BUILD_DIR/out)
#
# Needs only the build: the pages ohm-prof writes are single files that open offline.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
out=${2:-$build/out}
prof=$build/ohm-prof
# the sources by the short names a person would type, when run from the top (make demo)
wf=examples/wordfreq.c text=examples/data/alice.txt
[ -f "$wf" ] && [ -f "$text" ] || { wf=$src/$wf; text=$src/$text; }

mkdir -p "$out"
"$build/examples/tour" "$out"

printf '\n== 13. A real program: examples/wordfreq.c, the words of Alice in Wonderland ==\n'
"$build/examples/wordfreq" "$text" --snapshot "$out/wordfreq.ohmsnap"

printf '\n== 14. The reports: ohm-prof on the files the tour and wordfreq wrote ==\n'
echo "\$ ohm-prof top $out/tour.ohmsnap --key traceback --limit 2    (the biggest, with their callers)"
"$prof" top "$out/tour.ohmsnap" --key traceback --limit 2
echo "\$ ohm-prof lines $out/wordfreq.ohmsnap $wf    (memory_profiler's listing)"
"$prof" lines "$out/wordfreq.ohmsnap" "$wf" --unit KiB -o "$out/wordfreq-lines.txt"
# the lines that hold memory; the whole listing, every line of the file, is in the .txt
sed -n '3,4p' "$out/wordfreq-lines.txt"
grep -E '^ +[0-9]+ +-?[0-9.]+ (MiB|KiB|B) ' "$out/wordfreq-lines.txt"
"$prof" flamegraph "$out/tour.ohmsnap" -o "$out/flamegraph.html" --title "the tour: memory held after chapter 11"
"$prof" flamegraph "$out/tour.ohmsnap" -o "$out/flamegraph-diff.html" --diff "$out/tour-before.ohmsnap" \
    --title "the tour: what grew from chapter 10 to 11"
"$prof" timeline "$out/tour.ohmtl" -o "$out/timeline.svg" --title "the tour: memory over time"
"$prof" timeline "$out/tour.ohmtl" -o "$out/timeline.html" --title "the tour: memory over time"
cat <<EOF

Written to $out/ (open the pages in a browser: xdg-open FILE, or open FILE on macOS):
  flamegraph.html        the tour's memory after chapter 11, by call stack: hover, click, search
  flamegraph-diff.html   what grew since chapter 10 (red) and what shrank (blue)
  timeline.html          memory over the whole tour, a bracket per chapter (hover for values)
  timeline.svg           the same plot as one picture
  wordfreq-lines.txt     examples/wordfreq.c line by line (less $out/wordfreq-lines.txt)
  tour.ohmsnap, tour-before.ohmsnap, wordfreq.ohmsnap, tour.ohmtl: the data, for any
                         ohm-prof command (ohm-prof --help; man tools/ohm-prof/ohm-prof.1)
EOF
