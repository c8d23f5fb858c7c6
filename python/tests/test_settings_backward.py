"""SolverSettings and backward-method options: defaults and validation."""

from __future__ import annotations

import ctypes
import dataclasses

import pytest

from lpgd_go import BPQP, KKT, LPGD, SolverSettings, _lib
from lpgd_go.backward import as_backward_method, resolve_backward


def test_settings_defaults_match_go(lib: object) -> None:
    go = _lib.default_settings()
    assert go.size == ctypes.sizeof(_lib.CSettings)
    assert SolverSettings.from_c(go) == SolverSettings()
    ours = SolverSettings().to_c()
    for name, _ in _lib.CSettings._fields_:
        assert getattr(ours, name) == getattr(go, name), name


def test_backward_defaults_match_go(lib: object) -> None:
    go = _lib.default_backward()
    assert go.method == _lib.BACKWARD_KKT
    for opts in (KKT().to_c(), LPGD().to_c(), BPQP().to_c()):
        for name, _ in _lib.BackwardOpts._fields_:
            if name != "method":
                assert getattr(opts, name) == getattr(go, name), name


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_iter", 0),
        ("max_iter", 1.5),
        ("tol_gap_abs", 0.0),
        ("tol_gap_rel", -1e-8),
        ("tol_feas", float("nan")),
        ("tol_infeas_abs", float("inf")),
        ("tol_infeas_rel", 0),
        ("reduced_tol_gap", -1.0),
        ("reduced_tol_feas", 0.0),
        ("static_reg", 0.0),
        ("iter_refine_max", -1),
        ("max_step_fraction", 1.0),
        ("max_step_fraction", 0.0),
        ("equilibrate", 1),
        ("equilibrate_iters", -1),
        ("linear_solver", "cholesky"),
    ],
)
def test_settings_validation_names_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        SolverSettings(**{field: value})


def test_settings_replace_and_unknown_field() -> None:
    s = SolverSettings().replace(max_iter=7, linear_solver="dense")
    assert s.max_iter == 7 and s.linear_solver == "dense"
    with pytest.raises(ValueError, match="bogus"):
        SolverSettings().replace(bogus=1)


def test_settings_to_c_roundtrip() -> None:
    s = SolverSettings(max_iter=33, tol_feas=1e-9, equilibrate=False, linear_solver="sparse")
    c = s.to_c()
    assert c.size == ctypes.sizeof(_lib.CSettings)
    assert c.linear_solver == 2 and c.equilibrate == 0 and c.max_iter == 33
    assert SolverSettings.from_c(c) == s


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (lambda: LPGD(tau=0.0), "tau"),
        (lambda: LPGD(tau=-1.0), "tau"),
        (lambda: LPGD(tau=float("inf")), "tau"),
        (lambda: LPGD(tau="adaptive"), "tau"),
        (lambda: LPGD(tau="auto", tau_target=0.0), "tau_target"),
        (lambda: LPGD(tau_target=float("nan")), "tau_target"),
        (lambda: LPGD(rho=-0.1), "rho"),
        (lambda: LPGD(rho="adaptive"), "rho"),
        (lambda: LPGD(rho="auto", rho_target=0.0), "rho_target"),
        (lambda: LPGD(rho_target=float("inf")), "rho_target"),
        (lambda: LPGD(side="middle"), "side"),
        (lambda: LPGD(fallback="retry"), "fallback"),
        (lambda: LPGD(fast_path=1), "fast_path"),
        (lambda: LPGD(max_halvings=0), "max_halvings"),
        (lambda: BPQP(solver="cg"), "solver"),
        (lambda: BPQP(active_tol=0.0), "active_tol"),
        (lambda: BPQP(admm_eps=-1.0), "admm_eps"),
        (lambda: BPQP(admm_max_iter=0), "admm_max_iter"),
        (lambda: BPQP(admm_rho=0.0), "admm_rho"),
    ],
)
def test_backward_validation_names_field(factory: object, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        factory()  # type: ignore[operator]


def test_backward_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        LPGD().tau = 1.0  # type: ignore[misc]


def test_resolve_backward() -> None:
    assert resolve_backward("kkt").method == _lib.BACKWARD_KKT
    assert resolve_backward("BPQP").method == _lib.BACKWARD_BPQP
    o = resolve_backward("lpgd")
    assert o.method == _lib.BACKWARD_LPGD and o.tau == 0.1 and o.side == _lib.SIDE_CENTRAL
    o = resolve_backward(LPGD(tau=0.5, rho=1.0, side="left", fallback="smaller_tau"))
    assert (o.tau, o.rho, o.side, o.fallback) == (0.5, 1.0, _lib.SIDE_LEFT, 2)
    o = resolve_backward(LPGD(tau="auto", tau_target=0.2))
    assert (o.tau_auto, o.tau_target, o.tau) == (1, 0.2, 0.1)
    assert resolve_backward(LPGD(tau=0.3)).tau_auto == 0
    o = resolve_backward(LPGD(rho="auto", rho_target=0.3))
    assert (o.rho_auto, o.rho_target, o.rho, o.tau_auto) == (1, 0.3, 0.0, 0)
    assert resolve_backward(LPGD(rho=0.2)).rho_auto == 0
    o = resolve_backward(BPQP(solver="admm", admm_max_iter=5))
    assert (o.bpqp_solver, o.admm_max_iter) == (_lib.BPQP_ADMM, 5)
    assert o.size == ctypes.sizeof(_lib.BackwardOpts)
    assert isinstance(as_backward_method("lpgd"), LPGD)
    with pytest.raises(ValueError, match="backward"):
        resolve_backward("adjoint")


def test_lpgd_options_not_in_settings() -> None:
    names = {f.name for f in dataclasses.fields(SolverSettings)}
    assert not names & {"tau", "rho", "side", "fallback", "fast_path", "max_halvings"}
