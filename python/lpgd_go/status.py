"""Errors: per-sample solve statuses (frozen integers of lpgd.h), SolverError
and the messages for failed forward and backward solves."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from enum import IntEnum

import torch

from .backward import LPGD, BackwardMethod

__all__ = [
    "OK_CODES",
    "OK_STATUSES",
    "AlmostSolvedWarning",
    "SolverError",
    "Status",
    "Tolerance",
    "backward_failure_message",
    "cvxpylayers_solver_error",
    "failure_message",
    "ok_mask",
    "status_name",
]


class Status(IntEnum):
    """Outcome of one solve; values mirror ``LPGD_STATUS_*`` in capi/lpgd.h (append only)."""

    UNSOLVED = 0
    SOLVED = 1
    PRIMAL_INFEASIBLE = 2
    DUAL_INFEASIBLE = 3
    MAX_ITERATIONS = 4
    NUMERICAL_ERROR = 5
    ALMOST_SOLVED = 6
    INTERNAL_ERROR = 7
    BACKWARD_FAILED = 8
    TIME_LIMIT = 9
    INTERRUPTED = 10

    @property
    def ok(self) -> bool:
        """Whether the status carries a usable primal-dual solution."""
        return self in OK_STATUSES


class Tolerance(IntEnum):
    """Which termination tolerances a sample's returned point meets
    (``info.tolerance``); values mirror ``LPGD_TOL_*`` in capi/lpgd.h."""

    #: Neither (a failed solve, or an infeasibility certificate).
    NONE = 0
    #: Only ``reduced_tol_feas`` and ``reduced_tol_gap`` (``Status.ALMOST_SOLVED``).
    REDUCED = 1
    #: ``tol_feas`` and ``tol_gap_abs`` or ``tol_gap_rel`` (``Status.SOLVED``).
    FULL = 2


OK_STATUSES = frozenset({Status.SOLVED, Status.ALMOST_SOLVED})
#: The integer codes of OK_STATUSES.
OK_CODES = frozenset(int(s) for s in OK_STATUSES)


def status_name(code: int) -> str:
    """Lower-case name of a status code (``"primal_infeasible"``), or ``"status(<code>)"``."""
    try:
        return Status(int(code)).name.lower()
    except ValueError:
        return f"status({int(code)})"


class AlmostSolvedWarning(UserWarning):
    """Warned (once per call) when samples end ``Status.ALMOST_SOLVED`` and
    count as solved (``SolverSettings.accept_almost_solved``, the default):
    only the reduced tolerances were met."""


def almost_solved_message(what: str, idx: list[int], single: bool) -> str:
    """The AlmostSolvedWarning message for the samples idx of a call."""
    who = "the problem" if single else f"batch elements {idx}"
    return (
        f"{what}: {who} ended almost_solved: only the reduced tolerances "
        "(reduced_tol_gap, reduced_tol_feas) were met, so the solution and its "
        "gradient are less accurate than tol_gap_*/tol_feas ask; they are used as solved"
    )


class SolverError(RuntimeError):
    """Raised when samples of a batch fail and ``on_failure="raise"``.

    Attributes:
        status: int32 tensor with the status of every sample of the batch.
        indices: batch indices of the failed samples.
    """

    def __init__(self, message: str, status: torch.Tensor, indices: Sequence[int]) -> None:
        super().__init__(message)
        self.status = status
        self.indices = list(indices)


_DIFFCP_ERROR: list[type[SolverError]] = []


def cvxpylayers_solver_error() -> type[SolverError]:
    """The SolverError class CvxpyLayer raises: when diffcp is importable, a
    subclass of both SolverError and ``diffcp.SolverError`` (so code written for
    cvxpylayers that catches ``diffcp.SolverError`` keeps working), created once
    on first use; without diffcp, SolverError itself."""
    if _DIFFCP_ERROR:
        return _DIFFCP_ERROR[0]
    try:
        base = importlib.import_module("diffcp").SolverError
    except (ImportError, AttributeError):
        return SolverError
    cls = type(
        "SolverError",
        (SolverError, base),
        {
            "__module__": __name__,
            "__qualname__": "SolverError",
            "__doc__": "lpgd_go.SolverError that is also a diffcp.SolverError "
            "(raised by CvxpyLayer when diffcp is installed).",
        },
    )
    _DIFFCP_ERROR.append(cls)
    return cls


def ok_mask(status: torch.Tensor, accept_almost_solved: bool = True) -> torch.Tensor:
    """Bool tensor: which samples count as solved (status in OK_STATUSES;
    ALMOST_SOLVED only when ``accept_almost_solved``, the settings field)."""
    ok = OK_CODES if accept_almost_solved else frozenset({int(Status.SOLVED)})
    return torch.tensor([int(v) in ok for v in status.tolist()], dtype=torch.bool)


def failure_message(what: str, bad: list[int], status: torch.Tensor, single: bool) -> str:
    """The SolverError message for failed forward solves of ``what`` (``single``:
    one problem, reported without batch indices)."""
    almost = any(int(status[i]) == Status.ALMOST_SOLVED for i in bad)
    why = (
        " (almost_solved counts as a failure because settings.accept_almost_solved is False)"
        if almost
        else ""
    )
    if single:
        return (
            f"{what} solve failed with status {status_name(int(status[0]))}{why}; pass "
            "on_failure='nan' to get NaN instead of an error"
        )
    parts = [f"{i}: {status_name(int(status[i]))}" for i in bad[:10]]
    more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
    return (
        f"{what} solve failed for batch indices {bad[:10]}{more} "
        f"(statuses {', '.join(parts)}){why}; pass on_failure='nan' to get NaN rows instead"
    )


def backward_failure_message(
    what: str, bad: list[int], status: torch.Tensor, method: BackwardMethod, detail: str
) -> str:
    """The SolverError message for failed backward passes (``detail``: Go's note)."""
    parts = ", ".join(f"{i}: {status_name(int(status[i]))}" for i in bad[:10])
    hint = ""
    if isinstance(method, LPGD) and "tau" not in detail:
        hint = (
            "; for LPGD try a smaller tau, the other side (side='left' or 'right') "
            "or fallback='other_side' / 'smaller_tau'"
        )
    detail = f" ({detail})" if detail else ""
    return (
        f"{what} backward pass failed for batch indices {bad[:10]} (statuses {parts})"
        f"{detail}{hint}; pass on_failure='nan' to get zero gradients for them instead"
    )
