"""Matrix arguments in the solver's layouts: dense tensors, CSC patterns built
from any sparse input (torch COO/CSR/CSC, scipy.sparse, ``SparseMatrix``),
and the one fold of a full symmetric P onto the upper triangle of the union
of the patterns of P and Pᵀ, ``v_ij = ½(P_ij + P_ji)``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ._validate import TensorLike, check_has_data, check_shape, to_tensor

__all__ = ["Mat", "SparseMatrix", "UpperFold", "csc_colptr", "digest", "matrix"]


@dataclass
class SparseMatrix:
    """A sparse matrix with a fixed pattern and (optionally batched) values.

    Attributes:
        pattern: a scipy.sparse matrix or array (any format) whose stored entries,
            explicit zeros included, are the pattern; its own values are ignored.
            Entries must be unique.
        values: tensor of shape (nnz,) or (batch, nnz); ``values[..., k]`` is the
            value of the k-th stored entry in ``pattern.tocoo()`` order (the storage
            order for COO, CSR and CSC). Gradients flow to it (same shape).

    Example:
        >>> import scipy.sparse as sp, torch
        >>> pattern = sp.eye(3, format="csc")
        >>> A = SparseMatrix(pattern, torch.ones(3, dtype=torch.float64))
    """

    pattern: Any
    values: TensorLike


def digest(*arrays: np.ndarray) -> str:
    """A short hash of integer arrays (the cache key of a pattern)."""
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype=np.int64).tobytes())
        h.update(b"|")
    return h.hexdigest()


def csc_colptr(cols: np.ndarray, ncols: int) -> np.ndarray:
    """Column pointers (ncols + 1) of entries sorted by column whose columns are ``cols``."""
    colptr = np.zeros(ncols + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=ncols), out=colptr[1:])
    return colptr


@dataclass
class UpperFold:
    """The fold of the entries (rows, cols) of a full symmetric n × n matrix onto
    the upper triangle of the union of its pattern and the transposed one.

    Attributes:
        index: for every input entry, the position of its folded entry.
        weight: 1 on the diagonal, ½ off it (``v_ij = ½(P_ij + P_ji)``).
        rows, cols: row and column of every folded entry, in CSC order.
        colptr: CSC column pointers of the folded pattern.
        keys: ``col * n + row`` of the folded entries (sorted).
    """

    index: np.ndarray
    weight: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    colptr: np.ndarray
    keys: np.ndarray

    @classmethod
    def of(cls, r: np.ndarray, c: np.ndarray, n: int) -> UpperFold:
        ui, uj = np.minimum(r, c), np.maximum(r, c)
        keys, inv = np.unique(uj * n + ui, return_inverse=True)  # sorted = CSC order
        rows = (keys % n).astype(np.int64)
        cols = (keys // n).astype(np.int64)
        weight = np.where(r == c, 1.0, 0.5)
        return cls(inv.reshape(-1), weight, rows, cols, csc_colptr(cols, n), keys)

    @property
    def pattern(self) -> tuple[np.ndarray, np.ndarray]:
        """(colptr, rowval) of the folded upper triangle."""
        return self.colptr, self.rows


@dataclass
class Mat:
    """One matrix argument prepared for the solver.

    ``tensor`` is what the autograd Function receives (differentiable): the dense
    matrix, or the values on the solver's CSC pattern (already permuted and, for
    P, folded onto the upper triangle by differentiable torch ops)."""

    tensor: torch.Tensor
    batched: bool
    pattern: tuple[np.ndarray, np.ndarray] | None  # CSC (colptr, rowval); None = dense
    digest: str | None
    entry_rows: np.ndarray | None = None  # row/col of every CSC entry (for messages)
    entry_cols: np.ndarray | None = None

    @property
    def entries(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows, cols) of the values (sparse), or None (dense)."""
        if self.entry_rows is None or self.entry_cols is None:
            return None
        return self.entry_rows, self.entry_cols


def _is_scipy_sparse(v: object) -> bool:
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - scipy is optional
        return False
    return bool(sp.issparse(v))


def _int64(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.int64)


