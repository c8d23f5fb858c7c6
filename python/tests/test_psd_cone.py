"""PSD cones through solve_cone: parity with Clarabel and float64 gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lpgd_go import Cones, SolverSettings, solve_cone

clarabel = pytest.importorskip("clarabel")
sp = pytest.importorskip("scipy.sparse")

TIGHT = SolverSettings(tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, max_iter=200)
# For finite differences (the Newton refinement makes any converged solve
# exact to rounding; tighter tolerances only cost iterations).
GRAD = SolverSettings(tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, max_iter=200)


def svec_index(d: int) -> list[tuple[int, int]]:
    """(i, j), i >= j, of each svec entry: lower triangle column by column."""
    return [(i, j) for j in range(d) for i in range(j, d)]


def svec(x: np.ndarray) -> np.ndarray:
    d = x.shape[0]
    return np.array([x[i, j] * (1 if i == j else math.sqrt(2)) for i, j in svec_index(d)])


def smat(v: np.ndarray, d: int) -> np.ndarray:
    x = np.zeros((d, d))
    for k, (i, j) in enumerate(svec_index(d)):
        x[i, j] = x[j, i] = v[k] / (1 if i == j else math.sqrt(2))
    return x


def clarabel_perm(d: int) -> list[int]:
    """Our row of each of Clarabel's PSD rows (upper triangle column by column)."""
    ours = {ij: k for k, ij in enumerate(svec_index(d))}
    return [ours[(j, i)] for j in range(d) for i in range(j + 1)]


def random_sdp(rng: np.random.Generator, d: int, neq: int, quad: bool):
    """min ½xᵀPx + cᵀx over x = svec(X) with ⟨A_i, X⟩ = b_i and a PSD block
    X ⪰ 0 (rows −x + s = 0), a nonnegative row x₀ ≤ 5 and an SOC block;
    feasible (b from X₀ ≻ 0) and bounded (c from a dual-feasible point)."""
    nv = d * (d + 1) // 2
    g = rng.standard_normal((d, d))
    x0 = svec(g @ g.T + 0.5 * np.eye(d))
    g = rng.standard_normal((d, d))
    c = svec(g @ g.T + 0.5 * np.eye(d))
    rows, b = [], []
    for _ in range(neq):
        a = rng.standard_normal((d, d))
        ai = svec(a + a.T)
        rows.append(ai)
        b.append(ai @ x0)
        c = c + rng.standard_normal() * ai
    # Nonneg row: x₀ ≤ 5 + x0₀; SOC (3 rows): ‖(x₁, x₂)‖ ≤ 100 + x₀.
    e0 = np.zeros(nv)
    e0[0] = 1
    rows.append(e0)
    b.append(5 + x0[0])
    soc = np.zeros((3, nv))
    soc[0, 0] = -1
    soc[1, min(1, nv - 1)] = -1
    soc[2, min(2, nv - 1)] = -1
    rows += list(soc)
    b += [100, 0, 0]
    rows += list(-np.eye(nv))
    b += [0] * nv
    A = np.array(rows)
    P = None
    if quad:
        h = rng.standard_normal((nv, nv))
        P = 0.1 * h @ h.T + 0.1 * np.eye(nv)
    cones = Cones(zero=neq, nonneg=1, soc=[3], psd=[d])
    return P, c, A, np.array(b, dtype=float), cones


def clarabel_solve(P, c, A, b, cones: Cones, d: int, tol: float = 1e-10):
    n = A.shape[1]
    m = A.shape[0]
    npsd = d * (d + 1) // 2
    off = m - npsd
    perm = list(range(off)) + [off + k for k in clarabel_perm(d)]
    Ac = sp.csc_matrix(A[perm])
    bc = b[perm]
    Pc = sp.csc_matrix(np.triu(P)) if P is not None else sp.csc_matrix((n, n))
    kc = [
        clarabel.ZeroConeT(cones.zero),
        clarabel.NonnegativeConeT(cones.nonneg),
        *[clarabel.SecondOrderConeT(q) for q in cones.soc],
        clarabel.PSDTriangleConeT(d),
    ]
    s = clarabel.DefaultSettings()
    s.verbose = False
    s.tol_gap_abs = s.tol_gap_rel = s.tol_feas = tol
    s.max_iter = 500
    sol = clarabel.DefaultSolver(Pc, c, Ac, bc, kc, s).solve()
    assert str(sol.status) in ("Solved", "AlmostSolved"), sol.status
    y = np.empty(m)
    y[perm] = np.array(sol.z)
    return np.array(sol.x), y


