"""The one-pointer entries (lpgd_solve_packed, lpgd_backward_packed): the
layers call them on the argument words they write into each call's own
buffer (``_core.solve_values``, ``backward_values``; ``_interrupt.run``
makes the call), and the results are those of the positional entries."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

from lpgd_go import _interrupt, _lib, solve_qp
from lpgd_go.backward import LPGD
from lpgd_go.cone import Cones, solve_cone

from conftest import make_qp_batch

F64 = torch.float64


def _words(address: int, k: int) -> list[int]:
    return list((ctypes.c_int64 * k).from_address(address))


def _expected(handle: int, settings: Any, args: tuple[Any, ...], kind: str) -> list[int]:
    """The positional call's arguments as the words of its lpgd_*_args."""
    addr = ctypes.addressof
    if kind == "solve":
        batch, vals, out, err, errlen = args
        return [handle, addr(settings), batch, addr(vals), out, addr(err), errlen]
    opts, batch, vals, fwd, inc, out, err, errlen = args
    return [handle, addr(settings), addr(opts), batch, addr(vals), fwd, inc, out, addr(err), errlen]


class _Spy:
    """Wraps ``_interrupt.run``: checks, before each call, that the words
    the caller wrote after the call's ``out`` struct are its positional
    arguments (the words the packed entry reads), and counts the calls
    made through each packed entry."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.checked: list[str] = []
        self.packed: list[str] = []
        real = _interrupt.run
        lib = _lib.lib()
        where: dict[str, tuple[int, int]] = {}
        for name, kind in (("lpgd_solve", "solve"), ("lpgd_backward", "backward")):
            fn = getattr(lib, name)
            entry, index, size = getattr(fn, _lib.PACKED)
            where[kind] = (index, size)

            def counted(address: int, _entry: Any = entry, _name: str = name) -> int:
                self.packed.append(_name)
                return int(_entry(address))

            monkeypatch.setattr(fn, _lib.PACKED, (counted, index, size))

        def run(h: int, batch: int, settings: Any, fn: Any, args: Any, kind: str = "solve") -> int:
            index, size = where[kind]
            k = len(_expected(h, settings, args, kind))
            assert _words(args[index] + size, k) == _expected(h, settings, args, kind), kind
            self.checked.append(kind)
            return real(h, batch, settings, fn, args, kind)

        monkeypatch.setattr(_interrupt, "run", run)


@pytest.fixture
def spy(lib: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Spy]:
    yield _Spy(monkeypatch)


def _qp_args(batch: int, n: int, seed: int = 0, unbatched: bool = False) -> list[torch.Tensor]:
    d = make_qp_batch(batch, n=n, m_ineq=n // 2 + 1, p=1, seed=seed)
    args = [d.P, d.q, d.G, d.h, d.A, d.b]
    return [a[0] for a in args] if unbatched else args


def _forward_backward(args: list[torch.Tensor], **kw: Any) -> tuple[torch.Tensor, ...]:
    leaves = [a.clone().requires_grad_(True) for a in args]
    x = solve_qp(*leaves, **kw)
    assert isinstance(x, torch.Tensor)
    w = torch.linspace(-1, 1, x.numel(), dtype=F64).reshape(x.shape)
    grads = torch.autograd.grad((x * w).sum(), leaves)
    return (x.detach(), *grads)


def _positional(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``_interrupt.run`` call the positional entries (no twin)."""
    lib = _lib.lib()
    for name in ("lpgd_solve", "lpgd_backward"):
        monkeypatch.setattr(getattr(lib, name), _lib.PACKED, None)


def _same(a: tuple[torch.Tensor, ...], b: tuple[torch.Tensor, ...]) -> None:
    for u, v in zip(a, b, strict=True):
        assert u.shape == v.shape
        assert u.numpy().tobytes() == v.numpy().tobytes()


