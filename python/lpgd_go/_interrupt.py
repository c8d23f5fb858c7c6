"""Interruptible library calls (issue 14): Ctrl-C stops a running solve.

A ctypes call blocks the main thread in Go, where Python cannot deliver
KeyboardInterrupt. A call expected to run longer than ``THRESHOLD`` seconds
(or of a structure not timed yet) therefore runs on a worker thread while
the main thread waits in short, interruptible waits; on KeyboardInterrupt
(or any exception) it cancels the call through its cancel token
(``lpgd_cancel``: the Go loop stops within one interior-point iteration),
waits for the worker and re-raises. The library stays usable. Short calls,
and calls from threads other than the main thread (which never receive
KeyboardInterrupt), run directly.

The worker is one daemon thread, started on the first such call and parked
on an Event between calls (a thread start per call cost ~0.1 ms, and far
more on a busy machine, where a long call's successor often is long too).
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from . import _lib
from ._lib import CSettings

__all__ = ["THRESHOLD", "run"]

#: Expected call duration (seconds) above which a call runs interruptibly.
THRESHOLD = 0.02
#: Interval (seconds) of the interruptible joins.
POLL = 0.02
_MAX_TIMED = 4096

# (handle, kind) -> measured seconds per sample of its last call.
_per_sample: dict[tuple[int, str], float] = {}


def run(
    handle: int,
    batch: int,
    settings: CSettings,
    fn: Callable[..., int],
    args: tuple[Any, ...],
    kind: str = "solve",
) -> int:
    """Run ``fn(handle, settings, *args)`` (a library call returning its code)
    for ``batch`` samples of structure ``handle``, interruptibly when it may be
    long; ``kind`` ("solve", "backward") keeps separate timings per call kind.

    A direct call (a short one, or any call off the main thread) of
    ``lpgd_solve`` or ``lpgd_backward`` (as the library has them: functions
    with a ``_lib.PACKED`` twin) is made through the
    one-pointer twin (lpgd_solve_packed, lpgd_backward_packed) on the
    ``lpgd_*_args`` words that the caller wrote right after the call's
    ``out`` struct (``_core.solve_values``, ``backward_values``): ctypes
    converts one argument instead of 7 or 10 (~0.9 and ~1.2 µs). An
    interruptible call passes its own settings (a cancel token) and is made
    with the arguments as they are."""
    key = (handle, kind)
    per = _per_sample.get(key)
    t0 = _clock()
    if (per is not None and per * batch < THRESHOLD) or _current() is not _main():
        twin = getattr(fn, _PACKED, None)
        if twin is None:
            rc: int = fn(handle, settings, *args)
        else:
            rc = twin[0](args[twin[1]] + twin[2])
    else:
        rc = _threaded(settings, lambda cs: fn(handle, cs, *args))
    if rc == 0:  # a call that failed fast (bad data) says nothing of the next one
        if per is None and len(_per_sample) >= _MAX_TIMED:
            _per_sample.clear()
        _per_sample[key] = (_clock() - t0) / (batch or 1)
    return rc


_PACKED = _lib.PACKED
_clock = time.perf_counter
_current = threading.current_thread
_main = threading.main_thread


class _Job:
    """One call handed to the worker: its result or exception, and ``done``."""

    __slots__ = ("done", "failure", "fn", "result", "taken")

    def __init__(self, fn: Callable[[], int]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.taken = False  # by the worker thread: it runs, or has run
        self.result = 0
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as e:  # re-raised in the caller's thread
            self.failure = e
        finally:
            self.done.set()


class _Worker:
    """A daemon thread parked on an Event, running the job put in its slot."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.job: _Job | None = None
        self.lock = threading.Lock()  # the slot's hand-over
        self.wake = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="lpgd_go-solve", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            with self.lock:
                job, self.job = self.job, None  # the slot is free once the job is taken
                if job is not None:
                    job.taken = True
            if job is not None:
                job.run()

    def submit(self, job: _Job) -> bool:
        """Put the job in the slot (a later one waits for the running one);
        False when the slot is taken or the thread is not alive."""
        with self.lock:
            if self.job is not None or not self.thread.is_alive():
                return False
            self.job = job
        self.wake.set()
        return True

    def withdraw(self, job: _Job) -> None:
        """Take the job back out of the slot if the thread has not taken it
        (then it never runs)."""
        with self.lock:
            if self.job is job:
                self.job = None


_worker: _Worker | None = None
_worker_lock = threading.Lock()


def _start(job: _Job) -> bool:
    """Hand the job to the parked worker (started on first use, again after a
    fork); False when it is busy (a call made while another one is being
    interrupted, e.g. from a signal handler: the caller runs it itself)."""
    global _worker
    with _worker_lock:
        if _worker is None or _worker.pid != os.getpid():
            _worker = _Worker()
        return _worker.submit(job)


def _threaded(settings: CSettings, call: Callable[[CSettings], int]) -> int:
    token = ctypes.c_uint64()
    lib = _lib.lib()
    _lib.check(lib.lpgd_cancel_token_new(ctypes.byref(token)), None, "lpgd_cancel_token_new")
    mine = CSettings.from_buffer_copy(settings)
    mine.cancel_token = token.value
    job = _Job(lambda: call(mine))
    # Wait on the job's Event, not Thread.join: a join interrupted by
    # KeyboardInterrupt marks a still-running thread as stopped (CPython's
    # bpo-45274 cleanup), and a later join would return while Go still
    # writes into the caller's buffers.
    done = job.done
    try:
        if not _start(job):
            job.run()
        while not done.wait(POLL):
            pass
    except BaseException as first:
        lib.lpgd_cancel(token.value)
        w = _worker
        if w is not None:
            w.withdraw(job)  # not taken yet (an interrupt inside _start): it never runs
        # A job the worker took may have Go still writing into the caller's
        # buffers until it sees the cancel: a second Ctrl-C during this wait
        # must not let the caller return (and free them) first — keep
        # waiting, then raise the first (another exception meanwhile, e.g.
        # SystemExit from a handler, is raised after the wait, chained to it).
        # A job never taken (interrupted before the hand-over, or withdrawn)
        # has nothing to wait for.
        later: BaseException | None = None
        while job.taken and not done.is_set():
            try:
                done.wait()
            except KeyboardInterrupt:
                continue
            except BaseException as e:
                later = e
        if later is not None:
            raise later from first
        raise
    finally:
        if done.is_set() or not job.taken:  # nothing uses the token any more
            lib.lpgd_cancel_token_free(token.value)
    if job.failure is not None:
        raise job.failure
    return job.result
