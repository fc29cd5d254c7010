#!/usr/bin/env python3
"""screenshots.py — the pictures of docs/tools.md, taken in headless Chromium.

    tests/prof/screenshots.py BUILD_DIR OUT_DIR      (what `make screenshots` runs)

Runs examples/demo.sh (the tour, wordfreq, ohm-prof's reports: what `make demo` shows)
in a scratch folder, as `make demo` would from the top of the tree (so the pages name
build/out/... as a person sees them), opens the tour's pages as a person would (a frame
hovered, a search typed, a point of the plot under the pointer) and saves PNGs into
OUT_DIR:
  flamegraph.png         the tour's flame graph, the frame "log_request" hovered
  flamegraph-search.png  zoomed into chapter_top_lines, the search "new_user" highlighted
  flamegraph-diff.png    --diff tour-before.ohmsnap: growth red, shrinkage blue
  timeline.png           the tour's timeline, the pointer at the traced memory's peak
Exits 77 with a line when Chromium is missing.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

build, out = sys.argv[1], sys.argv[2]
if not Browser.find():
    print("screenshots: skipped: chromium not found (Debian: apt-get install chromium)")
    sys.exit(77)
os.makedirs(out, exist_ok=True)
src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
work = tempfile.mkdtemp(prefix="ohm-shots-")
subprocess.run(["sh", os.path.join(src, "examples", "demo.sh"), os.path.abspath(build), "build/out"],
               cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
pages = os.path.join(work, "build", "out")
fg, fgd = os.path.join(pages, "flamegraph.html"), os.path.join(pages, "flamegraph-diff.html")


def frame_center(page, name):
    """The middle of the widest frame of that function (a function has a frame per line)."""
    return page.eval("(() => { let b = null; for (const e of document.querySelectorAll('.frame[data-name=\"%s\"]')) {"
                     " const r = e.getBoundingClientRect(); if (!b || r.width > b.width) b = r; }"
                     " return [b.x + b.width / 2, b.y + b.height / 2]; })()" % name)


def shot(page, name, height):
    path = os.path.join(out, name)
    page.screenshot(path, {"x": 0, "y": 0, "width": 1100, "height": height})
    print("screenshots: wrote", path)


with Browser() as b:
    page = b.new_page(1100, 460)
    page.open("file://" + fg)
    page.mouse_move(*frame_center(page, "log_request"))
    shot(page, "flamegraph.png", 330)
    page.mouse_move(1090, 450)
    page.click(*frame_center(page, "chapter_top_lines"))
    page.click(*page.center("#search"))
    page.type("new_user")
    page.mouse_move(1090, 450)
    shot(page, "flamegraph-search.png", 300)
    page.open("file://" + fgd)
    page.mouse_move(*frame_center(page, "log_request"))
    shot(page, "flamegraph-diff.png", 330)
    page = b.new_page(1060, 640)
    page.open("file://" + os.path.join(pages, "timeline.html"))
    # the pointer at the sample where the traced memory peaked
    at = page.eval("(() => { const D = JSON.parse(document.getElementById('ohm-data').textContent);"
                   " let s = D.samples[0]; for (const x of D.samples) if (x[1] > s[1]) s = x;"
                   " const svg = document.getElementById('plot'); const p = svg.createSVGPoint();"
                   " p.x = D.left + (s[0] - D.t0) / (D.t1 - D.t0) * (D.right - D.left); p.y = (D.top + D.bottom) / 2;"
                   " const q = p.matrixTransform(svg.getScreenCTM()); return [q.x, q.y]; })()")
    page.mouse_move(at[0], at[1])
    page.screenshot(os.path.join(out, "timeline.png"), {"x": 0, "y": 0, "width": 1060, "height": 615})
    print("screenshots: wrote", os.path.join(out, "timeline.png"))
