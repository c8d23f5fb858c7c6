"""lpgd_go.cvxpy.CvxpyLayer: parity with cvxpylayers 1.2 on the usual layer
problems, batching, dual outputs, LPGD, and error paths.

The reference is cvxpylayers' default diffcp backend run with SCS at eps 1e-12
(its Clarabel path turns quadratics into SOCs and is only ~1e-6 accurate).
Solutions are compared to 1e-6 and gradients to 1e-5, relative to the largest
reference entry (at least 1), except where a comment says otherwise.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence

import cvxpy as cp
import numpy as np
import pytest
import torch

from lpgd_go import BPQP, LPGD, SolverError, Status
from lpgd_go.cvxpy import CvxpyLayer

from conftest import require

F64 = torch.float64
TIGHT_ARGS = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11, "max_iter": 200}
SCS_ARGS = {"solve_method": "SCS", "eps": 1e-12, "max_iters": 200_000}


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _ref_layer(problem: cp.Problem, params: Sequence, variables: Sequence) -> object:
    cl = require("cvxpylayers.torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cl.CvxpyLayer(problem, parameters=list(params), variables=list(variables))  # type: ignore[attr-defined]


def _run(
    layer: Callable,
    values: Sequence[torch.Tensor],
    weights: list[torch.Tensor] | None,
    **kw: object,
) -> tuple[list[torch.Tensor], list[torch.Tensor | None], list[torch.Tensor]]:
    leaves = [v.clone().requires_grad_(True) for v in values]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outs = layer(*leaves, **kw)
    if weights is None:
        weights = [
            torch.randn(o.shape, generator=_gen(7 + i), dtype=F64) for i, o in enumerate(outs)
        ]
    loss = sum((w * o).sum() for w, o in zip(weights, outs, strict=True))
    loss.backward()  # type: ignore[union-attr]
    return [o.detach() for o in outs], [t.grad for t in leaves], weights


def _close(got: torch.Tensor, want: torch.Tensor, tol: float, what: str) -> None:
    scale = max(1.0, float(want.abs().max())) if want.numel() else 1.0
    err = float((got - want).abs().max()) if want.numel() else 0.0
    assert err <= tol * scale, f"{what}: max abs error {err:.3g} > {tol:g} * {scale:.3g}"


def _parity(
    problem: cp.Problem,
    params: Sequence[cp.Parameter],
    variables: Sequence,
    values: Sequence[torch.Tensor],
    *,
    x_tol: float = 1e-6,
    g_tol: float = 1e-5,
    backward: object = "kkt",
) -> tuple[list[torch.Tensor], list[torch.Tensor | None]]:
    ours = CvxpyLayer(
        problem, parameters=list(params), variables=list(variables), backward=backward
    )
    ref = _ref_layer(problem, params, variables)
    out_r, g_r, w = _run(ref, values, None, solver_args=SCS_ARGS)  # type: ignore[arg-type]
    out_o, g_o, _ = _run(ours, values, w, solver_args=TIGHT_ARGS)
    for k, (a, b) in enumerate(zip(out_o, out_r, strict=True)):
        assert a.shape == b.shape, f"output {k}: shape {tuple(a.shape)} != {tuple(b.shape)}"
        _close(a, b, x_tol, f"output {k}")
    for k, (a, b) in enumerate(zip(g_o, g_r, strict=True)):
        assert a is not None and b is not None
        _close(a, b, g_tol, f"gradient of parameter {k}")
    return out_o, g_o


# ---------------------------------------------------------------------------
# Parity on the usual problems
# ---------------------------------------------------------------------------


def test_ridge_batched_A_shared_lambda(lib: object) -> None:
    n, m, B = 4, 6, 3
    x = cp.Variable(n)
    A, b = cp.Parameter((m, n)), cp.Parameter(m)
    lam = cp.Parameter(nonneg=True)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b) + lam * cp.sum_squares(x)))
    g = _gen(0)
    vals = [
        torch.randn(B, m, n, generator=g, dtype=F64),
        torch.randn(B, m, generator=g, dtype=F64),
        torch.tensor(0.3, dtype=F64),
    ]
    (xs,), _ = _parity(prob, [A, b, lam], [x], vals)
    # Closed form: x = (AᵀA + λI)⁻¹ Aᵀb.
    At, bt = vals[0], vals[1]
    ref = torch.linalg.solve(At.mT @ At + 0.3 * torch.eye(n, dtype=F64), (At.mT @ bt[..., None]))[
        ..., 0
    ]
    torch.testing.assert_close(xs, ref, atol=1e-8, rtol=0)


def test_least_squares_shared_A_batched_b(lib: object) -> None:
    n, m, B = 3, 5, 4
    x = cp.Variable(n)
    A, b = cp.Parameter((m, n)), cp.Parameter(m)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)))
    g = _gen(1)
    _parity(
        prob,
        [A, b],
        [x],
        [torch.randn(m, n, generator=g, dtype=F64), torch.randn(B, m, generator=g, dtype=F64)],
    )


def test_nonnegative_least_squares(lib: object) -> None:
    n, m = 5, 8
    x = cp.Variable(n)
    A, b = cp.Parameter((m, n)), cp.Parameter(m)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), [x >= 0])
    g = _gen(2)
    (xs,), _ = _parity(
        prob,
        [A, b],
        [x],
        [torch.randn(2, m, n, generator=g, dtype=F64), torch.randn(2, m, generator=g, dtype=F64)],
    )
    assert (xs > -1e-9).all() and (xs < 1e-9).any()  # some constraints active


def test_relu_projection(lib: object) -> None:
    n = 6
    x, z = cp.Variable(n), cp.Parameter(n)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(x - z)), [x >= 0])
    zt = torch.randn(3, n, generator=_gen(3), dtype=F64)
    (xs,), _ = _parity(prob, [z], [x], [zt])
    torch.testing.assert_close(xs, zt.clamp(min=0), atol=1e-9, rtol=0)


def _sparsemax_problem(n: int, constrained: bool) -> tuple[cp.Problem, list, cp.Variable]:
    x, z = cp.Variable(n), cp.Parameter(n)
    cons = [cp.sum(x) == 1, x >= 0]
    params = [z]
    if constrained:
        u = cp.Parameter(n, nonneg=True)
        cons.append(x <= u)
        params.append(u)
    return cp.Problem(cp.Minimize(cp.sum_squares(x - z)), cons), params, x


def test_sparsemax_with_duals(lib: object) -> None:
    n = 6
    prob, params, x = _sparsemax_problem(n, constrained=False)
    eq, ineq = prob.constraints
    zt = torch.randn(2, n, generator=_gen(4), dtype=F64) * 2
    outs, _ = _parity(prob, params, [x, eq.dual_variables[0], ineq.dual_variables[0]], [zt])
    # Sparsemax closed form: x = max(z − τ, 0) with sum 1.
    zs, _ = torch.sort(zt, dim=1, descending=True)
    k = torch.arange(1, n + 1, dtype=F64)
    cum = zs.cumsum(1)
    support = (1 + k * zs > cum).sum(1, keepdim=True)
    tau = (cum.gather(1, support - 1) - 1) / support
    torch.testing.assert_close(outs[0], (zt - tau).clamp(min=0), atol=1e-8, rtol=0)
    # Duals agree with cvxpy's own (unbatched solve of sample 0).
    params[0].value = zt[0].numpy()
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    assert abs(float(outs[1][0]) - float(eq.dual_value)) < 1e-6
    torch.testing.assert_close(outs[2][0], torch.as_tensor(ineq.dual_value), atol=1e-6, rtol=0)


def test_constrained_sparsemax(lib: object) -> None:
    n = 5
    prob, params, x = _sparsemax_problem(n, constrained=True)
    g = _gen(5)
    zt = torch.randn(3, n, generator=g, dtype=F64)
    ut = 0.15 + 0.5 * torch.rand(n, generator=g, dtype=F64)  # shared upper bounds
    (xs,), _ = _parity(prob, params, [x], [zt, ut])
    assert torch.allclose(xs.sum(1), torch.ones(3, dtype=F64), atol=1e-9)


@pytest.mark.parametrize("backward", ["kkt", LPGD(tau=1e-2)], ids=["kkt", "lpgd"])
def test_ball_projection_soc(lib: object, backward: object) -> None:
    """Projection onto a ball (an SOC constraint, active for two samples). Central
    LPGD with tau = 1e-2 is exact up to O(tau²): compared to 1e-4."""
    n = 4
    x, z = cp.Variable(n), cp.Parameter(n)
    r = cp.Parameter(nonneg=True)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(x - z)), [cp.norm(x, 2) <= r])
    zt = torch.randn(3, n, generator=_gen(6), dtype=F64) * 2
    zt[0] *= 0.1  # inside the ball
    rt = torch.tensor(1.0, dtype=F64)
    g_tol = 1e-5 if backward == "kkt" else 1e-4
    (xs,), _ = _parity(prob, [z, r], [x], [zt, rt], backward=backward, g_tol=g_tol)
    nz = zt.norm(dim=1, keepdim=True)
    torch.testing.assert_close(xs, zt * torch.clamp(1.0 / nz, max=1.0), atol=1e-6, rtol=0)


def test_ellipsoid_projection(lib: object) -> None:
    n = 3
    x, z = cp.Variable(n), cp.Parameter(n)
    Lp = cp.Parameter((n, n))
    prob = cp.Problem(cp.Minimize(cp.sum_squares(x - z)), [cp.norm(Lp @ x, 2) <= 1.0])
    g = _gen(8)
    Lt = torch.eye(n, dtype=F64) + 0.3 * torch.randn(n, n, generator=g, dtype=F64)
    zt = 2 * torch.randn(2, n, generator=g, dtype=F64)
    # x to 1e-5: with the active SOC block lpgd_go's IPM stops ~1.4e-6 from the
    # optimum, where SCS and Clarabel agree with each other to 2e-7.
    (xs,), _ = _parity(prob, [z, Lp], [x], [zt, Lt], x_tol=1e-5)
    assert torch.allclose((xs @ Lt.T).norm(dim=1), torch.ones(2, dtype=F64), atol=1e-5)


def test_markowitz_soc_risk_limit(lib: object) -> None:
    """maximize μᵀw − γ‖w‖² s.t. ‖F w‖ ≤ σ, 1ᵀw = 1, w ≥ 0 (a Maximize problem)."""
    n, k = 5, 3
    w = cp.Variable(n)
    mu, F = cp.Parameter(n), cp.Parameter((k, n))
    risk = cp.norm(F @ w, 2) <= 0.35
    prob = cp.Problem(cp.Maximize(mu @ w - 0.1 * cp.sum_squares(w)), [risk, cp.sum(w) == 1, w >= 0])
    g = _gen(9)
    mut = torch.randn(2, n, generator=g, dtype=F64)
    Ft = 0.5 * torch.randn(k, n, generator=g, dtype=F64)
    (ws, lam), _ = _parity(prob, [mu, F], [w, risk.dual_variables[0]], [mut, Ft])
    assert torch.allclose(ws.sum(1), torch.ones(2, dtype=F64), atol=1e-8)
    assert (lam > 1e-6).any()  # the risk limit binds (for sample 0)
    # The objective reported in info is the cvxpy problem's value.
    layer = CvxpyLayer(prob, parameters=[mu, F], variables=[w])
    _, info = layer(mut[0], Ft, return_info=True, solver_args=TIGHT_ARGS)
    mu.value, F.value = mut[0].numpy(), Ft.numpy()
    prob.solve(solver=cp.CLARABEL)
    assert abs(float(info.objective) - prob.value) < 1e-6


def test_box_constrained_mpc_step(lib: object) -> None:
    """One MPC step: horizon 3, dynamics x⁺ = Ax + Bu with shared A, B and a
    batch of initial states, |u| ≤ 0.5."""
    nx, nu, T, batch = 3, 2, 3, 4
    X, U = cp.Variable((T + 1, nx)), cp.Variable((T, nu))
    x0, A, Bp = cp.Parameter(nx), cp.Parameter((nx, nx)), cp.Parameter((nx, nu))
    cons = [X[0] == x0, cp.abs(U) <= 0.5]
    cons += [X[t + 1] == A @ X[t] + Bp @ U[t] for t in range(T)]
    prob = cp.Problem(cp.Minimize(cp.sum_squares(X) + 0.1 * cp.sum_squares(U)), cons)
    g = _gen(10)
    At = torch.eye(nx, dtype=F64) + 0.2 * torch.randn(nx, nx, generator=g, dtype=F64)
    Bt = torch.randn(nx, nu, generator=g, dtype=F64)
    x0t = 2 * torch.randn(batch, nx, generator=g, dtype=F64)
    (Us, Xs), _ = _parity(prob, [x0, A, Bp], [U, X], [x0t, At, Bt])
    assert Us.shape == (batch, T, nu) and Xs.shape == (batch, T + 1, nx)
    assert (Us.abs() <= 0.5 + 1e-9).all() and (Us.abs() > 0.5 - 1e-7).any()


def test_batch_semantics(lib: object) -> None:
    """Unbatched in → unbatched out; a batch of one keeps its dimension; shared
    parameters get gradients summed over the batch."""
    n = 3
    x, z = cp.Variable(n), cp.Parameter(n)
    c = cp.Parameter(n)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(x - z) + c @ x), [x >= 0])
    layer = CvxpyLayer(prob, parameters=[z, c], variables=[x])
    zt = torch.randn(n, generator=_gen(11), dtype=F64)
    (x1,) = layer(zt, zt)
    assert x1.shape == (n,)
    (x2,) = layer(zt[None], zt)
    assert x2.shape == (1, n)
    torch.testing.assert_close(x2[0], x1)
    zb = torch.randn(4, n, generator=_gen(12), dtype=F64)
    cs = torch.randn(n, generator=_gen(13), dtype=F64).requires_grad_()
    (xb,) = layer(zb, cs)
    xb.sum().backward()
    g_sum = torch.zeros(n, dtype=F64)
    for k in range(4):
        ck = cs.detach().clone().requires_grad_()
        (xk,) = layer(zb[k], ck)
        torch.testing.assert_close(xk, xb[k].detach(), atol=1e-9, rtol=0)
        xk.sum().backward()
        g_sum += ck.grad  # type: ignore[operator]
    torch.testing.assert_close(cs.grad, g_sum, atol=1e-9, rtol=0)
    # float32 parameters give float32 outputs and gradients.
    z32 = zt.float().requires_grad_()
    (x32,) = layer(z32, zt.float())
    x32.sum().backward()
    assert x32.dtype == torch.float32 and z32.grad is not None and z32.grad.dtype == torch.float32


def test_soc_constraint_duals_match_cvxpy(lib: object) -> None:
    """Duals of SOC constraints with several cones (axis 0 and 1) in cvxpy's layout."""
    t, X = cp.Variable(3), cp.Variable((2, 3))
    tt, Y = cp.Variable(3), cp.Variable((3, 2))
    C = cp.Parameter((2, 3))
    cons = [cp.SOC(t, X, axis=0), X == C, cp.SOC(tt, Y, axis=1), Y == C.T]
    prob = cp.Problem(cp.Minimize(cp.sum(t) + cp.sum(tt)), cons)
    duals = [cons[0].dual_variables[0], cons[0].dual_variables[1], cons[2].dual_variables[0]]
    duals.append(cons[2].dual_variables[1])
    layer = CvxpyLayer(prob, parameters=[C], variables=[t, *duals])
    Ct = torch.arange(6, dtype=F64).reshape(2, 3) / 10 - 0.2
    outs = layer(Ct, solver_args=TIGHT_ARGS)
    C.value = Ct.numpy()
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    want = [t.value, cons[0].dual_value[0], cons[0].dual_value[1], cons[2].dual_value[0]]
    want.append(cons[2].dual_value[1])
    for got, ref in zip(outs, want, strict=True):
        torch.testing.assert_close(
            got, torch.as_tensor(np.asarray(ref)).reshape(got.shape), atol=1e-6, rtol=0
        )


