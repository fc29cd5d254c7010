# aggregate.awk — the runs of bench/run.sh (lines key <tab> impl <tab> value, one per
# run, or key <tab> impl <tab> median <tab> min <tab> max from a program that made its
# own runs) into one line per (key, impl): key, impl, median, min, max. min and max
# are empty after a single run. A value that is not a number ("failed...", "-" for
# n/a) wins over figures: a case that failed once is shown failed.
function isnum(v) { return v ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ }
function median(k,   n, i, j, t, a) {
    n = cnt[k]
    for (i = 1; i <= n; i++) a[i] = vals[k, i] + 0
    for (i = 2; i <= n; i++) {           # insertion sort: a handful of runs
        t = a[i]
        for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
    lo = a[1]; hi = a[n]
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    k = $1 SUBSEP $2
    if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
    if (!isnum($3)) { if (!(k in text)) text[k] = $3; next }
    vals[k, ++cnt[k]] = $3
    if (NF >= 5) { given[k] = 1; gmin[k] = $4; gmax[k] = $5 }
}
END {
    for (i = 1; i <= nk; i++) {
        k = order[i]
        split(k, ki, SUBSEP)
        if (k in text) { print ki[1], ki[2], text[k], "", ""; continue }
        m = median(k)
        if (cnt[k] > 1) printf "%s\t%s\t%.6g\t%.6g\t%.6g\n", ki[1], ki[2], m, lo, hi
        else if (k in given) print ki[1], ki[2], vals[k, 1], gmin[k], gmax[k]
        else print ki[1], ki[2], vals[k, 1], "", ""
    }
}
