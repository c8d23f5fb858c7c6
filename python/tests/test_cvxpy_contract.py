"""CvxpyLayer's cvxpylayers contract: SCS/ECOS/Clarabel ``solver_args`` mapped
onto SolverSettings, the SolverError that is also a ``diffcp.SolverError``,
validation messages with cvxpylayers' key phrases, and geometric programs
(``gp=True``) against cvxpy and cvxpylayers."""

from __future__ import annotations

import sys
import warnings

import cvxpy as cp
import pytest
import torch

import lpgd_go
from lpgd_go import SolverError, Status, status
from lpgd_go._options import IGNORED_SOLVER_ARGS, SOLVER_ARG_ALIASES, map_solver_args
from lpgd_go.cvxpy import CvxpyLayer

from conftest import require

F64 = torch.float64
INT_FIELDS = {"max_iter", "equilibrate_iters", "iter_refine_max"}
BOOL_FIELDS = {"equilibrate"}


def _ls_layer(**kw: object) -> tuple[CvxpyLayer, list[torch.Tensor]]:
    n = 3
    x = cp.Variable(n)
    A, b = cp.Parameter((4, n)), cp.Parameter(4)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b)), [x >= -1])
    layer = CvxpyLayer(prob, parameters=[A, b], variables=[x], **kw)  # type: ignore[arg-type]
    g = torch.Generator().manual_seed(3)
    return layer, [
        torch.randn(4, n, generator=g, dtype=F64),
        torch.randn(4, generator=g, dtype=F64),
    ]


def _value_for(fields: tuple[str, ...]) -> object:
    if set(fields) <= INT_FIELDS:
        return 37
    if set(fields) <= BOOL_FIELDS:
        return False
    return 3.5e-7


# ---------------------------------------------------------------------------
# solver_args
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(SOLVER_ARG_ALIASES))
def test_solver_arg_alias_sets_its_fields(lib: object, key: str) -> None:
    layer, _ = _ls_layer()
    fields = SOLVER_ARG_ALIASES[key]
    value = _value_for(fields)
    settings = layer._solver_args_options({key: value}).settings
    for f in fields:
        assert getattr(settings, f) == value, f"{key} -> {f}"
    # Every other field keeps the layer's default.
    for f in ("tol_gap_abs", "tol_gap_rel", "tol_feas", "max_iter", "static_reg"):
        if f not in fields:
            assert getattr(settings, f) == getattr(layer.settings, f), f"{key} changed {f}"


def test_solver_arg_table_values() -> None:
    # The documented table, spelled out (a change to it must be deliberate).
    assert SOLVER_ARG_ALIASES["eps"] == ("tol_gap_abs", "tol_gap_rel", "tol_feas")
    assert SOLVER_ARG_ALIASES["max_iters"] == ("max_iter",)
    assert SOLVER_ARG_ALIASES["abstol"] == ("tol_gap_abs",)
    assert SOLVER_ARG_ALIASES["reltol"] == ("tol_gap_rel",)
    assert SOLVER_ARG_ALIASES["feastol"] == ("tol_feas",)
    assert SOLVER_ARG_ALIASES["eps_infeas"] == ("tol_infeas_abs", "tol_infeas_rel")


def test_solver_arg_precedence() -> None:
    # A field by its own name wins over an alias; among aliases the smallest wins.
    changes, other = map_solver_args({"eps": 1e-5, "tol_feas": 1e-9, "abstol": 1e-7})
    assert changes == {"tol_gap_abs": 1e-7, "tol_gap_rel": 1e-5, "tol_feas": 1e-9}
    assert other == {}
    changes, other = map_solver_args({"max_iters": 12, "on_failure": "nan", "backward": "lpgd"})
    assert changes == {"max_iter": 12}
    assert other == {"on_failure": "nan", "backward": "lpgd"}


def test_solver_arg_bad_value_names_field(lib: object) -> None:
    layer, vals = _ls_layer()
    with pytest.raises(ValueError, match=r"max_iter"):
        layer(*vals, solver_args={"max_iters": 0})
    with pytest.raises(ValueError, match=r"tol_gap_abs"):
        layer(*vals, solver_args={"eps": -1.0})


