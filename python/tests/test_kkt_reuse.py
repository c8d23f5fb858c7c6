"""The kkt backward reuses the forward's factorization (issue 16 item 3): the
forward keeps each sample's factorization record in a numpy buffer owned by the
call, the backward passes it back; gradients are those of the backward that
factors again, and nothing outlives the call."""

from __future__ import annotations

import ctypes
import gc
import os
import weakref
from typing import Any

import numpy as np
import pytest
import torch

from lpgd_go import BPQP, _conic, _core, _lib, solve_qp

F64 = torch.float64


def _qp(seed: int, B: int, n: int, m: int, p: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    M = torch.randn(B, n, n, generator=g, dtype=F64)
    P = M @ M.transpose(1, 2) / n + 0.1 * torch.eye(n, dtype=F64)
    q = 3 * torch.randn(B, n, generator=g, dtype=F64)
    G = torch.randn(B, m, n, generator=g, dtype=F64)
    x0 = torch.randn(B, n, generator=g, dtype=F64)
    h = (G @ x0[..., None])[..., 0] + torch.rand(B, m, generator=g, dtype=F64)
    A = torch.randn(B, p, n, generator=g, dtype=F64)
    b = (A @ x0[..., None])[..., 0]
    return [t.requires_grad_() for t in (P, q, G, h, A, b)]


class _Spy:
    """Records the factorization records the solve kept (``SolveResult.factor``
    of _core.solve_values, the front ends' call) and the backward's flags
    (_core.backward_values)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.factors: list[np.ndarray | None] = []
        self.results: list[_core.SolveResult] = []
        self.flags: list[np.ndarray] = []
        solve, backward = _core.solve_values, _core.backward_values

        def spy_solve(*a: Any, **kw: Any) -> Any:
            out = solve(*a, **kw)
            self.factors.append(out.factor)
            self.results.append(out)
            return out

        def spy_backward(*a: Any, **kw: Any) -> Any:
            out = backward(*a, **kw)
            self.flags.append(out.flags_np.copy())
            return out

        monkeypatch.setattr(_core, "solve_values", spy_solve)
        monkeypatch.setattr(_core, "backward_values", spy_backward)


def _grads(args: list[torch.Tensor], **kw: Any) -> list[torch.Tensor]:
    for t in args:
        t.grad = None
    x = solve_qp(*args, **kw)
    w = torch.linspace(-1.0, 1.0, x.shape[-1], dtype=F64)
    loss = (x * w).sum()
    loss.backward(retain_graph=True)
    first = [t.grad.clone() for t in args if t.grad is not None]
    for t in args:
        t.grad = None
    loss.backward()  # a second backward through the same graph: identical
    for a, t in zip(first, (t for t in args if t.grad is not None), strict=True):
        assert torch.equal(a, t.grad)
    return first


@pytest.mark.parametrize("n", [10, 30])
def test_reuse_matches_refactor(lib: object, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Gradients with the records equal those without (budget 0) to 1e-12
    relative; the records are reused on most samples (LPGD_FLAG_FACTOR_REUSED)."""
    args = _qp(n, 8, n, n, n // 5)
    spy = _Spy(monkeypatch)
    got = _grads(args)
    assert spy.factors[-1] is not None, "no factorization records kept for a dense QP"
    reused = int((spy.flags[-1] & _lib.FLAG_FACTOR_REUSED != 0).sum())
    assert reused >= 6, f"records reused on {reused} of 8 samples"
    monkeypatch.setattr(_conic, "FACTOR_BUDGET", 0)
    ref = _grads(args)
    assert spy.factors[-1] is None
    assert not (spy.flags[-1] & _lib.FLAG_FACTOR_REUSED).any()
    for a, b in zip(got, ref, strict=True):
        scale = max(1.0, float(b.abs().max()))
        assert float((a - b).abs().max()) <= 1e-12 * scale


@pytest.mark.parametrize("n", [4, 10])
def test_records_in_the_solve_buffer(lib: object, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """A small batch's records lie in the solve's own buffer, after its
    lpgd_solution words, which point at them; the backward reads them
    through those words (the forward's lpgd_solution): reused, and the
    gradients those without records (to 1e-12 relative)."""
    args = _qp(n + 1, 1, n, n, 2)
    spy = _Spy(monkeypatch)
    got = _grads(args)
    res = spy.results[-1]
    at = res._solve_layout.factor_at
    f = res.factor
    assert at > 0 and f is not None, "records not in the solve buffer"
    assert f.ctypes.data == res.ptrs[0] + 8 * at and f.shape[0] == 1
    # The lpgd_solution words: x, y, s, statuses, info, records, their length.
    words = np.frombuffer(res._arr, dtype=np.int64)[res._solve_layout.words_at // 8 :][:7]
    assert list(words) == [*res.ptrs, f.ctypes.data, f.shape[1]]
    assert f.ctypes.data + f.nbytes <= res.ptrs[0] + ctypes.sizeof(res._arr)
    assert spy.flags[-1][0] & _lib.FLAG_FACTOR_REUSED
    monkeypatch.setattr(_conic, "FACTOR_BUDGET", 0)
    ref = _grads(args)
    assert spy.factors[-1] is None
    assert not spy.flags[-1][0] & _lib.FLAG_FACTOR_REUSED
    for a, b in zip(got, ref, strict=True):
        scale = max(1.0, float(b.abs().max()))
        assert float((a - b).abs().max()) <= 1e-12 * scale


def test_reuse_with_failed_and_degenerate_samples(
    lib: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sample whose forward failed (infeasible: NaN output, zero gradient) and
    a degenerate one (a row with s = y = 0) next to ordinary ones: the same
    gradients with and without records."""
    n, m, p = 12, 12, 2
    args = [t.detach().clone() for t in _qp(3, 4, n, m, p)]
    P, q, G, h, A, b = args
    # Sample 1: infeasible (two contradicting rows).
    G[1, 0], h[1, 0] = torch.eye(n, dtype=F64)[0], -1.0
    G[1, 1], h[1, 1] = -torch.eye(n, dtype=F64)[0], -1.0
    # Sample 2: q = −P x̂ with x̂ on the boundary of row 0 (G₀ x̂ = h₀) and
    # every other row slack: the unconstrained optimum touches row 0.
    xh = torch.zeros(n, dtype=F64)
    q[2] = -(P[2] @ xh)
    G[2, 0], h[2, 0] = torch.eye(n, dtype=F64)[0], 0.0
    h[2, 1:] = (G[2, 1:] @ xh) + 1.0
    A[2], b[2] = 0.0, 0.0
    A[2, :, 1] = 1.0
    args = [t.requires_grad_() for t in (P, q, G, h, A, b)]
    spy = _Spy(monkeypatch)
    got = _grads(args, on_failure="nan")
    assert spy.factors[-1] is not None
    flags = spy.flags[-1]
    assert not (flags[1] & _lib.FLAG_FACTOR_REUSED)  # failed forward
    assert flags[2] & _lib.FLAG_WEAKLY_ACTIVE and not (flags[2] & _lib.FLAG_FACTOR_REUSED)
    assert flags[0] & _lib.FLAG_FACTOR_REUSED and flags[3] & _lib.FLAG_FACTOR_REUSED
    monkeypatch.setattr(_conic, "FACTOR_BUDGET", 0)
    ref = _grads(args, on_failure="nan")
    for a, b2 in zip(got, ref, strict=True):
        assert torch.equal(torch.isnan(a), torch.isnan(b2))
        a, b2 = torch.nan_to_num(a), torch.nan_to_num(b2)
        scale = max(1.0, float(b2.abs().max()))
        assert float((a - b2).abs().max()) <= 1e-12 * scale


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def test_records_freed_no_leak(lib: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The records are freed with the autograd graph, and hundreds of forward +
    backward calls keep the handle count and RSS flat (records of ~0.4 MB per
    call: a leak of them would add > 100 MB)."""
    spy = _Spy(monkeypatch)
    args = _qp(1, 16, 40, 40, 8)
    _grads(args)
    rec = spy.factors[-1]
    assert rec is not None and rec.nbytes > 16 * 8 * 40 * 40
    ref = weakref.ref(rec)
    del rec
    spy.factors.clear()
    spy.results.clear()
    gc.collect()
    assert ref() is None, "factorization records outlived their autograd graph"
    handles = _lib.handle_count()
    for _ in range(30):
        _grads(args)
    spy.factors.clear()
    spy.results.clear()
    spy.flags.clear()
    gc.collect()
    before = _rss_mb()
    for _ in range(300):
        _grads(args)
        spy.factors.clear()
        spy.results.clear()
        spy.flags.clear()
    gc.collect()
    grew = _rss_mb() - before
    assert _lib.handle_count() == handles
    assert grew < 40.0, f"RSS grew {grew:.1f} MB over 300 calls"


@pytest.mark.parametrize("solver", ["direct", "admm"])
def test_bpqp_reuse_matches_refactor(
    lib: object, monkeypatch: pytest.MonkeyPatch, solver: str
) -> None:
    """BPQP's direct solver solves the records' active-set system too (the
    kkt system at a polished solution): gradients with the records equal
    those without to 1e-12 relative, reused on most samples; the ADMM solver
    gets no records."""
    args = _qp(7, 8, 20, 20, 4)
    bw = BPQP(solver=solver)  # type: ignore[arg-type]
    spy = _Spy(monkeypatch)
    got = _grads(args, backward=bw)
    if solver == "admm":
        assert spy.factors[-1] is None
        return
    assert spy.factors[-1] is not None, "no factorization records kept for BPQP"
    reused = int((spy.flags[-1] & _lib.FLAG_FACTOR_REUSED != 0).sum())
    assert reused >= 6, f"records reused on {reused} of 8 samples"
    monkeypatch.setattr(_conic, "FACTOR_BUDGET", 0)
    ref = _grads(args, backward=bw)
    assert spy.factors[-1] is None
    for a, b in zip(got, ref, strict=True):
        scale = max(1.0, float(b.abs().max()))
        assert float((a - b).abs().max()) <= 1e-12 * scale
