"""LPGD backward (Paulus, Martius & Musil, ICML 2024) through the public API.

Checks the properties of DESIGN.md §3: the τ → 0 limit is the kkt gradient
(error O(τ) one-sided; central exact up to O(τ²)), blackbox-backprop
equivalence on cost-only LPs, the LP dual identity, exactness on
equality-constrained QPs, parity with diffcp's LPGD modes, the proximal (ρ > 0)
limit, the scale law, option validation, per-sample failure handling, and that
LPGD learns where the exact LP gradient is zero (shortest paths on a grid).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

import lpgd_go
from lpgd_go import LPGD, QPLayer, SolverError, solve_qp

from conftest import TIGHT, make_qp

F64 = torch.float64
NAMES = ("P", "q", "G", "h", "A", "b")
SIDES = ("right", "left", "central")

Args = tuple[torch.Tensor | None, ...]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _grads(
    args: Args,
    backward: object,
    wx: torch.Tensor,
    wl: torch.Tensor | None = None,
    wn: torch.Tensor | None = None,
    *,
    settings: object = TIGHT,
) -> dict[str, torch.Tensor | None]:
    """Gradients of L = wxᵀx + wlᵀλ + wnᵀν with respect to (P, q, G, h, A, b)."""
    leaves = [None if a is None else a.detach().clone().requires_grad_() for a in args]
    x, info = solve_qp(*leaves, backward=backward, settings=settings, return_info=True)
    loss = (wx * x).sum()
    if wl is not None:
        loss = loss + (wl * info.ineq_duals).sum()
    if wn is not None:
        loss = loss + (wn * info.eq_duals).sum()
    loss.backward()
    return {n: (None if t is None else t.grad) for n, t in zip(NAMES, leaves, strict=True)}


def _flat(g: dict[str, torch.Tensor | None]) -> torch.Tensor:
    return torch.cat([g[n].flatten() for n in NAMES if g[n] is not None])


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / max(float(b.norm()), 1e-12))


def _randn(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=F64)


def cut_lp(q: torch.Tensor) -> Args:
    """min qᵀx over the box −1 ≤ x ≤ 1 cut by Σx ≤ 0.5 (a unique vertex for generic q)."""
    n = q.shape[-1]
    eye = torch.eye(n, dtype=F64)
    G = torch.cat([eye, -eye, torch.ones(1, n, dtype=F64)])
    h = torch.cat([torch.ones(2 * n, dtype=F64), torch.tensor([0.5], dtype=F64)])
    return (None, q, G, h, None, None)


def box_eq_lp(q: torch.Tensor) -> Args:
    """min qᵀx over −1 ≤ x ≤ 1 with Σx = 0.5: for generic q a nondegenerate vertex
    (n − 1 bounds and the equality active) with unique primal and dual solutions."""
    n = q.shape[-1]
    eye = torch.eye(n, dtype=F64)
    G = torch.cat([eye, -eye])
    h = torch.ones(2 * n, dtype=F64)
    A = torch.ones(1, n, dtype=F64)
    b = torch.tensor([0.5], dtype=F64)
    return (None, q, G, h, A, b)


# ---------------------------------------------------------------------------
# 1. τ → 0 with ρ = 0 recovers the kkt gradient
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast", "full"])
@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_small_tau_converges_to_kkt(lib: object, seed: int, side: str, fast_path: bool) -> None:
    # A QP's solution map is piecewise affine and the Lagrangian gradients
    # (x, −y, y xᵀ, ½ x xᵀ) are at most bilinear in it, so while the active set
    # is unchanged the one-sided error is exactly linear in τ (ratio 10 between
    # τ = 1e-2 and 1e-3) and the central difference is exact: its τ² term
    # vanishes and only solver precision remains.
    qp = make_qp(n=6, m_ineq=6, p=2, n_active=3, seed=seed)
    gen = torch.Generator().manual_seed(100 + seed)
    wx, wl, wn = _randn(gen, 6), _randn(gen, 6), _randn(gen, 2)
    gk = _grads(qp.args(), "kkt", wx, wl, wn)
    errs = []
    for tau in (1e-2, 1e-3):
        g = _grads(qp.args(), LPGD(tau=tau, side=side, fast_path=fast_path), wx, wl, wn)
        errs.append(_rel(_flat(g), _flat(gk)))
    e1, e2 = errs
    floor = 1e-8  # solver precision (TIGHT settings), relative
    if side == "central":
        assert e2 <= max(e1 / (100 / 3), floor), f"central: errors {errs}"
        assert e1 <= max(1e-2**2 * 10, floor), f"central: errors {errs}"
    else:
        assert e1 > 10 * floor, f"{side}: one-sided error should be O(τ), got {errs}"
        ratio = e1 / e2
        assert 10 / 3 <= ratio <= 30, f"{side}: errors {errs}, ratio {ratio}"
    # At τ = 1e-3 every input's gradient is close to kkt's.
    tol = 1e-6 if side == "central" else 5e-2
    for name in NAMES:
        a, b = g[name], gk[name]
        assert a is not None and b is not None
        assert _rel(a, b) <= tol, f"{side} d{name}: rel err {_rel(a, b)}"


# ---------------------------------------------------------------------------
# 2. Blackbox-backprop (DBB) equivalence on a cost-only LP
# ---------------------------------------------------------------------------


def test_blackbox_backprop_equivalence(lib: object) -> None:
    q = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    g = torch.tensor([-3.0, 1.0, 2.0], dtype=F64)
    args = cut_lp(q)
    x0 = solve_qp(*args, settings=TIGHT)
    for tau in (1e-3, 0.5, 1.5, 2.0):
        grads = _grads(args, LPGD(tau=tau, side="right", rho=0.0), g)
        xp = solve_qp(None, q + tau * g, *args[2:], settings=TIGHT)
        if tau == 2.0:
            # q + τg has a zero second entry: the perturbed solution is a segment
            # (the interior point returns its middle, the warm-started active-set
            # solve a vertex). Any optimum is right: x0 + τ·dq is feasible with
            # the optimal value.
            xl = x0 + tau * grads["q"]
            qp_ = q + tau * g
            assert float(xl.abs().max()) <= 1 + 1e-9 and float(xl.sum()) <= 0.5 + 1e-9
            assert abs(float(qp_ @ xl) - float(qp_ @ xp)) < 1e-8
            continue
        dbb = (xp - x0) / tau
        torch.testing.assert_close(grads["q"], dbb, rtol=1e-6, atol=1e-6, msg=f"tau={tau}")
        if tau == 1e-3:
            assert float(dbb.abs().max()) < 1e-6, "small tau must not move the vertex"
        if tau == 1.5:
            assert float(dbb.abs().max()) > 0.1, "large tau must move the vertex"
    # The exact gradient of an LP vertex with respect to q is zero.
    gk = _grads(args, "kkt", g)
    assert float(gk["q"].abs().max()) < 1e-6


# ---------------------------------------------------------------------------
# 3. LP dual identity
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("side", SIDES)
def test_lp_dual_identity(lib: object, side: str) -> None:
    # Incoming dx = q: the perturbed cost (1 ± τ)q has the same vertex and duals
    # scaled by (1 ± τ), so dq = 0, dh = −λ*, dG = λ* x*ᵀ, db = −ν*, dA = ν* x*ᵀ.
    q = torch.tensor([0.7, -1.3, 0.4, -0.2], dtype=F64)
    args = box_eq_lp(q)
    x, info = solve_qp(*args, settings=TIGHT, return_info=True)
    lam, nu = info.ineq_duals, info.eq_duals
    assert int(info.status) == lpgd_go.Status.SOLVED
    g = _grads(args, LPGD(tau=0.3, side=side), q)
    tol = {"rtol": 0, "atol": 1e-8}
    torch.testing.assert_close(g["q"], torch.zeros_like(q), **tol)
    torch.testing.assert_close(g["h"], -lam, **tol)
    torch.testing.assert_close(g["G"], torch.outer(lam, x), **tol)
    torch.testing.assert_close(g["b"], -nu, **tol)
    torch.testing.assert_close(g["A"], torch.outer(nu, x), **tol)


# ---------------------------------------------------------------------------
# 4. Equality-constrained QPs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_equality_qp_exact(lib: object, seed: int) -> None:
    # The solution map of an equality-constrained QP is affine in (q, b), so
    # dq and db are exact for every τ and side; the bilinear dA and the
    # quadratic dP are exact in central mode.
    qp = make_qp(n=5, m_ineq=0, p=2, seed=seed)
    args: Args = (qp.P, qp.q, None, None, qp.A, qp.b)
    gen = torch.Generator().manual_seed(200 + seed)
    wx, wn = _randn(gen, 5), _randn(gen, 2)
    gk = _grads(args, "kkt", wx, wn=wn)
    for tau in (0.01, 1.0, 100.0):
        for side in SIDES:
            g = _grads(args, LPGD(tau=tau, side=side), wx, wn=wn)
            for name in ("q", "b") + (("A", "P") if side == "central" else ()):
                err = _rel(g[name], gk[name])
                assert err < 1e-7, f"tau={tau} side={side} d{name}: rel err {err}"


# ---------------------------------------------------------------------------
# 5. Parity with diffcp's LPGD modes
# ---------------------------------------------------------------------------

_DIFFCP_MODES = {"central": "lpgd", "right": "lpgd_right", "left": "lpgd_left"}
_CLARABEL_TIGHT = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11, "max_iter": 200}


def _diffcp_lpgd(
    args: Args,
    side: str,
    tau: float,
    rho: float,
    wx: torch.Tensor,
    wl: torch.Tensor,
    wn: torch.Tensor,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """diffcp's LPGD adjoint on the conic form of our QP: A_c = [A; G], b_c = [b; h],
    K = Zero(p) × Nonneg(m) (its Ax + s = b, zero cone first), y = [ν; λ]."""
    import diffcp

    P, q, G, h, A, b = (None if a is None else a.numpy() for a in args)
    p = A.shape[0]
    Ac = np.vstack([A, G])
    pattern = Ac != 0
    Pc = None if P is None else sp.csc_matrix(np.triu(P))
    _, _, _, _, adjoint = diffcp.solve_and_derivative(
        sp.csc_matrix(Ac),
        np.concatenate([b, h]),
        q.copy(),
        {"z": p, "l": G.shape[0]},
        mode=_DIFFCP_MODES[side],
        solve_method="Clarabel",
        P=Pc,
        derivative_kwargs={"tau": tau, "rho": rho},
        **_CLARABEL_TIGHT,
    )
    dA, db, dc = adjoint(
        wx.numpy(), np.concatenate([wn.numpy(), wl.numpy()]), np.zeros(Ac.shape[0])
    )
    dA = dA.toarray()
    return {"q": dc, "A": dA[:p], "G": dA[p:], "b": db[:p], "h": db[p:]}, pattern


def _parity_problems() -> dict[str, Args]:
    qp = make_qp(n=5, m_ineq=6, p=2, n_active=3, seed=4)
    P, q, G, h, A, b = qp.args()
    # The LP keeps the QP's constraints and adds the box |x| ≤ 2 (bounded).
    eye = torch.eye(5, dtype=F64)
    G_lp = torch.cat([G, eye, -eye])
    h_lp = torch.cat([h, 2 * torch.ones(10, dtype=F64)])
    return {"qp": (P, q, G, h, A, b), "lp": (None, q, G_lp, h_lp, A, b)}


@pytest.mark.parametrize(("tau", "rho"), [(0.5, 0.0), (0.1, 0.3), (1.0, 1.0)])
@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("kind", ["lp", "qp"])
def test_parity_with_diffcp(lib: object, kind: str, side: str, tau: float, rho: float) -> None:
    args = _parity_problems()[kind]
    m = args[2].shape[0]
    gen = torch.Generator().manual_seed(1)
    # Dual gradients small enough that every perturbed problem stays feasible.
    wx, wl, wn = _randn(gen, 5), 0.25 * _randn(gen, m), 0.25 * _randn(gen, 2)
    if kind == "lp":
        wl[6:] = 0.0  # no dual gradient on the box rows
    ours = _grads(args, LPGD(tau=tau, rho=rho, side=side), wx, wl, wn)
    ref, pattern = _diffcp_lpgd(args, side, tau, rho, wx, wl, wn)
    p = args[4].shape[0]
    for name in ("q", "b", "h", "A", "G"):
        got = ours[name].numpy()
        want = ref[name]
        if name in ("A", "G"):
            # diffcp returns dA on A's sparsity pattern only (the box rows of the
            # LP are diagonal); compare there.
            mask = pattern[:p] if name == "A" else pattern[p:]
            got, want = got[mask], want[mask]
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(
            got, want, rtol=0, atol=1e-6 * scale, err_msg=f"{kind} {side} d{name}"
        )


# ---------------------------------------------------------------------------
# 6. ρ > 0: the τ → 0 limit is the kkt derivative of the proximal problem
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["qp", "lp"])
def test_proximal_limit(lib: object, kind: str) -> None:
    rho = 2.0
    if kind == "qp":
        qp = make_qp(n=6, m_ineq=6, p=1, n_active=3, seed=16)
        args: Args = qp.args()
        n = 6
    else:
        args = box_eq_lp(torch.tensor([0.7, -1.3, 0.4, -0.2], dtype=F64))
        n = 4
    gen = torch.Generator().manual_seed(16)
    wx = _randn(gen, n)
    g = _grads(args, LPGD(tau=1e-5, rho=rho, side="central"), wx)
    x = solve_qp(*args, settings=TIGHT).detach()
    P, q = args[0], args[1]
    P_reg = rho * torch.eye(n, dtype=F64) + (0 if P is None else P)
    reg_args: Args = (P_reg, q - rho * x, *args[2:])
    x_reg = solve_qp(*reg_args, settings=TIGHT)
    torch.testing.assert_close(x_reg, x, rtol=0, atol=1e-8)  # same solution
    gr = _grads(reg_args, "kkt", wx)
    names = [nm for nm in NAMES if g[nm] is not None]
    for name in names:
        err = float((g[name] - gr[name]).norm()) / max(1.0, float(gr[name].norm()))
        assert err < 1e-6, f"d{name}: error {err}"
    if kind == "qp":
        # ρ matters: the limit differs from the unregularized derivative. (At a
        # nondegenerate LP vertex x is pinned by n active constraints, so there
        # dq = 0 with or without the proximal term.)
        gk = _grads(args, "kkt", wx)
        assert _rel(g["q"], gk["q"]) > 1e-2


# ---------------------------------------------------------------------------
# 7. Scale law, validation, failures
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("rho", [0.0, 0.5])
@pytest.mark.parametrize("side", SIDES)
def test_scale_law(lib: object, side: str, rho: float) -> None:
    # LPGD_τ(α g) = α LPGD_{ατ}(g): both solve the same perturbed problems.
    args = cut_lp(torch.tensor([1.0, -2.0, 0.5], dtype=F64))
    g = torch.tensor([-3.0, 1.0, 2.0], dtype=F64)
    alpha, tau = 4.0, 0.25
    lhs = _grads(args, LPGD(tau=tau, rho=rho, side=side), alpha * g)
    rhs = _grads(args, LPGD(tau=alpha * tau, rho=rho, side=side), g)
    assert float(lhs["q"].abs().max()) > 1e-3  # the vertex moved: a non-trivial check
    for name in ("q", "G", "h"):
        torch.testing.assert_close(lhs[name], alpha * rhs[name], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("side", SIDES)
def test_auto_tau_scale_law(lib: object, side: str) -> None:
    # tau="auto" makes τ·g a fixed fraction of q: scaling the loss by α scales τ by
    # 1/α (the perturbed problems are the same, the gradient scales by α), and
    # scaling q by α scales τ by α (the LP's vertices are the same, dq scales by 1/α).
    q = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    g = torch.tensor([-3.0, 1.0, 2.0], dtype=F64)
    auto = LPGD(tau="auto", tau_target=0.6, side=side)
    alpha = 4.0
    base = _grads(cut_lp(q), auto, g)
    assert float(base["q"].abs().max()) > 1e-3  # the vertex moved: a non-trivial check
    loss_scaled = _grads(cut_lp(q), auto, alpha * g)
    data_scaled = _grads(cut_lp(alpha * q), auto, g)
    for name in ("q", "G", "h"):
        torch.testing.assert_close(loss_scaled[name], alpha * base[name], rtol=1e-7, atol=1e-9)
    torch.testing.assert_close(data_scaled["q"], base["q"] / alpha, rtol=1e-7, atol=1e-9)


def test_auto_tau_exact_on_unconstrained_quadratic(lib: object) -> None:
    # P = I with inactive bounds: every τ gives the exact gradient dq = −w.
    n = 4
    P = torch.eye(n, dtype=F64)
    q = torch.tensor([0.5, -1.0, 2.0, 0.25], dtype=F64)
    G = torch.cat([torch.eye(n, dtype=F64), -torch.eye(n, dtype=F64)])
    h = torch.full((2 * n,), 100.0, dtype=F64)
    w = torch.tensor([1.0, 2.0, -1.0, 0.5], dtype=F64)
    for side in SIDES:
        g = _grads((P, q, G, h, None, None), LPGD(tau="auto", side=side), w)
        torch.testing.assert_close(g["q"], -w, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("side", SIDES)
def test_auto_tau_qp_cap_on_active_set(lib: object, side: str) -> None:
    # min ½‖x‖² + qᵀx s.t. x ≥ 0, q = (1, −5, −20): x* = (0, 5, 20), x₀ ≥ 0 active.
    # For g = (50, 30, 0.5) the perturbed solution's velocity on the active set is
    # (0, −30, −0.5) (x₀ pinned; unconstrained it would be 50), so on this QP
    # tau="auto" is τ = 0.1·tau_target·‖x*‖∞/30 = 1/15, below the data term
    # tau_target·‖q‖∞/‖g‖∞ = 0.4 (which crosses x₁ ≥ 0 on the right side): the same
    # gradient as the fixed τ = 1/15, and on the right side the exact one.
    P = torch.eye(3, dtype=F64)
    q = torch.tensor([1.0, -5.0, -20.0], dtype=F64)
    args = (P, q, -torch.eye(3, dtype=F64), torch.zeros(3, dtype=F64), None, None)
    g = torch.tensor([50.0, 30.0, 0.5], dtype=F64)
    auto = _grads(args, LPGD(tau="auto", side=side), g)
    fixed = _grads(args, LPGD(tau=1 / 15, side=side), g)
    for name in ("P", "q", "G", "h"):
        torch.testing.assert_close(auto[name], fixed[name], rtol=1e-7, atol=1e-9)
    data = _grads(args, LPGD(tau=0.4, side=side), g)
    assert not torch.allclose(auto["q"], data["q"], rtol=1e-3, atol=1e-3)  # τ matters
    if side == "right":
        exact = torch.tensor([0.0, -30.0, -0.5], dtype=F64)
        torch.testing.assert_close(auto["q"], exact, rtol=1e-6, atol=1e-7)


def test_auto_tau_moves_vertex_of_sparse_cost_lp(lib: object) -> None:
    # min −x₀ over the simplex in R^50: the cost is nonzero on one variable (as
    # Sudoku's one-hot givens), the loss gradient on all of them. tau="auto" sizes
    # τ·g entrywise against q (τ = tau_target·‖q‖∞/‖g‖∞ = tau_target here), which
    # moves the vertex at the default target: dq₀ = (x_τ − x*)₀/τ = −1/τ. (A
    # Euclidean rule, tau_target·‖q‖₂/‖g‖₂, gives τ ≈ tau_target/7 here, leaves the
    # LP at x* and the gradient at zero.) Deterministic: twice the same gradient.
    n = 50
    q = torch.zeros(n, dtype=F64)
    q[0] = -1.0
    args = (
        None,
        q,
        -torch.eye(n, dtype=F64),
        torch.zeros(n, dtype=F64),
        torch.ones(1, n, dtype=F64),
        torch.ones(1, dtype=F64),
    )
    g = -torch.ones(n, dtype=F64)
    g[0] = 1.0
    auto = LPGD(tau="auto", side="right")
    first = _grads(args, auto, g)
    tau = auto.tau_target
    assert float(first["q"][0]) == pytest.approx(-1 / tau, rel=1e-6)
    second = _grads(args, auto, g)
    for name in ("q", "G", "h", "A", "b"):
        assert torch.equal(first[name], second[name])


@pytest.mark.parametrize("side", SIDES)
def test_auto_rho_is_the_rule_per_sample(lib: object, side: str) -> None:
    # rho="auto": per sample ρ = rho_target·max(‖q‖∞, τ‖g‖∞)/‖x*‖∞ (x* is not
    # negligible against the feasible set's scale ‖h‖∞/max(1, ‖G‖max) here). Each sample of a
    # batch must get the gradient of a fixed-ρ call at its own ρ (6 and 2 here: one
    # ρ for the batch fails), and ρ must matter (≠ ρ = 0).
    q = torch.tensor([[4.0, -8.0, 2.0], [-0.3, 0.1, 0.2]], dtype=F64)
    g = torch.tensor([[-12.0, 4.0, 8.0], [1.0, 4.0, -2.0]], dtype=F64)
    tau, target = 1.0, 0.5
    batch = _grads(cut_lp(q), LPGD(tau=tau, rho="auto", rho_target=target, side=side), g)
    rhos = []
    for i in range(2):
        with torch.no_grad():
            x = solve_qp(*cut_lp(q[i]), settings=TIGHT)
        scale = max(float(q[i].abs().max()), tau * float(g[i].abs().max()))
        _, _, G, h, _, _ = cut_lp(q[i])
        assert G is not None and h is not None
        d, f = float(x.abs().max()), float(h.abs().max()) / max(1.0, float(G.abs().max()))
        assert d > 1e-8 * f
        rho = target * scale / d
        rhos.append(rho)
        one = _grads(cut_lp(q[i]), LPGD(tau=tau, rho=rho, side=side), g[i])
        plain = _grads(cut_lp(q[i]), LPGD(tau=tau, side=side), g[i])
        assert batch["q"] is not None and one["q"] is not None and plain["q"] is not None
        torch.testing.assert_close(batch["q"][i], one["q"], rtol=1e-6, atol=1e-8)
        assert float((one["q"] - plain["q"]).abs().max()) > 1e-3
        assert bool(torch.isfinite(batch["q"][i]).all())
    assert rhos[0] / rhos[1] > 2 or rhos[1] / rhos[0] > 2


def test_auto_rho_target_to_zero_is_plain_lpgd(lib: object) -> None:
    # The ρ = 0 limit: rho_target → 0 gives the ρ = 0 gradient.
    q = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    g = torch.tensor([-3.0, 1.0, 2.0], dtype=F64)
    tiny = _grads(cut_lp(q), LPGD(tau=0.25, rho="auto", rho_target=1e-10), g)
    plain = _grads(cut_lp(q), LPGD(tau=0.25), g)
    for name in ("q", "G", "h"):
        torch.testing.assert_close(tiny[name], plain[name], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tau": 0.0}, "tau"),
        ({"tau": -1.0}, "tau"),
        ({"tau": float("nan")}, "tau"),
        ({"tau": float("inf")}, "tau"),
        ({"rho": -0.1}, "rho"),
        ({"rho": float("inf")}, "rho"),
    ],
)
def test_lpgd_options_rejected(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValueError, match=rf"LPGD\.{field}"):
        LPGD(**kwargs)


def _one_d_batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    # min −x s.t. x ≤ h0, −x ≤ 0, with h0 = 0.05 (sample 0) and 0.5 (sample 1):
    # λ = (1, 0). The right-side perturbation of h by −τ·dλ with dλ = (1, 0)
    # and τ = 0.1 makes sample 0 infeasible (x ≤ −0.05, x ≥ 0), not sample 1.
    q = torch.tensor([[-1.0], [-1.0]], dtype=F64)
    G = torch.tensor([[1.0], [-1.0]], dtype=F64)
    h = torch.tensor([[0.05, 0.0], [0.5, 0.0]], dtype=F64)
    return q, G, h


def _dual_grads(backward: object, on_failure: str = "raise") -> tuple[torch.Tensor, ...]:
    q, G, h = _one_d_batch()
    q = q.clone().requires_grad_()
    h = h.clone().requires_grad_()
    _, info = solve_qp(None, q, G, h, backward=backward, on_failure=on_failure, return_info=True)
    info.ineq_duals[:, 0].sum().backward()
    return q.grad, h.grad


def test_infeasible_perturbation_per_sample(lib: object) -> None:
    bad = LPGD(tau=0.1, side="right")
    with pytest.raises(SolverError) as exc:
        _dual_grads(bad)
    msg = str(exc.value)
    assert exc.value.indices == [0]
    assert "smaller tau" in msg and "side" in msg, msg

    # on_failure="nan": zero gradient for sample 0 only.
    gq, gh = _dual_grads(bad, on_failure="nan")
    assert torch.isfinite(gq).all() and torch.isfinite(gh).all()
    assert float(gq[0].abs().max()) == 0.0 and float(gh[0].abs().max()) == 0.0
    # λ0 = −q, so dλ0/dq = −1 for the sample that worked.
    torch.testing.assert_close(gq[1], torch.tensor([-1.0], dtype=F64), rtol=0, atol=1e-6)

    # The exact gradient, and the fallbacks that recover it.
    kq, kh = _dual_grads("kkt")
    torch.testing.assert_close(kq, torch.full((2, 1), -1.0, dtype=F64), rtol=0, atol=1e-6)
    for fb in (
        LPGD(tau=0.1, side="right", fallback="smaller_tau"),
        LPGD(tau=0.1, side="right", fallback="other_side"),
        LPGD(tau=0.1, side="central", fallback="other_side"),
        LPGD(tau=0.1, side="left"),
    ):
        fq, fh = _dual_grads(fb)
        torch.testing.assert_close(fq, kq, rtol=0, atol=1e-6, msg=repr(fb))
        torch.testing.assert_close(fh, kh, rtol=0, atol=1e-6, msg=repr(fb))


# ---------------------------------------------------------------------------
# Options: per-call override and the "lpgd" name
# ---------------------------------------------------------------------------


def test_per_call_override_and_name(lib: object) -> None:
    q = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    g = torch.tensor([-3.0, 1.0, 2.0], dtype=F64)
    args = cut_lp(q)
    layer = QPLayer(backward="kkt", settings=TIGHT)

    def layer_grad(**kw: object) -> torch.Tensor:
        qq = q.clone().requires_grad_()
        (g @ layer(None, qq, *args[2:], **kw)).backward()
        return qq.grad

    opt = LPGD(tau=2.0, side="right")
    g_default = layer_grad()
    g_override = layer_grad(backward=opt)
    assert float(g_default.abs().max()) < 1e-6  # kkt: zero on an LP vertex
    torch.testing.assert_close(g_override, _grads(args, opt, g)["q"], rtol=1e-9, atol=1e-12)
    assert float(g_override.abs().max()) > 0.1
    assert layer.backward_method == lpgd_go.KKT()  # the default is untouched
    torch.testing.assert_close(layer_grad(), g_default)

    # The name "lpgd" means LPGD() with its keyword defaults.
    for by_name in (layer_grad(backward="lpgd"), _grads(args, "lpgd", g)["q"]):
        torch.testing.assert_close(by_name, layer_grad(backward=LPGD()), rtol=1e-12, atol=1e-12)
    assert QPLayer(backward="lpgd").backward_method == LPGD()


# ---------------------------------------------------------------------------
# 8. Learning where the exact gradient is zero: shortest paths on a 5×5 grid
# ---------------------------------------------------------------------------

GRID = 5


def grid_shortest_path() -> tuple[torch.Tensor, ...]:
    """Flow LP of the monotone (right/down) 5×5 grid from the top-left to the
    bottom-right node: A f = b (conservation, the sink row dropped as it is
    implied), 0 ≤ f ≤ 1. Returns (G, h, A, b)."""
    node = {(r, c): r * GRID + c for r in range(GRID) for c in range(GRID)}
    edges = []
    for r in range(GRID):
        for c in range(GRID):
            if c + 1 < GRID:
                edges.append((node[r, c], node[r, c + 1]))
            if r + 1 < GRID:
                edges.append((node[r, c], node[r + 1, c]))
    n_nodes, n_edges = GRID * GRID, len(edges)
    inc = torch.zeros(n_nodes, n_edges, dtype=F64)
    for e, (u, v) in enumerate(edges):
        inc[u, e], inc[v, e] = 1.0, -1.0
    rhs = torch.zeros(n_nodes, dtype=F64)
    rhs[0], rhs[-1] = 1.0, -1.0
    eye = torch.eye(n_edges, dtype=F64)
    G = torch.cat([eye, -eye])
    h = torch.cat([torch.ones(n_edges, dtype=F64), torch.zeros(n_edges, dtype=F64)])
    return G, h, inc[:-1], rhs[:-1]


@pytest.mark.parametrize("linear_solver", ["auto", "dense", "sparse"])
def test_shortest_path_lp_solves_and_differentiates(lib: object, linear_solver: str) -> None:
    # LPGD's perturbed problems on this task are shortest-path LPs with
    # arbitrary costs: every one must solve (checked against HiGHS), and kkt
    # must give the exact (zero) cost gradient, with any linear solver.
    from scipy.optimize import linprog

    G, h, A, b = grid_shortest_path()
    cost = torch.randn(32, G.shape[1], generator=torch.Generator().manual_seed(3), dtype=F64)
    settings = {"linear_solver": linear_solver}
    problems: list[str] = []
    x, info = solve_qp(
        None, cost, G, h, A, b, settings=settings, on_failure="nan", return_info=True
    )
    solved = []
    for k, v in enumerate(info.status.tolist()):
        if v != lpgd_go.Status.SOLVED:
            problems.append(f"sample {k}: status {lpgd_go.Status(v).name}")
            continue
        solved.append(k)
        ref = linprog(
            cost[k].numpy(),
            A_ub=G.numpy(),
            b_ub=h.numpy(),
            A_eq=A.numpy(),
            b_eq=b.numpy(),
            bounds=(None, None),
            method="highs",
        )
        err = float(np.abs(x[k].numpy() - ref.x).max())
        if err > 1e-6:
            problems.append(f"sample {k}: |x - x_highs| = {err:.3g}")
    # kkt on every sample that solved, one at a time (on_failure="raise").
    for k in solved:
        c = cost[k].clone().requires_grad_()
        try:
            solve_qp(None, c, G, h, A, b, settings=settings).sum().backward()
        except SolverError as exc:
            detail = str(exc).split("batch element 0: ")[-1].split(")")[0]
            problems.append(f"sample {k}: kkt backward failed ({detail})")
            continue
        gmax = float(c.grad.abs().max())
        if not gmax < 1e-5:
            problems.append(f"sample {k}: kkt |dq|max = {gmax:.3g}, want 0")
    assert not problems, f"{linear_solver}: " + "; ".join(problems)


def _path_task(batch: int, settings: dict[str, str]) -> tuple[torch.Tensor, ...]:
    G, h, A, b = grid_shortest_path()
    n_feat, n_edges = 5, G.shape[1]
    w_true = torch.randn(n_edges, n_feat, generator=torch.Generator().manual_seed(1), dtype=F64)
    feats = torch.randn(batch, n_feat, generator=torch.Generator().manual_seed(2), dtype=F64)
    cost_true = feats @ w_true.T + 2.0
    x_true = solve_qp(None, cost_true, G, h, A, b, settings=settings)
    return feats, x_true, G, h, A, b


def _train(backward: object, linear_solver: str, steps: int, optimizer: str) -> list[float]:
    settings = {"linear_solver": linear_solver}
    feats, x_true, G, h, A, b = _path_task(16, settings)
    torch.manual_seed(0)
    model = torch.nn.Linear(feats.shape[1], G.shape[1]).double()
    layer = QPLayer(backward=backward, settings=settings)
    if optimizer == "adam":
        opt: torch.optim.Optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.3)
    losses = []
    for _ in range(steps):
        x = layer(None, model(feats), G, h, A, b)
        loss = (x - x_true).abs().sum(dim=1).mean()  # Hamming distance of 0/1 paths
        losses.append(float(loss.detach()))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return losses


@pytest.mark.parametrize("linear_solver", ["auto", "sparse"])
def test_shortest_path_kkt_makes_no_progress(lib: object, linear_solver: str) -> None:
    # The LP solution is piecewise constant in the costs: the exact gradient is
    # zero, so training through kkt does not move the task loss. (Plain SGD:
    # Adam would rescale round-off-sized gradients into full steps.)
    settings = {"linear_solver": linear_solver}
    feats, x_true, G, h, A, b = _path_task(16, settings)
    torch.manual_seed(0)
    cost = torch.nn.Linear(feats.shape[1], G.shape[1]).double()(feats).detach()
    cost.requires_grad_()
    x = solve_qp(None, cost, G, h, A, b, settings=settings, backward="kkt")
    (x - x_true).abs().sum(dim=1).mean().backward()
    assert torch.isfinite(cost.grad).all()
    assert float(cost.grad.abs().max()) < 1e-5, float(cost.grad.abs().max())
    losses = _train("kkt", linear_solver, steps=5, optimizer="sgd")
    assert max(losses) - min(losses) < 1e-6, losses


# The forward solutions are polished to exact 0/1 vertices (SolverSettings.polish),
# so the Hamming loss's subgradient sign(x − x_true) is 0 on correctly predicted
# edges; from interior-point output it was ±1 (the sign of ~1e-10 noise), which
# pushed every edge. With only the wrong edges pushed, τ = 1 (a perturbation of
# 1/16 per edge: the loss is a batch mean) rarely moves the LP solution and Adam
# plateaus at 7.6–7.75 from 8.9; τ = 4 reaches 4.0 (right) and 4.9 (central).
@pytest.mark.parametrize(
    ("linear_solver", "side", "optimizer", "tau"),
    [
        ("auto", "right", "sgd", 1.0),
        ("sparse", "right", "sgd", 1.0),
        ("auto", "right", "adam", 4.0),
        ("auto", "central", "adam", 4.0),
    ],
)
def test_shortest_path_lpgd_learns(
    lib: object, linear_solver: str, side: str, optimizer: str, tau: float
) -> None:
    losses = _train(LPGD(tau=tau, side=side), linear_solver, steps=20, optimizer=optimizer)
    first, last = losses[0], losses[-1]
    assert last <= 0.85 * first, losses
