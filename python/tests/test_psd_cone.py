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
# For finite differences: at 1e-10 the solver stops (after ~9 iterations) with
# x good to only ~1e-7 on an active PSD block; asking for 1e-12 ends
# almost_solved after a stall, with x good to ~1e-11.
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

    assert torch.autograd.gradcheck(fx, (cvec, bvec), eps=1e-4, atol=1e-5, rtol=1e-4)

    def fy(cv: torch.Tensor) -> torch.Tensor:
        return solve_cone(Pt, cv, At, bt, cones, settings=GRAD)[1]

    cd = torch.tensor(c)
    jac = torch.autograd.functional.jacobian(fy, cd)
    h = 1e-3
    num = torch.stack(
        [
            (fy(cd + h * e) - fy(cd - h * e)) / (2 * h)
            for e in torch.eye(len(c), dtype=torch.float64)
        ],
        dim=1,
    )
    assert (jac - num).abs().max().item() < 1e-4


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
