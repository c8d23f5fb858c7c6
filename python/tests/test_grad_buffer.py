"""The backward's output buffer is not zeroed (``_core._np_empty``): Go
writes every word Python reads (each sample's gradients, or zeros for a
failed or skipped sample, its status and flags) and the struct words are
packed. Each case runs its backward with every buffer (however small: the
large-buffer path) filled with NaN and again zeroed: the gradients must be
the same, bit for bit, so a word Go leaves unwritten shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from lpgd_go import BPQP, KKT, LPGD, Cones, SparseMatrix, _core, solve_cone, solve_qp

F64 = torch.float64
Args = list[torch.Tensor | None]


def _qp(B: int, n: int, m: int, p: int, quadratic: bool, seed: int) -> Args:
    """Bounded random LPs or QPs (a box and random rows, as in the LPGD
    benchmark)."""
    g = torch.Generator().manual_seed(seed)
    z = torch.rand(B, n, generator=g, dtype=F64) - 0.5
    Gr = torch.randn(B, m, n, generator=g, dtype=F64)
    eye = torch.eye(n, dtype=F64).expand(B, n, n)
    G = torch.cat([Gr, eye, -eye], dim=1)
    h = torch.cat(
        [
            (Gr @ z[..., None])[..., 0] + torch.rand(B, m, generator=g, dtype=F64),
            torch.ones(B, 2 * n, dtype=F64),
        ],
        dim=1,
    )
    A = torch.randn(B, p, n, generator=g, dtype=F64)
    b = (A @ z[..., None])[..., 0]
    q = torch.randn(B, n, generator=g, dtype=F64)
    P = None
    if quadratic:
        L = torch.randn(B, n, n, generator=g, dtype=F64)
        P = L @ L.mT / n + 0.1 * torch.eye(n, dtype=F64)
    return [P, q, G, h, A, b]


def _ray_lp(g1: Sequence[float]) -> tuple[Args, torch.Tensor]:
    """min −x₁ s.t. x₂ = 0, x₁ ≤ 1, x₁ + x₂ ≤ 2: LPGD's right side (τ = 1)
    is unbounded, its backward fails, where g1_k > 1."""
    B = len(g1)
    q = torch.tensor([-1.0, 0.0], dtype=F64).repeat(B, 1)
    G = torch.tensor([[1.0, 0.0], [1.0, 1.0]], dtype=F64).repeat(B, 1, 1)
    h = torch.tensor([1.0, 2.0], dtype=F64).repeat(B, 1)
    A = torch.tensor([[0.0, 1.0]], dtype=F64).repeat(B, 1, 1)
    b = torch.zeros(B, 1, dtype=F64)
    return [None, q, G, h, A, b], torch.tensor([[v, 0.5] for v in g1], dtype=F64)


def _grads(
    args: Args, backward: object, w: torch.Tensor, on_failure: str
) -> list[torch.Tensor | None]:
    leaves = [None if a is None else a.detach().clone().requires_grad_(True) for a in args]
    x = solve_qp(*leaves, backward=backward, on_failure=on_failure)  # type: ignore[arg-type]
    assert isinstance(x, torch.Tensor)
    (x.nan_to_num() * w).sum().backward()
    return [None if a is None else a.grad for a in leaves]


def _filled(value: float) -> Callable[[int], np.ndarray]:
    def make(words: int) -> np.ndarray:
        return np.full(words, value)

    return make


def _case(name: str) -> tuple[Args, object, torch.Tensor, str]:
    w3 = torch.linspace(-1.0, 1.0, 3 * 6, dtype=F64).reshape(3, 6)
    if name.startswith(("qp-", "lp-")):
        args = _qp(3, 6, 4, 2, name.startswith("qp-"), seed=len(name))
        method = name[3:]
        backward: object = {
            "kkt": KKT(),
            "bpqp": BPQP(),
            "lpgd": LPGD(tau=0.1),
            "lpgd-right": LPGD(tau=0.1, side="right"),
            "lpgd-slow": LPGD(tau=0.1, fast_path=False),
            "lpgd-auto": LPGD(tau="auto"),
        }[method]
        return args, backward, w3, "raise"
    if name == "shared-G":
        args = _qp(3, 6, 4, 2, True, seed=5)
        G, h = args[2], args[3]
        assert G is not None and h is not None
        args[2], args[3] = G[0], h[0]  # one G and h for the batch (stride 0)
        return args, LPGD(tau=0.1), w3, "raise"
    # A sample whose LPGD backward fails (zeroed by Go) beside two that work.
    args, w = _ray_lp([0.5, 2.0, 0.25])
    return args, LPGD(tau=1.0, side="right"), w, "nan"


CASES = [
    "qp-kkt",
    "qp-bpqp",
    "qp-lpgd",
    "qp-lpgd-right",
    "qp-lpgd-slow",
    "lp-lpgd",
    "lp-lpgd-right",
    "lp-lpgd-auto",
    "shared-G",
    "failed-backward-sample",
]


@pytest.mark.parametrize("name", CASES)
def test_backward_writes_every_word(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    args, backward, w, on_failure = _case(name)
    monkeypatch.setattr(_core, "_CALLOC_WORDS", 0)
    monkeypatch.setattr(_core, "_np_empty", _filled(0.0))
    ref = _grads(args, backward, w, on_failure)
    monkeypatch.setattr(_core, "_np_empty", _filled(float("nan")))
    got = _grads(args, backward, w, on_failure)
    assert any(g is not None for g in ref)
    for r, g in zip(ref, got, strict=True):
        assert (r is None) == (g is None)
        if r is not None and g is not None:
            assert torch.equal(r, g), name
            assert bool(torch.isfinite(r).all())


def test_failed_sample_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    """The failing case above does fail (its sample's gradients are Go's
    zeros in a NaN-filled buffer), so the comparison covers zero(k)."""
    args, backward, w, on_failure = _case("failed-backward-sample")
    monkeypatch.setattr(_core, "_CALLOC_WORDS", 0)
    monkeypatch.setattr(_core, "_np_empty", _filled(float("nan")))
    got = [g for g in _grads(args, backward, w, on_failure) if g is not None]
    assert all(bool((g[1] == 0).all()) for g in got)
    assert any(bool((g[[0, 2]] != 0).any()) for g in got)
    assert all(bool(torch.isfinite(g).all()) for g in got)


@pytest.mark.parametrize("backward", ["kkt", "lpgd"])
def test_sparse_pattern_backward_writes_every_word(
    backward: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CSC-layout A (the cone front end's SparseMatrix: the box rows
    sparse), whose gradient Go copies from the worker's pattern-form
    buffer: the same check."""
    P, q, G, h, A, b = _qp(1, 6, 4, 2, True, seed=9)
    assert P is not None and G is not None and h is not None and A is not None and b is not None
    pat = sp.coo_matrix(torch.cat([A[0], G[0]]).numpy())
    av = torch.tensor(pat.data, dtype=F64)
    bc = torch.cat([b[0], h[0]])
    cones = Cones(zero=2, nonneg=G.shape[1])
    w = torch.linspace(-1.0, 1.0, 6, dtype=F64)
    method = KKT() if backward == "kkt" else LPGD(tau=0.1)

    def grads() -> list[torch.Tensor]:
        leaves = [t.detach().clone().requires_grad_(True) for t in (P[0], q[0], av, bc)]
        x, _, _ = solve_cone(
            leaves[0], leaves[1], SparseMatrix(pat, leaves[2]), leaves[3], cones, backward=method
        )
        (x * w).sum().backward()
        out = [t.grad for t in leaves]
        assert all(g is not None for g in out)
        return out  # type: ignore[return-value]

    monkeypatch.setattr(_core, "_CALLOC_WORDS", 0)
    monkeypatch.setattr(_core, "_np_empty", _filled(0.0))
    ref = grads()
    monkeypatch.setattr(_core, "_np_empty", _filled(float("nan")))
    got = grads()
    for r, g in zip(ref, got, strict=True):
        assert torch.equal(r, g) and bool(torch.isfinite(r).all())
