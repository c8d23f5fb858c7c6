"""BPQP backward (Pan et al., NeurIPS 2024) through the public API.

BPQP solves the backward pass as an equality-constrained QP on the active
constraints. On non-degenerate QPs it must equal exact implicit
differentiation (kkt) and finite differences of re-solves; on LPs (with and
without a ridge) and on degenerate problems (weakly active constraints,
duplicated or dependent active rows) it must stay finite and agree with the
directional derivatives that exist there; the ADMM solve of the backward QP
must agree with the direct one to its tolerance.
"""

from __future__ import annotations

import pytest
import torch

from lpgd_go import BPQP, SolverError, solve_qp

from conftest import TIGHT, make_qp

F64 = torch.float64
NAMES = ("P", "q", "G", "h", "A", "b")

Args = tuple[torch.Tensor | None, ...]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _loss(
    args: Args,
    wx: torch.Tensor,
    wl: torch.Tensor | None,
    wn: torch.Tensor | None,
    backward: object = "kkt",
) -> torch.Tensor:
    """L = wxᵀx + wlᵀλ + wnᵀν at the solution of args."""
    x, info = solve_qp(*args, backward=backward, settings=TIGHT, return_info=True)
    loss = (wx * x).sum()
    if wl is not None:
        loss = loss + (wl * info.ineq_duals).sum()
    if wn is not None:
        loss = loss + (wn * info.eq_duals).sum()
    return loss


def _grads(
    args: Args,
    backward: object,
    wx: torch.Tensor,
    wl: torch.Tensor | None = None,
    wn: torch.Tensor | None = None,
) -> dict[str, torch.Tensor | None]:
    leaves = [None if a is None else a.detach().clone().requires_grad_() for a in args]
    _loss(tuple(leaves), wx, wl, wn, backward).backward()
    return {n: (None if t is None else t.grad) for n, t in zip(NAMES, leaves, strict=True)}


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / max(float(b.norm()), 1e-12))


def _assert_finite(g: dict[str, torch.Tensor | None], what: str) -> None:
    for name, t in g.items():
        if t is not None:
            assert torch.isfinite(t).all(), f"{what}: d{name} not finite: {t}"


