"""Call options of every front end (backward method, solver settings,
on_failure, return_info) and the base class of the layers, whose
constructor arguments are defaults that a call may override."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal

from torch import nn

from .backward import BackwardMethod, as_backward_method
from .settings import SolverSettings, resolve_settings

__all__ = [
    "IGNORED_SOLVER_ARGS",
    "SOLVER_ARG_ALIASES",
    "SOLVER_ARG_KEYS",
    "LayerBase",
    "OnFailure",
    "Options",
    "map_solver_args",
    "resolve_options",
]

OnFailure = Literal["raise", "nan"]

_SETTINGS_FIELDS = frozenset(f.name for f in fields(SolverSettings))

#: ``solver_args`` keys of SCS, ECOS and Clarabel (as passed to cvxpylayers)
#: and the SolverSettings fields they set. A key that sets several fields sets
#: each of them; when several keys set one field, the smallest value wins; a
#: SolverSettings field given by its own name wins over every alias. (Clarabel's
#: own tolerance and iteration keys, ``tol_gap_abs``, ``max_iter``, ...,
#: ``time_limit``, ``max_step_fraction``, are SolverSettings fields already.)
SOLVER_ARG_ALIASES: dict[str, tuple[str, ...]] = {
    # SCS
    "eps": ("tol_gap_abs", "tol_gap_rel", "tol_feas"),
    "eps_abs": ("tol_gap_abs",),
    "eps_rel": ("tol_gap_rel", "tol_feas"),
    "eps_infeas": ("tol_infeas_abs", "tol_infeas_rel"),
    "max_iters": ("max_iter",),  # also ECOS
    "time_limit_secs": ("time_limit",),
    # ECOS
    "abstol": ("tol_gap_abs",),
    "reltol": ("tol_gap_rel",),
    "feastol": ("tol_feas",),
    "abstol_inacc": ("reduced_tol_gap",),
    "reltol_inacc": ("reduced_tol_gap",),
    "feastol_inacc": ("reduced_tol_feas",),
    # Clarabel
    "equilibrate_enable": ("equilibrate",),
    "equilibrate_max_iter": ("equilibrate_iters",),
    "static_regularization_constant": ("static_reg",),
    "iterative_refinement_max_iter": ("iter_refine_max",),
}

#: ``solver_args`` keys that mean nothing for lpgd_go's interior-point solver
#: (first-order-method knobs of SCS, printing, warm starts, diffcp's batching):
#: accepted and ignored, with one warning per layer and key.
IGNORED_SOLVER_ARGS = frozenset(
    {
        # SCS
        "acceleration_lookback",
        "acceleration_interval",
        "normalize",
        "scale",
        "adaptive_scale",
        "alpha",
        "rho_x",
        "warm_start",
        "write_data_filename",
        "log_csv_filename",
        "use_indirect",
        "gpu",
        # every solver
        "verbose",
        # ECOS
        "max_iters_bb",
        "mi_max_iters",
        # Clarabel
        "direct_solve_method",
        "direct_kkt_solver",
        "presolve_enable",
        "chordal_decomposition_enable",
        "tol_ktratio",
        "static_regularization_enable",
        "dynamic_regularization_enable",
        "iterative_refinement_enable",
        "max_threads",
        # diffcp (cvxpylayers' default path)
        "solve_method",
        "mode",
        "n_jobs_forward",
        "n_jobs_backward",
    }
)

#: Keys of a CvxpyLayer call's ``solver_args``.
SOLVER_ARG_KEYS = (
    _SETTINGS_FIELDS | {"backward", "on_failure"} | set(SOLVER_ARG_ALIASES) | IGNORED_SOLVER_ARGS
)


def map_solver_args(
    solver_args: Mapping[str, Any], warned: set[str] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split cvxpylayers-style ``solver_args`` into (SolverSettings changes, other
    overrides) by SOLVER_ARG_ALIASES; IGNORED_SOLVER_ARGS keys are dropped with a
    UserWarning the first time each is seen (``warned`` records them). Raises
    ValueError naming an unknown key."""
    unknown = sorted(set(solver_args) - SOLVER_ARG_KEYS)
    if unknown:
        raise ValueError(
            f"solver_args: unknown key(s) {unknown}; allowed are 'backward', 'on_failure', "
            f"the SolverSettings fields {sorted(_SETTINGS_FIELDS)}, the SCS/ECOS/Clarabel "
            f"keys {sorted(SOLVER_ARG_ALIASES)} and the ignored keys "
            f"{sorted(IGNORED_SOLVER_ARGS)}"
        )
    changes: dict[str, Any] = {}
    for key, value in solver_args.items():
        for target in SOLVER_ARG_ALIASES.get(key, ()):
            if target in solver_args:
                continue  # the field by its own name wins
            if target in changes:
                try:
                    value = min(changes[target], value)
                except TypeError:
                    raise ValueError(
                        f"solver_args[{key!r}] must be a number, got {value!r}"
                    ) from None
            changes[target] = value
    for key in sorted(set(solver_args) & IGNORED_SOLVER_ARGS):
        if warned is not None and key in warned:
            continue
        if warned is not None:
            warned.add(key)
        warnings.warn(
            f"solver_args: {key!r} has no meaning for lpgd_go's interior-point solver "
            "and is ignored",
            UserWarning,
            stacklevel=4,
        )
    changes.update({k: v for k, v in solver_args.items() if k in _SETTINGS_FIELDS})
    overrides = {k: v for k, v in solver_args.items() if k in ("backward", "on_failure")}
    return changes, overrides


