#!/usr/bin/env python3
"""test_prof.py — every ohm-prof command on snapshots with known contents.

Run by ctest (prof_commands) with OHM_PROF, GEN_SNAPSHOTS, GEN_PLOT, SOURCE_DIR and
WORK_DIR in the environment. gen_snapshots.c says what the snapshots hold; this file
checks the reports against it: exact text where the output is deterministic, the
folded lines' sum against the snapshot's total, the SVG and HTML well-formed
(markup.py), and the exit status and the one-line message of every kind of bad input
and bad command line. Ends with "N passed, N failed"; exit 1 when anything failed.
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import markup  # noqa: E402

PROF = os.environ["OHM_PROF"]
WORK = os.path.join(os.environ["WORK_DIR"], "prof_commands")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checklib import check, clean_env, finish  # noqa: E402


def run(*args, stdin=None):
    p = subprocess.run([PROF] + list(args), capture_output=True, input=stdin)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def expect(args, out, what=None):
    rc, o, e = run(*args)
    check(rc == 0 and o == out, what or " ".join(args),
          "rc=%d stderr=%r\n--- got\n%s--- want\n%s" % (rc, e, o, out))
    return o


def expect_error(args, pattern, rc_want=2, what=None):
    rc, o, e = run(*args)
    ok = rc == rc_want and o == "" and e.count("\n") == 1 and re.fullmatch(pattern, e.rstrip("\n")) is not None
    check(ok, what or "error: " + " ".join(args), "rc=%d stdout=%r stderr=%r want /%s/" % (rc, o[:200], e, pattern))


def p(name):
    return os.path.join(WORK, name)


# ---------------------------------------------------------------- the inputs
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
subprocess.run([os.environ["GEN_SNAPSHOTS"], WORK], check=True)
subprocess.run([os.environ["GEN_PLOT"], p("plot.svg"), p("plot.html"), p("big.svg")], check=True)
M = json.load(open(p("manifest.json")))
SRC = M["source"]
OLD, NEW, STK, STK_OLD, EMPTY = p("lines_old.ohmsnap"), p("lines_new.ohmsnap"), p("stacks.ohmsnap"), \
    p("stacks_old.ohmsnap"), p("empty.ohmsnap")


def at(line):
    return "%s:%d" % (SRC, M[line])


# ---------------------------------------------------------------- top, diff
expect(["top", NEW],
       "%s: size=3072 KiB, count=3, average=1024 KiB\n"
       "%s: size=1000 B, count=10, average=100 B\n"
       "%s: size=200 B, count=1, average=200 B\n"
       "Total: size=3073 KiB, count=14\n" % (at("big"), at("small"), at("grown2")))
expect(["top", NEW, "--limit", "1"],
       "%s: size=3072 KiB, count=3, average=1024 KiB\n"
       "2 other: size=1200 B, count=11\n"
       "Total: size=3073 KiB, count=14\n" % at("big"))
expect(["top", "--key", "filename", NEW],
       "%s:0: size=3073 KiB, count=14, average=220 KiB\nTotal: size=3073 KiB, count=14\n" % SRC)
expect(["top", STK, "--key", "traceback", "--limit", "2"],
       'parse.py:5: size=6000 B, count=2, average=3000 B\n'
       '  File "main.py", line 1, in main\n  File "load.py", line 10, in load\n'
       '  File "parse.py", line 5, in tokenize\n'
       'load.py:20: size=4000 B, count=4, average=1000 B\n'
       '  File "main.py", line 1, in main\n  File "load.py", line 10, in load\n'
       '  File "load.py", line 20, in read_chunk\n'
       '2 other: size=505 B, count=2\nTotal: size=10.3 KiB, count=8\n')
# cumulative: load.py:10 holds what read_chunk and tokenize allocated
expect(["top", STK, "--cumulative", "--limit", "3"],
       "load.py:10: size=10000 B, count=6, average=1667 B\n"
       "main.py:1: size=10000 B, count=6, average=1667 B\n"
       "parse.py:5: size=6000 B, count=2, average=3000 B\n"
       "5 other: size=5010 B, count=8\n"
       "Total: size=10.3 KiB, count=8\n")
expect(["top", STK, "--include", "load.py"],
       "load.py:20: size=4000 B, count=4, average=1000 B\nTotal: size=4000 B, count=4\n")
expect(["top", STK, "--include", "load.py", "--all-frames", "--limit", "0"],
       "parse.py:5: size=6000 B, count=2, average=3000 B\n"
       "load.py:20: size=4000 B, count=4, average=1000 B\nTotal: size=10000 B, count=6\n")
expect(["top", STK, "--exclude", "*.py"], "Total: size=0 B, count=0\n")
expect(["top", STK, "--exclude", "parse.py", "--exclude", "load.py", "--limit", "0"],
       "report.py:7: size=500 B, count=1, average=500 B\n"
       "tiny.py:1: size=5 B, count=1, average=5 B\nTotal: size=505 B, count=2\n")
expect(["top", EMPTY], "Total: size=0 B, count=0\n")
expect(["diff", OLD, NEW],
       "%s: size=3072 KiB (+2048 KiB), count=3 (+2), average=1024 KiB\n"
       "%s: size=0 B (-20.0 KiB), count=0 (-5)\n"
       "%s: size=200 B (+200 B), count=1 (+1), average=200 B\n"
       "%s: size=0 B (-64 B), count=0 (-1)\n"
       "%s: size=1000 B (+0 B), count=10 (+0), average=100 B\n"
       "Total: size=3073 KiB (+2028 KiB), count=14 (-3)\n"
       % (at("big"), at("freed"), at("grown2"), at("grown"), at("small")))
expect(["diff", STK_OLD, STK, "--limit", "2"],
       "parse.py:5: size=6000 B (+6000 B), count=2 (+2), average=3000 B\n"
       "load.py:20: size=4000 B (+2000 B), count=4 (+2), average=1000 B\n"
       "3 other: size=505 B (-1695 B), count=2 (-2)\n"
       "Total: size=10.3 KiB (+6305 B), count=8 (+2)\n")

rc, o, e = run("top", STK, "--json", "--key", "traceback", "--limit", "1")
j = json.loads(o) if rc == 0 else {}
check(j.get("total") == {"size": 10505, "count": 8} and j.get("other", {}).get("entries") == 3
      and j["stats"][0] == {"filename": "parse.py", "lineno": 5, "function": "tokenize", "size": 6000,
                            "count": 2, "traceback": [
                                {"filename": "main.py", "lineno": 1, "function": "main"},
                                {"filename": "load.py", "lineno": 10, "function": "load"},
                                {"filename": "parse.py", "lineno": 5, "function": "tokenize"}]},
      "top --json", o + e)
rc, o, e = run("diff", OLD, NEW, "--json", "--limit", "0")
j = json.loads(o) if rc == 0 else {}
check(j.get("command") == "diff" and len(j.get("stats", [])) == 5
      and j["total"] == {"size": 3146928, "count": 14, "size_diff": 3146928 - 1070120, "count_diff": -3}
      and j["stats"][1] == {"filename": SRC, "lineno": M["freed"], "function": "c_sites", "size": 0,
                            "count": 0, "size_diff": -20480, "count_diff": -5},
      "diff --json", o + e)

# ---------------------------------------------------------------- stats, leaks
rc, o, e = run("stats", STK)
check(rc == 0 and o.startswith("Total memory: 10.3 KiB in 8 blocks (exact)\nTraceback limit: 8 frames\n")
      and "  <= 1024 B   :         4 ########################################\n" in o
      and "  <= 4096 B   :         2 ####################\n" in o
      and "  MEM:   10.3 KiB in         8 blocks (100.0%)\n" in o
      and "Top 4 sites by bytes:\n  1. parse.py:5 (tokenize): 6000 B in 2 blocks\n" in o
      and "Top 4 sites by number of blocks:\n  1. load.py:20 (read_chunk): 4 blocks, 4000 B\n" in o
      and "  4. tiny.py:1 (nibble): 1 block, 5 B\n" in o, "stats", o + e)
rc, o, e = run("stats", EMPTY)
check(rc == 0 and "  (no blocks)\n" in o and "Top 0 sites by bytes:\n" in o, "stats on an empty snapshot", o + e)
expect(["leaks", STK, "--limit", "1"],
       "8 blocks, 10.3 KiB still alive, from 4 places:\n\n"
       "2 blocks, 6000 B still alive, allocated at (most recent call last):\n"
       '    File "main.py", line 1, in main\n    File "load.py", line 10, in load\n'
       '    File "parse.py", line 5, in tokenize\n\n'
       "3 more places (--limit 0 lists them all)\n")
rc, o, e = run("leaks", STK)
check(rc == 0 and o.count("still alive, allocated at") == 4 and "more places" not in o
      and "1 block, 5 B still alive" in o, "leaks, all places", o)
expect(["leaks", EMPTY], "No leaks: no traced block is alive in this snapshot.\n")

# ---------------------------------------------------------------- folded
FOLDED = ("main (main.py:1);load (load.py:10);read_chunk (load.py:20) 4000\n"
          "main (main.py:1);load (load.py:10);tokenize (parse.py:5) 6000\n"
          "main (main.py:2);render (report.py:7) 500\n"
          "main (main.py:3);nibble (tiny.py:1) 5\n")
expect(["folded", STK], FOLDED)
expect(["folded", STK, "--inverted", "--metric", "count"],
       "nibble (tiny.py:1);main (main.py:3) 1\n"
       "read_chunk (load.py:20);load (load.py:10);main (main.py:1) 4\n"
       "render (report.py:7);main (main.py:2) 1\n"
       "tokenize (parse.py:5);load (load.py:10);main (main.py:1) 2\n")
expect(["folded", EMPTY], "")
LINE_RE = re.compile(r"^([^;\n]+(?:;[^;\n]+)*) (\d+)$")
for snap in (NEW, OLD, STK, STK_OLD):
    for metric, field in (("bytes", "size"), ("count", "count")):
        rc, o, e = run("folded", snap, "--metric", metric)
        total = json.loads(run("top", snap, "--json")[1])["total"][field]
        lines = o.splitlines()
        parsed = [LINE_RE.match(l) for l in lines]
        check(rc == 0 and all(parsed) and sum(int(m.group(2)) for m in parsed) == total,
              "folded %s --metric %s: every line 'frames;... N', summing to %d" % (snap, metric, total), o)
rc, o, e = run("folded", NEW)
check(o == "c_sites (%s:%d) 200\nc_sites (%s:%d) 1000\nalloc_big (%s:%d) 3145728\n"
      % (SRC, M["grown2"], SRC, M["small"], SRC, M["big"])
      or sorted(o.splitlines()) == sorted(["c_sites (%s:%d) 200" % (SRC, M["grown2"]),
                                           "c_sites (%s:%d) 1000" % (SRC, M["small"]),
                                           "alloc_big (%s:%d) 3145728" % (SRC, M["big"])]),
      "folded of C call sites", o)

# ---------------------------------------------------------------- flamegraph
rc, o, e = run("flamegraph", STK, "-o", p("fg.html"), "--title", 'Stacks <b>&"demo"</b>')
check(rc == 0 and o == "" and e == "", "flamegraph writes quietly", e)
try:
    text = open(p("fg.html"), encoding="utf-8").read()
    d = markup.check_html(text)
    root = d["root"]
    check(d["title"] == 'Stacks <b>&"demo"</b>' and d["diff"] is False and root[3] == 10505 and root[4] == 8,
          "flamegraph data: title, totals", json.dumps(d)[:400])
    check("<title>Stacks &lt;b&gt;&amp;&quot;demo&quot;&lt;/b&gt;</title>" in text, "flamegraph title escaped")
    check("http://" not in text.replace("http://www.w3.org", "") and "https://" not in text and "src=" not in text,
          "flamegraph is self-contained (no network, no external script)")
    kids = {d["strings"][k[2]]: k for k in root[7][0][7]}   # main.py:1's children
    check(list(kids) == ["load"] and kids["load"][3] == 10000 and kids["load"][4] == 6, "flamegraph tree", str(kids))
except (ValueError, OSError, KeyError, IndexError) as ex:
    check(False, "flamegraph page", str(ex))
rc, o, e = run("flamegraph", STK, "-o", p("fg_diff.html"), "--diff", STK_OLD, "--inverted")
try:
    d = markup.check_html(open(p("fg_diff.html"), encoding="utf-8").read())
    check(rc == 0 and d["diff"] is True and d["inverted"] is True and d["root"][6] == 4200
          and d["strings"][d["root"][7][0][2]] in ("nibble", "read_chunk", "render", "tokenize", "vanish"),
          "flamegraph --diff --inverted data", json.dumps(d)[:400])
except (ValueError, OSError, KeyError, IndexError) as ex:
    check(False, "flamegraph --diff page", str(ex))
rc, o, e = run("flamegraph", EMPTY, "-o", "-")
try:
    d = markup.check_html(o)
    check(rc == 0 and d["root"][3] == 0, "flamegraph of an empty snapshot, to stdout")
except ValueError as ex:
    check(False, "flamegraph of an empty snapshot", str(ex))

# ---------------------------------------------------------------- lines
TEMPLATE = "{0:>6} {1:>12} {2:>12}  {3:>10}   {4:<}"


def listing(name, source_text, cells):
    """memory_profiler's show_results, for cells {line: (mem, inc, occ)} (strings)."""
    header = TEMPLATE.format("Line #", "Mem usage", "Increment", "Occurrences", "Line Contents")
    out = "Filename: " + name + "\n\n" + header + "\n" + "=" * len(header) + "\n"
    for i, text in enumerate(source_text.splitlines(True), 1):
        mem, inc, occ = cells.get(i, ("", "", ""))
        out += TEMPLATE.format(i, mem, inc, occ, text if text.endswith("\n") else text + "\n")
    return out + "\n\n"


