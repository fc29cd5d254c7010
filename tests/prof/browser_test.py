#!/usr/bin/env python3
"""browser_test.py — ohm-prof's pages as a person uses them, in headless Chromium.

The flame graph of gen_snapshots' stacks.ohmsnap: find the frame "tokenize", hover it
and read its tooltip; click it and see the zoom; reset; type in the search box and see
the highlight and the matched share; switch the orientation. The timeline page of
gen_plot: hover the plot at 1 s and read the values. Chromium runs through cdp.py.

Exit 77 (ctest's SKIP_RETURN_CODE) with one line when Chromium is not installed
(Debian: apt-get install chromium; .ci/run installs it). Same environment as
test_prof.py. Ends with "N passed, N failed".
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, BrowserError  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checklib import check, clean_env, finish  # noqa: E402


chromium = Browser.find()
if not chromium:
    print("SKIP: chromium not found, so the pages were not opened in a browser (Debian: apt-get install chromium)")
    sys.exit(77)

PROF = os.environ["OHM_PROF"]
WORK = os.path.join(os.environ["WORK_DIR"], "prof_browser")
os.makedirs(WORK, exist_ok=True)
subprocess.run([os.environ["GEN_SNAPSHOTS"], WORK], check=True)
subprocess.run([os.environ["GEN_PLOT"], os.path.join(WORK, "plot.svg"), os.path.join(WORK, "plot.html")], check=True)
FG = os.path.join(WORK, "fg.html")
subprocess.run([PROF, "flamegraph", os.path.join(WORK, "stacks.ohmsnap"), "-o", FG, "--title", "browser test"],
               check=True)


def frame(page, name):
    """Index of the frame element whose function is name, its text and its box."""
    return page.eval("(() => { const e = document.querySelector('.frame[data-name=%s]'); if (!e) return null;"
                     " const r = e.getBoundingClientRect();"
                     " return {id: +e.dataset.id, text: e.textContent, x: r.x, y: r.y, w: r.width, h: r.height}; })()"
                     % json.dumps(name))


try:
    with Browser(chromium) as b:
        page = b.new_page(1200, 700)
        page.open("file://" + FG)
        check(page.eval("document.title") == "browser test", "flame graph: the title")
        f = frame(page, "tokenize")
        check(f is not None and f["text"] == "tokenize (parse.py:5)" and f["w"] > 100, "the frame 'tokenize' is drawn", f)
        width_before = f["w"] if f else 0
        check(page.eval("document.getElementById('hidden').textContent") == "1 frame under 0.1% hidden",
              "the 5-byte frame is hidden (0.05% of the total)")

        # hover: the tooltip names the frame and gives its numbers
        page.mouse_move(f["x"] + f["w"] / 2, f["y"] + f["h"] / 2)
        tip = page.eval("(() => { const t = document.getElementById('tooltip');"
                        " return {shown: getComputedStyle(t).display, text: t.innerText}; })()")
        check(tip["shown"] == "block", "the tooltip shows on hover", tip)
        for want in ("tokenize", "parse.py:5", "5.86 KiB (6,000 B)", "blocks\t2", "57.12% of the total"):
            check(want in tip["text"], "the tooltip says %r" % want, tip["text"])

        # click: zoom into the frame, it takes the whole width
        page.click(f["x"] + f["w"] / 2, f["y"] + f["h"] / 2)
        zoomed = frame(page, "tokenize")
        chart_w = page.eval("document.getElementById('chart').clientWidth")
        check(page.eval("document.getElementById('chart').dataset.zoom") == str(f["id"]), "clicking zooms into it")
        check(zoomed and abs(zoomed["w"] - chart_w) <= 2 and zoomed["w"] > width_before * 1.5,
              "the zoomed frame fills the width", (zoomed, chart_w))
        check(frame(page, "read_chunk") is None, "its sibling is gone while zoomed")
        check(page.eval("document.getElementById('crumbs').textContent").endswith("tokenize (parse.py:5)"),
              "the breadcrumbs name the zoomed frame")
        page.click(*page.center("#reset"))
        check(page.eval("document.getElementById('chart').dataset.zoom") == "0", "reset unzooms")
        check(frame(page, "read_chunk") is not None and abs(frame(page, "tokenize")["w"] - width_before) < 1,
              "after reset the frames are back", frame(page, "tokenize"))

        # search: matching frames highlighted, their share of the total given once
        page.click(*page.center("#search"))
        page.type("load")
        matches = page.eval("[...document.querySelectorAll('.frame.match')].map(e => e.dataset.name).sort()")
        check(matches == ["load", "read_chunk"], "typing 'load' highlights the frames of load.py", matches)
        colour = page.eval("getComputedStyle(document.querySelector('.frame.match')).backgroundColor")
        check(colour == "rgb(224, 64, 251)", "highlighted frames are magenta", colour)
        matched = page.eval("document.getElementById('matched').textContent")
        check(matched == "Matched: 95.19% (9.77 KiB)", "the matched share counts nested matches once", matched)
        page.key("Escape", "Escape", 27)
        check(page.eval("document.querySelectorAll('.frame.match').length") == 0
              and page.eval("document.getElementById('search').value") == "", "Esc clears the search")

        # orientation: flame puts the root at the bottom
        top_icicle = frame(page, "main")["y"]
        page.click(*page.center("#orient"))
        check(page.eval("document.getElementById('chart').dataset.orientation") == "flame", "the toggle switches to flame")
        check(frame(page, "main")["y"] > frame(page, "tokenize")["y"] and frame(page, "main")["y"] > top_icicle,
              "in flame orientation callers are below their callees")

        # the timeline page: the values of the sample under the pointer
        page.open("file://" + os.path.join(WORK, "plot.html"))
        at = page.eval("(() => { const D = JSON.parse(document.getElementById('ohm-data').textContent);"
                       " const svg = document.getElementById('plot'); const p = svg.createSVGPoint();"
                       " p.x = D.left + (1.0 - D.t0) / (D.t1 - D.t0) * (D.right - D.left); p.y = (D.top + D.bottom) / 2;"
                       " const q = p.matrixTransform(svg.getScreenCTM()); return [q.x, q.y]; })()")
        page.mouse_move(at[0] + 1, at[1])
        rows = page.eval("(() => { const b = document.getElementById('readout'); const o = {shown: getComputedStyle(b).display};"
                         " for (const r of b.querySelectorAll('tr')) o[r.dataset.key] = r.cells[1].textContent; return o; })()")
        want = {"shown": "block", "t": "1.000 s", "traced": "10.00 MiB", "peak": "10.00 MiB", "rss": "25.00 MiB",
                "arenas": "2", "pools": "100", "objects": "1000"}
        check(rows == want, "timeline: hovering at 1 s reads that sample", rows)
except BrowserError as e:
    check(False, "the browser session", e)

finish()