def test_parametric_quad_form(lib: object) -> None:
    """quad_form(x, P) with a PSD parameter P in the objective stays a QP (P is
    the map of the parameter), which cvxpylayers' diffcp path cannot do."""
    n = 3
    x = cp.Variable(n)
    Pp, q = cp.Parameter((n, n), PSD=True), cp.Parameter(n)
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, Pp) + q @ x), [x >= -1, x <= 1])
    layer = CvxpyLayer(prob, parameters=[Pp, q], variables=[x])
    g = _gen(14)
    L = torch.randn(n, n, generator=g, dtype=F64)
    Pt = (L @ L.T + 0.5 * torch.eye(n, dtype=F64)).requires_grad_()
    qt = torch.randn(n, generator=g, dtype=F64).requires_grad_()
    (xs,) = layer(Pt, qt, solver_args=TIGHT_ARGS)
    Pp.value, q.value = Pt.detach().numpy(), qt.detach().numpy()
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    torch.testing.assert_close(xs.detach(), torch.as_tensor(x.value), atol=1e-7, rtol=0)
    xs.sum().backward()
    # cvxpy reads the upper triangle of a symmetric parameter (as cvxpylayers).
    assert Pt.grad is not None and torch.all(torch.tril(Pt.grad, -1) == 0)
    assert float(Pt.grad.abs().sum()) > 0


