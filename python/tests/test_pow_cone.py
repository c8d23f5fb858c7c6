"""3-d power cones: parity with Clarabel on the conic data cvxpy produces for
PowCone3D constraints, infeasibility certificates, exponent validation, float64
gradients through solve_cone and CvxpyLayer (kkt and LPGD)."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
import torch

from lpgd_go import BPQP, LPGD, Cones, SolverError, solve_cone

cp = pytest.importorskip("cvxpy")
clarabel = pytest.importorskip("clarabel")
sp = pytest.importorskip("scipy.sparse")

TIGHT = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "max_iter": 300}


# -- problem families (cvxpy), the parameters for CvxpyLayer -----------------


def projection(rng: np.random.Generator, k: int = 3) -> tuple[object, list, list]:
    """Euclidean projection of points p onto power cones with several exponents
    (some points outside the cone, so that the solution is on its boundary)."""
    alpha = np.linspace(0.25, 0.8, k)
    p = cp.Parameter((3, k), value=rng.standard_normal((3, k)) + np.array([[0.5], [0.5], [0.0]]))
    x, y, z = cp.Variable(k), cp.Variable(k), cp.Variable(k)
    obj = cp.sum_squares(x - p[0]) + cp.sum_squares(y - p[1]) + cp.sum_squares(z - p[2])
    prob = cp.Problem(cp.Minimize(obj), [cp.PowCone3D(x, y, z, alpha)])
    return prob, [p], [x, y, z]


def utility(rng: np.random.Generator, n: int = 4) -> tuple[object, list, list]:
    """Maximize a weighted sum of Cobb–Douglas utilities x^α y^(1−α) under two
    budgets, with a proximal term that makes the solution unique."""
    w = cp.Parameter(n, nonneg=True, value=rng.random(n) + 0.5)
    budget = cp.Parameter(2, nonneg=True, value=rng.random(2) + 1.0)
    x, y, z = cp.Variable(n), cp.Variable(n), cp.Variable(n)
    alpha = 0.2 + 0.6 * rng.random(n)
    obj = w @ z - 0.05 * cp.sum_squares(x) - 0.05 * cp.sum_squares(y)
    cons = [cp.PowCone3D(x, y, z, alpha), cp.sum(x) <= budget[0], cp.sum(y) <= budget[1]]
    return cp.Problem(cp.Maximize(obj), cons), [w, budget], [x, y]


def least_squares(rng: np.random.Generator, n: int = 4, m: int = 6) -> tuple[object, list, list]:
    """Least squares with a geometric-mean floor x₀^0.3 x₁^0.7 ≥ 1 written as a
    PowCone3D constraint, and a linear inequality."""
    A = cp.Parameter((m, n), value=rng.standard_normal((m, n)))
    b = cp.Parameter(m, value=rng.standard_normal(m))
    x, t = cp.Variable(n), cp.Variable()
    cons = [cp.PowCone3D(x[0], x[1], t, 0.3), t >= 1, cp.sum(x) <= 5]
    return cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), cons), [A, b], [x]


FAMILIES: dict[str, Callable] = {
    "projection": projection,
    "utility": utility,
    "least_squares": least_squares,
}


def conic_data(prob: object) -> tuple:
    data, _, _ = prob.get_problem_data(cp.CLARABEL)
    return data.get("P"), data["c"], data["A"], data["b"], data["dims"]


def cones_of(dims: object) -> Cones:
    return Cones(
        zero=dims.zero, nonneg=dims.nonneg, soc=list(dims.soc), exp=dims.exp, pow=list(dims.p3d)
    )


def clarabel_solve(P, c, A, b, dims) -> tuple[np.ndarray, np.ndarray, str]:
    n = len(c)
    Pc = sp.csc_matrix((n, n)) if P is None else sp.csc_matrix(sp.triu(P))
    cones = []
    if dims.zero:
        cones.append(clarabel.ZeroConeT(dims.zero))
    if dims.nonneg:
        cones.append(clarabel.NonnegativeConeT(dims.nonneg))
    cones += [clarabel.SecondOrderConeT(q) for q in dims.soc]
    cones += [clarabel.ExponentialConeT() for _ in range(dims.exp)]
    cones += [clarabel.PowerConeT(a) for a in dims.p3d]
    st = clarabel.DefaultSettings()
    st.verbose = False
    st.tol_gap_abs = st.tol_gap_rel = st.tol_feas = 1e-10
    st.max_iter = 300
    r = clarabel.DefaultSolver(Pc, c, sp.csc_matrix(A), b, cones, st).solve()
    return np.array(r.x), np.array(r.z), str(r.status)


def ours(P, c, A, b, dims, linear_solver: str = "auto"):
    Pt = None if P is None or P.nnz == 0 else torch.tensor(P.toarray())
    return solve_cone(
        Pt,
        torch.tensor(c),
        torch.tensor(A.toarray()),
        torch.tensor(b),
        cones_of(dims),
        settings=dict(TIGHT, linear_solver=linear_solver),
        return_info=True,
    )


def in_pow(v: np.ndarray, a: float, tol: float) -> bool:
    x, y, z = v
    return x >= -tol and y >= -tol and max(x, 0) ** a * max(y, 0) ** (1 - a) >= abs(z) - tol


# -- parity ------------------------------------------------------------------


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("linear_solver", ["dense", "sparse"])
def test_parity_with_clarabel(family: str, seed: int, linear_solver: str) -> None:
    prob, _, _ = FAMILIES[family](np.random.default_rng(seed))
    P, c, A, b, dims = conic_data(prob)
    assert len(dims.p3d) > 0
    xc, zc, status = clarabel_solve(P, c, A, b, dims)
    assert status == "Solved"
    x, y, s, info = ours(P, c, A, b, dims, linear_solver)
    assert int(info.status) == 1, info  # solved at 1e-10
    assert max(float(info.primal_residual), float(info.dual_residual)) <= 1e-10
    obj_c = float(c @ xc + (0.0 if P is None else 0.5 * xc @ (P @ xc)))
    assert abs(float(info.objective) - obj_c) <= 1e-8 * max(1.0, abs(obj_c))
    # Clarabel stops at gap 1e-10, which on a curved cone boundary leaves its
    # point ~√gap off along the boundary (complementarity is quadratic in the
    # angle between s and y): up to ~5e-6 here. Ours is refined by tangent
    # Newton steps (exact to ~1e-12: test_projection_exact).
    np.testing.assert_allclose(x.numpy(), xc, atol=1e-5 * max(1.0, float(np.abs(xc).max())))
    np.testing.assert_allclose(y.numpy(), zc, atol=3e-5 * max(1.0, float(np.abs(zc).max())))
    # Every power block of (s, y) is in K_pow(α) × K_pow(α)*.
    m0 = dims.zero + dims.nonneg + sum(dims.soc) + 3 * dims.exp
    sv, yv = s.numpy()[m0:].reshape(-1, 3), y.numpy()[m0:].reshape(-1, 3)
    for a, sb, yb in zip(dims.p3d, sv, yv, strict=True):
        assert in_pow(sb, a, 1e-9), (a, sb)
        assert in_pow(yb / np.array([a, 1 - a, 1.0]), a, 1e-9), (a, yb)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_cvxpy_layer_matches_cvxpy(family: str) -> None:
    from lpgd_go.cvxpy import CvxpyLayer

    prob, params, variables = FAMILIES[family](np.random.default_rng(7))
    # At 1e-9 Clarabel was 2.5e-5 off on the utility family in some runs (its
    # iterates depend on cvxpy's variable order); at 1e-10 it is 2.2e-6 off.
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    layer = CvxpyLayer(prob, params, variables, settings=TIGHT)
    outs = layer(*[torch.tensor(np.asarray(p.value, dtype=float)) for p in params])
    for out, var in zip(outs, variables, strict=True):
        # Clarabel's ~√gap along the curved boundary (see test_parity_with_clarabel).
        np.testing.assert_allclose(out.numpy(), var.value, atol=1e-5, rtol=1e-5)


def project_pow(v: np.ndarray, a: float) -> np.ndarray:
    """Euclidean projection onto K_pow(a) (Hien 2015): v inside K, 0 inside
    -K*, else (x(r), y(r), sign(v2) r) with x(r)^a y(r)^(1-a) = r by bisection."""
    x0, y0, z0 = (float(t) for t in v)
    if x0 >= 0 and y0 >= 0 and x0**a * y0 ** (1 - a) >= abs(z0):
        return v.copy()
    if x0 <= 0 and y0 <= 0 and (-x0 / a) ** a * (-y0 / (1 - a)) ** (1 - a) >= abs(z0):
        return np.zeros(3)
    z = abs(z0)

    def xy(r: float) -> tuple[float, float]:
        q = r * (z - r)
        return 0.5 * (x0 + np.sqrt(x0 * x0 + 4 * a * q)), 0.5 * (
            y0 + np.sqrt(y0 * y0 + 4 * (1 - a) * q)
        )

    lo, hi = 0.0, z
    for _ in range(200):
        r = 0.5 * (lo + hi)
        x, y = xy(r)
        lo, hi = (r, hi) if x**a * y ** (1 - a) > r else (lo, r)
    x, y = xy(0.5 * (lo + hi))
    return np.array([x, y, np.copysign(0.5 * (lo + hi), z0)])


@pytest.mark.parametrize("tol", [1e-8, 1e-10])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_projection_exact(tol: float, seed: int) -> None:
    """The projection family against its exact solution, at the default
    tolerance and a tight one: the tangent Newton refinement leaves x exact."""
    from lpgd_go.cvxpy import CvxpyLayer

    prob, params, variables = projection(np.random.default_rng(seed))
    settings = {"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol}
    layer = CvxpyLayer(prob, params, variables, settings=settings)
    p = np.asarray(params[0].value, dtype=float)
    outs = layer(torch.tensor(p))
    alpha = np.linspace(0.25, 0.8, p.shape[1])
    got = np.stack([o.numpy() for o in outs])
    want = np.stack([project_pow(p[:, i], alpha[i]) for i in range(p.shape[1])], axis=1)
    np.testing.assert_allclose(got, want, atol=1e-12, rtol=0)


def test_geo_mean_closed_form() -> None:
    # max t s.t. (2, 3, t) ∈ K_pow(α): t = 2^α 3^(1−α), y = (αt/2, (1−α)t/3, −1).
    A = torch.tensor([[0.0], [0.0], [-1.0]], dtype=torch.float64)
    b = torch.tensor([2.0, 3.0, 0.0], dtype=torch.float64)
    c = torch.tensor([-1.0], dtype=torch.float64)
    for a in (0.1, 0.5, 0.9):
        x, y, _ = solve_cone(None, c, A, b, Cones(pow=[a]), settings=TIGHT)
        t = 2**a * 3 ** (1 - a)
        assert abs(float(x[0]) - t) < 1e-12
        np.testing.assert_allclose(y.numpy(), [a * t / 2, (1 - a) * t / 3, -1.0], atol=1e-12)


# -- infeasibility and validation --------------------------------------------------


def test_primal_infeasible() -> None:
    # (−1, 1, v) ∈ K_pow has no solution (x < 0).
    A = torch.tensor([[0.0], [0.0], [-1.0]], dtype=torch.float64)
    b = torch.tensor([-1.0, 1.0, 0.0], dtype=torch.float64)
    c = torch.tensor([1.0], dtype=torch.float64)
    _, y, _, info = solve_cone(None, c, A, b, Cones(pow=[0.4]), return_info=True, on_failure="nan")
    assert int(info.status) == 2  # primal_infeasible
    assert bool(torch.isnan(y).all())
    with pytest.raises(SolverError):
        solve_cone(None, c, A, b, Cones(pow=[0.4]))


def test_dual_infeasible() -> None:
    # min −t s.t. (x, x + 1, t) ∈ K_pow: the ray x = t → ∞ improves forever.
    A = torch.tensor([[-1.0, 0.0], [-1.0, 0.0], [0.0, -1.0]], dtype=torch.float64)
    b = torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)
    c = torch.tensor([0.0, -1.0], dtype=torch.float64)
    _, _, _, info = solve_cone(None, c, A, b, Cones(pow=[0.6]), return_info=True, on_failure="nan")
    assert int(info.status) == 3  # dual_infeasible


def test_cvxpy_infeasible_raises_solver_error() -> None:
    from lpgd_go.cvxpy import CvxpyLayer

    q = cp.Parameter(value=-1.0)
    x, y, z = cp.Variable(), cp.Variable(), cp.Variable()
    prob = cp.Problem(cp.Minimize(z), [cp.PowCone3D(x, y, z, 0.5), x == q, y == 1])
    layer = CvxpyLayer(prob, [q], [z])
    with pytest.raises(SolverError, match="infeasible"):
        layer(torch.tensor(-1.0, dtype=torch.float64))


def test_cones_validation() -> None:
    assert Cones(nonneg=1, exp=1, pow=[0.5, 0.3]).dim == 10
    assert Cones(pow=np.array([0.25])).pow == (0.25,)
    for bad, idx in (([0.5, 1.0], 1), ([0.0], 0), ([-0.2], 0), ([float("nan")], 0)):
        with pytest.raises(ValueError, match=rf"Cones\.pow\[{idx}\].*open interval \(0, 1\)"):
            Cones(pow=bad)
    with pytest.raises(ValueError, match=r"Cones\.pow must be a sequence"):
        Cones(pow=0.5)
    with pytest.raises(ValueError, match=r"Cones\.pow\[0\] must be a float"):
        Cones(pow=["a"])
    with pytest.raises(ValueError, match=r"pow=\[0\.5\]"):
        solve_cone(None, torch.ones(1), torch.ones(2, 1), torch.ones(2), Cones(pow=[0.5]))


def test_bpqp_refuses_power_cones() -> None:
    A = torch.tensor([[0.0], [0.0], [-1.0]], dtype=torch.float64)
    b = torch.tensor([2.0, 3.0, 0.0], dtype=torch.float64)
    c = torch.tensor([-1.0], dtype=torch.float64)
    with pytest.raises(ValueError, match="power cones"):
        solve_cone(None, c, A, b, Cones(pow=[0.5]), backward=BPQP())


def pow_nd_projection(
    rng: np.random.Generator, axis: int
) -> tuple[object, list, list, tuple[np.ndarray, np.ndarray]]:
    """Projection of (P, q) onto two 3-d power cones written as one PowConeND
    (columns of W for axis 0, rows for axis 1), with a batch of 3 points."""
    alpha = np.array([[0.2, 0.5], [0.3, 0.25], [0.5, 0.25]])
    shape = (3, 2)
    if axis == 1:
        alpha, shape = alpha.T, (2, 3)
    W, z = cp.Variable(shape), cp.Variable(2)
    P, q = cp.Parameter(shape), cp.Parameter(2)
    obj = cp.sum_squares(W - P) + cp.sum_squares(z - q)
    prob = cp.Problem(cp.Minimize(obj), [cp.PowConeND(W, z, alpha, axis=axis)])
    Pv = rng.standard_normal((3, *shape)) + 0.5
    qv = 2 * rng.standard_normal((3, 2))  # most points outside their cone
    P.value, q.value = Pv[0], qv[0]
    return prob, [P, q], [W, z], (Pv, qv)


@pytest.mark.parametrize("axis", [0, 1])
def test_pow_cone_nd_parity_with_clarabel(axis: int) -> None:
    """PowConeND constraints solve through cvxpy's rewriting into 3-d power cones
    and agree with cvxpy + Clarabel (which takes the n-d cone natively)."""
    from lpgd_go.cvxpy import CvxpyLayer

    prob, params, variables, (Pv, qv) = pow_nd_projection(np.random.default_rng(axis), axis)
    layer = CvxpyLayer(prob, params, variables)
    W_out, z_out = layer(torch.tensor(Pv), torch.tensor(qv))
    for b in range(len(Pv)):
        params[0].value, params[1].value = Pv[b], qv[b]
        prob.solve(solver=cp.CLARABEL)
        np.testing.assert_allclose(W_out[b].numpy(), variables[0].value, atol=1e-6)
        np.testing.assert_allclose(z_out[b].numpy(), variables[1].value, atol=1e-6)


def test_pow_cone_nd_with_psd_and_constraint() -> None:
    """A PowConeND next to a PSD block and a parametric linear constraint (cvxpy's
    SCS form, whose PSD rows are already in the solver's order): parity with
    Clarabel."""
    from lpgd_go.cvxpy import CvxpyLayer

    w = cp.Parameter(3, nonneg=True, value=np.array([1.0, 2.0, 0.5]))
    C = cp.Parameter(
        (3, 3), symmetric=True, value=np.array([[1, 2, 0], [2, 1, 0.5], [0, 0.5, -1.0]])
    )
    W, z, X = cp.Variable((3, 1)), cp.Variable(1), cp.Variable((3, 3), symmetric=True)
    prob = cp.Problem(
        cp.Maximize(z[0] - cp.sum_squares(W) - cp.sum_squares(X - C)),
        [
            cp.PowConeND(W, z, np.array([[0.2], [0.3], [0.5]])),
            cp.sum(W) <= w @ np.ones(3),
            X >> 0,
            cp.trace(X) <= W[0, 0] + 1,
        ],
    )
    layer = CvxpyLayer(prob, [w, C], [W, z, X])
    outs = layer(torch.tensor(w.value), torch.tensor(C.value))
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-9, tol_gap_rel=1e-9, tol_feas=1e-9)
    for out, ref in zip(outs, [W, z, X], strict=True):
        np.testing.assert_allclose(out.numpy(), ref.value, atol=1e-6)


def test_gradcheck_pow_cone_nd() -> None:
    from lpgd_go.cvxpy import CvxpyLayer

    prob, params, variables, _ = pow_nd_projection(np.random.default_rng(7), 0)
    layer = CvxpyLayer(prob, params, variables, settings=TIGHT)
    vals = [torch.tensor(np.asarray(p.value, dtype=float), requires_grad=True) for p in params]
    assert torch.autograd.gradcheck(
        lambda *v: layer(*v), tuple(vals), eps=1e-5, atol=1e-5, rtol=1e-3
    )


def test_pow_cone_nd_duals_not_implemented() -> None:
    from lpgd_go.cvxpy import CvxpyLayer

    prob, params, _, _ = pow_nd_projection(np.random.default_rng(0), 0)
    con = prob.constraints[0]
    with pytest.raises(NotImplementedError, match="PowConeND"):
        CvxpyLayer(prob, params, [con.dual_variables[0]])


# -- duals ----------------------------------------------------------------------


def test_pow_cone_duals_exact() -> None:
    """The three dual variables of PowCone3D(x, y, z, alpha) in the projection
    family are 2((x, y, z) - p) (stationarity), batched and unbatched, and agree
    with cvxpy + Clarabel's dual_value to Clarabel's accuracy."""
    from lpgd_go.cvxpy import CvxpyLayer

    prob, params, variables = projection(np.random.default_rng(2))
    con = prob.constraints[0]
    layer = CvxpyLayer(prob, params, variables + list(con.dual_variables), settings=TIGHT)
    p = np.asarray(params[0].value, dtype=float)
    outs = layer(torch.tensor(p))
    for k in range(3):
        np.testing.assert_allclose(outs[3 + k].numpy(), 2 * (outs[k].numpy() - p[k]), atol=1e-12)
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-9, tol_gap_rel=1e-9, tol_feas=1e-9)
    for k in range(3):
        np.testing.assert_allclose(outs[3 + k].numpy(), con.dual_variables[k].value, atol=1e-5)
    P = torch.tensor(np.stack([p, p + 0.1]))
    batched = layer(P)
    for k in range(6):
        np.testing.assert_allclose(batched[k][0].numpy(), outs[k].numpy(), atol=1e-12)


def test_exp_and_pow_duals_together() -> None:
    """With exponential and power cones in one problem (power rows after the
    exponential ones), both constraints' duals land on their own rows."""
    from lpgd_go.cvxpy import CvxpyLayer

    q = cp.Parameter(2, value=np.array([0.7, -0.4]))
    x, y, z = cp.Variable(2), cp.Variable(2), cp.Variable(2)
    u, v, w = cp.Variable(), cp.Variable(), cp.Variable()
    cons = [
        cp.PowCone3D(x, y, z, np.array([0.3, 0.6])),
        cp.constraints.ExpCone(u, v, w),
        v == 1,
        w <= 2,
        cp.sum(x) + cp.sum(y) <= 3,
    ]
    obj = cp.Maximize(q @ z + u - 0.1 * cp.sum_squares(cp.hstack([x, y, z])))
    prob = cp.Problem(obj, cons)
    duals = list(cons[0].dual_variables) + list(cons[1].dual_variables)
    layer = CvxpyLayer(prob, [q], [x, z, u, *duals], settings=TIGHT)
    assert layer.cones.exp == 1 and layer.cones.pow == (0.3, 0.6)
    outs = layer(torch.tensor(q.value))
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-9, tol_gap_rel=1e-9, tol_feas=1e-9)
    for out, ref in zip(outs, [x, z, u, *duals], strict=True):
        np.testing.assert_allclose(out.numpy(), ref.value, atol=1e-5)