def test_solver_args_take_effect(lib: object) -> None:
    layer, vals = _ls_layer(on_failure="nan")
    (_,), info = layer(*vals, solver_args={"max_iters": 1}, return_info=True)
    assert int(info.status) == Status.MAX_ITERATIONS
    _, info_l = layer(*vals, solver_args={"eps": 1e-3}, return_info=True)
    _, info_t = layer(*vals, solver_args={"eps": 1e-11}, return_info=True)
    assert int(info_l.status) == int(info_t.status) == Status.SOLVED
    assert int(info_l.iterations) < int(info_t.iterations)


def test_ignored_solver_args_warn_once_per_layer_and_key(lib: object) -> None:
    layer, vals = _ls_layer()
    args = {"acceleration_lookback": 0, "verbose": False, "eps": 1e-9}
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        layer(*vals, solver_args=args)
        layer(*vals, solver_args=args)
        layer(*vals, solver_args={"normalize": True})
    msgs = sorted(str(w.message) for w in rec if "has no meaning" in str(w.message))
    assert len(msgs) == 3, msgs
    for key in ("acceleration_lookback", "verbose", "normalize"):
        assert sum(f"'{key}'" in m for m in msgs) == 1, msgs
    assert all("ignored" in m for m in msgs)
    other, _ = _ls_layer()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        other(*vals, solver_args={"verbose": True})
    assert len([w for w in rec if "'verbose'" in str(w.message)]) == 1


def test_every_ignored_key_is_accepted(lib: object) -> None:
    with pytest.warns(UserWarning, match="is ignored") as rec:
        changes, other = map_solver_args(dict.fromkeys(IGNORED_SOLVER_ARGS, 1))
    assert len(rec) == len(IGNORED_SOLVER_ARGS)
    assert changes == {} and other == {}
    assert not set(IGNORED_SOLVER_ARGS) & set(SOLVER_ARG_ALIASES)


def test_unknown_solver_arg_names_key(lib: object) -> None:
    layer, vals = _ls_layer()
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['epsilon'\]"):
        layer(*vals, solver_args={"epsilon": 1e-3, "eps": 1e-3})


# ---------------------------------------------------------------------------
# SolverError
# ---------------------------------------------------------------------------


def _infeasible() -> CvxpyLayer:
    x = cp.Variable(1)
    p = cp.Parameter(1)
    return CvxpyLayer(cp.Problem(cp.Minimize(p @ x), [x >= 1, x <= -1]), [p], [x])


def test_solver_error_is_diffcp_solver_error(lib: object) -> None:
    diffcp = require("diffcp")
    layer = _infeasible()
    with pytest.raises(diffcp.SolverError) as exc:  # type: ignore[attr-defined]
        layer(torch.ones(1, dtype=F64))
    assert isinstance(exc.value, SolverError)
    assert isinstance(exc.value, RuntimeError)
    assert exc.value.indices == [0]
    assert "primal_infeasible" in str(exc.value)
    # Unbounded too, and batched (indices named).
    x = cp.Variable(1)
    p = cp.Parameter(1)
    unb = CvxpyLayer(cp.Problem(cp.Minimize(x), [x <= p]), [p], [x])
    with pytest.raises(diffcp.SolverError, match=r"batch indices \[0, 1\]"):  # type: ignore[attr-defined]
        unb(torch.ones(2, 1, dtype=F64))
    # The other front ends keep the plain class.
    assert status.cvxpylayers_solver_error() is type(exc.value)
    assert not issubclass(lpgd_go.SolverError, diffcp.SolverError)  # type: ignore[attr-defined]