def nearest_correlation(rng: np.random.Generator, d: int):
    """min ‖X − C‖²_F s.t. diag X = 1, X ⪰ 0 over x = svec(X), C = I + noise
    (strongly convex: x and y are well determined)."""
    nv = d * (d + 1) // 2
    g = rng.standard_normal((d, d))
    C = np.eye(d) + 0.6 * (g + g.T)
    P = 2 * np.eye(nv)
    c = -2 * svec(C)
    rows = [np.eye(nv)[k] for k, (i, j) in enumerate(svec_index(d)) if i == j]
    A = np.vstack([np.array(rows), -np.eye(nv)])
    b = np.concatenate([np.ones(d), np.zeros(nv)])
    return P, c, A, b, Cones(zero=d, psd=[d])


def check_parity(P, c, A, b, cones: Cones, d: int) -> tuple[float, float]:
    """Solve with lpgd_go and Clarabel at tolerance 1e-10 and compare both
    with Clarabel at 1e-14 (the reference). Returns (ours, Clarabel's) max
    relative distance of (x, y) to the reference."""
    x14, y14 = clarabel_solve(P, c, A, b, cones, d, 1e-14)
    x10, y10 = clarabel_solve(P, c, A, b, cones, d, 1e-10)
    Pt = None if P is None else torch.tensor(P)
    x, y, s = solve_cone(
        Pt, torch.tensor(c), torch.tensor(A), torch.tensor(b), cones, settings=TIGHT
    )
    x, y, s = x.numpy(), y.numpy(), s.numpy()
    scale = max(1.0, np.abs(x14).max(), np.abs(y14).max())

    def dist(xx: np.ndarray, yy: np.ndarray) -> float:
        return max(np.abs(xx - x14).max(), np.abs(yy - y14).max()) / scale

    def obj(v: np.ndarray) -> float:
        return float(c @ v + (0.5 * v @ P @ v if P is not None else 0.0))

    assert abs(obj(x) - obj(x14)) <= 1e-8 * max(1.0, abs(obj(x14)))
    # s, y in the cone and complementary.
    npsd = d * (d + 1) // 2
    S, Y = smat(s[-npsd:], d), smat(y[-npsd:], d)
    assert np.linalg.eigvalsh(S).min() > -1e-8
    assert np.linalg.eigvalsh(Y).min() > -1e-8
    assert abs(np.trace(S @ Y)) < 1e-7 * scale
    return dist(x, y), dist(x10, y10)


def kkt_residual(P, c, A, b, cones: Cones, d: int, x: np.ndarray, y: np.ndarray) -> float:
    """Largest violation of the KKT conditions by (x, y) with s = b − Ax: dual
    residual, zero rows, nonnegative rows (signs, s·y), the PSD block (λmin of
    S and Y, max |SY|). The SOC block of random_sdp is inactive (y = 0)."""
    s = b - A @ x
    npsd = d * (d + 1) // 2
    S, Y = smat(s[-npsd:], d), smat(y[-npsd:], d)
    z, nn = cones.zero, cones.nonneg
    r = [
        np.abs((P @ x if P is not None else 0) + c + A.T @ y).max(),
        np.abs(S @ Y).max(),
        -np.linalg.eigvalsh(S).min(),
        -np.linalg.eigvalsh(Y).min(),
    ]
    if z:
        r.append(np.abs(s[:z]).max())
    if nn:
        sn, yn = s[z : z + nn], y[z : z + nn]
        r += [np.abs(sn * yn).max(), -sn.min(), -yn.min()]
    return float(max(r))


