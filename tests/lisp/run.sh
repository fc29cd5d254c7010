#!/bin/sh
# run.sh LISP SCRIPT — run one test of the example Lisp (examples/lisp) and compare:
#   stdout with NAME.out, or, when the output holds addresses or sizes, with NAME.re
#   (each line an extended regular expression that some line of stdout must match);
#   stderr with NAME.err (default: empty); the exit status with the script's
#   ";; exit: N" line (default 0; 3 is a leak). A script with a ";; stdin" line is fed
#   to the REPL on stdin instead of run as a file.
# It runs in the script's directory, so file names in messages are "NAME.scm".
lisp=$1
dir=$(dirname "$2")
name=$(basename "$2" .scm)
cd "$dir" || exit 1
want_status=$(sed -n 's/^;; exit: *\([0-9][0-9]*\).*/\1/p' "$name.scm" | head -n 1)
out=$(mktemp) && err=$(mktemp) || exit 1
trap 'rm -f "$out" "$err"' EXIT
if grep -q '^;; stdin' "$name.scm"; then
    "$lisp" <"$name.scm" >"$out" 2>"$err"
else
    "$lisp" "$name.scm" >"$out" 2>"$err"
fi
status=$?
fail=0
if [ "$status" != "${want_status:-0}" ]; then
    echo "$name: exit status $status, expected ${want_status:-0}"
    fail=1
fi
if [ -f "$name.re" ]; then
    while IFS= read -r re; do
        grep -Eq -- "$re" "$out" || { echo "$name: no line of stdout matches: $re"; fail=1; }
    done <"$name.re"
    [ $fail = 0 ] || cat "$out"
else
    diff -u "$name.out" "$out" || fail=1
fi
if [ -f "$name.err" ]; then
    diff -u "$name.err" "$err" || fail=1
elif [ -s "$err" ]; then
    echo "$name: unexpected stderr:"
    cat "$err"
    fail=1
fi
exit $fail