def mib(b, precision=1):
    return ("{0:%d.%df} MiB" % (precision + 4, precision)).format(b / 1048576)


src_text = open(SRC, encoding="utf-8").read()
expect(["lines", NEW, SRC, "--old", OLD, "--unit", "B"],
       listing(SRC, src_text, {M["big"]: ("3145728 B", "2097152 B", "3"), M["small"]: ("1000 B", "0 B", "10"),
                               M["freed"]: ("0 B", "-20480 B", "0"), M["grown"]: ("0 B", "-64 B", "0"),
                               M["grown2"]: ("200 B", "200 B", "1")}), "lines --old --unit B: exact")
expect(["lines", NEW, SRC],
       listing(SRC, src_text, {M["big"]: (mib(3 << 20), mib(3 << 20), "3"), M["small"]: (mib(1000), mib(1000), "10"),
                               M["grown2"]: (mib(200), mib(200), "1")}), "lines: memory_profiler's MiB format")
expect(["lines", OLD, SRC, "--precision", "3"],
       listing(SRC, src_text, {M["big"]: (mib(1 << 20, 3), mib(1 << 20, 3), "1"),
                               M["small"]: (mib(1000, 3), mib(1000, 3), "10"),
                               M["freed"]: (mib(20480, 3), mib(20480, 3), "5"),
                               M["grown"]: (mib(64, 3), mib(64, 3), "1")}), "lines --precision 3")
