"""Backward-pass choices: exact KKT differentiation, BPQP and LPGD.

Each is a frozen dataclass validated on construction; ``resolve_backward``
turns an instance or one of the names ``"kkt"``, ``"bpqp"``, ``"lpgd"`` into the
ctypes ``lpgd_backward_opts`` struct. Backward options never enter the solver
settings. The defaults live in Go only (``diff.DefaultOptions``) and are read
from the library (``lpgd_default_backward``) when an instance is made; each
option is documented once, in its class's docstring.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields
from typing import Any, Literal

from . import _lib
from ._lib import BackwardOpts
from .settings import INT64_MAX, UNSET

__all__ = ["BPQP", "KKT", "LPGD", "BackwardMethod", "as_backward_method", "resolve_backward"]

_SIDES = {"right": _lib.SIDE_RIGHT, "left": _lib.SIDE_LEFT, "central": _lib.SIDE_CENTRAL}
_FALLBACKS = {
    None: _lib.FALLBACK_NONE,
    "other_side": _lib.FALLBACK_OTHER_SIDE,
    "smaller_tau": _lib.FALLBACK_SMALLER_TAU,
}
_BPQP_SOLVERS = {"direct": _lib.BPQP_DIRECT, "admm": _lib.BPQP_ADMM}

#: Python field -> (lpgd_backward_opts field, {python value: C value} or None).
_C_FIELDS: dict[str, tuple[str, dict[Any, int] | None]] = {
    "solver": ("bpqp_solver", _BPQP_SOLVERS),
    "active_tol": ("active_tol", None),
    "admm_eps": ("admm_eps", None),
    "admm_max_iter": ("admm_max_iter", None),
    "admm_rho": ("admm_rho", None),
    "tau": ("tau", None),
    "tau_target": ("tau_target", None),
    "rho": ("rho", None),
    "rho_target": ("rho_target", None),
    "side": ("side", _SIDES),
    "fallback": ("fallback", _FALLBACKS),
    "fast_path": ("fast_path", {False: 0, True: 1}),
    "max_halvings": ("max_halvings", None),
}


@functools.cache
def _library_defaults() -> dict[str, Any]:
    """The backward defaults of the library (lpgd_default_backward), by Python field."""
    go = _lib.default_backward()
    out: dict[str, Any] = {}
    for name, (cname, choices) in _C_FIELDS.items():
        v = getattr(go, cname)
        if choices is not None:
            v = {c: p for p, c in choices.items()}[int(v)]
        out[name] = v
    return out


def _fill_defaults(obj: object) -> None:
    """Replace UNSET fields of a frozen dataclass with the library's defaults."""
    unset = [f.name for f in fields(obj) if getattr(obj, f.name) is UNSET]  # type: ignore[arg-type]
    if unset:
        defaults = _library_defaults()
        for name in unset:
            object.__setattr__(obj, name, defaults[name])


#: The instance attribute under which ``_cached_c`` keeps a method's
#: struct; the call path (``_conic.Run``) reads it from the instance's
#: ``__dict__`` without a call.
C_CACHE = "_c_cache"


def _cached_c(obj: object, method: int) -> BackwardOpts:
    """``_to_c`` built once per (frozen) instance and kept on it (``C_CACHE``)
    for the call path; shared, so callers must not modify it."""
    c: BackwardOpts | None = obj.__dict__.get(C_CACHE)
    if c is None:
        c = _to_c(obj, method)
        object.__setattr__(obj, C_CACHE, c)
    return c


def _to_c(obj: object, method: int) -> BackwardOpts:
    """The library's defaults with the method and obj's fields set."""
    out = _lib.default_backward()
    out.method = method
    for f in fields(obj):  # type: ignore[arg-type]
        cname, choices = _C_FIELDS[f.name]
        v = getattr(obj, f.name)
        if f.name == "tau" and v == "auto":
            out.tau_auto = 1  # tau keeps the library default, unused
            continue
        if f.name == "rho" and v == "auto":
            out.rho_auto = 1  # rho keeps the library default, unused
            continue
        setattr(out, cname, choices[v] if choices is not None else v)
    return out


def _bad(cls: str, field: str, msg: str) -> None:
    raise ValueError(f"{cls}.{field}: {msg}")


def _pos_float(cls: str, field: str, v: object, *, allow_zero: bool = False) -> None:
    ok = False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        try:
            ok = math.isfinite(v) and (v >= 0 if allow_zero else v > 0)
        except OverflowError:  # an int beyond the float range
            ok = False
    if not ok:
        what = "a finite number >= 0" if allow_zero else "a positive finite number"
        _bad(cls, field, f"must be {what}, got {v!r}")


