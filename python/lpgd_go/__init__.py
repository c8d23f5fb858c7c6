"""lpgd_go: differentiable convex-optimization layers for PyTorch with a Go solver.

The interior-point solver and the backward passes (exact KKT, BPQP, LPGD) live
in a Go shared library (liblpgd.so) called through its C ABI (capi/lpgd.h).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._cache import (
    clear_structure_cache,
    get_structure_cache_size,
    set_structure_cache_size,
    structure_cache_len,
)
from ._info import show_config
from ._lib import get_num_threads, set_num_threads
from .backward import BPQP, KKT, LPGD
from .cone import ConeInfo, ConeLayer, Cones, SparseMatrix, solve_cone
from .qp import QPInfo, QPLayer, solve_qp
from .settings import SolverSettings
from .status import AlmostSolvedWarning, SolverError, Status, Tolerance

__version__ = "0.1.0"

__all__ = [
    "BPQP",
    "KKT",
    "LPGD",
    "AlmostSolvedWarning",
    "ConeInfo",
    "ConeLayer",
    "Cones",
    "QPInfo",
    "QPLayer",
    "SolverError",
    "SolverSettings",
    "SparseMatrix",
    "Status",
    "Tolerance",
    "__version__",
    "clear_structure_cache",
    "get_num_threads",
    "get_structure_cache_size",
    "set_num_threads",
    "set_structure_cache_size",
    "show_config",
    "solve_cone",
    "solve_qp",
    "structure_cache_len",
]

if TYPE_CHECKING:
    from . import cvxpy as cvxpy

#: Submodules imported on first attribute access (they need an optional extra).
_LAZY = {"cvxpy": "cvxpy"}


def __getattr__(name: str) -> object:
    """``lpgd_go.cvxpy`` on first use (it needs the ``cvxpy`` extra)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] != _LAZY[name]:
            raise
        raise ImportError(
            f"lpgd_go.{name} needs the optional dependency {_LAZY[name]!r}, which is not "
            f"installed ({exc}); install it with: pip install 'lpgd_go[{name}]'",
            name=exc.name,
        ) from exc


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
