"""Call options of every front end (backward method, solver settings,
on_failure, return_info) and the base class of the layers, whose
constructor arguments are defaults that a call may override."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal

from torch import nn

from .backward import BackwardMethod, as_backward_method
from .settings import SolverSettings, resolve_settings

__all__ = ["SOLVER_ARG_KEYS", "LayerBase", "OnFailure", "Options", "resolve_options"]

OnFailure = Literal["raise", "nan"]

_SETTINGS_FIELDS = frozenset(f.name for f in fields(SolverSettings))
#: Keys of a CvxpyLayer call's ``solver_args``.
SOLVER_ARG_KEYS = _SETTINGS_FIELDS | {"backward", "on_failure"}


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
    """Validate the options of a call (ValueError naming the bad one)."""
    if on_failure not in ("raise", "nan"):
        raise ValueError(f"on_failure must be 'raise' or 'nan', got {on_failure!r}")
    if not isinstance(return_info, bool):
        raise ValueError(f"return_info must be a bool, got {return_info!r}")
    return Options(
        backward=as_backward_method(backward),
        settings=resolve_settings(settings),
        on_failure=on_failure,  # type: ignore[arg-type]
        return_info=return_info,
    )


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
        fields, ``backward`` and ``on_failure``."""
        if not solver_args:
            return self._options({})
        if not isinstance(solver_args, Mapping):
            raise ValueError(f"solver_args must be a dict, got {type(solver_args).__name__}")
        unknown = sorted(set(solver_args) - SOLVER_ARG_KEYS)
        if unknown:
            raise ValueError(
                f"solver_args: unknown key(s) {unknown}; allowed are 'backward', 'on_failure' "
                f"and the SolverSettings fields {sorted(_SETTINGS_FIELDS)}"
            )
        changes = {k: v for k, v in solver_args.items() if k in _SETTINGS_FIELDS}
        overrides = {k: v for k, v in solver_args.items() if k not in _SETTINGS_FIELDS}
        overrides["settings"] = self.settings.replace(**changes) if changes else self.settings
        return self._options(overrides)

    def extra_repr(self) -> str:
        return (
            f"backward={self.backward_method!r}, on_failure={self.on_failure!r}, "
            f"return_info={self.return_info}"
        )
