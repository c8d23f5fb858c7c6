"""almost_solved counts as solved but is reported (issue 14 item 6)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch

import lpgd_go
from lpgd_go import AlmostSolvedWarning, Cones, SolverError, SolverSettings, Status, Tolerance

F64 = torch.float64


def test_almost_solved_warns_once_naming_the_batch_elements() -> None:
    g = torch.Generator().manual_seed(3)
    n, m = 6, 8
    P = torch.eye(n, dtype=F64)
    q = torch.randn(3, n, generator=g, dtype=F64)
    G = torch.randn(m, n, generator=g, dtype=F64)
    h = torch.ones(m, dtype=F64)
    # Two iterations cannot meet 1e-8, but reduced tolerances of 1e3 are met.
    # Polish off: it would replace these iterates by the exact active-set
    # solution (status SOLVED), which is what polish is for.
    loose = {"max_iter": 2, "reduced_tol_gap": 1e3, "reduced_tol_feas": 1e3, "polish": False}
    with pytest.warns(AlmostSolvedWarning, match=r"batch elements \[0, 1, 2\]") as rec:
        x, info = lpgd_go.solve_qp(P, q, G, h, settings=loose, return_info=True)
    assert len([w for w in rec if w.category is AlmostSolvedWarning]) == 1
    assert (info.status == int(Status.ALMOST_SOLVED)).all()
    assert torch.isfinite(x).all()
    # A single problem is named as such; a fully solved call does not warn.
    with pytest.warns(AlmostSolvedWarning, match="the problem ended almost_solved"):
        lpgd_go.solve_qp(P, q[0], G, h, settings=loose)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AlmostSolvedWarning)
        lpgd_go.solve_qp(P, q, G, h)


LOOSE = {"max_iter": 2, "reduced_tol_gap": 1e3, "reduced_tol_feas": 1e3, "polish": False}


def _data(batch: int = 3) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(3)
    n, m = 6, 8
    P = torch.eye(n, dtype=F64)
    q = torch.randn(batch, n, generator=g, dtype=F64)
    G = torch.randn(m, n, generator=g, dtype=F64)
    h = torch.ones(m, dtype=F64)
    return P, q, G, h


def _front_end_call(front_end: str, settings: dict[str, object], **kw: Any) -> Any:
    """x of an almost_solved batch of 3 through one front end (q requires grad)."""
    P, q, G, h = _data()
    q = q.clone().requires_grad_(True)
    if front_end == "qp":
        return q, lpgd_go.solve_qp(P, q, G, h, settings=settings, **kw)
    if front_end == "cone":
        out = lpgd_go.solve_cone(P, q, G, h, Cones(nonneg=8), settings=settings, **kw)
        return q, out[0] if not kw.get("return_info") else (out[0], out[3])
    import cvxpy as cp

    from lpgd_go.cvxpy import CvxpyLayer

    x = cp.Variable(6)
    qp = cp.Parameter(6)
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(x) + qp @ x), [G.numpy() @ x <= 1])
    layer = CvxpyLayer(prob, parameters=[qp], variables=[x], **kw)
    (xs,) = layer(q, solver_args=settings)
    return q, xs


@pytest.mark.parametrize("front_end", ["qp", "cone", "cvxpy"])
def test_warning_once_per_call_with_backward(front_end: str) -> None:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        q, x = _front_end_call(front_end, LOOSE)
        x.sum().backward()
    almost = [w for w in rec if w.category is AlmostSolvedWarning]
    assert len(almost) == 1, [str(w.message) for w in almost]
    assert "batch elements [0, 1, 2]" in str(almost[0].message)
    assert q.grad is not None and torch.isfinite(q.grad).all()


@pytest.mark.parametrize("front_end", ["qp", "cone", "cvxpy"])
def test_almost_solved_as_failure_raises(front_end: str) -> None:
    strict = {**LOOSE, "accept_almost_solved": False}
    with warnings.catch_warnings():
        warnings.simplefilter("error", AlmostSolvedWarning)  # no warning: it is a failure
        with pytest.raises(SolverError, match="accept_almost_solved is False") as exc:
            _front_end_call(front_end, strict)
    assert exc.value.indices == [0, 1, 2]
    assert (exc.value.status == int(Status.ALMOST_SOLVED)).all()


def test_almost_solved_as_failure_under_nan_policy() -> None:
    P, q, G, h = _data()
    strict = SolverSettings(**LOOSE, accept_almost_solved=False)
    qg = q.clone().requires_grad_(True)
    x, info = lpgd_go.solve_qp(P, qg, G, h, settings=strict, on_failure="nan", return_info=True)
    assert (info.status == int(Status.ALMOST_SOLVED)).all()
    assert torch.isnan(x).all() and torch.isnan(info.objective).all()
    assert (info.tolerance == int(Tolerance.REDUCED)).all()
    x.nan_to_num(0.0).sum().backward()
    assert qg.grad is not None and (qg.grad == 0).all()
    # The same setting on a layer: its default, overridable per call.
    layer = lpgd_go.QPLayer(settings=strict, on_failure="nan")
    assert torch.isnan(layer(P, q, G, h)).all()
    with pytest.warns(AlmostSolvedWarning):
        assert torch.isfinite(layer(P, q, G, h, settings=LOOSE)).all()


def test_info_says_which_tolerance_was_met() -> None:
    P, q, G, h = _data()
    _, info = lpgd_go.solve_qp(P, q, G, h, return_info=True)
    assert (info.status == int(Status.SOLVED)).all()
    assert info.tolerance.dtype == torch.int8
    assert (info.tolerance == int(Tolerance.FULL)).all()
    s = SolverSettings()
    assert (info.primal_residual <= s.tol_feas).all() and (info.dual_residual <= s.tol_feas).all()
    with pytest.warns(AlmostSolvedWarning):
        _, info = lpgd_go.solve_qp(P, q, G, h, settings=LOOSE, return_info=True)
    assert (info.tolerance == int(Tolerance.REDUCED)).all()
    assert (info.primal_residual > s.tol_feas).any() or (info.gap > s.tol_gap_rel).any()
    # A certificate meets no tolerance.
    _, cinfo = lpgd_go.solve_cone(
        None,
        torch.ones(1, dtype=F64),
        torch.tensor([[1.0], [-1.0]], dtype=F64),
        torch.tensor([-1.0, 0.0], dtype=F64),
        Cones(nonneg=2),
        on_failure="nan",
        return_info=True,
    )[2:]
    assert int(cinfo.status) == Status.PRIMAL_INFEASIBLE
    assert int(cinfo.tolerance) == Tolerance.NONE


@pytest.mark.parametrize("bad", [0, 1, "yes", None])
def test_accept_almost_solved_must_be_a_bool(bad: object) -> None:
    with pytest.raises(ValueError, match=r"settings\.accept_almost_solved"):
        SolverSettings(accept_almost_solved=bad)  # type: ignore[arg-type]
