"""Interruptible library calls (issue 14): Ctrl-C stops a running solve.

A ctypes call blocks the main thread in Go, where Python cannot deliver
KeyboardInterrupt. A call expected to run longer than ``THRESHOLD`` seconds
(or of a structure not timed yet) therefore runs on a worker thread while
the main thread waits in short, interruptible joins; on KeyboardInterrupt
(or any exception) it cancels the call through its cancel token
(``lpgd_cancel``: the Go loop stops within one interior-point iteration),
waits for the worker and re-raises. The library stays usable. Short calls,
and calls from threads other than the main thread (which never receive
KeyboardInterrupt), run directly.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable

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
    call: Callable[[CSettings], int],
    kind: str = "solve",
) -> int:
    """Run ``call(settings)`` (a library call returning its code) for ``batch``
    samples of structure ``handle``, interruptibly when it may be long;
    ``kind`` ("solve", "backward") keeps separate timings per call kind."""
    key = (handle, kind)
    per = _per_sample.get(key)
    direct = threading.current_thread() is not threading.main_thread() or (
        per is not None and per * batch < THRESHOLD
    )
    t0 = time.perf_counter()
    rc = call(settings) if direct else _threaded(settings, call)
    if len(_per_sample) >= _MAX_TIMED:
        _per_sample.clear()
    _per_sample[key] = (time.perf_counter() - t0) / max(batch, 1)
    return rc


def _threaded(settings: CSettings, call: Callable[[CSettings], int]) -> int:
    token = ctypes.c_uint64()
    lib = _lib.lib()
    _lib.check(lib.lpgd_cancel_token_new(ctypes.byref(token)), None, "lpgd_cancel_token_new")
    mine = CSettings.from_buffer_copy(settings)
    mine.cancel_token = token.value
    result: list[int] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def target() -> None:
        try:
            result.append(call(mine))
        except BaseException as e:  # re-raised in the caller's thread
            failure.append(e)
        finally:
            done.set()

    # Wait on an Event, not Thread.join: a join interrupted by
    # KeyboardInterrupt marks a still-running thread as stopped (CPython's
    # bpo-45274 cleanup), and a later join would return while Go still
    # writes into the caller's buffers.
    worker = threading.Thread(target=target, name="lpgd_go-solve", daemon=True)
    try:
        worker.start()
        while not done.wait(POLL):
            pass
    except BaseException:
        lib.lpgd_cancel(token.value)
        done.wait()
        raise
    finally:
        if done.is_set():
            lib.lpgd_cancel_token_free(token.value)
    if failure:
        raise failure[0]
    return result[0]
