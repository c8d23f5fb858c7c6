"""Closed-form oracles: equality-constrained QPs (KKT linear system) and box
projections x = clip(p, l, u), with their gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from lpgd_go import QPInfo, solve_qp

from conftest import TIGHT, make_qp, make_qp_batch


def eq_qp_oracle(
    P: np.ndarray, q: np.ndarray, A: np.ndarray, b: np.ndarray, w: np.ndarray
) -> dict[str, np.ndarray]:
    """Solution of min ½xᵀPx+qᵀx s.t. Ax=b and the gradients of L = wᵀx."""
    n, p = P.shape[0], A.shape[0]
    K = np.block([[P, A.T], [A, np.zeros((p, p))]])
    z = np.linalg.solve(K, np.concatenate([-q, b]))
    x, nu = z[:n], z[n:]
    adj = np.linalg.solve(K.T, np.concatenate([w, np.zeros(p)]))
    u, v = adj[:n], adj[n:]
    return {
        "x": x,
        "nu": nu,
        "P": -0.5 * (np.outer(u, x) + np.outer(x, u)),  # symmetric matrix derivative
        "q": -u,
        "A": -(np.outer(v, x) + np.outer(nu, u)),
        "b": v,
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equality_qp_matches_kkt_system(lib: object, seed: int) -> None:
    qp = make_qp(n=5, m_ineq=0, p=2, seed=seed)
    P, q, A, b = (t.clone().requires_grad_() for t in (qp.P, qp.q, qp.A, qp.b))
    w = torch.randn(5, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    x, info = solve_qp(P, q, A=A, b=b, settings=TIGHT, return_info=True)
    (w @ x).backward()
    ref = eq_qp_oracle(*(t.detach().numpy() for t in (P, q, A, b)), w.numpy())
    np.testing.assert_allclose(x.detach().numpy(), ref["x"], rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(info.eq_duals.detach().numpy(), ref["nu"], rtol=1e-7, atol=1e-7)
    assert info.ineq_duals.shape == (0,) and info.slacks.shape == (0,)
    for name, t in (("P", P), ("q", q), ("A", A), ("b", b)):
        np.testing.assert_allclose(t.grad.numpy(), ref[name], rtol=1e-7, atol=1e-8, err_msg=name)


def test_equality_qp_batched_matches_oracle(lib: object) -> None:
    qps = [make_qp(n=4, m_ineq=0, p=2, seed=10 + k) for k in range(3)]
    P = torch.stack([qp.P for qp in qps]).requires_grad_()
    q = torch.stack([qp.q for qp in qps]).requires_grad_()
    A = qps[0].A.clone().requires_grad_()  # shared
    b = torch.stack([qps[0].A @ qp.x for qp in qps]).requires_grad_()
    w = torch.randn(3, 4, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    x = solve_qp(P, q, A=A, b=b, settings=TIGHT)
    (w * x).sum().backward()
    gA = np.zeros((2, 4))
    for k in range(3):
        ref = eq_qp_oracle(
            P[k].detach().numpy(),
            q[k].detach().numpy(),
            A.detach().numpy(),
            b[k].detach().numpy(),
            w[k].numpy(),
        )
        np.testing.assert_allclose(x[k].detach().numpy(), ref["x"], rtol=1e-8, atol=1e-8)
        np.testing.assert_allclose(P.grad[k].numpy(), ref["P"], rtol=1e-7, atol=1e-8)
        np.testing.assert_allclose(q.grad[k].numpy(), ref["q"], rtol=1e-7, atol=1e-8)
        np.testing.assert_allclose(b.grad[k].numpy(), ref["b"], rtol=1e-7, atol=1e-8)
        gA += ref["A"]
    np.testing.assert_allclose(A.grad.numpy(), gA, rtol=1e-7, atol=1e-8)


def box_qp(
    p: torch.Tensor, lo: torch.Tensor, up: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """min ½‖x − p‖² s.t. lo ≤ x ≤ up as (P, q, G, h)."""
    n = p.shape[-1]
    eye = torch.eye(n, dtype=p.dtype)
    return eye, -p, torch.cat([eye, -eye]), torch.cat([up, -lo], dim=-1)


def test_box_projection_and_gradients(lib: object) -> None:
    g = torch.Generator().manual_seed(5)
    n = 8
    lo = -torch.rand(n, generator=g, dtype=torch.float64) - 0.2
    up = torch.rand(n, generator=g, dtype=torch.float64) + 0.2
    p = torch.tensor([-2.0, -0.1, 0.05, 2.0, 0.1, -3.0, 1.5, 0.0], dtype=torch.float64)
    p.requires_grad_()
    lo_ = lo.clone().requires_grad_()
    up_ = up.clone().requires_grad_()
    P, q, G, h = box_qp(p, lo_, up_)
    x, info = solve_qp(P, q, G, h, settings=TIGHT, return_info=True)
    ref = torch.clamp(p.detach(), lo, up)
    torch.testing.assert_close(x.detach(), ref, rtol=1e-8, atol=1e-8)
    lam = info.ineq_duals.detach()
    torch.testing.assert_close(lam[:n], (p.detach() - up).clamp(min=0), rtol=1e-7, atol=1e-8)
    torch.testing.assert_close(lam[n:], (lo - p.detach()).clamp(min=0), rtol=1e-7, atol=1e-8)
    torch.testing.assert_close(info.objective, 0.5 * (ref**2).sum() - (p.detach() * ref).sum())

    w = torch.randn(n, generator=g, dtype=torch.float64)
    (w @ x).backward()
    inside = ((p > lo) & (p < up)).double()
    torch.testing.assert_close(p.grad, w * inside, rtol=1e-7, atol=1e-8)
    torch.testing.assert_close(up_.grad, w * (p.detach() > up).double(), rtol=1e-7, atol=1e-8)
    torch.testing.assert_close(lo_.grad, w * (p.detach() < lo).double(), rtol=1e-7, atol=1e-8)


def test_solution_matches_constructed_optimum(lib: object) -> None:
    qp = make_qp(n=6, m_ineq=8, p=2, n_active=3, seed=11)
    x, info = solve_qp(*qp.args(), settings=TIGHT, return_info=True)
    torch.testing.assert_close(x, qp.x, rtol=1e-8, atol=1e-8)
    torch.testing.assert_close(info.ineq_duals, qp.lam, rtol=1e-7, atol=1e-8)
    torch.testing.assert_close(info.eq_duals, qp.nu, rtol=1e-7, atol=1e-8)
    torch.testing.assert_close(info.slacks, qp.h - qp.G @ qp.x, rtol=1e-7, atol=1e-8)
    obj = 0.5 * qp.x @ qp.P @ qp.x + qp.q @ qp.x
    torch.testing.assert_close(info.objective, obj, rtol=1e-8, atol=1e-8)
    # n = 6, strictly convex: solved by the dual active-set start, before
    # any interior-point iteration, at the polished point.
    assert int(info.status) == 1 and int(info.iterations) == 0 and bool(info.polished)


def test_lp_without_P(lib: object) -> None:
    # min -x1 - 2 x2 s.t. 0 <= x <= 1, x1 + x2 <= 1.5  ->  x = (0.5, 1)
    q = torch.tensor([-1.0, -2.0], dtype=torch.float64)
    G = torch.tensor([[1.0, 0], [0, 1], [-1, 0], [0, -1], [1, 1]], dtype=torch.float64)
    h = torch.tensor([1.0, 1, 0, 0, 1.5], dtype=torch.float64)
    x, info = solve_qp(None, q, G, h, settings=TIGHT, return_info=True)
    torch.testing.assert_close(x, torch.tensor([0.5, 1.0], dtype=torch.float64), atol=1e-7, rtol=0)
    torch.testing.assert_close(info.objective, torch.tensor(-2.5, dtype=torch.float64))


def test_unconstrained_qp(lib: object) -> None:
    qp = make_qp(n=3, m_ineq=0, p=0)
    P = qp.P.clone().requires_grad_()
    q = torch.stack([qp.q, -qp.q]).requires_grad_()
    x = solve_qp(P, q, settings=TIGHT)
    Pinv = torch.linalg.inv(qp.P)
    torch.testing.assert_close(x.detach(), -(q.detach() @ Pinv), rtol=1e-9, atol=1e-10)
    w = torch.tensor([[1.0, 2.0, -1.0], [0.5, 0.0, 1.0]], dtype=torch.float64)
    (w * x).sum().backward()
    u = w @ Pinv  # adjoint per sample
    torch.testing.assert_close(q.grad, -u, rtol=1e-9, atol=1e-10)
    gP = -0.5 * sum(
        torch.outer(u[k], x[k].detach()) + torch.outer(x[k].detach(), u[k]) for k in range(2)
    )
    torch.testing.assert_close(P.grad, gP, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dual_active_start_matches_oracle_and_interior_point(lib: object, seed: int) -> None:
    """Small strictly convex QPs (n = 10 ≤ 32) are solved by the dual
    active-set start (0 interior-point iterations, polished): x and the duals
    are the constructed optimum's, and the gradients equal those at the
    interior-point method's tight solution (polish, and with it the start, off)."""
    qp = make_qp_batch(6, n=10, m_ineq=14, p=2, n_active=5, seed=10 * seed)
    names = ("P", "q", "G", "h", "A", "b")
    w = torch.randn(6, 10, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)

    def run(
        settings: dict[str, Any] | None,
    ) -> tuple[torch.Tensor, QPInfo, dict[str, torch.Tensor]]:
        leaves = {k: v.clone().requires_grad_() for k, v in zip(names, qp.args(), strict=True)}
        x, info = solve_qp(*leaves.values(), settings=settings, return_info=True)
        (x * w).sum().backward()
        grads = {k: v.grad for k, v in leaves.items() if v.grad is not None}
        assert len(grads) == len(names)
        return x.detach(), info, grads

    x, info, g = run(None)
    assert (info.iterations == 0).all() and info.polished.all()
    torch.testing.assert_close(x, qp.x, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(info.ineq_duals.detach(), qp.lam, rtol=1e-8, atol=1e-9)
    torch.testing.assert_close(info.eq_duals.detach(), qp.nu, rtol=1e-8, atol=1e-9)
    tight = {
        "polish": False,
        "tol_gap_abs": 1e-12,
        "tol_gap_rel": 1e-12,
        "tol_feas": 1e-12,
    }
    x2, info2, g2 = run(tight)
    assert (info2.iterations > 0).all() and not info2.polished.any()
    torch.testing.assert_close(x, x2, rtol=1e-9, atol=1e-9)
    for k in names:
        torch.testing.assert_close(g[k], g2[k], rtol=1e-6, atol=1e-8, msg=f"gradient of {k}")