def test_semidefinite_parameter_values_checked(lib: object) -> None:
    """A parameter declared PSD (NSD) must get a PSD (NSD) value, as cvxpy
    requires on assignment: the matrix the layer uses (its upper triangle
    mirrored) is tested per batch element. Without the test a non-PSD P made
    a nonconvex problem that was reported SOLVED at a non-minimizer."""
    n = 2
    x = cp.Variable(n)
    Pp, q = cp.Parameter((n, n), PSD=True, name="P"), cp.Parameter(n, name="q")
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, Pp) + q @ x), [x >= -1, x <= 1])
    layer = CvxpyLayer(prob, parameters=[Pp, q], variables=[x])
    qt = torch.tensor([0.0, 0.5], dtype=F64)
    bad = torch.tensor([[-0.5, 0.0], [0.0, 1.0]], dtype=F64)
    msg = (
        r"^parameter 'P' \(index 0\) is not positive semidefinite: min eigenvalue -0.5 "
        r"\(the parameter is declared PSD\)$"
    )
    with pytest.raises(ValueError, match=msg):
        layer(bad, qt)
    good = torch.eye(n, dtype=F64)
    with pytest.raises(ValueError, match=r"^parameter 'P' \(index 0\) \(batch element 2\) is not"):
        layer(torch.stack([good, good, bad]), qt)
    # Only the upper triangle counts (cvxpy's reading of a symmetric parameter).
    upper = torch.tensor([[1.0, 0.5], [0.0, 1.0]], dtype=F64)
    (xs,) = layer(upper, qt, solver_args=TIGHT_ARGS)
    Pp.value, q.value = np.array([[1.0, 0.5], [0.5, 1.0]]), qt.numpy()
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    torch.testing.assert_close(xs, torch.as_tensor(x.value), atol=1e-7, rtol=0)
    # NSD: a concave quadratic maximized.
    Np = cp.Parameter((n, n), NSD=True, name="N")
    prob = cp.Problem(cp.Maximize(0.5 * cp.quad_form(x, Np) + q @ x), [x >= -1, x <= 1])
    layer = CvxpyLayer(prob, parameters=[Np, q], variables=[x])
    (xs,) = layer(-good, qt, solver_args=TIGHT_ARGS)
    torch.testing.assert_close(xs, torch.tensor([0.0, 0.5], dtype=F64), atol=1e-7, rtol=0)
    with pytest.raises(ValueError, match=r"declared NSD \(its negation\)\)$"):
        layer(good, qt)
    # A sign attribute is named as declared.
    r = cp.Parameter(pos=True, name="r")
    prob = cp.Problem(cp.Minimize(cp.sum_squares(x) - r * cp.sum(x)))
    layer = CvxpyLayer(prob, parameters=[r], variables=[x])
    with pytest.raises(ValueError, match=r"negative value \(the parameter is declared pos\)"):
        layer(torch.tensor(-1.0, dtype=F64))