def _sparse_entries(
    name: str, v: object, rows: int, cols: int
) -> tuple[np.ndarray, np.ndarray, torch.Tensor, bool]:
    """(row indices, col indices, values (…, nnz) differentiable, batched) of a sparse
    argument, in the argument's own entry order."""
    if isinstance(v, SparseMatrix):
        pat = v.pattern
        if not _is_scipy_sparse(pat):
            raise ValueError(
                f"{name}.pattern must be a scipy.sparse matrix or array, got {type(pat).__name__}"
            )
        if tuple(pat.shape) != (rows, cols):
            raise ValueError(f"{name}.pattern must have shape ({rows}, {cols}), got {pat.shape}")
        coo = pat.tocoo()
        r, c = _int64(coo.row), _int64(coo.col)
        vals = to_tensor(f"{name}.values", v.values)
        nnz = len(r)
        if vals.dim() == 1 and vals.shape[0] == nnz:
            batched = False
        elif vals.dim() == 2 and vals.shape[1] == nnz:
            batched = True
        else:
            raise ValueError(
                f"{name}.values must have shape (nnz,) or (batch, nnz) with nnz={nnz} "
                f"(the pattern's stored entries), got {tuple(vals.shape)}"
            )
        return r, c, vals, batched
    if not isinstance(v, torch.Tensor):  # scipy.sparse (checked by the caller)
        sv: Any = v
        if tuple(sv.shape) != (rows, cols):
            raise ValueError(f"{name} must have shape ({rows}, {cols}), got {sv.shape}")
        coo = sv.tocsr().tocoo()  # sums duplicates
        vals = torch.as_tensor(np.asarray(coo.data, dtype=np.float64))
        return _int64(coo.row), _int64(coo.col), vals, False
    check_has_data(name, v)
    if v.dim() != 2:
        raise ValueError(
            f"{name}: a torch sparse tensor must be 2-D ({rows}, {cols}) and is shared across "
            f"the batch, got shape {tuple(v.shape)}; for batched sparse values use "
            "lpgd_go.SparseMatrix(pattern, values)"
        )
    if tuple(v.shape) != (rows, cols):
        raise ValueError(f"{name} must have shape ({rows}, {cols}), got {tuple(v.shape)}")
    if v.is_complex():
        raise ValueError(f"{name} must be real, got dtype {v.dtype}")
    if v.layout == torch.sparse_coo:
        if v.dense_dim() != 0:
            raise ValueError(f"{name}: hybrid sparse COO tensors are not supported")
        t = v if v.is_coalesced() else v.coalesce()
        idx = t.indices().cpu().numpy()
        return _int64(idx[0]), _int64(idx[1]), t.values(), False
    if v.layout == torch.sparse_csr:
        crow = _int64(v.crow_indices().cpu().numpy())
        r = np.repeat(np.arange(rows, dtype=np.int64), np.diff(crow))
        return r, _int64(v.col_indices().cpu().numpy()), v.values(), False
    if v.layout == torch.sparse_csc:
        if v.requires_grad:
            raise ValueError(
                f"{name}: torch autograd does not support gradients of sparse CSC tensors; "
                "pass a COO or CSR tensor (e.g. A.to_sparse_coo()) or lpgd_go.SparseMatrix"
            )
        ccol = _int64(v.ccol_indices().cpu().numpy())
        c = np.repeat(np.arange(cols, dtype=np.int64), np.diff(ccol))
        return _int64(v.row_indices().cpu().numpy()), c, v.values(), False
    raise ValueError(f"{name}: unsupported sparse layout {v.layout} (use COO or CSR)")


def _check_unique(name: str, r: np.ndarray, c: np.ndarray, cols: int) -> None:
    key = r * cols + c
    uniq, counts = np.unique(key, return_counts=True)
    if len(uniq) != len(key):
        k = int(uniq[np.argmax(counts > 1)])
        raise ValueError(f"{name} has duplicate entries at ({k // cols}, {k % cols})")


def _sparse_mat(name: str, v: object, rows: int, cols: int, symmetric: bool) -> Mat:
    r, c, vals, batched = _sparse_entries(name, v, rows, cols)
    _check_unique(name, r, c, cols)
    if not vals.is_floating_point():
        vals = vals.to(torch.get_default_dtype())
    dev = vals.device
    if not symmetric:
        order = np.lexsort((r, c))  # by column, then row: CSC order
        if not np.array_equal(order, np.arange(len(order))):
            vals = vals[..., torch.as_tensor(order, device=dev)]
        r, c = r[order], c[order]
        colptr = csc_colptr(c, cols)
        return Mat(vals, batched, (colptr, r), digest(colptr, r), r, c)
    # P: values on the upper triangle of the union pattern.
    fold = UpperFold.of(r, c, rows)
    index = torch.as_tensor(fold.index, device=dev)
    if len(r):
        sign = np.sign(c - r).astype(np.float64)  # P_ij − P_ji lands on the folded entry
        _check_asym(name, vals, sign, fold, index, rows, batched)
    weight = torch.as_tensor(fold.weight, device=dev, dtype=vals.dtype)
    shape = (*vals.shape[:-1], len(fold.keys))
    up = torch.zeros(shape, dtype=vals.dtype, device=dev).index_add(-1, index, vals * weight)
    return Mat(up, batched, fold.pattern, digest(*fold.pattern), fold.rows, fold.cols)


def _check_asym(
    name: str,
    vals: torch.Tensor,
    sign: np.ndarray,
    fold: UpperFold,
    index: torch.Tensor,
    n: int,
    batched: bool,
) -> None:
    """P_ij − P_ji within a tolerance scaled by the eps of P's dtype."""
    with torch.no_grad():
        shape = (*vals.shape[:-1], len(fold.keys))
        sgn = torch.as_tensor(sign, device=vals.device, dtype=vals.dtype)
        asym = torch.zeros(shape, dtype=vals.dtype, device=vals.device).index_add_(
            -1, index, vals.detach() * sgn
        )
        scale = float(vals.detach().abs().max().clamp(min=1.0))
        bad = asym.abs() > 1e3 * torch.finfo(vals.dtype).eps * scale
        if bool(bad.any()):
            where = bad.nonzero()[0]
            k = int(where[-1])
            i, j = int(fold.keys[k] % n), int(fold.keys[k] // n)
            batch = f" (batch element {int(where[0])})" if batched else ""
            raise ValueError(
                f"{name} is not symmetric{batch}: {name}[{i}, {j}] - {name}[{j}, {i}] = "
                f"{float(asym[tuple(int(w) for w in where)]):.3g}; give the full symmetric "
                "matrix (both triangles)"
            )


def is_sparse_arg(v: object) -> bool:
    """Whether v is given in a sparse form (SparseMatrix, scipy.sparse, torch sparse)."""
    if isinstance(v, SparseMatrix) or _is_scipy_sparse(v):
        return True
    return isinstance(v, torch.Tensor) and v.layout != torch.strided


def matrix(name: str, v: object, rows: int, cols: int, symmetric: bool) -> Mat:
    """A dense or sparse matrix argument of shape (rows, cols) (optionally batched)."""
    if is_sparse_arg(v):
        return _sparse_mat(name, v, rows, cols, symmetric)
    t = to_tensor(name, v)
    labels = ("n", "n") if symmetric else ("m", "n")
    batched = check_shape(name, t, (rows, cols), labels)
    return Mat(t, batched, None, None)
