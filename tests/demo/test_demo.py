#!/usr/bin/env python3
"""test_demo.py — `make demo` end to end (ctest `demo`).

Runs examples/demo.sh (the tour, wordfreq, ohm-prof's reports) into a scratch folder
and checks what a person would read: every chapter's key lines, with the exact numbers
where the run is deterministic (refcounts, sizes, collections, the top lines and the
diff, the word counts against Python's collections.Counter over the same text), the
format where it is not (resident memory, times, addresses); then that OUT has every
file it announces and that ohm-prof reads them: each snapshot through top, stats,
leaks and folded (whose numbers add up to the snapshot's total), the pair through
diff, the plot as XML and HTML with as many collections and marks as the tour
counted, the flame graphs as HTML naming the tour's functions.

Environment (set by CMake): BUILD_DIR, SOURCE_DIR, WORK_DIR.
"""
import collections
import json
import os
import re
import shutil
import subprocess
import sys

SRC = os.environ["SOURCE_DIR"]
BUILD = os.environ["BUILD_DIR"]
WORK = os.environ["WORK_DIR"]
PROF = os.path.join(BUILD, "ohm-prof")
sys.path.insert(0, os.path.join(SRC, "tests", "prof"))
import markup  # noqa: E402

failures = []


def check(cond, what, detail=""):
    if not cond:
        failures.append(what + (": " + detail if detail else ""))
        print("FAIL:", what, detail[:2000] if detail else "")


def has(text, line, what=None):
    check(line in text, what or "output has %r" % line)


def matches(text, pattern, what=None):
    m = re.search(pattern, text, re.M)
    check(m is not None, what or "output matches %r" % pattern)
    return m


def section(text, n):
    """The text of chapter n (its header to the next one)."""
    m = re.search(r"^== %d\. .*?(?=^== %d\. |\Z)" % (n, n + 1), text, re.M | re.S)
    check(m is not None, "chapter %d is there" % n)
    return m.group(0) if m else ""


def line_of(path, needle):
    """The number of the line of path that contains needle (exactly one)."""
    hits = [i + 1 for i, l in enumerate(open(path, encoding="utf-8")) if needle in l]
    check(len(hits) == 1, "%s: one line has %r" % (os.path.basename(path), needle), str(hits))
    return hits[0] if hits else -1


def prof(*args):
    r = subprocess.run([PROF] + list(args), capture_output=True, text=True)
    check(r.returncode == 0, "ohm-prof %s exits 0" % " ".join(args), r.stderr)
    return r.stdout


