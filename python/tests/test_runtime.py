"""Library loading, fork guard, handles, threads and call-error mapping."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import torch

import lpgd_go
from lpgd_go import _cache, _core, _lib, solve_qp

from conftest import PYDIR, make_qp, run_on_debug_lib


def test_public_api() -> None:
    for name in (
        "solve_qp", "QPLayer", "SolverSettings", "Status", "SolverError",
        "KKT", "BPQP", "LPGD", "set_num_threads", "get_num_threads",
    ):  # fmt: skip
        assert hasattr(lpgd_go, name), name
    assert lpgd_go.__version__ == "0.1.0"


def test_abi_version(lib: object) -> None:
    assert _lib.lib().lpgd_abi_version() == _lib.ABI_VERSION == 9


def test_fork_guard(lib: object) -> None:
    qp = make_qp()
    solve_qp(*qp.args())  # make sure the Go runtime is up in this process
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 3
        try:
            solve_qp(*qp.args())
            code = 1
        except RuntimeError as exc:
            code = 0 if "spawn" in str(exc) and "fork" in str(exc) else 2
        except BaseException:
            code = 4
        finally:
            os._exit(code)
    deadline = time.monotonic() + 30
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("forked child hung")
        time.sleep(0.01)
    assert os.WIFEXITED(status), status
    assert os.WEXITSTATUS(status) == 0, {1: "no error raised", 2: "wrong message"}.get(
        os.WEXITSTATUS(status), os.WEXITSTATUS(status)
    )
    solve_qp(*qp.args())  # the parent is unaffected


def test_fork_guard_without_the_at_fork_hook(lib: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """A child forked where Python's at-fork hooks did not run (a C-level
    fork()): the load pid no longer matches, and every call into the library,
    the forward and a backward of a graph built before, raises instead of
    entering the Go runtime (``_lib.lib()``'s fast path tests the pid too)."""
    qp = make_qp()
    q = qp.q.clone().requires_grad_()
    x = solve_qp(qp.P, q, qp.G, qp.h, qp.A, qp.b)
    assert not _lib._forked_child and _lib._load_pid == os.getpid()
    monkeypatch.setattr(_lib, "_load_pid", os.getpid() + 1)  # as seen from a child
    with pytest.raises(RuntimeError, match="spawn"):
        _lib.lib()
    with pytest.raises(RuntimeError, match="spawn"):
        solve_qp(*qp.args())
    with pytest.raises(RuntimeError, match="spawn"):
        x.sum().backward()
    monkeypatch.undo()
    x = solve_qp(qp.P, q, qp.G, qp.h, qp.A, qp.b)
    x.sum().backward()  # this process is unaffected
    assert q.grad is not None


class _LockTaken:
    """A stand-in for the structure cache's lock that fails the test when taken."""

    def __enter__(self) -> None:
        raise AssertionError("the structure cache's lock was taken in a forked child")

    def __exit__(self, *exc: object) -> None:
        return None


def test_fork_guard_before_the_cache_lock(lib: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a forked child the fast path raises before it takes the structure
    cache's lock: a lock another thread of the parent held at the fork is
    never released in the child, and taking it would hang instead of raise
    (review of the call path that moved the fork check into the solve)."""
    qp = make_qp()
    for _ in range(2):
        solve_qp(*qp.args())  # the plan and its fast form cached
    monkeypatch.setattr(_lib, "_load_pid", os.getpid() + 1)  # as seen from a child
    monkeypatch.setattr(_cache, "_last", None)  # the cache's get takes its lock
    monkeypatch.setattr(_cache, "_lock", _LockTaken())
    with pytest.raises(RuntimeError, match="spawn"):
        solve_qp(*qp.args())


def test_missing_library_message(tmp_path: object) -> None:
    code = (
        "import lpgd_go, torch\n"
        "try:\n"
        "    lpgd_go.solve_qp(None, torch.ones(1), torch.ones(1, 1), torch.ones(1))\n"
        "except RuntimeError as e:\n"
        "    print(str(e))\n"
    )
    env = {**os.environ, "LPGD_GO_LIB": str(tmp_path) + "/nope.so", "PYTHONPATH": str(PYDIR)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert "pip install -e ." in out.stdout and "nope.so" in out.stdout, out.stdout + out.stderr


def test_handle_count_does_not_grow(lib: object) -> None:
    qp = make_qp()
    lp = make_qp(n=3, m_ineq=4, p=0)
    solve_qp(*qp.args())
    solve_qp(None, lp.q, lp.G, lp.h)
    before = _lib.handle_count()
    for _ in range(30):
        P = qp.P.clone().requires_grad_()
        solve_qp(P, *qp.args()[1:]).sum().backward()
        solve_qp(*qp.args(), on_failure="nan", settings={"max_iter": 2})
        solve_qp(None, lp.q, lp.G, lp.h)
    assert _lib.handle_count() == before


def test_structure_free_releases_handle(lib: object) -> None:
    before = _lib.handle_count()
    st = _core.Structure(3, 1, 2, has_p=True)
    assert _lib.handle_count() == before + 1
    assert st.info()[:2] == (3, 3)
    st.free()
    st.free()  # idempotent
    assert _lib.handle_count() == before
    st2 = _core.Structure(2, 0, 1, has_p=False)
    del st2
    import gc

    gc.collect()
    assert _lib.handle_count() == before


def test_clear_structure_cache(lib: object) -> None:
    qp = make_qp(n=7, m_ineq=2, p=1)
    x = solve_qp(*qp.args())
    solve_qp(*qp.args())  # a cached plan: the cache's last entry, found without the lock
    n = _lib.handle_count()
    _cache.clear_structure_cache()
    assert _lib.handle_count() < n
    assert _cache._last is None
    # Re-created on demand (never the freed structure the last entry held).
    torch.testing.assert_close(solve_qp(*qp.args()), x, rtol=0, atol=0)
    torch.testing.assert_close(solve_qp(*qp.args()), x, rtol=0, atol=0)


def test_structure_cache_lru_order_with_the_last_entry(lib: object) -> None:
    """``get``'s lock-free hit on the most recently used entry keeps the LRU
    order exact: the entry evicted is always the least recently used one,
    and an evicted last entry is never returned."""
    old = _cache.get_structure_cache_size()
    made: list[int] = []

    def make(n: int) -> _core.Structure:
        made.append(n)
        return _core.Structure(n, 0, 1, has_p=False)

    try:
        _cache.clear_structure_cache()
        _cache.set_structure_cache_size(2)
        a, b = ("lru", 1), ("lru", 2)
        st_a = _cache.structure(a, lambda: make(1))
        st_b = _cache.structure(b, lambda: make(2))
        assert _cache.get(("lru", 2)) is st_b  # the last entry (an equal key)
        assert _cache.get(a) is st_a  # not the last: the locked path moves it
        assert _cache.get(a) is st_a  # now the last
        _cache.structure(("lru", 3), lambda: make(3))  # evicts b, the LRU one
        assert list(_cache._cache) == [a, ("lru", 3)]
        assert _cache.get(b) is None
        _cache.set_structure_cache_size(1)  # evicts a
        assert _cache.get(a) is None
        _cache.set_structure_cache_size(0)  # evicts the last entry too
        assert _cache._last is None and _cache.get(("lru", 3)) is None
        assert made == [1, 2, 3]
    finally:
        _cache.set_structure_cache_size(old)
        _cache.clear_structure_cache()


def test_num_threads(lib: object) -> None:
    old = lpgd_go.get_num_threads()
    try:
        lpgd_go.set_num_threads(1)
        assert lpgd_go.get_num_threads() == 1
        lpgd_go.set_num_threads(3)
        assert lpgd_go.get_num_threads() == 3
        qb = [make_qp(seed=k) for k in range(5)]
        P = torch.stack([qp.P for qp in qb])
        q = torch.stack([qp.q for qp in qb])
        h = torch.stack([qp.h for qp in qb])
        G = torch.stack([qp.G for qp in qb])
        A = torch.stack([qp.A for qp in qb])
        b = torch.stack([qp.b for qp in qb])
        x3 = solve_qp(P, q, G, h, A, b)
        lpgd_go.set_num_threads(1)
        torch.testing.assert_close(solve_qp(P, q, G, h, A, b), x3, rtol=0, atol=0)
        lpgd_go.set_num_threads(0)
        assert lpgd_go.get_num_threads() >= 1
        with pytest.raises(TypeError):
            lpgd_go.set_num_threads(1.5)  # type: ignore[arg-type]
    finally:
        lpgd_go.set_num_threads(old)


def test_call_errors_map_to_exceptions(lib: object) -> None:
    # A negative stride is an argument error (LPGD_E_ARGUMENT) -> ValueError with Go's text.
    st = _core.Structure(2, 0, 1, has_p=True)
    P = torch.eye(2, dtype=torch.float64)
    c = torch.zeros(2, dtype=torch.float64)
    A = torch.ones(1, 2, dtype=torch.float64)
    b = torch.ones(1, dtype=torch.float64)
    s = lpgd_go.SolverSettings().to_c()
    op = _core.Operand
    with pytest.raises(ValueError, match="LPGD_E_ARGUMENT"):
        _core.solve(st, s, 1, op(P, -4), op(c, 0), op(A, 0), op(b, 0))
    with pytest.raises(ValueError, match="LPGD_E_SETTINGS"):
        bad = lpgd_go.SolverSettings().to_c()
        bad.max_iter = 0
        _core.solve(st, bad, 1, op(P, 0), op(c, 0), op(A, 0), op(b, 0))
    with pytest.raises(RuntimeError, match="LPGD_E_HANDLE"):
        _lib.check(_lib.lib().lpgd_structure_info(0, None), None, "lpgd_structure_info")


def test_go_panic_becomes_runtime_error(debug_lib: object) -> None:
    # lpgd_debug_panic exists only in the debug build: run on it in a subprocess.
    run_on_debug_lib(
        debug_lib,  # type: ignore[arg-type]
        """
import pytest, torch
from lpgd_go import _lib, solve_qp
from conftest import make_qp

qp = make_qp()
solve_qp(*qp.args())
_lib.lib().lpgd_debug_panic(1, 0)
try:
    with pytest.raises(RuntimeError, match="LPGD_E_INTERNAL"):
        solve_qp(*qp.args())
finally:
    _lib.lib().lpgd_debug_panic(0, 0)
# A panic in the worker of one sample is a per-sample internal error.
_lib.lib().lpgd_debug_panic(2, 1)
try:
    x, info = solve_qp(
        *(t.expand(3, *t.shape) for t in qp.args()), on_failure="nan", return_info=True
    )
finally:
    _lib.lib().lpgd_debug_panic(0, 0)
assert info.status.tolist() == [1, 7, 1]
assert torch.isnan(x[1]).all() and torch.isfinite(x[0]).all()
""",
    )