def test_gradcheck_through_pow_duals() -> None:
    from lpgd_go.cvxpy import CvxpyLayer

    prob, params, _ = utility(np.random.default_rng(1))
    con = prob.constraints[0]
    layer = CvxpyLayer(prob, params, list(con.dual_variables), settings=TIGHT)
    vals = [torch.tensor(np.asarray(p.value, dtype=float), requires_grad=True) for p in params]
    assert torch.autograd.gradcheck(
        lambda *v: layer(*v), tuple(vals), eps=1e-5, atol=1e-5, rtol=1e-3
    )


# -- gradients -----------------------------------------------------------------


def test_gradcheck_solve_cone_kkt() -> None:
    prob, _, _ = least_squares(np.random.default_rng(0))
    P, c, A, b, dims = conic_data(prob)
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    Pt, ct, At, bt = t(P.toarray()), t(c), t(A.toarray()), t(b)
    cones = cones_of(dims)

    def f(c: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x, y, _ = solve_cone(Pt, c, At, b, cones, settings=TIGHT)
        return x, y

    inputs = (ct.requires_grad_(), bt.requires_grad_())
    assert torch.autograd.gradcheck(f, inputs, eps=1e-5, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("settings", [None, TIGHT], ids=["default", "tight"])
def test_gradcheck_cvxpy_layer(family: str, settings: dict | None) -> None:
    from lpgd_go.cvxpy import CvxpyLayer

    prob, params, variables = FAMILIES[family](np.random.default_rng(5))
    layer = CvxpyLayer(prob, params, variables, settings=settings)
    vals = [torch.tensor(np.asarray(p.value, dtype=float), requires_grad=True) for p in params]
    assert torch.autograd.gradcheck(
        lambda *v: layer(*v), tuple(vals), eps=1e-5, atol=1e-5, rtol=1e-3
    )


def test_lpgd_matches_kkt() -> None:
    """LPGD with a small τ approximates the kkt gradient (first order in τ)."""
    from lpgd_go.cvxpy import CvxpyLayer

    prob, params, variables = projection(np.random.default_rng(3))
    g = [torch.tensor(np.random.default_rng(k).standard_normal(3)) for k in range(3)]
    grads = []
    for method in ("kkt", LPGD(tau=1e-5)):
        layer = CvxpyLayer(prob, params, variables, backward=method, settings=TIGHT)
        p = torch.tensor(params[0].value, requires_grad=True)
        outs = layer(p)
        sum(o @ gi for o, gi in zip(outs, g, strict=True)).backward()
        grads.append(p.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], atol=1e-5)


def test_batched_layer_matches_unbatched() -> None:
    from lpgd_go.cvxpy import CvxpyLayer

    prob, params, variables = projection(np.random.default_rng(4))
    layer = CvxpyLayer(prob, params, variables, settings=TIGHT)
    rng = np.random.default_rng(9)
    P = torch.tensor(rng.standard_normal((5, 3, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batched = layer(P)
    for k in range(5):
        single = layer(P[k])
        for ob, os_ in zip(batched, single, strict=True):
            np.testing.assert_allclose(ob[k].numpy(), os_.numpy(), atol=1e-9)
