"""Backward-pass choices: exact KKT differentiation, BPQP and LPGD.

Each is a frozen dataclass validated on construction; ``resolve_backward``
turns an instance or one of the names ``"kkt"``, ``"bpqp"``, ``"lpgd"`` into the
ctypes ``lpgd_backward_opts`` struct. Backward options never enter the solver
settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from . import _lib
from ._lib import BackwardOpts

__all__ = ["BPQP", "KKT", "LPGD", "BackwardMethod", "as_backward_method", "resolve_backward"]

_SIDES = {"right": _lib.SIDE_RIGHT, "left": _lib.SIDE_LEFT, "central": _lib.SIDE_CENTRAL}
_FALLBACKS = {
    None: _lib.FALLBACK_NONE,
    "other_side": _lib.FALLBACK_OTHER_SIDE,
    "smaller_tau": _lib.FALLBACK_SMALLER_TAU,
}
_BPQP_SOLVERS = {"direct": _lib.BPQP_DIRECT, "admm": _lib.BPQP_ADMM}


def _bad(cls: str, field: str, msg: str) -> None:
    raise ValueError(f"{cls}.{field}: {msg}")


def _pos_float(cls: str, field: str, v: object, *, allow_zero: bool = False) -> None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if ok:
        ok = v >= 0 if allow_zero else v > 0
    if not ok:
        what = "a finite number >= 0" if allow_zero else "a positive finite number"
        _bad(cls, field, f"must be {what}, got {v!r}")


def _int_at_least(cls: str, field: str, v: object, lo: int) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        _bad(cls, field, f"must be an int >= {lo}, got {v!r}")


def _base_opts(method: int) -> BackwardOpts:
    # Defaults of lpgd_backward_opts (lpgd.h); the method-specific fields are
    # overwritten by each class.
    return BackwardOpts(
        method=method,
        tau=0.1,
        rho=0.0,
        side=_lib.SIDE_CENTRAL,
        fallback=_lib.FALLBACK_NONE,
        fast_path=1,
        max_halvings=4,
        bpqp_solver=_lib.BPQP_DIRECT,
        active_tol=1e-6,
        admm_eps=1e-9,
        admm_max_iter=10000,
        admm_rho=1.0,
    )


@dataclass(frozen=True)
class KKT:
    """Exact implicit differentiation of the KKT conditions (OptNet / diffcp)."""

    def to_c(self) -> BackwardOpts:
        """The ctypes ``lpgd_backward_opts`` struct."""
        return _base_opts(_lib.BACKWARD_KKT)


@dataclass(frozen=True)
class BPQP:
    """BPQP (Pan et al., 2024): the backward pass as an equality-constrained QP
    on the active constraints.

    Attributes:
        solver: ``"direct"`` (one quasi-definite LDLᵀ) or ``"admm"``.
        active_tol: a constraint is active when its slack is below this.
        admm_eps, admm_max_iter, admm_rho: ADMM tolerance, iterations and penalty.
    """

    solver: Literal["direct", "admm"] = "direct"
    active_tol: float = 1e-6
    admm_eps: float = 1e-9
    admm_max_iter: int = 10000
    admm_rho: float = 1.0

    def __post_init__(self) -> None:
        if self.solver not in _BPQP_SOLVERS:
            _bad("BPQP", "solver", f"must be 'direct' or 'admm', got {self.solver!r}")
        _pos_float("BPQP", "active_tol", self.active_tol)
        _pos_float("BPQP", "admm_eps", self.admm_eps)
        _int_at_least("BPQP", "admm_max_iter", self.admm_max_iter, 1)
        _pos_float("BPQP", "admm_rho", self.admm_rho)

    def to_c(self) -> BackwardOpts:
        """The ctypes ``lpgd_backward_opts`` struct."""
        o = _base_opts(_lib.BACKWARD_BPQP)
        o.bpqp_solver = _BPQP_SOLVERS[self.solver]
        o.active_tol = float(self.active_tol)
        o.admm_eps = float(self.admm_eps)
        o.admm_max_iter = self.admm_max_iter
        o.admm_rho = float(self.admm_rho)
        return o


@dataclass(frozen=True)
class LPGD:
    """LPGD (Paulus et al., 2024): finite differences of Lagrangian gradients
    between the solution and solutions of problems perturbed by the incoming
    gradient.

    Attributes:
        tau: perturbation step (> 0).
        rho: proximal weight (>= 0).
        side: ``"central"``, ``"right"`` or ``"left"``.
        fallback: what to do when a perturbed solve fails: None,
            ``"other_side"`` or ``"smaller_tau"``.
        fast_path: try the active-set fast path for the perturbed solves.
        max_halvings: tries of the ``"smaller_tau"`` fallback (>= 1).
    """

    tau: float = 0.1
    rho: float = 0.0
    side: Literal["central", "right", "left"] = "central"
    fallback: Literal["other_side", "smaller_tau"] | None = None
    fast_path: bool = True
    max_halvings: int = 4

    def __post_init__(self) -> None:
        _pos_float("LPGD", "tau", self.tau)
        _pos_float("LPGD", "rho", self.rho, allow_zero=True)
        if self.side not in _SIDES:
            _bad("LPGD", "side", f"must be 'central', 'right' or 'left', got {self.side!r}")
        if self.fallback not in _FALLBACKS:
            _bad(
                "LPGD",
                "fallback",
                f"must be None, 'other_side' or 'smaller_tau', got {self.fallback!r}",
            )
        if not isinstance(self.fast_path, bool):
            _bad("LPGD", "fast_path", f"must be a bool, got {self.fast_path!r}")
        _int_at_least("LPGD", "max_halvings", self.max_halvings, 1)

    def to_c(self) -> BackwardOpts:
        """The ctypes ``lpgd_backward_opts`` struct."""
        o = _base_opts(_lib.BACKWARD_LPGD)
        o.tau = float(self.tau)
        o.rho = float(self.rho)
        o.side = _SIDES[self.side]
        o.fallback = _FALLBACKS[self.fallback]
        o.fast_path = int(self.fast_path)
        o.max_halvings = self.max_halvings
        return o


BackwardMethod = KKT | BPQP | LPGD

_BY_NAME: dict[str, type[KKT] | type[BPQP] | type[LPGD]] = {
    "kkt": KKT,
    "bpqp": BPQP,
    "lpgd": LPGD,
}


def as_backward_method(backward: BackwardMethod | str) -> BackwardMethod:
    """An instance of KKT, BPQP or LPGD from an instance or a name (keyword defaults)."""
    if isinstance(backward, (KKT, BPQP, LPGD)):
        return backward
    if isinstance(backward, str) and backward.lower() in _BY_NAME:
        return _BY_NAME[backward.lower()]()
    raise ValueError(
        "backward must be 'kkt', 'bpqp', 'lpgd' or an instance of KKT, BPQP or LPGD, "
        f"got {backward!r}"
    )


def resolve_backward(backward: BackwardMethod | str) -> BackwardOpts:
    """The ctypes ``lpgd_backward_opts`` for an instance of KKT, BPQP or LPGD, or for
    one of the names ``"kkt"``, ``"bpqp"``, ``"lpgd"`` (keyword defaults)."""
    return as_backward_method(backward).to_c()
