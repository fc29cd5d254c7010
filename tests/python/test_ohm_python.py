#!/usr/bin/env python3
"""test_ohm_python.py — ohm-python as its users run it (docs/python.md).

Run by ctest (python_launcher) with OHM_PYTHON_BIN (the launcher), PYTHON (the
interpreter it runs), CC and WORK_DIR in the environment. Checks: a script, -m and -c
with their arguments; exit statuses and signals passing through; that ohm serves the
memory (sys.getallocatedblocks() stays 0: pymalloc never gets a block, not even
before the switch); the RSS kept after a spike against plain CPython (both printed);
OHM_MALLOCSTATS, OHM_TRACEMALLOC, OHM_MALLOC=debug; a child started with
sys.executable, multiprocessing and os.fork under ohm too; threads; subinterpreters
where the interpreter has them; and each refusal's one line and exit status 125.
Ends with "N passed, N failed"; exit 1 when anything failed.
"""
import os
import re
import shutil
import subprocess
import sys
import textwrap

OHM = os.environ["OHM_PYTHON_BIN"]
# the interpreter itself, not a shim script in front of it (pyenv's): faster, and what
# sys.executable names; the shim, python3 from PATH, is checked once below
PY = subprocess.run([os.environ["PYTHON"], "-c", "import sys; print(sys.executable)"],
                    capture_output=True, text=True, check=True).stdout.strip()
HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(os.environ["WORK_DIR"], "python_launcher")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checklib import check, clean_env, finish  # noqa: E402