def _int_at_least(cls: str, field: str, v: object, lo: int) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= INT64_MAX:
        _bad(cls, field, f"must be an int in [{lo}, 2**63 - 1], got {v!r}")


@dataclass(frozen=True)
class KKT:
    """Exact implicit differentiation of the KKT conditions (OptNet / diffcp)."""

    def to_c(self) -> BackwardOpts:
        """The ctypes ``lpgd_backward_opts`` struct."""
        return _to_c(self, _lib.BACKWARD_KKT)

    def _c(self) -> BackwardOpts:
        """``to_c()`` made once per instance (shared: do not modify)."""
        return _cached_c(self, _lib.BACKWARD_KKT)


@dataclass(frozen=True)
class BPQP:
    """BPQP (Pan et al., 2024): the backward pass as an equality-constrained QP
    on the active constraints. Defaults: the library's (``BPQP()`` shows them).

    Attributes:
        solver: ``"direct"`` (one quasi-definite LDLᵀ) or ``"admm"``.
        active_tol: does not choose the active set — equality rows are always
            active and an inequality row is active when its dual exceeds its
            slack (y_i > s_i) — but marks an active row with
            y_i <= active_tol · max(1, ‖y‖∞) as weakly active: it stays active
            and the sample gets the ``FLAG_WEAKLY_ACTIVE`` flag (near-degenerate,
            its gradient may jump).
        admm_eps, admm_max_iter, admm_rho: ADMM tolerance, iterations and penalty.
    """

    solver: Literal["direct", "admm"] = UNSET
    active_tol: float = UNSET
    admm_eps: float = UNSET
    admm_max_iter: int = UNSET
    admm_rho: float = UNSET

    def __post_init__(self) -> None:
        _fill_defaults(self)
        if self.solver not in _BPQP_SOLVERS:
            _bad("BPQP", "solver", f"must be 'direct' or 'admm', got {self.solver!r}")
        _pos_float("BPQP", "active_tol", self.active_tol)
        _pos_float("BPQP", "admm_eps", self.admm_eps)
        _int_at_least("BPQP", "admm_max_iter", self.admm_max_iter, 1)
        _pos_float("BPQP", "admm_rho", self.admm_rho)

    def to_c(self) -> BackwardOpts:
        """The ctypes ``lpgd_backward_opts`` struct."""
        return _to_c(self, _lib.BACKWARD_BPQP)

    def _c(self) -> BackwardOpts:
        """``to_c()`` made once per instance (shared: do not modify)."""
        return _cached_c(self, _lib.BACKWARD_BPQP)