@pytest.mark.parametrize("backward", ["kkt", "bpqp", "lpgd"])
@pytest.mark.parametrize("unbatched", [True, False])
def test_packed_calls_match_positional(
    spy: _Spy, monkeypatch: pytest.MonkeyPatch, backward: str, unbatched: bool
) -> None:
    """The call path's forward and backward go through the packed entries,
    on words equal to the positional arguments, and give the positional
    entries' x and gradients bit for bit."""
    args = _qp_args(3, 6, unbatched=unbatched)
    _forward_backward(args, backward=backward)  # the plan and the timings
    spy.packed.clear()
    spy.checked.clear()
    packed = _forward_backward(args, backward=backward)
    assert spy.checked == ["solve", "backward"]
    assert spy.packed == ["lpgd_solve", "lpgd_backward"]
    with monkeypatch.context() as m:
        _positional(m)
        spy.packed.clear()
        plain = _forward_backward(args, backward=backward)
        assert spy.packed == []
    _same(packed, plain)


@pytest.mark.parametrize(
    "settings",
    [
        {"polish": False, "tol_gap_abs": 1e-5, "tol_gap_rel": 1e-5, "tol_feas": 1e-5},
        pytest.param(
            {"polish": False, "max_iter": 6, "accept_almost_solved": True},
            marks=pytest.mark.filterwarnings("ignore::lpgd_go.status.AlmostSolvedWarning"),
        ),
    ],
)
def test_packed_backward_reads_its_settings(
    spy: _Spy, monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any]
) -> None:
    """The backward's settings reach lpgd_backward_packed: LPGD's perturbed
    solves (not warm-started) run on them, unpolished, to looser tolerances
    or fewer iterations than the defaults, and the packed and positional
    entries give the same gradients (a packed entry that ran the backward
    on the default settings gives others)."""
    args = _qp_args(2, 6, seed=5)
    backward = LPGD(fast_path=False)
    _forward_backward(args, settings=settings, backward=backward)  # the plan
    spy.packed.clear()
    packed = _forward_backward(args, settings=settings, backward=backward)
    assert spy.packed == ["lpgd_solve", "lpgd_backward"]
    with monkeypatch.context() as m:
        _positional(m)
        plain = _forward_backward(args, settings=settings, backward=backward)
    _same(packed, plain)


def test_packed_words_follow_structure_changes(spy: _Spy) -> None:
    """Calls that alternate between structures (sizes), batch sizes, linear
    solvers and front ends write each call's own handle, batch and buffers
    (``_Spy`` checks every call's words), and give the results of the same
    calls made alone."""
    cases: list[tuple[list[torch.Tensor], dict[str, Any]]] = [
        (_qp_args(1, 5, unbatched=True), {}),
        (_qp_args(1, 8, unbatched=True), {}),
        (_qp_args(4, 5), {}),
        (_qp_args(1, 5, unbatched=True), {"settings": {"linear_solver": "sparse"}}),
        (_qp_args(2, 8, seed=3), {"backward": "bpqp"}),
    ]
    for a, kw in cases:  # the plans (a first call takes the general path)
        _forward_backward(a, **kw)
    alone = [_forward_backward(a, **kw) for a, kw in cases]
    spy.checked.clear()
    spy.packed.clear()
    for _ in range(2):
        for (a, kw), want in zip(cases, alone, strict=True):
            _same(_forward_backward(a, **kw), want)
    # Timed structures: every call through the packed entries.
    assert spy.checked == ["solve", "backward"] * (2 * len(cases))
    assert spy.packed == ["lpgd_solve", "lpgd_backward"] * (2 * len(cases))
    # The conic front end's calls too.
    A = torch.tensor([[1.0, 1.0], [-1.0, 0.0], [0.0, -1.0]], dtype=F64)
    b = torch.tensor([1.0, 0.0, 0.0], dtype=F64)
    c = torch.tensor([1.0, 2.0], dtype=F64, requires_grad=True)
    before = len(spy.checked)
    x, _, _ = solve_cone(None, c, A, b, Cones(zero=1, nonneg=2))
    x.sum().backward()
    assert spy.checked[before:] == ["solve", "backward"]


def test_packed_calls_after_a_failed_call(spy: _Spy) -> None:
    """A call that Go rejects (non-finite data, a P that is not PSD) keeps
    its message, and the next calls of the same plan are exact."""
    args = _qp_args(1, 6, unbatched=True)
    _forward_backward(args)  # the plan (a first call takes the general path)
    want = _forward_backward(args)
    bad = [a.clone() for a in args]
    bad[1][2] = float("nan")
    with pytest.raises(ValueError, match=r"^q contains a non-finite value \(nan\) at index \(2,\)"):
        _forward_backward(bad)
    _same(_forward_backward(args), want)
    notpsd = [a.clone() for a in args]
    notpsd[0] = -torch.eye(6, dtype=F64)
    with pytest.raises(ValueError, match=r"^P is not positive semidefinite"):
        _forward_backward(notpsd)
    _same(_forward_backward(args), want)
    assert "lpgd_solve" in spy.packed


