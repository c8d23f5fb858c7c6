"""Solver settings: the Python face of ``lpgd_settings`` (capi/lpgd.h).

The defaults live in Go only (``ipm.DefaultSettings``); they are read from
the library (``lpgd_default_settings``) the first time a ``SolverSettings``
is made, so they cannot drift. Each option is documented once, in the
``SolverSettings`` docstring.
"""

from __future__ import annotations

import ctypes
import difflib
import functools
import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from . import _lib
from ._lib import CSettings

__all__ = ["LINEAR_SOLVERS", "SolverSettings", "resolve_settings"]

#: Names of the linear_solver choices and their lpgd.h integer values.
LINEAR_SOLVERS: dict[str, int] = {"auto": 0, "dense": 1, "sparse": 2}

#: The largest value an integer setting may take (an int64_t in lpgd.h).
INT64_MAX = 2**63 - 1


class _Unset:
    """Default of every field: replaced by the library's default on construction."""

    def __repr__(self) -> str:
        return "<library default>"


UNSET: Any = _Unset()

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
#: Integer settings and their smallest value.
_INT_MIN = {"max_iter": 1, "iter_refine_max": 0, "equilibrate_iters": 0}


@dataclass
class SolverSettings:
    """Options of the interior-point solver.

    Every field defaults to the library's value (``SolverSettings()`` shows
    them); assigning a name that is not a field raises AttributeError.

    Attributes:
        max_iter: interior-point iteration limit (>= 1). A strictly convex QP
            of at most 32 variables with zero and nonnegative cones is first
            given to a dual active-set method (Goldfarb–Idnani) with
            ``polish`` on; when the exact solution of the active set it finds
            passes the termination tests (and has no inactive row of near-zero
            slack), the solve ends there with ``info.iterations`` 0.
        tol_gap_abs, tol_gap_rel: absolute and relative duality-gap tolerances.
        tol_feas: relative primal and dual residual tolerance.
        tol_infeas_abs, tol_infeas_rel: infeasibility-certificate tolerances.
        reduced_tol_gap, reduced_tol_feas: tolerances for ``Status.ALMOST_SOLVED``.
        static_reg: static KKT regularization (> 0).
        iter_refine_max: iterative-refinement steps per KKT solve (>= 0).
        max_step_fraction: fraction of the step to the cone boundary, in (0, 1).
        equilibrate: Ruiz equilibration of the data.
        equilibrate_iters: number of Ruiz passes (>= 0).
        linear_solver: ``"auto"``, ``"dense"`` or ``"sparse"`` KKT factorization.
        time_limit: wall-clock seconds per sample (0: none); a sample that
            runs out ends ``Status.TIME_LIMIT``.
        call_time_limit: wall-clock seconds per call, over the whole batch
            (0: none); samples unfinished then end ``Status.TIME_LIMIT``.
        polish: after the interior point converges, replace its solution by the
            exact solution of its active set when that passes the termination
            tests (zero and nonnegative cones; ``info.polished`` reports it), and
            finish tight solves with second-order or PSD cones by Newton steps on
            the KKT conditions; with PSD or exponential cones those steps also
            follow every converged solve (exact to rounding instead of
            ~√tolerance off).
            Gradients at a polished solution are exact for its active set.
            ``polish=False`` also turns off the dual active-set start (see
            ``max_iter``).
        accept_almost_solved: whether ``Status.ALMOST_SOLVED`` (only the reduced
            tolerances met; ``info.tolerance`` is ``Tolerance.REDUCED``) counts as
            solved — reported by an AlmostSolvedWarning naming the batch elements
            — or, when False, as a failure handled by ``on_failure`` like
            ``MAX_ITERATIONS`` (SolverError, or NaN outputs and zero gradients).
    """

    max_iter: int = UNSET
    tol_gap_abs: float = UNSET
    tol_gap_rel: float = UNSET
    tol_feas: float = UNSET
    tol_infeas_abs: float = UNSET
    tol_infeas_rel: float = UNSET
    reduced_tol_gap: float = UNSET
    reduced_tol_feas: float = UNSET
    static_reg: float = UNSET
    iter_refine_max: int = UNSET
    max_step_fraction: float = UNSET
    equilibrate: bool = UNSET
    equilibrate_iters: int = UNSET
    linear_solver: Literal["auto", "dense", "sparse"] = UNSET
    time_limit: float = UNSET
    call_time_limit: float = UNSET
    polish: bool = UNSET
    accept_almost_solved: bool = UNSET

    def __post_init__(self) -> None:
        unset = [f.name for f in fields(self) if getattr(self, f.name) is UNSET]
        if unset:
            defaults = _library_defaults()
            for name in unset:
                setattr(self, name, defaults[name])
        self.validate()

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in _FIELD_NAMES:
            close = difflib.get_close_matches(name, _FIELD_NAMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise AttributeError(
                f"SolverSettings has no field {name!r}{hint}; "
                f"the fields are {', '.join(_FIELD_NAMES)}"
            )
        object.__setattr__(self, name, value)
        # A changed field invalidates the validated C struct of the call path.
        self.__dict__.pop("_c_cache", None)

    def validate(self) -> None:
        """Raise ValueError naming the first invalid field."""
        for name, lo in _INT_MIN.items():
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                _bad(name, f"must be an int, got {v!r}")
            if not lo <= v <= INT64_MAX:
                _bad(name, f"must be an int in [{lo}, 2**63 - 1], got {v!r}")
        for name in _POSITIVE_FLOATS:
            v = getattr(self, name)
            if not _is_finite_real(v) or not v > 0:
                _bad(name, f"must be a positive finite number, got {v!r}")
        for name in ("time_limit", "call_time_limit"):
            v = getattr(self, name)
            if not _is_finite_real(v) or not v >= 0:
                _bad(name, f"must be a finite number >= 0 (0: no limit), got {v!r}")
        v = self.max_step_fraction
        if not _is_finite_real(v) or not 0 < v < 1:
            _bad("max_step_fraction", f"must be in (0, 1), got {v!r}")
        if not isinstance(self.equilibrate, bool):
            _bad("equilibrate", f"must be a bool, got {self.equilibrate!r}")
        for name in ("polish", "accept_almost_solved"):
            if not isinstance(getattr(self, name), bool):
                _bad(name, f"must be a bool, got {getattr(self, name)!r}")
        if not isinstance(self.linear_solver, str) or self.linear_solver not in LINEAR_SOLVERS:
            _bad(
                "linear_solver",
                f"must be one of {sorted(LINEAR_SOLVERS)}, got {self.linear_solver!r}",
            )

    def replace(self, **changes: Any) -> SolverSettings:
        """A validated copy with some fields changed."""
        for key in changes:
            if key not in _FIELD_NAMES:
                raise ValueError(
                    f"settings: unknown field {key!r}; the fields are {', '.join(_FIELD_NAMES)}"
                )
        return SolverSettings(**{**asdict(self), **changes})

    def to_c(self) -> CSettings:
        """The ctypes ``lpgd_settings`` struct (validated, size filled in)."""
        return CSettings.from_buffer_copy(self._c())

    def _c(self) -> CSettings:
        """The validated ``lpgd_settings`` of the call path, built once and kept
        until a field is assigned (``__setattr__`` drops it). Shared: callers
        must not modify it (copy it first, as ``_interrupt`` does)."""
        c = self.__dict__.get("_c_cache")
        if c is None:
            c = self._build_c()
            object.__setattr__(self, "_c_cache", c)
        return c

    def _build_c(self) -> CSettings:
        self.validate()
        out = CSettings()
        for field in CSettings._fields_:
            name, ctype = field[0], field[1]
            if name in ("size", "cancel_token"):
                continue
            v = getattr(self, name)
            if name == "linear_solver":
                v = LINEAR_SOLVERS[v]
            setattr(out, name, float(v) if ctype is ctypes.c_double else int(v))
        return out

    @classmethod
    def from_c(cls, c: CSettings) -> SolverSettings:
        """Build settings from a ctypes ``lpgd_settings`` struct."""
        names = {v: k for k, v in LINEAR_SOLVERS.items()}
        kwargs: dict[str, Any] = {name: getattr(c, name) for name in _FIELD_NAMES}
        kwargs["equilibrate"] = bool(c.equilibrate)
        kwargs["polish"] = bool(c.polish)
        kwargs["accept_almost_solved"] = bool(c.accept_almost_solved)
        kwargs["linear_solver"] = names.get(int(c.linear_solver), str(c.linear_solver))
        return cls(**kwargs)


_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(SolverSettings))


@functools.cache
def _library_defaults() -> dict[str, Any]:
    """The solver defaults of the library (lpgd_default_settings), by field."""
    return asdict(SolverSettings.from_c(_lib.default_settings()))


def resolve_settings(settings: SolverSettings | dict[str, Any] | None) -> SolverSettings:
    """Accept None (defaults), a SolverSettings, or a dict of field overrides."""
    if settings is None:
        return _default()
    if isinstance(settings, SolverSettings):
        # Fields may have been assigned after construction: _c() validates
        # again after any assignment (and only then).
        settings._c()
        return settings
    if isinstance(settings, dict):
        return _default().replace(**settings)
    raise ValueError(
        f"settings must be a SolverSettings, a dict or None, got {type(settings).__name__}"
    )


@functools.cache
def _default() -> SolverSettings:
    return SolverSettings()


def _is_finite_real(v: object) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an int beyond the float range
        return False


def _bad(name: str, msg: str) -> None:
    raise ValueError(f"settings.{name}: {msg}")
