"""_core's calls on the typed C ABI: row blocks, cone lists, call errors."""

from __future__ import annotations

import pytest
import torch

from lpgd_go import _core, _lib
from lpgd_go.backward import KKT
from lpgd_go.settings import SolverSettings

from conftest import make_qp_batch

F64 = torch.float64


def _ops(batched: bool, *tensors: torch.Tensor) -> list[_core.Operand]:
    out = []
    for t in tensors:
        t = t.contiguous()
        size = t[0].numel() if batched else t.numel()
        out.append(_core.Operand(t, size if batched else 0))
    return out


@pytest.mark.parametrize("shared_A", [False, True])
def test_row_blocks_equal_concatenated_rows(lib: object, shared_A: bool) -> None:
    B, n, p, m = 3, 4, 1, 5
    qp = make_qp_batch(B, n=n, m_ineq=m, p=p)
    A, G = (qp.A[0], qp.G[0]) if shared_A else (qp.A, qp.G)
    st = _core.Structure(n, p, m, has_p=True)
    set_c = SolverSettings().to_c()
    P, c = _ops(True, qp.P, qp.q)
    (stacked_A,) = _ops(not shared_A, torch.cat([A, G], dim=-2))
    (stacked_b,) = _ops(True, torch.cat([qp.b, qp.h], dim=-1))
    a_blocks = _ops(not shared_A, A, G)
    b_blocks = _ops(True, qp.b, qp.h)
    ref = _core.solve(st, set_c, B, P, c, stacked_A, stacked_b)
    got = _core.solve(st, set_c, B, P, c, a_blocks, b_blocks)
    assert ref.status.tolist() == [1] * B
    torch.testing.assert_close(got.x, ref.x, rtol=0, atol=0)
    torch.testing.assert_close(got.y, ref.y, rtol=0, atol=0)
    if not shared_A:  # with A, G of sample 0 shared, qp.x is not the solution
        torch.testing.assert_close(got.x, qp.x, rtol=1e-6, atol=1e-6)
    gx = torch.ones(B, n, dtype=F64)
    kw = {"need_P": True, "need_c": True, "need_A": True, "need_b": True}
    args = (ref.x, ref.y, ref.s, ref.status, gx, None, None)
    opts = KKT().to_c()
    g_ref = _core.backward(st, set_c, opts, B, P, c, stacked_A, stacked_b, *args, **kw)
    g_got = _core.backward(st, set_c, opts, B, P, c, a_blocks, b_blocks, *args, **kw)
    for name in ("gP", "gc", "gA", "gb"):
        torch.testing.assert_close(getattr(g_got, name), getattr(g_ref, name), rtol=0, atol=0)


def test_row_block_errors(lib: object) -> None:
    qp = make_qp_batch(1, n=3, m_ineq=2, p=1)
    st = _core.Structure(3, 1, 2, has_p=True)
    set_c = SolverSettings().to_c()
    P, c, A, G, b = _ops(False, qp.P[0], qp.q[0], qp.A[0], qp.G[0], qp.b[0])
    with pytest.raises(ValueError, match="2 row blocks of A but 1 of b"):
        _core.solve(st, set_c, 1, P, c, [A, G], [b])
    with pytest.raises(TypeError, match="both"):
        _core.solve(st, set_c, 1, P, c, [A, G], b)
    # Blocks that do not cover A's rows: Go names the problem.
    with pytest.raises(ValueError, match="cover 1 rows, A has 3"):
        _core.solve(st, set_c, 1, P, c, [A], [b])


def test_structure_from_cone_list(lib: object) -> None:
    kinds = [(_lib.CONE_ZERO, 1), (_lib.CONE_NONNEG, 1), (_lib.CONE_NONNEG, 2)]
    st = _core.Structure(2, 0, 0, has_p=True, cones=kinds)
    assert (st.m, st.zero, st.nonneg, st.soc) == (4, 1, 3, ())
    assert st.info()[:2] == (2, 4)
    with pytest.raises(ValueError, match=r"cones\[1\]: unknown cone kind 9"):
        _core.Structure(2, 0, 0, has_p=True, cones=[(_lib.CONE_ZERO, 1), (9, 1)])
    with pytest.raises(ValueError, match="not both"):
        _core.Structure(2, 1, 0, has_p=True, cones=kinds)
    st_lp = _core.Structure(2, 0, 2, has_p=False)
    assert st_lp.p_layout == _lib.LAYOUT_NONE and st_lp.info()[2] == 0


