"""ohm — control ohm's tracing and recording from a Python program run by ohm-python.

Under ``ohm-python`` one ohm heap serves CPython's object allocator, and its tracer
can put the program's Python frames in every traceback (docs/python.md, "Profiling").
This module drives it, as ``tracemalloc`` drives CPython's::

    import ohm
    ohm.start(nframes=16)                  # trace every block, 16 frames each
    ...
    ohm.take_snapshot("app.ohmsnap")       # for ohm-prof top/diff/flamegraph/lines/leaks
    current, peak = ohm.get_traced_memory()

    ohm.timeline_start("app.ohmtl", 10)    # memory over time, for ohm-prof timeline
    with ohm.scope("load"):                # a named stretch on the timeline
        load()
    ohm.mark("loaded")
    ohm.timeline_stop()

It is importable only under ohm-python, which puts its directory on PYTHONPATH;
anywhere else ``import ohm`` raises ImportError saying how to run the program.
The functions call libohm-python.so (already in the process) through ctypes, with the
GIL held, as every use of the heap must be.
"""
import atexit as _atexit
import contextlib as _contextlib
import ctypes as _ctypes
import gc as _gc
import os as _os
import sys as _sys

__all__ = [
    "start", "stop", "is_tracing", "get_traceback_limit", "get_sample_bytes",
    "get_traced_memory", "reset_peak", "clear_traces", "get_tracing_memory",
    "take_snapshot", "timeline_start", "timeline_stop", "mark", "scope",
    "collect", "mallocstats", "python_frames",
]

_SCRIPT = _os.path.basename(_sys.argv[0]) if _sys.argv and _sys.argv[0] else ""
_HOW = ("run the program under ohm: `ohm-python %s` (ohm-python comes with ohm; "
        "docs/python.md)" % (_SCRIPT if _SCRIPT.endswith(".py") else "script.py"))


def _load():
    try:
        lib = _ctypes.PyDLL(None)      # PyDLL: the GIL stays held across each call
        abi = lib.ohmpy_abi
    except (OSError, AttributeError):
        raise ImportError("ohm: this Python does not run on ohm (libohm-python.so is not "
                          "loaded); " + _HOW, name="ohm") from None
    if abi() != 1:
        raise ImportError("ohm: this module and libohm-python.so come from different "
                          "builds of ohm", name="ohm")
    for name, res, args in (
            ("ohmpy_error", _ctypes.c_char_p, ()),
            ("ohmpy_served", _ctypes.c_int, ()),
            ("ohmpy_frames", _ctypes.c_char_p, ()),
            ("ohmpy_start", _ctypes.c_int, (_ctypes.c_int, _ctypes.c_size_t)),
            ("ohmpy_stop", None, ()),
            ("ohmpy_is_tracing", _ctypes.c_int, ()),
            ("ohmpy_traceback_limit", _ctypes.c_int, ()),
            ("ohmpy_sample_mean", _ctypes.c_size_t, ()),
            ("ohmpy_traced_memory", None, (_ctypes.POINTER(_ctypes.c_size_t),) * 2),
            ("ohmpy_reset_peak", None, ()),
            ("ohmpy_clear_traces", None, ()),
            ("ohmpy_tracing_memory", _ctypes.c_size_t, ()),
            ("ohmpy_take_snapshot", _ctypes.c_int, (_ctypes.c_char_p,)),
            ("ohmpy_timeline_start", _ctypes.c_int, (_ctypes.c_char_p, _ctypes.c_uint)),
            ("ohmpy_timeline_stop", _ctypes.c_int, ()),
            ("ohmpy_mark", None, (_ctypes.c_char_p,)),
            ("ohmpy_enter", None, (_ctypes.c_char_p,)),
            ("ohmpy_leave", _ctypes.c_int, ()),
            ("ohmpy_collect", _ctypes.c_size_t, ()),
            ("ohmpy_mallocstats", _ctypes.c_void_p, ()),
            ("ohmpy_free_text", None, (_ctypes.c_void_p,)),
            ("ohmpy_frame_counts", None, (_ctypes.POINTER(_ctypes.c_size_t),) * 2),
            ("ohmpy_root", None, (_ctypes.c_size_t,))):
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    if not lib.ohmpy_served():
        raise ImportError("ohm: ohm does not serve this interpreter's memory (CPython "
                          "installed its own allocators at start-up: PYTHONMALLOC or -X dev "
                          "in this process's environment); " + _HOW, name="ohm")
    return lib


_lib = _load()


def _error():
    return _lib.ohmpy_error().decode("utf-8", "replace")


def _path(path):
    return _os.fsencode(_os.fspath(path))


def _label(s):
    return None if s is None else str(s).encode("utf-8", "surrogateescape")


# ------------------------------------------------------------------ tracing