def test_solver_error_without_diffcp(lib: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(status, "_DIFFCP_ERROR", [])
    monkeypatch.setitem(sys.modules, "diffcp", None)  # import diffcp raises ImportError
    layer = _infeasible()
    with pytest.raises(SolverError) as exc:
        layer(torch.ones(1, dtype=F64))
    assert type(exc.value) is SolverError


# ---------------------------------------------------------------------------
# Validation messages (cvxpylayers' phrases plus index/batch detail)
# ---------------------------------------------------------------------------


def test_validation_messages(lib: object) -> None:
    layer, (At, bt) = _ls_layer()
    with pytest.raises(
        ValueError,
        match=r"A tensor must be provided for each CVXPY parameter; received 1 tensors, expected 2",
    ):
        layer(At)
    for err in (ValueError, AttributeError):  # cvxpylayers raises AttributeError here
        with pytest.raises(err, match=r"parameter .*\(index 1\) is None: a tensor must be"):
            layer(At, None)
    with pytest.raises(ValueError, match=r"Invalid parameter shape for parameter 1\..*\(4,\)"):
        layer(At, torch.zeros(5, dtype=F64))
    with pytest.raises(ValueError, match=r"Invalid parameter shape for parameter 1\..*\(3, 5\)"):
        layer(At, torch.zeros(3, 5, dtype=F64))
    with pytest.raises(
        ValueError,
        match=r"Invalid parameter dimensionality for parameter 0 .*Expected 2 or 3 dimensions, "
        r"Got: 4 dimensions",
    ):
        layer(torch.zeros(2, 2, 4, 3, dtype=F64), bt)
    with pytest.raises(ValueError, match=r"Inconsistent batch sizes\..*has 2.*has 3"):
        layer(At.expand(2, -1, -1), bt.expand(3, -1))
    x, y = cp.Variable(1), cp.Variable(1)
    lam, lam2 = cp.Parameter(1, nonneg=True), cp.Parameter(1, nonneg=True)
    prob = cp.Problem(cp.Minimize(lam * cp.norm(x, 1) + lam2 * cp.sum_squares(x)))
    with pytest.raises(
        ValueError, match=r"The layer's parameters must exactly match problem\.parameters"
    ):
        CvxpyLayer(prob, [lam], [x])
    with pytest.raises(
        ValueError,
        match=r"must be a subset of problem\.variables or a constraint dual variable "
        r"\(variables\[1\]",
    ):
        CvxpyLayer(prob, [lam, lam2], [x, y])
    with pytest.raises(ValueError, match=r"The layer's parameters must be provided as a list"):
        CvxpyLayer(prob, {lam, lam2}, [x])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"The layer's variables must be provided as a list"):
        CvxpyLayer(prob, [lam, lam2], x)  # type: ignore[arg-type]
    non_dpp = cp.Problem(cp.Minimize(cp.sum_squares(x) + lam @ lam2 * cp.sum(x)))
    with pytest.raises(ValueError, match=r"Problem must be DPP\."):
        CvxpyLayer(non_dpp, [lam, lam2], [x])


# ---------------------------------------------------------------------------
# Geometric programs
# ---------------------------------------------------------------------------


def _monomial_gp() -> tuple[cp.Problem, list[cp.Parameter], list[cp.Variable]]:
    """A GP of monomials only: a linear program in log space."""
    x, y, z = cp.Variable(pos=True), cp.Variable(pos=True), cp.Variable((2,), pos=True)
    a, b = cp.Parameter(pos=True), cp.Parameter(pos=True)
    c = cp.Parameter((2,), pos=True)
    e = cp.Parameter()  # an exponent: enters as is (not log-transformed)
    prob = cp.Problem(
        cp.Minimize(x * y * z[1] / z[0]),
        [x >= a, y >= b * x**0.5, x * y**2 <= 100, z <= c, z[1] >= x**e, z[0] * z[1] >= 1],
    )
    return prob, [a, b, c, e], [x, y, z]


def _gp_values(B: int | None) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(11)
    lead = () if B is None else (B,)
    a = 1.5 + torch.rand(lead, generator=g, dtype=F64)
    b = 2.0 + torch.rand(lead, generator=g, dtype=F64)
    c = 5.0 + torch.rand((*lead, 2), generator=g, dtype=F64)
    e = 0.3 + 0.2 * torch.rand(lead, generator=g, dtype=F64)
    return [a, b, c, e]