def ohm(*args, env=None, cwd=None, timeout=300):
    p = subprocess.run([OHM, "--python", PY] + list(args), capture_output=True, text=True,
                       env=env or clean_env(), cwd=cwd or WORK, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def plain(*args, env=None):
    p = subprocess.run([PY] + list(args), capture_output=True, text=True, env=env or clean_env(),
                       cwd=WORK, timeout=300)
    return p.returncode, p.stdout, p.stderr


def detail(rc, out, err):
    return "rc=%d\n--- stdout\n%s--- stderr\n%s" % (rc, out[-3000:], err[-3000:])


def refused(rc, out, err, pattern, what):
    ok = rc == 125 and out == "" and err.count("\n") == 1 and \
        re.fullmatch("ohm-python: " + pattern, err.rstrip("\n")) is not None
    check(ok, what, detail(rc, out, err) + "want /%s/" % pattern)


def write(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
ON_OHM = "import sys; print(sys.getallocatedblocks())"   # 0: pymalloc served nothing

# ------------------------------------------------ a script, -m, -c, their arguments
write("probe.py", """\
    import sys
    print(sys.argv[1:], sys.getallocatedblocks())
    """)
r = ohm("probe.py", "a", "-c", "--x")
check(r[0] == 0 and r[1] == "['a', '-c', '--x'] 0\n", "a script and its arguments", detail(*r))
r = ohm("-m", "probe", "b", "c")
check(r[0] == 0 and r[1] == "['b', 'c'] 0\n", "-m module and its arguments", detail(*r))
r = ohm("-c", "import sys; print(sys.argv[1:], sys.getallocatedblocks())", "d")
check(r[0] == 0 and r[1] == "['d'] 0\n", "-c code and its arguments", detail(*r))
r = ohm("-S", "-u", "-W", "ignore", "-X", "utf8", "-c", ON_OHM)
check(r[0] == 0 and r[1] == "0\n", "python's own options before -c", detail(*r))
r = plain("-c", ON_OHM)
check(r[0] == 0 and int(r[1]) > 0, "plain CPython: pymalloc serves blocks (the 0s above mean ohm)", detail(*r))
env = clean_env(OHM_PYTHON=PY)
p = subprocess.run([OHM, "-c", "import sys; print(sys.executable == %r or sys.executable)" % PY],
                   capture_output=True, text=True, env=env, cwd=WORK)
check(p.returncode == 0 and p.stdout == "True\n", "OHM_PYTHON names the interpreter", p.stdout + p.stderr)
p = subprocess.run([OHM, "--python=" + PY, "-c", ON_OHM], capture_output=True, text=True,
                   env=clean_env(), cwd=WORK)
check(p.returncode == 0 and p.stdout == "0\n", "--python=PATH", p.stdout + p.stderr)
libm = "libm.so.6"
r = ohm("-c", "import os; print(os.environ['LD_PRELOAD'].split(':'))",
        env=clean_env(LD_PRELOAD=libm))
check(r[0] == 0 and re.fullmatch(r"\['/\S+/libohm-python\.so', '%s'\]\n" % libm, r[1]) is not None,
      "LD_PRELOAD: ours first, the user's kept", detail(*r))
r = ohm("-c", "import subprocess, sys; subprocess.run([%r, '--python', sys.executable, '-c', "
        "'import os; print(os.environ[\"LD_PRELOAD\"].count(\"libohm-python\"))'])" % OHM)
check(r[0] == 0 and r[1] == "1\n", "ohm-python inside ohm-python: the library preloaded once", detail(*r))
r = ohm("-c", "import sys; print(sys.executable)")
check(r[0] == 0 and os.path.samefile(r[1].strip(), PY), "sys.executable is the interpreter", detail(*r))
p = subprocess.run([OHM, "-c", ON_OHM], capture_output=True, text=True, cwd=WORK, env=clean_env())
check(p.returncode == 0 and p.stdout == "0\n", "no --python, no OHM_PYTHON: python3 from PATH "
      "(%s)" % shutil.which("python3"), p.stdout + p.stderr)

# ------------------------------------------------------------- exit statuses
for code, status in (("import sys; sys.exit(3)", 3), ("raise SystemExit(0)", 0),
                     ("raise ValueError('x')", 1), ("import os; os._exit(42)", 42),
                     ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", -9)):
    r = ohm("-c", code)
    check(r[0] == status, "exit status of %r is %d" % (code, status), detail(*r))
r = ohm("-c", "raise ValueError('boom')")
check("ValueError: boom" in r[2], "a traceback on stderr", detail(*r))

# --------------------------------------------------- memory handed back after a spike
rp = plain(os.path.join(HERE, "spike.py"))
ro = ohm(os.path.join(HERE, "spike.py"))
m_p = re.match(r"peak=(\d+) kept=(\d+) survivors=1000", rp[1])
m_o = re.match(r"peak=(\d+) kept=(\d+) survivors=1000", ro[1])
check(m_p and m_o, "the spike runs both ways", detail(*rp) + detail(*ro))
if m_p and m_o:
    pp, kp, po, ko = (int(x) for x in m_p.groups() + m_o.groups())
    print("spike (1M tuples, 99.9%% dropped, gc.collect()): plain CPython keeps %d of %d KiB "
          "(%.0f%%), ohm keeps %d of %d KiB (%.0f%%)" % (kp, pp, 100 * kp / pp, ko, po, 100 * ko / po))
    check(ko < kp, "ohm keeps less RSS than pymalloc after the spike",
          "plain kept %d KiB, ohm %d KiB" % (kp, ko))

# ------------------------------------------------------------- the OHM_* variables
r = ohm("-c", "x = [(i,) for i in range(100000)]", env=clean_env(OHM_MALLOCSTATS="1"))
check(r[0] == 0 and "Small block threshold = 512" in r[2] and "# arenas allocated total" in r[2]
      and re.search(r"# bytes in allocated blocks +=", r[2]),
      "OHM_MALLOCSTATS=1 prints ohm's statistics at exit", detail(*r))
r = ohm("-c", "print('quiet')")
check(r[0] == 0 and r[2] == "", "nothing on stderr without OHM_* variables", detail(*r))
r = ohm("-c", "keep = [str(i) * 10 for i in range(20000)]", env=clean_env(OHM_TRACEMALLOC="1"))
m = re.search(r"traced memory at exit: current (\d+) B, peak (\d+) B", r[2])
check(r[0] == 0 and m and int(m.group(2)) >= int(m.group(1)) > 0
      and (re.search(r"top \d+ of \d+ allocation sites still holding memory:\n.*size=", r[2])
           or "every traced block was freed by exit" in r[2]),
      "OHM_TRACEMALLOC=1 traces and reports at exit", detail(*r))
r = ohm("-c", "import tracemalloc; tracemalloc.start(); x = [object() for i in range(1000)];"
        "print(tracemalloc.get_traced_memory()[0] > 0)")
check(r[0] == 0 and r[1] == "True\n", "Python's own tracemalloc works on top of ohm", detail(*r))
r = ohm("-c", "x = {i: [i] for i in range(50000)}; print(len(x))", env=clean_env(OHM_MALLOC="debug"))
check(r[0] == 0 and r[1] == "50000\n", "OHM_MALLOC=debug runs a clean program", detail(*r))
r = ohm("-c", "print(sum(len(str(i)) for i in range(10000)))", env=clean_env(OHM_MALLOC="malloc"))
check(r[0] == 0 and r[1] == "38890\n", "OHM_MALLOC=malloc", detail(*r))
tl = os.path.join(WORK, "run.ohmtl")
r = ohm("-c", "import os, subprocess, sys; x = [str(i) for i in range(200000)];"
        "print('OHM_TIMELINE' in os.environ); subprocess.run([sys.executable, '-c', 'x = list(range(10**5))'])",
        env=clean_env(OHM_TIMELINE=tl + ":1"))
prof = os.path.join(os.path.dirname(OHM), "ohm-prof")
t = subprocess.run([prof, "timeline", tl, "-o", tl + ".svg"] if os.path.exists(prof) else ["true"],
                   capture_output=True, text=True)
check(r[0] == 0 and r[1] == "False\n" and os.path.getsize(tl) > 0 and t.returncode == 0,
      "OHM_TIMELINE records the program (not its children) into a file ohm-prof reads",
      detail(*r) + "ohm-prof: rc=%d %s" % (t.returncode, t.stderr))
r = ohm("-c", "1", env=clean_env(OHM_MALLOC="bogus"))
refused(*r, r"OHM_MALLOC: unknown value; expected one of debug, malloc, pymalloc, malloc_debug, "
        r"pymalloc_debug", "a bad OHM_MALLOC is refused")

# ---------------------------------------------------------- child processes, fork
CHILD = ("import sys; print(sys.getallocatedblocks(), "
         "any('libohm-python' in l for l in open('/proc/self/maps')))")
r = ohm("-c", "import subprocess, sys; print(subprocess.run([sys.executable, '-c', %r],"
        "capture_output=True, text=True).stdout, end='')" % CHILD)
check(r[0] == 0 and r[1] == "0 True\n", "a child started with sys.executable runs on ohm", detail(*r))
write("pool.py", """\
    import multiprocessing as mp, sys
    def work(n):
        return sum(len(str(i)) for i in range(n)), sys.getallocatedblocks()
    if __name__ == '__main__':
        for method in ('fork', 'spawn'):
            with mp.get_context(method).Pool(2) as p:
                print(method, p.map(work, [1000, 2000]))
    """)
r = ohm("pool.py", timeout=120)
check(r[0] == 0 and r[1] == "fork [(2890, 0), (6890, 0)]\nspawn [(2890, 0), (6890, 0)]\n",
      "multiprocessing's workers (fork, spawn) run on ohm", detail(*r))
r = ohm("-c", textwrap.dedent("""\
    import os
    keep = [list(range(10)) for _ in range(10000)]
    pid = os.fork()
    if pid == 0:
        del keep[::2]
        more = [str(i) for i in range(100000)]
        os._exit(0 if len(keep) == 5000 and more[-1] == '99999' else 1)
    _, status = os.waitpid(pid, 0)
    del keep[1::2]
    print(os.waitstatus_to_exitcode(status) if hasattr(os, 'waitstatus_to_exitcode') else status, len(keep))
    """), env=clean_env(OHM_MALLOC="debug"))
check(r[0] == 0 and r[1] == "0 5000\n", "os.fork: parent and child go on with their copies of the heap",
      detail(*r))

# ------------------------------------------------------------------------- threads
THREADS = textwrap.dedent("""\
    import sys, threading
    sys.setswitchinterval(1e-6)      # hand the GIL over as often as possible
    out = [None] * 8
    def work(k):
        d = {}
        for i in range(20000):
            d[(k, i)] = [str(i)] * (i % 7)
            if i % 3 == 0:
                del d[(k, i)]
        out[k] = sum(len(v) for v in d.values())
    ts = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in ts: t.start()
    for t in ts: t.join()
    print(len(set(out)), out[0], sys.getallocatedblocks())
    """)
# plain CPython's answer, with 0 blocks from pymalloc for ohm's
THREADS_OUT = " ".join(plain("-c", THREADS)[1].split()[:2]) + " 0\n"
for mode in ("", "debug"):
    r = ohm("-c", THREADS, env=clean_env(OHM_MALLOC=mode) if mode else None)
    check(r[0] == 0 and r[1] == THREADS_OUT, "8 threads churning dicts and lists%s" %
          (" (OHM_MALLOC=debug)" if mode else ""), detail(*r))
r = ohm("-c", THREADS, env=clean_env(OHM_TRACEMALLOC="4"))
check(r[0] == 0 and r[1] == THREADS_OUT and "traced memory at exit" in r[2],
      "threads while tracing", detail(*r))

# ---------------------------------------------------------------- subinterpreters
probe = plain("-c", "import sys, importlib.util as u; print(sys.version_info[0] * 100 + "
              "sys.version_info[1], *(m for m in ('_xxsubinterpreters', '_interpreters') if u.find_spec(m)))")
ver, mods = int(probe[1].split()[0]), probe[1].split()[1:]
SHARED = OWN = None
if "_interpreters" in mods:           # 3.13+: create() makes an own-GIL one
    SHARED = "import _interpreters as i; x = i.create('legacy'); i.exec(x, 'print(1)'); i.destroy(x)"
    OWN = "import _interpreters as i; i.create()"
elif "_xxsubinterpreters" in mods and ver >= 312:
    SHARED = ("import _xxsubinterpreters as i; x = i.create(isolated=False); i.run_string(x, 'print(1)');"
              "i.destroy(x)")
    OWN = "import _xxsubinterpreters as i; i.create(isolated=True)"
elif "_xxsubinterpreters" in mods:    # before 3.12 every subinterpreter shares the one GIL
    SHARED = "import _xxsubinterpreters as i; x = i.create(); i.run_string(x, 'print(1)'); i.destroy(x)"
if SHARED:
    r = ohm("-c", SHARED)
    check(r[0] == 0 and r[1] == "1\n", "a subinterpreter sharing the GIL runs on ohm", detail(*r))
if OWN:
    r = ohm("-c", OWN)
    check(r[0] == 1 and "ohm-python: a subinterpreter with its own GIL would use ohm's one heap "
          "from two threads at once; create it with a shared GIL" in r[2],
          "a subinterpreter with its own GIL is refused", detail(*r))
print("subinterpreters: %s" % ("own GIL refused, shared GIL runs" if OWN else
                               "shared GIL runs (this Python has no own-GIL ones)" if SHARED else
                               "not in this Python"))

# ------------------------------------------------------------------------ refusals
r = ohm("-c", "1", env=clean_env(PYTHONMALLOC="debug"))
refused(*r, r"PYTHONMALLOC=debug is set: CPython would put its own allocators in place of ohm's; "
        r"unset it \(OHM_MALLOC=debug gives ohm's debug hooks, OHM_MALLOC=malloc the system "
        r"allocator behind ohm\)", "PYTHONMALLOC is refused")
r = ohm("-E", "-c", "print(1)", env=clean_env(PYTHONMALLOC="malloc"))
check(r[0] == 0 and r[1] == "1\n", "-E: PYTHONMALLOC ignored, as CPython ignores it", detail(*r))
for args in (["-X", "dev", "-c", "1"], ["-Xdev", "-c", "1"], ["-bX", "dev", "-c", "1"]):
    r = ohm(*args)
    refused(*r, r"-X dev: development mode puts CPython's debug allocators in place of ohm's; "
            r"OHM_MALLOC=debug gives ohm's own debug hooks", "%s is refused" % " ".join(args))
r = ohm("-c", "1", env=clean_env(PYTHONDEVMODE="1"))
refused(*r, r"PYTHONDEVMODE: .*", "PYTHONDEVMODE is refused")
r = ohm("-c", "import sys; print(sys.argv[1:])", "-X", "dev")
check(r[0] == 0 and r[1] == "['-X', 'dev']\n", "-X dev after -c is the program's, not python's", detail(*r))
r = ohm("-c", "import subprocess, sys; print(subprocess.run([sys.executable, '-X', 'dev', '-c', "
        "'import sys; print(sys.flags.dev_mode)'], capture_output=True, text=True).stdout, end='')")
check(r[0] == 0 and r[1] == "True\n", "a child in dev mode runs (on CPython's allocators)", detail(*r))
true = shutil.which("true")
r = ohm("-c", "1") if not true else subprocess.run(
    [OHM, "--python", true], capture_output=True, text=True, env=clean_env())
r = (r.returncode, r.stdout, r.stderr) if not isinstance(r, tuple) else r
refused(*r, r"\S+ does not export PyMem_SetAllocator: it is not CPython 3\.4 or later \(or was "
        r"linked without its C API\), so ohm cannot serve its memory", "a program that is no CPython")
p = subprocess.run([OHM, "--python", "no-such-python-here"], capture_output=True, text=True, env=clean_env())
check(p.returncode == 127 and p.stderr == "ohm-python: no Python interpreter 'no-such-python-here' on "
      "PATH (name one with --python PATH or OHM_PYTHON)\n", "no interpreter: 127", p.stderr)
p = subprocess.run([OHM, "--python"], capture_output=True, text=True, env=clean_env())
check(p.returncode == 125 and p.stderr == "ohm-python: --python needs the interpreter's path\n",
      "--python without a path", p.stderr)

# A free-threaded CPython, faked: an executable that exports what the constructor
# looks up, its version string saying what a 3.13t build's says.
CC = os.environ.get("CC") or shutil.which("cc")
fake = write("fake_python.c", """\
    #include <stdio.h>
    typedef struct { void *ctx; void *m, *c, *r, *f; } alloc;
    int calls;
    void PyMem_SetAllocator(int domain, alloc *a) { (void)domain; (void)a; calls++; }
    const char *Py_GetVersion(void) { return VERSION; }
    int main(void) { printf("set %d\\n", calls); return 0; }
    """)
for name, version, want in (
        ("ft", "3.13.0 experimental free-threading build (main) [GCC]", "refused"),
        ("py36", "3.6.15 (default) [GCC]", "refused"),
        ("py313", "3.13.0 (main) [GCC]", "set 2\n")):
    exe = os.path.join(WORK, "fake_" + name)
    b = subprocess.run([CC, "-rdynamic", '-DVERSION="%s"' % version, "-o", exe, fake],
                       capture_output=True, text=True)
    if b.returncode:
        check(False, "building the fake interpreter", b.stderr)
        continue
    p = subprocess.run([OHM, "--python", exe], capture_output=True, text=True, env=clean_env())
    r = (p.returncode, p.stdout, p.stderr)
    if name == "ft":
        refused(*r, r"\S+fake_ft is a free-threaded build: no GIL serializes its allocations, and "
                r"one ohm heap needs that; use a build with the GIL", "a free-threaded build is refused")
    elif name == "py36":
        refused(*r, r"\S+fake_py36 is Python 3\.6: before 3\.7 CPython installs its own allocators "
                r"at start-up over any other; ohm needs 3\.7 or later", "Python 3.6 is refused")
    else:
        check(r[0] == 0 and r[1] == want, "a fake 3.13: MEM and OBJ set, 2 calls", detail(*r))
    # started by another program (not what ohm-python named): left alone, silently
    if name == "ft":
        env = clean_env(LD_PRELOAD=os.path.join(os.path.dirname(OHM), "libohm-python.so"))
        p = subprocess.run([exe], capture_output=True, text=True, env=env)
        check(p.returncode == 0 and p.stdout == "set 0\n" and p.stderr == "",
              "a free-threaded child of an ohm program is left alone", detail(p.returncode, p.stdout, p.stderr))

finish()