# a relative path names the same file (path suffix)
rel = os.path.relpath(SRC, os.environ["SOURCE_DIR"])
rc, o, e = subprocess.run([PROF, "lines", NEW, rel, "--unit", "KiB"], capture_output=True, text=True,
                          cwd=os.environ["SOURCE_DIR"]).returncode, None, None
check(rc == 0, "lines with a relative SOURCE")
o = subprocess.run([PROF, "lines", NEW, rel, "--unit", "KiB"], capture_output=True, text=True,
                   cwd=os.environ["SOURCE_DIR"]).stdout
check(o.startswith("Filename: %s\n" % rel)
      and TEMPLATE.format(M["big"], "3072.0 KiB", "3072.0 KiB", 3, "") in o,
      "lines with a relative SOURCE: the frames match", o[:600])
# an interpreter's file: a line counts what the calls made from it still hold
os.makedirs(p("py"), exist_ok=True)
load_py = "".join("line %d\n" % i for i in range(1, 23))
open(p("py/load.py"), "w").write(load_py)
expect(["lines", STK, p("py/load.py"), "--old", STK_OLD, "--unit", "B"],
       listing(p("py/load.py"), load_py, {10: ("10000 B", "8000 B", "6"), 20: ("4000 B", "2000 B", "4")}),
       "lines on a provider's file: cumulative over the traceback")