@dataclass(frozen=True)
class LPGD:
    """LPGD (Paulus et al., 2024): finite differences of Lagrangian gradients
    between the solution and solutions of problems perturbed by the incoming
    gradient. Defaults: the library's (``LPGD()`` shows them).

    Attributes:
        tau: perturbation step (> 0), or ``"auto"``: per sample,
            τ = tau_target · min(s_c/‖g_x‖∞, s_b/‖g_y‖∞) over the incoming
            gradients that are nonzero (s_c = ‖q‖∞, s_b = ‖[b; h]‖∞, a zero one
            taking the other's value, both 1 when q, b, h are zero; g_x, g_y the
            incoming gradients of x and of the duals), clipped to [1e-12, 1e12]:
            the perturbation's largest entry is the fraction tau_target of the
            largest entry of the data it perturbs, whatever the units of the data
            and of the loss (scaling q, h, b by α scales τ by α, scaling the loss
            by β scales τ by 1/β). Entrywise sizes keep the perturbation
            informative on LPs with sparse costs (see the README's LPGD section).
            That is the whole rule on LPs. On a QP (P ≠ 0) τ is then capped so
            that the perturbed solution moves by about 0.1·tau_target·‖x*‖∞: by
            its velocity dx/dτ on the forward's active set (τ ≤
            0.1·tau_target·‖x*‖∞/‖dx/dτ‖∞; polyhedral cones; no cap where the
            active rows pin x), and where the perturbed solution still moved more than twice
            that, once more at τ scaled down to the target (kept only if the
            solution moves at all there). With curvature the LPGD gradient tends
            to the exact one as τ → 0; the data term alone moved the Markowitz
            QP's portfolio by about its whole size and over-smoothed it. Any
            nonzero P counts: an LP given a small ridge P = εI for stability is
            a QP here, and where its optimum is a tied face the cap takes τ ~ ε
            and returns about the ridged QP's exact gradient (of size ~1/ε), not
            an LP's smoothed one — pass a fixed τ (or no ridge) for that.
        tau_target: the fraction for ``tau="auto"`` (> 0, default 1; scales
            the QP cap too; ignored otherwise).
        rho: proximal weight (>= 0) of the perturbed problems (P + ρI,
            q − ρx*), or ``"auto"``: per sample,
            ρ = rho_target · max(‖q‖∞, τ‖g_x‖∞) / ‖x*‖∞ (the larger of the
            cost's and the cost perturbation's largest entries over the
            solution's largest entry; where ‖x*‖∞ is below 1e-8 of the
            feasible set's scale ‖[b; h]‖∞ / max(1, ‖[A; G]‖max) — a solution
            at the origin — that scale instead, 1 when b and h are zero; a
            zero numerator is 1),
            at most 1e12, computed once per sample from the τ in use (with
            ``tau="auto"``: its data term, before a QP's cap): a curvature in
            the units of the data (q × α ⇒ ρ × α, x* × α ⇒ ρ / α). The
            proximal term gives a degenerate perturbed LP the solution nearest
            x*; under it alone a linear term of entries up to
            max(‖q‖∞, τ‖g_x‖∞) moves x by at most
            ‖x*‖∞ / rho_target, so the default target 0.1 breaks ties without
            capping moves within ten times the solution's scale.
        rho_target: the factor for ``rho="auto"`` (> 0, default 0.1; ignored
            otherwise).
        side: ``"central"``, ``"right"`` or ``"left"``.
        fallback: what to do when a perturbed solve fails: None,
            ``"other_side"`` or ``"smaller_tau"``.
        fast_path: warm-start the perturbed solves (the active-set fast path
            for LPs/QPs, Newton steps from the forward's solution for other cones).
        max_halvings: tries of the ``"smaller_tau"`` fallback (>= 1).
    """

    tau: float | Literal["auto"] = UNSET
    tau_target: float = UNSET
    rho: float | Literal["auto"] = UNSET
    rho_target: float = UNSET
    side: Literal["central", "right", "left"] = UNSET
    fallback: Literal["other_side", "smaller_tau"] | None = UNSET
    fast_path: bool = UNSET
    max_halvings: int = UNSET

    def __post_init__(self) -> None:
        _fill_defaults(self)
        if isinstance(self.tau, str):
            if self.tau != "auto":
                _bad("LPGD", "tau", f"must be a positive finite number or 'auto', got {self.tau!r}")
        else:
            _pos_float("LPGD", "tau", self.tau)
        _pos_float("LPGD", "tau_target", self.tau_target)
        if isinstance(self.rho, str):
            if self.rho != "auto":
                _bad("LPGD", "rho", f"must be a finite number >= 0 or 'auto', got {self.rho!r}")
        else:
            _pos_float("LPGD", "rho", self.rho, allow_zero=True)
        _pos_float("LPGD", "rho_target", self.rho_target)
        if not isinstance(self.side, str) or self.side not in _SIDES:
            _bad("LPGD", "side", f"must be 'central', 'right' or 'left', got {self.side!r}")
        if not (self.fallback is None or isinstance(self.fallback, str)) or (
            self.fallback not in _FALLBACKS
        ):
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
        return _to_c(self, _lib.BACKWARD_LPGD)

    def _c(self) -> BackwardOpts:
        """``to_c()`` made once per instance (shared: do not modify)."""
        return _cached_c(self, _lib.BACKWARD_LPGD)


BackwardMethod = KKT | BPQP | LPGD

_BY_NAME: dict[str, type[KKT] | type[BPQP] | type[LPGD]] = {
    "kkt": KKT,
    "bpqp": BPQP,
    "lpgd": LPGD,
}


@functools.cache
def _by_name(name: str) -> BackwardMethod:
    """The default instance of a method by name (frozen, so one per name)."""
    return _BY_NAME[name]()


def as_backward_method(backward: BackwardMethod | str) -> BackwardMethod:
    """An instance of KKT, BPQP or LPGD from an instance or a name (library defaults)."""
    if isinstance(backward, (KKT, BPQP, LPGD)):
        return backward
    if isinstance(backward, str) and backward.lower() in _BY_NAME:
        return _by_name(backward.lower())
    raise ValueError(
        "backward must be 'kkt', 'bpqp', 'lpgd' or an instance of KKT, BPQP or LPGD, "
        f"got {backward!r}"
    )


def resolve_backward(backward: BackwardMethod | str) -> BackwardOpts:
    """The ctypes ``lpgd_backward_opts`` for an instance of KKT, BPQP or LPGD, or for
    one of the names ``"kkt"``, ``"bpqp"``, ``"lpgd"`` (library defaults)."""
    return as_backward_method(backward).to_c()
