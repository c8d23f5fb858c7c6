"""lpgd_go: differentiable convex-optimization layers for PyTorch with a Go solver.

The interior-point solver and the backward passes (exact KKT, BPQP, LPGD) live
in a Go shared library (liblpgd.so) called through its C ABI (capi/lpgd.h).
"""

from __future__ import annotations

from ._cache import (
    clear_structure_cache,
    get_structure_cache_size,
    set_structure_cache_size,
    structure_cache_len,
)
from ._lib import get_num_threads, set_num_threads
from .backward import BPQP, KKT, LPGD
from .cone import ConeInfo, ConeLayer, Cones, SparseMatrix, solve_cone
from .qp import QPInfo, QPLayer, solve_qp
from .settings import SolverSettings
from .status import SolverError, Status

__version__ = "0.1.0"

__all__ = [
    "BPQP",
    "KKT",
    "LPGD",
    "ConeInfo",
    "ConeLayer",
    "Cones",
    "QPInfo",
    "QPLayer",
    "SolverError",
    "SolverSettings",
    "SparseMatrix",
    "Status",
    "__version__",
    "clear_structure_cache",
    "get_num_threads",
    "get_structure_cache_size",
    "set_num_threads",
    "set_structure_cache_size",
    "solve_cone",
    "solve_qp",
    "structure_cache_len",
]