def test_lpgd_converges_to_kkt(lib: object) -> None:
    """LPGD through the layer approaches the kkt gradient as tau → 0 (constrained
    sparsemax with small margins, so a large tau changes the active set)."""
    n = 5
    prob, params, x = _sparsemax_problem(n, constrained=True)
    zt = torch.tensor([0.40, 0.38, 0.05, 0.30, -0.2], dtype=F64)
    ut = torch.full((n,), 0.45, dtype=F64)
    w = [torch.tensor([1.0, -2.0, 0.5, 1.5, -1.0], dtype=F64)]
    layer = CvxpyLayer(prob, parameters=params, variables=[x])
    _, g_kkt, _ = _run(layer, [zt, ut], w, solver_args=TIGHT_ARGS)
    errs = []
    for tau in (1.0, 1e-1, 1e-2, 1e-4, 1e-6):
        _, g, _ = _run(layer, [zt, ut], w, solver_args={**TIGHT_ARGS, "backward": LPGD(tau=tau)})
        errs.append(max(float((a - b).abs().max()) for a, b in zip(g, g_kkt, strict=True)))  # type: ignore[operator]
    assert errs[0] > 1e-2, errs  # a finite tau gives a different (smoothed) gradient
    assert errs[-1] < 1e-6, errs
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(errs[1:])), errs


