"""One source of truth: settings and backward defaults come from the library,
each field mirrors lpgd.h, and out-of-range or misspelled settings are refused
before ctypes could wrap them."""

from __future__ import annotations

import dataclasses

import pytest

from lpgd_go import BPQP, KKT, LPGD, SolverSettings, _lib
from lpgd_go.backward import _C_FIELDS, resolve_backward
from lpgd_go.settings import UNSET, resolve_settings

INT_FIELDS = ("max_iter", "iter_refine_max", "equilibrate_iters")


def test_settings_fields_mirror_the_c_struct() -> None:
    # A field added to lpgd_settings needs its SolverSettings field (and back);
    # cancel_token is per call, set by the interruptible call (_interrupt.py).
    c_names = [name for name, _ in _lib.CSettings._fields_ if name not in ("size", "cancel_token")]
    assert [f.name for f in dataclasses.fields(SolverSettings)] == c_names


def test_backward_fields_mirror_the_c_struct() -> None:
    # tau_auto and rho_auto have no Python field of their own: LPGD(tau="auto")
    # and LPGD(rho="auto") set them.
    auto = {"tau_auto", "rho_auto"}
    c_names = {name for name, _ in _lib.BackwardOpts._fields_} - {"size", "method", *auto}
    assert {c for c, _ in _C_FIELDS.values()} == c_names
    py = {f.name for cls in (KKT, BPQP, LPGD) for f in dataclasses.fields(cls)}
    assert py == set(_C_FIELDS)


@pytest.mark.parametrize("cls", [SolverSettings, BPQP, LPGD])
def test_no_default_is_written_in_python(cls: type) -> None:
    for f in dataclasses.fields(cls):
        assert f.default is UNSET, f"{cls.__name__}.{f.name} has a Python default"


def test_defaults_are_the_librarys(lib: object) -> None:
    go = _lib.default_settings()
    s = SolverSettings()
    for name, _ in _lib.CSettings._fields_:
        assert getattr(s.to_c(), name) == getattr(go, name), name
    gb = _lib.default_backward()
    lp, bp = LPGD(), BPQP()
    assert (lp.tau, lp.rho, lp.max_halvings, lp.fast_path) == (
        gb.tau,
        gb.rho,
        gb.max_halvings,
        bool(gb.fast_path),
    )
    assert (bp.active_tol, bp.admm_eps, bp.admm_max_iter, bp.admm_rho) == (
        gb.active_tol,
        gb.admm_eps,
        gb.admm_max_iter,
        gb.admm_rho,
    )
    # Overrides keep the other defaults.
    assert LPGD(tau=0.5).rho == lp.rho and SolverSettings(max_iter=3).tol_feas == s.tol_feas


def test_unknown_attribute_is_refused() -> None:
    s = SolverSettings()
    with pytest.raises(AttributeError, match=r"'maxiter'.*did you mean 'max_iter'.*max_iter, tol_"):
        s.maxiter = 1  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="no field 'zzz'"):
        s.zzz = 1  # type: ignore[attr-defined]
    s.max_iter = 5  # real fields stay assignable
    assert resolve_settings(s).max_iter == 5
    with pytest.raises(ValueError, match="unknown field 'maxiter'"):
        s.replace(maxiter=1)


@pytest.mark.parametrize("field", INT_FIELDS)
@pytest.mark.parametrize("value", [2**64 + 1, 10**30, 2**63, -1])
def test_out_of_range_integers_name_the_field(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=rf"settings\.{field}: .*2\*\*63 - 1"):
        SolverSettings(**{field: value})
    # Assigned after construction: refused before the struct is filled.
    s = SolverSettings()
    setattr(s, field, value)
    with pytest.raises(ValueError, match=field):
        resolve_settings(s)
    with pytest.raises(ValueError, match=field):
        s.to_c()


def test_largest_int64_is_accepted() -> None:
    s = SolverSettings(max_iter=2**63 - 1)
    assert s.to_c().max_iter == 2**63 - 1


def test_huge_int_for_a_float_field() -> None:
    with pytest.raises(ValueError, match="tol_feas"):
        SolverSettings(tol_feas=10**400)
    with pytest.raises(ValueError, match="tau"):
        LPGD(tau=10**400)


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (lambda: LPGD(max_halvings=2**64 + 1), "max_halvings"),
        (lambda: LPGD(max_halvings=10**30), "max_halvings"),
        (lambda: BPQP(admm_max_iter=2**63), "admm_max_iter"),
        (lambda: BPQP(admm_max_iter=-5), "admm_max_iter"),
        (lambda: LPGD(side=["left"]), "side"),
        (lambda: LPGD(fallback=["other_side"]), "fallback"),
    ],
)
def test_backward_out_of_range(factory: object, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        factory()  # type: ignore[operator]


def test_backward_structs_start_from_library_defaults(lib: object) -> None:
    gb = _lib.default_backward()
    o = resolve_backward(BPQP(solver="admm"))
    assert o.method == _lib.BACKWARD_BPQP and o.bpqp_solver == _lib.BPQP_ADMM
    assert (o.tau, o.side) == (gb.tau, gb.side)  # LPGD fields: the library's
    o = resolve_backward(KKT())
    for name, _ in _lib.BackwardOpts._fields_:
        if name != "method":
            assert getattr(o, name) == getattr(gb, name), name


def test_layer_repr_shows_changed_settings() -> None:
    """repr of a layer names the settings that differ from the defaults."""
    from lpgd_go import QPLayer

    layer = QPLayer(settings={"max_iter": 7, "polish": False}, on_failure="nan")
    assert repr(layer) == (
        "QPLayer(backward=KKT(), on_failure='nan', return_info=False, "
        "settings=SolverSettings(max_iter=7, polish=False))"
    )
    assert "settings" not in repr(QPLayer())
