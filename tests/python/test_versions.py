#!/usr/bin/env python3
"""test_versions.py — ohm-python with every CPython this machine has.

Run by ctest (python_versions) with OHM_PYTHON_BIN in the environment. The
interpreters: python3.N on PATH and in /usr/bin, and pyenv's (~/.pyenv/versions/*/bin/python*.*),
each real executable once. For each, a smoke run under ohm with OHM_MALLOC=debug
(a dict, json, 4 threads; sys.getallocatedblocks() 0: ohm served every block); before
3.7 and for Python 2, the refusal instead; from 3.12 on, a subinterpreter sharing the
GIL runs and one with its own GIL is refused. Prints one line per interpreter; exit 77
(skipped) when none is found. Ends with "N passed, N failed".
"""
import glob
import os
import re
import shutil
import subprocess
import sys

OHM = os.environ["OHM_PYTHON_BIN"]
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checklib import check, clean_env, finish  # noqa: E402


def env():
    return clean_env(OHM_MALLOC="debug")


cands = [shutil.which("python3.%d" % n) for n in range(6, 16)]
cands += ["/usr/bin/python3.%d" % n for n in range(6, 16)]
cands += glob.glob(os.path.expanduser("~/.pyenv/versions/*/bin/python[23].*[0-9]"))
seen, pythons = set(), []
for c in cands:
    if not c or not os.path.exists(c):
        continue
    p = subprocess.run([c, "-c", "import sys; print('%d.%d' % sys.version_info[:2]); "
                        "print(sys.executable)"], capture_output=True, text=True)
    if p.returncode == 0:     # (a pyenv shim of an inactive version fails here)
        ver, exe = p.stdout.split("\n")[:2]
        if os.path.realpath(exe) not in seen:
            seen.add(os.path.realpath(exe))
            pythons.append((tuple(int(x) for x in ver.split(".")), os.path.realpath(exe)))
if not pythons:
    print("skipped: no python3.N found")
    sys.exit(77)

SMOKE = ("import sys, json, threading\n"
         "d = {i: str(i) * 3 for i in range(50000)}; s = json.dumps(d)\n"
         "t = [threading.Thread(target=lambda: [list(range(100)) for _ in range(2000)]) for _ in range(4)]\n"
         "[x.start() for x in t]; [x.join() for x in t]\n"
         "print(len(s), sys.getallocatedblocks())")
for ver, py in sorted(pythons):
    r = subprocess.run([OHM, "--python", py, "-c", SMOKE], capture_output=True, text=True, env=env())
    name = "%d.%d (%s)" % (ver + (py,))
    if ver < (3, 7):
        ok = r.returncode == 125 and r.stdout == "" and re.fullmatch(
            r"ohm-python: \S+ (is Python \d\.\d: before 3\.7 .*|does not export PyMem_SetAllocator.*)\n",
            r.stderr) is not None
        check(ok, "%s is refused" % name, "rc=%d %r %r" % (r.returncode, r.stdout, r.stderr))
        print("%-60s refused" % name)
        continue
    check(r.returncode == 0 and r.stdout == "1355560 0\n" and r.stderr == "",
          "%s runs on ohm (debug mode, threads)" % name,
          "rc=%d %r %r" % (r.returncode, r.stdout, r.stderr[-2000:]))
    sub = ""
    if ver >= (3, 12):
        if ver >= (3, 13):
            shared = "import _interpreters as i; x = i.create('legacy'); i.exec(x, 'print(1)'); i.destroy(x)"
            own = "import _interpreters as i; i.create()"
        else:
            shared = ("import _xxsubinterpreters as i; x = i.create(isolated=False); "
                      "i.run_string(x, 'print(1)'); i.destroy(x)")
            own = "import _xxsubinterpreters as i; i.create(isolated=True)"
        r = subprocess.run([OHM, "--python", py, "-c", shared], capture_output=True, text=True, env=env())
        check(r.returncode == 0 and r.stdout == "1\n", "%s: a shared-GIL subinterpreter runs" % name,
              "rc=%d %r %r" % (r.returncode, r.stdout, r.stderr[-2000:]))
        r = subprocess.run([OHM, "--python", py, "-c", own], capture_output=True, text=True, env=env())
        check(r.returncode == 1 and "ohm-python: a subinterpreter with its own GIL would use ohm's "
              "one heap from two threads at once" in r.stderr,
              "%s: an own-GIL subinterpreter is refused" % name,
              "rc=%d %r %r" % (r.returncode, r.stdout, r.stderr[-2000:]))
        sub = "; own-GIL subinterpreter refused"
    print("%-60s on ohm%s" % (name, sub))

finish()