# ---------------------------------------------------------------------------
# Failures and validation
# ---------------------------------------------------------------------------


def test_infeasible_and_unbounded_samples(lib: object) -> None:
    n = 2
    x = cp.Variable(n)
    c, lo, hi = cp.Parameter(n), cp.Parameter(n), cp.Parameter(n)
    prob = cp.Problem(cp.Minimize(c @ x), [x >= lo, x[0] <= hi[0]])
    layer = CvxpyLayer(prob, parameters=[c, lo, hi], variables=[x])
    ct = torch.tensor([[1.0, 1.0], [1.0, 1.0], [1.0, -1.0]], dtype=F64)  # 2: x₁ → ∞
    lot = torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.0, 0.0]], dtype=F64)
    hit = torch.tensor([1.0, 1.0], dtype=F64)
    with pytest.raises(SolverError) as exc:
        layer(ct, lot, hit)
    assert exc.value.indices == [1, 2] and "CvxpyLayer" in str(exc.value)
    ctr = ct.clone().requires_grad_()
    (xs,), info = layer(ctr, lot, hit, solver_args={"on_failure": "nan"}, return_info=True)
    assert info.status.tolist() == [Status.SOLVED, Status.PRIMAL_INFEASIBLE, Status.DUAL_INFEASIBLE]
    torch.testing.assert_close(xs[0], torch.zeros(2, dtype=F64), atol=1e-7, rtol=0)
    assert torch.isnan(xs[1:]).all()
    torch.nan_to_num(xs).sum().backward()
    assert ctr.grad is not None and (ctr.grad[1:] == 0).all()
    layer_nan = CvxpyLayer(prob, parameters=[c, lo, hi], variables=[x], on_failure="nan")
    (xn,) = layer_nan(ct[1], lot[1], hit)
    assert torch.isnan(xn).all()