# frames past the end of the file are still listed (the source changed since)
open(p("py/short.py"), "w").write("only line\n")
os.rename(p("py/short.py"), p("py/load.py"))
rc, o, e = run("lines", STK, p("py/load.py"), "--unit", "B")
check(rc == 0 and "\n" + TEMPLATE.format(1, "", "", "", "only line\n") in o
      and "\n" + TEMPLATE.format(20, "4000 B", "4000 B", 4, "\n") in o and o.endswith("\n\n\n"),
      "traced lines past the end of the file", o)

# ---------------------------------------------------------------- the timeline plot
try:
    svg = markup.check_svg(open(p("plot.svg"), "rb").read())
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    check("peak traced 30.00 MiB at 3 s" in texts and "report <&>" in texts and "tokenize" in texts
          and "time (s)" in texts and "memory (MiB)" in texts, "plot.svg: labels", str(texts))
    lines_ = svg.findall(".//{http://www.w3.org/2000/svg}g[@class='collections']/{http://www.w3.org/2000/svg}line")
    check([l.get("stroke") for l in lines_] == ["#43a047", "#fb8c00", "#e53935"], "plot.svg: collections by generation")
    poly = {g.get("class"): g for g in svg.iter("{http://www.w3.org/2000/svg}polyline")}
    check(set(poly) == {"traced", "rss", "arenas"} and len(poly["traced"].get("points").split()) == 31,
          "plot.svg: curves", str(poly))
    d = markup.check_html(open(p("plot.html"), encoding="utf-8").read())
    check(len(d["samples"]) == 31 and d["samples"][10] == [1.0, 10 << 20, 10 << 20, 25 << 20, 2, 100, 1000],
          "plot.html: the samples for the hover", str(d)[:300])
    big = open(p("big.svg"), "rb").read()
    poly = {g.get("class"): g.get("points").split() for g in markup.check_svg(big).iter("{http://www.w3.org/2000/svg}polyline")}
    ys = [float(pt.split(",")[1]) for pt in poly["rss"]]
    check(len(big) < 200000 and len(poly["rss"]) <= 2 * 845 and min(ys) < max(ys) - 300,
          "360,000 samples: the curves thinned, the RSS spike kept", "%d bytes, %d points, y %s..%s"
          % (len(big), len(poly["rss"]), min(ys), max(ys)))
