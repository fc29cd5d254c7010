#!/usr/bin/env python3
"""screenshots.py — the pictures of docs/python.md's profiling walkthrough, taken in
headless Chromium (`make screenshots` runs it after tests/prof/screenshots.py).

    tests/python/screenshots.py BUILD_DIR OUT_DIR

Runs examples/python/walkthrough.sh in a scratch folder (the interpreter: OHM_PYTHON,
else Debian's /usr/bin/python3.11 when present, else python3), then saves into OUT_DIR:
  python-flamegraph.png  the service's flame graph (--inverted: the allocating lines at
                         the root), the frame of service.py's parse() hovered
  python-lines.png       ohm-prof lines' listing of service.py from parse() on, as a
                         terminal shows it, the rows that hold 1 MiB or more highlighted
  python-timeline.png    the service's memory over time
Exits 77 with a line when Chromium is missing.
"""
import html
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "prof"))
from cdp import Browser  # noqa: E402

build, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
if not Browser.find():
    print("screenshots: skipped: chromium not found (Debian: apt-get install chromium)")
    sys.exit(77)
os.makedirs(out, exist_ok=True)
src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
work = tempfile.mkdtemp(prefix="ohm-pyshots-")
env = dict(os.environ)
if "OHM_PYTHON" not in env and os.path.exists("/usr/bin/python3.11"):
    env["OHM_PYTHON"] = "/usr/bin/python3.11"
subprocess.run(["sh", os.path.join(src, "examples", "python", "walkthrough.sh"), build, work],
               check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def shot(page, name, width, height):
    path = os.path.join(out, name)
    page.screenshot(path, {"x": 0, "y": 0, "width": width, "height": height})
    print("screenshots: wrote", path)


# the listing as a terminal shows it, from parse() to the end (the lines above hold
# almost nothing), the lines holding memory highlighted
listing = open(os.path.join(work, "lines.txt")).read().rstrip("\n").split("\n")
first = next(i for i, l in enumerate(listing) if re.match(r"^\s+\d+ .*@functools\.lru_cache", l))
listing = listing[:4] + ["  ..."] + listing[first - 1:]
rows = []
for line in listing:
    m = re.match(r"^\s+\d+\s+([\d.]+) MiB", line)
    hot = m and float(m.group(1)) >= 1.0
    rows.append('<span class="%s">%s</span>' % ("hot" if hot else "", html.escape(line)))
page_html = os.path.join(work, "lines.html")
with open(page_html, "w") as f:
    f.write("""<!doctype html><meta charset="utf-8"><style>
body { margin: 0; background: #1e1e1e; }
pre { margin: 0; padding: 12px 16px; font: 13px/1.35 "DejaVu Sans Mono", monospace; color: #d4d4d4; }
.hot { background: #5a3b00; color: #ffd27f; display: inline-block; width: 100%%; }
.prompt { color: #7fd47f; }
</style><pre><span class="prompt">$ ohm-prof lines service.ohmsnap service.py</span>
%s</pre>""" % "\n".join(rows))

with Browser() as b:
    page = b.new_page(1100, 470)
    page.open("file://" + os.path.join(work, "flamegraph.html"))
    at = page.eval("(() => { let b = null; for (const e of document.querySelectorAll('.frame')) {"
                   " if (!/^parse \\(service\\.py:/.test(e.textContent)) continue;"
                   " const r = e.getBoundingClientRect(); if (!b || r.width > b.width) b = r; }"
                   " return b ? [b.x + Math.min(b.width / 2, 200), b.y + b.height / 2] : [10, 10]; })()")
    page.mouse_move(at[0], at[1])
    shot(page, "python-flamegraph.png", 1100, 350)
    page = b.new_page(1000, 60 + 18 * len(listing))
    page.open("file://" + page_html)
    shot(page, "python-lines.png", 1000, 30 + 18 * len(listing))
    page = b.new_page(1000, 600)
    page.open("file://" + os.path.join(work, "timeline.svg"))
    shot(page, "python-timeline.png", 1000, 560)