def test_errors(lib: object) -> None:
    n = 3
    x = cp.Variable(n)
    A, b = cp.Parameter((2, n)), cp.Parameter(2)
    lam = cp.Parameter(nonneg=True)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b) + lam * cp.norm1(x)))
    layer = CvxpyLayer(prob, parameters=[A, b, lam], variables=[x])
    At, bt = torch.randn(2, n, dtype=F64), torch.randn(2, dtype=F64)
    lt = torch.tensor(0.1, dtype=F64)
    with pytest.raises(
        ValueError,
        match=r"A tensor must be provided for each CVXPY parameter; received 2 tensors, expected 3",
    ):
        layer(At, bt)
    with pytest.raises(
        ValueError,
        match=r"Invalid parameter shape for parameter 1\. parameter '.*' \(index 1\) must "
        r"have shape \(2,\) or \(batch, 2\), got \(3,\)",
    ):
        layer(At, torch.randn(3, dtype=F64), lt)
    with pytest.raises(
        ValueError, match=r"Inconsistent batch sizes\. batch sizes of the parameters differ"
    ):
        layer(At.expand(2, -1, -1), bt.expand(3, -1), lt)
    with pytest.raises(ValueError, match=r"index 2\) contains a negative value"):
        layer(At, bt, torch.tensor(-1.0, dtype=F64))
    bad = bt.expand(2, -1).clone()
    bad[1, 0] = float("nan")
    with pytest.raises(
        ValueError, match=r"non-finite value \(nan\) at index \(0,\) of batch element 1"
    ):
        layer(At, bad, lt)
    with pytest.raises(ValueError, match=r"solver_args: unknown key\(s\) \['epsilon'\]"):
        layer(At, bt, lt, solver_args={"epsilon": 1e-3})
    with pytest.raises(ValueError, match=r"settings\.max_iter"):
        layer(At, bt, lt, solver_args={"max_iter": 0})
    # Non-DPP: a product of two parameters.
    non_dpp = cp.Problem(cp.Minimize(cp.sum_squares(x) + lam * b[0] * cp.sum(x)))
    with pytest.raises(ValueError, match=r"Problem must be DPP\."):
        CvxpyLayer(non_dpp, parameters=[lam, b], variables=[x])
    with pytest.raises(
        ValueError, match=r"The layer's parameters must exactly match problem\.parameters"
    ):
        CvxpyLayer(prob, parameters=[A, b], variables=[x])
    with pytest.raises(
        ValueError, match=r"must be a subset of problem\.variables or a constraint dual variable"
    ):
        CvxpyLayer(prob, parameters=[A, b, lam], variables=[cp.Variable(2)])
    # cvxpy writes pnorm/geo_mean with second-order cones; an explicit
    # PowCone3D constraint stays a 3-d power cone (supported), a PowConeND one
    # is rewritten by cvxpy into 3-d power cones (a two-term one into one).
    power = cp.Problem(
        cp.Minimize(b[0] * x[0]), [cp.constraints.PowCone3D(x[0], x[1], 1 + 0 * x[0], 0.3)]
    )
    assert CvxpyLayer(power, parameters=[b], variables=[x]).cones.pow == (0.3,)
    power_nd = cp.Problem(
        cp.Minimize(b[0] * x[0]),
        [
            cp.constraints.PowConeND(
                cp.reshape(x[:2], (2, 1), order="F"), cp.Constant([1.0]), np.array([[0.3], [0.7]])
            )
        ],
    )
    assert CvxpyLayer(power_nd, parameters=[b], variables=[x]).cones.pow == (0.3,)
    soc = cp.Problem(cp.Minimize(b @ x[:2]), [cp.norm(x) <= 1])
    with pytest.raises(ValueError, match="second-order cones"):
        CvxpyLayer(soc, parameters=[b], variables=[x], backward=BPQP(solver="admm"))