@dataclass
class Options:
    """The validated options of one call."""

    backward: BackwardMethod
    settings: SolverSettings
    on_failure: OnFailure
    return_info: bool


def resolve_options(
    backward: BackwardMethod | str,
    settings: SolverSettings | dict[str, Any] | None,
    on_failure: str,
    return_info: bool,
) -> Options:
    """Validate the options of a call (ValueError naming the bad one). The
    Options of a method by name with default settings are made once per
    (name, on_failure, return_info) (their parts are the library's shared
    defaults; nothing modifies an Options)."""
    named = (
        settings is None
        and type(backward) is str
        and type(return_info) is bool
        and type(on_failure) is str
    )
    if named:
        opts = _NAMED.get((backward, on_failure, return_info))
        if opts is not None:
            return opts
    if on_failure not in ("raise", "nan"):
        raise ValueError(f"on_failure must be 'raise' or 'nan', got {on_failure!r}")
    if not isinstance(return_info, bool):
        raise ValueError(f"return_info must be a bool, got {return_info!r}")
    opts = Options(
        backward=as_backward_method(backward),
        settings=resolve_settings(settings),
        on_failure=on_failure,  # type: ignore[arg-type]
        return_info=return_info,
    )
    if named and len(_NAMED) < 64:
        _NAMED[(backward, on_failure, return_info)] = opts
    return opts


#: resolve_options' Options of a method by name with default settings.
_NAMED: dict[tuple[Any, str, bool], Options] = {}


class LayerBase(nn.Module):
    """Holds a layer's default options; ``_options(overrides)`` resolves a call's.

    Attributes:
        backward_method: the default backward method (KKT, BPQP or LPGD).
        settings: the default SolverSettings.
        on_failure: the default failure policy.
        return_info: whether calls return an info object by default.
    """

    _OVERRIDES: ClassVar[tuple[str, ...]] = ("backward", "settings", "on_failure", "return_info")

    def __init__(
        self,
        *,
        backward: BackwardMethod | str = "kkt",
        settings: SolverSettings | dict[str, Any] | None = None,
        on_failure: OnFailure = "raise",
        return_info: bool = False,
    ) -> None:
        super().__init__()
        opts = resolve_options(backward, settings, on_failure, return_info)
        self.backward_method = opts.backward
        self.settings = opts.settings
        self.on_failure: OnFailure = opts.on_failure
        self.return_info = opts.return_info

    def _options(self, overrides: Mapping[str, Any]) -> Options:
        """The options of a call: the layer's, with the given keyword overrides."""
        for key in overrides:
            if key not in self._OVERRIDES:
                raise TypeError(
                    f"{type(self).__name__}.forward got an unexpected keyword argument {key!r} "
                    f"(allowed: {', '.join(self._OVERRIDES)})"
                )
        return resolve_options(
            overrides.get("backward", self.backward_method),
            overrides.get("settings", self.settings),
            overrides.get("on_failure", self.on_failure),
            overrides.get("return_info", self.return_info),
        )

    def _solver_args_options(self, solver_args: Mapping[str, Any] | None) -> Options:
        """The options of a call given cvxpylayers-style ``solver_args``: SolverSettings
        fields, ``backward``, ``on_failure`` and SCS/ECOS/Clarabel keys (see
        map_solver_args)."""
        if not solver_args:
            return self._options({})
        if not isinstance(solver_args, Mapping):
            raise ValueError(f"solver_args must be a dict, got {type(solver_args).__name__}")
        warned = self.__dict__.setdefault("_warned_solver_args", set())
        changes, overrides = map_solver_args(solver_args, warned)
        overrides["settings"] = self.settings.replace(**changes) if changes else self.settings
        return self._options(overrides)

    def extra_repr(self) -> str:
        # The settings that differ from the defaults (all of them would
        # bury the rest).
        default = SolverSettings()
        changed = ", ".join(
            f"{f.name}={getattr(self.settings, f.name)!r}"
            for f in fields(SolverSettings)
            if getattr(self.settings, f.name) != getattr(default, f.name)
        )
        settings = f", settings=SolverSettings({changed})" if changed else ""
        return (
            f"backward={self.backward_method!r}, on_failure={self.on_failure!r}, "
            f"return_info={self.return_info}{settings}"
        )