def test_lpgd_backward_stats(lib: object) -> None:
    """lpgd_backward's per-sample statistics (LPGD_BSTAT_*): τ as used (the fixed one, or
    tau="auto"'s rule on the incoming gradient), the warm-started perturbed solves with
    their active-set changes and solves with the base factorization, zeros for kkt."""
    from lpgd_go.backward import LPGD

    B, n, p, m = 4, 6, 1, 8
    qp = make_qp_batch(B, n=n, m_ineq=m, p=p, seed=3)
    st = _core.Structure(n, p, m, has_p=True)
    set_c = SolverSettings().to_c()
    P, c, A, b = _ops(True, qp.P, qp.q, torch.cat([qp.A, qp.G], -2), torch.cat([qp.b, qp.h], -1))
    sol = _core.solve(st, set_c, B, P, c, A, b)
    gx = torch.linspace(-1, 1, B * n, dtype=F64).reshape(B, n)
    kw = {"need_P": False, "need_c": True, "need_A": False, "need_b": False, "want_stats": True}
    args = (sol.x, sol.y, sol.s, sol.status, gx, None, None)

    out = _core.backward(st, set_c, KKT().to_c(), B, P, c, A, b, *args, **kw)
    assert out.stats is not None
    assert out.stats.shape == (B, _lib.BSTAT_COLS) and not out.stats.any()
    no_stats = {**kw, "want_stats": False}
    assert _core.backward(st, set_c, KKT().to_c(), B, P, c, A, b, *args, **no_stats).stats is None

    for side, solves in (("central", 2), ("right", 1)):
        opts = LPGD(tau=0.5, side=side).to_c()
        out = _core.backward(st, set_c, opts, B, P, c, A, b, *args, **kw)
        assert out.stats is not None
        s = torch.from_numpy(out.stats)
        assert (out.flags & _lib.FLAG_FAST_PATH).all(), out.flags
        assert (s[:, _lib.BSTAT_TAU] == 0.5).all()
        assert (s[:, _lib.BSTAT_WARM_SOLVES] == solves).all()
        assert (s[:, _lib.BSTAT_IPM_SOLVES] == 0).all()
        # The base point and the perturbation's direction at least; every change that
        # needs a new column adds at most one more (and a retried end point one).
        assert (s[:, _lib.BSTAT_FACTOR_SOLVES] >= 2).all()
        assert (s[:, _lib.BSTAT_FACTOR_SOLVES] <= 3 + s[:, _lib.BSTAT_CHANGES]).all()

    opts = LPGD(tau="auto", tau_target=0.2, side="right").to_c()
    out = _core.backward(st, set_c, opts, B, P, c, A, b, *args, **kw)
    # No dual gradient: the cost term alone, entrywise sizes (‖c‖∞/‖gx‖∞); on this QP
    # capped where the perturbed solution moves more than 0.1·tau_target·‖x*‖∞
    # (diff.AutoTauCurvature; exact values in test_auto_tau_qp_moves_target_fraction).
    data = 0.2 * qp.q.abs().amax(1) / gx.abs().amax(1)
    assert out.stats is not None
    tau = torch.from_numpy(out.stats[:, _lib.BSTAT_TAU])
    assert (tau <= data * (1 + 1e-12)).all() and (tau > 0).all(), (tau, data)


@pytest.mark.parametrize("side", ["central", "right", "left"])
@pytest.mark.parametrize("fast_path", [True, False])
def test_auto_tau_qp_moves_target_fraction(lib: object, side: str, fast_path: bool) -> None:
    """tau="auto" on min ½‖x‖² + qᵀx s.t. |x| ≤ 100 (inactive: x* = −q, the perturbed
    solution moves by exactly τ·gx): τ = 0.1·tau_target·‖x*‖∞/‖gx‖∞, the perturbed
    solution moves by 0.1·tau_target of its scale, below the data term
    tau_target·‖q‖∞/‖gx‖∞ (which moved it by tau_target·‖x*‖∞). Per sample; with
    and without the warm start."""
    from lpgd_go.backward import LPGD

    B, n, target = 3, 4, 0.5
    st = _core.Structure(n, 0, 2 * n, has_p=True)
    set_c = SolverSettings().to_c()
    eye = torch.eye(n, dtype=F64)
    q = torch.tensor(
        [[0.5, -1.0, 2.0, 0.25], [3.0, 0.1, -0.2, 1.0], [-0.4, 0.3, 0.2, 0.1]], dtype=F64
    )
    gx = torch.tensor(
        [[1.0, 2.0, -1.0, 0.5], [0.1, -0.2, 0.3, 0.05], [5.0, 1.0, -2.0, 0.0]], dtype=F64
    )
    P, c, A, b = _ops(
        False, eye, q[0], torch.cat([eye, -eye]), torch.full((2 * n,), 100.0, dtype=F64)
    )
    c = _core.Operand(q.contiguous(), n)
    sol = _core.solve(st, set_c, B, P, c, A, b)
    torch.testing.assert_close(sol.x, -q, rtol=0, atol=1e-7)
    opts = LPGD(tau="auto", tau_target=target, side=side, fast_path=fast_path).to_c()
    out = _core.backward(
        st,
        set_c,
        opts,
        B,
        P,
        c,
        A,
        b,
        sol.x,
        sol.y,
        sol.s,
        sol.status,
        gx.contiguous(),
        None,
        None,
        need_P=False,
        need_c=True,
        need_A=False,
        need_b=False,
        want_stats=True,
    )
    assert out.stats is not None and out.gc is not None
    want = 0.1 * target * q.abs().amax(1) / gx.abs().amax(1)
    tau = torch.from_numpy(out.stats[:, _lib.BSTAT_TAU])
    torch.testing.assert_close(tau, want, rtol=1e-7, atol=0)
    assert (want < target * q.abs().amax(1) / gx.abs().amax(1)).all()
    torch.testing.assert_close(out.gc, -gx, rtol=1e-6, atol=1e-7)  # exact