def test_packed_calls_from_threads(lib: object) -> None:
    """Threads calling the same plan at once each pass their own call's
    words: every thread's results are those of the same calls made one at
    a time."""
    problems = [_qp_args(1, 7, seed=s, unbatched=True) for s in range(6)]
    _forward_backward(problems[0])  # the plan (a first call takes the general path)
    want = [_forward_backward(a) for a in problems]
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def work(k: int) -> None:
        try:
            start.wait()
            for r in range(30):
                i = (k + r) % len(problems)
                _same(_forward_backward(problems[i]), want[i])
        except BaseException as e:  # reported by the main thread
            failures.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[0]


def test_packed_null_args_is_an_argument_error(lib: object) -> None:
    """A NULL lpgd_*_args is LPGD_E_ARGUMENT (no message: the error buffer
    is one of the arguments)."""
    L = _lib.lib()
    assert L.lpgd_solve_packed(None) == _lib.E_ARGUMENT
    assert L.lpgd_backward_packed(None) == _lib.E_ARGUMENT


def test_packed_entry_reports_like_positional(lib: object) -> None:
    """The packed entry writes the positional entry's error (code and
    message) for the same words: a freed handle, a handle of 0, a batch of
    0 on a live structure."""
    from lpgd_go import _core
    from lpgd_go.settings import SolverSettings

    st = _core.Structure(2, 0, 2, has_p=False)
    st.free()
    live = _core.Structure(2, 0, 2, has_p=False)
    settings = SolverSettings()._c()
    vals = (ctypes.c_int64 * 8)()
    out = np.zeros(7, dtype=np.int64)
    for handle, batch, code in (
        (st.handle, 1, _lib.E_HANDLE),
        (0, 1, _lib.E_HANDLE),
        (live.handle, 0, _lib.E_ARGUMENT),
    ):
        got = []
        for packed in (False, True):
            err = ctypes.create_string_buffer(_lib.ERRLEN)
            pos = (handle, settings, batch, vals, out.ctypes.data, err, _lib.ERRLEN)
            if packed:
                words = (ctypes.c_int64 * 7)(*_expected(handle, settings, pos[2:], "solve"))
                rc = _lib.lib().lpgd_solve_packed(ctypes.addressof(words))
            else:
                rc = _lib.lib().lpgd_solve(*pos)
            got.append((rc, err.value))
        assert got[0] == got[1] and got[0][0] == code, got
        if batch == 0:
            assert b"batch must be positive" in got[0][1], got


@pytest.mark.parametrize("backward", ["kkt", "bpqp", "lpgd"])
def test_call_path_reads_method_caches_in_place(
    lib: object, monkeypatch: pytest.MonkeyPatch, backward: str
) -> None:
    """A warm forward and backward read the backward method's struct
    (``backward.C_CACHE``) and whether it reuses the forward's records
    (``_conic._REUSES_RECORDS``) from the instance, without calling the
    method's ``_c`` or ``_conic._reuses_records``: the names the call path
    reads are those the caches are kept under."""
    from lpgd_go import _conic
    from lpgd_go.backward import as_backward_method

    args = _qp_args(1, 6, unbatched=True)
    method = as_backward_method(backward)
    _forward_backward(args, backward=method)  # the plan; fills the caches
    want = _forward_backward(args, backward=method)
    calls: list[str] = []
    real_c, real_reuses = type(method)._c, _conic._reuses_records

    def c(self: Any) -> Any:
        calls.append("_c")
        return real_c(self)

    def reuses(m: Any) -> bool:
        calls.append("_reuses_records")
        return real_reuses(m)

    monkeypatch.setattr(type(method), "_c", c)
    monkeypatch.setattr(_conic, "_reuses_records", reuses)
    _same(_forward_backward(args, backward=method), want)
    assert calls == []
