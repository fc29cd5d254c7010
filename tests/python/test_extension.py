#!/usr/bin/env python3
"""test_extension.py — a C extension's memory errors found with OHM_MALLOC=debug.

Run by ctest (python_extension) with OHM_PYTHON_BIN, PYTHON, CC and WORK_DIR in the
environment. Builds badmem.c (a PyMem_Malloc block overrun by one byte, a double
free, and the same calls made correctly) against the interpreter's own headers, then
runs each under `OHM_MALLOC=debug ohm-python` and checks ohm's fatal message; with
OHM_TRACEMALLOC too, the message names where the block was allocated. Without
Python.h (Debian: libpython3-dev) it is skipped: exit 77 with a line saying so.
Prints each message (docs/python.md shows them). Ends with "N passed, N failed".
"""
import os
import re
import shutil
import subprocess
import sys

OHM = os.environ["OHM_PYTHON_BIN"]
PY = subprocess.run([os.environ["PYTHON"], "-c", "import sys; print(sys.executable)"],
                    capture_output=True, text=True, check=True).stdout.strip()
CC = os.environ.get("CC") or shutil.which("cc")
HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(os.environ["WORK_DIR"], "python_extension")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checklib import check, clean_env, finish  # noqa: E402


inc, suffix = subprocess.run(
    [PY, "-c", "import sysconfig; print(sysconfig.get_paths()['include']); "
     "print(sysconfig.get_config_var('EXT_SUFFIX'))"],
    capture_output=True, text=True, check=True).stdout.split("\n")[:2]
if not os.path.exists(os.path.join(inc, "Python.h")):
    print("skipped: no Python.h in %s (Debian: apt-get install libpython3-dev)" % inc)
    sys.exit(77)
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
mod = os.path.join(WORK, "badmem" + suffix)
b = subprocess.run([CC, "-shared", "-fPIC", "-O1", "-g", "-fno-omit-frame-pointer", "-I", inc,
                    os.path.join(HERE, "badmem.c"), "-o", mod], capture_output=True, text=True)
if b.returncode:
    check(False, "building badmem", b.stderr)
    finish()


def run(code, **env):
    e = clean_env(PYTHONPATH=WORK, **env)
    p = subprocess.run([OHM, "--python", PY, "-c", "import badmem; " + code],
                       capture_output=True, text=True, env=e, cwd=WORK, timeout=120)
    return p.returncode, p.stdout, p.stderr


def show(title, r):
    print("---- %s: exit %d\n%s" % (title, r[0], r[2]), end="" if r[2].endswith("\n") else "\n")


r = run("print(badmem.clean())", OHM_MALLOC="debug")
check(r[0] == 0 and r[1] == "240\n" and r[2] == "", "the correct calls run clean in debug mode",
      "rc=%d %r %r" % r)

r = run("badmem.overrun(1)", OHM_MALLOC="debug")
show("OHM_MALLOC=debug: overrun", r)
check(r[0] == -6 and re.search(r"ohm: fatal error: \w+: buffer overrun \(bytes after the block "
                               r"were overwritten\)", r[2]) is not None,
      "an overrun of a PyMem_Malloc block: ohm's message, then abort", "rc=%d %r" % (r[0], r[2]))

r = run("badmem.double_free()", OHM_MALLOC="debug")
show("OHM_MALLOC=debug: double free", r)
check(r[0] == -6 and re.search(r"ohm: fatal error: \w+: double free \(the block was already "
                               r"freed\)", r[2]) is not None,
      "a double free of a PyMem_Malloc block: ohm's message, then abort", "rc=%d %r" % (r[0], r[2]))

r = run("badmem.overrun(1)", OHM_MALLOC="debug", OHM_TRACEMALLOC="16")
show("OHM_MALLOC=debug OHM_TRACEMALLOC=16: overrun", r)
check(r[0] == -6 and "buffer overrun" in r[2] and "badmem_overrun" in r[2],
      "while tracing, the message names the extension function that allocated the block",
      "rc=%d %r" % (r[0], r[2]))

finish()