def test_gp_matches_cvxpy(lib: object) -> None:
    prob, params, variables = _monomial_gp()
    layer = CvxpyLayer(prob, params, variables, gp=True)
    vals = _gp_values(None)
    outs = layer(*vals, solver_args={"eps": 1e-11})
    for p, v in zip(params, vals, strict=True):
        p.value = v.numpy()
    prob.solve(solver=cp.CLARABEL, gp=True, tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    for o, v in zip(outs, variables, strict=True):
        assert o.shape == tuple(v.shape)
        assert bool((o > 0).all())
        torch.testing.assert_close(o, torch.as_tensor(v.value, dtype=F64), rtol=1e-6, atol=1e-7)


def test_gp_matches_cvxpylayers_batched(lib: object) -> None:
    cl = require("cvxpylayers.torch")
    prob, params, variables = _monomial_gp()
    ours = CvxpyLayer(prob, params, variables, gp=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = cl.CvxpyLayer(prob, parameters=params, variables=variables, gp=True)  # type: ignore[attr-defined]
    vals = _gp_values(3)
    w = [
        torch.randn(3, *v.shape, generator=torch.Generator().manual_seed(5), dtype=F64)
        for v in variables
    ]

    def run(layer: object, **kw: object) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        leaves = [v.clone().requires_grad_(True) for v in vals]
        outs = layer(*leaves, **kw)  # type: ignore[operator]
        sum((wi * o).sum() for wi, o in zip(w, outs, strict=True)).backward()  # type: ignore[union-attr]
        return [o.detach() for o in outs], [t.grad for t in leaves]  # type: ignore[misc]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_r, g_r = run(
            ref, solver_args={"solve_method": "SCS", "eps": 1e-12, "max_iters": 100_000}
        )
    out_o, g_o = run(ours, solver_args={"eps": 1e-11})
    for a, b in zip(out_o, out_r, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)
    for a, b in zip(g_o, g_r, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_gp_gradcheck(lib: object) -> None:
    prob, params, variables = _monomial_gp()
    layer = CvxpyLayer(prob, params, variables, gp=True)
    vals = [v.requires_grad_(True) for v in _gp_values(2)]
    assert torch.autograd.gradcheck(
        lambda *p: layer(*p, solver_args={"eps": 1e-12}), vals, atol=1e-6, rtol=1e-5
    )


def test_gp_errors(lib: object) -> None:
    prob, params, variables = _monomial_gp()
    layer = CvxpyLayer(prob, params, variables, gp=True)
    vals = _gp_values(2)
    vals[0] = vals[0].clone()
    vals[0][1] = 0.0
    with pytest.raises(ValueError, match=r"parameter .*\(index 0\) must be positive .*\[1\]"):
        layer(*vals)
    # Not log-log convex.
    x = cp.Variable(pos=True)
    a = cp.Parameter(pos=True)
    not_dgp = cp.Problem(cp.Minimize(x - a), [x >= 1])
    with pytest.raises(ValueError, match=r"Problem must be DPP for geometric programming\."):
        CvxpyLayer(not_dgp, [a], [x], gp=True)
    # A DGP problem without gp=True: cvxpylayers' phrase and a hint.
    y = cp.Variable(pos=True)
    dgp = cp.Problem(cp.Minimize(x * y), [x >= a, y >= a])
    with pytest.raises(ValueError, match=r"Problem must be DPP\..*pass gp=True"):
        CvxpyLayer(dgp, [a], [x])
    # Duals of a GP are not returned.
    con = x >= a
    with pytest.raises(NotImplementedError, match="primal variables only"):
        CvxpyLayer(cp.Problem(cp.Minimize(x * a), [con]), [a], [x, con.dual_variables[0]], gp=True)
    # Posynomials canonicalize to exponential cones: min 1/(xy) s.t.
    # a(x + y) <= 1 has x = y = 1/(2a), so d(x + y)/da = -1/a².
    posy = cp.Problem(cp.Minimize(1 / (x * y)), [a * (x + y) <= 1])
    tight = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}
    layer = CvxpyLayer(posy, [a], [x, y], gp=True, settings=tight)
    at = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    xs, ys = layer(at)
    assert abs(float(xs.detach()) - 1) < 1e-6 and abs(float(ys.detach()) - 1) < 1e-6
    (xs + ys).backward()
    assert at.grad is not None and abs(float(at.grad) + 4) < 1e-5
    with pytest.raises(ValueError, match="gp must be a bool"):
        CvxpyLayer(dgp, [a], [x], gp=1)  # type: ignore[arg-type]
