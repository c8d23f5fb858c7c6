"""Per-sample solve statuses (frozen integers of lpgd.h) and SolverError."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

__all__ = ["OK_STATUSES", "SolverError", "Status", "status_name"]


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

    @property
    def ok(self) -> bool:
        """Whether the status carries a usable primal-dual solution."""
        return self in OK_STATUSES


OK_STATUSES = frozenset({Status.SOLVED, Status.ALMOST_SOLVED})


def status_name(code: int) -> str:
    """Lower-case name of a status code (``"primal_infeasible"``), or ``"status(<code>)"``."""
    try:
        return Status(int(code)).name.lower()
    except ValueError:
        return f"status({int(code)})"


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