except (ValueError, OSError, KeyError) as ex:
    check(False, "timeline plots", str(ex))
# a real recording (gen_timeline.c): its scopes, mark and two collections are drawn
subprocess.run([os.environ["GEN_TIMELINE"], p("real.ohmtl")], check=True)
rc, o, e = run("timeline", p("real.ohmtl"), "-o", p("real.svg"))
rc2, o2, e2 = run("timeline", p("real.ohmtl"), "-o", p("real.html"))
check(rc == 0 and rc2 == 0, "timeline of a recording", e + e2)
try:
    svg = markup.check_svg(open(p("real.svg"), "rb").read())
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    check(all(x in texts for x in ("build", "drop", "built")), "real.svg: scopes and the mark", str(texts))
    lines_ = svg.findall(".//{http://www.w3.org/2000/svg}g[@class='collections']/{http://www.w3.org/2000/svg}line")
    check([l.get("stroke") for l in lines_] == ["#e53935", "#e53935"], "real.svg: two full collections",
          str([l.get("stroke") for l in lines_]))
    d = markup.check_html(open(p("real.html"), encoding="utf-8").read())
    ts = [smp[0] for smp in d["samples"]]
    check(len(ts) >= 10 and ts == sorted(ts) and max(smp[1] for smp in d["samples"]) > 2000 * 40 * 48,
          "real.html: samples in time order, traced memory at its peak", str(d["samples"][:3]))
except (ValueError, OSError, KeyError) as ex:
    check(False, "timeline of a recording", str(ex))
