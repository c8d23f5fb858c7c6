"""Parity with cvxpylayers (Clarabel through diffcp) and qpth on random feasible QPs."""

from __future__ import annotations

import pytest
import torch

from lpgd_go import solve_qp

from conftest import TIGHT, make_qp, require

N, M_INEQ, P_EQ, BATCH = 4, 6, 2, 3


def _random_data(seed: int, batched: bool) -> dict[str, torch.Tensor]:
    """L (P = LᵀL + I/2 is built from it), q, G, h, A, b; batched in the
    leading dim, or with L, G, A shared and q, h, b batched."""
    qps = [make_qp(n=N, m_ineq=M_INEQ, p=P_EQ, n_active=2, seed=seed + k) for k in range(BATCH)]
    g = torch.Generator().manual_seed(seed)
    Ls = torch.randn(BATCH, N, N, generator=g, dtype=torch.float64) / N**0.5
    data = {
        "L": Ls,
        "q": torch.stack([qp.q for qp in qps]),
        "G": torch.stack([qp.G for qp in qps]),
        "h": torch.stack([qp.h for qp in qps]),
        "A": torch.stack([qp.A for qp in qps]),
        "b": torch.stack([qp.b for qp in qps]),
    }
    if not batched:
        for k in ("L", "G", "A"):
            data[k] = data[k][0]
        # keep every sample feasible with the shared G, A: h = G x_k + slack_k
        data["h"] = torch.stack([data["G"] @ qp.x + (qp.h - qp.G @ qp.x) for qp in qps])
        data["b"] = torch.stack([data["A"] @ qp.x for qp in qps])
    return data


def _P_from_L(L: torch.Tensor) -> torch.Tensor:
    return L.transpose(-1, -2) @ L + 0.5 * torch.eye(N, dtype=L.dtype)


def _grads(
    fn: object, data: dict[str, torch.Tensor], w: torch.Tensor
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    leaves = {k: v.clone().requires_grad_(True) for k, v in data.items()}
    x = fn(leaves)  # type: ignore[operator]
    (w * x).sum().backward()
    return x.detach(), {k: v.grad for k, v in leaves.items()}


# cvxpylayers' default (diffcp) backend rewrites the quadratic objective as a
# second-order cone, so its primal accuracy is only about sqrt(gap tolerance):
# Clarabel reports "AlmostSolved" below a gap of ~1e-11 and leaves x off by
# ~1e-6 there. SCS at eps=1e-12 reaches ~1e-11 and is the tight reference;
# Clarabel runs with tolerances matched to what it reaches.
REFERENCES = {
    "SCS": ({"solve_method": "SCS", "eps": 1e-12, "max_iters": 200_000}, 1e-6, 1e-5),
    "Clarabel": (
        {"solve_method": "Clarabel", "tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11},
        1e-5,
        1e-4,
    ),
}


@pytest.mark.parametrize("reference", list(REFERENCES))
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "shared"])
def test_parity_cvxpylayers(lib: object, batched: bool, reference: str) -> None:
    cp = require("cvxpy")
    cvxpylayers_torch = require("cvxpylayers.torch")

    x = cp.Variable(N)
    L = cp.Parameter((N, N))
    q = cp.Parameter(N)
    G = cp.Parameter((M_INEQ, N))
    h = cp.Parameter(M_INEQ)
    A = cp.Parameter((P_EQ, N))
    b = cp.Parameter(P_EQ)
    obj = 0.5 * cp.sum_squares(L @ x) + 0.25 * cp.sum_squares(x) + q @ x
    prob = cp.Problem(cp.Minimize(obj), [G @ x <= h, A @ x == b])
    assert prob.is_dpp()
    layer = cvxpylayers_torch.CvxpyLayer(prob, parameters=[L, q, G, h, A, b], variables=[x])
    args, x_tol, g_tol = REFERENCES[reference]
    solver_args = {**args, "mode": "dense", "n_jobs_forward": 1, "n_jobs_backward": 1}

    data = _random_data(seed=100, batched=batched)
    w = torch.randn(BATCH, N, generator=torch.Generator().manual_seed(1), dtype=torch.float64)

    def ours(d: dict[str, torch.Tensor]) -> torch.Tensor:
        P = _P_from_L(d["L"])
        return solve_qp(P, d["q"], d["G"], d["h"], d["A"], d["b"], settings=TIGHT)

    def theirs(d: dict[str, torch.Tensor]) -> torch.Tensor:
        (sol,) = layer(d["L"], d["q"], d["G"], d["h"], d["A"], d["b"], solver_args=solver_args)
        return sol

    x1, g1 = _grads(ours, data, w)
    x2, g2 = _grads(theirs, data, w)
    torch.testing.assert_close(x1, x2, rtol=0, atol=x_tol)
    for k in data:
        scale = g2[k].abs().max().clamp(min=1.0)
        err = (g1[k] - g2[k]).abs().max() / scale
        assert err < g_tol, f"gradient of {k} differs: relative error {err:.2e}"


@pytest.mark.parametrize("with_eq", [True, False])
def test_parity_qpth(lib: object, with_eq: bool) -> None:
    qpth_qp = require("qpth.qp")
    qps = [make_qp(n=N, m_ineq=M_INEQ, p=P_EQ, n_active=2, seed=40 + k) for k in range(BATCH)]
    data = {k: torch.stack([getattr(qp, k) for qp in qps]) for k in ("P", "q", "G", "h", "A", "b")}
    if not with_eq:
        del data["A"], data["b"]
    w = torch.randn(BATCH, N, generator=torch.Generator().manual_seed(2), dtype=torch.float64)

    def ours(d: dict[str, torch.Tensor]) -> torch.Tensor:
        P = 0.5 * (d["P"] + d["P"].transpose(-1, -2))
        return solve_qp(P, d["q"], d["G"], d["h"], d.get("A"), d.get("b"), settings=TIGHT)

    def theirs(d: dict[str, torch.Tensor]) -> torch.Tensor:
        P = 0.5 * (d["P"] + d["P"].transpose(-1, -2))
        e = torch.empty(0, dtype=torch.float64)
        fn = qpth_qp.QPFunction(verbose=-1, eps=1e-12, maxIter=50)
        return fn(P, d["q"], d["G"], d["h"], d.get("A", e), d.get("b", e))

    x1, g1 = _grads(ours, data, w)
    x2, g2 = _grads(theirs, data, w)
    torch.testing.assert_close(x1, x2, rtol=0, atol=1e-6)
    for k in data:
        scale = g2[k].abs().max().clamp(min=1.0)
        err = (g1[k] - g2[k]).abs().max() / scale
        assert err < 1e-5, f"gradient of {k} differs: relative error {err:.2e}"