def clarabel_best(P, c, A, b, cones: Cones, d: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Clarabel's most accurate answer by KKT residual over tolerances 1e-8 …
    1e-14: on an active PSD block its complementarity stays at 1e-8 … 1e-5
    (max |SY|) and a tighter tolerance is not always better (it stalls)."""
    best = None
    for tol in (1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-14):
        x, y = clarabel_solve(P, c, A, b, cones, d, tol)
        k = kkt_residual(P, c, A, b, cones, d, x, y)
        if best is None or k < best[2]:
            best = (x, y, k)
    assert best is not None
    return best


def psd_families() -> list[tuple[str, int, tuple]]:
    cases: list[tuple[str, int, tuple]] = []
    rng = np.random.default_rng(5)
    for t in range(14):
        d = 2 + t % 7
        cases.append(("nearest correlation", d, nearest_correlation(rng, d)))
    for quad in (False, True):
        rng = np.random.default_rng(7 + quad)
        for t in range(8):
            d = 2 + t % 5
            cases.append((f"random SDP quad={quad}", d, random_sdp(rng, d, 1 + t % 3, quad)))
    return cases


def test_psd_default_tolerance_exact() -> None:
    # At the default tolerance (1e-8) the interior-point solution of an active
    # PSD block is ~√gap off (x, y up to 2e-4 from the solution, max |SY| up to
    # 4e-3); the Newton refinement after convergence makes it exact to
    # rounding: KKT residual ≤ 1e-12 and within 1e-6 of Clarabel's most
    # accurate answer (whose own KKT residual is 1e-8 … 2e-5 here).
    for name, d, (P, c, A, b, cones) in psd_families():
        xr, yr, _ = clarabel_best(P, c, A, b, cones, d)
        Pt = None if P is None else torch.tensor(P)
        x, y, _s = solve_cone(Pt, torch.tensor(c), torch.tensor(A), torch.tensor(b), cones)
        x, y = x.numpy(), y.numpy()
        res = kkt_residual(P, c, A, b, cones, d, x, y)
        assert res <= 1e-12, f"{name} d={d}: KKT residual {res:.1e}"
        scale = max(1.0, np.abs(xr).max(), np.abs(yr).max())
        dist = max(np.abs(x - xr).max(), np.abs(y - yr).max()) / scale
        assert dist <= 1e-6, f"{name} d={d}: {dist:.1e} from Clarabel"


def test_psd_gradients_against_tight_finite_differences() -> None:
    # kkt gradients (default settings) of a random linear function of (x, y)
    # with respect to c, b and A against central differences (h = 1e-6) of
    # re-solves: within 1e-5 relative (measured worst 9e-7, median 4e-8; the
    # projection's "infinite" eigenvalues are 1/√ε, not 1e10, which polluted
    # the dense PSD block of H by ~1e-6).
    rng = np.random.default_rng(0)
    for name, d, (P, c, A, b, cones) in psd_families()[::3]:
        Pt = None if P is None else torch.tensor(P)
        wx = torch.tensor(rng.standard_normal(A.shape[1]))
        wy = torch.tensor(rng.standard_normal(A.shape[0]))

        def f(
            cv: torch.Tensor,
            bv: torch.Tensor,
            Av: torch.Tensor,
            st: SolverSettings | None = None,
            Pt: torch.Tensor | None = Pt,
            cones: Cones = cones,
            wx: torch.Tensor = wx,
            wy: torch.Tensor = wy,
        ) -> torch.Tensor:
            x, y, _ = solve_cone(Pt, cv, Av, bv, cones, settings=st)
            return (wx * x).sum() + (wy * y).sum()

        leaves = [torch.tensor(v, requires_grad=True) for v in (c, b, A)]
        f(*leaves).backward()
        h = 1e-6
        for k, leaf in enumerate(leaves):
            flat = leaf.detach().reshape(-1)
            picks = rng.choice(flat.numel(), min(flat.numel(), 12), replace=False)
            for i in picks:
                vals = []
                for sign in (1, -1):
                    args = [v.detach() for v in leaves]
                    pert = flat.clone()
                    pert[i] += sign * h
                    args[k] = pert.reshape(leaf.shape)
                    vals.append(f(*args, st=GRAD).item())
                num = (vals[0] - vals[1]) / (2 * h)
                got = leaf.grad.reshape(-1)[i].item()
                assert abs(num - got) <= 1e-5 * max(1.0, abs(num)), (
                    f"{name} d={d}: d/d{'cbA'[k]}[{i}] {got} vs finite differences {num}"
                )


def test_psd_parity_nearest_correlation() -> None:
    # x and y within 1e-6 of Clarabel's tightest answer (tolerance 1e-14), or
    # within 3× of Clarabel's own distance at our tolerance (1e-10) where that
    # is farther: on instances whose PSD block is active, neither solver at
    # 1e-10 gets closer than about 1e-5 (x moves with the stopping point), so
    # an absolute 1e-6 agreement is not a meaningful target there.
    rng = np.random.default_rng(5)
    for trial in range(10):
        d = 2 + trial % 5
        ours, ref = check_parity(*nearest_correlation(rng, d), d)
        assert ours <= max(1e-6, 3 * ref), (
            f"trial {trial} (d={d}): {ours:.2e} vs Clarabel's {ref:.2e}"
        )
        assert ours < 1e-4


@pytest.mark.parametrize("quad", [False, True])
def test_psd_random_family_against_clarabel(quad: bool) -> None:
    # Random SDPs with zero, nonnegative, SOC and PSD blocks (see
    # test_psd_parity_nearest_correlation for the criterion).
    rng = np.random.default_rng(7 + quad)
    for trial in range(8):
        d = 2 + trial % 4
        ours, ref = check_parity(*random_sdp(rng, d, 1 + trial % 3, quad), d)
        assert ours <= max(1e-6, 3 * ref), (
            f"trial {trial} (d={d}): {ours:.2e} vs Clarabel's {ref:.2e}"
        )
        assert ours < 1e-4


def test_psd_max_eigenvalue_closed_form() -> None:
    # min t s.t. tI − C ⪰ 0: t* = λmax(C), batched over C.
    rng = np.random.default_rng(3)
    d = 4
    nv = d * (d + 1) // 2
    Cs = [(lambda g: g + g.T)(rng.standard_normal((d, d))) for _ in range(3)]
    A = torch.tensor(-svec(np.eye(d))).reshape(nv, 1)
    b = torch.tensor(np.stack([-svec(C) for C in Cs]))
    x, _, _ = solve_cone(
        None, torch.ones(3, 1, dtype=torch.float64), A, b, Cones(psd=[d]), settings=TIGHT
    )
    want = [np.linalg.eigvalsh(C).max() for C in Cs]
    np.testing.assert_allclose(x[:, 0].numpy(), want, atol=1e-8, rtol=1e-8)


def test_psd_gradcheck() -> None:
    # Nearest correlation matrix min ‖X − C‖²_F, diag X = 1, X ⪰ 0 for a C
    # whose solution is on the boundary (X of rank 1, Y of rank 2: strict
    # complementarity). gradcheck in float64 of x with respect to c and b
    # (agreement about 2e-6). The Jacobian of y is checked separately at a
    # larger step: finite differences of re-solved duals are noise-dominated
    # below h = 1e-3 (the re-solves' y is good to about 1e-8).
    rng = np.random.default_rng(21)
    P, c, A, b, cones = nearest_correlation(rng, 3)
    d = 3
    Pt, At, bt = torch.tensor(P), torch.tensor(A), torch.tensor(b)
    cvec = torch.tensor(c, requires_grad=True)
    bvec = bt.clone().requires_grad_(True)
    x, _, _ = solve_cone(Pt, cvec, At, bvec, cones, settings=GRAD)
    eig = np.linalg.eigvalsh(smat(x.detach().numpy(), d))
    assert (eig > 1e-3).sum() == 1 and (eig < 1e-7).sum() == 2

    def fx(cv: torch.Tensor, bv: torch.Tensor) -> torch.Tensor:
        return solve_cone(Pt, cv, At, bv, cones, settings=GRAD)[0]

    assert torch.autograd.gradcheck(fx, (cvec, bvec), eps=1e-6, atol=1e-7, rtol=1e-6)

    def fy(cv: torch.Tensor) -> torch.Tensor:
        return solve_cone(Pt, cv, At, bt, cones, settings=GRAD)[1]

    cd = torch.tensor(c)
    jac = torch.autograd.functional.jacobian(fy, cd)
    h = 1e-6
    num = torch.stack(
        [
            (fy(cd + h * e) - fy(cd - h * e)) / (2 * h)
            for e in torch.eye(len(c), dtype=torch.float64)
        ],
        dim=1,
    )
    assert (jac - num).abs().max().item() < 1e-7


def test_psd_bpqp_refused_and_bad_dims() -> None:
    with pytest.raises(ValueError, match="PSD cones"):
        solve_cone(
            None,
            torch.ones(1, dtype=torch.float64),
            torch.ones(3, 1, dtype=torch.float64),
            torch.zeros(3, dtype=torch.float64),
            Cones(psd=[2]),
            backward="bpqp",
        )
    with pytest.raises(ValueError, match=r"Cones.psd\[0\]"):
        Cones(psd=[0])
    with pytest.raises(ValueError, match="psd=\\[2\\]"):
        solve_cone(
            None,
            torch.ones(1, dtype=torch.float64),
            torch.ones(4, 1, dtype=torch.float64),
            torch.zeros(4, dtype=torch.float64),
            Cones(psd=[2]),
        )


def test_cvxpy_layer_psd() -> None:
    # A PSD constraint through lpgd_go.cvxpy.CvxpyLayer (rows reordered from
    # cvxpy's Clarabel layout): nearest correlation matrices against cvxpy +
    # Clarabel, the max-eigenvalue LMI in closed form, and a gradient check.
    cp = pytest.importorskip("cvxpy")
    from lpgd_go.cvxpy import CvxpyLayer

    d = 3
    X = cp.Variable((d, d), symmetric=True)
    C = cp.Parameter((d, d), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(X - C)), [cp.diag(X) == 1, X >> 0])
    layer = CvxpyLayer(prob, parameters=[C], variables=[X], settings=TIGHT)
    rng = np.random.default_rng(0)
    for _ in range(4):
        g = rng.standard_normal((d, d))
        Cv = np.eye(d) + 0.6 * (g + g.T)
        C.value = Cv
        prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
        (Xt,) = layer(torch.tensor(Cv))
        assert np.abs(Xt.numpy() - X.value).max() < 1e-5

    t = cp.Variable()
    A = cp.Parameter((d, d), symmetric=True)
    lmi = cp.Problem(cp.Minimize(t), [t * np.eye(d) - A >> 0])
    lmax = CvxpyLayer(lmi, parameters=[A], variables=[t], settings=TIGHT)
    g = rng.standard_normal((2, d, d))
    Av = g + g.transpose(0, 2, 1)
    At = torch.tensor(Av, requires_grad=True)
    (tt,) = lmax(At)
    np.testing.assert_allclose(tt.detach().numpy(), np.linalg.eigvalsh(Av).max(-1), atol=1e-8)
    # d λmax / dA = v vᵀ for the top eigenvector v (a simple eigenvalue); a
    # symmetric parameter is read from its upper triangle (as in cvxpylayers),
    # so the gradient is triu(2vvᵀ) − diag(vvᵀ).
    tt.sum().backward()
    for k in range(2):
        v = np.linalg.eigh(Av[k])[1][:, -1]
        vv = np.outer(v, v)
        want = np.triu(2 * vv) - np.diag(np.diag(vv))
        np.testing.assert_allclose(At.grad[k].numpy(), want, atol=1e-6)


def test_cvxpy_layer_psd_duals() -> None:
    # Duals of PSD constraints through CvxpyLayer, in cvxpy's shape (the
    # symmetric d×d matrix of constraint.dual_value): two PSD blocks (one an
    # LMI Z ⪰ D) next to zero, second-order and nonnegative rows, batched,
    # against cvxpy + Clarabel; the max-eigenvalue LMI's dual in closed form
    # (vvᵀ); the nearest correlation matrix's dual from its KKT conditions;
    # and gradients through the dual.
    cp = pytest.importorskip("cvxpy")
    from lpgd_go.cvxpy import CvxpyLayer

    rng = np.random.default_rng(1)
    d1, d2 = 3, 2
    X = cp.Variable((d1, d1), symmetric=True)
    Z = cp.Variable((d2, d2), symmetric=True)
    C = cp.Parameter((d1, d1), symmetric=True)
    D = cp.Parameter((d2, d2), symmetric=True)
    x = cp.Variable(2)
    cons = [cp.trace(X) == 1, X >> 0, Z >> D, cp.norm(x) <= 1 + cp.trace(Z), x >= -1]
    prob = cp.Problem(cp.Minimize(cp.trace(C @ X) + cp.trace(Z) + cp.sum(x)), cons)
    want = [X, cons[1], cons[2], cons[3], cons[0], cons[4]]
    layer = CvxpyLayer(
        prob,
        parameters=[C, D],
        variables=[X] + [con.dual_variables[0] for con in want[1:]],
    )
    sym = [(lambda g: g + g.T)(rng.standard_normal((d, d))) for d in (d1, d2) for _ in range(3)]
    Cs, Ds = np.array(sym[:3]), np.array(sym[3:])
    outs = layer(torch.tensor(Cs), torch.tensor(Ds))
    assert outs[1].shape == (3, d1, d1) and outs[2].shape == (3, d2, d2)
    for k in range(3):
        C.value, D.value = Cs[k], Ds[k]
        prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
        refs = [X.value] + [con.dual_value for con in want[1:]]
        for j, (o, r) in enumerate(zip(outs, refs, strict=True)):
            np.testing.assert_allclose(o[k].numpy(), np.asarray(r), atol=1e-7, err_msg=f"{j}")
        for j in (1, 2):
            np.testing.assert_array_equal(outs[j][k].numpy(), outs[j][k].numpy().T)

    # λmax(A) = min t s.t. tI − A ⪰ 0; the dual is vvᵀ (v the top eigenvector).
    t = cp.Variable()
    A = cp.Parameter((d1, d1), symmetric=True)
    lmi = tt_con = t * np.eye(d1) - A >> 0
    layer = CvxpyLayer(
        cp.Problem(cp.Minimize(t), [lmi]), parameters=[A], variables=[tt_con.dual_variables[0]]
    )
    Av = (lambda g: g + g.T)(rng.standard_normal((d1, d1)))
    (Y,) = layer(torch.tensor(Av))
    v = np.linalg.eigh(Av)[1][:, -1]
    np.testing.assert_allclose(Y.numpy(), np.outer(v, v), atol=1e-9)

    # Nearest correlation: stationarity of ‖X − C‖² + νᵀ(diag X − 1) − ⟨Y, X⟩
    # (cvxpy's sign conventions), 2(X − C) = Y − Diag(ν), exactly.
    Xn = cp.Variable((d1, d1), symmetric=True)
    Cn = cp.Parameter((d1, d1), symmetric=True)
    psd, diag = Xn >> 0, cp.diag(Xn) == 1
    ncm = cp.Problem(cp.Minimize(cp.sum_squares(Xn - Cn)), [diag, psd])
    layer = CvxpyLayer(
        ncm,
        parameters=[Cn],
        variables=[Xn, psd.dual_variables[0], diag.dual_variables[0]],
    )
    Cv = np.eye(d1) + 0.6 * (lambda g: g + g.T)(rng.standard_normal((d1, d1)))
    Xt, Yt, nu = (o.numpy() for o in layer(torch.tensor(Cv)))
    assert np.linalg.eigvalsh(Yt).min() > -1e-12 and np.abs(Xt @ Yt).max() < 1e-12
    np.testing.assert_allclose(2 * (Xt - Cv), Yt - np.diag(nu), atol=1e-10)

    # Gradients through the dual (kkt backward) against finite differences.
    Ct = torch.tensor(Cv, requires_grad=True)

    def dual(c: torch.Tensor) -> torch.Tensor:
        return layer(c)[1]

    assert torch.autograd.gradcheck(dual, (Ct,), eps=1e-6, atol=1e-6, rtol=1e-5)


def test_cvxpy_layer_symmetric_readout_gradient() -> None:
    # The read-out of a symmetric variable (each off-diagonal svec entry read
    # twice) and of a PSD dual (scaled by 1/√2 off the diagonal) by numpy
    # (cvxpy._Gather): the values with and without autograd agree bit for
    # bit; the vector-Jacobian product of the read-out, with an asymmetric
    # upstream gradient, sums both reads of an entry (X[i, j] and X[j, i]) and
    # applies the scale (checked against torch's own indexing of the raw
    # solution); a second derivative is refused.
    cp = pytest.importorskip("cvxpy")
    from lpgd_go.cvxpy import CvxpyLayer, _Gather

    d = 3
    X = cp.Variable((d, d), symmetric=True)
    C = cp.Parameter((d, d), symmetric=True)
    con = X >> 0
    prob = cp.Problem(cp.Minimize(cp.sum_squares(X - C)), [cp.diag(X) == 1, con])
    layer = CvxpyLayer(prob, parameters=[C], variables=[X, con.dual_variables[0]])
    rng = np.random.default_rng(3)
    g = rng.standard_normal((2, d, d))
    Cv = torch.tensor(np.eye(d) + 0.5 * (g + g.transpose(0, 2, 1)), requires_grad=True)
    Xo, Yo = layer(Cv)
    with torch.no_grad():
        Xn, Yn = layer(Cv)
    torch.testing.assert_close(Xo.detach(), Xn, rtol=0, atol=0)
    torch.testing.assert_close(Yo.detach(), Yn, rtol=0, atol=0)
    np.testing.assert_array_equal(Yo[0].detach().numpy(), Yo[0].detach().numpy().T)
    assert float(Yo.detach().abs().max()) > 1e-3  # an active PSD block: the dual is not 0
    for r in layer._recover:
        src = torch.tensor(rng.standard_normal((2, 20)), requires_grad=True)
        if int(r.index.max()) >= 20:
            src = torch.tensor(rng.standard_normal((2, int(r.index.max()) + 1)), requires_grad=True)
        up = torch.tensor(rng.standard_normal((2, int(r.index.numel()))))  # asymmetric
        out = _Gather.apply(src, r)
        want = src[:, r.index] * (1 if r.scale is None else r.scale.reshape(-1))
        torch.testing.assert_close(out, want, rtol=0, atol=0)
        (got,) = torch.autograd.grad(out, src, up)
        (ref,) = torch.autograd.grad(want, src, up)
        torch.testing.assert_close(got, ref, rtol=0, atol=1e-15)
        (g2,) = torch.autograd.grad((out * out).sum(), src, create_graph=True)
        with pytest.raises(RuntimeError, match="not twice differentiable"):
            g2.sum().backward()
    assert any(r.repeats for r in layer._recover)
    assert any(r.scale is not None for r in layer._recover)


def test_cvxpy_layer_ncm_gradient_five_point() -> None:
    # The kkt backward's PSD H (ProjectionH) against 5-point central
    # differences of re-solves (step 1e-4, the exact refinement makes each
    # re-solve exact to rounding) on cvxpy's nearest-correlation form, along
    # every symmetric direction: worst 2.7e-8 measured; the low-rank
    # psdDerivBig·I form of H (the refinement's) gave 2.9e-7 … 1.2e-6 here.
    cp = pytest.importorskip("cvxpy")
    from lpgd_go.cvxpy import CvxpyLayer

    d = 7
    X = cp.Variable((d, d), symmetric=True)
    C = cp.Parameter((d, d), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(X - C)), [cp.diag(X) == 1, X >> 0])
    layer = CvxpyLayer(prob, parameters=[C], variables=[X])
    for seed in range(3):
        rng = np.random.default_rng(seed)
        g = rng.standard_normal((d, d))
        cv = torch.tensor(np.eye(d) + 0.6 * (g + g.T))
        w = torch.tensor(rng.standard_normal((d, d)))

        def f(c: torch.Tensor, w: torch.Tensor = w) -> torch.Tensor:
            return (layer(c)[0] * w).sum()

        ct = cv.clone().requires_grad_(True)
        f(ct).backward()
        assert ct.grad is not None
        e = 1e-4
        worst = 0.0
        for i in range(d):
            for j in range(i, d):
                dd = torch.zeros(d, d, dtype=torch.float64)
                dd[i, j] = dd[j, i] = 1
                with torch.no_grad():
                    fs = [f(cv + k * e * dd).item() for k in (2, 1, -1, -2)]
                num = (-fs[0] + 8 * fs[1] - 8 * fs[2] + fs[3]) / (12 * e)
                worst = max(worst, abs(float((ct.grad * dd).sum()) - num))
        assert worst <= 1e-7, f"seed {seed}: worst |grad − 5-point FD| {worst:.1e}"