def _weights(
    gen: torch.Generator, n: int, m: int, p: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return (
        torch.randn(n, generator=gen, dtype=F64),
        torch.randn(m, generator=gen, dtype=F64),
        torch.randn(p, generator=gen, dtype=F64),
    )


def _direction(name: str, t: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    d = torch.randn(t.shape, generator=gen, dtype=F64)
    if name == "P":  # P must stay symmetric
        d = 0.5 * (d + d.T)
    return d


def _check_fd(
    args: Args,
    g: dict[str, torch.Tensor | None],
    wx: torch.Tensor,
    wl: torch.Tensor | None,
    wn: torch.Tensor | None,
    seed: int,
    eps: float = 1e-5,
    names: tuple[str, ...] = NAMES,
) -> None:
    """⟨dL/dθ, D⟩ against the central difference of re-solves along a random D,
    for every input θ in names."""
    gen = torch.Generator().manual_seed(seed)
    for k, name in enumerate(NAMES):
        t = args[k]
        if t is None or name not in names:
            continue
        d = _direction(name, t, gen)
        plus = list(args)
        minus = list(args)
        plus[k] = t + eps * d
        minus[k] = t - eps * d
        with torch.no_grad():
            fd = float(_loss(tuple(plus), wx, wl, wn) - _loss(tuple(minus), wx, wl, wn)) / (2 * eps)
        an = float((g[name] * d).sum())
        assert abs(an - fd) <= 1e-5 * max(1.0, abs(fd)), f"d{name}: analytic {an}, fd {fd}"


def _sym(M: torch.Tensor) -> torch.Tensor:
    return 0.5 * (M + M.transpose(-1, -2))


# ---------------------------------------------------------------------------
# Non-degenerate QPs: kkt, finite differences, gradcheck
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("duals", [False, True], ids=["dx", "dx+dy"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_equals_kkt_on_random_qps(lib: object, seed: int, duals: bool) -> None:
    qp = make_qp(n=6, m_ineq=7, p=2, n_active=3, seed=seed)
    wx, wl, wn = _weights(torch.Generator().manual_seed(seed), 6, 7, 2)
    if not duals:
        wl = wn = None
    gk = _grads(qp.args(), "kkt", wx, wl, wn)
    gb = _grads(qp.args(), "bpqp", wx, wl, wn)
    _assert_finite(gb, "bpqp")
    for name in NAMES:
        err = _rel(gb[name], gk[name])
        assert err < 1e-6, f"seed {seed} d{name}: rel err {err}"


@pytest.mark.parametrize("seed", [0, 1])
def test_matches_finite_differences(lib: object, seed: int) -> None:
    qp = make_qp(n=5, m_ineq=6, p=1, n_active=2, seed=10 + seed)
    wx, wl, wn = _weights(torch.Generator().manual_seed(seed), 5, 6, 1)
    g = _grads(qp.args(), "bpqp", wx, wl, wn)
    _check_fd(qp.args(), g, wx, wl, wn, seed=seed)


@pytest.mark.parametrize("batched", [False, True], ids=["single", "batched"])
def test_gradcheck(lib: object, batched: bool) -> None:
    qp = make_qp(n=4, m_ineq=5, p=1, n_active=2, seed=3)
    P, q, G, h, A, b = qp.args()
    if batched:  # q and h batched, the others shared (their gradients are summed)
        q = torch.stack([q, 1.05 * q])
        h = torch.stack([h, h + 0.01])
    inputs = tuple(t.clone().requires_grad_() for t in (P, q, G, h, A, b))

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        M, *rest = xs
        x, info = solve_qp(_sym(M), *rest, backward="bpqp", settings=TIGHT, return_info=True)
        return x, info.ineq_duals, info.eq_duals, info.slacks

    assert torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_equality_only(lib: object) -> None:
    qp = make_qp(n=5, m_ineq=0, p=2, seed=5)
    args: Args = (qp.P, qp.q, None, None, qp.A, qp.b)
    wx, _, wn = _weights(torch.Generator().manual_seed(5), 5, 0, 2)
    gk = _grads(args, "kkt", wx, wn=wn)
    gb = _grads(args, "bpqp", wx, wn=wn)
    for name in ("P", "q", "A", "b"):
        assert _rel(gb[name], gk[name]) < 1e-6, name
    _check_fd(args, gb, wx, None, wn, seed=5)


def test_inequality_only(lib: object) -> None:
    qp = make_qp(n=5, m_ineq=7, p=1, n_active=3, seed=6)
    args: Args = (qp.P, qp.q, qp.G, qp.h, None, None)
    wx, wl, _ = _weights(torch.Generator().manual_seed(6), 5, 7, 0)
    gk = _grads(args, "kkt", wx, wl)
    gb = _grads(args, "bpqp", wx, wl)
    for name in ("P", "q", "G", "h"):
        assert _rel(gb[name], gk[name]) < 1e-6, name
    _check_fd(args, gb, wx, wl, None, seed=6)


# ---------------------------------------------------------------------------
# LPs, with and without an ε·I ridge
# ---------------------------------------------------------------------------


def _lp(seed: int) -> Args:
    """A bounded LP: 6 random inequalities, the box |x| ≤ 1 and one equality."""
    gen = torch.Generator().manual_seed(seed)
    n = 5
    eye = torch.eye(n, dtype=F64)
    G = torch.cat([torch.randn(6, n, generator=gen, dtype=F64), eye, -eye])
    h = torch.cat([torch.rand(6, generator=gen, dtype=F64) + 0.2, torch.ones(2 * n, dtype=F64)])
    A = torch.randn(1, n, generator=gen, dtype=F64)
    b = torch.tensor([0.1], dtype=F64)
    q = torch.randn(n, generator=gen, dtype=F64)
    return (None, q, G, h, A, b)


def test_lp_without_ridge(lib: object) -> None:
    # Documented behaviour: at a nondegenerate LP vertex the exact gradient
    # with respect to q is zero (x is pinned by n active constraints); bpqp
    # gives the same as kkt, finite, for every input.
    args = _lp(0)
    wx = torch.randn(5, generator=torch.Generator().manual_seed(1), dtype=F64)
    gk = _grads(args, "kkt", wx)
    gb = _grads(args, "bpqp", wx)
    _assert_finite(gb, "bpqp")
    assert float(gb["q"].abs().max()) < 1e-8
    for name in ("q", "G", "h", "A", "b"):
        err = float((gb[name] - gk[name]).norm()) / max(1.0, float(gk[name].norm()))
        assert err < 1e-6, f"d{name}: error {err}"
    assert float(gb["h"].abs().max()) > 1e-2  # the duals still move with h


@pytest.mark.parametrize("eps", [1e-2, 1.0])
def test_lp_with_ridge(lib: object, eps: float) -> None:
    # min ½ε‖x‖² + qᵀx: a small ridge keeps the vertex (dq = 0), a large one
    # moves x off it (dq ≠ 0); bpqp equals kkt and finite differences.
    _, q, G, h, A, b = _lp(0)
    args: Args = (eps * torch.eye(5, dtype=F64), q, G, h, A, b)
    wx = torch.randn(5, generator=torch.Generator().manual_seed(1), dtype=F64)
    gk = _grads(args, "kkt", wx)
    gb = _grads(args, "bpqp", wx)
    _assert_finite(gb, "bpqp")
    for name in NAMES:
        err = float((gb[name] - gk[name]).norm()) / max(1.0, float(gk[name].norm()))
        assert err < 1e-6, f"eps={eps} d{name}: error {err}"
    if eps == 1.0:
        assert float(gb["q"].abs().max()) > 1e-2
    _check_fd(args, gb, wx, None, None, seed=2)


# ---------------------------------------------------------------------------
# Degenerate and weakly active cases
# ---------------------------------------------------------------------------


def _base(seed: int, n: int = 4) -> tuple[torch.Tensor, ...]:
    gen = torch.Generator().manual_seed(seed)
    L = torch.randn(n, n, generator=gen, dtype=F64)
    P = L @ L.T / n + 0.5 * torch.eye(n, dtype=F64)
    x0 = torch.randn(n, generator=gen, dtype=F64)
    g1, g2, g3 = (torch.randn(n, generator=gen, dtype=F64) for _ in range(3))
    wx = torch.randn(n, generator=gen, dtype=F64)
    return P, x0, g1, g2, g3, wx


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weakly_active_constraint(lib: object, seed: int) -> None:
    # Row 1 is active with a zero multiplier (the unconstrained minimizer of the
    # remaining problem lies on it): x*(q) is only directionally differentiable.
    # BPQP classifies the row either active or inactive; its gradient must be the
    # derivative of that piece of the solution map, which one-sided finite
    # differences taken inside the piece reproduce.
    P, x0, g1, g2, g3, wx = _base(seed)
    q = -(P @ x0 + 0.7 * g2)
    G = torch.stack([g1, g2, g3])
    h = torch.stack([g1 @ x0, g2 @ x0, g3 @ x0 + 0.8])
    args: Args = (P, q, G, h, None, None)
    gb = _grads(args, "bpqp", wx)
    _assert_finite(gb, "bpqp")
    _assert_finite(_grads(args, "kkt", wx), "kkt")

    # The two pieces: row 1 as an equality, or row 1 dropped.
    active = _grads((P, q, G[1:], h[1:], g1[None], h[:1]), "kkt", wx)
    inactive = _grads((P, q, G[1:], h[1:], None, None), "kkt", wx)
    d_act = float((gb["q"] - active["q"]).abs().max())
    d_inact = float((gb["q"] - inactive["q"]).abs().max())
    # The weakly active solve is accurate to ~1e-6 only (interior-point
    # convergence is slow without strict complementarity).
    tol = 1e-4
    assert min(d_act, d_inact) < tol, f"bpqp dq matches neither piece: {d_act}, {d_inact}"
    chose_active = d_act < d_inact
    want_h1 = active["b"][0] if chose_active else torch.zeros((), dtype=F64)
    assert abs(float(gb["h"][0] - want_h1)) < tol

    # One-sided finite differences along q + t·d inside the chosen piece: pick
    # the sign of d for which row 1 has a positive multiplier (active piece) or
    # a positive slack (inactive piece) at q + t·d.
    d = torch.randn(4, generator=torch.Generator().manual_seed(50 + seed), dtype=F64)
    t = 1e-3
    chosen = None
    for sgn in (1.0, -1.0):
        _, info = solve_qp(P, q + sgn * t * d, G, h, settings=TIGHT, return_info=True)
        lam1, s1 = float(info.ineq_duals[0]), float(info.slacks[0])
        if (chose_active and lam1 > 1e-6) or (not chose_active and s1 > 1e-6):
            chosen = sgn * d
            break
    assert chosen is not None
    x1 = solve_qp(P, q + t * chosen, G, h, settings=TIGHT)
    x2 = solve_qp(P, q + 2 * t * chosen, G, h, settings=TIGHT)
    fd = float(wx @ (x2 - x1)) / t  # both points inside the piece, nondegenerate
    an = float(gb["q"] @ chosen)
    assert abs(an - fd) < 1e-3 * max(1.0, abs(fd)), f"analytic {an}, one-sided fd {fd}"


@pytest.mark.parametrize("solver", ["direct", "admm"])
@pytest.mark.parametrize("kind", ["duplicated", "dependent"])
def test_redundant_active_rows(lib: object, kind: str, solver: str) -> None:
    # Rows g1, g2 active (λ > 0), g3 inactive; "duplicated" repeats g1,
    # "dependent" adds g1 + g2 (also active). The multipliers are not unique,
    # the reduced KKT matrix is singular, but x*(q) is differentiable: dq must
    # equal the gradient of the problem without the redundant row, and the h
    # gradient must be consistent along the perturbations that keep the rows
    # consistent.
    P, x0, g1, g2, g3, wx = _base(7)
    q = -(P @ x0 + 0.7 * g1 + 0.4 * g2)
    G0 = torch.stack([g1, g2, g3])
    h0 = torch.stack([g1 @ x0, g2 @ x0, g3 @ x0 + 0.8])
    G = (
        torch.stack([g1, g1, g2, g3])
        if kind == "duplicated"
        else torch.stack([g1, g2, g1 + g2, g3])
    )
    h = G @ x0
    h[3] += 0.8
    args: Args = (P, q, G, h, None, None)
    backward = BPQP(solver=solver)
    gb = _grads(args, backward, wx)
    _assert_finite(gb, f"bpqp {solver}")
    ref = _grads((P, q, G0, h0, None, None), "kkt", wx)
    torch.testing.assert_close(gb["q"], ref["q"], rtol=0, atol=1e-7)
    # Central differences where x* is differentiable (q and P keep the
    # redundant rows consistent; a random h or G perturbation does not).
    _check_fd(args, gb, wx, None, None, seed=8, names=("P", "q"))
    dh, rh = gb["h"], ref["h"]
    if kind == "duplicated":  # h1 = h2 move together
        pairs = [(float(dh[0] + dh[1]), float(rh[0])), (float(dh[2]), float(rh[1]))]
    else:  # (h1 + δ1, h2 + δ2, h3 + δ1 + δ2)
        pairs = [(float(dh[0] + dh[2]), float(rh[0])), (float(dh[1] + dh[2]), float(rh[1]))]
    for got, want in pairs:
        assert abs(got - want) < 1e-6, f"{kind}: consistent dh {got}, want {want}"
    assert abs(float(dh[3])) < 1e-8  # the inactive row


# ---------------------------------------------------------------------------
# ADMM backward solve
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("admm_eps", "rtol"), [(1e-9, 1e-6), (1e-6, 1e-3)])
@pytest.mark.parametrize("seed", [0, 1])
def test_admm_agrees_with_direct(lib: object, seed: int, admm_eps: float, rtol: float) -> None:
    qp = make_qp(n=6, m_ineq=7, p=2, n_active=3, seed=20 + seed)
    wx, wl, wn = _weights(torch.Generator().manual_seed(seed), 6, 7, 2)
    gd = _grads(qp.args(), BPQP(solver="direct"), wx, wl, wn)
    ga = _grads(qp.args(), BPQP(solver="admm", admm_eps=admm_eps), wx, wl, wn)
    for name in NAMES:
        err = _rel(ga[name], gd[name])
        assert err < rtol, f"admm_eps={admm_eps} d{name}: rel err {err}"


def test_admm_not_converged_is_reported(lib: object) -> None:
    qp = make_qp(n=6, m_ineq=7, p=2, n_active=3, seed=20)
    wx = torch.randn(6, generator=torch.Generator().manual_seed(0), dtype=F64)
    starved = BPQP(solver="admm", admm_max_iter=1, admm_eps=1e-12)
    with pytest.raises(SolverError, match="admm"):
        _grads(qp.args(), starved, wx)
    leaves = [t.clone().requires_grad_() for t in qp.args()]
    x = solve_qp(*leaves, backward=starved, settings=TIGHT, on_failure="nan")
    (wx @ x).backward()
    for t in leaves:
        assert torch.count_nonzero(t.grad) == 0  # zero gradient for the failed sample


@pytest.mark.parametrize("kwargs", [{"solver": "qr"}, {"active_tol": 0.0}, {"admm_max_iter": 0}])
def test_bpqp_options_rejected(kwargs: dict[str, object]) -> None:
    field = next(iter(kwargs))
    with pytest.raises(ValueError, match=rf"BPQP\.{field}"):
        BPQP(**kwargs)  # type: ignore[arg-type]
