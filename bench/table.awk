# table.awk — turn the rows of run.sh (key <tab> impl <tab> median <tab> min <tab> max,
# from aggregate.awk) into Markdown tables, one per section of the spec file (lines
# "## title" and "key|label|unit").
# Cells: the median, its min–max after it when there were several runs, "⚠" when the
# spread (max − min) / median is above 10% (as bench/python/run.py marks it); a peer's cell then gives the ratio of the
# medians ohm / peer. An optional 4th spec
# field holds targets, ";"-separated: "peer R" (ohm / peer <= R) or "ohm V" (ohm <= V);
# the last column shows each with a mark.
function fmt(v,   a) {
    if (v == "-") return "n/a"
    if (v !~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) return v
    a = v < 0 ? -v : v
    if (a >= 100) return sprintf("%.0f", v)
    if (a >= 10) return sprintf("%.1f", v)
    if (a >= 1) return sprintf("%.2f", v)
    return a >= 0.9995 ? sprintf("%.2f", v) : sprintf("%.3g", v)   # not "1" for 0.9996
}
function isnum(v) { return v ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ }
# "12.3 (11.9–13.0)", with " ⚠" when the spread is above SPREAD
function cell(kk, impl,   v, lo, hi, c) {
    v = val[kk, impl]; lo = vmin[kk, impl]; hi = vmax[kk, impl]
    c = fmt(v)
    if (!isnum(v) || !isnum(lo) || !isnum(hi)) return c
    c = c " (" fmt(lo) "–" fmt(hi) ")"
    if (v + 0 != 0 && (hi - lo) / (v < 0 ? -v : v) > SPREAD) c = c " ⚠"
    return c
}
# "mimalloc 0.9;ohm 15" -> "≤ 0.9× mimalloc ✔, ≤ 15 ✘" for the row's figures
function targets(t, kk, o,   n, parts, i, w, txt, out, v, ok) {
    if (t == "") return ""
    n = split(t, parts, ";")
    out = ""
    for (i = 1; i <= n; i++) {
        split(parts[i], w, " ")
        if (w[1] == "ohm") { txt = "≤ " w[2]; v = o }
        else {
            txt = "≤ " w[2] "× " w[1]
            v = ((kk, w[1]) in val && isnum(val[kk, w[1]]) && isnum(o) && val[kk, w[1]] + 0 != 0) ? o / val[kk, w[1]] : ""
        }
        ok = (isnum(v) || v != "") && isnum(o) ? (v + 0 <= w[2] + 0 ? " ✔" : " ✘") : ""
        out = out (i > 1 ? ", " : "") txt ok
    }
    return out
}
BEGIN {
    SPREAD = 0.10
    ncols = split("ohm glibc jemalloc mimalloc Boehm CPython", col, " ")
    nsec = 0
    while ((getline line < spec) > 0) {
        if (line ~ /^## /) { title[++nsec] = substr(line, 4); nkeys[nsec] = 0; continue }
        split(line, f, "|")
        k = ++nkeys[nsec]
        key[nsec, k] = f[1]; label[nsec, k] = f[2]; unit[nsec, k] = f[3]; target[nsec, k] = f[4]
        if (f[4] != "") hastarget[nsec] = 1
    }
}
{ val[$1, $2] = $3; vmin[$1, $2] = $4; vmax[$1, $2] = $5; seen[$1] = 1 }
END {
    for (s = 1; s <= nsec; s++) {
        # columns that have a cell in this section
        hdr = "| case | unit |"; sep = "|---|---|"; nuse = 0
        for (c = 1; c <= ncols; c++) {
            used = 0
            for (k = 1; k <= nkeys[s]; k++) if ((key[s, k], col[c]) in val) used = 1
            if (used) { use[++nuse] = col[c]; hdr = hdr " " col[c] " |"; sep = sep "---:|" }
        }
        if (hastarget[s]) { hdr = hdr " target |"; sep = sep "---|" }
        printf "\n## %s\n\n%s\n%s\n", title[s], hdr, sep
        for (k = 1; k <= nkeys[s]; k++) {
            kk = key[s, k]
            if (!(kk in seen)) continue
            line = "| " label[s, k] " | " unit[s, k] " |"
            o = ((kk, "ohm") in val) ? val[kk, "ohm"] : ""
            for (u = 1; u <= nuse; u++) {
                if (!((kk, use[u]) in val)) { line = line " — |"; continue }
                v = val[kk, use[u]]
                c = cell(kk, use[u])
                if (use[u] != "ohm" && isnum(v) && isnum(o) && v + 0 != 0)
                    c = c sprintf(" %.2f×", o / v)
                line = line " " c " |"
            }
            if (hastarget[s]) line = line " " targets(target[s, k], kk, o) " |"
            print line
        }
    }
}
