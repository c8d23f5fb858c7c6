"""Exponential cones at default settings: x and the duals of ExpCone
constraints to ~1e-9 (the solver's tangent Newton refinement), checked
against closed-form or Newton-polished references and cvxpy + Clarabel;
float64 gradchecks through the primal and the ExpCone dual outputs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

cp = pytest.importorskip("cvxpy")
pytest.importorskip("clarabel")

from lpgd_go.cvxpy import CvxpyLayer  # noqa: E402

F64 = torch.float64
CLARABEL_TIGHT = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 500}


def _newton(grad: Callable, hess: Callable, x: np.ndarray) -> np.ndarray:
    for _ in range(100):
        g = grad(x)
        if np.abs(g).max() < 1e-15:
            break
        x = x - np.linalg.solve(hess(x), g)
    return x


def _logistic() -> tuple[object, list, object, list[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(0)
    n, N = 4, 30
    Xv = rng.standard_normal((N, n))
    y = (rng.random(N) < 0.5).astype(float)
    lam = 0.2
    X, L = cp.Parameter((N, n)), cp.Parameter(nonneg=True)
    w = cp.Variable(n)
    obj = cp.sum(cp.logistic(X @ w) - cp.multiply(y, X @ w)) / N + L * cp.sum_squares(w)

    def sig(v: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-Xv @ v))

    ref = _newton(
        lambda v: Xv.T @ (sig(v) - y) / N + 2 * lam * v,
        lambda v: Xv.T @ (Xv * (sig(v) * (1 - sig(v)))[:, None]) / N + 2 * lam * np.eye(n),
        np.zeros(n),
    )
    return cp.Problem(cp.Minimize(obj)), [X, L], w, [Xv, np.array(lam)], ref


def _entropy() -> tuple[object, list, object, list[np.ndarray], np.ndarray]:
    c_val = np.array([0.5, -1.0, 2.0, 0.1, -0.3])
    c = cp.Parameter(5)
    x = cp.Variable(5)
    prob = cp.Problem(cp.Maximize(cp.sum(cp.entr(x)) + c @ x), [cp.sum(x) == 1])
    return prob, [c], x, [c_val], np.exp(c_val) / np.exp(c_val).sum()


def _water_filling() -> tuple[object, list, object, list[np.ndarray], np.ndarray]:
    a_val = np.array([0.1, 0.25, 0.9, 0.05, 1.2])
    a = cp.Parameter(5, nonneg=True)
    x = cp.Variable(5)
    prob = cp.Problem(cp.Maximize(cp.sum(cp.log(x + a))), [cp.sum(x) == 1, x >= 0])
    level = (1 + 0.05 + 0.1 + 0.25) / 3
    return prob, [a], x, [a_val], np.maximum(0, level - a_val)


def _exp() -> tuple[object, list, object, list[np.ndarray], np.ndarray]:
    q_val = np.array([0.3, 1.7, 2.5, 0.9])
    q = cp.Parameter(4)
    x = cp.Variable(4)
    prob = cp.Problem(cp.Minimize(cp.sum(cp.exp(x)) - q @ x))
    return prob, [q], x, [q_val], np.log(q_val)


FAMILIES = {
    "logistic": _logistic,
    "entropy": _entropy,
    "water_filling": _water_filling,
    "exp": _exp,
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_default_settings_accuracy(family: str) -> None:
    """x to 1e-9 of the exact solution at default settings (the interior-point
    solution alone is ~1e-5 off on these active exponential cones)."""
    prob, params, var, values, ref = FAMILIES[family]()
    layer = CvxpyLayer(prob, params, [var])
    (x,) = layer(*[torch.tensor(v, dtype=F64) for v in values])
    np.testing.assert_allclose(x.numpy(), ref, atol=1e-9, rtol=0)


def _expcone_problem(shape: tuple[int, ...]) -> tuple[object, object, object, object]:
    """min Σ t − ⟨q, x⟩ s.t. ExpCone(x, 1, t), Σ x ≤ 1 (t = exp(x) at the
    solution; the sum constraint is active)."""
    x, t = cp.Variable(shape), cp.Variable(shape)
    q = cp.Parameter(shape)
    con = cp.constraints.ExpCone(x, np.ones(shape), t)
    prob = cp.Problem(cp.Minimize(cp.sum(t) - cp.sum(cp.multiply(q, x))), [con, cp.sum(x) <= 1])
    return prob, q, x, con


def _expcone_exact(q: np.ndarray) -> list[np.ndarray]:
    """Exact duals of _expcone_problem: x = log(q − ν) with ν ≥ 0 the
    multiplier of Σ x ≤ 1, and the cone's multiplier (−e^x, (x − 1)e^x, 1)."""

    def total(nu: float) -> float:
        return float(np.log(q - nu).sum())

    nu = 0.0
    if total(0.0) > 1:
        lo, hi = 0.0, float(q.min())
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if total(mid) > 1 else (lo, mid)
        nu = 0.5 * (lo + hi)
    x = np.log(q - nu)
    return [-np.exp(x), (x - 1) * np.exp(x), np.ones_like(x)]


@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_expcone_duals_match_clarabel(shape: tuple[int, ...]) -> None:
    """The three dual variables of ExpCone(x, y, z) equal the exact ones to
    1e-9 and cvxpy + Clarabel's dual_value (same layout and sign) to Clarabel's
    accuracy, batched and unbatched."""
    prob, q, x, con = _expcone_problem(shape)
    rng = np.random.default_rng(7)
    qs = rng.uniform(0.5, 2.5, (3, *shape))
    refs = []
    for qv in qs:
        q.value = qv
        prob.solve(solver=cp.CLARABEL, **CLARABEL_TIGHT)
        refs.append([np.asarray(dv.value) for dv in con.dual_variables])
    layer = CvxpyLayer(prob, [q], [x, *con.dual_variables])
    out = layer(torch.tensor(qs))
    for k in range(3):
        exact = _expcone_exact(qs[k])
        for j in range(3):
            assert out[1 + j][k].shape == shape
            np.testing.assert_allclose(out[1 + j][k].numpy(), exact[j], atol=1e-9, rtol=0)
            np.testing.assert_allclose(out[1 + j][k].numpy(), refs[k][j], atol=1e-6, rtol=0)
    single = layer(torch.tensor(qs[0]))
    for j in range(3):
        np.testing.assert_allclose(single[1 + j].numpy(), out[1 + j][0].numpy(), atol=1e-12)


def test_expcone_dual_gradcheck() -> None:
    """float64 gradcheck through the ExpCone duals (kkt backward, default
    settings)."""
    prob, q, _x, con = _expcone_problem((3,))
    layer = CvxpyLayer(prob, [q], [*con.dual_variables])
    qv = torch.tensor([0.7, 1.4, 2.1], dtype=F64, requires_grad=True)
    for j in range(3):
        assert torch.autograd.gradcheck(
            lambda v, j=j: layer(v)[j], (qv,), eps=1e-6, atol=1e-5, rtol=1e-4
        )


def test_default_settings_gradcheck_logistic() -> None:
    """gradcheck of a logistic regression at default settings with a small
    step (as cvxpylayers' own tests do): needs x accurate well below eps."""
    prob, params, var, values, _ = _logistic()
    layer = CvxpyLayer(prob, params, [var])
    X = torch.tensor(values[0], requires_grad=True)
    lam = torch.tensor(0.2, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda X, lam: layer(X, lam)[0], (X, lam), eps=1e-6, atol=1e-5, rtol=1e-4
    )