data = open(p("real.ohmtl"), "rb").read()
for cut in (0, 10, len(data) // 2, len(data) - 1):
    open(p("rec.ohmtl"), "wb").write(data[:cut])
    expect_error(["timeline", p("rec.ohmtl"), "-o", p("t.svg")], r"ohm-prof: .*rec\.ohmtl: offset \d+: .+")
open(p("rec.ohmtl"), "wb").write(b"not yet")
expect_error(["timeline", p("rec.ohmtl"), "-o", p("t.svg")], r"ohm-prof: .*rec\.ohmtl: .+")
expect_error(["timeline", p("rec.ohmtl"), "-o", p("t.png")],
             r"ohm-prof timeline: -o '.*t\.png': the name must end in \.svg, \.html or \.htm \(see 'ohm-prof timeline --help'\)")
expect_error(["timeline", p("rec.ohmtl")], r"ohm-prof timeline: needs -o PLOT\.svg or -o PLOT\.html .*")

# ---------------------------------------------------------------- bad inputs
data = open(STK, "rb").read()
readers = [["top"], ["stats"], ["leaks"], ["folded"], ["flamegraph", "-o", p("x.html")], ["lines", "@", SRC],
           ["diff", STK, "@"], ["diff", "@", STK], ["lines", STK, SRC, "--old", "@"],
           ["flamegraph", STK, "-o", p("x.html"), "--diff", "@"]]
bad = p("bad.ohmsnap")
OFFSET = r"ohm-prof: %s: offset \d+: .+" % re.escape(bad)


def args_for(cmd, path):
    if "@" in cmd:
        return [a if a != "@" else path for a in cmd]
    return [cmd[0], path] + cmd[1:]


for n in range(len(data)):
    open(bad, "wb").write(data[:n])
    # every truncation through top; every fifth through every reader
    for cmd in (readers if n % 5 == 0 else readers[:1]):
        expect_error(args_for(cmd, bad), OFFSET, what="truncated to %d bytes: %s" % (n, cmd[0]))
for i in range(len(data)):
    flipped = bytearray(data)
    flipped[i] ^= 0x5a
    open(bad, "wb").write(bytes(flipped))
    expect_error(["top", bad], OFFSET, what="byte %d flipped" % i)
for foreign in (b"", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, src_text.encode(), b"OHMSNAP\0" + b"\xff" * 30):
    open(bad, "wb").write(foreign)
    for cmd in readers:
        expect_error(args_for(cmd, bad), OFFSET, what="foreign file %r: %s" % (foreign[:8], cmd[0]))
rc, o, e = run("top", p("png"))
for cmd in readers:
    expect_error(args_for(cmd, p("missing.ohmsnap")),
                 r"ohm-prof: %s: No such file or directory" % re.escape(p("missing.ohmsnap")), what="missing: " + cmd[0])
expect_error(["top", WORK], r"ohm-prof: %s: .+" % re.escape(WORK), what="a directory")
expect_error(["lines", STK, p("missing.c")], r"ohm-prof: %s: No such file or directory" % re.escape(p("missing.c")))

# ---------------------------------------------------------------- bad command lines
U = r"ohm-prof %s: %s \(see 'ohm-prof %s --help'\)"
for cmd, args in (("top", []), ("diff", [STK]), ("stats", []), ("leaks", []), ("folded", []),
                  ("flamegraph", []), ("lines", [STK]), ("timeline", [])):
    expect_error([cmd] + args, U % (cmd, r"expects \d file arguments?, got \d", cmd))
    expect_error([cmd, "--nope", STK], U % (cmd, "unknown option '--nope'", cmd))
    expect_error([cmd, "-Z", STK], U % (cmd, "unknown option '-Z'", cmd))
    rc, o, e = run(cmd, "--help")
    check(rc == 0 and o.startswith("usage: ohm-prof %s " % cmd) and e == "", cmd + " --help", o[:100] + e)
    rc, o2, e = run("help", cmd)
    check(rc == 0 and o2 == o, "help " + cmd)
for cmd, args, msg in (
        ("top", [STK, "--key", "size"], "--key takes lineno, filename or traceback, not 'size'"),
        ("top", [STK, "--limit", "ten"], "--limit needs a whole number, not 'ten'"),
        ("top", [STK, "--limit", "-1"], "--limit needs a whole number, not '-1'"),
        ("top", [STK, "--key"], "option '--key' needs a value"),
        ("top", [STK, STK], "unexpected argument '%s'" % re.escape(STK)),
        ("diff", [STK, STK, STK], "unexpected argument '%s'" % re.escape(STK)),
        ("stats", [STK, "--json"], "unknown option '--json'"),
        ("folded", [STK, "--metric", "kg"], "--metric takes bytes or count, not 'kg'"),
        ("flamegraph", [STK], r"needs -o OUT\.html \(or -o - for standard output\)"),
        ("lines", [STK, SRC, "--unit", "GB"], "--unit takes MiB, KiB or B, not 'GB'"),
        ("lines", [STK, SRC, "--precision", "12"], "--precision takes 0..9, not '12'"),
        ("leaks", [STK, "--inverted"], "unknown option '--inverted'")):
    expect_error([cmd] + args, U % (cmd, msg, cmd))
expect_error(["zap"], r"ohm-prof: unknown command 'zap' \(see 'ohm-prof --help'\)")
rc, o, e = run()
check(rc == 2 and o == "" and e.startswith("usage: ohm-prof COMMAND"), "no command: usage on stderr, 2")
rc, o, e = run("--help")
check(rc == 0 and all(c in o for c in ("top", "diff", "stats", "leaks", "folded", "flamegraph", "lines", "timeline")),
      "--help lists every command")
rc, o, e = run("--version")
check(rc == 0 and re.fullmatch(r"ohm-prof \d+\.\d+\.\d+\n", o) is not None, "--version", o)
expect_error(["folded", STK, "-o", p("no/such/dir/x")], r"ohm-prof: .*no/such/dir/x: No such file or directory")
if os.path.exists("/dev/full"):
    rc, o, e = run("flamegraph", STK, "-o", "/dev/full")
    check(rc == 1 and e == "ohm-prof: /dev/full: write error\n", "a full disk: exit 1", "rc=%d %r" % (rc, e))

finish()
