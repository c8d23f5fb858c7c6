"""Solver settings, mirroring ``lpgd_settings`` of capi/lpgd.h field by field."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from ._lib import CSettings

__all__ = ["LINEAR_SOLVERS", "SolverSettings", "resolve_settings"]

#: Names of the linear_solver choices and their lpgd.h integer values.
LINEAR_SOLVERS: dict[str, int] = {"auto": 0, "dense": 1, "sparse": 2}

_POSITIVE_FLOATS = (
    "tol_gap_abs",
    "tol_gap_rel",
    "tol_feas",
    "tol_infeas_abs",
    "tol_infeas_rel",
    "reduced_tol_gap",
    "reduced_tol_feas",
    "static_reg",
)


@dataclass
class SolverSettings:
    """Options of the interior-point solver (defaults as in gocore/ipm/settings.go).

    Attributes:
        max_iter: iteration limit (≥ 1).
        tol_gap_abs, tol_gap_rel: absolute and relative duality-gap tolerances.
        tol_feas: relative primal and dual residual tolerance.
        tol_infeas_abs, tol_infeas_rel: infeasibility-certificate tolerances.
        reduced_tol_gap, reduced_tol_feas: tolerances for ``Status.ALMOST_SOLVED``.
        static_reg: static KKT regularization (> 0).
        iter_refine_max: iterative-refinement steps per KKT solve (≥ 0).
        max_step_fraction: fraction of the step to the cone boundary, in (0, 1).
        equilibrate: Ruiz equilibration of the data.
        equilibrate_iters: number of Ruiz passes (≥ 0).
        linear_solver: ``"auto"``, ``"dense"`` or ``"sparse"`` KKT factorization.
    """

    max_iter: int = 100
    tol_gap_abs: float = 1e-8
    tol_gap_rel: float = 1e-8
    tol_feas: float = 1e-8
    tol_infeas_abs: float = 1e-8
    tol_infeas_rel: float = 1e-8
    reduced_tol_gap: float = 5e-5
    reduced_tol_feas: float = 1e-4
    static_reg: float = 1e-8
    iter_refine_max: int = 10
    max_step_fraction: float = 0.99
    equilibrate: bool = True
    equilibrate_iters: int = 10
    linear_solver: Literal["auto", "dense", "sparse"] = "auto"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the first invalid field."""
        for name in ("max_iter", "iter_refine_max", "equilibrate_iters"):
            _check_int(name, getattr(self, name))
        if self.max_iter < 1:
            _bad("max_iter", f"must be >= 1, got {self.max_iter}")
        for name in _POSITIVE_FLOATS:
            v = getattr(self, name)
            if not _is_real(v) or not (v > 0) or math.isinf(v):
                _bad(name, f"must be a positive finite number, got {v!r}")
        if self.iter_refine_max < 0:
            _bad("iter_refine_max", f"must be >= 0, got {self.iter_refine_max}")
        v = self.max_step_fraction
        if not _is_real(v) or not (0 < v < 1):
            _bad("max_step_fraction", f"must be in (0, 1), got {v!r}")
        if not isinstance(self.equilibrate, bool):
            _bad("equilibrate", f"must be a bool, got {self.equilibrate!r}")
        if self.equilibrate_iters < 0:
            _bad("equilibrate_iters", f"must be >= 0, got {self.equilibrate_iters}")
        if self.linear_solver not in LINEAR_SOLVERS:
            _bad(
                "linear_solver",
                f"must be one of {sorted(LINEAR_SOLVERS)}, got {self.linear_solver!r}",
            )

    def replace(self, **changes: Any) -> SolverSettings:
        """A validated copy with some fields changed."""
        names = {f.name for f in fields(self)}
        for key in changes:
            if key not in names:
                raise ValueError(f"settings: unknown field {key!r}")
        return SolverSettings(**{**asdict(self), **changes})

    def to_c(self) -> CSettings:
        """The ctypes ``lpgd_settings`` struct (size filled in)."""
        return CSettings(
            max_iter=self.max_iter,
            tol_gap_abs=float(self.tol_gap_abs),
            tol_gap_rel=float(self.tol_gap_rel),
            tol_feas=float(self.tol_feas),
            tol_infeas_abs=float(self.tol_infeas_abs),
            tol_infeas_rel=float(self.tol_infeas_rel),
            reduced_tol_gap=float(self.reduced_tol_gap),
            reduced_tol_feas=float(self.reduced_tol_feas),
            static_reg=float(self.static_reg),
            iter_refine_max=self.iter_refine_max,
            max_step_fraction=float(self.max_step_fraction),
            equilibrate=int(self.equilibrate),
            equilibrate_iters=self.equilibrate_iters,
            linear_solver=LINEAR_SOLVERS[self.linear_solver],
        )

    @classmethod
    def from_c(cls, c: CSettings) -> SolverSettings:
        """Build settings from a ctypes ``lpgd_settings`` struct."""
        names = {v: k for k, v in LINEAR_SOLVERS.items()}
        kwargs: dict[str, Any] = {
            f.name: getattr(c, f.name) for f in fields(cls) if f.name != "linear_solver"
        }
        kwargs["equilibrate"] = bool(c.equilibrate)
        kwargs["linear_solver"] = names.get(int(c.linear_solver), str(c.linear_solver))
        return cls(**kwargs)


def resolve_settings(settings: SolverSettings | dict[str, Any] | None) -> SolverSettings:
    """Accept None (defaults), a SolverSettings, or a dict of field overrides."""
    if settings is None:
        return _DEFAULT
    if isinstance(settings, SolverSettings):
        settings.validate()  # fields may have been assigned after construction
        return settings
    if isinstance(settings, dict):
        return _DEFAULT.replace(**settings)
    raise ValueError(
        f"settings must be a SolverSettings, a dict or None, got {type(settings).__name__}"
    )


def _is_real(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_int(name: str, v: object) -> None:
    if isinstance(v, bool) or not isinstance(v, int):
        _bad(name, f"must be an int, got {v!r}")


def _bad(name: str, msg: str) -> None:
    raise ValueError(f"settings.{name}: {msg}")


_DEFAULT = SolverSettings()
