"""`log_det` (PSD and exponential cones together) and `lambda_max` (an LMI)
through `CvxpyLayer`: solutions against closed forms or cvxpy + Clarabel at
1e-10, gradients against the closed form's derivative and gradcheck (issue 15's
parity families)."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
import torch

from lpgd_go.cvxpy import CvxpyLayer

F64 = torch.float64


def _spd(rng: np.random.Generator, d: int) -> np.ndarray:
    g = rng.standard_normal((d, d))
    return 0.5 * np.eye(d) + g @ g.T / d


def _logdet_layer(d: int) -> CvxpyLayer:
    """max log det X − tr(C X) over X ⪰ 0: X* = C⁻¹ for C ≻ 0."""
    X = cp.Variable((d, d), PSD=True)
    C = cp.Parameter((d, d), symmetric=True)
    prob = cp.Problem(cp.Maximize(cp.log_det(X) - cp.trace(C @ X)))
    return CvxpyLayer(prob, parameters=[C], variables=[X])


@pytest.mark.parametrize("d", [2, 3, 4])
def test_log_det_closed_form_and_derivative(d: int) -> None:
    rng = np.random.default_rng(d)
    Cs = np.stack([_spd(rng, d) for _ in range(4)])
    assert (np.linalg.eigvalsh(Cs) >= 0.5 - 1e-12).all()
    Ct = torch.tensor(Cs, dtype=F64, requires_grad=True)
    (X,) = _logdet_layer(d)(Ct)
    inv = np.linalg.inv(Cs)
    assert np.abs(X.detach().numpy() - inv).max() < 1e-8
    # Directional derivatives along symmetric E: dX = −C⁻¹ E C⁻¹.
    w = rng.standard_normal(X.shape)
    (X * torch.tensor(w)).sum().backward()
    assert Ct.grad is not None
    for _ in range(3):
        e = rng.standard_normal(Cs.shape)
        E = e + np.swapaxes(e, 1, 2)
        exact = np.einsum("bij,bij->b", -inv @ E @ inv, w)
        ours = np.einsum("bij,bij->b", Ct.grad.numpy(), E)
        assert np.abs(ours - exact).max() <= 1e-5 * max(1.0, np.abs(exact).max())


def test_log_det_gradcheck() -> None:
    d = 3
    layer = _logdet_layer(d)
    C = torch.tensor(_spd(np.random.default_rng(7), d), dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda c: layer((c + c.T) / 2)[0], (C,), eps=1e-6, atol=1e-5, rtol=1e-4
    )


def _lambda_max_problem(d: int) -> tuple[cp.Problem, cp.Parameter, cp.Variable]:
    """min λmax(Y + Z) + ‖Z‖²_F over symmetric Z."""
    Y = cp.Parameter((d, d), symmetric=True)
    Z = cp.Variable((d, d), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.lambda_max(Y + Z) + cp.sum_squares(Z)))
    return prob, Y, Z


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lambda_max_against_clarabel(seed: int) -> None:
    d = 4
    rng = np.random.default_rng(seed)
    Ys = np.stack([_spd(rng, d) for _ in range(3)])
    prob, Y, Z = _lambda_max_problem(d)
    (Zo,) = CvxpyLayer(prob, parameters=[Y], variables=[Z])(torch.tensor(Ys, dtype=F64))
    for k in range(Ys.shape[0]):
        Y.value = Ys[k]
        prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
        assert prob.status == cp.OPTIMAL
        assert np.abs(Zo[k].numpy() - Z.value).max() < 1e-6


def test_lambda_max_gradcheck() -> None:
    d = 3
    prob, Y, Z = _lambda_max_problem(d)
    layer = CvxpyLayer(prob, parameters=[Y], variables=[Z])
    Yt = torch.tensor(_spd(np.random.default_rng(3), d), dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda y: layer((y + y.T) / 2)[0], (Yt,), eps=1e-6, atol=1e-5, rtol=1e-4
    )