def start(nframes=1, sample_bytes=0):
    """Trace every block the heap serves from now on (tracemalloc.start), each with up
    to nframes frames: the Python frames, newest first, then the C function that
    allocated when there is room. sample_bytes > 0 samples instead: a block of n bytes
    is traced with probability 1 - exp(-n / sample_bytes), and sizes and counts are
    unbiased estimates (512 KiB costs a few percent). Calling it again while tracing
    changes the limit; switching between exact and sampled clears the traces."""
    if not isinstance(nframes, int) or not isinstance(sample_bytes, int):
        raise TypeError("ohm.start: nframes and sample_bytes must be int")
    if sample_bytes < 0:
        raise ValueError("ohm.start: sample_bytes must be >= 0, not %d" % sample_bytes)
    if not 1 <= nframes <= 128:
        raise ValueError("ohm.start: nframes must be in 1..128, not %d" % nframes)
    if _lib.ohmpy_start(nframes, sample_bytes) < 0:
        raise RuntimeError(_error())


def stop():
    """Stop tracing and forget the traces (tracemalloc.stop)."""
    _lib.ohmpy_stop()


def is_tracing():
    return bool(_lib.ohmpy_is_tracing())


def get_traceback_limit():
    """The frames a traceback holds at most; 0 when not tracing."""
    return _lib.ohmpy_traceback_limit()


def get_sample_bytes():
    """The sampling mean in bytes; 0 when tracing exactly (or not at all)."""
    return _lib.ohmpy_sample_mean()


def get_traced_memory():
    """(current, peak) bytes of the traced blocks (tracemalloc.get_traced_memory);
    estimates when sampling; (0, 0) when not tracing."""
    cur, peak = _ctypes.c_size_t(), _ctypes.c_size_t()
    _lib.ohmpy_traced_memory(_ctypes.byref(cur), _ctypes.byref(peak))
    return cur.value, peak.value


def reset_peak():
    _lib.ohmpy_reset_peak()


def clear_traces():
    _lib.ohmpy_clear_traces()


def get_tracing_memory():
    """Bytes the tracer itself uses (tracemalloc.get_tracemalloc_memory)."""
    return _lib.ohmpy_tracing_memory()


def take_snapshot(path):
    """Write the live traces to path, an ohm snapshot file for ohm-prof (top, diff,
    flamegraph, folded, leaks, lines). Tracing must be on."""
    if not _lib.ohmpy_is_tracing():
        raise RuntimeError("ohm.take_snapshot: tracing is off (ohm.start() first, or "
                           "OHM_TRACEMALLOC=N)")
    if _lib.ohmpy_take_snapshot(_path(path)) < 0:
        raise OSError(_error())


def _root(code):
    """Leave the frames of a runner out of every traceback: from the newest frame
    running code (a code object, kept alive by the caller) down. None: keep all."""
    _root.code = code
    _lib.ohmpy_root(id(code) if code is not None else 0)


def python_frames():
    """True when tracebacks get Python frames on this interpreter; else the reason
    they hold C frames only, as a string."""
    why = _lib.ohmpy_frames().decode()
    return True if not why else why


# ------------------------------------------------------------------ the timeline

def timeline_start(path, interval_ms=10):
    """Record memory over time into path for `ohm-prof timeline` (mprof run): a sample
    every interval_ms milliseconds while the program allocates, with marks, scopes and
    collections. Stopped by timeline_stop(), or when the program exits."""
    if _lib.ohmpy_timeline_start(_path(path), int(interval_ms)) < 0:
        raise OSError(_error())
    _at_exit.add(timeline_stop)


def timeline_stop():
    """Stop the recording and complete its file."""
    _at_exit.discard(timeline_stop)
    if _lib.ohmpy_timeline_stop() < 0:
        raise RuntimeError(_error())


def mark(label):
    """A labelled point on the timeline (nothing when not recording)."""
    _lib.ohmpy_mark(_label(label))


class scope(_contextlib.ContextDecorator):
    """A named stretch of the program on the timeline, as a context manager or a
    decorator (mprof's @profile brackets)::

        with ohm.scope("parse"):
            ...

        @ohm.scope("handle")
        def handle(request): ...

    The decorator's name defaults to the function's qualified name: @ohm.scope()."""

    def __init__(self, name=None):
        self.name = name

    def __call__(self, func):
        if self.name is None:
            self.name = getattr(func, "__qualname__", getattr(func, "__name__", "?"))
        return super().__call__(func)

    def __enter__(self):
        _lib.ohmpy_enter(_label(self.name if self.name is not None else ""))
        return self

    def __exit__(self, *exc):
        _lib.ohmpy_leave()
        return False


# ------------------------------------------------------------------ the heap

def collect():
    """CPython's gc.collect(), then ohm's own full collection (its free lists emptied,
    a point on the timeline). Returns what gc.collect() returned."""
    n = _gc.collect()
    _lib.ohmpy_collect()
    return n


def mallocstats(file=None):
    """ohm's allocator statistics (size classes, arenas, pages given back), as
    sys._debugmallocstats() prints pymalloc's: to file, or sys.stderr by default.
    Returns the text."""
    p = _lib.ohmpy_mallocstats()
    if not p:
        raise MemoryError("ohm.mallocstats: out of memory")
    try:
        text = _ctypes.string_at(p).decode("utf-8", "replace")
    finally:
        _lib.ohmpy_free_text(p)
    (file if file is not None else _sys.stderr).write(text)
    return text


# ------------------------------------------------------------------ exit

class _AtExit(set):
    def run(self):
        for f in list(self):
            try:
                f()
            except Exception:
                pass


_at_exit = _AtExit()
_atexit.register(_at_exit.run)