out = os.path.join(WORK, "out")
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
# from the top of the source tree, as `make demo` runs it; both streams in one pipe, as
# on a terminal (the collector's debug lines are on stderr)
r = subprocess.run(["sh", os.path.join(SRC, "examples", "demo.sh"), BUILD, out], cwd=SRC,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
text = r.stdout
check(r.returncode == 0, "demo.sh exits 0", text[-3000:])
headers = [int(n) for n in re.findall(r"^== (\d+)\. ", text, re.M)]
check(headers == list(range(1, 15)), "chapters 1..14 in order", str(headers))
long = [l for l in text.replace(out, "build/out").splitlines() if len(l) > 120]   # as make demo names it
check(not long, "no line over 120 characters", "\n".join(long))

tour_c = os.path.join(SRC, "examples", "tour.c")
wordfreq_c = os.path.join(SRC, "examples", "wordfreq.c")

# 1. the private heap: the stats table (exact counts), the resident memory (format)
s = section(text, 1)
matches(s, r"^  arenas mapped +0 +\d+ +\d+ +\d+$")
matches(s, r"^  bytes in blocks +0 +32,000,000 +32,000 +0$")
matches(s, r"^  resident memory \(KiB\) +\+0 +\+[\d,]+ +\+[\d,]+ +\+[\d,]+$")
matches(s, r"With 0\.1% of the blocks left, \d+% of the memory stays resident")

# 2. reference counts
s = section(text, 2)
for python, rc in (("l = []", 1), ("outer = [l, l]", 3), ("d = {'k': l}", 4), ("del outer", 2), ("del d['k']", 1)):
    matches(s, r"^  %s +\S.* +%d$" % (re.escape(python), rc), "refcount after %s is %d" % (python, rc))
has(s, "0: freed on the spot")
has(s, "Live objects went from 2 to 1 there and then")
has(s, "its refcount stays 3221225472")

# 3. small ints and interning
s = section(text, 3)
has(s, "256 is 256: True, immortal: yes")
has(s, "257 is 257: False (two objects)")
has(s, "'rabbit' made twice: two objects; sys.intern('rabbit') twice: one object")
has(s, "10,000 words 'wonderland': 640,000 bytes as separate strs, 64 interned")

# 4. free lists
s = section(text, 4)
has(s, "y is where x was: yes")
has(s, "Point, a user type with freelist_max = 100: 100 made and dropped, 100 made again:")
has(s, "100 of them in the dropped ones' memory, the pools untouched (0 bytes more)")
has(s, "ohm_clear_freelists(h) gave 106 blocks back")

# 5. __slots__
s = section(text, 5)
has(s, "a dict per record (a Python instance's __dict__):  208 bytes each (ohm_sizeof 208)")
has(s, "a fixed-layout ohm type (a class with __slots__):   48 bytes each (ohm_sizeof 48)")
has(s, "4.3 times less")

# 6. cycles: the collector's debug output (stderr) in its place, the callback, the counts
s = section(text, 6)
has(s, "live objects after the dels: 2")
matches(s, r"gc\.collect\(\):\ngc: collecting generation 2\.\.\.\n(gc: .*\n)*gc: done, 2 unreachable, "
        r"0 uncollectable, [\d.]+s elapsed\n  callback: start, generation 2\n  callback: stop, 2 collected, "
        r"0 uncollectable\n", "the debug lines between the call and the callback's")
has(s, "gc.collect() returned 2; live objects now: 0")
has(s, "30,000 cycles with the collector off: 60,000 objects pile up")
has(s, "it ran 29 times by itself (generation 0: 27, 1: 2, 2: 0)")
has(s, "freed 58,016 objects, and left 1,984 to the next collection")

# 7. weakrefs
s = section(text, 7)
has(s, "w() is node: True\n  del node\n    callback: the node died\n  w() is None: True")
has(s, "w() is still the node: True; gc.collect():\n    callback: the cycle's node died\n  w() is None: True")

# 8. freeze
s = section(text, 8)
matches(s, r"gc\.collect\(\) examines 200,001 objects \([\d.]+ ms\)\n  gc\.freeze\(\): 200,001 objects "
        r"moved to the permanent generation;\n  gc\.collect\(\) examines 0 objects")

# 9. explain
s = section(text, 9)
matches(s, r"ohm_gc_explain: <User 0x[0-9a-f]+> is reached through 2 references:\n"
        r"  <dict (0x[0-9a-f]+)> refcount 1, held from outside the heap graph \(1 of 1 references\)\n"
        r"  -> <Session (0x[0-9a-f]+)> refcount 1, value of key 'bob' in <dict \1>\n"
        r"  -> <User 0x[0-9a-f]+> refcount 2, field 'user' of <Session \2>\n")

# 10, 11: the top five lines and the diff, at the lines of tour.c that allocate
email = line_of(tour_c, '"user%05d@example.org"')
name = line_of(tour_c, 'ohm_object *name = ok(ohm_str_from_format(H, "user%05d", i)')
obj = line_of(tour_c, "obj3 *o = (obj3 *)ok(ohm_new(H, &t->t)")
tags = line_of(tour_c, 'ohm_object *tags = ok(ohm_list_new(H), "list")')
index = line_of(tour_c, "ohm_dict_set(index, u->f[0], &u->ob)")
s = section(text, 10)
want = ["tour.c:%d: size=303 KiB, count=5000, average=62 B" % email,
        "tour.c:%d: size=244 KiB, count=5000, average=50 B" % name,
        "tour.c:%d: size=195 KiB, count=5000, average=40 B" % obj,
        "tour.c:%d: size=195 KiB, count=4999, average=40 B" % tags,
        "tour.c:%d: size=160 KiB, count=1, average=160 KiB" % index]
got = [l.strip() for l in s.splitlines() if l.startswith("  tour.c:")]
check(got == want, "chapter 10's top five lines", "\n".join(got))
log_line = line_of(tour_c, '"GET /users/user%05d 200 %d ms"')
log_append = line_of(tour_c, "ohm_list_append(log, line)")
config = line_of(tour_c, "svc.config = ohm_malloc(H, 64 * 1024)")
log_list = line_of(tour_c, 'ohm_object *log = ok(ohm_list_new(H), "list")')
s = section(text, 11)
want = ["tour.c:%d: size=1381 KiB (+1381 KiB), count=20000 (+20000), average=71 B" % log_line,
        "tour.c:%d: size=169 KiB (+169 KiB), count=1 (+1), average=169 KiB" % log_append,
        "tour.c:%d: size=0 B (-64.0 KiB), count=0 (-1)" % config,
        "tour.c:%d: size=40 B (+40 B), count=1 (+1), average=40 B" % log_list]
got = [l.strip() for l in s.splitlines() if l.startswith("  tour.c:")]
check(got == want, "chapter 11's diff", "\n".join(got))

# 12. the recording; its counts are checked against the plot below
s = section(text, 12)
m = matches(s, r"closed (\S+)/tour\.ohmtl \([\d,]+ bytes\): a sample every\n  2 ms and at each event, a scope "
            r"per chapter, (\d+) marks, (\d+) collections\.")
nmarks, ncollections = (int(m.group(2)), int(m.group(3))) if m else (-1, -1)
check(nmarks == 7, "7 marks", str(nmarks))
has(text, "Live objects left at the end: 0\n")
check("chapter left" not in text, "no chapter leaves objects alive")

# 13. wordfreq: the counts as Python counts them
alice = open(os.path.join(SRC, "examples", "data", "alice.txt"), encoding="ascii").read()
words = re.findall(r"[a-z]+(?:'[a-z]+)*", alice.lower())
counts = collections.Counter(words)
best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
s = section(text, 13)
has(s, "%d words, %d distinct; the 10 most common:" % (len(words), len(counts)))
got = re.findall(r"^ +(\d+)\. (\S+) +(\d+)$", s, re.M)
check([(w, int(c)) for _, w, c in got] == best, "wordfreq's top 10 is Counter's", str(got))
has(s, "collections: 1 (generation 0: 1, 1: 0, 2: 0), objects collected: 0")
has(s, "after releasing everything, objects left: 0")
matches(s, r"^  total +0 +0$", "ohm_report_live's total is 0")
matches(s, r"^  traced: \d+ bytes held now, \d+ at the peak; snapshot: ")

# 14. the reports in the terminal
s = section(text, 14)
has(s, '  File "tour.c", line %d, in log_request' % log_line)
has(s, '  File "tour.c", line %d, in new_user' % email)
intern = line_of(wordfreq_c, "ohm_str_intern(h, buf, n)")
matches(s, r"^ +%d +121\.3 KiB +121\.3 KiB +2636 +ohm_object \*word = ohm_str_intern" % intern,
        "the listing's line for the interned words")
read = line_of(wordfreq_c, "ohm_malloc(h, (size_t)size + 1)")
matches(s, r"^ +%d +145\.0 KiB +145\.0 KiB +1 " % read, "the listing's line for the text")
for f in ("flamegraph.html", "flamegraph-diff.html", "timeline.html", "timeline.svg", "wordfreq-lines.txt"):
    has(s, "  " + f, "the reports name " + f)

# OUT: every file, and ohm-prof reads each
files = ["tour.ohmtl", "tour.ohmsnap", "tour-before.ohmsnap", "wordfreq.ohmsnap", "flamegraph.html",
         "flamegraph-diff.html", "timeline.svg", "timeline.html", "wordfreq-lines.txt"]
for f in files:
    check(os.path.getsize(os.path.join(out, f)) > 0 if os.path.exists(os.path.join(out, f)) else False,
          "out/%s is written" % f)
for snap in ("tour.ohmsnap", "tour-before.ohmsnap", "wordfreq.ohmsnap"):
    path = os.path.join(out, snap)
    total = json.loads(prof("top", path, "--json"))["total"]
    for cmd in ("stats", "leaks"):
        prof(cmd, path)
    folded = prof("folded", path).splitlines()
    check(sum(int(l.rsplit(" ", 1)[1]) for l in folded) == total["size"], snap + ": folded adds up to the total")
    blocks = prof("folded", path, "--metric", "count").splitlines()
    check(sum(int(l.rsplit(" ", 1)[1]) for l in blocks) == total["count"], snap + ": counts add up to the total")
prof("diff", os.path.join(out, "tour-before.ohmsnap"), os.path.join(out, "tour.ohmsnap"))
folded = prof("folded", os.path.join(out, "tour.ohmsnap"))
matches(folded, r"^main \(tour\.c:\d+\);chapter_diff \(tour\.c:\d+\);handle_requests \(tour\.c:\d+\);"
        r"log_request \(tour\.c:%d\) \d+$" % log_line, "the tour's own call stacks are in the snapshot")

svg = markup.check_svg(open(os.path.join(out, "timeline.svg"), "rb").read())
ns = "{http://www.w3.org/2000/svg}"
groups = {g.get("class"): g for g in svg.iter(ns + "g")}
check(len(groups["collections"].findall(ns + "line")) == ncollections, "the plot has a tick per collection")
check(len(groups["marks"].findall(ns + "line")) == nmarks, "the plot has a line per mark")
scopes = [t.text for t in groups["scopes"].iter(ns + "title")]
check(len(scopes) == 11 and scopes[0].startswith("1 heap:") and scopes[10].startswith("11 diff:"),
      "the plot has a bracket per recorded chapter", str(scopes))
markup.check_html(open(os.path.join(out, "timeline.html"), encoding="utf-8").read())
for f in ("flamegraph.html", "flamegraph-diff.html"):
    page = open(os.path.join(out, f), encoding="utf-8").read()
    markup.check_html(page)
    for fn in ("log_request", "new_user", "build_index"):
        has(page, fn, "%s names %s" % (f, fn))
listing = open(os.path.join(out, "wordfreq-lines.txt"), encoding="utf-8").read().splitlines()
check(listing[0].startswith("Filename: ") and listing[0].endswith("wordfreq.c"), "the listing's Filename line")
rows = [int(l.split()[0]) for l in listing if re.match(r" +\d+ ", l)]
check(rows == list(range(1, 1 + len(open(wordfreq_c).read().splitlines()))), "the listing has every line of wordfreq.c")

if failures:
    print("%d checks failed" % len(failures))
    sys.exit(1)
print("demo: every check passed")
