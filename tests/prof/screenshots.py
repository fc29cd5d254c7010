#!/usr/bin/env python3
"""screenshots.py — the pictures of docs/tools.md, taken in headless Chromium.

    tests/prof/screenshots.py BUILD_DIR OUT_DIR      (what `make screenshots` runs)

Makes gen_snapshots' word-counter snapshots (demo_old, demo) and gen_plot's timeline in
a scratch folder, draws them with BUILD_DIR's ohm-prof, opens each page as a person
would (a frame hovered, a search typed, a point of the plot under the pointer) and
saves PNGs into OUT_DIR:
  flamegraph.png         the flame graph, the frame "tally" hovered
  flamegraph-search.png  the search "dict" highlighted, zoomed into count_words
  flamegraph-diff.png    --diff demo_old: growth red, shrinkage blue
  timeline.png           the timeline page, the pointer at 1.5 s
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
work = tempfile.mkdtemp(prefix="ohm-shots-")
prof = os.path.abspath(os.path.join(build, "ohm-prof"))
subprocess.run([os.path.join(build, "tests", "prof", "prof_gen_snapshots"), work], check=True)
subprocess.run([os.path.join(build, "tests", "prof", "prof_gen_plot"), os.path.join(work, "plot.svg"),
                os.path.join(work, "plot.html")], check=True)
fg, fgd = os.path.join(work, "fg.html"), os.path.join(work, "fg-diff.html")
# run where the snapshots are, so the pages name them as a person would type them
subprocess.run([prof, "flamegraph", "demo.ohmsnap", "-o", fg, "--title", "wordcount.py: memory held after counting"],
               check=True, cwd=work)
subprocess.run([prof, "flamegraph", "demo.ohmsnap", "-o", fgd, "--diff", "demo_old.ohmsnap",
                "--title", "wordcount.py: what grew"], check=True, cwd=work)


def frame_center(page, name):
    return page.eval("(() => { const r = document.querySelector('.frame[data-name=\"%s\"]').getBoundingClientRect();"
                     " return [r.x + r.width / 2, r.y + r.height / 2]; })()" % name)


def shot(page, name, height):
    path = os.path.join(out, name)
    page.screenshot(path, {"x": 0, "y": 0, "width": 1100, "height": height})
    print("screenshots: wrote", path)


with Browser() as b:
    page = b.new_page(1100, 460)
    page.open("file://" + fg)
    x, y = frame_center(page, "tally")
    page.mouse_move(x, y)
    shot(page, "flamegraph.png", 330)
    page.click(*frame_center(page, "count_words"))
    page.click(*page.center("#search"))
    page.type("dict")
    page.mouse_move(1090, 450)
    shot(page, "flamegraph-search.png", 300)
    page.open("file://" + fgd)
    page.mouse_move(*frame_center(page, "split"))
    shot(page, "flamegraph-diff.png", 330)
    page = b.new_page(1060, 640)
    page.open("file://" + os.path.join(work, "plot.html"))
    at = page.eval("(() => { const D = JSON.parse(document.getElementById('ohm-data').textContent);"
                   " const svg = document.getElementById('plot'); const p = svg.createSVGPoint();"
                   " p.x = D.left + (1.5 - D.t0) / (D.t1 - D.t0) * (D.right - D.left); p.y = (D.top + D.bottom) / 2;"
                   " const q = p.matrixTransform(svg.getScreenCTM()); return [q.x, q.y]; })()")
    page.mouse_move(at[0], at[1])
    page.screenshot(os.path.join(out, "timeline.png"), {"x": 0, "y": 0, "width": 1060, "height": 600})
    print("screenshots: wrote", os.path.join(out, "timeline.png"))
